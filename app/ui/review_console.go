package ui

import (
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/apiclient"
	"eportid/app/model"
)

// ReviewConsole is the reviewers' workspace at "/review/app": the queue of
// declarations sent to their agent point (enterprise, kind, declared at,
// state); a record opened from it with its fields read-only (a change: the
// approved values beside the proposed ones), its history, and 审批通过 or
// 退单 with a reason, asked in an in-page dialog.
type ReviewConsole struct {
	app.Compo
	mounted

	sess    *model.Session
	failed  string
	loading bool
	busy    bool
	queue   []model.QueueItem
	detail  *model.ReviewDetail
	status  string
	statErr bool
	lists   formLists

	issue issuing // 制卡 of an approved operator application

	dialog    string // "", "approve" or "return"
	reason    string
	reasonErr string
	leaving   bool

	kioskStop chan struct{} // a kiosk session's idle clock (kiosk.go)
	kioskLeft int
}

// startKiosk runs the idle clock of a kiosk session.
func (c *ReviewConsole) startKiosk(ctx app.Context) {
	if !c.sess.Kiosk || c.kioskStop != nil {
		return
	}
	c.kioskStop = make(chan struct{})
	kioskWatch(c.on(ctx), c.sess, c.kioskStop,
		func(ctx app.Context, secs int) { c.kioskLeft = secs },
		func(ctx app.Context) { kioskEnd(ctx, kioskMsg("因长时间无操作，已自动退出登录")) })
}

// OnDismount ends the kiosk session's idle clock.
func (c *ReviewConsole) OnDismount() {
	if c.kioskStop != nil {
		close(c.kioskStop)
		c.kioskStop = nil
	}
}

func (c *ReviewConsole) OnMount(ctx app.Context) {
	c.keep(ctx)
	if app.IsServer {
		return
	}
	if session != nil && session.Role == model.RoleReviewer {
		c.sess = session
		c.startKiosk(ctx)
		c.refresh(ctx)
		return
	}
	ac := c.on(ctx)
	ac.Async(func() {
		s, err := client().Session(bg())
		ac.Dispatch(func(ctx app.Context) {
			if err != nil {
				if c.gone(ctx, err) {
					return
				}
				msg, _ := handleErr(ctx, err)
				c.failed = msg
				return
			}
			if s.Role != model.RoleReviewer {
				ctx.Navigate("/review")
				return
			}
			setSession(ctx, &s)
			c.sess = &s
			c.startKiosk(ctx)
			c.refresh(ctx)
		})
	})
}

// gone sends the reviewer to the review login when the session is over;
// it reports whether it did.
func (c *ReviewConsole) gone(ctx app.Context, err error) bool {
	if !apiclient.IsUnauthorized(err) {
		return false
	}
	if c.sess != nil && c.sess.Kiosk {
		kioskEnd(ctx, kioskMsg(msgExpired))
		return true
	}
	setSession(ctx, nil)
	flash = msgExpired
	ctx.Navigate("/review")
	return true
}

// fail turns an API error into the message to show ("" for none).
func (c *ReviewConsole) fail(ctx app.Context, err error) string {
	if err == nil || c.gone(ctx, err) {
		return ""
	}
	msg, _ := handleErr(ctx, err)
	return msg
}

func (c *ReviewConsole) refresh(ctx app.Context) {
	c.loading = true
	ac := c.on(ctx)
	ac.Async(func() {
		q, err := client().ReviewQueue(bg())
		ac.Dispatch(func(ctx app.Context) {
			c.loading = false
			if msg := c.fail(ctx, err); msg != "" {
				c.status, c.statErr = "待审批列表加载失败："+msg, true
				return
			} else if err != nil {
				return
			}
			setOffline(ctx, false)
			c.queue = q
		})
	})
}

func refOf(m model.RecordMeta) model.RecordRef { return m.Ref() }

// kindLabel is "海关资质备案" or "海关资质变更".
func kindLabel(m model.RecordMeta) string {
	if m.Change {
		return m.Kind.ChangeLabel()
	}
	return m.Kind.FilingLabel()
}

func (c *ReviewConsole) Render() app.UI {
	if c.sess == nil {
		return app.Div().Class("page shell-wait").Body(
			&NetBanner{},
			app.Div().Class("wait-box").Body(
				app.If(c.failed == "", func() app.UI {
					return app.P().Text("正在验证登录状态…")
				}).Else(func() app.UI {
					return app.Div().Body(
						app.P().Class("result error").Text("无法验证登录状态："+c.failed),
						app.A().Href("/review").Class("btn").Text("返回登录"),
					)
				}),
			),
		)
	}
	return app.Div().Class("page review-page").Body(
		&NetBanner{},
		kioskCountdown(c.kioskLeft),
		app.Header().Class("app-header").Body(
			app.Div().Class("brand").Body(
				brandLogo(),
				app.Span().Class("brand-text").Body(
					app.Span().Class("brand-port").Text("中国电子口岸"),
					app.Span().Class("brand-sys").Text("身份认证管理系统 · 审批控制台"),
				),
			),
			app.Div().Class("header-user").Body(
				app.Span().ID("header-user").Class("user-name").Body(icon("user"), app.Text(c.sess.Username+"（"+c.sess.Role.Label()+"）")),
				app.Button().ID("btn-logout").Type("button").Class("btn btn-light btn-small").
					Disabled(c.leaving).OnClick(c.logout).Body(icon("logout"), app.Span().Text("退出")),
			),
		),
		app.Main().Class("review-main").Body(
			app.H1().Class("page-title").Text("审批控制台"),
			c.renderQueue(),
			c.renderDetail(),
			&ReviewCards{},
			&ReviewKiosks{},
		),
		c.renderDialog(),
	)
}

func (c *ReviewConsole) renderQueue() app.UI {
	rows := c.queue
	return app.Section().Class("query-box review-queue").Aria("label", "待审批").Body(
		app.H2().Class("section-title").Body(
			app.Text("待审批（"+strconv.Itoa(len(rows))+"）"),
			app.Button().ID("btn-rv-refresh").Type("button").Class("btn btn-small").
				Disabled(c.loading).OnClick(func(ctx app.Context, e app.Event) { c.refresh(ctx) }).Text("刷新"),
		),
		app.Div().Class("table-wrap").Body(
			app.Table().ID("rv-queue").Class("grid").Body(
				app.THead().Body(app.Tr().Body(
					app.Th().Text("企业名称"),
					app.Th().Text("统一社会信用代码"),
					app.Th().Text("业务"),
					app.Th().Text("申报时间"),
					app.Th().Text("状态"),
				)),
				app.TBody().Body(
					app.Range(rows).Slice(func(i int) app.UI {
						it := rows[i]
						ref := refOf(it.RecordMeta)
						declared := ""
						if it.DeclaredAt != nil {
							declared = formatTime(*it.DeclaredAt)
						}
						current := c.detail != nil && c.detail.Ref() == ref
						return app.Tr().Class(classes("queue-row", activeIf(current))).
							DataSet("ref", ref.Name()).DataSet("id", strconv.FormatInt(ref.ID, 10)).
							TabIndex(0).OnClick(c.onRow).OnKeyDown(c.onRowKey).Body(
							app.Td().Text(it.EnterpriseName),
							app.Td().Class("mono").Text(it.CreditCode),
							app.Td().Text(kindLabel(it.RecordMeta)),
							app.Td().Class("nowrap").Text(declared),
							app.Td().Body(app.Span().Class("state state-"+string(it.State)).Text(it.State.Label())),
						)
					}),
					app.If(len(rows) == 0, func() app.UI {
						text := "没有待审批的申报"
						if c.loading {
							text = "正在查询…"
						}
						return app.Tr().Body(app.Td().ColSpan(5).Class("empty").Text(text))
					}),
				),
			),
		),
	)
}

// parseRef reads the record of a queue row from its data-ref and data-id.
func parseRef(ctx app.Context) model.RecordRef {
	ds := ctx.JSSrc().Get("dataset")
	name := ds.Get("ref").String()
	id, _ := strconv.ParseInt(ds.Get("id").String(), 10, 64)
	kind, change := strings.CutSuffix(name, "_change")
	return model.RecordRef{Kind: model.FilingKind(kind), Change: change, ID: id}
}

func (c *ReviewConsole) onRow(ctx app.Context, e app.Event) {
	c.issue = issuing{}
	c.openRec(ctx, parseRef(ctx), true)
}

func (c *ReviewConsole) onRowKey(ctx app.Context, e app.Event) {
	if k := e.Get("key").String(); k == "Enter" || k == " " {
		e.PreventDefault()
		c.openRec(ctx, parseRef(ctx), true)
		return
	}
	ctx.PreventUpdate()
}

// openRec reads a record of the queue into the detail; clear drops the
// status line.
func (c *ReviewConsole) openRec(ctx app.Context, ref model.RecordRef, clear bool) {
	c.busy = true
	ac := c.on(ctx)
	ac.Async(func() {
		d, err := client().ReviewDetail(bg(), ref)
		ac.Dispatch(func(ctx app.Context) {
			c.busy = false
			if msg := c.fail(ctx, err); msg != "" {
				c.status, c.statErr = msg, true
				return
			} else if err != nil {
				return
			}
			if clear {
				c.status = ""
			}
			c.detail = &d
			form := d.Kind.Form()
			if d.Change {
				form = d.Kind.ChangeForm()
			}
			c.lists.ensure(c.on(ctx), form, d.Fields, nil)
			if d.Current != nil {
				c.lists.ensure(c.on(ctx), form, d.Current, nil)
			}
		})
	})
}

func (c *ReviewConsole) renderDetail() app.UI {
	d := c.detail
	statusCls := "status"
	if c.status != "" {
		statusCls += map[bool]string{true: " err", false: " ok"}[c.statErr]
	}
	status := app.Div().ID("rv-status").Class(statusCls).Role("status").Aria("live", "polite").Text(c.status)
	if d == nil {
		return app.Section().Class("form-box review-detail").Body(
			status,
			app.P().Class("hint").Text("请在上方列表中选择一条申报进行审批。"),
		)
	}
	declared := ""
	if d.DeclaredAt != nil {
		declared = formatTime(*d.DeclaredAt)
	}
	canDecide := d.State == model.StateDeclared && !c.busy
	var body app.UI
	if d.Change {
		body = c.renderCompare(d)
	} else {
		form := d.Kind.Form()
		fields := make([]app.UI, 0, len(form))
		for _, f := range form {
			opts, loading := c.lists.options(f, d.Fields)
			fields = append(fields, &FieldInput{Spec: f, Value: d.Fields[f.Key], Locked: true, Options: opts, Loading: loading, Review: true})
		}
		body = app.Div().Class("fields").Body(fields...)
	}
	return app.Section().Class("form-box review-detail").Aria("label", "申报内容").Body(
		app.Div().Class("toolbar review-toolbar").Body(
			app.Button().ID("btn-approve").Type("button").Class("btn btn-primary").
				Disabled(!canDecide).OnClick(c.onApprove).Text("审批通过"),
			app.Button().ID("btn-return").Type("button").Class("btn btn-danger").
				Disabled(!canDecide).OnClick(c.onReturn).Text("退单"),
			status,
			app.Span().Class("toolbar-state").Body(
				app.Text("状态："),
				app.Span().ID("state").Class("state state-"+string(d.State)).Text(d.State.Label()),
			),
		),
		app.H2().Class("section-title").Text(d.EnterpriseName+" · "+kindLabel(d.RecordMeta)),
		app.P().Class("note").Text("统一社会信用代码："+d.CreditCode+"　　申报时间："+declared+"　　最后操作："+d.UpdatedBy+"　　版本："+strconv.Itoa(d.Version)),
		app.If(d.State == model.StateReturned && d.ReturnReason != "", func() app.UI {
			return app.P().ID("return-reason").Class("return-reason").Text("退单原因：" + d.ReturnReason)
		}),
		app.Div().DataSet("form", "review").Body(body),
		c.renderIssue(),
		&HistoryPanel{Ref: d.Ref(), Given: true, Entries: d.History},
	)
}

// renderCompare shows a change: every field's approved value and the
// proposed one, the changed rows marked.
func (c *ReviewConsole) renderCompare(d *model.ReviewDetail) app.UI {
	form := d.Kind.ChangeForm()
	var rows []app.UI
	n := 0
	for _, f := range form {
		cur, next := d.Current[f.Key], d.Fields[f.Key]
		changed := cur != next
		if changed {
			n++
		}
		rows = append(rows, app.Tr().Class(map[bool]string{true: "changed", false: ""}[changed]).DataSet("key", f.Key).Body(
			app.Th().Text(f.Label),
			app.Td().Text(c.lists.optionText(f, d.Current, cur)),
			app.Td().Class("proposed").Text(c.lists.optionText(f, d.Fields, next)),
		))
	}
	note := "共 " + strconv.Itoa(n) + " 项变更（黄色标出）。"
	if d.State == model.StateApproved {
		note = "变更已审批通过并生效，当前备案即为变更后的内容。"
	}
	return app.Div().Body(
		app.P().Class("note").Text(note),
		app.Table().ID("rv-compare").Class("grid compare").Body(
			app.THead().Body(app.Tr().Body(app.Th().Text("字段"), app.Th().Text("当前备案（审批通过）"), app.Th().Text("变更后"))),
			app.TBody().Body(rows...),
		),
	)
}

func (c *ReviewConsole) onApprove(ctx app.Context, e app.Event) {
	c.dialog = "approve"
	ctx.Defer(func(app.Context) { focusID("confirm-ok") })
}

func (c *ReviewConsole) onReturn(ctx app.Context, e app.Event) {
	c.dialog, c.reason, c.reasonErr = "return", "", ""
	ctx.Defer(func(app.Context) { focusID("f-reason") })
}

func (c *ReviewConsole) renderDialog() app.UI {
	if c.dialog == "" || c.detail == nil {
		return app.Div().Class("confirm-host")
	}
	what := c.detail.EnterpriseName + "的" + kindLabel(c.detail.RecordMeta)
	title, msg, ok, cls := "审批通过确认", "确定审批通过"+what+"吗？", "审批通过", "btn btn-primary"
	if c.dialog == "return" {
		title, msg, ok, cls = "退单", "请填写退单原因，企业将看到这一原因并修改后重新申报："+what+"。", "退单", "btn btn-danger"
	}
	return app.Div().Class("confirm-host").Body(
		app.Div().Class("modal-backdrop").Body(
			app.Div().Class("modal").Role("dialog").Aria("modal", "true").Aria("labelledby", "confirm-title").
				OnKeyDown(c.onDialogKey).Body(
				app.H3().ID("confirm-title").Class("modal-title").Text(title),
				app.P().ID("confirm-message").Class("modal-message").Text(msg),
				app.If(c.dialog == "return", func() app.UI {
					return app.Div().Class("field-reason").Body(
						app.Label().For("f-reason").Class("f-label").Body(app.Span().Class("star").Text("*"), app.Text("退单原因")),
						app.Textarea().ID("f-reason").Class("f-input k-req").Rows(4).MaxLength(500).
							Aria("required", "true").Attr("value", c.reason).OnInput(c.onReason),
						app.If(c.reasonErr != "", func() app.UI {
							return app.P().ID("err-reason").Class("field-error").Role("alert").Text(c.reasonErr)
						}),
					)
				}),
				app.Div().Class("modal-actions").Body(
					app.Button().ID("confirm-cancel").Type("button").Class("btn").Text("取消").OnClick(c.onDialogCancel),
					app.Button().ID("confirm-ok").Type("button").Class(cls).Disabled(c.busy).Text(ok).OnClick(c.onDialogOK),
				),
			),
		),
	)
}

func (c *ReviewConsole) onReason(ctx app.Context, e app.Event) {
	c.reason = ctx.JSSrc().Get("value").String()
	if strings.TrimSpace(c.reason) != "" && c.reasonErr != "" {
		c.reasonErr = ""
		return
	}
	ctx.PreventUpdate()
}

func (c *ReviewConsole) onDialogKey(ctx app.Context, e app.Event) {
	if e.Get("key").String() == "Escape" {
		c.dialog = ""
		return
	}
	ctx.PreventUpdate()
}

func (c *ReviewConsole) onDialogCancel(ctx app.Context, e app.Event) { c.dialog = "" }

func (c *ReviewConsole) onDialogOK(ctx app.Context, e app.Event) {
	d := c.detail
	if d == nil || c.busy {
		return
	}
	approve := c.dialog == "approve"
	reason := strings.TrimSpace(c.reason)
	if !approve && reason == "" {
		c.reasonErr = "退单原因：必填，不能为空"
		focusID("f-reason")
		return
	}
	c.dialog = ""
	c.busy = true
	c.status, c.statErr = map[bool]string{true: "正在审批…", false: "正在退单…"}[approve], false
	ref, version := d.Ref(), d.Version
	ac := c.on(ctx)
	ac.Async(func() {
		var err error
		if approve {
			_, err = client().Approve(bg(), ref, version)
		} else {
			_, err = client().Return(bg(), ref, version, reason)
		}
		ac.Dispatch(func(ctx app.Context) {
			c.busy = false
			if msg := c.fail(ctx, err); msg != "" {
				c.status, c.statErr = map[bool]string{true: "审批失败：", false: "退单失败："}[approve]+msg, true
				if fe := apiclient.FieldErrors(err); fe["reason"] != "" {
					c.status = "退单失败：" + fe["reason"]
				}
				return
			} else if err != nil {
				return
			}
			c.status, c.statErr = map[bool]string{true: "已审批通过", false: "已退单"}[approve], false
			c.refresh(ctx)
			c.openRec(ctx, ref, false)
		})
	})
}

func (c *ReviewConsole) logout(ctx app.Context, e app.Event) {
	if c.leaving {
		return
	}
	c.leaving = true
	if c.sess.Kiosk {
		kioskEnd(ctx, kioskMsg("已退出登录"))
		return
	}
	ac := c.on(ctx)
	ac.Async(func() {
		err := client().Logout(bg())
		ac.Dispatch(func(ctx app.Context) {
			c.leaving = false
			if err != nil && !apiclient.IsUnauthorized(err) {
				msg, _ := handleErr(ctx, err)
				c.status, c.statErr = "退出失败："+msg, true
				return
			}
			setSession(ctx, nil)
			ctx.Navigate("/review")
		})
	})
}
