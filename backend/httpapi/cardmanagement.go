package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"eportid/app/model"
	"eportid/backend/ca"
	"eportid/backend/store"
	"eportid/cardbridge/cardapp"
)

// IC card management (企业操作员 IC 卡管理, L9), IC 卡综合查询 (L10), the agent
// point's freeze, unfreeze and loss of its cards, and the CA's published
// CRL. app/model/cardmanagement.go is the contract; the store's side is
// store/card_management.go.
//
// The legal-person card holder manages the operator cards of its
// enterprise (and extends its own card's certificate); every action is
// signed by its card over the canonical form of the action with the
// card's next event number. Every change of a certificate's standing
// publishes a new CRL at once; GET of the CRL renews it once half of its
// validity has passed.

// CRLPath is where the CA's CRL is published (relative to the site's
// origin); card certificates name BaseURL + CRLPath.
const CRLPath = "/ca/eportid.crl"

// Messages of card management.
const (
	msgNoSuchCard     = "本企业没有该 IC 卡"
	msgCardStateNo    = "该 IC 卡当前状态不允许此操作，请刷新后查看"
	msgUnlockUsed     = "该解锁请求已使用过，请重新插入待解锁的 IC 卡后再试"
	msgExtendWindow   = "证书有效期截止前 %d 天内方可办理证书延期（该卡证书有效期至 %s）"
	msgReasonRequired = "原因：请填写办理原因（如持卡人来电挂失）"
)

func (a *API) managedCardJSON(ctx context.Context, row store.ManagedCardRow) (model.ManagedCard, error) {
	c := row.Card
	out := model.ManagedCard{CardNumber: c.Number, Kind: c.Kind, KindLabel: c.Kind.Label(), HolderName: c.HolderName,
		OperatorID: row.ApplicationID, Serial: c.Serial, NotAfter: c.NotAfter, State: string(c.State), StateLabel: c.State.Label()}
	if cert, err := smx509.ParseCertificate(c.Certificate); err == nil {
		out.NotBefore = cert.NotBefore.UTC()
	}
	var err error
	if out.Declarant, err = a.Store.CardDeclarant(ctx, c.Number); err != nil {
		return out, err
	}
	if out.Version, err = a.Store.CardEventCount(ctx, c.Number); err != nil {
		return out, err
	}
	now := a.now()
	active := c.State == store.CardActive && c.NotAfter.After(now)
	operator := c.Kind == model.CardOperator
	out.MayFreeze = active && operator
	out.MayUnfreeze = c.State == store.CardFrozen && operator
	out.MayLose = (active || c.State == store.CardFrozen) && operator
	out.MayUnlock = active && operator
	out.MayExtend = active && inExtendWindow(c.NotAfter, now)
	return out, nil
}

func inExtendWindow(notAfter, now time.Time) bool {
	return notAfter.After(now) && notAfter.Sub(now) <= model.ExtendWindowDays*24*time.Hour
}

func cardQuery(r *http.Request) (store.CardQuery, error) {
	q := r.URL.Query()
	cq := store.CardQuery{CardNumber: strings.TrimSpace(q.Get("card_number")), Holder: strings.TrimSpace(q.Get("holder")),
		State: store.CardState(q.Get("state")), Kind: model.CardKind(q.Get("kind"))}
	if cq.State != "" && !cq.State.Valid() {
		return cq, invalid(model.FieldErrors{"state": "卡状态：“" + string(cq.State) + "”不是有效的状态"})
	}
	if cq.Kind != "" && cq.Kind != model.CardLegalPerson && cq.Kind != model.CardOperator {
		return cq, invalid(model.FieldErrors{"kind": "卡类型：“" + string(cq.Kind) + "”不是有效的卡类型"})
	}
	return cq, nil
}

func (a *API) listCards(w http.ResponseWriter, r *http.Request, sc store.CardScope) error {
	cq, err := cardQuery(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	rows, err := a.Store.QueryCards(ctx, sc, cq)
	if err != nil {
		return err
	}
	out := make([]model.ManagedCard, 0, len(rows))
	for _, row := range rows {
		mc, err := a.managedCardJSON(ctx, row)
		if err != nil {
			return err
		}
		out = append(out, mc)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) scopedCard(ctx context.Context, sc store.CardScope, number string) (store.ManagedCardRow, error) {
	row, err := a.Store.ScopedCard(ctx, sc, number)
	if errors.Is(err, store.ErrNotFound) {
		return row, &Error{Code: model.ErrNotFound, Message: msgNoSuchCard, Err: err}
	}
	return row, err
}

func (a *API) writeCard(ctx context.Context, w http.ResponseWriter, sc store.CardScope, number string) error {
	row, err := a.scopedCard(ctx, sc, number)
	if err != nil {
		return err
	}
	mc, err := a.managedCardJSON(ctx, row)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, mc)
	return nil
}

func (a *API) cardEventsOf(w http.ResponseWriter, r *http.Request, sc store.CardScope) error {
	ctx := r.Context()
	number := r.PathValue("card")
	if _, err := a.scopedCard(ctx, sc, number); err != nil {
		return err
	}
	evs, err := a.Store.CardEvents(ctx, number)
	if err != nil {
		return err
	}
	out := make([]model.CardEvent, len(evs))
	for i, e := range evs {
		out[i] = model.CardEvent{Seq: e.Seq, At: e.At, Action: e.Action, By: e.By, Role: e.Role,
			Signed: e.Signature != "", Detail: e.Detail, Signature: e.Signature}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// enterpriseScope is the legal-person card session's enterprise.
func (a *API) enterpriseScope(ctx context.Context, c *current) (store.Enterprise, store.CardScope, error) {
	ent, err := a.enterprise(ctx, c)
	return ent, store.CardScope{EnterpriseID: ent.ID}, err
}

// cards: GET /api/cards.
func (a *API) cards(w http.ResponseWriter, r *http.Request, c *current) error {
	_, sc, err := a.enterpriseScope(r.Context(), c)
	if err != nil {
		return err
	}
	return a.listCards(w, r, sc)
}

// card: GET /api/cards/{card}.
func (a *API) card(w http.ResponseWriter, r *http.Request, c *current) error {
	_, sc, err := a.enterpriseScope(r.Context(), c)
	if err != nil {
		return err
	}
	return a.writeCard(r.Context(), w, sc, r.PathValue("card"))
}

// cardEvents: GET /api/cards/{card}/events.
func (a *API) cardEvents(w http.ResponseWriter, r *http.Request, c *current) error {
	_, sc, err := a.enterpriseScope(r.Context(), c)
	if err != nil {
		return err
	}
	return a.cardEventsOf(w, r, sc)
}

// cardManagementError words the store's refusals.
func cardManagementError(err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return &Error{Code: model.ErrNotFound, Message: msgNoSuchCard, Err: err}
	case errors.Is(err, store.ErrUnlockUsed):
		return &Error{Code: model.ErrConflict, Message: msgUnlockUsed, Err: err}
	case errors.Is(err, store.ErrCardState):
		return &Error{Code: model.ErrState, Message: msgCardStateNo, Err: err}
	}
	return cardOpError(err)
}

// operatorCardOf is an operator card of the enterprise (the cards the
// legal-person card freezes, unfreezes, reports lost and unlocks).
func (a *API) operatorCardOf(ctx context.Context, sc store.CardScope, number string) (store.ManagedCardRow, error) {
	row, err := a.scopedCard(ctx, sc, number)
	if err == nil && row.Kind != model.CardOperator {
		return row, &Error{Code: model.ErrNotFound, Message: msgNoSuchOperator}
	}
	return row, err
}

// setCardState: POST /api/cards/{card}/state, signed by the legal-person
// card.
func (a *API) setCardState(w http.ResponseWriter, r *http.Request, c *current) error {
	var req model.CardStateRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if !req.Action.Valid() {
		return invalid(model.FieldErrors{"action": "操作：“" + string(req.Action) + "”不是冻结、解冻或挂失"})
	}
	ctx := r.Context()
	ent, sc, err := a.enterpriseScope(ctx, c)
	if err != nil {
		return err
	}
	number := r.PathValue("card")
	if _, err := a.operatorCardOf(ctx, sc, number); err != nil {
		return err
	}
	sig, err := a.verifyCardOp(c, ent, model.CardStateCanonical(number, req.Version+1, req.Action), req.CardSignature)
	if err != nil {
		return err
	}
	who := actor(c, nil)
	who.Signature = sig
	return a.changeState(ctx, w, sc, store.StateChange{CardNumber: number, Version: req.Version, Action: req.Action, Who: who})
}

func (a *API) changeState(ctx context.Context, w http.ResponseWriter, sc store.CardScope, ch store.StateChange) error {
	card, err := a.Store.ChangeCardState(ctx, sc, ch)
	if err != nil {
		return cardManagementError(err)
	}
	a.Log.InfoContext(ctx, "card state", "card", card.Number, "state", card.State, "by", ch.Who.Name, "role", ch.Who.Role)
	a.publishCRLAfter(ctx)
	return a.writeCard(ctx, w, sc, ch.CardNumber)
}

// unlockCard: POST /api/cards/{card}/unlock: the single-use cryptogram
// for the card's challenge and the new PIN.
func (a *API) unlockCard(w http.ResponseWriter, r *http.Request, c *current) error {
	var req model.CardUnlockRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	fe := model.FieldErrors{}
	if !cardapp.ValidPIN([]byte(req.NewPIN)) {
		fe["new_pin"] = "新 PIN：须为 6 至 16 位数字"
	}
	if len(req.Challenge) != cardapp.ChallengeSize {
		fe["challenge"] = "卡片挑战数：须为 16 字节，请重新读取待解锁的 IC 卡"
	}
	if len(fe) > 0 {
		return invalid(fe)
	}
	ctx := r.Context()
	ent, sc, err := a.enterpriseScope(ctx, c)
	if err != nil {
		return err
	}
	number := r.PathValue("card")
	if _, err := a.operatorCardOf(ctx, sc, number); err != nil {
		return err
	}
	sig, err := a.verifyCardOp(c, ent, model.CardUnlockCanonical(number, req.Version+1), req.CardSignature)
	if err != nil {
		return err
	}
	who := actor(c, nil)
	who.Signature = sig
	if err := a.Store.RecordUnlock(ctx, sc, number, req.Version, req.Challenge, who); err != nil {
		return cardManagementError(err)
	}
	crypt, err := cardapp.UnblockCryptogram(a.CA.AdminKey(number), number, req.Challenge, []byte(req.NewPIN))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, model.CardUnlockAnswer{Cryptogram: crypt})
	return nil
}

// extendCard: POST /api/cards/{card}/extend (证书延期): a new certificate
// of the card's key, valid model.ExtendWindowDays… two more years.
func (a *API) extendCard(w http.ResponseWriter, r *http.Request, c *current) error {
	var req model.CardExtendRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	ctx := r.Context()
	ent, sc, err := a.enterpriseScope(ctx, c)
	if err != nil {
		return err
	}
	number := r.PathValue("card")
	row, err := a.scopedCard(ctx, sc, number)
	if err != nil {
		return err
	}
	sig, err := a.verifyCardOp(c, ent, model.CardExtendCanonical(number, req.Version+1), req.CardSignature)
	if err != nil {
		return err
	}
	if row.State != store.CardActive {
		return &Error{Code: model.ErrState, Message: cardStateMessage(row.State)}
	}
	now := a.now()
	if !inExtendWindow(row.NotAfter, now) {
		return &Error{Code: model.ErrState, Message: fmt.Sprintf(msgExtendWindow, model.ExtendWindowDays, row.NotAfter.Local().Format("2006-01-02"))}
	}
	old, err := smx509.ParseCertificate(row.Certificate)
	if err != nil {
		return fmt.Errorf("card %s: stored certificate: %w", number, err)
	}
	until := old.NotAfter.AddDate(ca.DefaultCardYears, 0, 0)
	if root := a.CA.Certificate().NotAfter; until.After(root) {
		until = root
	}
	cert, der, err := a.CA.Extend(old, until)
	if err != nil {
		return &Error{Code: model.ErrState, Message: "证书延期失败：" + err.Error(), Err: err}
	}
	who := actor(c, nil)
	who.Signature = sig
	serial := ca.SerialHex(cert.SerialNumber)
	_, err = a.Store.ExtendCard(ctx, sc, store.Extension{CardNumber: number, Version: req.Version, Certificate: der,
		Serial: serial, NotAfter: cert.NotAfter, Who: who}, func(locked store.Card) error {
		if locked.Serial != row.Serial {
			return fmt.Errorf("card %s: certificate changed meanwhile: %w", number, store.ErrConflict)
		}
		return nil
	})
	if err != nil {
		return cardManagementError(err)
	}
	a.Log.InfoContext(ctx, "card certificate extended", "card", number, "serial", serial, "not_after", cert.NotAfter)
	a.publishCRLAfter(ctx)
	row, err = a.scopedCard(ctx, sc, number)
	if err != nil {
		return err
	}
	mc, err := a.managedCardJSON(ctx, row)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, model.CardExtendAnswer{Certificate: der, Card: mc})
	return nil
}

// reviewScope is the reviewer's agent point.
func (a *API) reviewScope(ctx context.Context, c *current) (store.Reviewer, store.CardScope, error) {
	rv, err := a.reviewerOf(ctx, c)
	return rv, store.CardScope{AgentPoint: rv.AgentPoint}, err
}

// reviewCards: GET /api/review/cards.
func (a *API) reviewCards(w http.ResponseWriter, r *http.Request, c *current) error {
	_, sc, err := a.reviewScope(r.Context(), c)
	if err != nil {
		return err
	}
	return a.listCards(w, r, sc)
}

// reviewCardEvents: GET /api/review/cards/{card}/events.
func (a *API) reviewCardEvents(w http.ResponseWriter, r *http.Request, c *current) error {
	_, sc, err := a.reviewScope(r.Context(), c)
	if err != nil {
		return err
	}
	return a.cardEventsOf(w, r, sc)
}

// reviewCardState: POST /api/review/cards/{card}/state, with a reason.
func (a *API) reviewCardState(w http.ResponseWriter, r *http.Request, c *current) error {
	var req model.ReviewCardStateRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	fe := model.FieldErrors{}
	if !req.Action.Valid() {
		fe["action"] = "操作：“" + string(req.Action) + "”不是冻结、解冻或挂失"
	}
	req.Reason = strings.TrimSpace(req.Reason)
	if req.Reason == "" {
		fe["reason"] = msgReasonRequired
	} else if len([]rune(req.Reason)) > 200 {
		fe["reason"] = "原因：最多 200 个字"
	}
	if len(fe) > 0 {
		return invalid(fe)
	}
	ctx := r.Context()
	rv, sc, err := a.reviewScope(ctx, c)
	if err != nil {
		return err
	}
	who := store.Actor{UserID: rv.ID, Name: rv.Username + "（" + rv.AgentPoint + "）", Role: model.RoleReviewer}
	return a.changeState(ctx, w, sc, store.StateChange{CardNumber: r.PathValue("card"), Version: req.Version,
		Action: req.Action, Reason: req.Reason, Who: who})
}

// crlEntries are what a CRL made now lists.
func (a *API) crlEntries(ctx context.Context, now time.Time) ([]ca.CRLEntry, error) {
	revs, err := a.Store.CRLEntries(ctx, now.Add(-ca.CRLValidity))
	if err != nil {
		return nil, err
	}
	out := make([]ca.CRLEntry, len(revs))
	for i, r := range revs {
		at := r.RevokedAt
		if r.LiftedAt != nil {
			at = *r.LiftedAt
		}
		out[i] = ca.CRLEntry{SerialHex: r.Serial, Reason: r.Reason, At: at}
	}
	return out, nil
}

// publishCRL signs and stores the next CRL.
func (a *API) publishCRL(ctx context.Context) (store.CRL, error) {
	if a.CA == nil {
		return store.CRL{}, &Error{Code: model.ErrInternal, Message: msgNoCA}
	}
	return a.Store.PublishCRL(ctx, func(n int64) (store.CRL, error) {
		now := a.now()
		entries, err := a.crlEntries(ctx, now)
		if err != nil {
			return store.CRL{}, err
		}
		der, next, err := a.CA.CRL(n, entries, now)
		if err != nil {
			return store.CRL{}, err
		}
		return store.CRL{Number: n, ThisUpdate: now, NextUpdate: next, DER: der}, nil
	})
}

// publishCRLAfter publishes the CRL after a change that is committed;
// a failure is logged (the next GET of the CRL publishes it).
func (a *API) publishCRLAfter(ctx context.Context) {
	if _, err := a.publishCRL(detached(ctx)); err != nil {
		a.Log.ErrorContext(ctx, "publish CRL", "err", err)
	}
}

// RenewCRL publishes a new CRL when there is none yet or half of the
// newest one's validity has passed (the janitor), so a CRL is renewed
// before its nextUpdate even when nobody fetches it.
func (a *API) RenewCRL(ctx context.Context) error {
	c, err := a.Store.LatestCRL(ctx)
	if errors.Is(err, store.ErrNotFound) || err == nil && a.now().After(c.ThisUpdate.Add(ca.CRLValidity/2)) {
		_, err = a.publishCRL(ctx)
	}
	return err
}

// crl: GET /ca/eportid.crl (public): the newest CRL, renewed first when
// half of its validity has passed or a change is not in it yet.
func (a *API) crl(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	c, err := a.Store.LatestCRL(ctx)
	if errors.Is(err, store.ErrNotFound) || err == nil && a.now().After(c.ThisUpdate.Add(ca.CRLValidity/2)) {
		c, err = a.publishCRL(ctx)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pkix-crl")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Last-Modified", c.ThisUpdate.UTC().Format(http.TimeFormat))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(c.DER)
	return nil
}
