package ui

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/apiclient"
	"eportid/app/model"
)

// ReviewCards is the agent point's side of IC card management in the
// review console: the cards of its agent point (the operator cards it
// issued, the legal-person cards of the enterprises it reviews), queried
// by card number or holder, and 冻结, 解冻 or 挂失 of one with a required
// reason (a card holder who called the agent point), audited in the
// card's operation records.
type ReviewCards struct {
	app.Compo
	mounted
	pageStatus

	loading bool
	busy    bool
	loadErr string
	cards   []model.ManagedCard
	query   apiclient.CardQuery

	dialog    model.CardStateAction // the open reason dialog's action
	card      *model.ManagedCard
	reasonErr string
}

func (r *ReviewCards) OnMount(ctx app.Context) {
	r.keep(ctx)
	if app.IsServer {
		return
	}
	r.load(ctx)
}

func (r *ReviewCards) load(ctx app.Context) {
	r.loading, r.loadErr = true, ""
	q := r.query
	ac := r.on(ctx)
	ac.Async(func() {
		cards, err := client().ReviewCards(bg(), q)
		ac.Dispatch(func(ctx app.Context) {
			r.loading = false
			if msg, left := handleErr(ctx, err); left {
				return
			} else if msg != "" {
				r.loadErr = "IC 卡加载失败：" + msg
				return
			}
			r.cards = cards
		})
	})
}

func (r *ReviewCards) onQuery(ctx app.Context, e app.Event) {
	e.PreventDefault()
	r.query = apiclient.CardQuery{CardNumber: inputValue("rc-q-number"), Holder: inputValue("rc-q-holder")}
	r.load(ctx)
}

func (r *ReviewCards) Render() app.UI {
	return app.Section().ID("review-cards").Class("query-box").Aria("label", "IC 卡管理").Body(
		app.H2().Class("section-title").Text("IC 卡管理（本代理点）"),
		app.Form().ID("rc-query").Class("query-form").OnSubmit(r.onQuery).Body(
			app.Div().Class("form-grid").Body(cardTextConds("rc", "", "")...),
			app.Div().Class("toolbar").Body(
				app.Button().ID("btn-rc-query").Type("submit").Class("btn btn-primary").Text("查询"),
			),
		),
		app.If(r.loadErr != "", func() app.UI { return app.P().Class("result error").Text(r.loadErr) }),
		app.Div().Class("table-wrap").Body(app.Table().ID("rc-list").Class("grid").Body(
			app.THead().Body(app.Tr().Body(
				app.Th().Text("IC 卡号"), app.Th().Text("卡类型"), app.Th().Text("持卡人"), app.Th().Text("卡状态"),
				app.Th().Text("有效期至"), app.Th().Text("操作"),
			)),
			app.TBody().Body(
				app.Range(r.cards).Slice(func(i int) app.UI {
					c := r.cards[i]
					active, frozen := c.State == model.CardStateActive, c.State == model.CardStateFrozen
					btn := func(a model.CardStateAction, ok bool) app.UI {
						return app.Button().Type("button").Class("btn btn-small rc-"+string(a)).DataSet("card", c.CardNumber).
							DataSet("action", string(a)).Disabled(r.busy || !ok).Text(a.Label()).OnClick(r.onAction)
					}
					return app.Tr().DataSet("card", c.CardNumber).Body(
						app.Td().Class("mono").Text(c.CardNumber), app.Td().Text(c.KindLabel), app.Td().Text(c.HolderName),
						app.Td().Class("rc-state").Text(c.StateLabel), app.Td().Text(c.NotAfter.Local().Format("2006-01-02")),
						app.Td().Class("nowrap").Body(
							btn(model.StateFreeze, active), btn(model.StateUnfreeze, frozen), btn(model.StateLose, active || frozen),
						),
					)
				}),
				app.If(len(r.cards) == 0, func() app.UI {
					text := "本代理点没有符合条件的 IC 卡"
					if r.loading {
						text = "正在查询…"
					}
					return app.Tr().Body(app.Td().ColSpan(6).Class("empty").Text(text))
				}),
			),
		)),
		r.renderStatus(nil),
		app.If(r.dialog != "" && r.card != nil, func() app.UI { return r.renderDialog() }),
	)
}

func (r *ReviewCards) onAction(ctx app.Context, e app.Event) {
	ds := ctx.JSSrc().Get("dataset")
	number := ds.Get("card").String()
	for i := range r.cards {
		if r.cards[i].CardNumber == number {
			c := r.cards[i]
			r.card, r.dialog, r.reasonErr = &c, model.CardStateAction(ds.Get("action").String()), ""
			ctx.Defer(func(app.Context) { focusID("rc-reason") })
			return
		}
	}
}

func (r *ReviewCards) renderDialog() app.UI {
	a := r.dialog
	msg := "确定" + a.Label() + " IC 卡 " + r.card.CardNumber + "（" + r.card.HolderName + "）吗？"
	if a == model.StateLose {
		msg += "挂失后该卡永久不能使用。"
	}
	return app.Div().Class("modal-backdrop").Body(app.Div().ID("rc-dialog").Class("modal").Role("dialog").Aria("modal", "true").
		Aria("labelledby", "rc-dialog-title").Body(
		app.H3().ID("rc-dialog-title").Class("modal-title").Text(a.Label()+"确认"),
		app.P().Class("modal-message").Text(msg),
		app.Label().For("rc-reason").Text("原因"),
		app.Textarea().ID("rc-reason").Class("f-input k-req").MaxLength(200).Aria("invalid", r.reasonErr != ""),
		app.If(r.reasonErr != "", func() app.UI { return app.P().ID("rc-reason-err").Class("field-error").Text(r.reasonErr) }),
		app.Div().Class("modal-actions").Body(
			app.Button().ID("rc-cancel").Type("button").Class("btn").Text("取消").OnClick(func(ctx app.Context, e app.Event) {
				r.dialog, r.card = "", nil
			}),
			app.Button().ID("rc-ok").Type("button").Class(map[bool]string{true: "btn btn-danger", false: "btn btn-primary"}[a == model.StateLose]).
				Disabled(r.busy).Text(a.Label()).OnClick(r.onOK),
		),
	))
}

func (r *ReviewCards) onOK(ctx app.Context, e app.Event) {
	reason := strings.TrimSpace(inputValue("rc-reason"))
	if reason == "" {
		r.reasonErr = "原因：请填写办理原因（如持卡人来电挂失）"
		return
	}
	c, a := *r.card, r.dialog
	r.dialog, r.card = "", nil
	busyDo(r.on(ctx), &r.busy, &r.pageStatus, "正在"+a.Label()+"…", func() (model.ManagedCard, error) {
		return client().ReviewCardState(bg(), c.CardNumber, model.ReviewCardStateRequest{Action: a, Version: c.Version, Reason: reason})
	}, func(ctx app.Context, out model.ManagedCard, err error) {
		if err != nil {
			msg, _ := handleErr(ctx, err)
			r.setStatus(a.Label()+"失败："+msg, true)
			return
		}
		for i := range r.cards {
			if r.cards[i].CardNumber == out.CardNumber {
				r.cards[i] = out
			}
		}
		r.setStatus(a.Label()+"成功：IC 卡 "+out.CardNumber+" 当前状态为“"+out.StateLabel+"”", false)
	})
}
