package e2e

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"eportid/app/model"
)

// TestWhatTheClerkHit: what a clerk trying the system as a new user ran
// into, each checked as the clerk would see it. The enterprise is one no
// outside registry knows.
func TestWhatTheClerkHit(t *testing.T) {
	ctx := newBrowser(t)
	const (
		credit = "91350100M000100Y43" // in none of the demo registries
		name   = "福州示例贸易有限公司"
	)
	w := newFilingsWorld(t, worldOptions{Credit: credit, Name: name})
	base := w.base

	run(t, ctx, "no-card administrator logs in",
		chromedp.Navigate(base+"/"),
		typeInto(css("#login-username"), w.admin),
		typeInto(css("#login-password"), w.adminPassword),
		click(css("#btn-login")),
		visible(css(`[data-menu="commerce-pre"]`)),
	)
	run(t, ctx, "商务部资质备案（预录入）: no ministry record, so the declared legal-person data is taken over, said as information, not success",
		click(css(`[data-menu="commerce-pre"]`)),
		visible(panel("#backfill-note")),
		waitText(panel("#backfill-note"), "未查到本企业的商务部备案信息"),
		waitJS(`(() => { const e = document.querySelector(".tab-panel.active #backfill-note"); return e.classList.contains("note-info") && !e.classList.contains("note-ok"); })()`),
		waitJS(valueIs("#f-name_cn", name)),
		waitJS(valueIs("#f-address_cn", "广东省深圳市南山区前海深港合作区示例路1号")),
		waitJS(valueIs("#f-legal_rep_name", fwLegalRep)),
		waitJS(valueIs("#f-legal_rep_id_number", fwRepID)),
		waitJS(`!document.querySelector(".tab-panel.active #f-name_cn").readOnly`),
	)
	run(t, ctx, "外汇资质备案（预录入）: the forex bureau has no record, the page says so and offers nothing to save",
		click(css(`[data-menu="forex-pre"]`)),
		waitText(panel("#blocked"), "没有本企业的备案信息"),
		waitJS(`document.querySelector(".tab-panel.active #btn-save").disabled`),
	)
	run(t, ctx, "the message and its link are apart",
		// The message and its 重新检查 are apart, not run together.
		waitJS(`(() => { const t = document.querySelector(".tab-panel.active #blocked .blocked-text"), b = document.querySelector(".tab-panel.active #blocked #btn-recheck");
			if (!t || !b) return false; const tr = t.getBoundingClientRect(), br = b.getBoundingClientRect();
			return br.left - tr.right >= 4 || br.top >= tr.bottom; })()`),
	)
	run(t, ctx, "choosing 请选择 again empties the field; the list has one 请选择",
		click(css(`[data-menu="customs-pre"]`)),
		visible(panel("#f-supervising_customs")),
		choose(panel("#f-supervising_customs"), "5300"),
		waitJS(`(() => { const e = document.querySelector(".tab-panel.active #f-supervising_customs"); if (!e) return false;
			e.selectedIndex = 0; e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`),
		waitJS(`(() => { const e = document.querySelector(".tab-panel.active #f-supervising_customs");
			return e.selectedIndex === 0 && [...e.options].filter(o => o.text.startsWith("请选择")).length === 1; })()`),
		typeInto(panel("#f-customs_reg_no"), "3501960001"),
		click(panel("#btn-save")),
		waitText(panel("#status"), "暂存成功"),
	)
	recs, err := w.srv.Store.Filings(model.FilingCustoms).List(context.Background(), w.ent.ID)
	if err != nil || len(recs) != 1 || recs[0].Fields["supervising_customs"] != "" || recs[0].Fields["customs_reg_no"] != "3501960001" {
		t.Fatalf("the pre-entry as saved: %v %v (want supervising_customs empty)", recs, err)
	}
	run(t, ctx, "【退出】",
		click(css("#btn-logout")),
		visible(css("#mode-card")),
	)

	cardLogin(t, ctx, base)
	run(t, ctx, "the card holder's 法人信息录入: the credit code comes from the card, grey",
		click(css(`[data-menu="legal-person"]`)),
		visible(panel("#f-credit_code")),
		waitJS(valueIs("#f-credit_code", credit)),
		waitJS(`(() => { const e = document.querySelector(".tab-panel.active #f-credit_code"); return e.readOnly && e.classList.contains("k-sys"); })()`),
	)
	run(t, ctx, "外汇资质备案: the forex bureau has no record, nothing to save or declare",
		click(css(`[data-menu="forex"]`)),
		waitText(panel("#blocked"), "没有本企业的备案信息"),
		waitJS(`document.querySelector(".tab-panel.active #btn-save").disabled && document.querySelector(".tab-panel.active #btn-declare").disabled`),
	)
	run(t, ctx, "a required prompt shown on 申报 goes while the user types the fix",
		click(css(`[data-menu="customs"]`)),
		visible(panel("#f-customs_reg_no")),
		// The pre-entry is taken over first (its number is there).
		waitJS(valueIs("#f-customs_reg_no", "3501960001")),
		waitText(panel("#state"), "暂存"),
		typeInto(panel("#f-customs_reg_no"), ""),
		click(panel("#btn-declare")),
		waitText(panel("#err-supervising_customs"), "必填"),
		waitText(panel("#err-customs_reg_no"), "必填"),
		chromedp.Focus(panel("#f-customs_reg_no")),
		chromedp.SendKeys(panel("#f-customs_reg_no"), "35"),
		waitJS(`!document.querySelector(".tab-panel.active #err-customs_reg_no") && document.activeElement.id === "f-customs_reg_no"`),
		// Leaving the field checks it again: two characters are not ten.
		chromedp.Focus(panel("#f-name_en")),
		waitText(panel("#err-customs_reg_no"), "应为10位"),
	)
	run(t, ctx, "the customs list offers the subordinate offices (隶属海关)",
		waitJS(`!!document.querySelector('.tab-panel.active #f-filing_customs option[value="2201"]')`),
	)
}
