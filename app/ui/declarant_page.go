package ui

import (
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/bridgeclient"
	"eportid/app/model"
)

// DeclarantBindingPage is 报关人员绑定/解绑 (L11, menu key
// "declarant-binding"), for the legal-person card holder: customs'
// declarants of the enterprise and its operator cards; choose one of each
// and 【绑定】, or 【解绑】 a card's declarant; each signed with the card
// (PIN dialog) and kept in the operation records below.
type DeclarantBindingPage struct {
	app.Compo
	pageStatus
	confirming
	pinSigning
	mounted

	loaded  bool
	busy    bool
	ov      model.DeclarantOverview
	log     []model.BindingEvent
	card    string // the chosen operator card
	decl    string // the chosen declarant
	loadErr string
}

func init() {
	menuGroups = append(menuGroups, menuGroup{Name: "报关人员", Icon: "user"})
	menuEntries = append(menuEntries, menuEntry{Key: "declarant-binding", Label: "报关人员绑定/解绑", Icon: "user",
		Group: "报关人员", Roles: []model.Role{model.RoleLegalCard}})
}

func (p *DeclarantBindingPage) OnMount(ctx app.Context) {
	p.keep(ctx)
	p.reload(ctx)
}

// reload reads the page's lists again (through the mount context: the
// element that asked may be gone, as the PIN dialog's button is).
func (p *DeclarantBindingPage) reload(ctx app.Context) {
	ctx = p.on(ctx)
	ctx.Async(func() {
		ov, err := client().Declarants(bg())
		var log []model.BindingEvent
		if err == nil {
			log, err = client().BindingLog(bg(), "")
		}
		ctx.Dispatch(func(ctx app.Context) {
			if msg, left := handleErr(ctx, err); err != nil {
				if !left {
					p.loadErr = "加载失败：" + msg
				}
				return
			}
			p.loaded, p.loadErr, p.ov, p.log = true, "", ov, log
		})
	})
}

func (p *DeclarantBindingPage) onReload(ctx app.Context, e app.Event) {
	p.conflict = false
	p.setStatus("", false)
	p.reload(ctx)
}

func (p *DeclarantBindingPage) chosenCard() *model.OperatorCardBinding {
	for i := range p.ov.Cards {
		if p.ov.Cards[i].CardNumber == p.card {
			return &p.ov.Cards[i]
		}
	}
	return nil
}

func (p *DeclarantBindingPage) chosenDeclarant() *model.Declarant {
	for i := range p.ov.Declarants {
		if p.ov.Declarants[i].DeclarantNo == p.decl {
			return &p.ov.Declarants[i]
		}
	}
	return nil
}

func (p *DeclarantBindingPage) onBind(ctx app.Context, e app.Event) {
	c, d := p.chosenCard(), p.chosenDeclarant()
	if c == nil || d == nil {
		p.setStatus("请先选择一个报关人员和一张操作员卡", true)
		return
	}
	card, decl, version := c.CardNumber, *d, p.ov.Version+1
	p.ask(ctx, "绑定确认", "将报关人员 "+decl.Name+"（"+decl.DeclarantNo+"）绑定到操作员卡 "+card+"，确定绑定吗？", "绑定", false,
		func(ctx app.Context) {
			p.askPIN(ctx, func(ctx app.Context, pin []byte) {
				p.sign(ctx, "绑定", pin, model.BindingCanonical(p.ov.EnterpriseID, version, model.BindingBind, card, decl),
					func(sig *model.CardSignature) (model.DeclarantOverview, error) {
						return client().BindDeclarant(bg(), model.BindRequest{CardNumber: card, DeclarantNo: decl.DeclarantNo, Version: version, CardSignature: sig})
					})
			})
		})
}

func (p *DeclarantBindingPage) onUnbind(ctx app.Context, e app.Event) {
	card := ctx.JSSrc().Get("dataset").Get("card").String()
	p.card = card
	c := p.chosenCard()
	if c == nil || c.Declarant == nil {
		return
	}
	decl, version := *c.Declarant, p.ov.Version+1
	p.ask(ctx, "解绑确认", "解除操作员卡 "+card+" 与报关人员 "+decl.Name+"（"+decl.DeclarantNo+"）的绑定，确定解绑吗？", "解绑", true,
		func(ctx app.Context) {
			p.askPIN(ctx, func(ctx app.Context, pin []byte) {
				p.sign(ctx, "解绑", pin, model.BindingCanonical(p.ov.EnterpriseID, version, model.BindingUnbind, card, decl),
					func(sig *model.CardSignature) (model.DeclarantOverview, error) {
						return client().UnbindDeclarant(bg(), model.UnbindRequest{CardNumber: card, Version: version, CardSignature: sig})
					})
			})
		})
}

// askPIN opens the PIN dialog; then runs with the PIN given.
func (p *DeclarantBindingPage) askPIN(ctx app.Context, then func(ctx app.Context, pin []byte)) {
	p.pinThen, p.pinErr, p.pinOpen = then, "", true
	ctx.Defer(func(app.Context) { focusID("pin-input") })
}

// sign has the card sign canonical and sends the signature with send.
func (p *DeclarantBindingPage) sign(ctx app.Context, what string, pin []byte, canonical []byte,
	send func(sig *model.CardSignature) (model.DeclarantOverview, error)) {
	cardFailed := false
	busyDo(p.on(ctx), &p.busy, &p.pageStatus, "正在用 IC 卡签名…", func() (model.DeclarantOverview, error) {
		d := model.SignedDigest(canonical)
		r, err := signWithCard(pin, d[:])
		if err != nil {
			cardFailed = true
			return model.DeclarantOverview{}, err
		}
		return send(&model.CardSignature{Signature: r.Signature, Certificate: r.Certificate})
	}, func(ctx app.Context, ov model.DeclarantOverview, err error) {
		if err != nil {
			if cardFailed {
				p.setStatus(what+"失败："+bridgeclient.Message(err), true)
				return
			}
			p.failed(ctx, what, err, nil, model.FieldErrors{}, model.ErrConflict)
			return
		}
		p.ov, p.decl = ov, ""
		p.setStatus(what+"成功", false)
		p.reload(ctx)
	})
}

func (p *DeclarantBindingPage) Render() app.UI {
	if !p.loaded {
		return app.Div().Class("declarant-page").Body(
			app.If(p.loadErr == "", func() app.UI { return app.P().Class("hint").Text("正在加载…") }),
			app.If(p.loadErr != "", func() app.UI {
				return app.Div().Class("result error").Body(app.Text(p.loadErr+" "),
					app.Button().Type("button").Class("link").Text("重试").OnClick(p.onReload))
			}),
		)
	}
	c, d := p.chosenCard(), p.chosenDeclarant()
	canBind := !p.busy && c != nil && d != nil && c.Declarant == nil
	return app.Div().Class("declarant-page").Body(
		app.Div().Class("toolbar").Body(
			app.Button().ID("btn-bind").Type("button").Class("btn primary").Disabled(!canBind).Text("绑定").OnClick(p.onBind),
			p.renderStatus(p.onReload),
		),
		app.If(p.ov.RegistryMessage != "", func() app.UI {
			return app.Div().ID("registry-note").Class("result error").Text(p.ov.RegistryMessage)
		}),
		app.H2().Class("section-title").Text("本企业报关人员（海关登记）"),
		p.renderDeclarants(),
		app.H2().Class("section-title").Text("本企业操作员卡"),
		p.renderCards(),
		app.H2().Class("section-title").Text("操作记录"),
		p.renderLog(),
		app.P().Class("hint").Text("报关人员须为操作员卡持卡人本人（姓名、证件号码一致）且属于本企业；一张操作员卡只能绑定一个报关人员，一个报关人员只能绑定一张操作员卡。绑定和解绑须使用法人卡签名。"),
		p.renderConfirm(),
		&PINDialog{
			Open: p.pinOpen, Title: "IC 卡签名", Message: "报关人员绑定信息将用 IC 卡签名后提交。请输入 IC 卡密码：", Err: p.pinErr,
			OnOK: p.onPIN,
			OnCancel: func(ctx app.Context) {
				p.pinOpen = false
				p.setStatus("已取消", false)
			},
		},
	)
}

func (p *DeclarantBindingPage) renderDeclarants() app.UI {
	rows := p.ov.Declarants
	return app.Div().Class("table-wrap").Body(
		app.Table().ID("declarant-list").Class("grid").Body(
			app.THead().Body(app.Tr().Body(
				app.Th().Class("col-no").Text("选择"),
				app.Th().Text("报关人员编号"), app.Th().Text("姓名"), app.Th().Text("证件号码"), app.Th().Text("状态"),
			)),
			app.TBody().Body(
				app.Range(rows).Slice(func(i int) app.UI {
					d := rows[i]
					return app.Tr().DataSet("declarant", d.DeclarantNo).Body(
						app.Td().Class("col-no").Body(app.Input().Type("radio").Name("declarant").ID("decl-"+d.DeclarantNo).
							Value(d.DeclarantNo).Checked(p.decl == d.DeclarantNo).Aria("label", "选择报关人员 "+d.Name).
							OnChange(func(ctx app.Context, e app.Event) { p.decl = d.DeclarantNo })),
						app.Td().Text(d.DeclarantNo), app.Td().Text(d.Name), app.Td().Text(maskID(d.IDNumber)), app.Td().Text(d.State.Label()),
					)
				}),
				app.If(len(rows) == 0, func() app.UI {
					return app.Tr().Body(app.Td().ColSpan(5).Class("empty").Text("没有本企业的报关人员信息"))
				}),
			),
		),
	)
}

func (p *DeclarantBindingPage) renderCards() app.UI {
	rows := p.ov.Cards
	return app.Div().Class("table-wrap").Body(
		app.Table().ID("card-list").Class("grid").Body(
			app.THead().Body(app.Tr().Body(
				app.Th().Class("col-no").Text("选择"),
				app.Th().Text("卡号"), app.Th().Text("持卡人"), app.Th().Text("卡状态"), app.Th().Text("绑定的报关人员"), app.Th().Text("操作"),
			)),
			app.TBody().Body(
				app.Range(rows).Slice(func(i int) app.UI {
					c := rows[i]
					bound := ""
					if c.Declarant != nil {
						bound = c.Declarant.Name + "（" + c.Declarant.DeclarantNo + "）"
					}
					return app.Tr().DataSet("card", c.CardNumber).Body(
						app.Td().Class("col-no").Body(app.Input().Type("radio").Name("opcard").ID("card-"+c.CardNumber).
							Value(c.CardNumber).Checked(p.card == c.CardNumber).Aria("label", "选择操作员卡 "+c.CardNumber).
							OnChange(func(ctx app.Context, e app.Event) { p.card = c.CardNumber })),
						app.Td().Text(c.CardNumber), app.Td().Text(c.HolderName), app.Td().Text(c.StateLabel),
						app.Td().Class("bound").Text(bound),
						app.Td().Body(app.If(c.Declarant != nil, func() app.UI {
							return app.Button().Type("button").Class("btn small").DataSet("card", c.CardNumber).
								ID("btn-unbind-" + c.CardNumber).Disabled(p.busy).Text("解绑").OnClick(p.onUnbind)
						})),
					)
				}),
				app.If(len(rows) == 0, func() app.UI {
					return app.Tr().Body(app.Td().ColSpan(6).Class("empty").Text("本企业还没有操作员卡"))
				}),
			),
		),
	)
}

func (p *DeclarantBindingPage) renderLog() app.UI {
	rows := p.log
	return app.Div().Class("table-wrap").Body(
		app.Table().ID("binding-log").Class("grid").Body(
			app.THead().Body(app.Tr().Body(
				app.Th().Class("col-no").Text("序号"), app.Th().Text("时间"), app.Th().Text("操作"), app.Th().Text("操作员卡"),
				app.Th().Text("报关人员"), app.Th().Text("操作人"), app.Th().Text("签名"),
			)),
			app.TBody().Body(
				app.Range(rows).Slice(func(i int) app.UI {
					e := rows[i]
					signed := "签名无效"
					if e.Signed {
						signed = "已签名（法人卡 " + e.SignerCard + "）"
					}
					return app.Tr().Class("log-row").DataSet("action", e.Action).DataSet("card", e.CardNumber).Body(
						app.Td().Class("col-no").Text(strconv.Itoa(i+1)),
						app.Td().Class("nowrap").Text(e.At.Local().Format("2006-01-02 15:04:05")),
						app.Td().Text(model.BindingActionLabel(e.Action)),
						app.Td().Text(e.CardNumber),
						app.Td().Text(e.DeclarantName+"（"+e.DeclarantNo+"）"),
						app.Td().Text(e.UserName),
						app.Td().Text(signed),
					)
				}),
				app.If(len(rows) == 0, func() app.UI {
					return app.Tr().Body(app.Td().ColSpan(7).Class("empty").Text("还没有绑定或解绑记录"))
				}),
			),
		),
	)
}

// maskID shows an ID number with its middle hidden.
func maskID(s string) string {
	if len(s) < 10 {
		return s
	}
	return s[:6] + "********" + s[len(s)-4:]
}
