package e2e

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"eportid/app/ui"
	"eportid/backend/server"
)

// startServer runs the real server, on SQLite in a temporary directory,
// serving the real pages and app.wasm.
func startServer(t *testing.T) *server.Main {
	t.Helper()
	srv := server.New(server.Config{
		Addr:        "127.0.0.1:0",
		DatabaseURL: filepath.Join(t.TempDir(), "e2e.db"),
		WebDir:      filepath.Join(repoRoot(), "web"),
		UI:          ui.Handler(),
		Stdout:      io.Discard,
		NoJanitor:   true,
	})
	if err := srv.Open(context.Background()); err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

var tokenRe = regexp.MustCompile(`/activate\?token=[^\s"<>]+`)

// activationLink reads the confirmation mail from the development outbox.
func activationLink(t *testing.T, srv *server.Main, addr string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		mails, err := srv.Store.MailsTo(context.Background(), addr)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mails {
			if l := tokenRe.FindString(m.Body); l != "" {
				return srv.URL() + l
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no confirmation mail to %s", addr)
	return ""
}

// TestNewEnterpriseFilesLegalPerson is the legal-person filing as a new
// user meets it: register without a card, confirm the e-mail, log in, open
// 法人信息录入, type a wrong credit code and see the red prompt, fix it, 暂存,
// 申报, find the record read-only, and log out.
func TestNewEnterpriseFilesLegalPerson(t *testing.T) {
	ctx := newBrowser(t)
	srv := startServer(t)
	base := srv.URL()
	const (
		credit = "91350100M000100Y43"
		email  = "admin@fz-example.cn"
	)

	run(t, ctx, "open the portal",
		chromedp.Navigate(base+"/"),
		visible(css("#login-username")),
	)
	run(t, ctx, "【注册】 → 企业用户注册 → 无卡用户注册",
		click(css("#link-register")),
		visible(css("#btn-enterprise")),
		click(css("#btn-enterprise")),
		visible(css("#btn-nocard")),
		click(css("#btn-nocard")),
		visible(css("#f-name_cn")),
	)
	run(t, ctx, "step 1 企业基本信息",
		typeInto(css("#f-name_cn"), "福州示例贸易有限公司"),
		typeInto(css("#f-legal_rep_name"), "张三"),
		typeInto(css("#f-credit_code"), credit),
		choose(css("#f-legal_rep_id_type"), "1"),
		typeInto(css("#f-legal_rep_id_number"), "11010519491231002X"),
		choose(css("#f-province"), "350000"),
		choose(css("#f-city"), "350100"),
		typeInto(css("#f-address"), "福州市鼓楼区五四路1号"),
		typeInto(css("#f-phone"), "0591-87654321"),
		click(css("#btn-next")),
		visible(css("#f-username")),
	)
	run(t, ctx, "step 2 管理员帐号信息",
		typeInto(css("#f-username"), "fzadmin"),
		typeInto(css("#f-password"), "correct horse battery"),
		typeInto(css("#f-password_confirm"), "correct horse battery"),
		typeInto(css("#f-mobile"), "13800138000"),
		typeInto(css("#f-email"), email),
		click(css("#btn-register")),
		waitText(css("#result"), "确认邮件"),
	)
	run(t, ctx, "confirm the e-mail",
		chromedp.Navigate(activationLink(t, srv, email)),
		waitText(css("#result"), "注册完成"),
	)
	run(t, ctx, "log in",
		chromedp.Navigate(base+"/"),
		typeInto(css("#login-username"), "fzadmin"),
		typeInto(css("#login-password"), "correct horse battery"),
		click(css("#btn-login")),
		visible(css("#btn-logout")),
	)
	run(t, ctx, "open 法人信息录入 and 新增",
		click(css(`[data-menu="legal-person"]`)),
		visible(css(`.tab[data-tab="legal-person"]`)),
		visible(panel("#btn-new")),
		click(panel("#btn-new")),
		visible(panel("#f-credit_code")),
	)
	run(t, ctx, "a wrong credit code shows the red prompt naming the rule",
		typeInto(panel("#f-credit_code"), "91350100M000100Y44"),
		chromedp.Focus(panel("#f-name_cn")),
		waitText(panel("#err-credit_code"), "校验位"),
	)
	run(t, ctx, "fixing it clears the prompt and fills 主体标识码",
		typeInto(panel("#f-credit_code"), credit),
		chromedp.Focus(panel("#f-name_cn")),
		waitJS(`(() => { const e = document.querySelector(".tab-panel.active #err-credit_code"); return !e || e.textContent.trim() === ""; })()`),
		waitJS(`document.querySelector(".tab-panel.active #f-subject_code").value === "M000100Y4"`),
	)
	run(t, ctx, "Enter moves to the next field",
		chromedp.SendKeys(panel("#f-name_cn"), "福州示例贸易有限公司\r"),
		waitJS(`document.activeElement && document.activeElement.id === "f-name_en"`),
	)
	run(t, ctx, "暂存 a partly filled draft",
		click(panel("#btn-save")),
		waitText(panel("#status"), "暂存成功"),
		waitText(panel("#state"), "暂存"),
	)
	run(t, ctx, "fill the rest",
		choose(panel("#f-enterprise_type"), "1100"),
		choose(panel("#f-province"), "350000"),
		choose(panel("#f-city"), "350100"),
		typeInto(panel("#f-address"), "福州市鼓楼区五四路1号"),
		typeInto(panel("#f-legal_rep_name"), "张三"),
		choose(panel("#f-legal_rep_id_type"), "1"),
		typeInto(panel("#f-legal_rep_id_number"), "11010519491231002X"),
		typeInto(panel("#f-phone"), "0591-87654321"),
		choose(panel("#f-agent_point"), agentPointWithDepts(t, srv)),
	)
	market, tax := firstDepts(t, srv)
	run(t, ctx, "choose the departments of the agent point",
		choose(panel("#f-market_dept"), market),
		choose(panel("#f-tax_dept"), tax),
	)
	run(t, ctx, "申报",
		click(panel("#btn-declare")),
		visible(css("#confirm-ok")),
		click(css("#confirm-ok")),
		waitText(panel("#status"), "申报成功"),
		waitText(panel("#state"), "已申报"),
	)
	run(t, ctx, "a declared record can no longer be edited",
		waitJS(`(() => { const e = document.querySelector(".tab-panel.active #f-name_cn"); return e.readOnly || e.disabled; })()`),
		waitJS(`document.querySelector(".tab-panel.active #btn-save").disabled`),
		waitJS(`document.querySelector(".tab-panel.active #btn-declare").disabled`),
		waitJS(`document.querySelector(".tab-panel.active #btn-delete").disabled`),
		waitJS(`!document.querySelector(".tab-panel.active #btn-print").disabled`),
	)
	run(t, ctx, "【退出】",
		click(css("#btn-logout")),
		visible(css("#login-username")),
	)
	// The session is gone on the server too: the page's cookie no longer works.
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch("/api/session", {credentials: "same-origin"}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusUnauthorized {
		t.Fatalf("GET /api/session after 退出 = %d, want 401", status)
	}
}

// agentPointWithDepts is the code of an agent point with preset departments.
func agentPointWithDepts(t *testing.T, srv *server.Main) string {
	t.Helper()
	aps, err := srv.Store.AgentPoints(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, ap := range aps {
		if len(ap.MarketDepts) > 0 && len(ap.TaxDepts) > 0 && strings.HasPrefix(ap.Province, "35") {
			return ap.Code
		}
	}
	for _, ap := range aps {
		if len(ap.MarketDepts) > 0 && len(ap.TaxDepts) > 0 {
			return ap.Code
		}
	}
	t.Fatal("no agent point with preset departments")
	return ""
}

func firstDepts(t *testing.T, srv *server.Main) (market, tax string) {
	t.Helper()
	code := agentPointWithDepts(t, srv)
	ap, err := srv.Store.AgentPoint(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	return ap.MarketDepts[0].Code, ap.TaxDepts[0].Code
}
