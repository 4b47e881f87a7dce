package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/apiclient"
	"eportid/app/model"
)

// RegisterNoCardPage is "/register/nocard" (R2): step 1 企业基本信息, 【下一步】,
// step 2 管理员帐号信息, 【上一步】 / 【注册】.
type RegisterNoCardPage struct {
	app.Compo
	mounted

	step     int
	ent      map[string]string
	adm      map[string]string
	errs     model.FieldErrors // step 2 keys are prefixed "admin."
	tried1   bool              // 【下一步】 was pressed: empty required fields are errors now
	tried2   bool
	busy     bool
	result   string
	resultOK bool

	provinces []model.Option
	cities    []model.Option
	citiesOf  string
	loading   map[string]bool
}

func (p *RegisterNoCardPage) init() {
	if p.step == 0 {
		p.step = 1
		p.ent = map[string]string{}
		p.adm = map[string]string{}
		p.errs = model.FieldErrors{}
		p.loading = map[string]bool{}
	}
}

func (p *RegisterNoCardPage) OnMount(ctx app.Context) {
	p.keep(ctx)
	p.init()
	if app.IsServer {
		return
	}
	p.loading["province"] = true
	ac := p.on(ctx)
	ac.Async(func() {
		l, err := refProvinces(ctx)
		ac.Dispatch(func(ctx app.Context) {
			p.loading["province"] = false
			if msg, _ := handleErr(ctx, err); msg != "" {
				p.result, p.resultOK = "省份列表加载失败："+msg, false
				return
			}
			p.provinces = l
		})
	})
}

func (p *RegisterNoCardPage) Render() app.UI {
	p.init()
	return app.Div().Class("page portal").Body(
		&NetBanner{},
		&PortalHeader{},
		app.Main().Class("card-page").Body(
			app.Div().Class("card card-wide").Body(
				app.H1().Class("card-title").Text("无卡用户注册"),
				app.Ol().Class("steps").Body(
					app.Li().Class(classes("step", activeIf(p.step == 1), doneIf(p.step > 1))).Body(
						app.Span().Class("step-no").Text("1"), app.Text("企业基本信息")),
					app.Li().Class(classes("step", activeIf(p.step == 2))).Body(
						app.Span().Class("step-no").Text("2"), app.Text("管理员帐号信息")),
				),
				app.If(p.resultOK, p.renderDone).Else(p.renderForm),
			),
		),
	)
}

func doneIf(b bool) string {
	if b {
		return "done"
	}
	return ""
}

func (p *RegisterNoCardPage) renderDone() app.UI {
	return app.Div().Class("result-box ok").Body(
		app.P().ID("result").Class("result ok").Role("status").Text(p.result),
		app.A().ID("link-login").Href("/").Class("btn btn-primary").Text("返回登录"),
	)
}

func (p *RegisterNoCardPage) renderForm() app.UI {
	var fields []app.UI
	if p.step == 1 {
		for _, f := range model.RegistrationEnterpriseForm {
			fields = append(fields, &FieldInput{
				Spec:     f,
				Value:    p.ent[f.Key],
				Err:      p.errs[f.Key],
				Options:  p.options(f),
				Loading:  p.loading[f.Key],
				OnInput:  p.onEnt,
				OnCommit: p.commitEnt,
			})
		}
	} else {
		for _, f := range model.RegistrationAdminForm {
			ac := ""
			switch f.Key {
			case "username":
				ac = "username"
			case "password", "password_confirm":
				ac = "new-password"
			case "email":
				ac = "email"
			case "mobile":
				ac = "tel"
			}
			fields = append(fields, &FieldInput{
				Spec:         f,
				Value:        p.adm[f.Key],
				Err:          p.errs["admin."+f.Key],
				AutoComplete: ac,
				OnInput:      p.onAdm,
				OnCommit:     p.commitAdm,
			})
		}
	}
	title := "企业基本信息"
	if p.step == 2 {
		title = "管理员帐号信息"
	}
	return app.Form().Class("reg-form").DataSet("form", "register").OnSubmit(p.onSubmit).Body(
		app.H2().Class("section-title").Text(title),
		app.P().Class("hint").Body(
			app.Span().Class("star").Text("*"),
			app.Text(" 为必填项。黄色底色为必填项，白色底色为选填项；按 Tab 或回车键跳至下一项。"),
		),
		app.If(p.step == 2, func() app.UI {
			return app.P().Class("hint").Text("无卡用户仅可注册管理员。密码至少 8 个字符。注册后请查收电子邮件，按邮件中的链接激活帐号。")
		}),
		app.Div().Class("fields").Body(fields...),
		app.If(p.result != "", func() app.UI {
			return app.P().ID("result").Class("result error").Role("alert").Text(p.result)
		}),
		app.Div().Class("form-actions").Body(
			app.If(p.step == 1, func() app.UI {
				return app.Button().ID("btn-next").Type("submit").Class("btn btn-primary").DataSet("default", "1").Text("下一步")
			}).Else(func() app.UI {
				return app.Div().Class("btn-row").Body(
					app.Button().ID("btn-prev").Type("button").Class("btn").Text("上一步").OnClick(p.prev),
					app.Button().ID("btn-register").Type("submit").Class("btn btn-primary").DataSet("default", "1").
						Disabled(p.busy).Text(map[bool]string{true: "正在提交…", false: "注册"}[p.busy]),
				)
			}),
		),
	)
}

func (p *RegisterNoCardPage) options(f model.Field) []model.Option {
	switch f.Options {
	case model.OptionsProvinces:
		return p.provinces
	case model.OptionsCities:
		return p.cities
	}
	return model.StaticOptions(f.Options)
}

func (p *RegisterNoCardPage) onEnt(ctx app.Context, key, v string) {
	p.ent[key] = v
	if key == "province" {
		if c := p.ent["city"]; c != "" && (len(v) < 2 || c[:2] != v[:2]) {
			p.ent["city"] = ""
		}
		p.loadCities(ctx)
	}
}

func (p *RegisterNoCardPage) onAdm(ctx app.Context, key, v string) { p.adm[key] = v }

func (p *RegisterNoCardPage) loadCities(ctx app.Context) {
	prov := p.ent["province"]
	if prov == p.citiesOf {
		return
	}
	p.citiesOf, p.cities = prov, nil
	if prov == "" {
		return
	}
	p.loading["city"] = true
	ac := p.on(ctx)
	ac.Async(func() {
		l, err := refCities(ctx, prov)
		ac.Dispatch(func(ctx app.Context) {
			if p.citiesOf != prov {
				return
			}
			p.loading["city"] = false
			if msg, _ := handleErr(ctx, err); msg != "" {
				p.errs["city"] = "所在城市：列表加载失败，" + msg
				return
			}
			p.cities = l
		})
	})
}

func (p *RegisterNoCardPage) entErrors() (model.RegistrationEnterprise, model.FieldErrors) {
	var e model.RegistrationEnterprise
	model.SetValues(&e, p.ent)
	errs := e.Validate()
	return e, errs
}

func (p *RegisterNoCardPage) admErrors() (model.RegistrationAdmin, model.FieldErrors) {
	var a model.RegistrationAdmin
	model.SetValues(&a, p.adm)
	errs := a.Validate()
	return a, errs
}

// commitEnt checks one field of step 1 when it is left: its format always,
// its presence only after 【下一步】 was tried.
func (p *RegisterNoCardPage) commitEnt(ctx app.Context, key, v string) {
	p.ent[key] = v
	_, errs := p.entErrors()
	setFieldErr(p.errs, key, errs[key], v == "" && !p.tried1)
}

func (p *RegisterNoCardPage) commitAdm(ctx app.Context, key, v string) {
	p.adm[key] = v
	_, errs := p.admErrors()
	setFieldErr(p.errs, "admin."+key, errs[key], v == "" && !p.tried2)
	if key == "password" && p.adm["password_confirm"] != "" {
		setFieldErr(p.errs, "admin.password_confirm", errs["password_confirm"], false)
	}
}

// setFieldErr sets or clears the message of errKey; a message for an empty
// field is not shown when quiet.
func setFieldErr(errs model.FieldErrors, errKey, msg string, quiet bool) {
	if msg == "" || quiet {
		delete(errs, errKey)
		return
	}
	errs[errKey] = msg
}

func (p *RegisterNoCardPage) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.step == 1 {
		p.next(ctx)
		return
	}
	p.register(ctx)
}

func (p *RegisterNoCardPage) next(ctx app.Context) {
	p.tried1 = true
	ent, errs := p.entErrors()
	p.ent = model.Values(&ent)
	p.result = ""
	for k := range p.errs {
		if !isAdminKey(k) {
			delete(p.errs, k)
		}
	}
	if len(errs) > 0 {
		for k, v := range errs {
			p.errs[k] = v
		}
		focusFirstError(ctx, model.RegistrationEnterpriseForm, errs, "")
		return
	}
	p.step = 2
	ctx.Defer(func(app.Context) { focusID("f-username") })
}

func isAdminKey(k string) bool { return len(k) > 6 && k[:6] == "admin." }

func (p *RegisterNoCardPage) prev(ctx app.Context, e app.Event) {
	p.step = 1
	p.result = ""
	ctx.Defer(func(app.Context) { focusID("f-name_cn") })
}

func (p *RegisterNoCardPage) register(ctx app.Context) {
	if p.busy {
		return
	}
	p.tried2 = true
	p.result = ""
	ent, errs1 := p.entErrors()
	adm, errs2 := p.admErrors()
	for k := range p.errs {
		if isAdminKey(k) {
			delete(p.errs, k)
		}
	}
	for k, v := range errs2 {
		p.errs["admin."+k] = v
	}
	if len(errs1) > 0 {
		// Step 1 was changed since 【下一步】: go back to it.
		for k, v := range errs1 {
			p.errs[k] = v
		}
		p.step = 1
		focusFirstError(ctx, model.RegistrationEnterpriseForm, errs1, "")
		return
	}
	if len(errs2) > 0 {
		focusFirstError(ctx, model.RegistrationAdminForm, errs2, "")
		return
	}
	p.busy = true
	req := model.RegistrationRequest{Enterprise: ent, Admin: adm}
	ac := p.on(ctx)
	ac.Async(func() {
		acc, err := client().Register(bg(), req)
		ac.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err == nil {
				setOffline(ctx, false)
				p.result, p.resultOK = acc.Message, true
				if p.result == "" {
					p.result = "注册申请已提交，请查收电子邮件并按邮件中的链接激活帐号。"
				}
				return
			}
			msg, _ := handleErr(ctx, err)
			p.result = msg
			if fe := apiclient.FieldErrors(err); len(fe) > 0 {
				back := false
				for k, v := range fe {
					p.errs[k] = v
					if !isAdminKey(k) {
						back = true
					}
				}
				if back {
					p.step = 1
				}
			}
		})
	})
}

// focusFirstError focuses, after the update, the first field of form (in
// screen order) that has a message in errs.
func focusFirstError(ctx app.Context, form model.Form, errs model.FieldErrors, prefix string) {
	for _, f := range form {
		if _, ok := errs[prefix+f.Key]; ok {
			id := "f-" + f.Key
			ctx.Defer(func(app.Context) { focusID(id) })
			return
		}
	}
}
