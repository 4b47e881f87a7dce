package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"eportid/app/model"
	"eportid/backend/registry"
	"eportid/backend/store"
)

// The filings of every kind (N2–N4, L1–L3; legal_person as an alias of
// legalperson.go's routes) and, in changes.go, their changes (L4–L7):
// one set of handlers, generic over the field types, with the contract in
// app/model/api_filings.go. Every handler scopes by the session's
// enterprise; the store re-checks states, versions and roles, and writes
// the audit row in the transaction of each change of state.
//
// What the server sets whatever the page sends (prepare): the grey fields
// of a qualification filing from the enterprise's declared legal-person
// filing; those of a change from the approved filing; the registry's
// (FilingKind.RegistryKeys) from a lookup made on every save. A registry
// that fails never stops a draft: the record keeps the values it had.

// recordHandlers are the handlers of one kind of record: the filings of a
// kind, or its changes. versions and backfill are the filings' only.
type recordHandlers interface {
	list(a *API, w http.ResponseWriter, r *http.Request, c *current) error
	create(a *API, w http.ResponseWriter, r *http.Request, c *current) error
	get(a *API, w http.ResponseWriter, r *http.Request, c *current) error
	save(a *API, w http.ResponseWriter, r *http.Request, c *current) error
	declare(a *API, w http.ResponseWriter, r *http.Request, c *current) error
	remove(a *API, w http.ResponseWriter, r *http.Request, c *current) error
	history(a *API, w http.ResponseWriter, r *http.Request, c *current) error
	versions(a *API, w http.ResponseWriter, r *http.Request, c *current) error
	backfill(a *API, w http.ResponseWriter, r *http.Request, c *current) error
}

// recordOp is a method expression of recordHandlers.
type recordOp func(recordHandlers, *API, http.ResponseWriter, *http.Request, *current) error

var (
	filingHandlers = map[model.FilingKind]recordHandlers{
		model.FilingLegalPerson: records[model.LegalPerson]{},
		model.FilingCommerce:    records[model.Commerce]{},
		model.FilingCustoms:     records[model.Customs]{},
		model.FilingForex:       records[model.Forex]{},
	}
	changeHandlers = map[model.FilingKind]recordHandlers{
		model.FilingLegalPerson: records[model.LegalPerson]{change: true},
		model.FilingCommerce:    records[model.Commerce]{change: true},
		model.FilingCustoms:     records[model.Customs]{change: true},
		model.FilingForex:       records[model.Forex]{change: true},
	}
)

// filing runs op for the filings of the path's {kind}; an unknown kind is
// 404.
func (a *API) filing(op recordOp) handlerFunc { return a.byKind(filingHandlers, op) }

// change runs op for the changes of the path's {kind}.
func (a *API) change(op recordOp) handlerFunc { return a.byKind(changeHandlers, op) }

func (a *API) byKind(m map[model.FilingKind]recordHandlers, op recordOp) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *current) error {
		h, ok := m[model.FilingKind(r.PathValue("kind"))]
		if !ok {
			return &Error{Code: model.ErrNotFound, Message: "没有这种备案"}
		}
		if c.user.EnterpriseID == 0 {
			return &Error{Code: model.ErrForbidden, Message: msgForbidden}
		}
		return op(h, a, w, r, c)
	}
}

// Messages of the role rules.
const (
	msgPreEntryOnly  = "预录入只能暂存。申报须由企业法人卡持有人使用 IC 卡登录后办理"
	msgPreEntryKeep  = "预录入只能暂存，不能删除。删除须由企业法人卡持有人使用 IC 卡登录后办理"
	msgChangeNeedsLC = "变更须由企业法人卡持有人使用 IC 卡登录后办理"
)

// records are the handlers of the filings (change false) or the changes of
// the kind of F.
type records[F model.Fields] struct{ change bool }

// recordStore is what Filings and Changes have in common.
type recordStore[F model.Fields] interface {
	List(ctx context.Context, enterpriseID int64) ([]model.Record[F], error)
	Get(ctx context.Context, enterpriseID, id int64) (model.Record[F], error)
	Save(ctx context.Context, enterpriseID, id int64, version int, who store.Actor, fields F) (model.Record[F], error)
	Declare(ctx context.Context, enterpriseID, id int64, version int, who store.Actor, fields F) (model.Record[F], error)
	Delete(ctx context.Context, enterpriseID, id int64, who store.Actor) error
}

func (records[F]) kind() model.FilingKind { return model.KindOf[F]() }

func (k records[F]) store(a *API) recordStore[F] {
	if k.change {
		return changesOf[F](a.Store)
	}
	return filingsOf[F](a.Store)
}

func (k records[F]) ref(id int64) model.RecordRef {
	return model.RecordRef{Kind: k.kind(), Change: k.change, ID: id}
}

// path is the record's URL.
func (k records[F]) path(id int64) string {
	base := "/api/filings/"
	if k.change {
		base = "/api/changes/"
	}
	return base + string(k.kind()) + "/" + strconv.FormatInt(id, 10)
}

// filingsOf are the store's filings of F's kind.
func filingsOf[F model.Fields](s *store.Store) store.Filings[F] {
	var out any
	switch model.KindOf[F]() {
	case model.FilingLegalPerson:
		out = s.LegalPersonFilings()
	case model.FilingCommerce:
		out = s.CommerceFilings()
	case model.FilingCustoms:
		out = s.CustomsFilings()
	case model.FilingForex:
		out = s.ForexFilings()
	}
	return out.(store.Filings[F])
}

// changesOf are the store's changes of F's kind.
func changesOf[F model.Fields](s *store.Store) store.Changes[F] {
	var out any
	switch model.KindOf[F]() {
	case model.FilingLegalPerson:
		out = s.LegalPersonChanges()
	case model.FilingCommerce:
		out = s.CommerceChanges()
	case model.FilingCustoms:
		out = s.CustomsChanges()
	case model.FilingForex:
		out = s.ForexChanges()
	}
	return out.(store.Changes[F])
}

// actor is who acts in the session, for the store's role checks and the
// audit trail: a card session's holder (with the declaration's signature,
// cardActor), else the user.
func actor(ctx context.Context, c *current, sig *signedRecord) store.Actor {
	if act, ok := store.ActorFrom(cardActor(ctx, c, sig)); ok {
		return act
	}
	return store.Actor{UserID: c.user.ID, Name: c.user.Username, Role: c.user.Role}
}

// mayWrite checks the session's role for an operation ("save", "declare",
// "delete") with a message that says who may.
func (k records[F]) mayWrite(c *current, op string) error {
	role, kind := c.user.Role, k.kind()
	switch {
	case k.change:
		if !role.MayChange(kind) {
			return &Error{Code: model.ErrForbidden, Message: msgChangeNeedsLC}
		}
	case op == "declare" && !role.MayDeclare(kind):
		if role.MaySave(kind) {
			return &Error{Code: model.ErrForbidden, Message: msgPreEntryOnly}
		}
		return &Error{Code: model.ErrForbidden, Message: msgForbidden}
	case op == "delete" && !role.MayDelete(kind):
		if role.MaySave(kind) {
			return &Error{Code: model.ErrForbidden, Message: msgPreEntryKeep}
		}
		return &Error{Code: model.ErrForbidden, Message: msgForbidden}
	case !role.MaySave(kind):
		return &Error{Code: model.ErrForbidden, Message: msgForbidden}
	}
	return nil
}

// ---- reading ----

// list: GET /api/filings/{kind}, GET /api/changes/{kind}.
func (k records[F]) list(a *API, w http.ResponseWriter, r *http.Request, c *current) error {
	ctx := r.Context()
	list, err := k.store(a).List(ctx, c.user.EnterpriseID)
	if err != nil {
		return err
	}
	out := make([]json.RawMessage, len(list))
	for i, rec := range list {
		if out[i], err = k.signedJSON(ctx, a, rec, nil); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// get: GET /api/filings/{kind}/{id}, GET /api/changes/{kind}/{id}.
func (k records[F]) get(a *API, w http.ResponseWriter, r *http.Request, c *current) error {
	id, err := recordID(r)
	if err != nil {
		return err
	}
	rec, err := k.store(a).Get(r.Context(), c.user.EnterpriseID, id)
	if err != nil {
		return err
	}
	out, err := k.signedJSON(r.Context(), a, rec, nil)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// signedJSON is the record's JSON with, as the legal-person route's, the
// card signature of its current declaration ("card_signature", X3): sig
// when given, else the kept one, verified again.
func (k records[F]) signedJSON(ctx context.Context, a *API, rec model.Record[F], sig *model.RecordSignature) (json.RawMessage, error) {
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	if sig == nil {
		if sig, err = a.signatureOf(ctx, rec.EnterpriseID, rec.Ref(), rec.State, rec.DeclaredAt, model.Values(&rec.Fields)); err != nil {
			return nil, err
		}
	}
	if sig == nil || len(b) < 2 {
		return b, nil
	}
	sb, err := json.Marshal(sig)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(b)+len(sb)+20)
	out = append(out, b[:len(b)-1]...)
	out = append(out, `,"card_signature":`...)
	out = append(out, sb...)
	return append(out, '}'), nil
}

// history: GET …/{id}/history, the audit trail (X4), oldest first. A
// record of another enterprise, or none, has no history: 404.
func (k records[F]) history(a *API, w http.ResponseWriter, r *http.Request, c *current) error {
	id, err := recordID(r)
	if err != nil {
		return err
	}
	list, err := a.Store.History(r.Context(), c.user.EnterpriseID, k.ref(id))
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return &Error{Code: model.ErrNotFound, Message: msgNotFound}
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

// versions: GET /api/filings/{kind}/{id}/versions, the values approved
// changes replaced, oldest first.
func (k records[F]) versions(a *API, w http.ResponseWriter, r *http.Request, c *current) error {
	if k.change {
		return &Error{Code: model.ErrNotFound, Message: msgNotFound}
	}
	id, err := recordID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if _, err := k.store(a).Get(ctx, c.user.EnterpriseID, id); err != nil {
		return err
	}
	list, err := a.Store.PastVersions(ctx, c.user.EnterpriseID, k.kind(), id)
	if err != nil {
		return err
	}
	if list == nil {
		list = []model.PastVersion{}
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

// ---- writing ----

// create: POST /api/filings/{kind} (新增 + 暂存); for a change, changes.go.
func (k records[F]) create(a *API, w http.ResponseWriter, r *http.Request, c *current) error {
	if k.change {
		return k.createChange(a, w, r, c)
	}
	if err := k.mayWrite(c, "save"); err != nil {
		return err
	}
	var req model.SaveRequest[F]
	if err := decode(w, r, &req); err != nil {
		return err
	}
	ctx := r.Context()
	ent, err := a.enterprise(ctx, c)
	if err != nil {
		return err
	}
	f := req.Fields
	if err := k.prepare(ctx, a, ent, &f, model.Draft, nil, 0); err != nil {
		return err
	}
	rec, err := filingsOf[F](a.Store).Create(ctx, ent.ID, actor(ctx, c, nil), f)
	if errors.Is(err, store.ErrDuplicate) {
		return &Error{Code: model.ErrConflict, Message: "本企业已有" + k.kind().FilingLabel() + "记录，请在列表中打开它修改", Err: err}
	}
	if err != nil {
		return err
	}
	w.Header().Set("Location", k.path(rec.ID))
	writeJSON(w, http.StatusCreated, rec)
	return nil
}

// save: PUT …/{id} (暂存).
func (k records[F]) save(a *API, w http.ResponseWriter, r *http.Request, c *current) error {
	return k.update(a, w, r, c, model.Draft)
}

// declare: POST …/{id}/declare (申报): saved and declared in one
// transaction. A second declaration of the same version is refused
// (ErrState): declaring twice declares once.
func (k records[F]) declare(a *API, w http.ResponseWriter, r *http.Request, c *current) error {
	return k.update(a, w, r, c, model.Declare)
}

// cardSignatureOnly reads the card signature of a declaration's body.
type cardSignatureOnly struct {
	CardSignature *model.CardSignature `json:"card_signature"`
}

func (k records[F]) update(a *API, w http.ResponseWriter, r *http.Request, c *current, mode model.Mode) error {
	op := "save"
	if mode == model.Declare {
		op = "declare"
	}
	if err := k.mayWrite(c, op); err != nil {
		return err
	}
	id, err := recordID(r)
	if err != nil {
		return err
	}
	var raw json.RawMessage
	if err := decode(w, r, &raw); err != nil {
		return err
	}
	var req model.SaveRequest[F]
	var sig cardSignatureOnly
	if err := json.Unmarshal(raw, &req); err != nil {
		return &Error{Code: model.ErrInvalid, Message: "请求内容不是有效的 JSON", Err: err}
	}
	if mode == model.Declare {
		if err := json.Unmarshal(raw, &sig); err != nil {
			return &Error{Code: model.ErrInvalid, Message: "请求内容不是有效的 JSON", Err: err}
		}
	}
	ctx := r.Context()
	ent, err := a.enterprise(ctx, c)
	if err != nil {
		return err
	}
	st := k.store(a)
	old, err := st.Get(ctx, ent.ID, id)
	if err != nil {
		return err
	}
	if !old.State.CanEdit() {
		// Said before the fields are checked: a declared record's
		// fields do not matter.
		return k.stateError(old.State, op, store.ErrState)
	}
	f := req.Fields
	if err := k.prepare(ctx, a, ent, &f, mode, &old, old.FilingID); err != nil {
		return err
	}
	var signed *signedRecord
	if mode == model.Declare {
		// A card holder signs what will be stored, as the version the
		// declaration makes (X3).
		if signed, err = a.verifyDeclaration(c, ent, k.ref(id), req.Version+1, model.Values(&f), sig.CardSignature); err != nil {
			return err
		}
	}
	var rec model.Record[F]
	if mode == model.Declare {
		rec, err = st.Declare(ctx, ent.ID, id, req.Version, actor(ctx, c, signed), f)
	} else {
		rec, err = st.Save(ctx, ent.ID, id, req.Version, actor(ctx, c, nil), f)
	}
	if err != nil {
		return k.writeError(ctx, a, ent.ID, id, op, err)
	}
	var kept *model.RecordSignature
	if signed != nil {
		if kept, err = a.keepSignature(ctx, ent.ID, signed, rec.Version, model.Values(&rec.Fields), rec.DeclaredAt); err != nil {
			// Declared, and the audit row holds the signature; only the
			// record's own copy is missing.
			a.Log.ErrorContext(ctx, "keep record signature", "record", signed.ref.String(), "err", err)
			kept = nil
		}
	}
	out, err := k.signedJSON(ctx, a, rec, kept)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// remove: DELETE …/{id} (删除, for good; draft or returned only).
func (k records[F]) remove(a *API, w http.ResponseWriter, r *http.Request, c *current) error {
	if err := k.mayWrite(c, "delete"); err != nil {
		return err
	}
	id, err := recordID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if err := k.store(a).Delete(ctx, c.user.EnterpriseID, id, actor(ctx, c, nil)); err != nil {
		return k.writeError(ctx, a, c.user.EnterpriseID, id, "delete", err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// writeError words ErrState by the record's state as it is now.
func (k records[F]) writeError(ctx context.Context, a *API, enterpriseID, id int64, op string, err error) error {
	if !errors.Is(err, store.ErrState) {
		return err
	}
	st := model.StateDeclared
	if rec, gerr := k.store(a).Get(ctx, enterpriseID, id); gerr == nil {
		st = rec.State
	}
	return k.stateError(st, op, err)
}

// stateError says why a record in state st may not undergo op; an
// approved filing's message says to change it instead.
func (k records[F]) stateError(st model.State, op string, err error) error {
	var hint string
	if op != "delete" && !k.change {
		hint = "；如需修改，请办理" + k.kind().ChangeLabel()
	}
	return stateError(st, op, hint, err)
}

// stateError says why a record in state st may not undergo op ("save",
// "declare", "delete"); approvedHint follows the message of an approved
// record.
func stateError(st model.State, op, approvedHint string, err error) error {
	var what string
	switch op {
	case "declare":
		what = "不能再次申报"
	case "delete":
		what = "不能删除（只有暂存或退单的记录可以删除）"
	default:
		what = "不能修改"
	}
	var msg string
	switch st {
	case model.StateDeclared:
		msg = "该记录已申报，" + what
	case model.StateApproved:
		msg = "该记录已审批通过，" + what + approvedHint
	default:
		msg = "该记录当前状态为“" + st.Label() + "”，" + what
	}
	return &Error{Code: model.ErrState, Message: msg, Err: err}
}

// ---- what the server sets and checks ----

// prepare normalizes f and sets the fields the system fills, then checks
// it in mode: for a qualification filing the grey fields of the declared
// legal-person filing (ErrLegalPersonFirst without one); for a change
// those fixed from the approved filing filingID; the registry's fields from
// a lookup (on failure: old's values, or the approved filing's, and a
// forex declaration is refused); a forex record the bureau cancelled or
// revoked is refused. old is the record as stored (nil on create).
func (k records[F]) prepare(ctx context.Context, a *API, ent store.Enterprise, f *F, mode model.Mode, old *model.Record[F], filingID int64) error {
	kind := k.kind()
	model.NormalizeFields(f)
	var fallback *F // the registry's fields when the lookup fails
	if old != nil {
		fallback = &old.Fields
	}
	switch {
	case k.change:
		filing, err := filingsOf[F](a.Store).Get(ctx, ent.ID, filingID)
		if errors.Is(err, store.ErrNotFound) {
			return &Error{Code: model.ErrNotFound, Message: "要变更的" + kind.FilingLabel() + "不存在", Err: err}
		}
		if err != nil {
			return err
		}
		if filing.State != model.StateApproved {
			return &Error{Code: model.ErrState, Message: "只有审批通过的" + kind.FilingLabel() + "可以变更，该备案当前状态为“" + filing.State.Label() + "”"}
		}
		model.KeepFields(f, filing.Fields, kind.FixedInChange())
		if fallback == nil {
			fallback = &filing.Fields
		}
	case kind.Qualification():
		lp, ok, err := declaredLegalPerson(ctx, a.Store, ent.ID)
		if err != nil {
			return err
		}
		if !ok {
			return &Error{Code: model.ErrLegalPersonFirst, Message: model.MsgLegalPersonFirst}
		}
		model.FillFromLegalPerson(f, lp)
	}
	if keys := k.registryKeys(); len(keys) > 0 {
		// 暂存 must not wait on a slow registry for long: the page has the
		// back-fill already, and the stored values are kept when it fails.
		lctx := ctx
		if mode == model.Draft {
			var cancel context.CancelFunc
			lctx, cancel = context.WithTimeout(ctx, draftRegistryWait)
			defer cancel()
		}
		reg, err := lookupRegistry[F](lctx, a, ent.CreditCode)
		switch {
		case err == nil:
			model.KeepFields(f, reg, keys)
		case errors.Is(err, registry.ErrNotFound):
			var zero F
			model.KeepFields(f, zero, keys)
		default:
			a.Log.WarnContext(ctx, "registry lookup failed", "kind", string(kind), "enterprise_id", ent.ID, "err", err)
			if mode == model.Declare && kind == model.FilingForex {
				return &Error{Code: model.ErrRegistryUnavailable, Err: err,
					Message: registry.Message(err) + "外汇资质须按外汇管理局的当前备案状态申报，请稍后再申报（可先暂存）。"}
			}
			var keep F
			if fallback != nil {
				keep = *fallback
			}
			model.KeepFields(f, keep, keys)
		}
	}
	model.NormalizeFields(f)
	if kind == model.FilingForex {
		if st := model.ForexStatus(model.Values(f)["bureau_status"]); st.Blocks() {
			return &Error{Code: model.ErrForexBlocked, Message: forexBlockedMessage(st)}
		}
	}
	return k.check(ctx, a, ent, f, mode)
}

// draftRegistryWait bounds the registry lookup of a 暂存 (the full
// registry timeout still applies to 申报 and to the back-fill).
const draftRegistryWait = 800 * time.Millisecond

// registryKeys are the fields the registry fills: a filing's
// RegistryKeys; in a change those not fixed from the approved filing (the
// forex bureau's classification and state are carried anew).
func (k records[F]) registryKeys() []string {
	keys := k.kind().RegistryKeys()
	if !k.change {
		return keys
	}
	fixed := k.kind().FixedInChange()
	var out []string
	for _, key := range keys {
		if !slices.Contains(fixed, key) {
			out = append(out, key)
		}
	}
	return out
}

// check runs the field rules in mode (X2): the model's, and those that
// need the reference data. Field errors are a 422.
func (k records[F]) check(ctx context.Context, a *API, ent store.Enterprise, f *F, mode model.Mode) error {
	if p, ok := any(f).(*model.LegalPerson); ok {
		if k.change {
			p.CreditCode = ent.CreditCode // fixed; set from the filing already
		}
		return a.checkLegalPerson(ctx, ent, p, mode)
	}
	errs := model.ValidateFields(f, k.change, mode)
	if errs == nil {
		errs = model.FieldErrors{}
	}
	if p, ok := any(f).(*model.Customs); ok {
		for _, d := range []struct{ key, value string }{
			{"supervising_customs", p.SupervisingCustoms}, {"filing_customs", p.FilingCustoms},
		} {
			if d.value == "" || errs[d.key] != "" {
				continue
			}
			list, err := a.customsDistrictList(ctx)
			if err != nil {
				return err
			}
			if !hasOption(list, d.value) {
				errs.Add(d.key, label(model.CustomsForm, d.key)+"：请从列表中选择")
			}
		}
	}
	if len(errs) > 0 {
		return invalid(errs)
	}
	return nil
}

// declaredLegalPerson is the enterprise's legal-person filing if it was
// ever declared (declared_at is kept through a return and an approval).
func declaredLegalPerson(ctx context.Context, s *store.Store, enterpriseID int64) (model.LegalPerson, bool, error) {
	list, err := s.LegalPersonFilings().List(ctx, enterpriseID)
	if err != nil {
		return model.LegalPerson{}, false, err
	}
	for _, r := range list {
		if r.DeclaredAt != nil {
			return r.Fields, true, nil
		}
	}
	return model.LegalPerson{}, false, nil
}

// lookupRegistry asks the registry of F's kind for the credit code's
// record; registry.ErrNotFound for the legal-person kind (no registry).
func lookupRegistry[F model.Fields](ctx context.Context, a *API, creditCode string) (F, error) {
	var out F
	var err error
	switch p := any(&out).(type) {
	case *model.Commerce:
		*p, err = a.Registries.Commerce.Lookup(ctx, creditCode)
	case *model.Customs:
		*p, err = a.Registries.Customs.Lookup(ctx, creditCode)
	case *model.Forex:
		*p, err = a.Registries.Forex.Lookup(ctx, creditCode)
	default:
		err = registry.ErrNotFound
	}
	return out, err
}

// defaultRegistries sets the database's registries where none is given.
func (a *API) defaultRegistries() {
	db := registry.NewDB(a.Store)
	if a.Registries.Commerce == nil {
		a.Registries.Commerce = db.Commerce
	}
	if a.Registries.Customs == nil {
		a.Registries.Customs = db.Customs
	}
	if a.Registries.Forex == nil {
		a.Registries.Forex = db.Forex
	}
}

// ---- back-fill (L1–L3) ----

// backfill: GET /api/filings/{kind}/backfill, the values to start a new
// form with: the enterprise's filing of the kind if it has one (a
// pre-entry to take over), else the registry's record; the grey fields of
// the legal-person filing over either. A registry that fails is said in
// Message, never an error.
func (k records[F]) backfill(a *API, w http.ResponseWriter, r *http.Request, c *current) error {
	if k.change {
		return &Error{Code: model.ErrNotFound, Message: msgNotFound}
	}
	ctx := r.Context()
	ent, err := a.enterprise(ctx, c)
	if err != nil {
		return err
	}
	kind := k.kind()
	if kind == model.FilingLegalPerson {
		lp := model.LegalPerson{
			CreditCode: ent.CreditCode, NameCN: ent.NameCN, LegalRepName: ent.LegalRepName,
			LegalRepIDType: ent.LegalRepIDType, LegalRepIDNumber: ent.LegalRepIDNumber,
			Province: ent.Province, City: ent.City, Address: ent.Address, Phone: ent.Phone,
		}
		lp.Normalize()
		writeJSON(w, http.StatusOK, model.Backfill{Fields: model.Values(&lp), Source: model.BackfillEnterprise})
		return nil
	}
	lp, ok, err := declaredLegalPerson(ctx, a.Store, ent.ID)
	if err != nil {
		return err
	}
	if !ok {
		return &Error{Code: model.ErrLegalPersonFirst, Message: model.MsgLegalPersonFirst}
	}
	out := model.Backfill{Source: model.BackfillLegalPerson}
	var f F
	list, err := filingsOf[F](a.Store).List(ctx, ent.ID)
	if err != nil {
		return err
	}
	if len(list) > 0 {
		f, out.Source, out.RecordID = list[0].Fields, model.BackfillPreEntry, list[0].ID
	}
	keys := kind.RegistryKeys()
	reg, err := lookupRegistry[F](ctx, a, ent.CreditCode)
	switch {
	case err == nil:
		out.Registry = model.RegistryOK
		if out.Source == model.BackfillPreEntry {
			model.KeepFields(&f, reg, keys)
		} else {
			f, out.Source = reg, model.BackfillRegistry
		}
	case errors.Is(err, registry.ErrNotFound):
		out.Registry, out.Message = model.RegistryNotFound, registry.Message(err)
		var zero F
		model.KeepFields(&f, zero, keys)
	default:
		a.Log.WarnContext(ctx, "registry lookup failed", "kind", string(kind), "enterprise_id", ent.ID, "err", err)
		out.Registry, out.Message = model.RegistryFailed, registry.Message(err)
	}
	model.FillFromLegalPerson(&f, lp)
	model.NormalizeFields(&f)
	out.Fields = model.Values(&f)
	if kind == model.FilingForex {
		if st := model.ForexStatus(out.Fields["bureau_status"]); st.Blocks() {
			out.Blocked, out.Message = true, forexBlockedMessage(st)
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
