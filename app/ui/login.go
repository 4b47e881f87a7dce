package ui

import (
	"errors"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/apiclient"
	"eportid/app/bridgeclient"
	"eportid/app/model"
)

// preferCard opens the login page in 【IC 卡登录】 (after a card session
// ended). UI goroutine only.
var preferCard bool

// LoginPage is the portal's login (P1) at "/": 用户名密码登录 and 【IC 卡登录】,
// with 【注册】 at the top right.
type LoginPage struct {
	app.Compo
	mounted

	mode string // "password" or "card"
	credentials
	msg    string // #login-error
	notice bool   // msg is a notice (session over), not a failure
	busy   bool
	throttle
	current *model.Session

	card     cardStatus    // 【IC 卡登录】: the bridge, the reader, the card
	cardStop chan struct{} // ends the watch on the card status
	// lna is the browser's permission for the page to reach the bridge on
	// this computer (Local Network Access).
	lna bridgeclient.Permission
	// cardIdle: 【IC 卡登录】 is shown without a click of the user (after a
	// card session ended) and the browser would ask for the permission:
	// the page waits for 【连接读卡服务】 before it connects.
	cardIdle bool
}

const (
	modePassword = "password"
	modeCard     = "card"
)

func (p *LoginPage) OnMount(ctx app.Context) {
	p.keep(ctx)
	if p.mode == "" {
		p.mode = modePassword
	}
	if app.IsServer {
		return
	}
	if m := takeFlash(); m != "" {
		p.msg, p.notice = m, true
	}
	loadKiosk(p.on(ctx))
	if preferCard {
		p.mode = modeCard
	}
	p.checkPermission(ctx, preferCard)
	if session != nil {
		p.current = session
		return
	}
	ac := p.on(ctx)
	ac.Async(func() {
		s, err := client().Session(bg())
		ac.Dispatch(func(ctx app.Context) {
			if err != nil {
				if apiclient.IsNetwork(err) {
					setOffline(ctx, true)
				}
				return
			}
			setOffline(ctx, false)
			setSession(ctx, &s)
			p.current = &s
		})
	})
}

func (p *LoginPage) OnNav(ctx app.Context) {
	if m := takeFlash(); m != "" {
		p.msg, p.notice = m, true
	}
	if preferCard && p.mode != modeCard {
		p.mode = modeCard
		p.checkPermission(ctx, true)
	}
}

// loopbackPage reports whether the page was opened at a loopback address,
// whose requests to the bridge the browser never asks about.
func loopbackPage() bool {
	h := app.Window().Get("location").Get("hostname").String()
	return h == "localhost" || strings.HasPrefix(h, "127.") || h == "[::1]"
}

// checkPermission asks the browser for the permission to reach the bridge
// (no connection, so no question to the user yet). With resume (card mode
// shown without a click) it then starts the watch on the card, unless the
// browser would ask the user: that waits for 【连接读卡服务】.
func (p *LoginPage) checkPermission(ctx app.Context, resume bool) {
	if resume && p.cardStop == nil {
		p.card = cardStatus{checking: true}
	}
	ac := p.on(ctx)
	ac.Async(func() {
		st := bridgeclient.QueryPermission(bg())
		ac.Dispatch(func(ctx app.Context) {
			p.lna = st
			if !resume || p.mode != modeCard || p.cardStop != nil {
				return
			}
			if st == bridgeclient.PermissionPrompt && !loopbackPage() {
				p.cardIdle = true
				return
			}
			p.startCard(ctx)
		})
	})
}

// OnDismount ends the watch on the card.
func (p *LoginPage) OnDismount() { p.stopCard() }

func (p *LoginPage) Render() app.UI {
	if p.mode == "" {
		p.mode = modePassword
	}
	return app.Div().Class("page portal").Body(
		&NetBanner{},
		&PortalHeader{Register: true},
		app.Main().Class("login-main").Body(
			app.Section().Class("login-intro").Body(
				app.H1().Text("身份认证管理系统"),
				app.P().Text("面向进出口企业的电子口岸身份认证服务：企业用户注册、企业备案信息录入与申报、操作员 IC 卡管理、制卡代理点查询。"),
				app.Ul().Class("login-tips").Body(
					app.Li().Text("首次使用且没有 IC 卡的企业，请点击右上角【注册】进行无卡用户注册。"),
					app.Li().Text("持卡用户请将 IC 卡插入读卡器（或插入 Ikey），使用【IC 卡登录】。"),
					app.If(p.lna == bridgeclient.PermissionPrompt, func() app.UI {
						return app.Li().ID("tip-lna").Text("使用【IC 卡登录】时，浏览器可能会询问是否允许本网站访问本地网络上的设备，请点击【允许】：读卡服务运行在您的电脑上。")
					}),
					app.Li().Body(app.Text("办理制卡业务请查询"), app.A().Href("/agent-points").Text("制卡代理点联系方式"), app.Text("。")),
				),
			),
			app.Section().Class("login-box").Aria("label", "登录").Body(
				app.Div().Class("login-tabs").Role("tablist").Body(
					app.Button().ID("mode-password").Type("button").Role("tab").
						Class(classes("login-tab", activeIf(p.mode == modePassword))).
						Aria("selected", p.mode == modePassword).
						Text("用户名密码登录").OnClick(p.toPassword),
					app.Button().ID("mode-card").Type("button").Role("tab").
						Class(classes("login-tab", activeIf(p.mode == modeCard))).
						Aria("selected", p.mode == modeCard).
						Text("IC 卡登录").OnClick(p.toCard),
				),
				app.If(p.current != nil, func() app.UI {
					return app.Div().Class("login-current").Body(
						app.Text("您已登录："+displayName(p.current)+"（"+p.current.EnterpriseName+"）。"),
						app.A().Href("/app").Text("进入系统"),
					)
				}),
				app.If(p.mode == modePassword, p.renderPassword).Else(p.renderCard),
				kioskNotice(),
			),
		),
		app.Footer().Class("portal-footer").Text("中国电子口岸数据中心 · 推荐使用 Chrome 浏览器，分辨率 1366×768 及以上"),
	)
}

func activeIf(b bool) string {
	if b {
		return "active"
	}
	return ""
}

func (p *LoginPage) message() string { return p.throttle.message(p.msg) }

func (p *LoginPage) renderPassword() app.UI {
	msg := p.message()
	return app.Form().Class("login-form").DataSet("form", "login").OnSubmit(p.submit).Body(
		app.Label().For("login-username").Text("用户名"),
		kioskField(app.Input().ID("login-username").Name("username").Type("text").Class("f-input k-req").
			Attr("autocomplete", "username").Spellcheck(false).Value(p.username).
			Placeholder("请输入用户名").
			OnInput(p.onUser).OnKeyDown(onEnterNext)),
		app.Label().For("login-password").Text("密码"),
		secret(app.Input().ID("login-password").Name("password").Class("f-input k-req").
			Attr("autocomplete", "current-password").Value(p.password).
			Placeholder("请输入密码").
			OnInput(p.onPassword)),
		app.If(msg != "", func() app.UI {
			cls := "login-error"
			if p.notice && p.wait == 0 {
				cls += " notice"
			}
			return app.P().ID("login-error").Class(cls).Role("alert").Text(msg)
		}),
		app.Button().ID("btn-login").Type("submit").Class("btn btn-primary btn-block").
			Disabled(p.busy || p.wait > 0).
			Text(map[bool]string{true: "正在登录…", false: "登录"}[p.busy]),
		app.Div().Class("login-links").Body(
			app.A().Href("/register").Text("没有帐号？企业用户注册"),
		),
	)
}

func (p *LoginPage) renderCard() app.UI {
	msg := p.message()
	ready := p.card.ready()
	asking := p.lna == bridgeclient.PermissionPrompt && (p.cardIdle || p.card.checking)
	return app.Form().Class("login-form").DataSet("form", "card").OnSubmit(p.submitCard).Body(
		app.If(asking, func() app.UI {
			return app.P().ID("card-lna-note").Class("card-note").Text(msgLNAPrompt)
		}),
		app.If(p.cardIdle, func() app.UI {
			return app.Div().Class("card-connect").Body(
				app.P().ID("card-status").Class("card-status warn").Role("status").Aria("live", "polite").
					Text("请点击【连接读卡服务】，检测读卡器与 IC 卡"),
				app.Button().ID("btn-card-connect").Type("button").Class("btn btn-block").
					Text("连接读卡服务").OnClick(p.connectCard),
			)
		}).Else(p.card.render),
		app.Label().For("login-pin").Text("IC 卡密码（PIN）"),
		secret(app.Input().ID("login-pin").Name("pin").
			Class(classes("f-input", map[bool]string{true: "k-req", false: "k-sys"}[ready])).
			Attr("autocomplete", "off").Attr("inputmode", "numeric").MaxLength(16).
			Disabled(!ready || p.busy).Placeholder(map[bool]string{true: "请输入 IC 卡密码", false: "请插入 IC 卡后输入卡密码"}[ready])),
		app.If(msg != "", func() app.UI {
			cls := "login-error"
			if p.notice && p.wait == 0 {
				cls += " notice"
			}
			return app.P().ID("login-error").Class(cls).Role("alert").Text(msg)
		}),
		app.Button().ID("btn-card-login").Type("submit").Class("btn btn-primary btn-block").
			Disabled(!ready || p.busy || p.wait > 0).
			Text(map[bool]string{true: "正在登录…", false: "登录"}[p.busy]),
		app.P().Class("hint").Text("持卡用户在使用过程中需保持 IC 卡插在读卡器中（或 Ikey 插在 USB 接口上）；拔出 IC 卡即退出登录。"),
		app.Div().Class("login-links").Body(
			app.A().Href("/register/card").Text("法人卡尚未注册？有卡注册"),
		),
	)
}

func (p *LoginPage) toPassword(ctx app.Context, e app.Event) {
	p.mode = modePassword
	preferCard = false
	p.stopCard()
	ctx.Defer(func(app.Context) { focusID("login-username") })
}

// toCard shows 【IC 卡登录】 and, the user having clicked, connects to the
// bridge (the browser may ask for the permission now).
func (p *LoginPage) toCard(ctx app.Context, e app.Event) {
	if p.mode == modeCard {
		p.startCard(ctx) // the click starts a watch not running yet (【连接读卡服务】 shown)
		return
	}
	p.mode = modeCard
	if !p.notice {
		p.msg = ""
	}
	p.startCard(ctx)
}

// connectCard is 【连接读卡服务】.
func (p *LoginPage) connectCard(ctx app.Context, e app.Event) { p.startCard(ctx) }

// startCard watches the bridge, the reader and the card while the card
// mode is shown.
func (p *LoginPage) startCard(ctx app.Context) {
	if app.IsServer || p.cardStop != nil {
		return
	}
	p.cardStop = make(chan struct{})
	p.cardIdle = false
	p.card = cardStatus{checking: true}
	watchStatus(p.on(ctx), p.cardStop, func(ctx app.Context, st cardStatus) {
		wasReady := p.card.ready()
		p.card = st
		if errors.Is(st.err, bridgeclient.ErrPermissionDenied) {
			p.lna = bridgeclient.PermissionDenied // the browser asks no more
		}
		if st.ready() && !wasReady {
			ctx.Defer(func(app.Context) { focusID("login-pin") })
		}
	})
}

func (p *LoginPage) stopCard() {
	if p.cardStop != nil {
		close(p.cardStop)
		p.cardStop = nil
	}
}

// submitCard is the card login: a nonce from the server, signed by the
// card through the bridge with the PIN (bound to this page's origin by
// the bridge), sent back to the server.
func (p *LoginPage) submitCard(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.busy || p.wait > 0 || !p.card.ready() {
		return
	}
	pin := readPIN("login-pin")
	p.notice = false
	if !bridgeclient.ValidPIN(pin) {
		wipePIN(pin)
		p.msg = "IC 卡密码应为 6 至 16 位数字"
		focusID("login-pin")
		return
	}
	p.busy, p.msg = true, ""
	ac := p.on(ctx)
	ac.Async(func() {
		s, err := cardLogin(pin)
		ac.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err == nil {
				loggedIn(ctx, &s)
				preferCard = false
				p.stopCard()
				ctx.Navigate("/app")
				return
			}
			p.msg = cardError(ctx, err)
			if apiclient.Code(err) == model.ErrThrottled {
				p.throttled(ctx, p.on, err, p.waited)
			}
			ctx.Defer(func(app.Context) { focusID("login-pin") })
		})
	})
}

// cardLogin runs the card login with pin (wiped); call it from ctx.Async.
func cardLogin(pin []byte) (model.Session, error) {
	defer wipePIN(pin)
	bc, err := bridgeClient(bg())
	if err != nil {
		return model.Session{}, err
	}
	b, err := client().CardLoginBegin(bg())
	if err != nil {
		return model.Session{}, err
	}
	nonce, err := decodeNonce(b.Nonce)
	if err != nil {
		return model.Session{}, err
	}
	ctx, cancel := cardCall()
	defer cancel()
	r, err := bc.SignLogin(ctx, pin, nonce)
	if err != nil {
		return model.Session{}, err
	}
	return client().CardLoginFinish(bg(), model.CardLoginProof{
		Attempt: b.Attempt, Nonce: b.Nonce, Certificate: r.Certificate, Signature: r.Signature,
	})
}

func (p *LoginPage) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.busy || p.wait > 0 {
		return
	}
	// Read the inputs too: the browser may have filled them in itself.
	readInput("login-username", &p.username)
	readInput("login-password", &p.password)
	p.notice = false
	user := strings.TrimSpace(p.username)
	switch {
	case user == "":
		p.msg = "请输入用户名"
		focusID("login-username")
		return
	case p.password == "":
		p.msg = "请输入密码"
		focusID("login-password")
		return
	}
	p.busy, p.msg = true, ""
	req := model.LoginRequest{Username: user, Password: p.password}
	ac := p.on(ctx)
	ac.Async(func() {
		s, err := client().Login(bg(), req)
		ac.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err == nil {
				loggedIn(ctx, &s)
				p.password = ""
				ctx.Navigate("/app")
				return
			}
			msg, _ := handleErr(ctx, err)
			switch apiclient.Code(err) {
			case model.ErrBadLogin:
				if msg == "" {
					msg = "用户名或密码错误"
				}
				p.password = ""
				clearInput("login-password")
				ctx.Defer(func(app.Context) { focusID("login-password") })
			case model.ErrThrottled:
				p.throttled(ctx, p.on, err, p.waited)
			}
			p.msg = msg
		})
	})
}

// waited takes the message of the wait away when it is over.
func (p *LoginPage) waited() { p.msg = "" }
