package ui

import (
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/model"
)

// ReviewKiosks is the agent point's kiosk terminals (自助终端) in the review
// console: 【生成登记链接】 for a named terminal (the one-time link, shown
// once, is opened in the terminal's browser within the hour), the list with
// each terminal's state, and 【注销】, which ends the terminal's sessions
// and makes it a plain browser again.
type ReviewKiosks struct {
	app.Compo
	mounted

	loading bool
	busy    bool
	loadErr string
	list    []model.KioskTerminal
	name    string
	nameErr string
	link    string // the link just made
}

func (r *ReviewKiosks) OnMount(ctx app.Context) {
	r.keep(ctx)
	if app.IsServer {
		return
	}
	r.load(ctx)
}

func (r *ReviewKiosks) load(ctx app.Context) {
	r.loading, r.loadErr = true, ""
	ac := r.on(ctx)
	ac.Async(func() {
		list, err := client().ReviewKiosks(bg())
		ac.Dispatch(func(ctx app.Context) {
			r.loading = false
			if msg, left := handleErr(ctx, err); left {
				return
			} else if msg != "" {
				r.loadErr = "自助终端加载失败：" + msg
				return
			}
			r.list = list
		})
	})
}

func (r *ReviewKiosks) onName(ctx app.Context, e app.Event) {
	r.name = ctx.JSSrc().Get("value").String()
	ctx.PreventUpdate()
}

func (r *ReviewKiosks) create(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if r.busy {
		return
	}
	name := strings.TrimSpace(inputValue("kiosk-name"))
	if name == "" {
		r.nameErr = "终端名称：必填，不能为空"
		return
	}
	r.busy, r.nameErr, r.link = true, "", ""
	ac := r.on(ctx)
	ac.Async(func() {
		k, err := client().NewKiosk(bg(), name)
		ac.Dispatch(func(ctx app.Context) {
			r.busy = false
			if msg, left := handleErr(ctx, err); left {
				return
			} else if msg != "" {
				r.nameErr = msg
				return
			}
			r.link, r.name = k.EnrolURL, ""
			r.load(ctx)
		})
	})
}

func (r *ReviewKiosks) revoke(ctx app.Context, e app.Event) {
	id, err := strconv.ParseInt(ctx.JSSrc().Get("dataset").Get("kiosk").String(), 10, 64)
	if err != nil || r.busy {
		return
	}
	r.busy = true
	ac := r.on(ctx)
	ac.Async(func() {
		_, err := client().RevokeKiosk(bg(), id)
		ac.Dispatch(func(ctx app.Context) {
			r.busy = false
			if msg, left := handleErr(ctx, err); left {
				return
			} else if msg != "" {
				r.loadErr = "注销失败：" + msg
				return
			}
			r.load(ctx)
		})
	})
}

func kioskState(k model.KioskTerminal) string {
	switch {
	case k.RevokedAt != nil:
		return "已注销"
	case k.EnrolledAt != nil:
		return "已登记 " + k.EnrolledAt.Local().Format("2006-01-02 15:04")
	}
	return "待登记（链接 " + k.EnrolExpiresAt.Local().Format("15:04") + " 前有效）"
}

func (r *ReviewKiosks) Render() app.UI {
	var rows []app.UI
	for _, k := range r.list {
		rows = append(rows, app.Tr().DataSet("kiosk-row", k.ID).Body(
			app.Td().Text(k.Name), app.Td().Text(kioskState(k)), app.Td().Text(k.CreatedBy),
			app.Td().Body(app.If(k.RevokedAt == nil, func() app.UI {
				return app.Button().Type("button").Class("btn btn-small btn-danger").DataSet("kiosk", k.ID).
					Disabled(r.busy).OnClick(r.revoke).Text("注销")
			})),
		))
	}
	return app.Section().ID("review-kiosks").Class("query-box").Aria("label", "自助终端").Body(
		app.H2().Class("section-title").Text("自助终端（本代理点）"),
		app.Form().ID("kiosk-form").Class("query-form").OnSubmit(r.create).Body(
			app.Div().Class("form-grid").Body(
				app.Label().For("kiosk-name").Text("终端名称"),
				app.Input().ID("kiosk-name").Type("text").Class("f-input k-req").MaxLength(model.KioskNameMax).
					Attr("autocomplete", "off").Value(r.name).Placeholder("如：大厅 1 号机").OnInput(r.onName),
			),
			app.If(r.nameErr != "", func() app.UI { return app.P().ID("kiosk-name-error").Class("result error").Text(r.nameErr) }),
			app.Div().Class("toolbar").Body(
				app.Button().ID("btn-kiosk-new").Type("submit").Class("btn btn-primary").Disabled(r.busy).Text("生成登记链接"),
			),
		),
		app.If(r.link != "", func() app.UI {
			return app.Div().Class("result ok").Role("status").Body(
				app.P().Text("请在 1 小时内用自助终端的浏览器打开以下链接（仅可使用一次，不再显示）："),
				app.Code().ID("kiosk-link").Class("mono").Text(r.link),
			)
		}),
		app.If(r.loadErr != "", func() app.UI { return app.P().Class("result error").Text(r.loadErr) }),
		app.Div().Class("table-wrap").Body(app.Table().ID("kiosk-list").Class("grid").Body(
			app.THead().Body(app.Tr().Body(
				app.Th().Text("终端名称"), app.Th().Text("状态"), app.Th().Text("创建人"), app.Th().Text("操作"),
			)),
			app.TBody().Body(rows...),
		)),
	)
}
