package e2e

import (
	"context"
	"testing"

	"eportid/app/model"
	"eportid/backend/ca"
	"eportid/backend/cardtest"
	"eportid/backend/store"
)

// TestDeclarantBinding is 报关人员绑定/解绑 as the legal-person card holder
// meets it (SPEC L11): customs' declarants of the enterprise and its
// operator cards are listed; a declarant who is not the card's holder is
// refused with the rule; the card's holder binds, signed with the
// legal-person card's PIN, and the card list shows the binding; 解绑 frees
// the card; both operations are in the operation records, signed.
func TestDeclarantBinding(t *testing.T) {
	ctx := newBrowser(t)
	w := newFilingsWorld(t, worldOptions{})
	bg := context.Background()

	// Two operator cards of the enterprise: 赵一鸣 (customs' declarant
	// 5300190001) and 钱晓红 with another ID number than customs records.
	for _, op := range []struct{ number, holder, id string }{
		{"8100000000000021", "赵一鸣", "440305199003151236"},
		{"8100000000000022", "钱晓红", "440305199912120011"},
	} {
		c := cardtest.New(t, w.srv.API.CA, cardtest.Options{CreditCode: fwCredit, Kind: ca.CardOperator,
			CardNumber: op.number, HolderName: op.holder, EnterpriseName: fwName})
		id := c.Identity
		if _, _, _, err := w.srv.Store.RegisterCard(bg, store.CardRegistration{CardNumber: id.CardNumber, Kind: model.CardOperator,
			HolderName: id.HolderName, Certificate: c.CertDER, Serial: id.SerialHex, NotAfter: id.NotAfter, CreditCode: fwCredit}); err != nil {
			t.Fatal(err)
		}
		if err := w.srv.Store.SetCardHolderID(bg, op.number, model.IDTypeResident, op.id); err != nil {
			t.Fatal(err)
		}
	}

	cardLogin(t, ctx, w.base)
	run(t, ctx, "menu 报关人员 → 报关人员绑定/解绑 lists customs' declarants and the operator cards",
		visible(css(`[data-menu="declarant-binding"]`)),
		click(css(`[data-menu="declarant-binding"]`)),
		visible(panel(`#declarant-list tr[data-declarant="5300190001"]`)),
		visible(panel(`#declarant-list tr[data-declarant="5300200003"]`)),
		visible(panel(`#card-list tr[data-card="8100000000000021"]`)),
		visible(panel(`#card-list tr[data-card="8100000000000022"]`)),
		waitJS(`document.querySelector(".tab-panel.active #btn-bind").disabled`),
	)
	bind := func(what, declarant, card string, then ...step) {
		t.Helper()
		steps := []step{
			click(panel("#decl-" + declarant)),
			click(panel("#card-" + card)),
			waitJS(`!document.querySelector(".tab-panel.active #btn-bind").disabled`),
			click(panel("#btn-bind")),
			visible(css("#confirm-ok")),
			click(css("#confirm-ok")),
			visible(css("#pin-input")),
			typeInto(css("#pin-input"), cardtest.PIN),
			click(css("#pin-ok")),
		}
		run(t, ctx, what, append(steps, then...)...)
	}
	bind("钱晓红's ID number is not customs': refused, naming the rule", "5300190002", "8100000000000022",
		waitText(panel("#status"), "报关人员证件号码与操作员卡 8100000000000022 持卡人证件号码不一致"),
		waitJS(`document.querySelector('.tab-panel.active #card-list tr[data-card="8100000000000022"] .bound').textContent === ""`),
	)
	bind("赵一鸣 is the holder of 8100000000000021: bound", "5300190001", "8100000000000021",
		waitText(panel("#status"), "绑定成功"),
		waitText(panel(`#card-list tr[data-card="8100000000000021"] .bound`), "赵一鸣（5300190001）"),
		visible(panel("#btn-unbind-8100000000000021")),
	)
	run(t, ctx, "解绑, signed with the card",
		click(panel("#btn-unbind-8100000000000021")),
		visible(css("#confirm-ok")),
		click(css("#confirm-ok")),
		visible(css("#pin-input")),
		typeInto(css("#pin-input"), cardtest.PIN),
		click(css("#pin-ok")),
		waitText(panel("#status"), "解绑成功"),
		waitJS(`!document.querySelector(".tab-panel.active #btn-unbind-8100000000000021")`),
		waitJS(`document.querySelector('.tab-panel.active #card-list tr[data-card="8100000000000021"] .bound').textContent === ""`),
	)
	run(t, ctx, "both are in the card's operation records, signed by the legal-person card",
		waitJS(`document.querySelectorAll('.tab-panel.active #binding-log .log-row[data-card="8100000000000021"]').length === 2`),
		waitText(panel(`#binding-log .log-row[data-action="bind"]`), "绑定"),
		waitText(panel(`#binding-log .log-row[data-action="bind"]`), "已签名（法人卡 8000000000000077）"),
		waitText(panel(`#binding-log .log-row[data-action="unbind"]`), "解绑"),
		waitText(panel(`#binding-log .log-row[data-action="unbind"]`), "赵一鸣（5300190001）"),
	)
}
