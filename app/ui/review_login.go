package ui

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/apiclient"
	"eportid/app/model"
)

// ReviewLoginPage is the reviewers' login at "/review" (制卡代理点 / 审批部门):
// user name, password and the 6-digit dynamic code of their authenticator
// (TOTP). It opens the review console at "/review/app".
type ReviewLoginPage struct {
	app.Compo
	mounted

	credentials
	totp string
	msg  string
	busy bool
	throttle
}

func (p *ReviewLoginPage) OnMount(ctx app.Context) {
	p.keep(ctx)
	if app.IsServer {
		return
	}
	if m := takeFlash(); m != "" {
		p.msg = m
	}
	loadKiosk(p.on(ctx))
}

func (p *ReviewLoginPage) Render() app.UI {
	msg := p.message(p.msg)
	return app.Div().Class("page portal").Body(
		&NetBanner{},
		&PortalHeader{},
		app.Main().Class("login-main").Body(
			app.Section().Class("login-intro").Body(
				app.H1().Text("审批控制台"),
				app.P().Text("制卡代理点、审批部门的审批人员在此审批企业申报的备案与变更：审批通过，或退单并注明原因。"),
				app.Ul().Class("login-tips").Body(
					app.Li().Text("登录需要用户名、密码，以及身份验证器上显示的 6 位动态验证码。"),
					app.Li().Text("每个动态验证码只能使用一次；验证码每 30 秒更新。"),
				),
			),
			app.Section().Class("login-box").Aria("label", "审批人员登录").Body(
				app.Div().Class("login-tabs").Body(
					app.Span().Class("login-tab active").Text("审批人员登录"),
				),
				app.Form().Class("login-form").DataSet("form", "review-login").OnSubmit(p.submit).Body(
					app.Label().For("rv-username").Text("用户名"),
					kioskField(app.Input().ID("rv-username").Type("text").Class("f-input k-req").
						Attr("autocomplete", "username").Spellcheck(false).Value(p.username).
						Placeholder("请输入用户名").OnInput(p.onUser).OnKeyDown(onEnterNext)),
					app.Label().For("rv-password").Text("密码"),
					secret(app.Input().ID("rv-password").Class("f-input k-req").
						Attr("autocomplete", "current-password").Value(p.password).
						Placeholder("请输入密码").OnInput(p.onPassword).OnKeyDown(onEnterNext)),
					app.Label().For("rv-totp").Text("动态验证码"),
					app.Input().ID("rv-totp").Type("text").Class("f-input k-req mono").
						Attr("autocomplete", "one-time-code").Attr("inputmode", "numeric").
						MaxLength(6).Value(p.totp).Placeholder("6 位数字").OnInput(p.onTOTP),
					app.If(msg != "", func() app.UI {
						return app.P().ID("rv-error").Class("login-error").Role("alert").Text(msg)
					}),
					app.Button().ID("btn-rv-login").Type("submit").Class("btn btn-primary btn-block").
						Disabled(p.busy || p.wait > 0).
						Text(map[bool]string{true: "正在登录…", false: "登录"}[p.busy]),
					app.Div().Class("login-links").Body(app.A().Href("/").Text("企业用户登录")),
				),
			),
		),
		app.Footer().Class("portal-footer").Text("中国电子口岸数据中心 · 审批控制台"),
	)
}

func (p *ReviewLoginPage) onTOTP(ctx app.Context, e app.Event) {
	p.totp = ctx.JSSrc().Get("value").String()
	ctx.PreventUpdate()
}

func (p *ReviewLoginPage) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.busy || p.wait > 0 {
		return
	}
	for id, dst := range map[string]*string{"rv-username": &p.username, "rv-password": &p.password, "rv-totp": &p.totp} {
		readInput(id, dst)
	}
	user, code := strings.TrimSpace(p.username), strings.TrimSpace(p.totp)
	switch {
	case user == "":
		p.msg = "请输入用户名"
		focusID("rv-username")
		return
	case p.password == "":
		p.msg = "请输入密码"
		focusID("rv-password")
		return
	case len(code) != 6 || strings.Trim(code, "0123456789") != "":
		p.msg = "请输入身份验证器上显示的 6 位动态验证码"
		focusID("rv-totp")
		return
	}
	p.busy, p.msg = true, ""
	req := model.ReviewLoginRequest{Username: user, Password: p.password, TOTP: code}
	ac := p.on(ctx)
	ac.Async(func() {
		s, err := client().ReviewLogin(bg(), req)
		ac.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err == nil {
				loggedIn(ctx, &s)
				p.password, p.totp = "", ""
				ctx.Navigate("/review/app")
				return
			}
			msg, _ := handleErr(ctx, err)
			switch apiclient.Code(err) {
			case model.ErrBadLogin:
				msg = "用户名、密码或动态验证码错误"
				p.totp = ""
				clearInput("rv-totp")
			case model.ErrThrottled:
				p.throttled(ctx, p.on, err, nil)
			}
			p.msg = msg
		})
	})
}
