package httpapi_test

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"eportid/app/model"
	"eportid/backend/ca"
	"eportid/backend/cardauth"
	"eportid/backend/store"
)

// operator registers an operator card of the enterprise held by name and
// opens a card session for it.
func (e *fenv) operator(ent store.Enterprise, name string) *holder {
	e.t.Helper()
	return e.cardSession(ent, ca.CardOperator, "89360000", name)
}

// signBytes is the card's signature of a canonical form.
func (h *holder) signBytes(canonical []byte) *model.CardSignature {
	h.e.t.Helper()
	sig, err := h.key.SignWithSM2(rand.Reader, nil, cardauth.RecordMessage(canonical))
	if err != nil {
		h.e.t.Fatal(err)
	}
	return &model.CardSignature{Signature: sig, Certificate: h.cert}
}

// number is the holder's card number, from its session.
func (h *holder) number() string {
	h.e.t.Helper()
	var s model.Session
	h.call(http.MethodGet, "/api/session", nil, http.StatusOK, &s)
	return s.CardNumber
}

func authorisePath(card string) string { return "/api/operator-cards/" + card + "/authorisations" }

// authorise has the legal-person card set the operator card's kinds.
func authorise(h *holder, card string, version int, kinds ...model.FilingKind) model.OperatorCard {
	h.e.t.Helper()
	var out model.OperatorCard
	h.call(http.MethodPut, authorisePath(card), model.CardAuthorisationRequest{Version: version, Kinds: kinds,
		CardSignature: h.signBytes(model.CardAuthorisationCanonical(card, version+1, kinds))}, http.StatusOK, &out)
	return out
}

// The operator card holder (经法人卡授权登记): the legal-person card
// authorises an operator card of its enterprise for chosen kinds, signed;
// the operator opens, saves and declares those kinds, signed by its own
// card and in its own name, and is refused the others, changes and
// deletions; a revocation refuses the next save at once; another
// enterprise neither sees nor authorises the card; the operator sees its
// card and its records, and records a PIN change once.
func TestOperatorCardHolderHTTP(t *testing.T) {
	filingsEach(t, nil, func(t *testing.T, e *fenv) {
		_, ent, lp := e.lpDeclared()
		legal := e.cardHolder(ent)
		op := e.operator(ent, "孙操作")
		number := op.number()

		var mine model.MyCard
		op.call(http.MethodGet, "/api/my-card", nil, http.StatusOK, &mine)
		if mine.CardNumber != number || mine.Kind != model.CardOperator || mine.HolderName != "孙操作" ||
			mine.StateLabel != "正常" || len(mine.Authorised) != 0 || mine.Declarant != nil || mine.Version != 0 || mine.NotAfter.IsZero() {
			t.Fatalf("my card %+v", mine)
		}
		refused(t, "unauthorised list", op.do(http.MethodGet, "/api/filings/customs", nil),
			http.StatusForbidden, model.ErrForbidden, "该操作员卡未获授权办理海关资质备案")
		refused(t, "the operator list is the legal-person card's", op.do(http.MethodGet, "/api/operator-cards", nil),
			http.StatusForbidden, model.ErrForbidden, "无权")

		// The legal-person card sees the card and authorises it, signed.
		var cards []model.OperatorCard
		legal.call(http.MethodGet, "/api/operator-cards", nil, http.StatusOK, &cards)
		if len(cards) != 1 || cards[0].CardNumber != number || cards[0].HolderName != "孙操作" {
			t.Fatalf("operator cards %+v", cards)
		}
		refused(t, "unsigned authorisation", legal.do(http.MethodPut, authorisePath(number),
			model.CardAuthorisationRequest{Kinds: []model.FilingKind{model.FilingCustoms}}),
			http.StatusForbidden, model.ErrForbidden, "须使用 IC 卡签名")
		refused(t, "signature of other kinds", legal.do(http.MethodPut, authorisePath(number),
			model.CardAuthorisationRequest{Kinds: []model.FilingKind{model.FilingCustoms, model.FilingCommerce},
				CardSignature: legal.signBytes(model.CardAuthorisationCanonical(number, 1, []model.FilingKind{model.FilingCustoms}))}),
			http.StatusForbidden, model.ErrForbidden, "签名与操作内容不符")
		refused(t, "the operator kind", legal.do(http.MethodPut, authorisePath(number),
			model.CardAuthorisationRequest{Kinds: []model.FilingKind{"operator"}}),
			http.StatusUnprocessableEntity, model.ErrInvalid, "填写的内容有误")
		oc := authorise(legal, number, 0, model.FilingCustoms, model.FilingCommerce)
		if !slices.Equal(oc.Authorised, []model.FilingKind{model.FilingCommerce, model.FilingCustoms}) || oc.Version != 1 {
			t.Fatalf("authorised %+v", oc)
		}
		refused(t, "stale version", legal.do(http.MethodPut, authorisePath(number),
			model.CardAuthorisationRequest{Version: 0, CardSignature: legal.signBytes(model.CardAuthorisationCanonical(number, 1, nil))}),
			http.StatusConflict, model.ErrConflict, "刷新")
		var sess model.Session
		op.call(http.MethodGet, "/api/session", nil, http.StatusOK, &sess)
		if !slices.Equal(sess.AuthorisedKinds, []model.FilingKind{model.FilingCommerce, model.FilingCustoms}) {
			t.Fatalf("session's kinds %v", sess.AuthorisedKinds)
		}

		// The operator declares customs, signed by its card, in its name.
		rec := createRec(op.client, model.FilingCustoms, sampleFields(model.FilingCustoms, ent.CreditCode))
		rec, _ = declareRec(op, rec, http.StatusOK)
		if rec.State != model.StateDeclared || rec.Signature == nil || rec.Signature.CardKind != model.CardOperator ||
			rec.Signature.HolderName != "孙操作" || rec.Signature.CardNumber != number {
			t.Fatalf("operator's declaration %+v sig %+v", rec.RecordMeta, rec.Signature)
		}
		h := recHistory(op.client, rec.RecordMeta)
		last := h[len(h)-1]
		if last.Action != model.ActionDeclare || last.UserName != "孙操作" || last.Role != model.RoleOperatorCard || last.Signature == "" {
			t.Fatalf("history %+v", last)
		}
		// An unsigned declaration of the operator is refused as any card's.
		draft := createRec(op.client, model.FilingCommerce, sampleFields(model.FilingCommerce, ent.CreditCode))
		refused(t, "unsigned declaration", op.do(http.MethodPost, recPath(draft.RecordMeta)+"/declare", saveReq(draft.Version, draft.Fields)),
			http.StatusForbidden, model.ErrForbidden, "签名")
		// Never a deletion nor a change; never the legal-person filing.
		refused(t, "delete", op.do(http.MethodDelete, recPath(draft.RecordMeta), nil),
			http.StatusForbidden, model.ErrForbidden, "操作员卡不能删除")
		refused(t, "change", op.do(http.MethodGet, "/api/changes/customs", nil),
			http.StatusForbidden, model.ErrForbidden, "操作员卡不能办理变更")
		refused(t, "legal-person filing", op.do(http.MethodPut, recPath(lp.RecordMeta), saveReq(lp.Version, lp.Fields)),
			http.StatusForbidden, model.ErrForbidden, "该操作员卡未获授权办理法人信息备案")

		// Revoking commerce refuses the next save at once.
		authorise(legal, number, 1, model.FilingCustoms)
		refused(t, "save after revocation", op.do(http.MethodPut, recPath(draft.RecordMeta), saveReq(draft.Version, draft.Fields)),
			http.StatusForbidden, model.ErrForbidden, "该操作员卡未获授权办理商务部资质备案")

		// Another enterprise sees nothing of the card and cannot authorise it.
		_, other, _ := e.lpDeclared()
		otherLegal := e.cardHolder(other)
		otherLegal.call(http.MethodGet, "/api/operator-cards", nil, http.StatusOK, &cards)
		if len(cards) != 0 {
			t.Fatalf("another enterprise sees %+v", cards)
		}
		refused(t, "another enterprise's authorisation", otherLegal.do(http.MethodPut, authorisePath(number),
			model.CardAuthorisationRequest{Version: 2, Kinds: []model.FilingKind{model.FilingForex},
				CardSignature: otherLegal.signBytes(model.CardAuthorisationCanonical(number, 3, []model.FilingKind{model.FilingForex}))}),
			http.StatusNotFound, model.ErrNotFound, "本企业没有该操作员卡")
		// Nor does the other enterprise's operator reach this one's records.
		otherOp := e.operator(other, "周操作")
		authorise(otherLegal, otherOp.number(), 0, model.FilingCustoms)
		otherOp.call(http.MethodGet, recPath(rec.RecordMeta), nil, http.StatusNotFound, nil)

		// The PIN change, signed with the new PIN's card, is recorded once.
		op.call(http.MethodGet, "/api/my-card", nil, http.StatusOK, &mine)
		pin := model.PINChangedRequest{Version: mine.Version, CardSignature: op.signBytes(model.PINChangeCanonical(number, mine.Version+1))}
		op.call(http.MethodPost, "/api/my-card/pin-changed", pin, http.StatusNoContent, nil)
		refused(t, "PIN change replayed", op.do(http.MethodPost, "/api/my-card/pin-changed", pin),
			http.StatusConflict, model.ErrConflict, "刷新")
		refused(t, "PIN change signed by another card", op.do(http.MethodPost, "/api/my-card/pin-changed",
			model.PINChangedRequest{Version: mine.Version + 1, CardSignature: legal.signBytes(model.PINChangeCanonical(number, mine.Version+2))}),
			http.StatusForbidden, model.ErrForbidden, "不是当前登录所用的卡")

		var evs []model.CardEvent
		op.call(http.MethodGet, "/api/my-card/events", nil, http.StatusOK, &evs)
		var got []string
		for _, ev := range evs {
			got = append(got, fmt.Sprintf("%d %s %s %s %v", ev.Seq, ev.Action, ev.By, ev.Detail, ev.Signed))
		}
		want := []string{
			"1 authorised 张三 商务部资质备案、海关资质备案 true",
			"2 revoked 张三 商务部资质备案 true",
			"3 pin_changed 孙操作  true",
		}
		if !slices.Equal(got, want) {
			t.Fatalf("events\n%q\nwant\n%q", got, want)
		}
		if evs[0].Role != model.RoleLegalCard || evs[2].Role != model.RoleOperatorCard {
			t.Fatalf("event roles %+v", evs)
		}
	})
}
