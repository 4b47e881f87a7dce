package e2e

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"eportid/backend/cardtest"
)

// grantPermissions is the DevTools protocol's Browser.grantPermissions,
// which cdproto does not declare (it keeps Browser.setPermission only).
var grantPermissions = cdp.Command[grantPermissionsParams, cdp.Empty]{Method: "Browser.grantPermissions"}

type grantPermissionsParams struct {
	Permissions []browser.PermissionType `json:"permissions"`
	Origin      string                   `json:"origin,omitempty"`
}

// TestBridgeFromPublicOrigin is the card bridge under Chrome's Local Network
// Access: the site is served at an address the browser counts as public
// (--ip-address-space-overrides), so its page needs the user's permission to
// open the bridge's websocket on 127.0.0.1. Before 【IC 卡登录】 the page says
// the browser will ask; headless Chromium refuses when asked, and the page
// tells that refusal (with how to allow it) apart from a bridge that is not
// running. Once the permission is granted (Browser.grantPermissions with
// loopbackNetwork, as the user's 【允许】) the page connects by itself and the
// card login works end to end. Opened over http at a name, an insecure
// origin, the page is refused without a question and says to use https.
func TestBridgeFromPublicOrigin(t *testing.T) {
	w := newFilingsWorld(t, worldOptions{})
	u, err := url.Parse(w.base)
	if err != nil {
		t.Fatal(err)
	}
	// eportid.test is the site by a name: an insecure origin (http, not
	// loopback) at the same public address.
	ctx := newBrowser(t, chromedp.Flag("ip-address-space-overrides", u.Host+"=public"),
		chromedp.Flag("host-resolver-rules", "MAP eportid.test 127.0.0.1"))
	permission := `navigator.permissions.query({name: "loopback-network"}).then(s => s.state)`

	run(t, ctx, "the login page says the browser will ask, before anything asks",
		chromedp.Navigate(w.base+"/"),
		visible(css("#mode-card")),
		waitText(css("#tip-lna"), "请点击【允许】"),
	)
	if st, err := chromedp.Run(ctx, chromedp.Evaluate[string](permission, chromedp.EvalAwaitPromise)); err != nil || st != "prompt" {
		t.Fatalf("permission before 【IC 卡登录】: %q %v (want prompt: nothing has connected yet)", st, err)
	}

	run(t, ctx, "【IC 卡登录】 connects; the browser refuses; the page says how to allow it",
		click(css("#mode-card")),
		waitText(css("#card-status"), "浏览器禁止了本网站访问本机上的应用和服务"),
		waitText(css("#card-permission-help"), "LocalNetworkAccessAllowedForUrls"),
		waitText(css("#card-permission-help"), "chrome://settings/content/siteDetails?site="+url.QueryEscape(w.base)),
		waitJS(`document.querySelector("#login-pin").disabled && document.querySelector("#btn-card-login").disabled`),
		waitJS(`!document.querySelector("#tip-lna")`), // the browser asks no more
	)
	text, err := chromedp.Run(ctx, chromedp.Text(css("#card-status")))
	if err != nil {
		t.Fatal(err)
	}
	if want := "请先启动读卡服务"; strings.Contains(text, want) {
		t.Fatalf("card status %q says %q: a refused permission is not a bridge that is not running", text, want)
	}
	if st, err := chromedp.Run(ctx, chromedp.Evaluate[string](permission, chromedp.EvalAwaitPromise)); err != nil || st != "denied" {
		t.Fatalf("permission after the refusal: %q %v", st, err)
	}

	if _, err := chromedp.CallBrowser(ctx, grantPermissions, grantPermissionsParams{
		Permissions: []browser.PermissionType{browser.PermissionTypeLoopbackNetwork}, Origin: w.base,
	}); err != nil {
		t.Fatalf("Browser.grantPermissions: %v", err)
	}
	number := w.card.Identity.CardNumber
	run(t, ctx, "allowed: the page reconnects by itself and shows the card",
		waitText(css("#card-status"), "已插入法人卡 "+number+"（"+fwLegalRep+"）"),
		waitJS(`!document.querySelector("#card-permission-help")`),
	)
	run(t, ctx, "【IC 卡登录】 with the PIN",
		typeInto(css("#login-pin"), cardtest.PIN),
		click(css("#btn-card-login")),
		visible(css("#btn-logout")),
		waitText(css("#header-user"), fwLegalRep+"（法人卡 "+number+"）"),
		waitText(css("#header-enterprise"), fwName),
	)

	// Over http at a name the browser refuses without asking, and no site
	// setting allows it: the page says to use https.
	insecure := newTab(t, ctx)
	run(t, insecure, "an http:// origin: the page says to open the https address",
		chromedp.Navigate("http://eportid.test:"+u.Port()+"/"),
		visible(css("#mode-card")),
		click(css("#mode-card")),
		waitText(css("#card-status"), "浏览器禁止了本网站访问本机上的应用和服务"),
		waitText(css("#card-permission-help"), "请使用本网站的 https:// 地址"),
	)
}
