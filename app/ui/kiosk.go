package ui

import (
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/apiclient"
	"eportid/app/model"
)

// Kiosk terminals (自助终端) at the agent points: a browser the agent point
// enrolled (KioskEnrolPage). The server tells the page through GET
// /api/kiosk (before a login) and Session.Kiosk (after). On a kiosk:
//
//   - the login forms' password and PIN fields are no password fields (a
//     masked text field, secret), so Chrome's password manager finds no
//     password form and offers no saving; and the fields say
//     autocomplete="off" (Chrome ignores that on password fields, which is
//     why they are none);
//   - a session ends after Session.IdleSeconds without a key, touch or
//     pointer event: the page counts down visibly from kioskWarnAt before
//     the end, any key or touch starts the time again, and it tells the
//     server (which enforces the same time) at most every sixth of it;
//   - pulling the card out ends a card session at once;
//   - every logout (【退出】, the idle end, the card pulled, a session the
//     server ended) ends the session on the server, then removes all of the
//     user's data from the browser (wipeBrowser: local and session storage,
//     every IndexedDB database, Cache Storage but the app shell) and loads
//     the login page afresh in place of the current history entry, so
//     nothing of the user stays in the page's memory or behind the back
//     button. 【退出】 with drafts (local storage keys draftPrefix) first
//     warns and offers 暂存.

// kioskWarnAt is how long before the idle end the countdown shows (at
// most half the idle time).
const kioskWarnAt = 30 * time.Second

// keyKioskFlash is the session storage key of the message the login page
// shows after a kiosk logout (written after the wipe, read once).
const keyKioskFlash = "eportid.kiosk-flash"

// kioskKnown is what the page knows of this browser.
type kioskKnown int

const (
	kioskUnknown kioskKnown = iota // not asked yet, or the server was not reached
	kioskNo
	kioskYes
)

// The browser's kiosk status, read and written on the UI goroutine.
var (
	kioskMode kioskKnown
	kioskInfo model.KioskStatus
)

// loadKiosk asks the server whether this browser is a kiosk terminal, once
// per page load, and re-renders the component of ac when it knows. A kiosk
// found without a live session is wiped (a browser closed or a session
// the server ended while no page was open leaves nothing behind).
func loadKiosk(ac app.Context) {
	if kioskMode != kioskUnknown || app.IsServer {
		return
	}
	ac.Async(func() {
		st, err := client().Kiosk(bg())
		if err == nil && st.Kiosk {
			if _, serr := client().Session(bg()); apiclient.IsUnauthorized(serr) {
				wipeBrowser()
			}
		}
		ac.Dispatch(func(ctx app.Context) {
			if err != nil {
				return
			}
			kioskInfo = st
			kioskMode = map[bool]kioskKnown{true: kioskYes, false: kioskNo}[st.Kiosk]
		})
	})
}

// onKiosk reports whether the page is known to run on a kiosk terminal
// (or its session is a kiosk session).
func onKiosk() bool { return kioskMode == kioskYes || session != nil && session.Kiosk }

// secret is in as a field for a password or PIN: type=password in a
// browser known to be no kiosk; on a kiosk, and until the page knows, a
// text field shown masked (-webkit-text-security), autocomplete="off", so
// that the browser's password manager sees no password form and never
// offers to save what was typed. Apply it last (it sets autocomplete).
func secret(in app.HTMLInput) app.HTMLInput {
	if session != nil && !session.Kiosk || session == nil && kioskMode == kioskNo {
		return in.Type("password")
	}
	return in.Type("text").Attr("autocomplete", "off").Attr("autocapitalize", "off").Spellcheck(false).
		Style("-webkit-text-security", "disc").DataSet("secret", "masked")
}

// kioskField is in with autocomplete="off" on a kiosk (no form history of
// the user names typed there). Apply it last.
func kioskField(in app.HTMLInput) app.HTMLInput {
	if onKiosk() {
		return in.Attr("autocomplete", "off")
	}
	return in
}

// kioskNotice is the login page's line on a kiosk terminal.
func kioskNotice() app.UI {
	if kioskMode != kioskYes {
		return app.Div().Class("kiosk-notice-slot")
	}
	mins := (kioskInfo.IdleSeconds + 59) / 60
	idle := strconv.Itoa(mins) + " 分钟"
	if kioskInfo.IdleSeconds < 60 {
		idle = strconv.Itoa(kioskInfo.IdleSeconds) + " 秒"
	}
	return app.P().ID("kiosk-notice").Class("kiosk-notice").Role("note").Text(
		"本机为" + kioskInfo.AgentPoint + " 自助终端（" + kioskInfo.Name + "）：无操作 " + idle +
			"后自动退出登录；退出时清除本机保存的全部数据；浏览器不保存密码。")
}

// ---- the idle clock of a kiosk session ----

// kioskClock is the idle clock of a kiosk session. The user's activity is
// reported to the server at most every reportEvery, and the end moves only
// when a report goes out: the page's end and the server's (moved by the
// report as it arrives, a little later) agree, so the server never ends a
// session the page still counts. In the countdown (at most half the idle
// time, at least reportEvery) every key is reported.
type kioskClock struct {
	mu          sync.Mutex
	idle        time.Duration
	reportEvery time.Duration
	end         time.Time
	lastReport  time.Time
}

func newKioskClock(idle time.Duration, now time.Time) *kioskClock {
	every := idle / 6
	if every < time.Second {
		every = time.Second
	}
	return &kioskClock{idle: idle, reportEvery: every, end: now.Add(idle), lastReport: now}
}

// activity records a key or touch at now; report is true when the server
// is to be told (and the end moved).
func (k *kioskClock) activity(now time.Time) (report bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if now.Sub(k.lastReport) < k.reportEvery {
		return false
	}
	k.lastReport, k.end = now, now.Add(k.idle)
	return true
}

// left is the time left at now.
func (k *kioskClock) left(now time.Time) time.Duration {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.end.Sub(now)
}

// warnAt is how long before the end the countdown shows.
func (k *kioskClock) warnAt() time.Duration { return min(kioskWarnAt, k.idle/2) }

// kioskEvents are the events that count as the user's activity.
var kioskEvents = []string{"keydown", "pointerdown", "touchstart", "input", "wheel"}

// kioskWatch runs a kiosk session's idle clock until stop is closed:
// the user's keys and touches (listened to on the document) move it,
// shown(ctx, seconds) is called on the UI goroutine when the countdown's
// seconds change (0: no countdown), and ended(ctx) once at the idle end.
func kioskWatch(ac app.Context, sess *model.Session, stop <-chan struct{}, shown func(ctx app.Context, seconds int), ended func(ctx app.Context)) {
	if app.IsServer || sess.IdleSeconds <= 0 {
		return
	}
	clock := newKioskClock(time.Duration(sess.IdleSeconds)*time.Second, time.Now())
	poke := make(chan struct{}, 1)
	doc := app.Window().Get("document")
	opts := map[string]any{"capture": true, "passive": true}
	fn := app.FuncOf(func(this app.Value, args []app.Value) any {
		if clock.activity(time.Now()) {
			go func() { _ = client().SessionActivity(bg()) }()
			select {
			case poke <- struct{}{}:
			default:
			}
		}
		return nil
	})
	for _, ev := range kioskEvents {
		doc.Call("addEventListener", ev, fn, opts)
	}
	ac.Async(func() {
		defer func() {
			for _, ev := range kioskEvents {
				doc.Call("removeEventListener", ev, fn, opts)
			}
			fn.Release()
		}()
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		last := 0
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			case <-poke:
			}
			left := clock.left(time.Now())
			if left <= 0 {
				ac.Dispatch(func(ctx app.Context) { ended(ctx) })
				return
			}
			secs := 0
			if left <= clock.warnAt() {
				secs = int((left + time.Second - 1) / time.Second)
			}
			if secs != last {
				last = secs
				ac.Dispatch(func(ctx app.Context) { shown(ctx, secs) })
			}
		}
	})
}

// kioskCountdown is the countdown shown before a kiosk session's idle end.
func kioskCountdown(seconds int) app.UI {
	if seconds <= 0 {
		return app.Div().Class("kiosk-countdown-slot")
	}
	drafts := browserDraftCount()
	return app.Div().ID("kiosk-countdown").Class("banner banner-kiosk").Role("alert").Body(
		app.Text("长时间无操作，"),
		app.Strong().ID("kiosk-seconds").Text(strconv.Itoa(seconds)),
		app.Text(" 秒后将自动退出登录并清除本机数据。按任意键或触摸屏幕继续使用。"),
		app.If(drafts > 0, func() app.UI {
			return app.Span().ID("kiosk-countdown-drafts").Text("本机有 " + strconv.Itoa(drafts) + " 份草稿尚未暂存，退出时将被清除，请先【暂存】。")
		}),
	)
}

// kioskDraftsDialog warns before 【退出】 clears drafts that were not
// 暂存ed: 【返回暂存】 keeps the session, 【清除并退出】 goes on.
func kioskDraftsDialog(drafts int, back, clear app.EventHandler) app.UI {
	return app.Div().Class("modal-backdrop").Body(
		app.Div().ID("kiosk-drafts").Class("modal").Role("alertdialog").Aria("modal", "true").
			Aria("labelledby", "kiosk-drafts-title").Aria("describedby", "kiosk-drafts-message").
			Body(
				app.H3().ID("kiosk-drafts-title").Class("modal-title").Text("退出并清除本机数据"),
				app.P().ID("kiosk-drafts-message").Class("modal-message").Text(
					"本机为自助终端，退出时将清除本机保存的全部数据。还有 "+strconv.Itoa(drafts)+
						" 份草稿尚未暂存，清除后无法恢复。请先返回【暂存】，或清除后退出。"),
				app.Div().Class("modal-actions").Body(
					app.Button().ID("kiosk-drafts-back").Type("button").Class("btn btn-primary").Text("返回暂存").OnClick(back),
					app.Button().ID("kiosk-drafts-clear").Type("button").Class("btn btn-danger").Text("清除并退出").OnClick(clear),
				),
			),
	)
}

// browserDraftCount is how many drafts the browser keeps, of any user
// (local storage keys starting with draftPrefix, drafts.go): all of them
// go at a kiosk logout, so the warning counts all.
func browserDraftCount() int { return localKeyCount(draftPrefix) }

// ---- the end of a kiosk session ----

var kioskEnding bool

// kioskEnd ends a kiosk session: on the server (an ended one is fine),
// then every trace of the user in the browser (wipeBrowser); then the
// login page is loaded afresh in place of the current history entry,
// showing msg.
func kioskEnd(ac app.Context, msg string) {
	if kioskEnding {
		return
	}
	kioskEnding = true
	to := "/"
	if session != nil && session.Role == model.RoleReviewer {
		to = "/review"
	}
	ac.Async(func() {
		_ = client().Logout(bg())
		wipeBrowser()
		ac.Dispatch(func(ctx app.Context) {
			session = nil
			w := app.Window()
			w.Get("sessionStorage").Call("setItem", keyKioskFlash, msg)
			w.Get("location").Call("replace", to)
		})
	})
}

// kioskMsg is msg for the login page after a kiosk logout.
func kioskMsg(msg string) string {
	return strings.TrimRight(msg, "。") + "。本机保存的数据已清除。"
}

// takeKioskFlash returns the message a kiosk logout left for the login
// page, and forgets it.
func takeKioskFlash() string {
	if app.IsServer {
		return ""
	}
	ss := app.Window().Get("sessionStorage")
	v := ss.Call("getItem", keyKioskFlash)
	if !v.Truthy() {
		return ""
	}
	ss.Call("removeItem", keyKioskFlash)
	return v.String()
}

// wipeBrowser removes what the site keeps in the browser for its users:
// local and session storage (drafts, copies of server data, tabs, the last
// session), every IndexedDB database, and every Cache Storage cache but
// the app shell's (go-app's "app-<version>"), from which any API answer is
// taken out too. The service worker and the shell stay, so the terminal
// still starts offline. It blocks until done (call it off the UI
// goroutine); a store that fails is skipped.
func wipeBrowser() {
	w := app.Window()
	for _, s := range []string{"localStorage", "sessionStorage"} {
		if st := w.Get(s); st.Truthy() {
			st.Call("clear")
		}
	}
	if idb := w.Get("indexedDB"); idb.Truthy() && idb.Get("databases").Truthy() {
		if dbs, err := await(idb.Call("databases")); err == nil {
			for i := 0; i < dbs.Length(); i++ {
				name := dbs.Index(i).Get("name")
				if name.Truthy() {
					awaitRequest(idb.Call("deleteDatabase", name.String()))
				}
			}
		}
	}
	caches := w.Get("caches")
	if !caches.Truthy() {
		return
	}
	keys, err := await(caches.Call("keys"))
	if err != nil {
		return
	}
	for i := 0; i < keys.Length(); i++ {
		name := keys.Index(i).String()
		if !strings.HasPrefix(name, "app-") {
			_, _ = await(caches.Call("delete", name))
			continue
		}
		c, err := await(caches.Call("open", name))
		if err != nil {
			continue
		}
		reqs, err := await(c.Call("keys"))
		if err != nil {
			continue
		}
		for j := 0; j < reqs.Length(); j++ {
			req := reqs.Index(j)
			if u, err := url.Parse(req.Get("url").String()); err == nil && strings.HasPrefix(u.Path, "/api/") {
				_, _ = await(c.Call("delete", req))
			}
		}
	}
}

// await waits for a JavaScript promise (at most 5 s).
func await(p app.Value) (app.Value, error) {
	type result struct {
		v   app.Value
		err error
	}
	done := make(chan result, 1)
	var ok, fail app.Func
	ok = app.FuncOf(func(this app.Value, args []app.Value) any {
		var v app.Value = app.Undefined()
		if len(args) > 0 {
			v = args[0]
		}
		done <- result{v: v}
		return nil
	})
	fail = app.FuncOf(func(this app.Value, args []app.Value) any {
		msg := "rejected"
		if len(args) > 0 {
			msg = args[0].Call("toString").String()
		}
		done <- result{err: &promiseError{msg}}
		return nil
	})
	defer ok.Release()
	defer fail.Release()
	p.Call("then", ok, fail)
	select {
	case r := <-done:
		return r.v, r.err
	case <-time.After(5 * time.Second):
		return nil, &promiseError{"timed out"}
	}
}

// awaitRequest waits for an IndexedDB request to succeed or fail (at most
// 5 s; a deletion blocked by an open connection goes on once it closes).
func awaitRequest(req app.Value) {
	done := make(chan struct{}, 1)
	fn := app.FuncOf(func(this app.Value, args []app.Value) any {
		select {
		case done <- struct{}{}:
		default:
		}
		return nil
	})
	defer fn.Release()
	for _, ev := range []string{"onsuccess", "onerror", "onblocked"} {
		req.Set(ev, fn)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
}

type promiseError struct{ msg string }

func (e *promiseError) Error() string { return "promise: " + e.msg }

// ---- enrolment ----

// KioskEnrolPage is model.KioskEnrolPath: it enrols the browser it is
// opened in as the kiosk terminal of the link (the token is the URL's
// fragment, taken out of the address bar at once).
type KioskEnrolPage struct {
	app.Compo
	mounted

	token  string
	busy   bool
	done   *model.KioskStatus
	errMsg string
}

func (p *KioskEnrolPage) OnMount(ctx app.Context) {
	p.keep(ctx)
	if app.IsServer {
		return
	}
	u := app.Window().URL()
	p.token = u.Fragment
	if p.token != "" {
		app.Window().Get("history").Call("replaceState", nil, "", model.KioskEnrolPath)
	} else {
		p.errMsg = "登记链接不完整：请打开制卡代理点提供的完整链接。"
	}
}

func (p *KioskEnrolPage) Render() app.UI {
	return app.Div().Class("page portal").Body(
		&PortalHeader{},
		app.Main().Class("login-main").Body(
			app.Section().Class("login-box kiosk-enrol").Aria("label", "自助终端登记").Body(
				app.H1().Text("自助终端登记"),
				app.If(p.done != nil, func() app.UI {
					return app.Div().Body(
						app.P().ID("kiosk-enrolled").Class("result ok").Role("status").Text(
							"本机已登记为 "+p.done.AgentPoint+" 的自助终端（"+p.done.Name+"）。"),
						app.A().ID("kiosk-to-login").Href("/").Class("btn btn-primary").Text("进入登录页"),
					)
				}).Else(func() app.UI {
					return app.Div().Body(
						app.P().Text("将本机浏览器登记为制卡代理点的自助终端：在本机登录的会话无操作一段时间后自动退出，退出时清除本机保存的全部数据，浏览器不保存密码。"),
						app.If(p.errMsg != "", func() app.UI {
							return app.P().ID("kiosk-enrol-error").Class("result error").Role("alert").Text(p.errMsg)
						}),
						app.Button().ID("btn-kiosk-enrol").Type("button").Class("btn btn-primary btn-block").
							Disabled(p.busy || p.token == "").OnClick(p.enrol).
							Text(map[bool]string{true: "正在登记…", false: "登记本机"}[p.busy]),
					)
				}),
			),
		),
	)
}

func (p *KioskEnrolPage) enrol(ctx app.Context, e app.Event) {
	if p.busy || p.token == "" {
		return
	}
	p.busy, p.errMsg = true, ""
	token := p.token
	ac := p.on(ctx)
	ac.Async(func() {
		st, err := client().KioskEnrol(bg(), token)
		ac.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				p.errMsg, _ = handleErr(ctx, err)
				return
			}
			p.token = ""
			kioskMode, kioskInfo = kioskYes, st
			p.done = &st
		})
	})
}
