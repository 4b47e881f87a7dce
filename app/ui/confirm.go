package ui

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// ConfirmDialog is the in-page confirmation (申报, 删除): a modal with
// #confirm-ok and #confirm-cancel. It is not window.confirm, so that it
// looks like the rest of the page and a browser test can click it.
type ConfirmDialog struct {
	app.Compo

	Open     bool
	Title    string
	Message  string
	OKLabel  string
	Danger   bool
	OnOK     func(ctx app.Context)
	OnCancel func(ctx app.Context)
}

func (d *ConfirmDialog) Render() app.UI {
	if !d.Open {
		return app.Div().Class("confirm-host")
	}
	ok := d.OKLabel
	if ok == "" {
		ok = "确定"
	}
	okClass := "btn btn-primary"
	if d.Danger {
		okClass = "btn btn-danger"
	}
	return app.Div().Class("confirm-host").Body(
		app.Div().Class("modal-backdrop").Body(
			app.Div().
				Class("modal").
				Role("dialog").
				Aria("modal", "true").
				Aria("labelledby", "confirm-title").
				Aria("describedby", "confirm-message").
				OnKeyDown(d.onKey).
				Body(
					app.H3().ID("confirm-title").Class("modal-title").Text(d.Title),
					app.P().ID("confirm-message").Class("modal-message").Text(d.Message),
					app.Div().Class("modal-actions").Body(
						app.Button().ID("confirm-cancel").Type("button").Class("btn").Text("取消").OnClick(d.cancel),
						app.Button().ID("confirm-ok").Type("button").Class(okClass).Text(ok).OnClick(d.ok),
					),
				),
		),
	)
}

func (d *ConfirmDialog) onKey(ctx app.Context, e app.Event) { escapeCancels(ctx, e, d.cancel) }

// escapeCancels is a modal's keys: Escape is cancel; the others change
// nothing on the page.
func escapeCancels(ctx app.Context, e app.Event, cancel app.EventHandler) {
	if e.Get("key").String() == "Escape" {
		cancel(ctx, e)
		return
	}
	ctx.PreventUpdate()
}

func (d *ConfirmDialog) ok(ctx app.Context, e app.Event) {
	d.Open = false
	if d.OnOK != nil {
		d.OnOK(ctx)
	}
}

func (d *ConfirmDialog) cancel(ctx app.Context, e app.Event) {
	d.Open = false
	if d.OnCancel != nil {
		d.OnCancel(ctx)
	}
}
