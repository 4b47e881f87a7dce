package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"eportid/app/model"
	"eportid/backend/registry"
	"eportid/backend/store"
)

// The filings of every kind (N1–N4, L1–L3) and their changes (L4–L7): one
// set of handlers over the kinds of model.Kinds, with the contract in
// app/model/api_filings.go. Every handler scopes by the session's
// enterprise (another enterprise's id is "not found", never "forbidden");
// the store re-checks states, versions and roles, fills the grey fields
// in its transaction, and writes the audit row of each change of state.
//
// What this layer does besides: it checks the format of what was sent
// (model.KindSpec.Validate, and the choices against the reference data:
// fieldcheck.go), asks the kind's registry (a registry that fails never
// stops a draft: the store keeps the values the record had), and has a
// card holder's declaration signed (X3: the store hands it the values as
// they will be stored).

// kindRecords are the handlers' view of one kind: its spec, and whether
// they serve its filings or its changes.
type kindRecords struct {
	sp     *model.KindSpec
	change bool
}

// recordOp is a handler of the records of a kind.
type recordOp func(a *API, k kindRecords, w http.ResponseWriter, r *http.Request, c *current) error

// filing runs op for the filings of the path's {kind}; an unknown kind is
// 404.
func (a *API) filing(op recordOp) handlerFunc { return a.byKind(false, op) }

// change runs op for the changes of the path's {kind}.
func (a *API) change(op recordOp) handlerFunc { return a.byKind(true, op) }

func (a *API) byKind(change bool, op recordOp) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *current) error {
		sp := model.FilingKind(r.PathValue("kind")).Spec()
		if sp == nil || change && sp.NoChanges {
			return &Error{Code: model.ErrNotFound, Message: "没有这种备案"}
		}
		if c.user.EnterpriseID == 0 {
			return &Error{Code: model.ErrForbidden, Message: msgForbidden}
		}
		k := kindRecords{sp: sp, change: change}
		if err := a.mayOperate(r.Context(), c, k); err != nil {
			return err
		}
		return op(a, k, w, r, c)
	}
}

func (k kindRecords) kind() model.FilingKind { return k.sp.Kind }

func (k kindRecords) store(a *API) store.Records {
	if k.change {
		return a.Store.Changes(k.kind())
	}
	return a.Store.Filings(k.kind())
}

func (k kindRecords) ref(id int64) model.RecordRef {
	return model.RecordRef{Kind: k.kind(), Change: k.change, ID: id}
}

// path is the record's URL.
func (k kindRecords) path(id int64) string {
	base := "/api/filings/"
	if k.change {
		base = "/api/changes/"
	}
	return base + string(k.kind()) + "/" + strconv.FormatInt(id, 10)
}

// Messages of the role rules.
const (
	msgPreEntryOnly  = "预录入只能暂存。申报须由企业法人卡持有人使用 IC 卡登录后办理"
	msgPreEntryKeep  = "预录入只能暂存，不能删除。删除须由企业法人卡持有人使用 IC 卡登录后办理"
	msgChangeNeedsLC = "变更须由企业法人卡持有人使用 IC 卡登录后办理"
)

// enterprise is the session user's enterprise, as read with the session.
func (a *API) enterprise(ctx context.Context, c *current) (store.Enterprise, error) {
	if c.user.EnterpriseID == 0 {
		return store.Enterprise{}, &Error{Code: model.ErrForbidden, Message: msgForbidden}
	}
	if c.enterprise != nil {
		return *c.enterprise, nil
	}
	return a.Store.EnterpriseByID(ctx, c.user.EnterpriseID)
}

// recordID is the {id} of the path; a malformed one is simply not found.
func recordID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, &Error{Code: model.ErrNotFound, Message: msgNotFound}
	}
	return id, nil
}

// recordOfPath is the record a path's {kind} and {id} name, as filings
// (change false) or changes; nil when they name none.
func recordOfPath(change bool) func(*http.Request) *model.RecordRef {
	return func(r *http.Request) *model.RecordRef {
		sp := model.FilingKind(r.PathValue("kind")).Spec()
		id, err := recordID(r)
		if sp == nil || err != nil {
			return nil
		}
		return &model.RecordRef{Kind: sp.Kind, Change: change, ID: id}
	}
}

// actor is who acts in the session, for the store's role checks and the
// audit trail: a card session's holder, with the declaration's signature
// when there is one, else the user.
func actor(c *current, sig *signedRecord) store.Actor {
	act := store.Actor{UserID: c.user.ID, Name: c.user.Username, Role: c.user.Role}
	if c.card != nil {
		act.Name, act.CardNumber = c.card.HolderName, c.card.Number
		if sig != nil {
			act.Signature, act.Certificate = sig.signatureText(), sig.certificateText()
		}
	}
	return act
}

// mayWrite checks the session's role for an operation ("save", "declare",
// "delete") with a message that says who may.
func (k kindRecords) mayWrite(c *current, op string) error {
	role, kind := c.user.Role, k.kind()
	if role == model.RoleOperatorCard {
		// The authorisation was checked for the kind (mayOperate) and is
		// checked again in the store's transaction.
		switch {
		case k.change:
			return &Error{Code: model.ErrForbidden, Message: msgOperatorNoChange}
		case op == "delete":
			return &Error{Code: model.ErrForbidden, Message: msgOperatorNoDelete}
		}
		return nil
	}
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

// listRecords: GET /api/filings/{kind}, GET /api/changes/{kind}.
func listRecords(a *API, k kindRecords, w http.ResponseWriter, r *http.Request, c *current) error {
	ctx := r.Context()
	list, err := k.store(a).List(ctx, c.user.EnterpriseID)
	if err != nil {
		return err
	}
	for i := range list {
		if err := a.withSignature(ctx, &list[i]); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

// getRecord: GET /api/filings/{kind}/{id}, GET /api/changes/{kind}/{id}.
func getRecord(a *API, k kindRecords, w http.ResponseWriter, r *http.Request, c *current) error {
	id, err := recordID(r)
	if err != nil {
		return err
	}
	rec, err := k.store(a).Get(r.Context(), c.user.EnterpriseID, id)
	if err != nil {
		return err
	}
	if err := a.withSignature(r.Context(), &rec); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rec)
	return nil
}

// withSignature sets the card signature of the record's current
// declaration (X3), verified again, where there is one.
func (a *API) withSignature(ctx context.Context, rec *model.Record) error {
	sig, err := a.signatureOf(ctx, rec.EnterpriseID, rec.Ref(), rec.State, rec.DeclaredAt, rec.Fields)
	if err != nil {
		return err
	}
	rec.Signature = sig
	return nil
}

// recordHistory: GET …/{id}/history, the audit trail (X4), oldest first. A
// record of another enterprise, or none, has no history: 404.
func recordHistory(a *API, k kindRecords, w http.ResponseWriter, r *http.Request, c *current) error {
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

// recordVersions: GET /api/filings/{kind}/{id}/versions, the values
// approved changes replaced, oldest first.
func recordVersions(a *API, k kindRecords, w http.ResponseWriter, r *http.Request, c *current) error {
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

// createRecord: POST /api/filings/{kind} (新增 + 暂存), POST
// /api/changes/{kind} (a draft change of the approved filing filing_id).
func createRecord(a *API, k kindRecords, w http.ResponseWriter, r *http.Request, c *current) error {
	if err := k.mayWrite(c, "save"); err != nil {
		return err
	}
	req, err := decodeSave(w, r, k.sp)
	if err != nil {
		return err
	}
	if k.change && req.FilingID <= 0 {
		return &Error{Code: model.ErrInvalid, Message: "请选择要变更的备案",
			Fields: model.FieldErrors{"filing_id": "要变更的备案：必填"}}
	}
	ctx := r.Context()
	ent, err := a.enterprise(ctx, c)
	if err != nil {
		return err
	}
	in, lookErr, err := a.input(ctx, k, c, ent, req, model.Draft)
	if err != nil {
		return err
	}
	rec, err := k.store(a).Create(ctx, ent.ID, req.FilingID, actor(c, nil), in)
	switch {
	case errors.Is(err, store.ErrOpenChange):
		return err // errors.go words it
	case k.change && errors.Is(err, store.ErrNotFound):
		return &Error{Code: model.ErrNotFound, Message: "要变更的" + k.kind().FilingLabel() + "不存在", Err: err}
	case k.change && errors.Is(err, store.ErrState):
		return &Error{Code: model.ErrState, Message: "只有审批通过的" + k.kind().FilingLabel() + "可以变更", Err: err}
	case errors.Is(err, store.ErrDuplicate):
		return k.duplicate(err)
	case err != nil:
		return registryError(err, lookErr)
	}
	w.Header().Set("Location", k.path(rec.ID))
	writeJSON(w, http.StatusCreated, rec)
	return nil
}

// saveRecord: PUT …/{id} (暂存).
func saveRecord(a *API, k kindRecords, w http.ResponseWriter, r *http.Request, c *current) error {
	return k.update(a, w, r, c, model.Draft)
}

// declareRecord: POST …/{id}/declare (申报): saved and declared in one
// transaction. A second declaration of the same version is refused
// (ErrState): declaring twice declares once.
func declareRecord(a *API, k kindRecords, w http.ResponseWriter, r *http.Request, c *current) error {
	return k.update(a, w, r, c, model.Declare)
}

func (k kindRecords) update(a *API, w http.ResponseWriter, r *http.Request, c *current, mode model.Mode) error {
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
	req, err := decodeSave(w, r, k.sp)
	if err != nil {
		return err
	}
	ctx := r.Context()
	ent, err := a.enterprise(ctx, c)
	if err != nil {
		return err
	}
	st := k.store(a)
	in, lookErr, err := a.input(ctx, k, c, ent, req, mode)
	in.Read = c.read
	if err != nil {
		// A record that is not there, or whose state forbids op, is
		// said before its fields: a declared record's fields do not
		// matter. The store's transaction checks both again; the record
		// is read here only on this path.
		old, gerr := st.Get(ctx, ent.ID, id)
		switch {
		case gerr != nil:
			return gerr
		case !old.State.CanEdit():
			return k.stateError(old.State, op, store.ErrState)
		}
		return err
	}
	var signed *signedRecord
	var rec model.Record
	if mode == model.Declare {
		if c.card != nil {
			ref := k.ref(id)
			// The card holder signed what the store will keep, as the
			// version the declaration makes (X3).
			in.Sign = func(vals model.Fields, version int) (store.Actor, *store.RecordSignature, error) {
				s, err := a.verifyDeclaration(c, ent, ref, version, vals, req.CardSignature)
				if err != nil {
					return store.Actor{}, nil, err
				}
				signed = s
				return actor(c, s), s.kept(), nil
			}
		}
		rec, err = st.Declare(ctx, ent.ID, id, req.Version, actor(c, nil), in)
	} else {
		rec, err = st.Save(ctx, ent.ID, id, req.Version, actor(c, nil), in)
	}
	if err != nil {
		return k.writeError(ctx, a, ent.ID, id, op, registryError(err, lookErr))
	}
	if signed != nil {
		if rec.Signature, err = signed.shown(rec); err != nil {
			a.Log.ErrorContext(ctx, "declared record signature", "record", signed.ref.String(), "err", err)
			rec.Signature = nil
		}
	}
	writeJSON(w, http.StatusOK, rec)
	return nil
}

// removeRecord: DELETE …/{id} (删除, for good; draft or returned only).
func removeRecord(a *API, k kindRecords, w http.ResponseWriter, r *http.Request, c *current) error {
	if err := k.mayWrite(c, "delete"); err != nil {
		return err
	}
	id, err := recordID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if err := k.store(a).Delete(ctx, c.user.EnterpriseID, id, actor(c, nil)); err != nil {
		return k.writeError(ctx, a, c.user.EnterpriseID, id, "delete", err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// duplicate says which record is there already.
func (k kindRecords) duplicate(err error) error {
	if k.sp.UniqueKey != "" {
		f, _ := k.sp.Form.Field(k.sp.UniqueKey)
		return &Error{Code: model.ErrConflict, Err: err, Fields: model.FieldErrors{f.Key: f.Label + "：本企业已有此" + f.Label + "的" + k.sp.Label + "，同一人只能有一条"},
			Message: "本企业已有此" + f.Label + "的" + k.sp.Label + "（同一人只能有一条申请或一张操作员卡），请在列表中打开它"}
	}
	return &Error{Code: model.ErrConflict, Message: "本企业已有" + k.kind().FilingLabel() + "记录，请在列表中打开它修改", Err: err}
}

// writeError words ErrState by the record's state as it is now, and a
// duplicate as duplicate does.

func (k kindRecords) writeError(ctx context.Context, a *API, enterpriseID, id int64, op string, err error) error {
	if errors.Is(err, store.ErrDuplicate) && !errors.Is(err, store.ErrOpenChange) {
		return k.duplicate(err)
	}
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
func (k kindRecords) stateError(st model.State, op string, err error) error {
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
		msg = "该记录已审批通过，" + what
		if op != "delete" && !k.change {
			msg += "；如需修改，请办理" + k.kind().ChangeLabel()
		}
	default:
		msg = "该记录当前状态为“" + st.Label() + "”，" + what
	}
	return &Error{Code: model.ErrState, Message: msg, Err: err}
}

// ---- what the server checks and asks ----

// input checks what was sent in mode and asks the kind's registry: the
// store's Input, and why the registry could not be asked (nil when it
// answered). Field errors are a 422.
func (a *API) input(ctx context.Context, k kindRecords, c *current, ent store.Enterprise, req model.SaveRequest, mode model.Mode) (store.Input, error, error) {
	vals := k.sp.Normalize(req.Fields, k.change)
	if err := a.checkFields(ctx, k, c.user.Role, ent, vals, mode); err != nil {
		return store.Input{}, nil, err
	}
	in := store.Input{Fields: vals}
	if len(k.sp.RegistryKeysOf(k.change)) == 0 {
		return in, nil, nil
	}
	// 暂存 must not wait on a slow registry for long: the page has the
	// back-fill already, and the stored values are kept when it fails.
	lctx := ctx
	if mode == model.Draft {
		var cancel context.CancelFunc
		lctx, cancel = context.WithTimeout(ctx, draftRegistryWait)
		defer cancel()
	}
	reg, err := a.lookup(lctx, k.sp, ent.CreditCode)
	switch {
	case err == nil:
		in.Registry = &store.RegistryAnswer{Found: true, Fields: reg}
	case errors.Is(err, registry.ErrNotFound):
		in.Registry = &store.RegistryAnswer{}
	default:
		a.Log.WarnContext(ctx, "registry lookup failed", "kind", string(k.kind()), "enterprise_id", ent.ID, "err", err)
		return in, err, nil
	}
	return in, nil, nil
}

// draftRegistryWait bounds the registry lookup of a 暂存 (the full
// registry timeout still applies to 申报 and to the back-fill).
const draftRegistryWait = 800 * time.Millisecond

// registryError words the store's ErrRegistryUnavailable with why the
// registry could not be asked (lookErr).
func registryError(err, lookErr error) error {
	if !errors.Is(err, store.ErrRegistryUnavailable) {
		return err
	}
	why := "外部备案系统暂时无法访问。"
	if lookErr != nil {
		why = registry.Message(lookErr)
	}
	return &Error{Code: model.ErrRegistryUnavailable, Err: err,
		Message: why + "外汇资质须按外汇管理局的当前备案状态申报，请稍后再申报（可先暂存）。"}
}

// lookup asks the registry of a kind for the credit code's record;
// registry.ErrNotFound for a kind without one.
func (a *API) lookup(ctx context.Context, sp *model.KindSpec, creditCode string) (model.Fields, error) {
	reg := a.Registries[sp.Kind]
	if sp.Registry == "" || reg == nil {
		return nil, registry.ErrNotFound
	}
	return reg.Lookup(ctx, creditCode)
}

// defaultRegistries sets the database's registries where none is given.
func (a *API) defaultRegistries() {
	db := registry.NewDB(a.Store)
	if a.Registries == nil {
		a.Registries = registry.Registries{}
	}
	for k, r := range db {
		if a.Registries[k] == nil {
			a.Registries[k] = r
		}
	}
}

// declaredLegalPerson is the enterprise's legal-person filing if it was
// ever declared (declared_at is kept through a return and an approval).
func declaredLegalPerson(ctx context.Context, s *store.Store, enterpriseID int64) (model.Fields, bool, error) {
	list, err := s.Filings(model.FilingLegalPerson).List(ctx, enterpriseID)
	if err != nil {
		return nil, false, err
	}
	for _, r := range list {
		if r.DeclaredAt != nil {
			return r.Fields, true, nil
		}
	}
	return nil, false, nil
}

// ---- back-fill (N1–N4, L1–L3) ----

// backfill: GET /api/filings/{kind}/backfill, the values to start a new
// form with: the enterprise's filing of the kind if it has one (a
// pre-entry to take over), else the registry's record; the grey fields of
// the legal-person filing over either, and its data as a proposal where
// the registry has none. A registry that fails is said in Message, never
// an error.
func backfill(a *API, k kindRecords, w http.ResponseWriter, r *http.Request, c *current) error {
	ctx := r.Context()
	ent, err := a.enterprise(ctx, c)
	if err != nil {
		return err
	}
	sp := k.sp
	list, err := a.Store.Filings(sp.Kind).List(ctx, ent.ID)
	if err != nil {
		return err
	}
	out := model.Backfill{Source: model.BackfillLegalPerson}
	f := model.Fields{}
	if len(list) > 0 && !sp.Many {
		f, out.Source, out.RecordID = list[0].Fields, model.BackfillPreEntry, list[0].ID
	}
	var lp model.Fields
	if sp.NeedsLegalPerson {
		var ok bool
		if lp, ok, err = declaredLegalPerson(ctx, a.Store, ent.ID); err != nil {
			return err
		}
		if !ok {
			return &Error{Code: model.ErrLegalPersonFirst, Message: model.MsgLegalPersonFirst}
		}
	} else if out.Source != model.BackfillPreEntry {
		// A kind of its own (the legal-person filing): what the
		// enterprise gave when it registered.
		f = model.Fields{
			"credit_code": ent.CreditCode, "name_cn": ent.NameCN, "legal_rep_name": ent.LegalRepName,
			"legal_rep_id_type": ent.LegalRepIDType, "legal_rep_id_number": ent.LegalRepIDNumber,
			"province": ent.Province, "city": ent.City, "address": ent.Address, "phone": ent.Phone,
		}
		out.Source = model.BackfillEnterprise
	}
	if sp.Registry != "" {
		reg, err := a.lookup(ctx, sp, ent.CreditCode)
		switch {
		case err == nil:
			out.Registry = model.RegistryOK
			if out.Source == model.BackfillPreEntry {
				model.Keep(f, reg, sp.RegistryKeys)
			} else {
				f, out.Source = reg, model.BackfillRegistry
			}
		case errors.Is(err, registry.ErrNotFound):
			out.Registry, out.Message = model.RegistryNotFound, registry.Message(err)
			model.Keep(f, model.Fields{}, sp.RegistryKeys)
			if sp.RegistryRequired {
				out.Blocked, out.Message = true, sp.NoRegistryRecordMessage()
			}
		default:
			a.Log.WarnContext(ctx, "registry lookup failed", "kind", string(sp.Kind), "enterprise_id", ent.ID, "err", err)
			out.Registry, out.Message = model.RegistryFailed, registry.Message(err)
			if sp.RegistryRequired && out.Source != model.BackfillPreEntry {
				out.Blocked = true
				out.Message += "外汇资质须按外汇管理局的备案信息办理，请稍后点击【重新检查】。"
			}
		}
	}
	sp.FillFromFilings(f, func(k model.FilingKind) model.Fields {
		l, err := a.Store.Filings(k).List(ctx, ent.ID)
		if err != nil || len(l) == 0 {
			return nil
		}
		return l[0].Fields
	})
	if lp != nil {
		if out.Source != model.BackfillPreEntry && out.Source != model.BackfillRegistry {
			sp.Propose(f, lp)
		}
		sp.FillFromLegalPerson(f, lp)
	}
	if c.user.Role.Card() {
		for _, key := range sp.CardFixed {
			f[key] = ent.CreditCode
		}
	}
	out.Fields = sp.Normalize(f, false)
	if msg := sp.BlockedMessage(out.Fields); msg != "" {
		out.Blocked, out.Message = true, msg
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
