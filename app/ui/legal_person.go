package ui

import (
	"sort"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/apiclient"
	"eportid/app/bridgeclient"
	"eportid/app/model"
	"eportid/cardbridge/protocol"
)

// LegalPersonPage is 法人信息录入 (N1): the query part (condition 状态, 【查询】
// 【重置】, the list with 查看 / 修改 / 删除) and the entry form with the blue
// buttons 新增 暂存 申报 打印 删除, each enabled only where the record's
// state allows it (X1). Unsaved input is kept in the browser's local
// storage, per enterprise, until it is saved.
type LegalPersonPage struct {
	app.Compo
	mounted

	EnterpriseID int64
	CreditCode   string
	// CardNumber is the card of a card session: its 申报 is signed with
	// the card (X3). Empty for a no-card administrator.
	CardNumber string

	started  bool
	loading  bool
	busy     bool
	records  []model.LegalPersonRecord
	qState   string // condition being edited
	qApplied string // condition of the list shown

	rec *model.LegalPersonRecord // nil: a new, unsaved filing
	entryForm
	pageStatus

	confirming

	pinSigning
	histTick int // bumped after each operation: the history is read again

	aps       []model.AgentPoint
	provinces []model.Option
	cities    []model.Option
	market    []model.Option
	tax       []model.Option
	citiesOf  string
	deptsOf   string
	loadingOf map[string]bool
}

func (c *LegalPersonPage) localKey() string {
	return "eportid.lp-draft." + strconv.FormatInt(c.EnterpriseID, 10)
}

func (c *LegalPersonPage) init() {
	if c.initForm() {
		c.loadingOf = map[string]bool{}
	}
}

func (c *LegalPersonPage) OnMount(ctx app.Context) {
	c.keep(ctx)
	c.init()
	if app.IsServer {
		return
	}
	// The form is usable at once; the filing, if there is one, replaces
	// it when the list arrives.
	c.newForm(ctx)
	c.loadRefs(ctx)
	c.refresh(ctx, true)
}

// editable reports whether the form may be changed: a new filing, or a
// draft or returned one not opened with 查看.
func (c *LegalPersonPage) editable() bool {
	if c.viewOnly {
		return false
	}
	return c.rec == nil || c.rec.State.CanEdit()
}

func (c *LegalPersonPage) hasFiling() bool { return len(c.records) > 0 || c.rec != nil }

// ---- loading ----

func (c *LegalPersonPage) loadRefs(ctx app.Context) {
	c.loadingOf["agent_point"] = true
	c.loadingOf["province"] = true
	ac := c.on(ctx)
	ac.Async(func() {
		aps, err := refAgentPoints()
		provs, perr := refProvinces()
		ac.Dispatch(func(ctx app.Context) {
			c.loadingOf["agent_point"] = false
			c.loadingOf["province"] = false
			if err == nil {
				c.aps = aps
			}
			if perr == nil {
				c.provinces = provs
			}
			if err == nil {
				err = perr
			}
			if msg, left := handleErr(ctx, err); msg != "" && !left {
				c.setStatus("下拉选项加载失败："+msg, true)
			}
		})
	})
}

// refresh reads the enterprise's filings; with open, it opens the latest
// one in the form (or a new form when there is none).
func (c *LegalPersonPage) refresh(ctx app.Context, open bool) {
	c.loading = true
	ac := c.on(ctx)
	ac.Async(func() {
		recs, err := client().LegalPersons(bg())
		ac.Dispatch(func(ctx app.Context) {
			c.loading = false
			msg, left := handleErr(ctx, err)
			if left {
				return
			}
			if msg != "" {
				c.setStatus("查询失败："+msg, true)
				c.conflict = true // offers 重新载入
				return
			}
			if strings.HasPrefix(c.status, "查询失败") {
				c.status, c.conflict = "", false
			}
			sort.SliceStable(recs, func(i, j int) bool { return recs[i].UpdatedAt.After(recs[j].UpdatedAt) })
			c.records = recs
			if open && len(recs) > 0 && c.rec == nil {
				// Input typed meanwhile is in the local copy, which show
				// puts back onto the filing if it may still be changed.
				c.show(ctx, recs[0], false)
			}
		})
	})
}

// show puts a saved record into the form.
func (c *LegalPersonPage) show(ctx app.Context, r model.LegalPersonRecord, viewOnly bool) {
	c.rec = &r
	c.fill(model.Values(&r.LegalPerson), viewOnly)
	c.conflict = false
	c.restoreLocal(ctx)
	c.ensureDeps(ctx)
	c.histTick++
}

// newForm empties the form for a new filing, with the enterprise's credit
// code filled in.
func (c *LegalPersonPage) newForm(ctx app.Context) {
	c.rec = nil
	start := map[string]string{}
	if c.CreditCode != "" {
		start["credit_code"] = c.CreditCode
		start["subject_code"] = model.SubjectCode(c.CreditCode)
	}
	c.fill(start, false)
	c.conflict = false
	c.restoreLocal(ctx)
	c.ensureDeps(ctx)
}

// ensureDeps fetches the lists that depend on other fields: the cities of
// the chosen province, the departments of the chosen agent point.
func (c *LegalPersonPage) ensureDeps(ctx app.Context) {
	if prov := c.values["province"]; prov != c.citiesOf {
		c.citiesOf, c.cities = prov, nil
		if prov != "" {
			c.loadingOf["city"] = true
			ac := c.on(ctx)
			ac.Async(func() {
				l, err := refCities(prov)
				ac.Dispatch(func(ctx app.Context) {
					if c.citiesOf != prov {
						return
					}
					c.loadingOf["city"] = false
					if msg, _ := handleErr(ctx, err); msg != "" {
						c.errs["city"] = "所在城市：列表加载失败，" + msg
						return
					}
					c.cities = l
				})
			})
		}
	}
	if ap := c.values["agent_point"]; ap != c.deptsOf {
		c.deptsOf, c.market, c.tax = ap, nil, nil
		if ap != "" {
			c.loadingOf["market_dept"] = true
			c.loadingOf["tax_dept"] = true
			ac := c.on(ctx)
			ac.Async(func() {
				m, err := refDepts(apiclient.DeptMarket, ap)
				var t []model.Option
				if err == nil {
					t, err = refDepts(apiclient.DeptTax, ap)
				}
				ac.Dispatch(func(ctx app.Context) {
					if c.deptsOf != ap {
						return
					}
					c.loadingOf["market_dept"] = false
					c.loadingOf["tax_dept"] = false
					if msg, _ := handleErr(ctx, err); msg != "" {
						c.errs["market_dept"] = "主管部门列表加载失败：" + msg
						return
					}
					c.market, c.tax = m, t
					// A department of another agent point is no longer a choice.
					if c.editable() {
						for key, l := range map[string][]model.Option{"market_dept": m, "tax_dept": t} {
							if v := c.values[key]; v != "" && model.OptionName(l, v) == "" {
								c.values[key] = ""
							}
						}
					}
				})
			})
		}
	}
}

// ---- local copy of unsaved input ----

func (c *LegalPersonPage) saveLocal(ctx app.Context) {
	if !c.editable() {
		return
	}
	var id int64
	if c.rec != nil {
		id = c.rec.ID
	}
	vals := make(map[string]string, len(c.values))
	for k, v := range c.values {
		vals[k] = v
	}
	storeLocal(ctx, c.localKey(), id, vals)
}

func (c *LegalPersonPage) clearLocal(ctx app.Context) {
	ctx.LocalStorage().Del(c.localKey())
}

// restoreLocal puts back input that was typed but not saved (a reload, a
// dropped connection), if the form may still be changed.
func (c *LegalPersonPage) restoreLocal(ctx app.Context) {
	d, ok := readLocal(ctx, c.localKey())
	if !ok {
		return
	}
	if !c.editable() {
		if c.rec != nil && !c.rec.State.CanEdit() {
			// Declared or approved meanwhile: the copy is of no use.
			c.clearLocal(ctx)
		}
		return
	}
	if c.restore(d, model.LegalPersonForm) {
		c.values["subject_code"] = model.SubjectCode(strings.ToUpper(strings.TrimSpace(c.values["credit_code"])))
	}
}

// ---- the form ----

// filing returns the form's values as a normalized LegalPerson.
func (c *LegalPersonPage) filing() model.LegalPerson {
	var lp model.LegalPerson
	model.SetValues(&lp, c.values)
	lp.Normalize()
	return lp
}

// checkField sets or clears the message of one field: its own rule and
// the rules between fields, in the current mode.
func (c *LegalPersonPage) checkField(key string) {
	if key == "subject_code" {
		return
	}
	lp := c.filing()
	c.setErr(key, lp.Validate(c.mode())[key])
}

func (c *LegalPersonPage) onInput(ctx app.Context, key, v string) {
	c.input(key, v)
	if key == "province" || key == "agent_point" {
		c.ensureDeps(ctx)
	}
	if _, had := c.errs[key]; had {
		// Take the red prompt away as soon as the value is right.
		c.checkField(key)
	}
	c.status, c.conflict = "", false
	c.saveLocal(ctx)
}

func (c *LegalPersonPage) onCommit(ctx app.Context, key, v string) {
	c.commit(key, v, c.checkField)
	switch key {
	case "legal_rep_id_type":
		if c.values["legal_rep_id_number"] != "" {
			c.checkField("legal_rep_id_number")
		}
	case "province":
		if c.values["city"] != "" || c.declare {
			c.checkField("city")
		}
	}
}

func (c *LegalPersonPage) options(f model.Field) ([]model.Option, bool) {
	switch f.Options {
	case model.OptionsAgentPoints:
		return agentPointOptions(c.aps), c.loadingOf[f.Key]
	case model.OptionsProvinces:
		return c.provinces, c.loadingOf[f.Key]
	case model.OptionsCities:
		return c.cities, c.loadingOf[f.Key]
	case model.OptionsMarketDepts:
		return c.market, c.loadingOf[f.Key]
	case model.OptionsTaxDepts:
		return c.tax, c.loadingOf[f.Key]
	}
	return staticOptions(f.Options), false
}

// ---- rendering ----

func (c *LegalPersonPage) Render() app.UI {
	c.init()
	edit := c.editable()
	var st model.State
	if c.rec != nil {
		st = c.rec.State
	}
	busy := c.busy || c.loading
	stateText := "新增（未暂存）"
	if c.rec != nil {
		stateText = st.Label()
	}

	fields := formFields(model.LegalPersonForm, c.values, c.errs, edit, c.options, c.onInput, c.onCommit)

	return app.Div().Class("lp-page").DataSet("form", "legal-person").Body(
		app.Div().Class("toolbar").Role("toolbar").Aria("label", "法人信息操作").Body(
			app.Button().ID("btn-new").Type("button").Class("btn btn-primary").
				Disabled(busy || c.hasFiling()).OnClick(c.onNew).Text("新增"),
			app.Button().ID("btn-save").Type("button").Class("btn btn-primary").DataSet("default", "1").
				Disabled(busy || !edit).OnClick(c.onSave).Text("暂存"),
			app.Button().ID("btn-declare").Type("button").Class("btn btn-primary").
				Disabled(busy || !edit || (c.rec != nil && !st.CanDeclare())).OnClick(c.onDeclare).Text("申报"),
			app.Button().ID("btn-print").Type("button").Class("btn btn-primary").
				Disabled(busy || c.rec == nil || !st.CanPrint()).OnClick(c.onPrint).Text("打印"),
			app.Button().ID("btn-delete").Type("button").Class("btn btn-primary").
				Disabled(busy || c.rec == nil || !st.CanDelete()).OnClick(c.onDelete).Text("删除"),
			app.If(c.viewOnly && c.rec != nil && st.CanEdit(), func() app.UI {
				return app.Button().ID("btn-edit").Type("button").Class("btn").Disabled(busy).OnClick(c.onEditCurrent).Text("修改")
			}),
			c.renderStatus(c.onReload),
			app.Span().Class("toolbar-state").Body(
				app.Text("状态："),
				app.Span().ID("state").Class("state state-"+string(st)).Text(stateText),
				c.renderSignature(),
			),
		),
		app.If(c.rec != nil && st == model.StateReturned && c.rec.ReturnReason != "", func() app.UI {
			return app.P().ID("return-reason").Class("return-reason").Text("退单原因：" + c.rec.ReturnReason)
		}),
		app.If(c.restored != "", func() app.UI {
			return app.P().ID("restored").Class("note note-warn").Text(c.restored)
		}),
		c.renderQuery(busy),
		app.Section().Class("form-box").Aria("label", "法人信息").Body(
			app.H3().Class("section-title").Body(
				app.Text("法人信息"),
				formLegend(),
			),
			app.If(edit, func() app.UI {
				return app.P().ID("local-note").Class("note").Text("录入内容会自动保存在本机浏览器中，刷新页面或网络中断不会丢失；暂存成功后清除本机副本。按 Tab 或回车键跳至下一项，下拉框按空格展开。")
			}),
			app.Div().Class("fields").Body(fields...),
		),
		app.If(c.rec != nil, func() app.UI {
			return &HistoryPanel{Ref: model.RecordRef{Kind: model.FilingLegalPerson, ID: c.rec.ID}, Tick: c.histTick, Versions: true}
		}),
		c.renderPrint(),
		c.renderPIN(&c.pageStatus),
		c.renderConfirm(),
	)
}

var queryStates = []model.State{model.StateDraft, model.StateDeclared, model.StateApproved, model.StateReturned}

func (c *LegalPersonPage) renderQuery(busy bool) app.UI {
	var rows []model.LegalPersonRecord
	for _, r := range c.records {
		if c.qApplied == "" || string(r.State) == c.qApplied {
			rows = append(rows, r)
		}
	}
	list := make([]app.UI, 0, len(rows))
	for _, r := range rows {
		list = append(list, listRow(r.ID, r.State, c.rec != nil && c.rec.ID == r.ID, busy, c.onView, c.onEdit, c.onDeleteRow,
			app.Td().Class("mono").Text(r.CreditCode),
			app.Td().Text(r.NameCN),
			stateCell(r.State),
			app.Td().Class("nowrap").Text(formatTime(r.UpdatedAt)),
		))
	}
	empty := "没有符合条件的记录"
	if c.loading {
		empty = "正在查询…"
	} else if len(c.records) == 0 {
		empty = "尚无法人信息备案，请在下方录入后点击【暂存】或【申报】"
	}
	return app.Section().Class("query-box").Aria("label", "查询").Body(
		app.Form().Class("query-conds").OnSubmit(c.onQuery).Body(
			app.Label().For("q-state").Text("状态"),
			app.Select().ID("q-state").Class("f-input k-opt").OnChange(c.onQState).Body(
				app.Option().Value("").Selected(c.qState == "").Text("全部"),
				app.Range(queryStates).Slice(func(i int) app.UI {
					s := queryStates[i]
					return app.Option().Value(string(s)).Selected(string(s) == c.qState).Text(s.Label())
				}),
			),
			app.Button().ID("btn-query").Type("submit").Class("btn btn-primary").Disabled(busy).Text("查询"),
			app.Button().ID("btn-reset").Type("button").Class("btn").Disabled(busy).OnClick(c.onReset).Text("重置"),
		),
		recordList("lp-list", []string{"统一社会信用代码", "企业中文名称", "状态", "更新时间", "操作"}, list, empty),
	)
}

// renderPrint is the record as printed by 打印: shown only by print CSS.
func (c *LegalPersonPage) renderPrint() app.UI {
	if c.rec == nil {
		return app.Div().Class("print-view").ID("print-view")
	}
	r := c.rec
	vals := model.Values(&r.LegalPerson)
	var rows []app.UI
	for _, f := range model.LegalPersonForm {
		v := vals[f.Key]
		if f.Input == "select" {
			opts, _ := c.options(f)
			if n := model.OptionName(opts, v); n != "" {
				v = n + "（" + vals[f.Key] + "）"
			}
		}
		rows = append(rows, app.Tr().Body(app.Th().Text(f.Label), app.Td().Text(v)))
	}
	return printView(app.Div().ID("print-view"), "企业法人信息备案表", r.State, r.UpdatedAt, rows)
}

// ---- query actions ----

func (c *LegalPersonPage) onQState(ctx app.Context, e app.Event) {
	c.qState = ctx.JSSrc().Get("value").String()
}

func (c *LegalPersonPage) onQuery(ctx app.Context, e app.Event) {
	e.PreventDefault()
	c.qApplied = c.qState
	c.refresh(ctx, false)
}

func (c *LegalPersonPage) onReset(ctx app.Context, e app.Event) {
	c.qState, c.qApplied = "", ""
	c.refresh(ctx, false)
}

func (c *LegalPersonPage) onView(ctx app.Context, e app.Event) { c.open(ctx, rowID(ctx), true) }

func (c *LegalPersonPage) onEdit(ctx app.Context, e app.Event) { c.open(ctx, rowID(ctx), false) }

func (c *LegalPersonPage) onEditCurrent(ctx app.Context, e app.Event) {
	if c.rec != nil {
		c.open(ctx, c.rec.ID, false)
	}
}

func (c *LegalPersonPage) onReload(ctx app.Context, e app.Event) {
	if c.rec != nil {
		c.open(ctx, c.rec.ID, c.viewOnly)
	} else {
		c.refresh(ctx, true)
	}
}

// open reads a record and puts it into the form.
func (c *LegalPersonPage) open(ctx app.Context, id int64, viewOnly bool) {
	c.busy = true
	ac := c.on(ctx)
	ac.Async(func() {
		r, err := client().LegalPerson(bg(), id)
		ac.Dispatch(func(ctx app.Context) {
			c.busy = false
			msg, left := handleErr(ctx, err)
			if left {
				return
			}
			if msg != "" {
				c.setStatus(msg, true)
				if apiclient.Code(err) == model.ErrNotFound {
					c.refresh(ctx, false)
				}
				return
			}
			c.status = ""
			c.show(ctx, r, viewOnly)
			c.replaceRecord(r)
		})
	})
}

func (c *LegalPersonPage) replaceRecord(r model.LegalPersonRecord) {
	for i := range c.records {
		if c.records[i].ID == r.ID {
			c.records[i] = r
			return
		}
	}
	c.records = append([]model.LegalPersonRecord{r}, c.records...)
}

func (c *LegalPersonPage) onDeleteRow(ctx app.Context, e app.Event) {
	id := rowID(ctx)
	c.askDelete(ctx, "这条法人信息", func(ctx app.Context) { c.remove(ctx, id) })
}

// ---- form actions ----

// dirty reports whether the form holds input beyond what was loaded.
func (c *LegalPersonPage) dirty() bool {
	var base map[string]string
	if c.rec != nil {
		base = model.Values(&c.rec.LegalPerson)
	} else {
		base = map[string]string{"credit_code": c.CreditCode}
	}
	for _, f := range model.LegalPersonForm {
		if f.Kind != model.System && c.values[f.Key] != base[f.Key] {
			return true
		}
	}
	return false
}

func (c *LegalPersonPage) onNew(ctx app.Context, e app.Event) {
	if c.hasFiling() {
		return
	}
	start := func(ctx app.Context) {
		c.clearLocal(ctx)
		c.newForm(ctx)
		c.setStatus("", false)
		ctx.Defer(func(app.Context) { focusID("f-name_cn") })
	}
	if c.dirty() {
		c.ask(ctx, "新增确认", "当前录入的内容尚未暂存，新增将清空这些内容。确定新增吗？", "新增", false, start)
		return
	}
	start(ctx)
}

// failed shows the outcome of a refused 暂存 / 申报.
func (c *LegalPersonPage) failed(ctx app.Context, what string, err error) {
	c.pageStatus.failed(ctx, what, err, model.LegalPersonForm, c.errs, model.ErrConflict, model.ErrState, model.ErrNotFound)
}

// begin starts 暂存 (declare false) or 申报 of the form, if the page
// allows it now, with the page's own rules in that mode.
func (c *LegalPersonPage) begin(ctx app.Context, declare bool) (model.LegalPerson, bool) {
	if c.busy || !c.editable() {
		return model.LegalPerson{}, false
	}
	c.declare = declare
	return c.checkAll(ctx, map[bool]string{true: "申报", false: "暂存"}[declare])
}

// checkAll runs the page's own rules before 暂存 / 申报.
func (c *LegalPersonPage) checkAll(ctx app.Context, what string) (model.LegalPerson, bool) {
	lp := c.filing()
	errs := lp.Validate(c.mode())
	c.errs = errs
	return lp, !c.invalid(ctx, what, model.LegalPersonForm, errs)
}

func (c *LegalPersonPage) onSave(ctx app.Context, e app.Event) {
	lp, ok := c.begin(ctx, false)
	if !ok {
		return
	}
	rec := c.rec
	busyDo(c.on(ctx), &c.busy, &c.pageStatus, "正在暂存…", func() (model.LegalPersonRecord, error) {
		if rec == nil {
			return client().CreateLegalPerson(bg(), lp)
		}
		return client().SaveLegalPerson(bg(), rec.ID, model.SaveLegalPerson{Version: rec.Version, LegalPerson: lp})
	}, func(ctx app.Context, r model.LegalPersonRecord, err error) {
		if err != nil {
			c.failed(ctx, "暂存", err)
			return
		}
		c.saved(ctx, r)
		c.setStatus("暂存成功", false)
	})
}

// saved takes a record the server accepted: the form shows it, the local
// copy is dropped and the list is updated.
func (c *LegalPersonPage) saved(ctx app.Context, r model.LegalPersonRecord) {
	c.clearLocal(ctx)
	c.show(ctx, r, false)
	c.replaceRecord(r)
}

func (c *LegalPersonPage) onDeclare(ctx app.Context, e app.Event) {
	lp, ok := c.begin(ctx, true)
	if !ok {
		return
	}
	c.askDeclare(ctx, &c.confirming, "申报后信息将发送到"+c.agentPointName(lp.AgentPoint)+"审批，申报后的数据不可修改。确定申报吗？",
		c.CardNumber != "", func(ctx app.Context, pin []byte) { c.doDeclare(ctx, lp, pin) })
}

func (c *LegalPersonPage) agentPointName(code string) string {
	for _, a := range c.aps {
		if a.Code == code {
			return "“" + a.Name + "”"
		}
	}
	return "制卡代理点"
}

// doDeclare declares lp; with pin (a card session) the card signs the
// canonical form of what the server will store first: the record's id,
// the version the declaration makes (the one read plus one) and the
// normalized fields.
func (c *LegalPersonPage) doDeclare(ctx app.Context, lp model.LegalPerson, pin []byte) {
	rec := c.rec
	cardFailed := false
	ac := c.on(ctx)
	busyDo(ac, &c.busy, &c.pageStatus, "正在申报…", func() (model.LegalPersonRecord, error) {
		defer wipePIN(pin)
		var err error
		if rec == nil {
			// A new filing is saved first, then declared.
			var created model.LegalPersonRecord
			created, err = client().CreateLegalPerson(bg(), lp)
			if err == nil {
				rec = &created
			}
		}
		req := model.DeclareRequest{Version: 0, LegalPerson: lp}
		if err == nil {
			req.Version = rec.Version
			if pin != nil {
				ac.Dispatch(func(ctx app.Context) { c.setStatus("正在用 IC 卡签名…", false) })
				d := model.SignedDigest(model.CanonicalRecord(string(model.FilingLegalPerson), rec.ID, rec.Version+1, model.Values(&lp)))
				var sig protocol.SignResult
				sig, err = signWithCard(pin, d[:])
				if err == nil {
					req.CardSignature = &model.CardSignature{Signature: sig.Signature, Certificate: sig.Certificate}
				} else {
					cardFailed = true
				}
			}
		}
		if err != nil {
			return model.LegalPersonRecord{}, err
		}
		return client().DeclareLegalPerson(bg(), rec.ID, req)
	}, func(ctx app.Context, r model.LegalPersonRecord, err error) {
		if err != nil {
			if rec != nil && c.rec == nil {
				// Saved as a draft, but not declared.
				c.rec = rec
				c.replaceRecord(*rec)
			}
			if cardFailed {
				c.setStatus("申报失败："+bridgeclient.Message(err), true)
				return
			}
			c.failed(ctx, "申报", err)
			return
		}
		c.declare = false
		c.saved(ctx, r)
		c.setStatus("申报成功", false)
	})
}

func (c *LegalPersonPage) onPrint(ctx app.Context, e app.Event) {
	if c.rec == nil || !c.rec.State.CanPrint() {
		return
	}
	printRecord(ctx)
}

func (c *LegalPersonPage) onDelete(ctx app.Context, e app.Event) {
	if c.rec == nil || !c.rec.State.CanDelete() {
		return
	}
	id := c.rec.ID
	c.askDelete(ctx, "当前法人信息", func(ctx app.Context) { c.remove(ctx, id) })
}

func (c *LegalPersonPage) remove(ctx app.Context, id int64) {
	busyDo(c.on(ctx), &c.busy, &c.pageStatus, "正在删除…", func() (struct{}, error) {
		return struct{}{}, client().DeleteLegalPerson(bg(), id)
	}, func(ctx app.Context, _ struct{}, err error) {
		if c.deleteFailed(ctx, err) {
			return
		}
		setOffline(ctx, false)
		for i := range c.records {
			if c.records[i].ID == id {
				c.records = append(c.records[:i:i], c.records[i+1:]...)
				break
			}
		}
		if c.rec != nil && c.rec.ID == id {
			c.clearLocal(ctx)
			c.newForm(ctx)
		}
		c.setStatus("删除成功", false)
		c.refresh(ctx, false)
	})
}
