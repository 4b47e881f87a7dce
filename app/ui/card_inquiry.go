package ui

import (
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/apiclient"
	"eportid/app/model"
)

// CardInquiryPage is IC 卡综合查询 (L10): every card of the enterprise with
// conditions; a card number opens all its operation records, with who,
// when and the signature.
type CardInquiryPage struct {
	app.Compo
	mounted

	loading bool
	loadErr string
	cards   []model.ManagedCard
	qNumber string
	qHolder string
	qKind   string
	qState  string
	sel     string
	events  []model.CardEvent
	evErr   string
}

func (p *CardInquiryPage) OnMount(ctx app.Context) {
	p.keep(ctx)
	if app.IsServer {
		return
	}
	p.query(ctx)
}

func (p *CardInquiryPage) query(ctx app.Context) {
	p.loading, p.loadErr = true, ""
	q := apiclient.CardQuery{CardNumber: p.qNumber, Holder: p.qHolder, State: p.qState, Kind: model.CardKind(p.qKind)}
	ac := p.on(ctx)
	ac.Async(func() {
		cards, err := client().Cards(bg(), q)
		ac.Dispatch(func(ctx app.Context) {
			p.loading = false
			if msg, left := handleErr(ctx, err); left {
				return
			} else if msg != "" {
				p.loadErr = "IC 卡加载失败：" + msg
				return
			}
			p.cards = cards
		})
	})
}

func (p *CardInquiryPage) onQuery(ctx app.Context, e app.Event) {
	e.PreventDefault()
	p.qNumber, p.qHolder = inputValue("ci-q-number"), inputValue("ci-q-holder")
	p.qKind, p.qState = inputValue("ci-q-kind"), inputValue("ci-q-state")
	p.query(ctx)
}

func (p *CardInquiryPage) onReset(ctx app.Context, e app.Event) {
	p.qNumber, p.qHolder, p.qKind, p.qState = "", "", "", ""
	resetInputs("ci-q-number", "ci-q-holder", "ci-q-kind", "ci-q-state")
	p.query(ctx)
}

func (p *CardInquiryPage) onOpen(ctx app.Context, e app.Event) {
	number := ctx.JSSrc().Get("dataset").Get("card").String()
	p.sel, p.events, p.evErr = number, nil, ""
	ac := p.on(ctx)
	ac.Async(func() {
		evs, err := client().CardEvents(bg(), number)
		ac.Dispatch(func(ctx app.Context) {
			if msg, left := handleErr(ctx, err); left {
				return
			} else if msg != "" {
				p.evErr = "操作记录加载失败：" + msg
				return
			}
			p.events = evs
		})
	})
}

func (p *CardInquiryPage) Render() app.UI {
	return app.Div().Class("card-inquiry").Body(
		app.Form().ID("ci-query").Class("query-form").OnSubmit(p.onQuery).Body(
			app.Div().Class("form-grid").Body(append(cardTextConds("ci", p.qNumber, p.qHolder),
				app.Label().For("ci-q-kind").Text("卡类型"),
				app.Select().ID("ci-q-kind").Class("f-input").Body(
					app.Option().Value(anyValue).Selected(p.qKind == "").Text("全部"),
					app.Option().Value(string(model.CardLegalPerson)).Selected(p.qKind == string(model.CardLegalPerson)).Text(model.CardLegalPerson.Label()),
					app.Option().Value(string(model.CardOperator)).Selected(p.qKind == string(model.CardOperator)).Text(model.CardOperator.Label()),
				),
				app.Label().For("ci-q-state").Text("卡状态"),
				cardStateSelect("ci-q-state", p.qState),
			)...),
			cardQueryButtons("ci", p.onReset),
		),
		cardListStatus("ci", p.loading, p.loadErr, len(p.cards)),
		app.If(len(p.cards) > 0, func() app.UI {
			return app.Div().Class("table-wrap").Body(app.Table().ID("ci-list").Class("grid").Body(
				app.THead().Body(app.Tr().Body(
					app.Th().Text("IC 卡号"), app.Th().Text("卡类型"), app.Th().Text("持卡人"), app.Th().Text("卡状态"),
					app.Th().Text("证书序列号"), app.Th().Text("有效期至"),
				)),
				app.TBody().Body(app.Range(p.cards).Slice(func(i int) app.UI {
					c := p.cards[i]
					return app.Tr().DataSet("card", c.CardNumber).Body(
						app.Td().Body(app.Button().Type("button").Class("link ci-open").DataSet("card", c.CardNumber).
							Text(c.CardNumber).OnClick(p.onOpen)),
						app.Td().Text(c.KindLabel), app.Td().Text(c.HolderName), app.Td().Class("ci-state").Text(c.StateLabel),
						app.Td().Class("mono").Text(c.Serial), app.Td().Text(c.NotAfter.Local().Format("2006-01-02")),
					)
				})),
			))
		}),
		app.If(p.sel != "", func() app.UI { return p.renderEvents() }),
	)
}

func (p *CardInquiryPage) renderEvents() app.UI {
	return app.Div().ID("ci-events-box").Body(
		app.H2().Class("section-title").Text("IC 卡 "+p.sel+" 的操作记录"),
		app.If(p.evErr != "", func() app.UI { return app.P().Class("result error").Text(p.evErr) }),
		app.If(p.evErr == "" && len(p.events) == 0, func() app.UI { return app.P().ID("ci-no-events").Class("hint").Text("该卡尚无操作记录") }),
		app.If(len(p.events) > 0, func() app.UI {
			return app.Div().Class("table-wrap").Body(app.Table().ID("ci-events").Class("grid").Body(
				app.THead().Body(app.Tr().Body(
					app.Th().Class("col-no").Text("序号"), app.Th().Text("时间"), app.Th().Text("操作"), app.Th().Text("操作人"),
					app.Th().Text("内容"), app.Th().Text("签名"),
				)),
				app.TBody().Body(app.Range(p.events).Slice(func(i int) app.UI {
					e := p.events[i]
					who := e.By
					if e.Role != "" {
						who += "（" + e.Role.Label() + "）"
					}
					sig := "—"
					if e.Signature != "" {
						sig = e.Signature
						if len(sig) > 24 {
							sig = sig[:24] + "…"
						}
					}
					return app.Tr().Class("card-event").DataSet("action", string(e.Action)).Body(
						app.Td().Class("col-no").Text(strconv.Itoa(e.Seq)),
						app.Td().Class("nowrap").Text(formatTime(e.At)),
						app.Td().Class("ce-action").Text(e.Action.Label()),
						app.Td().Class("ce-by").Text(who),
						app.Td().Text(e.Detail),
						app.Td().Class("mono ce-sig").Title(e.Signature).Text(sig),
					)
				})),
			))
		}),
	)
}
