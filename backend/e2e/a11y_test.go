package e2e

import (
	"context"
	_ "embed"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"eportid/app/model"
	"eportid/backend/store"
)

// axeSource is axe-core (Deque Systems, MPL-2.0), vendored unchanged with
// its licence header: testdata/README.md says which version.
//
//go:embed testdata/axe.min.js
var axeSource string

// axeNode is an element a rule failed on.
type axeNode struct {
	Target  string `json:"target"`
	Summary string `json:"summary"`
}

// axeViolation is one failed rule of axe-core.
type axeViolation struct {
	ID     string    `json:"id"`
	Impact string    `json:"impact"`
	Help   string    `json:"help"`
	Nodes  []axeNode `json:"nodes"`
}

// axeRun runs axe-core on the page as it is now and returns its violations.
func axeRun(t *testing.T, ctx context.Context) []axeViolation {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	loaded, err := chromedp.Run(sctx, chromedp.Evaluate[bool](`typeof window.axe === "object"`))
	if err != nil {
		t.Fatalf("axe: %v", err)
	}
	if !loaded {
		if _, err := chromedp.Run(sctx, chromedp.Evaluate[chromedp.Void](axeSource+"\n;undefined")); err != nil {
			t.Fatalf("inject axe-core: %v", err)
		}
	}
	v, err := chromedp.Run(sctx, chromedp.Evaluate[[]axeViolation](`axe.run(document, {resultTypes: ["violations"]}).then(r =>
		r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help,
			nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary || ""}))})))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe.run: %v", err)
	}
	return v
}

// blocking are the violations of impact serious or critical.
func blocking(vs []axeViolation) []axeViolation {
	var out []axeViolation
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			out = append(out, v)
		}
	}
	return out
}

// describe lists violations for the developer who fixes them.
func describe(vs []axeViolation) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "\n  %s (%s): %s", v.ID, v.Impact, v.Help)
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "\n    - %s", n.Target)
			if n.Summary != "" {
				fmt.Fprintf(&b, "\n      %s", strings.ReplaceAll(n.Summary, "\n", "\n      "))
			}
		}
	}
	return b.String()
}

// checkPage asserts what axe-core finds on the page in the state what and
// the page's headings: no serious or critical violation, exactly one
// visible level-one heading, and the logo marked decorative.
func checkPage(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	vs := axeRun(t, ctx)
	var ids []string
	for _, v := range vs {
		ids = append(ids, v.ID+"("+v.Impact+")")
	}
	t.Logf("axe %s: %d violations %v", what, len(vs), ids)
	if bad := blocking(vs); len(bad) > 0 {
		t.Errorf("%s: axe-core finds %d serious or critical violations:%s", what, len(bad), describe(bad))
	}
	h1s, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("h1")].filter(h => h.checkVisibility()).map(h => h.textContent.trim())`))
	if err != nil {
		t.Fatal(err)
	}
	if len(h1s) != 1 {
		t.Errorf("%s: %d visible level-one headings %q, want exactly one", what, len(h1s), h1s)
	}
	logos, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("img.brand-logo")].map(i => i.getAttribute("alt") === null ? "<no alt>" : i.getAttribute("alt"))`))
	if err != nil {
		t.Fatal(err)
	}
	for _, alt := range logos {
		if alt != "" {
			t.Errorf("%s: the header logo has alt %q, want alt=\"\" (decorative: the system's name is next to it)", what, alt)
		}
	}
}

// TestAccessibility runs axe-core on the pages a no-card user meets, in the
// states that matter: the portal, both registration steps with their field
// errors, the workspace with tabs open, a record page with a field in
// error, the agent points and the reviewers' login.
func TestAccessibility(t *testing.T) {
	ctx := newBrowser(t)
	srv := startServer(t)
	base := srv.URL()
	const (
		credit = "91350100M000100Y43"
		email  = "a11y@fz-example.cn"
	)

	run(t, ctx, "open the portal",
		chromedp.Navigate(base+"/"),
		visible(css("#login-username")),
	)
	checkPage(t, ctx, "portal login")

	run(t, ctx, "无卡用户注册 step 1 with its field errors",
		chromedp.Navigate(base+"/register/nocard"),
		visible(css("#f-name_cn")),
		typeInto(css("#f-credit_code"), "91350100M000100Y44"),
		click(css("#btn-next")),
		visible(css("#err-credit_code")),
		visible(css("#err-name_cn")),
	)
	checkPage(t, ctx, "registration step 1 with field errors")

	run(t, ctx, "无卡用户注册 step 2 with its field errors",
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
		typeInto(css("#f-email"), "not-an-address"),
		click(css("#btn-register")),
		visible(css("#err-email")),
	)
	checkPage(t, ctx, "registration step 2 with field errors")

	run(t, ctx, "注册",
		typeInto(css("#f-username"), "fza11y"),
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
	checkPage(t, ctx, "activation done")

	run(t, ctx, "log in",
		chromedp.Navigate(base+"/"),
		typeInto(css("#login-username"), "fza11y"),
		typeInto(css("#login-password"), "correct horse battery"),
		click(css("#btn-login")),
		visible(css("#btn-logout")),
	)
	checkPage(t, ctx, "workspace, no tab open")

	run(t, ctx, "open 法人信息录入, 商务部资质备案（预录入） and 制卡代理点联系方式",
		click(css(`[data-menu="legal-person"]`)),
		visible(panel("#btn-new")),
		click(css(`[data-menu="commerce-pre"]`)),
		visible(panel("#blocked")),
		click(css(`[data-menu="agent-points"]`)),
		visible(css(`.tab[data-tab="agent-points"]`)),
		waitJS(`document.querySelectorAll(".tab-panel.active tbody tr[data-code]").length > 0`),
	)
	checkPage(t, ctx, "workspace with three tabs, 制卡代理点联系方式 active")

	run(t, ctx, "法人信息录入 with a bad credit code",
		click(css(`.tab[data-tab="legal-person"]`)),
		visible(panel("#btn-new")),
		click(panel("#btn-new")),
		typeInto(panel("#f-credit_code"), "91350100M000100Y44"),
		chromedp.Focus(panel("#f-name_cn")),
		waitText(panel("#err-credit_code"), "校验位"),
	)
	checkPage(t, ctx, "法人信息录入 with a field in error")

	run(t, ctx, "the tabs from the keyboard: → moves to the next tab, Delete closes it, × closes with the mouse",
		waitJS(`document.querySelectorAll("#tab-strip [role=tab] button, #tab-strip [role=tab] [tabindex]").length === 0`),
		chromedp.Focus(css(`.tab[data-tab="legal-person"]`)),
		chromedp.KeyEvent(kb.ArrowRight),
		waitJS(`document.activeElement.dataset.tab === "commerce-pre" && document.querySelector(".tab-panel.active").dataset.panel === "commerce-pre"`),
		chromedp.KeyEvent(kb.Delete),
		waitJS(`!document.querySelector('.tab[data-tab="commerce-pre"]') && document.activeElement.dataset.tab === "agent-points"`),
		click(css(`.tab-close[data-close="agent-points"]`)),
		waitJS(`[...document.querySelectorAll("#tab-strip .tab")].map(e => e.dataset.tab).join() === "legal-person"`),
		// Nothing typed is lost while tabs close around it.
		waitJS(`document.querySelector(".tab-panel.active #f-credit_code").value === "91350100M000100Y44"`),
	)
	run(t, ctx, "the tab's close menu open",
		click(css(`[data-menu="agent-points"]`)),
		visible(css(`.tab[data-tab="agent-points"]`)),
		click(css("#tabs-menu")),
		visible(css("#close-all-tabs")),
	)
	checkPage(t, ctx, "workspace with the tabs menu open")
	run(t, ctx, "关闭全部选项卡",
		click(css("#close-all-tabs")),
		waitJS(`document.querySelectorAll("#tab-strip .tab").length === 0`),
		visible(css(".tab-panel.welcome.active")),
	)

	run(t, ctx, "制卡代理点查询",
		chromedp.Navigate(base+"/agent-points"),
		waitJS(`document.querySelectorAll("tbody tr[data-code]").length > 0`),
	)
	checkPage(t, ctx, "制卡代理点查询")

	run(t, ctx, "审批人员登录",
		chromedp.Navigate(base+"/review"),
		visible(css("#rv-username")),
	)
	checkPage(t, ctx, "review login")
	run(t, ctx, "审批人员登录 with its message",
		click(css("#btn-rv-login")),
		visible(css("#rv-error")),
	)
	checkPage(t, ctx, "review login with its message")
}

// rgb parses a computed CSS colour "rgb(r, g, b)" or "rgba(r, g, b, a)".
func rgb(t *testing.T, s string) [3]float64 {
	t.Helper()
	var c [3]float64
	var a float64
	if n, _ := fmt.Sscanf(s, "rgba(%g, %g, %g, %g)", &c[0], &c[1], &c[2], &a); n == 4 {
		return c
	}
	if n, _ := fmt.Sscanf(s, "rgb(%g, %g, %g)", &c[0], &c[1], &c[2]); n != 3 {
		t.Fatalf("colour %q is not rgb()", s)
	}
	return c
}

// contrast is the WCAG 2.1 contrast ratio of two colours.
func contrast(a, b [3]float64) float64 {
	lum := func(c [3]float64) float64 {
		var l [3]float64
		for i, v := range c {
			v /= 255
			if v <= 0.03928 {
				l[i] = v / 12.92
			} else {
				l[i] = math.Pow((v+0.055)/1.055, 2.4)
			}
		}
		return 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2]
	}
	la, lb := lum(a), lum(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// evalJS evaluates expr and returns its value.
func evalJS[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// TestMessageStyles checks how the pages' messages look to a clerk: the
// colours of required fields against the WCAG 2.1 AA ratios, a
// registry's "not found" note not in the success style, a blocking
// message set apart from its 【重新检查】, and the reviewers' login card
// title on its underline as on the enterprise login.
func TestMessageStyles(t *testing.T) {
	w := newFilingsWorld(t, worldOptions{Credit: "91350100M000100Y43", Name: "福州示例贸易有限公司"})
	ctx := newBrowser(t)

	// A second enterprise whose legal-person filing is not declared yet.
	ent, err := w.srv.Store.CreateEnterprise(context.Background(), store.Enterprise{
		CreditCode: "91350100M000101Y1F", NameCN: "福州新办示例有限公司", LegalRepName: "李四", LegalRepIDType: "1",
		LegalRepIDNumber: "11010519491231002X", Province: "350000", City: "350100", Address: "福州市鼓楼区五四路2号",
		Phone: "0591-87654322",
	})
	if err != nil {
		t.Fatal(err)
	}
	w.createUser(t, store.User{EnterpriseID: ent.ID, Username: "newadmin", Role: model.RoleNoCardAdmin,
		Mobile: "13800138001", Email: "admin@new-example.cn"}, "correct horse battery")

	run(t, ctx, "the enterprise login",
		chromedp.Navigate(w.base+"/"),
		visible(css("#login-username")),
	)
	// Required (yellow) fields: the border is a UI component (3:1 against
	// the card), the placeholder is text (4.5:1 against the field).
	req := evalJS[map[string]string](t, ctx, `(() => { const e = document.querySelector("#login-username.k-req");
		const s = getComputedStyle(e), p = getComputedStyle(e, "::placeholder");
		return {border: s.borderTopColor, bg: s.backgroundColor, placeholder: p.color,
			card: getComputedStyle(e.closest(".login-box")).backgroundColor}; })()`)
	if r := contrast(rgb(t, req["border"]), rgb(t, req["card"])); r < 3 {
		t.Errorf("required field's border %s on the card %s: contrast %.2f:1, want at least 3:1", req["border"], req["card"], r)
	}
	if r := contrast(rgb(t, req["placeholder"]), rgb(t, req["bg"])); r < 4.5 {
		t.Errorf("required field's placeholder %s on %s: contrast %.2f:1, want at least 4.5:1", req["placeholder"], req["bg"], r)
	}
	if c := rgb(t, req["bg"]); !(c[0] > 240 && c[1] > 220 && c[2] < 215) {
		t.Errorf("required field's background %s is no longer yellow", req["bg"])
	}
	mainTab := tabUnderline(t, ctx, ".login-tab.active")

	run(t, ctx, "log in as the enterprise without a declared legal-person filing",
		typeInto(css("#login-username"), "newadmin"),
		typeInto(css("#login-password"), "correct horse battery"),
		click(css("#btn-login")),
		visible(css("#btn-logout")),
		click(css(`[data-menu="commerce-pre"]`)),
		visible(panel("#blocked")),
		visible(panel("#btn-recheck")),
	)
	// The sentence ends, a gap, then the link: they must not run together.
	gap := evalJS[float64](t, ctx, `(() => { const p = document.querySelector(".tab-panel.active #blocked");
		const r = document.createRange(); r.selectNodeContents(p.firstChild);
		const text = [...r.getClientRects()].pop(), link = p.querySelector("#btn-recheck").getBoundingClientRect();
		return Math.abs(link.top - text.top) < 4 ? link.left - text.right : 99; })()`)
	if gap < 8 {
		t.Errorf("the blocking message runs into 【重新检查】: %.1f px between them, want at least 8", gap)
	}
	if txt := evalJS[string](t, ctx, `(() => { const b = document.querySelector(".tab-panel.active #btn-recheck");
		const s = getComputedStyle(b, "::before").content, e = getComputedStyle(b, "::after").content;
		return s + b.textContent + e; })()`); !strings.Contains(txt, "【") || !strings.Contains(txt, "】") {
		t.Errorf("【重新检查】 shows as %s, want it in 【】 as the manual writes a button", txt)
	}
	run(t, ctx, "退出",
		click(css("#btn-logout")),
		visible(css("#login-username")),
	)

	run(t, ctx, "log in as the enterprise no registry knows; open 商务部资质备案（预录入）",
		typeInto(css("#login-username"), w.admin),
		typeInto(css("#login-password"), w.adminPassword),
		click(css("#btn-login")),
		visible(css("#btn-logout")),
		click(css(`[data-menu="commerce-pre"]`)),
		waitText(panel("#backfill-note"), "未查到"),
	)
	note := evalJS[map[string]string](t, ctx, `(() => { const e = document.querySelector(".tab-panel.active #backfill-note");
		const ok = document.createElement("p"); ok.className = "status ok"; document.body.append(ok);
		const green = getComputedStyle(ok).color; ok.remove();
		return {cls: e.className, color: getComputedStyle(e).color, bg: getComputedStyle(e).backgroundColor, green}; })()`)
	if strings.Contains(note["cls"], "note-ok") || note["color"] == note["green"] {
		t.Errorf("the registry's 未查到 note is shown in the success style (class %q, colour %s)", note["cls"], note["color"])
	}
	if c := rgb(t, note["bg"]); c[1] > c[0]+10 && c[1] > c[2]+10 {
		t.Errorf("the registry's 未查到 note has a green background %s", note["bg"])
	}

	run(t, ctx, "the reviewers' login",
		chromedp.Navigate(w.base+"/review"),
		visible(css("#rv-username")),
	)
	rvTab := tabUnderline(t, ctx, ".login-tab.active")
	if math.Abs(rvTab-mainTab) > 2 || rvTab > 16 {
		t.Errorf("the reviewers' login title is %.1f px above its underline, the enterprise login's %.1f px", rvTab, mainTab)
	}
}

// tabUnderline is the distance from the bottom of a login card title's
// text to the top of its underline (the bottom border).
func tabUnderline(t *testing.T, ctx context.Context, sel string) float64 {
	t.Helper()
	return evalJS[float64](t, ctx, fmt.Sprintf(`(() => { const e = document.querySelector(%q);
		const r = document.createRange(); r.selectNodeContents(e);
		const text = r.getBoundingClientRect(), box = e.getBoundingClientRect();
		const line = box.bottom - parseFloat(getComputedStyle(e).borderBottomWidth);
		return line - text.bottom; })()`, sel))
}

// TestReviewConsoleAccessibility runs axe-core on the review console a
// reviewer opens after logging in.
func TestReviewConsoleAccessibility(t *testing.T) {
	w := newFilingsWorld(t, worldOptions{})
	ctx := newBrowser(t)
	run(t, ctx, "the reviewer logs in",
		chromedp.Navigate(w.base+"/review"),
		typeInto(css("#rv-username"), w.reviewer),
		typeInto(css("#rv-password"), w.reviewerPassword),
		typeInto(css("#rv-totp"), w.totp()),
		click(css("#btn-rv-login")),
		visible(css("#rv-queue")),
	)
	checkPage(t, ctx, "review console")
}
