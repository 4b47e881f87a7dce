package httpapi

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"eportid/app/model"
	"eportid/backend/cardauth"
	"eportid/backend/store"
)

// The card holder's own card (我的 IC 卡, its operation records, 修改 PIN)
// and the operator cards' authorisation by the legal-person card
// (经法人卡授权登记): the contract is in app/model/operatorcard.go, the
// store's side in store/card_authorisations.go. Each signed operation is
// signed by the session's own card over the canonical form of what it
// sets and the event number it makes, so a signature is good once.
// Another enterprise's card is "not found".

// Messages of the operator cards.
const (
	msgOperatorNoChange = "操作员卡不能办理变更，变更须由企业法人卡持有人使用 IC 卡登录后办理"
	msgOperatorNoDelete = "操作员卡不能删除记录，删除须由企业法人卡持有人使用 IC 卡登录后办理"
	msgNoSuchOperator   = "本企业没有该操作员卡"
	msgCardOpConflict   = "该 IC 卡的记录已被他人更新，请刷新后重试"
)

// myCard: GET /api/my-card.
func (a *API) myCard(w http.ResponseWriter, r *http.Request, c *current) error {
	if c.card == nil {
		return &Error{Code: model.ErrForbidden, Message: msgForbidden}
	}
	ctx := r.Context()
	card, err := a.Store.CardByNumber(ctx, c.card.Number)
	if err != nil {
		return err
	}
	out := model.MyCard{CardNumber: card.Number, Kind: card.Kind, HolderName: card.HolderName, NotAfter: card.NotAfter,
		State: string(card.State), StateLabel: card.State.Label(), Authorised: []model.FilingKind{}}
	if out.Declarant, err = a.Store.CardDeclarant(ctx, card.Number); err != nil {
		return err
	}
	if card.Kind == model.CardOperator {
		if out.Authorised, err = a.Store.CardAuthorisations(ctx, card.Number); err != nil {
			return err
		}
	}
	if out.Version, err = a.Store.CardEventCount(ctx, card.Number); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// myCardEvents: GET /api/my-card/events, oldest first.
func (a *API) myCardEvents(w http.ResponseWriter, r *http.Request, c *current) error {
	if c.card == nil {
		return &Error{Code: model.ErrForbidden, Message: msgForbidden}
	}
	evs, err := a.Store.CardEvents(r.Context(), c.card.Number)
	if err != nil {
		return err
	}
	out := make([]model.CardEvent, len(evs))
	for i, e := range evs {
		out[i] = model.CardEvent{Seq: e.Seq, At: e.At, Action: e.Action, By: e.By, Role: e.Role,
			Signed: e.Signature != "", Detail: e.Detail}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// pinChanged: POST /api/my-card/pin-changed, after the bridge's
// change_pin: the card signs, with its new PIN, the event that records it.
func (a *API) pinChanged(w http.ResponseWriter, r *http.Request, c *current) error {
	if c.card == nil {
		return &Error{Code: model.ErrForbidden, Message: msgForbidden}
	}
	var req model.PINChangedRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	ctx := r.Context()
	ent, err := a.enterprise(ctx, c)
	if err != nil {
		return err
	}
	sig, err := a.verifyCardOp(c, ent, model.PINChangeCanonical(c.card.Number, req.Version+1), req.CardSignature)
	if err != nil {
		return err
	}
	who := actor(c, nil)
	who.Signature = sig
	if err := a.Store.RecordPINChange(ctx, ent.ID, c.card.Number, req.Version, who); err != nil {
		return cardOpError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// operatorCards: GET /api/operator-cards, the enterprise's operator cards
// with their authorisations (legal-person card).
func (a *API) operatorCards(w http.ResponseWriter, r *http.Request, c *current) error {
	ctx := r.Context()
	if c.user.EnterpriseID == 0 {
		return &Error{Code: model.ErrForbidden, Message: msgForbidden}
	}
	cards, err := a.Store.EnterpriseCards(ctx, c.user.EnterpriseID)
	if err != nil {
		return err
	}
	out := []model.OperatorCard{}
	for _, card := range cards {
		if card.Kind != model.CardOperator {
			continue
		}
		oc, err := a.operatorCardJSON(ctx, card)
		if err != nil {
			return err
		}
		out = append(out, oc)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) operatorCardJSON(ctx context.Context, card store.Card) (model.OperatorCard, error) {
	oc := model.OperatorCard{CardNumber: card.Number, HolderName: card.HolderName, NotAfter: card.NotAfter,
		State: string(card.State), StateLabel: card.State.Label()}
	var err error
	if oc.Authorised, err = a.Store.CardAuthorisations(ctx, card.Number); err != nil {
		return oc, err
	}
	oc.Version, err = a.Store.CardEventCount(ctx, card.Number)
	return oc, err
}

// setAuthorisations: PUT /api/operator-cards/{card}/authorisations (保存
// of 操作员卡授权), signed by the legal-person card.
func (a *API) setAuthorisations(w http.ResponseWriter, r *http.Request, c *current) error {
	var req model.CardAuthorisationRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	for _, k := range req.Kinds {
		if !model.Authorisable(k) {
			return invalid(model.FieldErrors{"kinds": fmt.Sprintf("授权业务：“%s”不是可授权的备案种类", k)})
		}
	}
	ctx := r.Context()
	ent, err := a.enterprise(ctx, c)
	if err != nil {
		return err
	}
	number, err := pathParam(r, "card")
	if err != nil {
		return err
	}
	card, err := a.Store.CardByNumber(ctx, number)
	if errors.Is(err, store.ErrNotFound) || err == nil && (card.EnterpriseID != ent.ID || card.Kind != model.CardOperator) {
		return &Error{Code: model.ErrNotFound, Message: msgNoSuchOperator, Err: err}
	}
	if err != nil {
		return err
	}
	sig, err := a.verifyCardOp(c, ent, model.CardAuthorisationCanonical(number, req.Version+1, req.Kinds), req.CardSignature)
	if err != nil {
		return err
	}
	who := actor(c, nil)
	who.Signature = sig
	if _, err := a.Store.SetCardAuthorisations(ctx, ent.ID, number, req.Version, req.Kinds, who); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return &Error{Code: model.ErrNotFound, Message: msgNoSuchOperator, Err: err}
		}
		return cardOpError(err)
	}
	if card, err = a.Store.CardByNumber(ctx, number); err != nil {
		return err
	}
	oc, err := a.operatorCardJSON(ctx, card)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, oc)
	return nil
}

func cardOpError(err error) error {
	if errors.Is(err, store.ErrConflict) {
		return &Error{Code: model.ErrConflict, Message: msgCardOpConflict, Err: err}
	}
	return err
}

// verifyCardOp checks the session's card signature of a card operation
// over canonical: by a certificate of our CA, valid now, of the session's
// own card and enterprise. It returns the signature as the event keeps it.
func (a *API) verifyCardOp(c *current, ent store.Enterprise, canonical []byte, sig *model.CardSignature) (string, error) {
	if c.card == nil {
		return "", &Error{Code: model.ErrForbidden, Message: msgForbidden}
	}
	if sig == nil || len(sig.Signature) == 0 || len(sig.Certificate) == 0 {
		return "", &Error{Code: model.ErrForbidden, Message: "此操作须使用 IC 卡签名，请插入 IC 卡后重试"}
	}
	if a.CA == nil {
		return "", &Error{Code: model.ErrInternal, Message: msgNoCA}
	}
	id, err := cardauth.VerifyRecord(a.CA, sig.Certificate, c.card.Certificate, canonical, sig.Signature, a.now())
	if errors.Is(err, cardauth.ErrBadSignature) {
		return "", &Error{Code: model.ErrForbidden, Message: "IC 卡签名与操作内容不符，请刷新后重试", Err: err}
	}
	if err != nil {
		return "", certError(err)
	}
	if id.CardNumber != c.card.Number || id.CreditCode != ent.CreditCode {
		return "", &Error{Code: model.ErrForbidden, Message: "签名所用的 IC 卡不是当前登录所用的卡，请插入登录所用的 IC 卡",
			Err: fmt.Errorf("signed by card %s of %s, session card %s of %s", id.CardNumber, id.CreditCode, c.card.Number, ent.CreditCode)}
	}
	if id.SerialHex != c.card.Serial {
		return "", &Error{Code: model.ErrForbidden, Message: msgCardSuperseded,
			Err: fmt.Errorf("card %s signed with certificate %s, the card's is %s", id.CardNumber, id.SerialHex, c.card.Serial)}
	}
	return base64.StdEncoding.EncodeToString(sig.Signature), nil
}

// mayOperate checks an operator card session's authorisation for a kind
// (any other session passes): reading and writing the filings of a kind
// the card is authorised for, never a change.
func (a *API) mayOperate(ctx context.Context, c *current, k kindRecords) error {
	if c.user.Role != model.RoleOperatorCard {
		return nil
	}
	if k.change {
		return &Error{Code: model.ErrForbidden, Message: msgOperatorNoChange}
	}
	if c.card == nil {
		return &Error{Code: model.ErrForbidden, Message: msgForbidden}
	}
	ks, err := a.Store.CardAuthorisations(ctx, c.card.Number)
	if err != nil {
		return err
	}
	if !slices.Contains(ks, k.kind()) || !model.Authorisable(k.kind()) {
		return &Error{Code: model.ErrForbidden, Message: model.MsgNotAuthorised(k.kind())}
	}
	return nil
}
