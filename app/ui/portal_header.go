package ui

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// PortalHeader is the blue band of the pages outside the workspace (login,
// registration, activation, agent points): the system's name on the left
// and the portal links on the right.
type PortalHeader struct {
	app.Compo

	// Register shows 【注册】 at the top right (the login page).
	Register bool
}

func (h *PortalHeader) Render() app.UI {
	return app.Header().Class("portal-header").Body(
		app.A().Href("/").Class("brand").Body(
			brandLogo(),
			app.Span().Class("brand-text").Body(
				app.Span().Class("brand-port").Text("中国电子口岸"),
				app.Span().Class("brand-sys").Text("身份认证管理系统（企业端）"),
			),
		),
		app.Nav().Class("portal-links").Body(
			app.A().Href("/agent-points").Text("制卡代理点查询"),
			app.If(h.Register, func() app.UI {
				return app.A().ID("link-register").Href("/register").Class("btn btn-light").Text("注册")
			}).Else(func() app.UI {
				return app.A().Href("/").Text("返回登录")
			}),
		),
	)
}

// brandLogo is the logo of the headers. It is decorative (the system's
// name is written next to it), so it has an empty alt; the element is raw
// HTML because go-app drops an attribute whose value is empty.
func brandLogo() app.UI {
	return app.Raw(`<img class="brand-logo" src="/web/logo.svg" alt="" width="34" height="34">`)
}
