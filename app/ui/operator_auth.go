package ui

import (
	"slices"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/model"
)

// OperatorAuthPage is 操作员卡授权 (经法人卡授权登记), the legal-person card
// holder's: pick an operator card of the enterprise, tick the filing
// kinds it may declare, 保存 — signed with the legal-person card after the
// PIN dialog. Unticking every kind revokes the card's authorisation.
type OperatorAuthPage struct {
	app.Compo
	mounted
	pageStatus

	loading bool
	busy    bool
	loadErr string
	cards   []model.OperatorCard
	sel     string             // the card number picked
	kinds   []model.FilingKind // the kinds ticked
	pinOpen bool
	pinErr  string
}

func (p *OperatorAuthPage) OnMount(ctx app.Context) {
	p.keep(ctx)
	if app.IsServer {
		return
	}
	p.load(ctx)
}

func (p *OperatorAuthPage) load(ctx app.Context) {
	p.loading, p.loadErr = true, ""
	ac := p.on(ctx)
	ac.Async(func() {
		cards, err := client().OperatorCards(bg())
		ac.Dispatch(func(ctx app.Context) {
			p.loading = false
			if msg, left := handleErr(ctx, err); left {
				return
			} else if msg != "" {
				p.loadErr = "操作员卡加载失败：" + msg
				return
			}
			p.cards = cards
			if p.card() == nil && len(cards) > 0 {
				p.pick(cards[0].CardNumber)
			}
		})
	})
}

func (p *OperatorAuthPage) card() *model.OperatorCard {
	for i := range p.cards {
		if p.cards[i].CardNumber == p.sel {
			return &p.cards[i]
		}
	}
	return nil
}

func (p *OperatorAuthPage) pick(number string) {
	p.sel = number
	p.kinds = nil
	if c := p.card(); c != nil {
		p.kinds = slices.Clone(c.Authorised)
	}
}

func (p *OperatorAuthPage) onCard(ctx app.Context, e app.Event) {
	p.pick(ctx.JSSrc().Get("value").String())
	p.setStatus("", false)
}

func (p *OperatorAuthPage) onKind(ctx app.Context, e app.Event) {
	k := model.FilingKind(ctx.JSSrc().Get("dataset").Get("kind").String())
	on := ctx.JSSrc().Get("checked").Bool()
	p.kinds = slices.DeleteFunc(p.kinds, func(x model.FilingKind) bool { return x == k })
	if on {
		p.kinds = append(p.kinds, k)
	}
	p.kinds = model.SortKinds(p.kinds)
}

func (p *OperatorAuthPage) Render() app.UI {
	cur := p.card()
	return app.Div().Class("operator-auth").Body(
		app.If(p.loading, func() app.UI { return app.P().Class("hint").Text("正在加载…") }),
		app.If(p.loadErr != "", func() app.UI { return app.P().Class("result error").Text(p.loadErr) }),
		app.If(!p.loading && p.loadErr == "" && len(p.cards) == 0, func() app.UI {
			return app.P().ID("oa-empty").Class("hint").Text("本企业尚无操作员卡")
		}),
		app.If(len(p.cards) > 0, func() app.UI {
			kinds := model.AuthorisableKinds()
			return app.Form().ID("oa-form").OnSubmit(p.save).Body(
				app.Div().Class("form-grid").Body(
					app.Label().For("oa-card").Text("操作员卡"),
					app.Select().ID("oa-card").Class("f-input k-req").OnChange(p.onCard).Body(
						app.Range(p.cards).Slice(func(i int) app.UI {
							c := p.cards[i]
							return app.Option().Value(c.CardNumber).Selected(c.CardNumber == p.sel).
								Text(c.CardNumber + "（" + c.HolderName + "，" + c.StateLabel + "）")
						}),
					),
				),
				app.FieldSet().ID("oa-kinds").Class("kind-boxes").Body(
					app.Legend().Text("授权办理的业务"),
					app.Range(kinds).Slice(func(i int) app.UI {
						k := kinds[i]
						id := "oa-kind-" + string(k)
						return app.Label().For(id).Class("check").Body(
							app.Input().ID(id).Type("checkbox").DataSet("kind", string(k)).
								Checked(slices.Contains(p.kinds, k)).OnChange(p.onKind),
							app.Text(k.FilingLabel()),
						)
					}),
				),
				app.Div().Class("toolbar").Body(
					app.Button().ID("btn-oa-save").Type("submit").Class("btn btn-primary").Disabled(p.busy || cur == nil).Text("保存"),
				),
				p.renderStatus(nil),
			)
		}),
		app.If(len(p.cards) > 0, func() app.UI {
			return app.Div().Class("table-wrap").Body(app.Table().ID("oa-list").Class("grid").Body(
				app.THead().Body(app.Tr().Body(
					app.Th().Text("IC 卡号"), app.Th().Text("持卡人"), app.Th().Text("卡状态"), app.Th().Text("已授权业务"),
				)),
				app.TBody().Body(app.Range(p.cards).Slice(func(i int) app.UI {
					c := p.cards[i]
					auth := "未授权"
					if len(c.Authorised) > 0 {
						auth = model.KindLabels(c.Authorised)
					}
					return app.Tr().DataSet("card", c.CardNumber).Body(
						app.Td().Text(c.CardNumber), app.Td().Text(c.HolderName), app.Td().Text(c.StateLabel),
						app.Td().Class("oa-authorised").Text(auth),
					)
				})),
			))
		}),
		&PINDialog{
			Open: p.pinOpen, Title: "IC 卡签名", Err: p.pinErr, OK: "签名并保存",
			Message:  "授权内容将用企业法人卡签名后保存。请输入 IC 卡密码：",
			OnOK:     p.signed,
			OnCancel: func(ctx app.Context) { p.pinOpen = false; p.setStatus("已取消保存", false) },
		},
	)
}

func (p *OperatorAuthPage) save(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.busy || p.card() == nil {
		return
	}
	p.pinOpen, p.pinErr = true, ""
	ctx.Defer(func(app.Context) { focusID("pin-input") })
}

func (p *OperatorAuthPage) signed(ctx app.Context, pin []byte) {
	p.pinOpen = false
	c := *p.card()
	kinds := model.SortKinds(p.kinds)
	busyDo(p.on(ctx), &p.busy, &p.pageStatus, "正在保存…", func() (model.OperatorCard, error) {
		d := model.SignedDigest(model.CardAuthorisationCanonical(c.CardNumber, c.Version+1, kinds))
		sig, err := signWithCard(pin, d[:])
		if err != nil {
			return model.OperatorCard{}, err
		}
		return client().SetAuthorisations(bg(), c.CardNumber, model.CardAuthorisationRequest{Version: c.Version, Kinds: kinds,
			CardSignature: &model.CardSignature{Signature: sig.Signature, Certificate: sig.Certificate}})
	}, func(ctx app.Context, r model.OperatorCard, err error) {
		if err != nil {
			p.setStatus("保存失败："+cardError(ctx, err), true)
			return
		}
		for i := range p.cards {
			if p.cards[i].CardNumber == r.CardNumber {
				p.cards[i] = r
			}
		}
		p.pick(r.CardNumber)
		p.setStatus("保存成功，已用企业法人卡签名", false)
	})
}
