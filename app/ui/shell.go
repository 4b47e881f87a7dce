package ui

import (
	"slices"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/apiclient"
	"eportid/app/model"
)

// menuEntry is one entry of the left menu; it opens a tab.
type menuEntry struct {
	Key   string
	Label string
	Icon  string
	Group string // "" for an entry at the top level
	Roles []model.Role
	// Kind is the filing kind of a filing's entry: an operator card
	// session sees it only when its card is authorised for the kind.
	Kind model.FilingKind
}

// menuGroup is a heading of the left menu.
type menuGroup struct {
	Name string
	Icon string
}

var menuGroups = []menuGroup{
	{Name: "企业备案", Icon: "filing"},
	{Name: "企业变更", Icon: "change"},
	{Name: "企业操作员预录入", Icon: "filing"},
	{Name: "企业操作员", Icon: "user"},
	{Name: "IC 卡", Icon: "pin"},
}

// menuEntries lists the implemented entries in menu order (P2); an entry
// shows only for its roles. Entries of the manual that are not built yet
// are left out until they are.
var menuEntries = []menuEntry{
	{Key: "operator-auth", Label: "操作员卡授权", Icon: "form", Group: "企业操作员", Roles: []model.Role{model.RoleLegalCard}},
	{Key: "card-manage", Label: "企业操作员 IC 卡管理", Icon: "pin", Group: "企业操作员", Roles: []model.Role{model.RoleLegalCard}},
	{Key: "card-inquiry", Label: "IC 卡综合查询", Icon: "form", Group: "企业操作员", Roles: []model.Role{model.RoleLegalCard}},
	{Key: "my-card", Label: "我的 IC 卡", Icon: "user", Group: "IC 卡", Roles: cardRoles},
	{Key: "my-card-events", Label: "IC 卡操作记录", Icon: "form", Group: "IC 卡", Roles: cardRoles},
	{Key: "change-pin", Label: "修改 PIN", Icon: "form", Group: "IC 卡", Roles: cardRoles},
	{Key: "agent-points", Label: "制卡代理点联系方式", Icon: "pin", Roles: []model.Role{model.RoleNoCardAdmin, model.RoleLegalCard, model.RoleOperatorCard}},
}

// cardRoles are the roles of a card session.
var cardRoles = []model.Role{model.RoleLegalCard, model.RoleOperatorCard}

// allowedIn reports whether the entry shows in the session: for its roles,
// and a filing's entry to an operator card for the kinds it is
// authorised for.
func (m menuEntry) allowedIn(sess *model.Session) bool {
	if !m.allowed(sess.Role) {
		return false
	}
	return m.Kind == "" || sess.Role != model.RoleOperatorCard || slices.Contains(sess.AuthorisedKinds, m.Kind)
}

func (m menuEntry) allowed(r model.Role) bool {
	for _, x := range m.Roles {
		if x == r {
			return true
		}
	}
	return false
}

func entryByKey(key string) (menuEntry, bool) {
	for _, m := range menuEntries {
		if m.Key == key {
			return m, true
		}
	}
	return menuEntry{}, false
}

// Keys of the browser storage the shell uses.
const (
	keyCollapsed = "eportid.menu-collapsed" // local storage: bool
	keyTabs      = "eportid.tabs"           // session storage: shellTabs
)

type shellTabs struct {
	Open   []string `json:"open"`
	Active string   `json:"active"`
}

// Shell is the workspace at "/app" (P1–P3): the header with the
// enterprise, the user and 【退出】; the left menu by role, collapsible to
// icons; a tab per opened entry, kept mounted while hidden so that nothing
// typed is lost; ◀ ▶ to scroll the tab strip and a menu with 关闭全部选项卡 /
// 关闭其他选项卡.
type Shell struct {
	app.Compo
	mounted

	sess      *model.Session
	failed    string
	collapsed bool
	open      []string
	active    string
	tabsMenu  bool
	closed    map[string]bool // groups folded by the user
	leaving   bool
	logoutErr string
	cardStop  chan struct{} // ends the watch on the card of a card session

	// A kiosk session (kiosk.go): the end of its idle clock's watch, the
	// countdown's seconds (0: none) and the drafts warning of 【退出】.
	kioskStop    chan struct{}
	kioskLeft    int
	kioskWarning int
}

func (s *Shell) OnMount(ctx app.Context) {
	s.keep(ctx)
	if app.IsServer {
		return
	}
	ctx.LocalStorage().Get(keyCollapsed, &s.collapsed)
	var openReq string
	ctx.ObserveState(stateOpenTab, &openReq).OnChange(func() {
		if s.sess != nil && openReq != "" {
			s.openTab(s.on(ctx), openReq)
		}
	})
	var t shellTabs
	ctx.SessionStorage().Get(keyTabs, &t)
	if session != nil {
		s.start(ctx, session, t)
		return
	}
	s.checkSession(ctx, t)
}

func (s *Shell) checkSession(ctx app.Context, t shellTabs) {
	s.failed = ""
	ac := s.on(ctx)
	ac.Async(func() {
		sess, err := client().Session(bg())
		ac.Dispatch(func(ctx app.Context) {
			if err != nil {
				if apiclient.IsUnauthorized(err) {
					// Not logged in (or no longer): to the login page.
					setSession(ctx, nil)
					ctx.Navigate("/")
					return
				}
				msg, _ := handleErr(ctx, err)
				if last := lastSession(ctx); last != nil && apiclient.IsNetwork(err) {
					// Offline: open the workspace as it was; calls will
					// say they failed, and input is kept locally.
					session = last
					s.start(ctx, last, t)
					return
				}
				s.failed = msg
				return
			}
			setOffline(ctx, false)
			setSession(ctx, &sess)
			s.start(ctx, &sess, t)
		})
	})
}

func (s *Shell) start(ctx app.Context, sess *model.Session, t shellTabs) {
	if sess.Role == model.RoleReviewer {
		ctx.Navigate("/review/app")
		return
	}
	s.sess = sess
	dropLegacyDrafts(ctx)
	if sess.CardNumber != "" && s.cardStop == nil {
		// X3: the card stays in the reader for the whole session.
		s.cardStop = make(chan struct{})
		watchCardSession(s.on(ctx), sess.CardNumber, s.cardStop, func(ctx app.Context, msg string) {
			s.stopCard()
			endCardSession(ctx, msg)
		})
	}
	if sess.Kiosk && s.kioskStop == nil {
		s.kioskStop = make(chan struct{})
		kioskWatch(s.on(ctx), sess, s.kioskStop,
			func(ctx app.Context, secs int) { s.kioskLeft = secs },
			func(ctx app.Context) {
				s.stopCard()
				kioskEnd(ctx, kioskMsg("因长时间无操作，已自动退出登录"))
			})
	}
	for _, k := range t.Open {
		if m, ok := entryByKey(k); ok && m.allowedIn(sess) {
			s.open = append(s.open, k)
		}
	}
	if s.isOpen(t.Active) {
		s.active = t.Active
	} else if len(s.open) > 0 {
		s.active = s.open[len(s.open)-1]
	}
}

// OnDismount ends the watch on the card (and a kiosk session's clock).
func (s *Shell) OnDismount() { s.stopCard() }

func (s *Shell) stopCard() {
	if s.cardStop != nil {
		close(s.cardStop)
		s.cardStop = nil
	}
	if s.kioskStop != nil {
		close(s.kioskStop)
		s.kioskStop = nil
	}
}

func (s *Shell) isOpen(key string) bool {
	for _, k := range s.open {
		if k == key {
			return true
		}
	}
	return false
}

func (s *Shell) saveTabs(ctx app.Context) {
	ctx.SessionStorage().Set(keyTabs, shellTabs{Open: s.open, Active: s.active})
}

func (s *Shell) Render() app.UI {
	if s.sess == nil {
		return app.Div().Class("page shell-wait").Body(
			&NetBanner{},
			app.Div().Class("wait-box").Body(
				app.If(s.failed == "", func() app.UI {
					return app.P().Text("正在验证登录状态…")
				}).Else(func() app.UI {
					return app.Div().Body(
						app.P().Class("result error").Text("无法验证登录状态："+s.failed),
						app.Button().Type("button").Class("btn btn-primary").Text("重试").OnClick(s.retry),
						app.A().Href("/").Class("btn").Text("返回登录"),
					)
				}),
			),
		)
	}
	return app.Div().Class(classes("page shell", map[bool]string{true: "collapsed"}[s.collapsed])).Body(
		&NetBanner{},
		s.renderHeader(),
		app.If(s.sess.CardNotice != "", func() app.UI {
			return app.Div().ID("card-notice").Class("banner banner-card-notice").Role("status").Text(s.sess.CardNotice)
		}),
		kioskCountdown(s.kioskLeft),
		app.If(s.kioskWarning > 0, func() app.UI {
			return kioskDraftsDialog(s.kioskWarning, s.kioskBack, s.kioskClear)
		}),
		app.Div().Class("shell-body").Body(
			s.renderMenu(),
			s.renderWork(),
		),
	)
}

func (s *Shell) retry(ctx app.Context, e app.Event) {
	var t shellTabs
	ctx.SessionStorage().Get(keyTabs, &t)
	s.checkSession(ctx, t)
}

func (s *Shell) renderHeader() app.UI {
	return app.Header().Class("app-header").Body(
		app.Div().Class("brand").Body(
			brandLogo(),
			app.Span().Class("brand-text").Body(
				app.Span().Class("brand-port").Text("中国电子口岸"),
				app.Span().Class("brand-sys").Text("身份认证管理系统（企业端）"),
			),
		),
		app.Div().Class("header-user").Body(
			app.Span().ID("header-enterprise").Class("ent-name").Title(s.sess.CreditCode).Text(s.sess.EnterpriseName),
			app.Span().ID("header-user").Class("user-name").Body(
				icon("user"),
				app.Text(map[bool]string{true: displayName(s.sess), false: s.sess.Username + "（" + s.sess.Role.Label() + "）"}[s.sess.CardNumber != ""]),
			),
			app.If(s.logoutErr != "", func() app.UI {
				return app.Span().Class("header-error").Role("alert").Text(s.logoutErr)
			}),
			app.Button().ID("btn-logout").Type("button").Class("btn btn-light btn-small").
				Disabled(s.leaving).OnClick(s.logout).
				Body(icon("logout"), app.Span().Text("退出")),
		),
	)
}

func (s *Shell) renderMenu() app.UI {
	var items []app.UI
	for _, g := range menuGroups {
		var children []app.UI
		for _, m := range menuEntries {
			if m.Group == g.Name && m.allowedIn(s.sess) {
				children = append(children, s.menuItem(m))
			}
		}
		if len(children) == 0 {
			continue
		}
		folded := s.closed[g.Name]
		items = append(items, app.Li().Class(classes("menu-group", map[bool]string{true: "folded"}[folded])).Body(
			app.Button().Type("button").Class("menu-group-head").
				DataSet("group", g.Name).Title(g.Name).
				Aria("expanded", !folded).
				OnClick(s.toggleGroup).
				Body(icon(g.Icon), app.Span().Class("menu-label").Text(g.Name), app.Span().Class("menu-caret").Body(icon("down"))),
			app.Ul().Class("menu-sub").Body(children...),
		))
	}
	for _, m := range menuEntries {
		if m.Group == "" && m.allowedIn(s.sess) {
			items = append(items, s.menuItem(m))
		}
	}
	return app.Nav().Class("side-menu").Aria("label", "功能菜单").Body(
		app.Ul().Class("menu").Body(items...),
	)
}

func (s *Shell) menuItem(m menuEntry) app.UI {
	return app.Li().Body(
		app.Button().Type("button").
			Class(classes("menu-item", activeIf(s.active == m.Key))).
			DataSet("menu", m.Key).
			Title(m.Label).
			OnClick(s.onMenu).
			Body(icon(m.Icon), app.Span().Class("menu-label").Text(m.Label)),
	)
}

func (s *Shell) renderWork() app.UI {
	var tabs []app.UI
	for _, k := range s.open {
		m, _ := entryByKey(k)
		// The close button is the tab's sibling, not its child (a tab
		// holds no other control); it is the mouse's way to close a tab:
		// from the keyboard, Delete on the tab closes it.
		tabs = append(tabs, app.Div().
			Class(classes("tab-item", activeIf(k == s.active))).
			Body(
				app.Div().
					ID("tab-"+k).
					Class(classes("tab", activeIf(k == s.active))).
					DataSet("tab", k).
					Role("tab").
					TabIndex(0).
					Aria("selected", k == s.active).
					Aria("controls", "panel-"+k).
					Aria("keyshortcuts", "Delete").
					Title(m.Label+"（Delete 键关闭）").
					OnClick(s.onTab).
					OnKeyDown(s.onTabKey).
					Body(app.Span().Class("tab-label").Text(m.Label)),
				app.Button().Type("button").Class("tab-close").
					DataSet("close", k).
					TabIndex(-1).
					Aria("hidden", true).
					Title("关闭 "+m.Label).
					OnClick(s.onTabClose).
					Body(icon("close")),
			))
	}
	var panels []app.UI
	panels = append(panels, app.Div().
		Class(classes("tab-panel welcome", activeIf(s.active == ""))).
		Body(s.renderWelcome()))
	for _, m := range menuEntries {
		if !s.isOpen(m.Key) {
			// An empty slot keeps every panel at its place, so that
			// closing a tab never re-creates (and empties) another.
			panels = append(panels, app.Div().Class("tab-slot").DataSet("panel", m.Key))
			continue
		}
		panels = append(panels, app.Div().
			ID("panel-"+m.Key).
			Class(classes("tab-panel", activeIf(s.active == m.Key))).
			DataSet("panel", m.Key).
			Role("tabpanel").
			Aria("labelledby", "tab-"+m.Key).
			Body(pageTitle(m.Label), s.panel(m.Key)))
	}
	return app.Main().Class("work").Body(
		app.Div().Class("work-bar").Body(
			app.Button().ID("menu-toggle").Type("button").Class("icon-btn").
				Title(map[bool]string{true: "展开菜单", false: "折叠菜单"}[s.collapsed]).
				Aria("label", "折叠/展开菜单").
				Aria("expanded", !s.collapsed).
				OnClick(s.toggleMenu).
				Body(icon("menu")),
			app.Button().ID("tabs-left").Type("button").Class("icon-btn").
				Title("向左移动页签").Aria("label", "向左移动页签").
				OnClick(s.scrollTabs(-1)).Body(icon("left")),
			app.Div().ID("tab-strip").Class("tab-strip").Role("tablist").Aria("label", "已打开的页面").Body(tabs...),
			app.Button().ID("tabs-right").Type("button").Class("icon-btn").
				Title("向右移动页签").Aria("label", "向右移动页签").
				OnClick(s.scrollTabs(1)).Body(icon("right")),
			app.Div().Class("tabs-menu-wrap").Body(
				app.Button().ID("tabs-menu").Type("button").Class("icon-btn").
					Title("选项卡操作").Aria("label", "选项卡操作").
					Aria("haspopup", "menu").Aria("expanded", s.tabsMenu).
					OnClick(s.toggleTabsMenu).Body(icon("down")),
				app.If(s.tabsMenu, func() app.UI {
					return app.Div().Body(
						app.Div().Class("dropdown-backdrop").OnClick(s.closeTabsMenu),
						app.Div().Class("dropdown").Role("menu").Body(
							app.Button().ID("close-all-tabs").Type("button").Role("menuitem").
								Class("dropdown-item").Text("关闭全部选项卡").OnClick(s.closeAll),
							app.Button().ID("close-other-tabs").Type("button").Role("menuitem").
								Class("dropdown-item").Text("关闭其他选项卡").OnClick(s.closeOthers),
						),
					)
				}),
			),
		),
		app.Div().Class("panels").Body(panels...),
	)
}

func (s *Shell) renderWelcome() app.UI {
	var links []app.UI
	for _, m := range menuEntries {
		if m.allowedIn(s.sess) {
			links = append(links, app.Li().Body(
				app.Button().Type("button").Class("link").DataSet("menu-link", m.Key).OnClick(s.onWelcomeLink).Body(
					icon(m.Icon), app.Text(m.Label),
				),
			))
		}
	}
	return app.Div().Class("welcome-box").Body(
		pageTitle("欢迎使用身份认证管理系统"),
		app.P().Text(s.sess.EnterpriseName+"，您好。请从左侧菜单选择要办理的业务："),
		app.Ul().Class("welcome-links").Body(links...),
		app.P().Class("hint").Text("提示：黄色底色为必填项，白色底色为选填项，灰色底色由系统反填；录入时按 Tab 或回车键跳至下一项。"),
	)
}

// panel returns the component of a tab.
func (s *Shell) panel(key string) app.UI {
	switch key {
	case "agent-points":
		return &AgentPointsTable{}
	case "my-card":
		return &MyCardPage{}
	case "my-card-events":
		return &CardEventsPage{}
	case "change-pin":
		return &ChangePINPage{}
	case "operator-auth":
		return &OperatorAuthPage{}
	case "card-manage":
		return &CardManagePage{}
	case "card-inquiry":
		return &CardInquiryPage{}
	case "declarant-binding":
		return &DeclarantBindingPage{}
	}
	if p := recordPanel(key, s.sess); p != nil {
		return p
	}
	return app.P().Text("暂未开放")
}

func (s *Shell) openTab(ctx app.Context, key string) {
	m, ok := entryByKey(key)
	if !ok || !m.allowedIn(s.sess) {
		return
	}
	if !s.isOpen(key) {
		s.open = append(s.open, key)
	}
	s.active = key
	s.saveTabs(ctx)
	ctx.Defer(func(app.Context) { revealTab(key) })
}

// revealTab scrolls the tab strip so that the tab of key is visible.
func revealTab(key string) {
	strip := app.Window().GetElementByID("tab-strip")
	if !strip.Truthy() {
		return
	}
	tab := strip.Call("querySelector", `[data-tab="`+key+`"]`)
	if !tab.Truthy() {
		return
	}
	item := tab.Get("parentElement") // the tab with its close button
	left := item.Get("offsetLeft").Int() - strip.Get("offsetLeft").Int()
	width := item.Get("offsetWidth").Int()
	view := strip.Get("clientWidth").Int()
	scroll := strip.Get("scrollLeft").Int()
	switch {
	case left < scroll:
		strip.Set("scrollLeft", left)
	case left+width > scroll+view:
		strip.Set("scrollLeft", left+width-view)
	}
}

func (s *Shell) onMenu(ctx app.Context, e app.Event) {
	s.openTab(ctx, ctx.JSSrc().Get("dataset").Get("menu").String())
}

func (s *Shell) onWelcomeLink(ctx app.Context, e app.Event) {
	s.openTab(ctx, ctx.JSSrc().Get("dataset").Get("menuLink").String())
}

func (s *Shell) onTab(ctx app.Context, e app.Event) {
	key := ctx.JSSrc().Get("dataset").Get("tab").String()
	if s.isOpen(key) {
		s.active = key
		s.saveTabs(ctx)
	}
}

func (s *Shell) onTabKey(ctx app.Context, e app.Event) {
	switch e.Get("key").String() {
	case "Enter", " ":
		e.PreventDefault()
		s.onTab(ctx, e)
	case "Delete":
		e.PreventDefault()
		key := ctx.JSSrc().Get("dataset").Get("tab").String()
		s.closeTab(ctx, key)
		if next := s.active; next != "" {
			ctx.Defer(func(app.Context) { focusTab(next) })
		}
	case "ArrowLeft", "ArrowRight":
		e.PreventDefault()
		key := ctx.JSSrc().Get("dataset").Get("tab").String()
		for i, k := range s.open {
			if k != key {
				continue
			}
			j := i + 1
			if e.Get("key").String() == "ArrowLeft" {
				j = i - 1
			}
			if j >= 0 && j < len(s.open) {
				s.active = s.open[j]
				next := s.open[j]
				s.saveTabs(ctx)
				ctx.Defer(func(app.Context) { focusTab(next) })
			}
			return
		}
	default:
		ctx.PreventUpdate()
	}
}

// focusTab scrolls the tab of key into view and moves the focus to it.
func focusTab(key string) {
	revealTab(key)
	if el := app.Window().Get("document").Call("querySelector", `.tab[data-tab="`+key+`"]`); el.Truthy() {
		el.Call("focus")
	}
}

// pageTitle is the level-one heading of a page: the shell renders it at
// the top of every tab panel with the tab's name, so the component inside a
// tab renders no h1 of its own.
func pageTitle(text string) app.UI {
	return app.H1().Class("page-title").Text(text)
}

func (s *Shell) onTabClose(ctx app.Context, e app.Event) {
	e.Call("stopPropagation")
	s.closeTab(ctx, ctx.JSSrc().Get("dataset").Get("close").String())
}

func (s *Shell) closeTab(ctx app.Context, key string) {
	for i, k := range s.open {
		if k != key {
			continue
		}
		s.open = append(s.open[:i:i], s.open[i+1:]...)
		if s.active == key {
			switch {
			case i < len(s.open):
				s.active = s.open[i]
			case len(s.open) > 0:
				s.active = s.open[len(s.open)-1]
			default:
				s.active = ""
			}
		}
		break
	}
	s.saveTabs(ctx)
}

func (s *Shell) scrollTabs(dir int) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		ctx.PreventUpdate()
		strip := app.Window().GetElementByID("tab-strip")
		if !strip.Truthy() {
			return
		}
		step := strip.Get("clientWidth").Int() * 2 / 3
		if step < 120 {
			step = 120
		}
		strip.Set("scrollLeft", strip.Get("scrollLeft").Int()+dir*step)
	}
}

func (s *Shell) toggleMenu(ctx app.Context, e app.Event) {
	s.collapsed = !s.collapsed
	ctx.LocalStorage().Set(keyCollapsed, s.collapsed)
}

func (s *Shell) toggleGroup(ctx app.Context, e app.Event) {
	g := ctx.JSSrc().Get("dataset").Get("group").String()
	if s.collapsed {
		// Folded to icons: the group's icon unfolds the menu.
		s.collapsed = false
		ctx.LocalStorage().Set(keyCollapsed, false)
		return
	}
	if s.closed == nil {
		s.closed = map[string]bool{}
	}
	s.closed[g] = !s.closed[g]
}

func (s *Shell) toggleTabsMenu(ctx app.Context, e app.Event) {
	s.tabsMenu = !s.tabsMenu
	if s.tabsMenu {
		ctx.Defer(func(app.Context) { focusID("close-all-tabs") })
	}
}

func (s *Shell) closeTabsMenu(ctx app.Context, e app.Event) { s.tabsMenu = false }

func (s *Shell) closeAll(ctx app.Context, e app.Event) {
	s.tabsMenu = false
	s.open = nil
	s.active = ""
	s.saveTabs(ctx)
}

func (s *Shell) closeOthers(ctx app.Context, e app.Event) {
	s.tabsMenu = false
	if s.active == "" {
		s.open = nil
	} else {
		s.open = []string{s.active}
	}
	s.saveTabs(ctx)
}

func (s *Shell) logout(ctx app.Context, e app.Event) {
	if s.leaving {
		return
	}
	if s.sess.Kiosk {
		if n := browserDraftCount(); n > 0 {
			s.kioskWarning = n
			ctx.Defer(func(app.Context) { focusID("kiosk-drafts-back") })
			return
		}
		s.kioskClear(ctx, e)
		return
	}
	s.leaving, s.logoutErr = true, ""
	ac := s.on(ctx)
	ac.Async(func() {
		err := client().Logout(bg())
		ac.Dispatch(func(ctx app.Context) {
			s.leaving = false
			if err != nil && !apiclient.IsUnauthorized(err) {
				msg, _ := handleErr(ctx, err)
				s.logoutErr = "退出失败：" + msg
				return
			}
			setOffline(ctx, false)
			s.stopCard()
			setSession(ctx, nil)
			ctx.SessionStorage().Del(keyTabs)
			ctx.Navigate("/")
		})
	})
}

// kioskBack closes the drafts warning of 【退出】 on a kiosk: back to 暂存.
func (s *Shell) kioskBack(ctx app.Context, e app.Event) { s.kioskWarning = 0 }

// kioskClear is 【退出】 on a kiosk: the session ends and the browser
// forgets the user (kioskEnd).
func (s *Shell) kioskClear(ctx app.Context, e app.Event) {
	s.kioskWarning, s.leaving = 0, true
	s.stopCard()
	kioskEnd(ctx, kioskMsg("已退出登录"))
}
