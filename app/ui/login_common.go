package ui

import (
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/apiclient"
	"eportid/app/model"
)

// The parts the login pages (the portal's and the reviewers') have in
// common.

// throttle is the wait the server asks for after too many failed logins.
type throttle struct {
	wait int // seconds left before another try
}

// throttled starts the count-down of err's wait (60 seconds when it names
// none); over runs when it ends.
func (t *throttle) throttled(ctx app.Context, on func(app.Context) app.Context, err error, over func()) {
	e, _ := apiclient.AsError(err)
	t.wait = e.Problem.RetryAfter
	if t.wait <= 0 {
		t.wait = 60
	}
	var tick func(ctx app.Context)
	tick = func(ctx app.Context) {
		if t.wait <= 0 {
			return
		}
		t.wait--
		if t.wait == 0 {
			if over != nil {
				over()
			}
			return
		}
		on(ctx).After(time.Second, tick)
	}
	on(ctx).After(time.Second, tick)
}

// message is msg, or the wait while there is one.
func (t *throttle) message(msg string) string {
	if t.wait > 0 {
		return "登录失败次数过多，请 " + strconv.Itoa(t.wait) + " 秒后再试"
	}
	return msg
}

// readInput reads the input id into dst: the browser may have filled it in
// itself.
func readInput(id string, dst *string) {
	if el := app.Window().GetElementByID(id); el.Truthy() {
		*dst = el.Get("value").String()
	}
}

// clearInput empties the input id.
func clearInput(id string) {
	if el := app.Window().GetElementByID(id); el.Truthy() {
		el.Set("value", "")
	}
}

// loggedIn keeps the session s the server opened.
func loggedIn(ctx app.Context, s *model.Session) {
	setOffline(ctx, false)
	setSession(ctx, s)
}

// credentials are the user name and password typed into a login form.
type credentials struct {
	username string
	password string
}

func (c *credentials) onUser(ctx app.Context, e app.Event) {
	c.username = ctx.JSSrc().Get("value").String()
	ctx.PreventUpdate()
}

func (c *credentials) onPassword(ctx app.Context, e app.Event) {
	c.password = ctx.JSSrc().Get("value").String()
	ctx.PreventUpdate()
}
