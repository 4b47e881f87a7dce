package httpapi

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"eportid/app/model"
	"eportid/backend/cardauth"
	"eportid/backend/registry"
	"eportid/backend/store"
)

// 报关人员绑定 / 解绑 (SPEC L11, app/model/declarant.go is the contract):
// the legal-person card holder binds one of customs' declarants of the
// enterprise to one of its operator cards, when the declarant is the
// card's holder, and unbinds it; each signed by the legal-person card and
// logged. Only the session's enterprise is ever read: another
// enterprise's card is "not found".

// Messages of the bindings.
const (
	msgNoOperatorCard   = "本企业没有这张操作员卡"
	msgBindingConflict  = "报关人员绑定信息已被他人修改，请刷新后再试"
	msgBindingSignature = "IC 卡签名与绑定内容不符，请刷新后重试"
)

// mismatch refuses a binding that breaks a rule; msg names the rule.
func mismatch(format string, a ...any) error {
	return &Error{Code: model.ErrDeclarantMismatch, Message: fmt.Sprintf(format, a...)}
}

func (a *API) declarantOverview(w http.ResponseWriter, r *http.Request, c *current) error {
	ent, err := a.enterprise(r.Context(), c)
	if err != nil {
		return err
	}
	ov, err := a.overview(r.Context(), ent)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ov)
	return nil
}

// overview is the binding page of the enterprise: customs' declarants (or
// why they could not be read), its operator cards and the next version.
func (a *API) overview(ctx context.Context, ent store.Enterprise) (model.DeclarantOverview, error) {
	cards, err := a.Store.OperatorCards(ctx, ent.ID)
	if err != nil {
		return model.DeclarantOverview{}, err
	}
	version, err := a.Store.BindingVersion(ctx, ent.ID)
	if err != nil {
		return model.DeclarantOverview{}, err
	}
	ov := model.DeclarantOverview{EnterpriseID: ent.ID, Declarants: []model.Declarant{}, Cards: make([]model.OperatorCardBinding, len(cards)), Version: version}
	for i, c := range cards {
		ov.Cards[i] = model.OperatorCardBinding{CardNumber: c.Number, HolderName: c.HolderName, State: string(c.State),
			StateLabel: c.State.Label(), Declarant: c.Bound(ent.CreditCode)}
	}
	list, err := a.Declarants.Of(ctx, ent.CreditCode)
	if err != nil {
		a.Log.WarnContext(ctx, "declarant registry", "credit_code", ent.CreditCode, "err", err)
		ov.RegistryMessage = registry.DeclarantMessage(err)
		return ov, nil
	}
	ov.Declarants = list
	return ov, nil
}

// operatorCard is the session enterprise's operator card of a number.
func (a *API) operatorCard(ctx context.Context, ent store.Enterprise, number string) (store.OperatorCard, error) {
	cards, err := a.Store.OperatorCards(ctx, ent.ID)
	if err != nil {
		return store.OperatorCard{}, err
	}
	for _, c := range cards {
		if c.Number == number {
			return c, nil
		}
	}
	return store.OperatorCard{}, &Error{Code: model.ErrNotFound, Message: msgNoOperatorCard}
}

func (a *API) bindDeclarant(w http.ResponseWriter, r *http.Request, c *current) error {
	ctx := r.Context()
	var req model.BindRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	ent, err := a.enterprise(ctx, c)
	if err != nil {
		return err
	}
	card, err := a.operatorCard(ctx, ent, req.CardNumber)
	if err != nil {
		return err
	}
	list, err := a.Declarants.Of(ctx, ent.CreditCode)
	if err != nil {
		return &Error{Code: model.ErrRegistryUnavailable, Message: registry.DeclarantMessage(err), Err: err}
	}
	var d *model.Declarant
	for i := range list {
		if list[i].DeclarantNo == req.DeclarantNo {
			d = &list[i]
		}
	}
	if d == nil {
		return mismatch("报关人员编号 %s 不是本企业在海关登记的报关人员：只能绑定本企业的报关人员", req.DeclarantNo)
	}
	if card.DeclarantNo != "" {
		return mismatch("操作员卡 %s 已绑定报关人员 %s（%s）：一张操作员卡只能绑定一个报关人员，请先解绑", card.Number, card.DeclarantName, card.DeclarantNo)
	}
	if err := a.matchHolder(ctx, card, *d); err != nil {
		return err
	}
	if err := a.checkVersion(ctx, ent, req.Version); err != nil {
		return err
	}
	who, signer, err := a.verifyBinding(c, ent, req.Version, model.BindingBind, card.Number, *d, req.CardSignature)
	if err != nil {
		return err
	}
	err = a.Store.Bind(ctx, store.BindingOp{EnterpriseID: ent.ID, Version: req.Version, CardNumber: card.Number,
		Declarant: *d, Who: who, SignerCard: signer})
	switch {
	case errors.Is(err, store.ErrDeclarantBound):
		return mismatch("报关人员 %s（%s）已绑定其他操作员卡：一个报关人员只能绑定一张操作员卡", d.Name, d.DeclarantNo)
	case errors.Is(err, store.ErrCardHasDeclarant), errors.Is(err, store.ErrConflict):
		return &Error{Code: model.ErrConflict, Message: msgBindingConflict, Err: err}
	case errors.Is(err, store.ErrNotFound):
		return &Error{Code: model.ErrNotFound, Message: msgNoOperatorCard, Err: err}
	case err != nil:
		return err
	}
	return a.writeOverview(w, ctx, ent)
}

// matchHolder: the declarant is in 正常 state and is the card's holder
// (same name, same ID number as kept with the card, and the same document
// type where the card keeps one), the card usable.
func (a *API) matchHolder(ctx context.Context, card store.OperatorCard, d model.Declarant) error {
	if d.State != model.DeclarantNormal {
		return mismatch("报关人员 %s（%s）在海关的状态为%s：只能绑定状态正常的报关人员", d.Name, d.DeclarantNo, d.State.Label())
	}
	if card.State != store.CardActive {
		return mismatch("操作员卡 %s 的状态为%s：只能为状态正常的操作员卡绑定报关人员", card.Number, card.State.Label())
	}
	if strings.TrimSpace(card.HolderName) != d.Name {
		return mismatch("报关人员姓名（%s）与操作员卡 %s 持卡人姓名（%s）不一致：报关人员须为操作员卡持卡人本人", d.Name, card.Number, card.HolderName)
	}
	idType, idNumber, err := a.Store.CardHolderID(ctx, card.Number)
	if errors.Is(err, store.ErrNotFound) {
		return mismatch("操作员卡 %s 未登记持卡人证件号码，无法核对报关人员是否为持卡人本人", card.Number)
	}
	if err != nil {
		return err
	}
	if (idType != "" && idType != d.IDType) || !strings.EqualFold(idNumber, d.IDNumber) {
		return mismatch("报关人员证件号码与操作员卡 %s 持卡人证件号码不一致：报关人员须为操作员卡持卡人本人", card.Number)
	}
	return nil
}

func (a *API) unbindDeclarant(w http.ResponseWriter, r *http.Request, c *current) error {
	ctx := r.Context()
	var req model.UnbindRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	ent, err := a.enterprise(ctx, c)
	if err != nil {
		return err
	}
	card, err := a.operatorCard(ctx, ent, req.CardNumber)
	if err != nil {
		return err
	}
	d := card.Bound(ent.CreditCode)
	if d == nil {
		return &Error{Code: model.ErrState, Message: "操作员卡 " + card.Number + " 没有绑定报关人员，无需解绑"}
	}
	if err := a.checkVersion(ctx, ent, req.Version); err != nil {
		return err
	}
	who, signer, err := a.verifyBinding(c, ent, req.Version, model.BindingUnbind, card.Number, *d, req.CardSignature)
	if err != nil {
		return err
	}
	err = a.Store.Unbind(ctx, store.BindingOp{EnterpriseID: ent.ID, Version: req.Version, CardNumber: card.Number,
		Declarant: *d, Who: who, SignerCard: signer})
	if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
		return &Error{Code: model.ErrConflict, Message: msgBindingConflict, Err: err}
	}
	if err != nil {
		return err
	}
	return a.writeOverview(w, ctx, ent)
}

// checkVersion refuses a binding operation signed for another version
// than the enterprise's next.
func (a *API) checkVersion(ctx context.Context, ent store.Enterprise, version int) error {
	v, err := a.Store.BindingVersion(ctx, ent.ID)
	if err != nil {
		return err
	}
	if version != v+1 {
		return &Error{Code: model.ErrConflict, Message: msgBindingConflict,
			Err: fmt.Errorf("binding version %d, next %d", version, v+1)}
	}
	return nil
}

// verifyBinding checks the legal-person card's signature of a binding
// operation over model.BindingCanonical, as verifyDeclaration a
// declaration's: by a certificate of our CA, valid now, of the session's
// own card and enterprise. It returns the actor to log, with the
// signature, and the signing card's number.
func (a *API) verifyBinding(c *current, ent store.Enterprise, version int, action, cardNumber string, d model.Declarant, sig *model.CardSignature) (store.Actor, string, error) {
	if c.card == nil {
		return store.Actor{}, "", &Error{Code: model.ErrForbidden, Message: msgForbidden}
	}
	if sig == nil || len(sig.Signature) == 0 || len(sig.Certificate) == 0 {
		return store.Actor{}, "", &Error{Code: model.ErrForbidden, Message: "报关人员绑定和解绑须使用法人卡签名，请插入 IC 卡后重试"}
	}
	if a.CA == nil {
		return store.Actor{}, "", &Error{Code: model.ErrInternal, Message: msgNoCA}
	}
	canonical := model.BindingCanonical(ent.ID, version, action, cardNumber, d)
	id, err := cardauth.VerifyRecord(a.CA, sig.Certificate, c.card.Certificate, canonical, sig.Signature, a.now())
	if errors.Is(err, cardauth.ErrBadSignature) {
		return store.Actor{}, "", &Error{Code: model.ErrForbidden, Message: msgBindingSignature, Err: err}
	}
	if err != nil {
		return store.Actor{}, "", certError(err)
	}
	if id.CardNumber != c.card.Number || id.CreditCode != ent.CreditCode {
		return store.Actor{}, "", &Error{Code: model.ErrForbidden, Message: "签名所用的 IC 卡不是当前登录所用的卡，请插入登录所用的 IC 卡",
			Err: fmt.Errorf("signed by card %s of %s, session card %s of %s", id.CardNumber, id.CreditCode, c.card.Number, ent.CreditCode)}
	}
	who := store.Actor{UserID: c.user.ID, Name: c.card.HolderName, Role: c.user.Role,
		Signature:   base64.StdEncoding.EncodeToString(sig.Signature),
		Certificate: base64.StdEncoding.EncodeToString(sig.Certificate)}
	return who, id.CardNumber, nil
}

func (a *API) writeOverview(w http.ResponseWriter, ctx context.Context, ent store.Enterprise) error {
	ov, err := a.overview(ctx, ent)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ov)
	return nil
}

// bindingLog is the enterprise's binding log, of one card of it with
// ?card_number=; each row's signature verified again.
func (a *API) bindingLog(w http.ResponseWriter, r *http.Request, c *current) error {
	ctx := r.Context()
	ent, err := a.enterprise(ctx, c)
	if err != nil {
		return err
	}
	number, err := param(r, "card_number")
	if err != nil {
		return err
	}
	if number != "" {
		if _, err := a.operatorCard(ctx, ent, number); err != nil {
			return err
		}
	}
	rows, err := a.Store.BindingLog(ctx, ent.ID, number)
	if err != nil {
		return err
	}
	out := make([]model.BindingEvent, len(rows))
	for i, e := range rows {
		out[i] = model.BindingEvent{ID: e.ID, Version: e.Version, At: e.At, Action: e.Action, CardNumber: e.CardNumber,
			DeclarantNo: e.DeclarantNo, DeclarantName: e.DeclarantName, UserName: e.UserName, SignerCard: e.SignerCard,
			Signed: verifyLogged(e)}
		if !out[i].Signed {
			a.Log.ErrorContext(ctx, "binding log signature does not verify", "id", e.ID, "card", e.SignerCard)
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// verifyLogged checks a log row's signature against what it logged.
func verifyLogged(e store.BindingLogEntry) bool {
	sig, err1 := base64.StdEncoding.DecodeString(e.Signature)
	cert, err2 := base64.StdEncoding.DecodeString(e.Certificate)
	if err1 != nil || err2 != nil {
		return false
	}
	canonical := model.BindingCanonical(e.EnterpriseID, e.Version, e.Action, e.CardNumber, e.Declarant())
	return cardauth.VerifyRecordSignature(cert, canonical, sig) == nil
}
