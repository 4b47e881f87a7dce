package ui

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/apiclient"
	"eportid/app/bridgeclient"
	"eportid/app/model"
)

// RegisterCardPage is "/register/card", 有卡注册 (R3): the holder of a
// legal-person card registers with the card. The PIN and the card's
// signature of a server nonce prove possession; the enterprise's identity
// (credit code) comes from the card's certificate, on the server.
type RegisterCardPage struct {
	app.Compo
	mounted

	card     cardStatus
	cardStop chan struct{}
	busy     bool
	result   string
	ok       bool
	errs     model.FieldErrors
}

func (p *RegisterCardPage) OnMount(ctx app.Context) {
	p.keep(ctx)
	if app.IsServer || p.cardStop != nil {
		return
	}
	loadKiosk(p.on(ctx))
	p.cardStop = make(chan struct{})
	p.card = cardStatus{checking: true}
	watchStatus(p.on(ctx), p.cardStop, func(ctx app.Context, st cardStatus) { p.card = st })
}

func (p *RegisterCardPage) OnDismount() {
	if p.cardStop != nil {
		close(p.cardStop)
		p.cardStop = nil
	}
}

func (p *RegisterCardPage) Render() app.UI {
	return app.Div().Class("page portal").Body(
		&NetBanner{},
		&PortalHeader{},
		app.Main().Class("card-page").Body(
			app.Div().Class("card").Body(
				app.H1().Class("card-title").Text("有卡注册"),
				app.If(p.ok, func() app.UI {
					return app.Div().Class("result-box ok").Body(
						app.P().ID("result").Class("result ok").Role("status").Text(p.result),
						app.A().ID("link-login").Href("/").Class("btn btn-primary").Text("返回登录"),
					)
				}).Else(p.renderForm),
			),
		),
	)
}

func (p *RegisterCardPage) renderForm() app.UI {
	ready := p.card.ready()
	legal := p.card.card != nil && model.CardKind(p.card.card.Kind) == model.CardLegalPerson
	return app.Form().Class("reg-form login-form").DataSet("form", "register-card").OnSubmit(p.submit).Body(
		app.P().Class("hint").Text("请将企业法人卡插入读卡器。企业的统一社会信用代码取自 IC 卡证书；首次使用本系统的企业将随之注册，IC 卡即绑定到该企业。"),
		p.card.render(),
		app.If(ready && !legal && p.card.card != nil, func() app.UI {
			return app.P().Class("note note-warn").Text("插入的是操作员卡：有卡注册须使用企业法人卡。")
		}),
		app.Label().For("reg-name_cn").Text("企业中文名称（IC 卡证书中没有企业名称时填写）"),
		app.Input().ID("reg-name_cn").Type("text").Class("f-input k-opt").MaxLength(100).
			Attr("autocomplete", "organization"),
		app.If(p.errs["name_cn"] != "", func() app.UI {
			return app.P().ID("err-name_cn").Class("field-error").Text(p.errs["name_cn"])
		}),
		app.Label().For("reg-pin").Text("IC 卡密码（PIN）"),
		secret(app.Input().ID("reg-pin").
			Class(classes("f-input", map[bool]string{true: "k-req", false: "k-sys"}[ready])).
			Attr("autocomplete", "off").Attr("inputmode", "numeric").MaxLength(16).Disabled(!ready || p.busy)),
		app.If(p.result != "", func() app.UI {
			return app.P().ID("result").Class("result error").Role("alert").Text(p.result)
		}),
		app.Button().ID("btn-register-card").Type("submit").Class("btn btn-primary btn-block").
			Disabled(!ready || !legal || p.busy).Text(map[bool]string{true: "正在注册…", false: "注册"}[p.busy]),
		app.Div().Class("login-links").Body(app.A().Href("/register").Text("返回选择注册方式")),
	)
}

func (p *RegisterCardPage) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.busy || !p.card.ready() {
		return
	}
	pin := readPIN("reg-pin")
	if !bridgeclient.ValidPIN(pin) {
		wipePIN(pin)
		p.result = "IC 卡密码应为 6 至 16 位数字"
		focusID("reg-pin")
		return
	}
	name := ""
	if el := app.Window().GetElementByID("reg-name_cn"); el.Truthy() {
		name = strings.TrimSpace(el.Get("value").String())
	}
	p.busy, p.result, p.errs = true, "", nil
	ac := p.on(ctx)
	ac.Async(func() {
		acc, err := cardRegister(pin, name)
		ac.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				p.result = cardError(ctx, err)
				if fe := apiclient.FieldErrors(err); len(fe) > 0 {
					p.errs = fe
				}
				return
			}
			p.ok, p.result = true, acc.Message
			preferCard = true
		})
	})
}

// cardRegister runs 有卡注册 with pin (wiped); call it from ctx.Async.
func cardRegister(pin []byte, name string) (model.Accepted, error) {
	defer wipePIN(pin)
	bc, err := bridgeClient(bg())
	if err != nil {
		return model.Accepted{}, err
	}
	b, err := client().CardLoginBegin(bg())
	if err != nil {
		return model.Accepted{}, err
	}
	nonce, err := decodeNonce(b.Nonce)
	if err != nil {
		return model.Accepted{}, err
	}
	ctx, cancel := cardCall()
	defer cancel()
	r, err := bc.SignLogin(ctx, pin, nonce)
	if err != nil {
		return model.Accepted{}, err
	}
	return client().CardRegister(bg(), model.CardRegistrationRequest{
		CardLoginProof: model.CardLoginProof{Attempt: b.Attempt, Nonce: b.Nonce, Certificate: r.Certificate, Signature: r.Signature},
		NameCN:         name,
	})
}
