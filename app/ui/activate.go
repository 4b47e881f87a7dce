package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// ActivatePage is "/activate?token=…": it sends the token from the
// confirmation e-mail and shows the answer, with a link to login.
type ActivatePage struct {
	app.Compo

	busy   bool
	ok     bool
	result string
	token  string
}

func (p *ActivatePage) OnNav(ctx app.Context) {
	if app.IsServer {
		return
	}
	token := ctx.Page().URL().Query().Get("token")
	if token == p.token && p.result != "" {
		return
	}
	p.token = token
	if token == "" {
		p.result, p.ok = "激活链接无效：缺少激活码。请使用注册邮件中的完整链接。", false
		return
	}
	p.busy, p.result = true, ""
	ctx.Async(func() {
		acc, err := client().Activate(bg(), token)
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				p.result, _ = handleErr(ctx, err)
				p.ok = false
				return
			}
			setOffline(ctx, false)
			p.ok = true
			p.result = acc.Message
			if p.result == "" {
				p.result = "帐号已激活，请使用用户名密码登录。"
			}
		})
	})
}

func (p *ActivatePage) Render() app.UI {
	cls := "result error"
	if p.ok {
		cls = "result ok"
	}
	return app.Div().Class("page portal").Body(
		&NetBanner{},
		&PortalHeader{},
		app.Main().Class("card-page").Body(
			app.Div().Class("card").Body(
				app.H1().Class("card-title").Text("帐号激活"),
				app.If(p.busy, func() app.UI {
					return app.P().Class("hint").Text("正在激活，请稍候…")
				}),
				app.If(p.result != "", func() app.UI {
					return app.P().ID("result").Class(cls).Role("status").Text(p.result)
				}),
				app.Div().Class("form-actions").Body(
					app.A().ID("link-login").Href("/").Class("btn btn-primary").Text("前往登录"),
				),
			),
		),
	)
}
