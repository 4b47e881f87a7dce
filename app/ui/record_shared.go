package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/apiclient"
	"eportid/app/model"
)

// The parts the entry pages (法人信息录入 and RecordPage) have in common:
// the status line, the confirmation dialog, the form's fields, the row
// actions of a list, the print layout and the outcome of a refused
// 暂存 / 申报.

// pageStatus is the status line of the toolbar; conflict offers 重新载入.
type pageStatus struct {
	status    string
	statusErr bool
	conflict  bool
}

func (s *pageStatus) setStatus(msg string, isErr bool) { s.status, s.statusErr = msg, isErr }

// renderStatus is the status line, with 重新载入 after a conflict.
func (s *pageStatus) renderStatus(onReload app.EventHandler) app.UI {
	cls := "status"
	if s.status != "" {
		cls += map[bool]string{true: " err", false: " ok"}[s.statusErr]
	}
	return app.Div().ID("status").Class(cls).Role("status").Aria("live", "polite").Body(
		app.Text(s.status),
		app.If(s.conflict, func() app.UI {
			return app.Button().ID("btn-reload").Type("button").Class("link").Text("重新载入").OnClick(onReload)
		}),
	)
}

// invalid shows the page's own rule failures before 暂存 / 申报; it
// reports whether there were any.
func (s *pageStatus) invalid(ctx app.Context, what string, form model.Form, errs model.FieldErrors) bool {
	if len(errs) == 0 {
		return false
	}
	s.setStatus(what+"失败：有 "+strconv.Itoa(len(errs))+" 项不符合要求，请按红色提示修改", true)
	focusFirstError(ctx, form, errs, "")
	return true
}

// failed shows the outcome of a refused 暂存 / 申报: the server's field
// messages go into errs; the codes in conflicts offer 重新载入.
func (s *pageStatus) failed(ctx app.Context, what string, err error, form model.Form, errs model.FieldErrors, conflicts ...string) {
	msg, left := handleErr(ctx, err)
	if left {
		return
	}
	s.conflict = false
	code := apiclient.Code(err)
	switch {
	case code == model.ErrInvalid:
		fe := apiclient.FieldErrors(err)
		for k, v := range fe {
			errs[k] = v
		}
		if len(fe) > 0 {
			msg = what + "失败：有 " + strconv.Itoa(len(fe)) + " 项不符合要求，请按红色提示修改"
			focusFirstError(ctx, form, fe, "")
		} else {
			msg = what + "失败：" + msg
		}
	case oneOf(code, conflicts):
		msg = what + "失败：" + msg
		s.conflict = true
	case code == apiclient.ErrNetwork:
		msg = what + "失败：" + msg + "。录入的内容已保存在本机，恢复连接后请重试。"
	case code == model.ErrUnavailable:
		msg = unavailableMessage(what, err)
	default:
		msg = what + "失败：" + msg
	}
	s.setStatus(msg, true)
}

// deleteFailed shows a refused 删除 (a record already gone is deleted); it
// reports whether there was one.
func (s *pageStatus) deleteFailed(ctx app.Context, err error) bool {
	if err == nil || apiclient.Code(err) == model.ErrNotFound {
		return false
	}
	if msg, left := handleErr(ctx, err); !left {
		s.setStatus("删除失败："+msg, true)
	}
	return true
}

// busyDo runs work away from the UI, the page busy and the status line
// saying doing; done takes the outcome on the UI goroutine.
func busyDo[T any](ac app.Context, busy *bool, s *pageStatus, doing string, work func() (T, error), done func(ctx app.Context, r T, err error)) {
	*busy = true
	s.setStatus(doing, false)
	ac.Async(func() {
		r, err := work()
		ac.Dispatch(func(ctx app.Context) {
			*busy = false
			done(ctx, r, err)
		})
	})
}

func oneOf(s string, l []string) bool {
	for _, v := range l {
		if s == v {
			return true
		}
	}
	return false
}

// confirming is a page's confirmation dialog: ask opens it, 确定 runs
// what was asked for.
type confirming struct {
	confirmOpen  bool
	confirmTitle string
	confirmMsg   string
	confirmOK    string
	confirmRisky bool
	pending      func(ctx app.Context)
}

func (c *confirming) ask(ctx app.Context, title, msg, ok string, risky bool, then func(ctx app.Context)) {
	c.confirmOpen = true
	c.confirmTitle, c.confirmMsg, c.confirmOK, c.confirmRisky = title, msg, ok, risky
	c.pending = then
	ctx.Defer(func(app.Context) { focusID("confirm-ok") })
}

func (c *confirming) onConfirmOK(ctx app.Context) {
	c.confirmOpen = false
	if p := c.pending; p != nil {
		c.pending = nil
		p(ctx)
	}
}

func (c *confirming) onConfirmCancel(ctx app.Context) {
	c.confirmOpen = false
	c.pending = nil
}

func (c *confirming) renderConfirm() app.UI {
	return &ConfirmDialog{
		Open:     c.confirmOpen,
		Title:    c.confirmTitle,
		Message:  c.confirmMsg,
		OKLabel:  c.confirmOK,
		Danger:   c.confirmRisky,
		OnOK:     c.onConfirmOK,
		OnCancel: c.onConfirmCancel,
	}
}

// askDelete asks to confirm 删除 of what; remove runs on 确定.
func (c *confirming) askDelete(ctx app.Context, what string, remove func(ctx app.Context)) {
	c.ask(ctx, "删除确认", "删除后数据不可恢复，确定删除"+what+"吗？", "删除", true, remove)
}

// pinSigning is the PIN dialog of a card-signed 申报 (X3): the PIN given
// runs the 申报 it was opened for.
type pinSigning struct {
	pinOpen bool                              // the PIN dialog of a signed 申报
	pinErr  string                            // why the last signature failed
	pinThen func(ctx app.Context, pin []byte) // the 申报 the PIN dialog is about to sign
}

// askDeclare asks to confirm 申报 (msg); on 确定 a card holder (card)
// gives the PIN first, then declare runs (with pin nil without a card).
func (p *pinSigning) askDeclare(ctx app.Context, c *confirming, msg string, card bool, declare func(ctx app.Context, pin []byte)) {
	c.ask(ctx, "申报确认", msg, "申报", false, func(ctx app.Context) {
		if card {
			// A card holder signs the declaration with the card (X3).
			p.pinThen, p.pinErr, p.pinOpen = declare, "", true
			ctx.Defer(func(app.Context) { focusID("pin-input") })
			return
		}
		declare(ctx, nil)
	})
}

func (p *pinSigning) onPIN(ctx app.Context, pin []byte) {
	p.pinOpen = false
	if then := p.pinThen; then != nil {
		then(ctx, pin)
	}
}

// renderPIN is the PIN dialog; 取消 says so in the status line s.
func (p *pinSigning) renderPIN(s *pageStatus) app.UI {
	return signPINDialog(p.pinOpen, p.pinErr, p.onPIN, func(ctx app.Context) {
		p.pinOpen = false
		s.setStatus("已取消申报", false)
	})
}

// signPINDialog is the PIN dialog of a card-signed 申报 (X3).
func signPINDialog(open bool, err string, onOK func(ctx app.Context, pin []byte), onCancel func(ctx app.Context)) app.UI {
	return &PINDialog{
		Open:     open,
		Title:    "IC 卡签名",
		Message:  "申报内容将用 IC 卡签名后提交。请输入 IC 卡密码：",
		Err:      err,
		OnOK:     onOK,
		OnCancel: onCancel,
	}
}

// formLegend explains the fields' colours.
func formLegend() app.UI {
	return app.Span().Class("legend").Body(
		app.Span().Class("swatch k-req"), app.Text("必填"),
		app.Span().Class("swatch k-opt"), app.Text("选填"),
		app.Span().Class("swatch k-sys"), app.Text("系统反填/不可修改"),
	)
}

// formFields is the form's inputs; options gives a select's choices and
// whether they are still loading.
func formFields(form model.Form, values map[string]string, errs model.FieldErrors, edit bool,
	options func(f model.Field) ([]model.Option, bool),
	onInput, onCommit func(ctx app.Context, key, v string)) []app.UI {
	fields := make([]app.UI, 0, len(form))
	for _, f := range form {
		opts, loading := options(f)
		if edit && f.Options == model.OptionsCities && values["province"] == "" {
			f.Hint = "请先选择省份"
		}
		if edit && (f.Options == model.OptionsMarketDepts || f.Options == model.OptionsTaxDepts) && values["agent_point"] == "" {
			f.Hint = "请先选择发卡机构"
		}
		fields = append(fields, &FieldInput{
			Spec:     f,
			Value:    values[f.Key],
			Err:      errs[f.Key],
			Locked:   !edit,
			Options:  opts,
			Loading:  loading,
			OnInput:  onInput,
			OnCommit: onCommit,
			OnError: func(ctx app.Context, key, msg string) {
				if msg == "" {
					delete(errs, key)
				} else {
					errs[key] = msg
				}
			},
		})
	}
	return fields
}

// recordList is a list of records: head the columns (操作 last), rows
// its rows (listRow), empty what it says when there are none.
func recordList(id string, head []string, rows []app.UI, empty string) app.UI {
	ths := make([]app.UI, len(head))
	for i, h := range head {
		ths[i] = app.Th().Text(h)
	}
	body := append(rows, app.If(len(rows) == 0, func() app.UI {
		return app.Tr().Body(app.Td().ColSpan(len(head)).Class("empty").Text(empty))
	}))
	return app.Div().Class("table-wrap").Body(
		app.Table().ID(id).Class("grid").Body(
			app.THead().Body(app.Tr().Body(ths...)),
			app.TBody().Body(body...),
		),
	)
}

// listRow is the row of the record id in a list: cells, then 查看 / 修改 /
// 删除 as its state st allows.
func listRow(id int64, st model.State, current, busy bool, onView, onEdit, onDelete app.EventHandler, cells ...app.UI) app.UI {
	sid := strconv.FormatInt(id, 10)
	return app.Tr().DataSet("id", sid).Class(activeIf(current)).Body(append(cells,
		app.Td().Class("actions").Body(
			app.Button().Type("button").Class("link act-view").DataSet("id", sid).
				Disabled(busy).OnClick(onView).Text("查看"),
			app.Button().Type("button").Class("link act-edit").DataSet("id", sid).
				Disabled(busy || !st.CanEdit()).OnClick(onEdit).Text("修改"),
			app.Button().Type("button").Class("link act-delete").DataSet("id", sid).
				Disabled(busy || !st.CanDelete()).OnClick(onDelete).Text("删除"),
		),
	)...)
}

// stateCell is a record's state in a list.
func stateCell(st model.State) app.UI {
	return app.Td().Body(app.Span().Class("state state-" + string(st)).Text(st.Label()))
}

// printView is a record as 打印 prints it (print CSS only); rows are its
// fields.
func printView(div app.HTMLDiv, title string, st model.State, updated time.Time, rows []app.UI) app.UI {
	return div.Class("print-view").Body(
		app.H1().Text("中国电子口岸 身份认证管理系统"),
		app.H2().Text(title),
		app.P().Class("print-meta").Text(
			"状态："+st.Label()+"　　更新时间："+formatTime(updated)+"　　打印时间："+time.Now().Format("2006-01-02 15:04")),
		app.Table().Class("print-table").Body(app.TBody().Body(rows...)),
		app.P().Class("print-sign").Text("企业（盖章）：　　　　　　　　　法定代表人（签字）：　　　　　　　　　日期："),
	)
}

// printRecord prints the page with the print layout of a record.
func printRecord(ctx app.Context) {
	ctx.Defer(func(app.Context) {
		body := app.Window().Get("document").Get("body")
		body.Get("classList").Call("add", "print-record")
		app.Window().Call("print")
		body.Get("classList").Call("remove", "print-record")
	})
}

// rowID is the record id of the list row whose button was clicked.
func rowID(ctx app.Context) int64 {
	id, _ := strconv.ParseInt(ctx.JSSrc().Get("dataset").Get("id").String(), 10, 64)
	return id
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2006-01-02 15:04")
}

// entryForm is what an entry page's form holds: the values, their
// messages, and whether 申报 was tried (empty required fields are errors
// then).
type entryForm struct {
	viewOnly bool // opened with 查看
	values   map[string]string
	errs     model.FieldErrors
	declare  bool
	restored string // the local copy put back (shown)
}

func (f *entryForm) initForm() bool {
	if f.values != nil {
		return false
	}
	f.values = map[string]string{}
	f.errs = model.FieldErrors{}
	return true
}

// fill puts start into the form, with no messages.
func (f *entryForm) fill(start map[string]string, viewOnly bool) {
	f.viewOnly = viewOnly
	f.values = make(map[string]string, len(start))
	for k, v := range start {
		f.values[k] = v
	}
	f.errs = model.FieldErrors{}
	f.declare = false
	f.restored = ""
}

func (f *entryForm) mode() model.Mode {
	if f.declare {
		return model.Declare
	}
	return model.Draft
}

// setErr sets the message of key, or clears it when msg is empty.
func (f *entryForm) setErr(key, msg string) {
	if msg != "" {
		f.errs[key] = msg
	} else {
		delete(f.errs, key)
	}
}

// input takes what was typed into key, with what follows from it in
// form: the codes the kind cuts from the credit code, no city of another
// province, no department of another agent point. Its red prompt goes
// while the user types the fix; the field is checked again when left.
func (f *entryForm) input(sp *model.KindSpec, form model.Form, key, v string) {
	old := f.values[key]
	f.values[key] = v
	delete(f.errs, key)
	if key == "credit_code" {
		for _, fl := range sp.Fills {
			if fl.From == model.FromCreditCode {
				f.values[fl.Key] = model.SubjectCode(strings.ToUpper(strings.TrimSpace(v)))
			}
		}
	}
	if old == v {
		return
	}
	for _, fd := range form {
		if fd.DependsOn() == key && fd.Kind != model.System {
			f.values[fd.Key] = ""
		}
	}
}

// commit takes a value left: an empty one has no message before 申报,
// another is checked; it reports whether check ran.
func (f *entryForm) commit(key, v string, check func(key string)) bool {
	f.values[key] = v
	if v == "" && !f.declare {
		delete(f.errs, key)
		return false
	}
	check(key)
	return true
}

// restore puts the draft's input into the form: what it changed from the
// record it was typed on (for a new record, what it holds), and its grey
// fields where the form has none (a new record typed offline keeps the
// values the system had filled); it reports whether anything changed.
func (f *entryForm) restore(d draft, form model.Form) bool {
	changed := false
	for _, fd := range form {
		v, ok := d.Values[fd.Key]
		switch {
		case !ok || v == f.values[fd.Key]:
			continue
		case fd.Kind == model.System:
			if f.values[fd.Key] != "" || v == "" {
				continue
			}
		case d.Base != nil && v == d.Base[fd.Key], d.Base == nil && v == "":
			continue // not typed: the form's value stands (a back-fill now possible)
		}
		f.values[fd.Key] = v
		changed = true
	}
	if changed {
		f.restored = "已恢复本机保存的未暂存内容（" + formatTime(d.SavedAt) + "），请核对后点击【暂存】。"
	}
	return changed
}
