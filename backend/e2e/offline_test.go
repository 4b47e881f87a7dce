package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"eportid/app/model"
	"eportid/backend/server"
	"eportid/backend/store"
)

// TestOfflineDraftSurvives: the legal-person card holder works with the
// site once, the server stops, the page is reloaded (the service worker
// serves the app; the pages open from their copies), and the card holder
// types a new 法人信息变更 and a change to the customs filing saved before.
// The server starts again on the same address: the page notices by itself,
// says that two drafts wait and names them. Another user of the same
// browser (the no-card administrator) sees neither, and changes the
// customs filing; the card holder, back, is offered both drafts, the
// customs one beside the record as it is now (its version differs), and
// 暂存 saves both.
func TestOfflineDraftSurvives(t *testing.T) {
	ctx := newBrowser(t)
	w := newFilingsWorld(t, worldOptions{})
	base := w.base
	const (
		offlineAddress  = "广东省深圳市南山区前海深港合作区离线路8号"
		offlineRegNo    = "4403960088"
		meanwhileNameEN = "Qianhai Example Supply Chain Co., Ltd."
	)

	cardLogin(t, ctx, base)
	run(t, ctx, "企业海关资质备案: back-filled, 暂存 (a record of the server)",
		click(css(`[data-menu="customs"]`)),
		visible(panel("#f-customs_reg_no")),
		waitText(panel("#backfill-note"), "已从海关备案信息反填"),
		click(panel("#btn-save")),
		waitText(panel("#status"), "暂存成功"),
	)
	customsBefore := customsRecord(t, w)
	run(t, ctx, "法人信息变更: a new change from the approved filing",
		click(css(`[data-menu="legal-person-change"]`)),
		visible(panel("#f-address")),
		waitText(panel("#backfill-note"), "已反填审批通过的备案信息"),
	)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`navigator.serviceWorker.ready.then(() => true)`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatalf("service worker: %v", err)
	}

	// ---- the server stops ----
	addr := strings.TrimPrefix(base, "http://")
	cfg := w.srv.Config
	if err := w.srv.Close(); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "reload with the server down: the app shell, the offline banner, the tabs from their copies",
		chromedp.Reload(),
		visible(css("#offline-notice")),
		visible(css(`.tab[data-tab="customs"]`)),
		visible(panel("#f-address")),
		waitText(panel("#backfill-note"), "本机保存"),
		waitJS(valueIs("#f-credit_code", fwCredit)),
		waitJS(`document.querySelector(".tab-panel.active #btn-declare").disabled`),
	)
	run(t, ctx, "type the new 法人信息变更 offline",
		typeInto(panel("#f-address"), offlineAddress),
		chromedp.Focus(panel("#f-phone")),
	)
	run(t, ctx, "type a change to the customs filing offline",
		click(css(`.tab[data-tab="customs"]`)),
		visible(panel("#f-customs_reg_no")),
		waitText(panel("#backfill-note"), "本机保存"),
		waitJS(`document.querySelector(".tab-panel.active #btn-delete").disabled`),
		typeInto(panel("#f-customs_reg_no"), offlineRegNo),
		chromedp.Focus(panel("#f-name_cn")),
		waitJS(`Object.keys(localStorage).filter(k => k.startsWith("eportid.draft.")).length === 2`),
		waitText(css("#offline-notice"), "2 条草稿"),
	)

	// ---- the server is back, on the same address ----
	cfg.Addr = addr
	srv := server.New(cfg)
	if err := srv.Open(context.Background()); err != nil {
		t.Fatalf("restart server: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	w.srv = srv
	run(t, ctx, "the page notices by itself and says how many drafts wait",
		chromedp.Poll[chromedp.Void](`!document.querySelector("#offline-notice") && !!document.querySelector("#drafts-notice")`,
			chromedp.WithPollingTimeout(50*time.Second), chromedp.WithPollingInterval(200*time.Millisecond)),
		waitText(css("#drafts-count"), "2"),
		waitText(css("#drafts-notice"), "法人信息变更（新增）"),
		waitText(css("#drafts-notice"), "企业海关资质备案"),
	)

	// ---- another user of the same browser ----
	run(t, ctx, "the card holder 【退出】",
		click(css("#btn-logout")),
		visible(css("#mode-card")),
	)
	run(t, ctx, "the no-card administrator logs in: no drafts of the card holder",
		chromedp.Navigate(base+"/"),
		visible(css("#mode-password")),
		click(css("#mode-password")),
		typeInto(css("#login-username"), w.admin),
		typeInto(css("#login-password"), w.adminPassword),
		click(css("#btn-login")),
		visible(css(`[data-menu="customs-pre"]`)),
		click(css(`[data-menu="customs-pre"]`)),
		visible(panel("#f-customs_reg_no")),
		waitText(panel("#state"), "暂存"),
		waitJS(valueIs("#f-customs_reg_no", customsBefore.Fields["customs_reg_no"])),
		waitJS(`!document.querySelector(".tab-panel.active #restored") && !document.querySelector("#drafts-notice")`),
		click(css(`[data-menu="legal-person"]`)),
		visible(panel("#f-address")),
		waitText(panel("#state"), "审批通过"),
		waitJS(`!document.querySelector(".tab-panel.active #restored") && !document.querySelector("#drafts-notice")`),
		// The card holder's drafts are still in the browser, not shown.
		waitJS(`Object.keys(localStorage).filter(k => k.startsWith("eportid.draft.card")).length === 2`),
		click(css("#btn-logout")),
		visible(css("#login-username")),
	)

	// Meanwhile the administrator changes the customs filing on the server.
	changed := customsBefore.Fields.Clone()
	changed["name_en"] = meanwhileNameEN
	if _, err := w.srv.Store.Filings(model.FilingCustoms).Save(context.Background(), w.ent.ID, customsBefore.ID, customsBefore.Version,
		store.Actor{Name: w.admin, Role: model.RoleNoCardAdmin}, store.Input{Fields: changed}); err != nil {
		t.Fatal(err)
	}

	// ---- the card holder again: both drafts are offered, 暂存 saves both ----
	cardLogin(t, ctx, base)
	run(t, ctx, "two drafts wait",
		visible(css("#drafts-notice")),
		waitText(css("#drafts-count"), "2"),
	)
	run(t, ctx, "the banner's link opens 企业海关资质备案: the record changed meanwhile, shown beside the draft, nothing overwritten",
		click(css(`#drafts-notice .draft-link[data-page="customs"]`)),
		visible(css(`.tab.active[data-tab="customs"]`)),
		visible(panel("#draft-clash")),
		waitText(panel(`#draft-clash tr[data-key="customs_reg_no"] .clash-server`), customsBefore.Fields["customs_reg_no"]),
		waitText(panel(`#draft-clash tr[data-key="customs_reg_no"] .clash-draft`), offlineRegNo),
		waitText(panel(`#draft-clash tr[data-key="name_en"] .clash-server`), meanwhileNameEN),
		waitJS(valueIs("#f-customs_reg_no", customsBefore.Fields["customs_reg_no"])),
		waitJS(valueIs("#f-name_en", meanwhileNameEN)),
		waitJS(`document.querySelector(".tab-panel.active #btn-save").disabled`),
	)
	run(t, ctx, "采用本机草稿的修改 puts the draft's change over the current record; 暂存",
		click(panel("#btn-use-draft")),
		visible(panel("#restored")),
		waitJS(valueIs("#f-customs_reg_no", offlineRegNo)),
		waitJS(valueIs("#f-name_en", meanwhileNameEN)),
		click(panel("#btn-save")),
		waitText(panel("#status"), "暂存成功"),
		waitText(css("#drafts-count"), "1"),
	)
	run(t, ctx, "法人信息变更 offers its draft; 暂存",
		click(css(`[data-menu="legal-person-change"]`)),
		visible(panel("#restored")),
		waitJS(valueIs("#f-address", offlineAddress)),
		waitJS(valueIs("#f-credit_code", fwCredit)),
		click(panel("#btn-save")),
		waitText(panel("#status"), "暂存成功"),
		waitJS(`!document.querySelector("#drafts-notice")`),
		waitJS(`Object.keys(localStorage).filter(k => k.startsWith("eportid.draft.")).length === 0`),
	)

	if got := customsRecord(t, w); got.Fields["customs_reg_no"] != offlineRegNo || got.Fields["name_en"] != meanwhileNameEN {
		t.Errorf("customs filing after 暂存: reg no %q, name_en %q; want %q typed offline over %q changed meanwhile",
			got.Fields["customs_reg_no"], got.Fields["name_en"], offlineRegNo, meanwhileNameEN)
	}
	changes, err := w.srv.Store.Changes(model.FilingLegalPerson).List(context.Background(), w.ent.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || changes[0].Fields["address"] != offlineAddress || changes[0].State != model.StateDraft {
		t.Errorf("legal-person changes after 暂存 = %s, want one draft with the address typed offline", describeChanges(changes))
	}
}

// customsRecord is the enterprise's customs filing as the server has it.
func customsRecord(t *testing.T, w *filingsWorld) model.Record {
	t.Helper()
	l, err := w.srv.Store.Filings(model.FilingCustoms).List(context.Background(), w.ent.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(l) != 1 {
		t.Fatalf("customs filings: %d, want 1", len(l))
	}
	return l[0]
}

func describeChanges(l []model.Record) string {
	var parts []string
	for _, r := range l {
		parts = append(parts, fmt.Sprintf("#%d %s address %q", r.ID, r.State, r.Fields["address"]))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
