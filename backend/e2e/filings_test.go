package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"eportid/app/model"
	"eportid/backend/cardtest"
	"eportid/backend/store"
)

// TestCustomsFilingThroughReview is the customs filing as its people meet it (SPEC
// N3, L2, L6, X1, X4): the no-card administrator pre-enters the customs
// filing (back-filled from customs' record; 暂存 only); the legal-person
// card holder logs in with the card, takes the pre-entry over and declares
// it, signed with the card; a reviewer of the agent point (password and
// TOTP) returns it with a reason; the enterprise sees the reason, fixes
// and declares again; the reviewer approves; the enterprise files a change
// of the approved filing, which the reviewer approves after comparing it
// with the approved values; the filing's history shows every step.
func TestCustomsFilingThroughReview(t *testing.T) {
	ctx := newBrowser(t)
	w := newFilingsWorld(t, worldOptions{})
	base := w.base
	const reason = "备案海关与企业注册地不符，请核对后重新申报"

	// ---- the no-card administrator: pre-entry (N3) ----
	run(t, ctx, "no-card administrator logs in",
		chromedp.Navigate(base+"/"),
		typeInto(css("#login-username"), w.admin),
		typeInto(css("#login-password"), w.adminPassword),
		click(css("#btn-login")),
		visible(css("#btn-logout")),
	)
	run(t, ctx, "the menu offers the three pre-entries and no card holder's entry",
		visible(css(`[data-menu="commerce-pre"]`)),
		visible(css(`[data-menu="customs-pre"]`)),
		visible(css(`[data-menu="forex-pre"]`)),
		waitJS(`!document.querySelector('[data-menu="customs"]') && !document.querySelector('[data-menu="customs-change"]')`),
	)
	run(t, ctx, "企业海关资质备案（预录入） is back-filled from customs' record, grey fields read-only, no 申报",
		click(css(`[data-menu="customs-pre"]`)),
		visible(panel("#f-customs_reg_no")),
		waitText(panel("#backfill-note"), "已从海关备案信息反填"),
		waitJS(valueIs("#f-unified_no", "53002016000001")),
		waitJS(valueIs("#f-name_cn", fwName)),
		waitJS(`document.querySelector(".tab-panel.active #f-unified_no").readOnly`),
		waitJS(`!document.querySelector(".tab-panel.active #f-customs_reg_no").readOnly`),
		waitJS(`!document.querySelector(".tab-panel.active #btn-declare")`),
		visible(panel("#pre-note")),
	)
	run(t, ctx, "change 备案海关 and 暂存",
		choose(panel("#f-filing_customs"), "5200"),
		click(panel("#btn-save")),
		waitText(panel("#status"), "暂存成功"),
		waitText(panel("#state"), "暂存"),
		waitJS(rowsAtLeast(1)),
	)
	run(t, ctx, "【退出】",
		click(css("#btn-logout")),
		visible(css("#mode-card")),
	)

	// ---- the card holder takes it over and declares it (L2, X3) ----
	cardLogin(t, ctx, base)
	run(t, ctx, "the card holder's menu: filings, changes, no pre-entry",
		visible(css(`[data-menu="customs"]`)),
		visible(css(`[data-menu="commerce"]`)),
		visible(css(`[data-menu="forex"]`)),
		visible(css(`[data-menu="legal-person-change"]`)),
		visible(css(`[data-menu="customs-change"]`)),
		waitJS(`!document.querySelector('[data-menu="customs-pre"]')`),
	)
	run(t, ctx, "企业海关资质备案 opens the pre-entry",
		click(css(`[data-menu="customs"]`)),
		visible(panel("#btn-declare")),
		waitText(panel("#state"), "暂存"),
		waitJS(valueIs("#f-filing_customs", "5200")),
		waitJS(valueIs("#f-unified_no", "53002016000001")),
	)
	declareWithCard(t, ctx, "申报 it, signed with the card")

	// ---- the reviewer returns it (another person, another browser) ----
	rctx := newTab(t, ctx)
	run(t, rctx, "reviewer logs in with password and TOTP",
		chromedp.Navigate(base+"/review"),
		typeInto(css("#rv-username"), w.reviewer),
		typeInto(css("#rv-password"), w.reviewerPassword),
		typeInto(css("#rv-totp"), w.totp()),
		click(css("#btn-rv-login")),
		visible(css("#rv-queue")),
	)
	run(t, rctx, "open the declaration from the queue",
		visible(css(`.queue-row[data-ref="customs"]`)),
		click(css(`.queue-row[data-ref="customs"]`)),
		visible(css("#btn-return")),
		waitJS(valueOn("#f-filing_customs", "5200")),
		waitJS(`document.querySelectorAll(".history-row").length >= 2`),
		waitText(css("#history"), "已签名"),
	)
	run(t, rctx, "退单 needs a reason",
		click(css("#btn-return")),
		visible(css("#f-reason")),
		click(css("#confirm-ok")),
		visible(css("#err-reason")),
	)
	run(t, rctx, "退单 with the reason",
		typeInto(css("#f-reason"), reason),
		click(css("#confirm-ok")),
		waitText(css("#rv-status"), "已退单"),
		waitText(css("#state"), "退单"),
		waitJS(`!document.querySelector('.queue-row[data-ref="customs"]')`),
		chromedp.ScrollIntoView(css("#history")),
	)

	// ---- the enterprise sees the reason, fixes and declares again ----
	run(t, ctx, "the enterprise reopens its filing and sees the reason",
		chromedp.Navigate(base+"/app"),
		visible(css(`[data-menu="customs"]`)),
		click(css(`[data-menu="customs"]`)),
		waitText(panel("#state"), "退单"),
		waitText(panel("#return-reason"), reason),
	)
	run(t, ctx, "fix 备案海关",
		choose(panel("#f-filing_customs"), "5300"),
	)
	declareWithCard(t, ctx, "申报 again")

	// ---- the reviewer approves ----
	run(t, rctx, "the declaration is back in the queue; 审批通过",
		click(css("#btn-rv-refresh")),
		visible(css(`.queue-row[data-ref="customs"]`)),
		click(css(`.queue-row[data-ref="customs"]`)),
		waitJS(valueOn("#f-filing_customs", "5300")),
		click(css("#btn-approve")),
		visible(css("#confirm-ok")),
		click(css("#confirm-ok")),
		waitText(css("#rv-status"), "已审批通过"),
		waitText(css("#state"), "审批通过"),
	)

	// ---- a change of the approved filing (L6) ----
	run(t, ctx, "企业海关资质变更 starts from the approved values; grey fields fixed",
		chromedp.Navigate(base+"/app"),
		visible(css(`[data-menu="customs-change"]`)),
		click(css(`[data-menu="customs-change"]`)),
		visible(panel("#f-customs_reg_no")),
		waitText(panel("#backfill-note"), "审批通过"),
		waitJS(valueIs("#f-customs_reg_no", "4403960001")),
		waitJS(`document.querySelector(".tab-panel.active #f-unified_no").readOnly`),
		waitJS(`document.querySelector(".tab-panel.active #f-credit_code").readOnly`),
		waitJS(`!document.querySelector(".tab-panel.active #f-name_en").readOnly`),
	)
	run(t, ctx, "change 海关注册编号",
		typeInto(panel("#f-customs_reg_no"), "4403960009"),
	)
	declareWithCard(t, ctx, "申报 the change")
	run(t, ctx, "the change is listed",
		waitText(panel("#change-list"), "已申报"),
	)
	run(t, rctx, "the reviewer compares the change with the approved values and approves it",
		click(css("#btn-rv-refresh")),
		visible(css(`.queue-row[data-ref="customs_change"]`)),
		click(css(`.queue-row[data-ref="customs_change"]`)),
		visible(css(`#rv-compare tr.changed[data-key="customs_reg_no"]`)),
		waitText(css(`#rv-compare tr.changed[data-key="customs_reg_no"]`), "4403960009"),
		chromedp.ScrollIntoView(css("#rv-compare")),
		click(css("#btn-approve")),
		visible(css("#confirm-ok")),
		click(css("#confirm-ok")),
		waitText(css("#rv-status"), "已审批通过"),
	)

	// ---- the filing holds the new values; its history every step ----
	run(t, ctx, "the filing has the changed value and its whole history",
		chromedp.Navigate(base+"/app"),
		visible(css(`[data-menu="customs"]`)),
		click(css(`[data-menu="customs"]`)),
		waitText(panel("#state"), "审批通过"),
		waitJS(valueIs("#f-customs_reg_no", "4403960009")),
		waitJS(rowsAtLeast(9)),
		waitText(panel("#history"), "退单原因："+reason),
		waitText(panel("#history"), "已签名"),
		waitText(panel("#history"), "变更生效"),
		waitText(panel("#history"), "审批通过"),
		waitText(panel("#history"), w.admin),
		waitJS(`document.querySelector(".tab-panel.active #btn-save").disabled && document.querySelector(".tab-panel.active #btn-declare").disabled`),
	)
	run(t, ctx, "the past version keeps the old value",
		click(panel("#btn-versions")),
		waitText(panel(".past-version"), "4403960001"),
		chromedp.ScrollIntoView(panel("#history")),
	)
	for _, want := range []string{"create", "declare", "return", "approve", "apply"} {
		run(t, ctx, "history has a "+want+" row",
			waitJS(fmt.Sprintf(`!!document.querySelector('.tab-panel.active .history-row[data-action=%q]')`, want)),
		)
	}
}

// cardLogin logs the card holder in with the soft card's PIN.
func cardLogin(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	run(t, ctx, "card holder logs in with the IC card",
		chromedp.Navigate(base+"/"),
		visible(css("#mode-card")),
		// 【IC 卡登录】 until the card's form shows and the card is read (a
		// login page the kiosk wipe reloads shows its first tab again).
		waitJS(`(() => { const m = document.querySelector("#mode-card"); if (!m) return false;
			if (m.getAttribute("aria-selected") !== "true") { m.click(); return false; }
			const b = document.querySelector("#btn-card-login"); return !!b && !b.disabled; })()`),
		typeInto(css("#login-pin"), cardtest.PIN),
		click(css("#btn-card-login")),
		visible(css("#btn-logout")),
	)
}

// declareWithCard clicks 申报 in the active panel, confirms and signs with
// the card's PIN.
func declareWithCard(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	run(t, ctx, what,
		click(panel("#btn-declare")),
		visible(css("#confirm-ok")),
		click(css("#confirm-ok")),
		visible(css("#pin-input")),
		typeInto(css("#pin-input"), cardtest.PIN),
		click(css("#pin-ok")),
		waitText(panel("#status"), "申报成功"),
		waitText(panel("#state"), "已申报"),
		waitText(panel("#signature"), "已签名"),
	)
}

// valueIs: the input of the active tab panel has the value want.
func valueIs(sel, want string) string { return valueOn(".tab-panel.active "+sel, want) }

// valueOn: the input sel of the page has the value want.
func valueOn(sel, want string) string {
	return fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.value === %q; })()`, sel, want)
}

// rowsAtLeast: the active panel's history has at least n rows.
func rowsAtLeast(n int) string {
	return fmt.Sprintf(`document.querySelectorAll(".tab-panel.active .history-row").length >= %d`, n)
}

// TestFilingRefusalsAndRegistryDown: what stops a filing says why, and a
// registry that does not answer never stops the user (SPEC N2–N4, L3,
// L5–L7): a pre-entry before the legal-person
// filing was declared; a forex filing while the forex bureau's record is
// cancelled; a change without an approved filing; a customs filing whose
// registry hangs, saved anyway with the failure shown.
func TestFilingRefusalsAndRegistryDown(t *testing.T) {
	ctx := newBrowser(t)
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	t.Cleanup(hang.Close)
	const name = "福州示例海产品贸易有限公司" // forex record 注销 in the demo registry
	w := newFilingsWorld(t, worldOptions{Credit: "91350100MA2Y4N6P92", Name: name,
		CustomsURL: hang.URL, Timeout: 500 * time.Millisecond})
	base := w.base

	// A second enterprise, whose legal-person filing was never declared.
	ent2, err := w.srv.Store.CreateEnterprise(context.Background(), store.Enterprise{
		CreditCode: "91310115MA1H7Q3R3M", NameCN: "上海浦东示例国际贸易有限公司", LegalRepName: "王示例",
		LegalRepIDType: "1", LegalRepIDNumber: fwRepID, Province: "310000", City: "310100",
		Address: "上海市浦东新区示例大道88号", Phone: "021-00000202",
	})
	if err != nil {
		t.Fatal(err)
	}
	w.createUser(t, store.User{EnterpriseID: ent2.ID, Username: "pdadmin", Role: model.RoleNoCardAdmin,
		Mobile: "13800138001", Email: "admin@pd-example.cn"}, "another good passphrase")

	run(t, ctx, "a no-card administrator without a declared legal-person filing",
		chromedp.Navigate(base+"/"),
		typeInto(css("#login-username"), "pdadmin"),
		typeInto(css("#login-password"), "another good passphrase"),
		click(css("#btn-login")),
		visible(css(`[data-menu="commerce-pre"]`)),
	)
	run(t, ctx, "企业商务部资质备案（预录入） is refused with the reason",
		click(css(`[data-menu="commerce-pre"]`)),
		waitText(panel("#blocked"), model.MsgLegalPersonFirst),
		waitJS(`document.querySelector(".tab-panel.active #btn-save").disabled`),
		waitJS(`document.querySelector(".tab-panel.active #f-name_cn").readOnly`),
	)
	run(t, ctx, "【退出】",
		click(css("#btn-logout")),
		visible(css("#mode-card")),
	)

	cardLogin(t, ctx, base)
	run(t, ctx, "企业外汇资质备案 is blocked by the forex bureau's 注销",
		click(css(`[data-menu="forex"]`)),
		waitText(panel("#blocked"), "注销"),
		waitJS(`document.querySelector(".tab-panel.active #btn-save").disabled && document.querySelector(".tab-panel.active #btn-declare").disabled`),
	)
	run(t, ctx, "企业海关资质变更 needs an approved filing",
		click(css(`[data-menu="customs-change"]`)),
		waitText(panel("#blocked"), "变更需要审批通过的备案"),
		waitJS(`document.querySelector(".tab-panel.active #btn-save").disabled && document.querySelector(".tab-panel.active #btn-new").disabled`),
	)
	run(t, ctx, "企业海关资质备案: customs' registry hangs, the page says so and the user goes on",
		click(css(`[data-menu="customs"]`)),
		waitText(panel("#backfill-note"), "未能从海关备案信息反填"),
		waitJS(valueIs("#f-name_cn", name)),
		waitJS(valueIs("#f-unified_no", "")),
		choose(panel("#f-supervising_customs"), "5300"),
		choose(panel("#f-filing_customs"), "5300"),
		typeInto(panel("#f-customs_reg_no"), "3501960001"),
		click(panel("#btn-save")),
		waitText(panel("#status"), "暂存成功"),
		waitText(panel("#state"), "暂存"),
		waitJS(rowsAtLeast(1)),
	)
	run(t, ctx, "法人信息变更 starts from the approved legal-person filing; the credit code is fixed",
		click(css(`[data-menu="legal-person-change"]`)),
		visible(panel("#f-phone")),
		waitText(panel("#backfill-note"), "审批通过"),
		waitJS(valueIs("#f-credit_code", "91350100MA2Y4N6P92")),
		waitJS(`document.querySelector(".tab-panel.active #f-credit_code").readOnly`),
		waitJS(`!document.querySelector(".tab-panel.active #f-name_cn").readOnly`),
		waitJS(`(() => { const e = document.querySelector(".tab-panel.active #f-market_dept"); return !!e && e.value !== "" && e.options.length > 2; })()`),
		typeInto(panel("#f-phone"), "0591-87654321"),
		click(panel("#btn-save")),
		waitText(panel("#status"), "暂存成功"),
		waitText(panel("#change-list"), "暂存"),
		waitJS(rowsAtLeast(1)),
	)
}
