package ui

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// AgentPointsPage is "/agent-points": 制卡代理点联系方式 without logging in.
type AgentPointsPage struct {
	app.Compo
}

func (p *AgentPointsPage) Render() app.UI {
	return app.Div().Class("page portal").Body(
		&NetBanner{},
		&PortalHeader{Register: true},
		app.Main().Class("card-page").Body(
			app.Div().Class("card card-full").Body(
				app.H1().Class("card-title").Text("制卡代理点联系方式"),
				&AgentPointsTable{},
			),
		),
	)
}
