package ui

import (
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/bridgeclient"
	"eportid/app/model"
)

// The card holder's own card: 我的 IC 卡 (MyCardPage), its operation
// records (CardEventsPage) and 修改 PIN (ChangePINPage), for a card
// session (the operator card holder's menu; the legal-person card holder's
// too).

// MyCardPage shows the session's card: number, holder, validity, state,
// the customs declarant bound to it and, for an operator card, the kinds
// it is authorised to declare.
type MyCardPage struct {
	app.Compo
	mounted

	loading bool
	err     string
	card    *model.MyCard
}

func (p *MyCardPage) OnMount(ctx app.Context) {
	p.keep(ctx)
	if app.IsServer {
		return
	}
	p.load(ctx)
}

func (p *MyCardPage) load(ctx app.Context) {
	p.loading, p.err = true, ""
	ac := p.on(ctx)
	ac.Async(func() {
		c, err := client().MyCard(bg())
		ac.Dispatch(func(ctx app.Context) {
			p.loading = false
			if msg, left := handleErr(ctx, err); left {
				return
			} else if msg != "" {
				p.err = "IC 卡信息加载失败：" + msg
				return
			}
			p.card = &c
		})
	})
}

func (p *MyCardPage) reload(ctx app.Context, e app.Event) { p.load(ctx) }

func (p *MyCardPage) Render() app.UI {
	return app.Div().Class("my-card").Body(
		app.If(p.loading, func() app.UI { return app.P().Class("hint").Text("正在加载…") }),
		app.If(p.err != "", func() app.UI {
			return app.Div().Class("result error").Body(app.Text(p.err+" "),
				app.Button().Type("button").Class("link").Text("重试").OnClick(p.reload))
		}),
		app.If(p.card != nil, func() app.UI {
			c := p.card
			declarant, declNote := "未绑定", "本卡尚未绑定报关人员（报关人员绑定由企业法人卡持有人办理）"
			if c.Declarant != nil {
				declarant, declNote = c.Declarant.Name+"（"+c.Declarant.No+"）", ""
			}
			authorised := "未获授权"
			if len(c.Authorised) > 0 {
				authorised = model.KindLabels(c.Authorised)
			}
			return app.Table().ID("my-card").Class("grid info-grid").Body(app.TBody().Body(
				infoRow("mc-number", "IC 卡号", c.CardNumber),
				infoRow("mc-kind", "卡类型", c.Kind.Label()),
				infoRow("mc-holder", "持卡人", c.HolderName),
				infoRow("mc-not-after", "有效期至", c.NotAfter.Local().Format("2006-01-02")),
				infoRow("mc-state", "卡状态", c.StateLabel),
				app.Tr().Body(
					app.Th().Text("绑定的报关人员"),
					app.Td().ID("mc-declarant").Body(
						app.Text(declarant),
						app.If(declNote != "", func() app.UI { return app.Span().Class("hint").Text("　" + declNote) }),
					),
				),
				app.If(c.Kind == model.CardOperator, func() app.UI {
					return infoRow("mc-authorised", "经法人卡授权办理", authorised)
				}),
			))
		}),
	)
}

func infoRow(id, label, value string) app.UI {
	return app.Tr().Body(app.Th().Text(label), app.Td().ID(id).Text(value))
}

// CardEventsPage lists the operation records of the session's card,
// oldest first.
type CardEventsPage struct {
	app.Compo
	mounted

	loading bool
	err     string
	events  []model.CardEvent
}

func (p *CardEventsPage) OnMount(ctx app.Context) {
	p.keep(ctx)
	if app.IsServer {
		return
	}
	p.load(ctx)
}

func (p *CardEventsPage) load(ctx app.Context) {
	p.loading, p.err = true, ""
	ac := p.on(ctx)
	ac.Async(func() {
		evs, err := client().MyCardEvents(bg())
		ac.Dispatch(func(ctx app.Context) {
			p.loading = false
			if msg, left := handleErr(ctx, err); left {
				return
			} else if msg != "" {
				p.err = "操作记录加载失败：" + msg
				return
			}
			p.events = evs
		})
	})
}

func (p *CardEventsPage) reload(ctx app.Context, e app.Event) { p.load(ctx) }

func (p *CardEventsPage) Render() app.UI {
	return app.Div().Class("card-events").Body(
		app.Div().Class("toolbar").Body(
			app.Button().ID("ce-refresh").Type("button").Class("btn btn-primary").Text("刷新").OnClick(p.reload),
		),
		app.If(p.loading, func() app.UI { return app.P().Class("hint").Text("正在加载…") }),
		app.If(p.err != "", func() app.UI { return app.P().Class("result error").Text(p.err) }),
		app.If(!p.loading && p.err == "" && len(p.events) == 0, func() app.UI {
			return app.P().ID("ce-empty").Class("hint").Text("本卡尚无操作记录")
		}),
		app.Div().Class("table-wrap").Body(
			app.Table().ID("card-events").Class("grid").Body(
				app.THead().Body(app.Tr().Body(
					app.Th().Class("col-no").Text("序号"),
					app.Th().Text("时间"),
					app.Th().Text("操作"),
					app.Th().Text("操作人"),
					app.Th().Text("内容"),
					app.Th().Text("签名"),
				)),
				app.TBody().Body(
					app.Range(p.events).Slice(func(i int) app.UI {
						e := p.events[i]
						who := e.By
						if e.Role != "" {
							who += "（" + e.Role.Label() + "）"
						}
						signed := "—"
						if e.Signed {
							signed = "已签名"
						}
						return app.Tr().Class("card-event").DataSet("action", string(e.Action)).Body(
							app.Td().Class("col-no").Text(strconv.Itoa(e.Seq)),
							app.Td().Class("nowrap").Text(formatTime(e.At)),
							app.Td().Text(e.Action.Label()),
							app.Td().Text(who),
							app.Td().Text(e.Detail),
							app.Td().Text(signed),
						)
					}),
				),
			),
		),
	)
}

// ChangePINPage is 修改 PIN: the old PIN, the new one twice; the card
// bridge changes it on the card (change_pin), then the card signs, with
// the new PIN, the operation record of the change.
type ChangePINPage struct {
	app.Compo
	mounted
	pageStatus

	busy bool
}

func (p *ChangePINPage) OnMount(ctx app.Context) { p.keep(ctx) }

func (p *ChangePINPage) Render() app.UI {
	return app.Form().ID("change-pin").Class("pin-form").OnSubmit(p.submit).Body(
		app.P().Class("hint").Text("请将 IC 卡插入读卡器。PIN 为 6 至 16 位数字；原 PIN 输错会消耗一次尝试机会。"),
		app.Div().Class("form-grid").Body(
			app.Label().For("pin-old").Text("原 PIN"),
			secret(app.Input().ID("pin-old").Class("f-input k-req").Attr("autocomplete", "off").
				Attr("inputmode", "numeric").MaxLength(16)),
			app.Label().For("pin-new").Text("新 PIN"),
			secret(app.Input().ID("pin-new").Class("f-input k-req").Attr("autocomplete", "off").
				Attr("inputmode", "numeric").MaxLength(16)),
			app.Label().For("pin-new2").Text("确认新 PIN"),
			secret(app.Input().ID("pin-new2").Class("f-input k-req").Attr("autocomplete", "off").
				Attr("inputmode", "numeric").MaxLength(16)),
		),
		app.Div().Class("toolbar").Body(
			app.Button().ID("btn-change-pin").Type("submit").Class("btn btn-primary").Disabled(p.busy).Text("修改 PIN"),
		),
		p.renderStatus(nil),
	)
}

func (p *ChangePINPage) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.busy {
		return
	}
	old, nw, again := readPIN("pin-old"), readPIN("pin-new"), readPIN("pin-new2")
	msg := ""
	switch {
	case !bridgeclient.ValidPIN(old):
		msg = "原 PIN：应为 6 至 16 位数字"
	case !bridgeclient.ValidPIN(nw):
		msg = "新 PIN：应为 6 至 16 位数字"
	case string(nw) != string(again):
		msg = "确认新 PIN：与新 PIN 不一致"
	case string(nw) == string(old):
		msg = "新 PIN：不能与原 PIN 相同"
	}
	wipePIN(again)
	if msg != "" {
		wipePIN(old)
		wipePIN(nw)
		p.setStatus(msg, true)
		return
	}
	type outcome struct{ changed bool }
	busyDo(p.on(ctx), &p.busy, &p.pageStatus, "正在修改 PIN…", func() (outcome, error) {
		defer wipePIN(old)
		defer wipePIN(nw)
		bc, err := bridgeClient(bg())
		if err != nil {
			return outcome{}, err
		}
		if err := bc.ChangePIN(bg(), old, nw); err != nil {
			return outcome{}, err
		}
		// Changed on the card: record it, signed with the new PIN.
		card, err := client().MyCard(bg())
		if err != nil {
			return outcome{true}, err
		}
		d := model.SignedDigest(model.PINChangeCanonical(card.CardNumber, card.Version+1))
		sig, err := signWithCard(append([]byte(nil), nw...), d[:])
		if err != nil {
			return outcome{true}, err
		}
		return outcome{true}, client().PINChanged(bg(), model.PINChangedRequest{Version: card.Version,
			CardSignature: &model.CardSignature{Signature: sig.Signature, Certificate: sig.Certificate}})
	}, func(ctx app.Context, r outcome, err error) {
		switch {
		case err == nil:
			p.setStatus("PIN 修改成功，请牢记新 PIN", false)
		case r.changed:
			p.setStatus("IC 卡的 PIN 已修改，但操作记录未能保存："+cardError(ctx, err), true)
		default:
			p.setStatus("PIN 修改失败："+cardError(ctx, err), true)
		}
	})
}
