package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cachestorage"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/domstorage"
	"github.com/chromedp/cdproto/indexeddb"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"eportid/backend/auth"
)

// TestKioskSession: a reviewer of the agent point makes an enrolment link
// in the review console and the terminal's browser opens it; on the
// terminal the login has no password field for the browser to save; the
// no-card administrator logs in and types, 【退出】 warns of a draft and
// offers 暂存 first; the idle countdown shows, a key resets it, and at the
// idle end the session ends on the server and the browser holds none of
// the user's data (DOM storage, IndexedDB, Cache Storage but the app
// shell, read through the DevTools protocol), and the back button shows
// nothing of the user; then a card holder logs in and pulling the card out
// ends the session at once, wiped the same way.
func TestKioskSession(t *testing.T) {
	ctx := newBrowser(t)
	// Long enough that a loaded machine gets through the steps between two
	// keys; the countdown shows for the last half of it.
	const idle = 14 * time.Second
	w := newFilingsWorld(t, worldOptions{KioskIdle: idle})
	base := w.base

	// ---- the agent point makes the enrolment link (its own PC) ----
	rctx := newTab(t, ctx)
	run(t, rctx, "the reviewer makes an enrolment link in the review console",
		chromedp.Navigate(base+"/review"),
		typeInto(css("#rv-username"), w.reviewer),
		typeInto(css("#rv-password"), w.reviewerPassword),
		typeInto(css("#rv-totp"), w.totp()),
		click(css("#btn-rv-login")),
		visible(css("#review-kiosks")),
		typeInto(css("#kiosk-name"), "大厅 1 号机"),
		click(css("#btn-kiosk-new")),
		waitText(css("#kiosk-link"), "/kiosk/enrol#"),
		waitText(css("#kiosk-list"), "待登记"),
	)
	link := evalString(t, rctx, `document.querySelector("#kiosk-link").textContent`)

	// ---- the terminal's browser opens it ----
	run(t, ctx, "the terminal opens the link and enrols",
		chromedp.Navigate(link),
		visible(css("#btn-kiosk-enrol")),
		waitJS(`location.hash === ""`), // the token leaves the address bar
		click(css("#btn-kiosk-enrol")),
		waitText(css("#kiosk-enrolled"), "自助终端（大厅 1 号机）"),
	)
	kc := cookie(t, ctx, base, auth.KioskCookieName)
	if kc == nil || !kc.HTTPOnly || kc.SameSite != network.CookieSameSiteStrict ||
		time.Until(time.Unix(int64(kc.Expires), 0)) < 390*24*time.Hour {
		t.Fatalf("kiosk cookie %+v", kc)
	}
	run(t, ctx, "the kiosk's login page says so and has no password field to save",
		click(css("#kiosk-to-login")),
		waitText(css("#kiosk-notice"), "自助终端（大厅 1 号机）"),
		waitText(css("#kiosk-notice"), "浏览器不保存密码"),
		waitJS(`document.querySelectorAll('input[type="password"]').length === 0`),
		waitJS(`document.querySelector("#login-password").autocomplete === "off" &&
			document.querySelector("#login-username").autocomplete === "off" &&
			getComputedStyle(document.querySelector("#login-password")).webkitTextSecurity === "disc"`),
		// The service worker has cached the app shell.
		waitJS(`(caches.keys().then(ks => window.__shell = ks.some(k => k.startsWith("app-"))), window.__shell === true)`),
	)

	// ---- a user logs in and types ----
	run(t, ctx, "the no-card administrator logs in on the kiosk and types",
		typeInto(css("#login-username"), w.admin),
		typeInto(css("#login-password"), w.adminPassword),
		click(css("#btn-login")),
		visible(css("#btn-logout")),
		click(css(`[data-menu="customs-pre"]`)),
		visible(panel("#f-customs_reg_no")),
		typeInto(panel("#f-customs_reg_no"), "5301987654"),
	)
	sessionToken := cookie(t, ctx, base, auth.CookieName)
	if sessionToken == nil {
		t.Fatal("no session cookie after the login")
	}
	// The page keeps what was typed as the user's draft (drafts.go); what
	// else a page could keep is put beside it: a copy of server data in
	// local storage, an IndexedDB database, a cache of API answers, and an
	// API answer in the shell's cache.
	run(t, ctx, "what was typed is the one draft in local storage",
		waitJS(`Object.keys(localStorage).filter(k => k.startsWith("eportid.draft.")).length === 1`))
	evalVoid(t, ctx, `(async () => {
		localStorage.setItem("eportid.copy.legal_person.1", JSON.stringify({name_cn: "`+fwName+`"}));
		await new Promise((ok, fail) => {
			const r = indexedDB.open("eportid-offline", 1);
			r.onupgradeneeded = () => r.result.createObjectStore("records");
			r.onsuccess = () => { const db = r.result; const tx = db.transaction("records", "readwrite");
				tx.objectStore("records").put({name_cn: "`+fwName+`"}, "legal_person/1");
				tx.oncomplete = () => { db.close(); ok(); }; tx.onerror = fail; };
			r.onerror = fail;
		});
		await (await caches.open("eportid-api")).put("/api/filings/legal_person", new Response("[]"));
		const shell = (await caches.keys()).find(k => k.startsWith("app-"));
		await (await caches.open(shell)).put("/api/session", new Response("{}"));
	})()`)
	if n := len(storageItems(t, ctx, base, true)); n < 3 {
		t.Fatalf("local storage before the logout holds %d items", n)
	}

	run(t, ctx, "【退出】 warns of the draft and offers 暂存 first",
		click(css("#btn-logout")),
		waitText(css("#kiosk-drafts-message"), "还有 1 份草稿尚未暂存"),
		click(css("#kiosk-drafts-back")),
		waitJS(`!document.querySelector("#kiosk-drafts")`),
		visible(css("#btn-logout")),
	)
	run(t, ctx, "the countdown shows before the idle end and names the draft; a key resets it",
		visible(css("#kiosk-countdown")),
		waitText(css("#kiosk-countdown-drafts"), "1 份草稿"),
		chromedp.KeyEvent("a"),
		waitJS(`!document.querySelector("#kiosk-countdown")`),
		visible(css("#btn-logout")),
	)
	start := time.Now()
	run(t, ctx, "the countdown shows again", visible(css("#kiosk-countdown")))
	t.Logf("countdown shown again after %v", time.Since(start).Round(100*time.Millisecond))
	waitAcrossLoad(t, ctx, "the page leaves the workspace", `location.pathname === "/"`)
	t.Logf("the login page is loading after %v", time.Since(start).Round(100*time.Millisecond))
	waitAcrossLoad(t, ctx, "at the idle end the page logs out and reloads the login page",
		`location.pathname === "/" && !!document.querySelector("#login-error") &&
			document.querySelector("#login-error").textContent.includes("因长时间无操作，已自动退出登录") &&
			document.querySelector("#login-error").textContent.includes("本机保存的数据已清除")`)
	t.Logf("idle end: logged out and wiped, login page shown %v after the last key (idle %v)", time.Since(start).Round(100*time.Millisecond), idle)

	// The session has ended on the server.
	if st := getSession(t, base, sessionToken.Value); st != http.StatusUnauthorized {
		t.Fatalf("GET /api/session with the kiosk session's cookie after the idle end = %d, want 401", st)
	}
	if n := sessionCount(t, w); n != 0 {
		t.Fatalf("%d sessions left after the idle end", n)
	}
	browserForgot(t, ctx, base)

	run(t, ctx, "the back button shows nothing of the user",
		chromedp.NavigateBack(),
		waitJS(`document.readyState === "complete"`),
		chromedp.Sleep(time.Second),
		waitJS(`!document.querySelector("#btn-logout") && !document.body.textContent.includes("`+fwName+`") &&
			!document.body.textContent.includes("5301987654")`),
	)

	// ---- a card session: pulling the card ends it at once ----
	cardLogin(t, ctx, base)
	run(t, ctx, "the card holder's kiosk session", waitText(css("#header-user"), fwLegalRep))
	evalVoid(t, ctx, `localStorage.setItem("eportid.copy.legal_person.1", "{}")`)
	pulled := time.Now()
	w.reader.pull()
	waitAcrossLoad(t, ctx, "pulling the card out logs out at once",
		`location.pathname === "/" && !!document.querySelector("#login-error") &&
			document.querySelector("#login-error").textContent.includes("IC 卡已拔出")`)
	took := time.Since(pulled)
	t.Logf("card pulled: logged out and wiped in %v", took.Round(10*time.Millisecond))
	if took > 5*time.Second {
		t.Errorf("the card session ended %v after the card was pulled", took)
	}
	if n := sessionCount(t, w); n != 0 {
		t.Fatalf("%d sessions left after the card was pulled", n)
	}
	browserForgot(t, ctx, base)
}

// waitAcrossLoad waits until expr is true in the tab, through the page
// loads meanwhile (a kiosk logout loads the login page afresh).
func waitAcrossLoad(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	end := time.Now().Add(30 * time.Second)
	for {
		ectx, cancel := context.WithTimeout(ctx, 2*time.Second)
		ok, err := chromedp.Run(ectx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(end) {
			run(t, ctx, what, waitJS(expr)) // fails with a screenshot and the page
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// browserForgot checks through the DevTools protocol that the site keeps
// nothing of a user in the browser: no local or session storage, no
// IndexedDB database, no cache but the app shell's, which still holds the
// shell and no API answer.
func browserForgot(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	for _, local := range []bool{true, false} {
		if items := storageItems(t, ctx, base, local); len(items) > 0 {
			t.Errorf("DOM storage (local %v) after the logout: %v", local, items)
		}
	}
	dbs, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) ([]string, error) {
		r, err := cdp.Call(ctx, tg, indexeddb.RequestDatabaseNames, indexeddb.RequestDatabaseNamesParams{SecurityOrigin: base})
		return r.DatabaseNames, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(dbs) > 0 {
		t.Errorf("IndexedDB databases after the logout: %v", dbs)
	}
	caches, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) ([]*cachestorage.Cache, error) {
		r, err := cdp.Call(ctx, tg, cachestorage.RequestCacheNames, cachestorage.RequestCacheNamesParams{SecurityOrigin: base})
		return r.Caches, err
	})
	if err != nil {
		t.Fatal(err)
	}
	shell := false
	for _, c := range caches {
		if !strings.HasPrefix(c.CacheName, "app-") {
			t.Errorf("cache %q left after the logout", c.CacheName)
			continue
		}
		entries, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) ([]*cachestorage.DataEntry, error) {
			r, err := cdp.Call(ctx, tg, cachestorage.RequestEntries, cachestorage.RequestEntriesParams{CacheID: c.CacheID, PageSize: 500})
			return r.CacheDataEntries, err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			switch {
			case strings.Contains(e.RequestURL, "/api/"):
				t.Errorf("API answer %s left in the shell's cache", e.RequestURL)
			case strings.HasSuffix(e.RequestURL, "/web/app.wasm"):
				shell = true
			}
		}
	}
	if !shell {
		t.Errorf("the app shell is no longer cached: %+v", caches)
	}
}

// storageItems are the items of the origin's local (or session) storage.
func storageItems(t *testing.T, ctx context.Context, base string, local bool) []domstorage.Item {
	t.Helper()
	items, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) ([]domstorage.Item, error) {
		r, err := cdp.Call(ctx, tg, domstorage.GetDOMStorageItems, domstorage.GetDOMStorageItemsParams{
			StorageID: &domstorage.StorageID{SecurityOrigin: base, IsLocalStorage: local}})
		return r.Entries, err
	})
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// cookie is the browser's cookie name of base (HttpOnly ones too), or nil.
func cookie(t *testing.T, ctx context.Context, base, name string) *network.Cookie {
	t.Helper()
	cs, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) ([]*network.Cookie, error) {
		r, err := cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{URLs: []string{base + "/"}})
		return r.Cookies, err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// getSession is the status of GET /api/session with a session cookie.
func getSession(t *testing.T, base, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/api/session", nil)
	req.AddCookie(&http.Cookie{Name: auth.CookieName, Value: token})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// sessionCount is how many kiosk sessions the server holds.
func sessionCount(t *testing.T, w *filingsWorld) int {
	t.Helper()
	var n int
	if err := w.srv.Store.DB().Get(&n, `SELECT COUNT(*) FROM sessions WHERE kiosk_terminal_id IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	return n
}

func evalString(t *testing.T, ctx context.Context, expr string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func evalVoid(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("Promise.resolve("+expr+").then(() => true)", chromedp.EvalAwaitPromise)); err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
}
