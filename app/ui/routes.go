package ui

import (
	"sync"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/model"
)

var routesOnce sync.Once

// Routes registers every page of the app with go-app. The browser calls it
// before app.RunWhenOnBrowser, the server (through Handler) before serving
// pages: a path that is not routed here is a 404 on the server.
func Routes() {
	routesOnce.Do(func() {
		app.Route("/", func() app.Composer { return &LoginPage{} })
		app.Route("/register", func() app.Composer { return &RegisterPage{} })
		app.Route("/register/nocard", func() app.Composer { return &RegisterNoCardPage{} })
		app.Route("/register/card", func() app.Composer { return &RegisterCardPage{} })
		app.Route("/activate", func() app.Composer { return &ActivatePage{} })
		app.Route("/app", func() app.Composer { return &Shell{} })
		app.Route("/agent-points", func() app.Composer { return &AgentPointsPage{} })
		app.Route("/review", func() app.Composer { return &ReviewLoginPage{} })
		app.Route("/review/app", func() app.Composer { return &ReviewConsole{} })
		app.Route(model.KioskEnrolPath, func() app.Composer { return &KioskEnrolPage{} })
	})
}
