package ui

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// RegisterPage is "/register" (R1): 企业用户注册, then the choice between
// 无卡用户注册 and 有卡注册.
type RegisterPage struct {
	app.Compo

	enterprise bool
}

func (p *RegisterPage) Render() app.UI {
	return app.Div().Class("page portal").Body(
		&NetBanner{},
		&PortalHeader{},
		app.Main().Class("card-page").Body(
			app.Div().Class("card").Body(
				app.H1().Class("card-title").Text("用户注册"),
				app.P().Class("hint").Text("请选择注册方式："),
				app.Div().Class("choice-row").Body(
					app.Button().ID("btn-enterprise").Type("button").
						Class(classes("choice", activeIf(p.enterprise))).
						Aria("pressed", p.enterprise).
						OnClick(p.chooseEnterprise).
						Body(
							app.Span().Class("choice-title").Text("企业用户注册"),
							app.Span().Class("choice-note").Text("进出口企业及其他组织"),
						),
				),
				app.If(p.enterprise, func() app.UI {
					return app.Div().Class("choice-step").Body(
						app.P().Text("如果您是第一次使用电子口岸系统，或者没有电子口岸 IC 卡，请使用“无卡用户注册”：暂无 IC 卡的用户可以手工录入的方式进行注册，无卡用户仅可注册管理员！"),
						app.P().Text("如果您是有卡用户，请使用“有卡注册”。"),
						app.Div().Class("choice-row").Body(
							app.Button().ID("btn-nocard").Type("button").Class("choice choice-primary").
								OnClick(p.toNoCard).
								Body(
									app.Span().Class("choice-title").Text("无卡用户注册"),
									app.Span().Class("choice-note").Text("填写企业基本信息和管理员帐号信息"),
								),
							app.Button().ID("btn-card").Type("button").Class("choice").
								OnClick(p.toCard).
								Body(
									app.Span().Class("choice-title").Text("有卡注册"),
									app.Span().Class("choice-note").Text("持企业法人卡，需要读卡器与读卡服务 cardbridge"),
								),
						),
					)
				}),
			),
		),
	)
}

func (p *RegisterPage) chooseEnterprise(ctx app.Context, e app.Event) {
	p.enterprise = true
	ctx.Defer(func(app.Context) { focusID("btn-nocard") })
}

func (p *RegisterPage) toNoCard(ctx app.Context, e app.Event) { ctx.Navigate("/register/nocard") }

func (p *RegisterPage) toCard(ctx app.Context, e app.Event) { ctx.Navigate("/register/card") }
