package ui

// The actions of RecordPage: open, 新增, 暂存, 申报 (signed by the card of a
// card session), 打印, 删除.

import (
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/apiclient"
	"eportid/app/bridgeclient"
	"eportid/app/model"
)

// ---- actions ----

func (c *RecordPage) onView(ctx app.Context, e app.Event) { c.open(ctx, rowID(ctx), true) }
func (c *RecordPage) onEdit(ctx app.Context, e app.Event) { c.open(ctx, rowID(ctx), false) }

func (c *RecordPage) onEditCurrent(ctx app.Context, e app.Event) {
	if c.rec != nil {
		c.open(ctx, c.rec.ID, false)
	}
}

// onRecheck loads the page again after what blocked it may have changed
// (the legal-person filing declared, the filing approved, in another tab).
func (c *RecordPage) onRecheck(ctx app.Context, e app.Event) {
	c.blocked, c.note, c.rec = "", "", nil
	c.setStatus("", false)
	c.load(ctx)
}

func (c *RecordPage) onReload(ctx app.Context, e app.Event) {
	if c.rec != nil {
		c.open(ctx, c.rec.ID, c.viewOnly)
		return
	}
	c.load(ctx)
}

// open reads a record and puts it into the form.
func (c *RecordPage) open(ctx app.Context, id int64, viewOnly bool) {
	c.busy = true
	ref := model.RecordRef{Kind: c.Kind, Change: c.Change, ID: id}
	ac := c.on(ctx)
	ac.Async(func() {
		r, err := client().Record(bg(), ref)
		ac.Dispatch(func(ctx app.Context) {
			c.busy = false
			if apiclient.IsNetwork(err) {
				for _, l := range c.list {
					if l.ID == id {
						// Offline: the record as the list last showed it.
						setOffline(ctx, true)
						if c.fromCopy.IsZero() {
							c.fromCopy = time.Now()
							if cp, ok := readCopy(ctx, c.copyKey()); ok {
								c.fromCopy = cp.At
							}
						}
						c.stale = true
						c.show(ctx, l, viewOnly)
						return
					}
				}
			}
			if msg, left := handleErr(ctx, err); left {
				return
			} else if msg != "" {
				c.setStatus(msg, true)
				c.conflict = true
				return
			}
			c.status = ""
			setOffline(ctx, false)
			updateCopy(ctx, c.copyKey(), r)
			c.show(ctx, r, viewOnly)
		})
	})
}

// mayNew: 新增 starts a new record where there is room for one: a filing
// where the enterprise has none of the kind, a change where the approved
// filing has no open change.
func (c *RecordPage) mayNew() bool {
	if c.blocked != "" || !c.maySave() {
		return false
	}
	if c.Change {
		return c.filing != nil && !c.openChange() && c.rec != nil
	}
	if c.spec().Many {
		return true
	}
	return len(c.list) == 0 && c.rec == nil
}

// focusFirstEditable puts the caret into the form's first field the user
// fills.
func focusFirstEditable(form model.Form) {
	for _, f := range form {
		if f.Kind != model.System {
			focusID("f-" + f.Key)
			return
		}
	}
}

func (c *RecordPage) onNew(ctx app.Context, e app.Event) {
	if !c.mayNew() {
		return
	}
	start := c.start
	if c.Change {
		start = c.filing.Fields
	}
	begin := func(ctx app.Context) {
		c.clearLocal(ctx)
		c.newForm(ctx, start)
		c.setStatus("", false)
		if c.Change {
			c.note, c.noteCls = "已反填审批通过的备案信息；灰色项不可修改，修改黄色、白色项后暂存或申报。", noteOK
		}
		ctx.Defer(func(app.Context) { focusFirstEditable(c.form()) })
	}
	if c.dirty() {
		c.ask(ctx, "新增确认", "当前录入的内容尚未暂存，新增将清空这些内容。确定新增吗？", "新增", false, begin)
		return
	}
	begin(ctx)
}

// dirty reports whether the form holds input beyond what was loaded.
func (c *RecordPage) dirty() bool {
	base := c.start
	if c.rec != nil {
		base = c.rec.Fields
	}
	for _, f := range c.form() {
		if f.Kind != model.System && c.values[f.Key] != base[f.Key] {
			return true
		}
	}
	return false
}

// failed shows the outcome of a refused 暂存 / 申报.
func (c *RecordPage) failed(ctx app.Context, what string, err error) {
	c.pageStatus.failed(ctx, what, err, c.form(), c.errs, model.ErrConflict, model.ErrState, model.ErrNotFound, model.ErrOpenChange)
}

// begin starts 暂存 (declare false) or 申报 of the form, if the page
// allows it now, with the page's own rules in that mode.
func (c *RecordPage) begin(ctx app.Context, declare bool) (map[string]string, bool) {
	if c.busy || !c.editable() || declare && !c.mayDeclare() {
		return nil, false
	}
	c.declare = declare
	return c.checkAll(ctx, map[bool]string{true: "申报", false: "暂存"}[declare])
}

// checkAll runs the page's own rules before 暂存 / 申报.
func (c *RecordPage) checkAll(ctx app.Context, what string) (map[string]string, bool) {
	sp := c.spec()
	vals := sp.Normalize(c.values, c.Change)
	errs := sp.Validate(vals, c.Change, c.Role, c.mode())
	c.errs = errs
	return vals, !c.invalid(ctx, what, c.form(), errs)
}

// create saves a new record: a filing, or a change of the approved filing.
func (c *RecordPage) create(vals map[string]string) (apiclient.Rec, error) {
	var filingID int64
	if c.Change && c.filing != nil {
		filingID = c.filing.ID
	}
	return client().CreateRecord(bg(), c.Kind, filingID, vals)
}

func (c *RecordPage) onSave(ctx app.Context, e app.Event) {
	vals, ok := c.begin(ctx, false)
	if !ok {
		return
	}
	rec := c.rec
	busyDo(c.on(ctx), &c.busy, &c.pageStatus, "正在暂存…", func() (apiclient.Rec, error) {
		if rec == nil {
			return c.create(vals)
		}
		return client().SaveRecord(bg(), model.RecordRef{Kind: c.Kind, Change: c.Change, ID: rec.ID}, rec.Version, vals)
	}, func(ctx app.Context, r apiclient.Rec, err error) {
		if err != nil {
			if c.refused(err) {
				c.setStatus("暂存失败："+err.Error(), true)
				return
			}
			c.failed(ctx, "暂存", err)
			return
		}
		c.clearLocal(ctx)
		updateCopy(ctx, c.copyKey(), r)
		c.fromCopy = time.Time{}
		setOffline(ctx, false) // the server answered: pages showing a copy load again
		c.show(ctx, r, false)
		c.setStatus("暂存成功", false)
	})
}

func (c *RecordPage) onDeclare(ctx app.Context, e app.Event) {
	vals, ok := c.begin(ctx, true)
	if !ok {
		return
	}
	c.askDeclare(ctx, &c.confirming, "申报后信息将发送到"+c.agentPointName(vals["agent_point"])+"审批，申报后的数据不可修改。确定申报吗？",
		c.CardNumber != "", func(ctx app.Context, pin []byte) { c.doDeclare(ctx, vals, pin) })
}

// signed has the card sign the canonical form of what the server will
// store (X3): the record, the version the declaration makes and the
// normalized fields, the grey ones as the server last set them.
func (c *RecordPage) signed(ref model.RecordRef, rec *apiclient.Rec, vals map[string]string, pin []byte) (*model.CardSignature, error) {
	fields := map[string]string{}
	for k, v := range vals {
		fields[k] = v
	}
	for _, f := range c.form() {
		if f.Kind == model.System {
			fields[f.Key] = rec.Fields[f.Key]
		}
	}
	fields = c.spec().Normalize(fields, c.Change)
	d := model.SignedDigest(model.CanonicalRecord(ref.Name(), ref.ID, rec.Version+1, fields))
	sig, err := signWithCard(pin, d[:])
	if err != nil {
		return nil, err
	}
	return &model.CardSignature{Signature: sig.Signature, Certificate: sig.Certificate}, nil
}

// doDeclare saves and declares vals; with pin (a card session) signed
// with the card.
func (c *RecordPage) doDeclare(ctx app.Context, vals map[string]string, pin []byte) {
	rec := c.rec
	var created *apiclient.Rec
	cardFailed := false
	ac := c.on(ctx)
	busyDo(ac, &c.busy, &c.pageStatus, "正在申报…", func() (apiclient.Rec, error) {
		defer wipePIN(pin)
		if rec == nil {
			// A new record is saved first, then declared.
			n, err := c.create(vals)
			if err != nil {
				return apiclient.Rec{}, err
			}
			rec, created = &n, &n
		}
		ref := model.RecordRef{Kind: c.Kind, Change: c.Change, ID: rec.ID}
		var sig *model.CardSignature
		if pin != nil {
			ac.Dispatch(func(ctx app.Context) { c.setStatus("正在用 IC 卡签名…", false) })
			var err error
			if sig, err = c.signed(ref, rec, vals, pin); err != nil {
				cardFailed = true
				return apiclient.Rec{}, err
			}
		}
		return client().DeclareRecord(bg(), ref, rec.Version, vals, sig)
	}, func(ctx app.Context, r apiclient.Rec, err error) {
		if err != nil {
			if created != nil {
				// Saved as a draft, but not declared.
				c.rec = created
				c.replace(*created)
				c.histTick++
			}
			if cardFailed {
				c.setStatus("申报失败："+bridgeclient.Message(err), true)
				return
			}
			if c.refused(err) {
				c.setStatus("申报失败："+err.Error(), true)
				return
			}
			c.failed(ctx, "申报", err)
			return
		}
		c.declare = false
		c.clearLocal(ctx)
		updateCopy(ctx, c.copyKey(), r)
		c.show(ctx, r, false)
		c.setStatus("申报成功", false)
	})
}

// agentPointName is how the declaration's confirmation names where it
// goes: the chosen agent point, or the enterprise's.
func (c *RecordPage) agentPointName(code string) string {
	if code != "" {
		if opts, _ := c.lists.options(model.Field{Options: model.OptionsAgentPoints}, c.values); model.OptionName(opts, code) != "" {
			return "“" + model.OptionName(opts, code) + "”"
		}
	}
	return "制卡代理点（审批部门）"
}

func (c *RecordPage) onPrint(ctx app.Context, e app.Event) {
	if c.rec == nil || !c.rec.State.CanPrint() {
		return
	}
	printRecord(ctx)
}

func (c *RecordPage) onDelete(ctx app.Context, e app.Event) {
	if c.rec == nil || !c.rec.State.CanDelete() || c.refuseOffline() {
		return
	}
	id := c.rec.ID
	c.askDelete(ctx, "当前"+c.title()+"信息", func(ctx app.Context) { c.remove(ctx, id) })
}

// refuseOffline says that nothing is deleted offline; it reports whether
// the page is.
func (c *RecordPage) refuseOffline() bool {
	if c.offline() {
		c.setStatus("服务器暂时无法访问：恢复连接后才能删除", true)
		return true
	}
	return false
}

func (c *RecordPage) onDeleteRow(ctx app.Context, e app.Event) {
	if c.refuseOffline() {
		return
	}
	id := rowID(ctx)
	what := "这条" + c.spec().Label + "记录"
	if c.Change {
		what = "这条变更"
	}
	c.askDelete(ctx, what, func(ctx app.Context) { c.remove(ctx, id) })
}

func (c *RecordPage) remove(ctx app.Context, id int64) {
	ref := model.RecordRef{Kind: c.Kind, Change: c.Change, ID: id}
	busyDo(c.on(ctx), &c.busy, &c.pageStatus, "正在删除…", func() (struct{}, error) {
		return struct{}{}, client().DeleteRecord(bg(), ref)
	}, func(ctx app.Context, _ struct{}, err error) {
		if c.deleteFailed(ctx, err) {
			return
		}
		dropFromCopy(ctx, c.copyKey(), id)
		for i := range c.list {
			if c.list[i].ID == id {
				c.list = append(c.list[:i:i], c.list[i+1:]...)
				break
			}
		}
		if c.rec != nil && c.rec.ID == id {
			c.clearLocal(ctx)
			c.rec = nil
			c.note = ""
			c.load(ctx)
		}
		c.setStatus("删除成功", false)
	})
}
