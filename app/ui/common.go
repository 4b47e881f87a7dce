// Package ui holds the pages of the enterprise side (go-app components, one
// per file), their routes (routes.go) and the HTTP handler that serves the
// PWA (handler.go). It builds for js/wasm (the app) and for the server.
package ui

import (
	"context"
	"sync"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/apiclient"
	"eportid/app/model"
)

// AppName is the product's full name, as on the portal.
const AppName = "电子口岸身份认证管理系统（企业端）"

// States shared between components (go-app states).
const (
	// stateOffline is true while the last API call failed for network
	// reasons (bool).
	stateOffline = "eportid.offline"
	// stateOpenTab asks the shell to open the tab of a menu key (string).
	stateOpenTab = "eportid.open-tab"
)

// msgExpired is shown on the login page when a call answered 401.
const msgExpired = "会话已过期，请重新登录"

var (
	apiOnce sync.Once
	api     = apiclient.New("")
)

// client returns the API client, bound to the page's origin.
func client() *apiclient.Client {
	apiOnce.Do(func() {
		if app.IsClient {
			api.Base = app.Window().Get("location").Get("origin").String()
		}
	})
	return api
}

// bg is the context of API calls made from ctx.Async.
func bg() context.Context { return context.Background() }

// The session and the one-time message for the login page. Both are read
// and written on the UI goroutine only.
var (
	session *model.Session
	flash   string
)

// keySession is the session storage key of the last known session: a
// reload while the server cannot be reached still opens the workspace
// (nothing can be saved then, but input is kept locally).
const keySession = "eportid.session"

func setSession(ctx app.Context, s *model.Session) {
	session = s
	if s == nil {
		client().SetCSRF("")
		ctx.SessionStorage().Del(keySession)
		return
	}
	ctx.SessionStorage().Set(keySession, s)
}

// lastSession returns the session kept by setSession in this tab, if any.
func lastSession(ctx app.Context) *model.Session {
	var s model.Session
	if err := ctx.SessionStorage().Get(keySession, &s); err != nil || s.Username == "" {
		return nil
	}
	client().SetCSRF(s.CSRFToken)
	return &s
}

// takeFlash returns the pending message for the login page (or the one a
// kiosk logout left, takeKioskFlash) and forgets it.
func takeFlash() string {
	m := flash
	flash = ""
	if m == "" {
		m = takeKioskFlash()
	}
	return m
}

// handleErr turns the outcome of an API call into what the user sees: it
// tracks network failures for the offline notice (an answer of the server
// ends it; no error says nothing, as a list may have come from its copy:
// the banner's probe, or a page that read the server, ends it then), sends
// the user back to login when the session is over (and reports true), and
// returns the message to show ("" for no error). Call it on the UI
// goroutine.
func handleErr(ctx app.Context, err error) (msg string, left bool) {
	if err == nil {
		return "", false
	}
	if apiclient.IsNetwork(err) {
		setOffline(ctx, true)
		return err.Error(), false
	}
	setOffline(ctx, false)
	if apiclient.IsUnauthorized(err) {
		kiosk := session != nil && session.Kiosk
		setSession(ctx, nil)
		flash = msgExpired
		if apiclient.Code(err) == model.ErrCardEnded {
			flash, preferCard = err.Error(), true // why the card session ended
		}
		if kiosk {
			// The server ended a kiosk session: nothing of it stays.
			m := flash
			flash = ""
			kioskEnd(ctx, kioskMsg(m))
			return m, true
		}
		ctx.Navigate("/")
		return flash, true
	}
	return err.Error(), false
}

func setOffline(ctx app.Context, v bool) {
	var cur bool
	ctx.GetState(stateOffline, &cur)
	if cur != v {
		ctx.SetState(stateOffline, v)
	}
}

// ---- reference data, fetched once per page load and shared ----

// The reference lists (agent points, divisions, departments, customs
// districts) are go-app states, "eportid.ref.<list>": the first page that
// needs one fetches it, every page after reads it. A new page load reads
// them again; the last answer is kept as a copy (drafts.go) that is used
// only while the server cannot be reached. The functions below may be called from
// ctx.Async (go-app's state store is safe for that).
const stateRef = "eportid.ref."

// refAgentPoints returns the agent points.
func refAgentPoints(ctx app.Context) ([]model.AgentPoint, error) {
	var aps []model.AgentPoint
	ctx.GetState(stateRef+"agent-points", &aps)
	if aps != nil {
		return aps, nil
	}
	aps, err := client().AgentPoints(bg())
	if apiclient.IsNetwork(err) {
		// Offline: the list as last read (not shared as fresh).
		var last []model.AgentPoint
		if ctx.LocalStorage().Get(refCopyKey("agent-points"), &last) == nil && last != nil {
			return last, nil
		}
	}
	if err != nil {
		return nil, err
	}
	if aps == nil {
		aps = []model.AgentPoint{}
	}
	ctx.SetState(stateRef+"agent-points", aps)
	ctx.LocalStorage().Set(refCopyKey("agent-points"), aps)
	return aps, nil
}

// refList returns a shared option list, fetching it with get on first use.
func refList(ctx app.Context, key string, get func() ([]model.Option, error)) ([]model.Option, error) {
	var l []model.Option
	ctx.GetState(stateRef+key, &l)
	if l != nil {
		return l, nil
	}
	l, err := get()
	if apiclient.IsNetwork(err) {
		// Offline: the list as last read (not shared as fresh).
		var last []model.Option
		if ctx.LocalStorage().Get(refCopyKey(key), &last) == nil && last != nil {
			return last, nil
		}
	}
	if err != nil {
		return nil, err
	}
	if l == nil {
		l = []model.Option{}
	}
	ctx.SetState(stateRef+key, l)
	ctx.LocalStorage().Set(refCopyKey(key), l)
	return l, nil
}

func refProvinces(ctx app.Context) ([]model.Option, error) {
	return refList(ctx, "provinces", func() ([]model.Option, error) { return client().Divisions(bg(), "") })
}

func refCities(ctx app.Context, province string) ([]model.Option, error) {
	if province == "" {
		return []model.Option{}, nil
	}
	return refList(ctx, "cities:"+province, func() ([]model.Option, error) { return client().Divisions(bg(), province) })
}

func refDepts(ctx app.Context, kind, agentPoint string) ([]model.Option, error) {
	return refList(ctx, "dept:"+kind+":"+agentPoint, func() ([]model.Option, error) {
		return client().Departments(bg(), kind, agentPoint)
	})
}

// agentPointOptions turns agent points into select options.
func agentPointOptions(aps []model.AgentPoint) []model.Option {
	out := make([]model.Option, len(aps))
	for i, a := range aps {
		out[i] = model.Option{Code: a.Code, Name: a.Name}
	}
	return out
}

// ---- small DOM helpers ----

// focusID focuses the element with the given id, if there is one.
func focusID(id string) {
	if el := app.Window().GetElementByID(id); el.Truthy() {
		el.Call("focus")
	}
}

// focusNext moves the focus from the element from to the next enabled,
// editable and visible input, select or textarea of the enclosing
// [data-form] element; after the last one, to its [data-default] button.
func focusNext(from app.Value) {
	root := from.Call("closest", "[data-form]")
	if !root.Truthy() {
		return
	}
	els := root.Call("querySelectorAll", "input, select, textarea")
	n := els.Length()
	found := false
	for i := 0; i < n; i++ {
		el := els.Index(i)
		if !found {
			if el.Equal(from) {
				found = true
			}
			continue
		}
		if el.Get("disabled").Truthy() || el.Get("readOnly").Truthy() ||
			el.Get("type").String() == "hidden" || !el.Get("offsetParent").Truthy() {
			continue
		}
		el.Call("focus")
		return
	}
	if btn := root.Call("querySelector", "[data-default]"); btn.Truthy() && !btn.Get("disabled").Truthy() {
		btn.Call("focus")
	}
}

// isEnter reports whether a keydown event is a plain Enter that should move
// to the next field: not while an input method is composing (Chinese
// input commits its text with Enter), and not Shift+Enter in a textarea.
func isEnter(e app.Event) bool {
	if e.Get("key").String() != "Enter" || e.Get("isComposing").Truthy() || e.Get("keyCode").Int() == 229 {
		return false
	}
	if e.Get("target").Get("tagName").String() == "TEXTAREA" && e.Get("shiftKey").Truthy() {
		return false
	}
	return !e.Get("ctrlKey").Truthy() && !e.Get("altKey").Truthy() && !e.Get("metaKey").Truthy()
}

// onEnterNext is a keydown handler: Enter moves to the next field (P5).
func onEnterNext(ctx app.Context, e app.Event) {
	if !isEnter(e) {
		ctx.PreventUpdate()
		return
	}
	e.PreventDefault()
	focusNext(e.Get("target"))
	ctx.PreventUpdate()
}

// classes joins the non-empty class names.
func classes(cs ...string) string {
	out := ""
	for _, c := range cs {
		if c == "" {
			continue
		}
		if out != "" {
			out += " "
		}
		out += c
	}
	return out
}

// mounted keeps the context a component got when it was mounted. Work that
// ends later (an API call) is dispatched through it, so that its result
// reaches the component even when the element that started it is gone: a
// context's Dispatch is dropped once its source element is dismounted, as
// the button of a closed confirm dialog is.
type mounted struct {
	mctx app.Context
	has  bool
}

func (m *mounted) keep(ctx app.Context) { m.mctx, m.has = ctx, true }

// on returns the mount context, or ctx before the component is mounted.
func (m *mounted) on(ctx app.Context) app.Context {
	if m.has {
		return m.mctx
	}
	return ctx
}
