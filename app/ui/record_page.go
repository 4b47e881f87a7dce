package ui

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/apiclient"
	"eportid/app/model"
)

// RecordPage is the entry page of a filing or a change of any kind of
// model.Kinds, one component for all of them; the kind's entry says what
// differs (its forms, grey fields, registry, gates, print title).
//
//   - a filing (N1, L1–L3): the query part (condition 状态, 【查询】【重置】,
//     the list with 查看 / 修改 / 删除) and the form with 新增 暂存 申报 打印
//     删除; the form opens the enterprise's filing (a no-card pre-entry is
//     taken over as it is), or starts from the back-fill (the registry's
//     record, the declared legal-person filing, or what the enterprise
//     registered with).
//   - Pre (N2–N4): 企业…资质备案（预录入） of the no-card administrator, 暂存
//     only; refused with the server's message until the legal-person filing
//     is declared.
//   - Change (L4–L7): 法人信息变更 and the three 资质变更, only of an approved
//     filing: the list of changes with 查看 / 修改 / 删除, 新增 to start one
//     from the approved values; grey fields are fixed (FixedInChange).
//
// Every saved record shows its history (HistoryPanel) and, when a card
// declared it, its signature. Fields are yellow, white or grey as the
// kind's form says for the session's role; buttons are enabled by the
// record's state (X1); unsaved input is kept in the browser's local
// storage as a draft until it is saved (drafts.go). While the server cannot
// be reached the page opens from its last copy, read-only but for drafts,
// with no 申报 or 删除; when the server is back it loads again and offers
// the drafts, showing a record changed meanwhile beside its draft.
type RecordPage struct {
	app.Compo
	mounted

	Kind         model.FilingKind
	Change       bool
	Pre          bool
	EnterpriseID int64
	// User is the session's user name: drafts and copies are the user's.
	User string
	Role model.Role
	// CardNumber is the card of a card session: its 申报 is signed with
	// the card (X3), after the PIN dialog.
	CardNumber string
	// Authorised are the kinds an operator card may save and declare.
	Authorised []model.FilingKind

	loading bool
	busy    bool
	blocked string   // why nothing can be entered here (shown, form locked)
	note    string   // how the form was filled (back-fill)
	noteCls noteKind // the note's style
	// takeOver: the record being opened is the one the page found on
	// loading (a pre-entry to take over, say so).
	takeOver bool

	filing   *apiclient.Rec    // Change: the approved filing
	list     []apiclient.Rec   // the filings (query part) or the changes, newest first
	rec      *apiclient.Rec    // the record in the form; nil for a new one
	start    model.Fields      // what a new record starts from (back-fill)
	qState   string            // the query's state condition being edited
	qApplied string            // the state condition of the list shown
	qVals    map[string]string // the text conditions being edited (KindSpec.QueryKeys)
	qShown   map[string]string // the text conditions of the list shown

	entryForm
	pageStatus
	histTick int

	confirming

	pinSigning

	lists formLists

	// fromCopy is the time of the copy the page shows (zero: the server's
	// answer); stale: what is shown was not confirmed by the server
	// (a copy, or nothing could be loaded), loaded again when it is back.
	fromCopy time.Time
	stale    bool
	netDown  bool  // the server cannot be reached (stateOffline)
	reopenID int64 // the record to show again once the list is loaded
	// clash is a draft whose record changed on the server since it was
	// typed: both are shown until the user chooses.
	clash *draft
}

// noteKind is the style of the back-fill note: it worked, there was
// nothing to take over, or it failed.
type noteKind string

const (
	noteOK   noteKind = "note-ok"
	noteInfo noteKind = "note-info"
	noteWarn noteKind = "note-warn"
)

func (c *RecordPage) spec() *model.KindSpec { return c.Kind.Spec() }

func (c *RecordPage) form() model.Form { return c.spec().FormFor(c.Change, c.Role) }

// title is the page's name as the menu writes it.
func (c *RecordPage) title() string {
	sp := c.spec()
	switch {
	case c.Change:
		return sp.ChangeMenuLabel
	case c.Pre:
		return sp.PreLabel()
	}
	return sp.MenuLabel
}

func (c *RecordPage) init() { c.initForm() }

func (c *RecordPage) OnMount(ctx app.Context) {
	c.keep(ctx)
	c.init()
	if app.IsServer {
		return
	}
	ctx.ObserveState(stateOffline, &c.netDown).OnChange(func() {
		if c.netDown {
			return
		}
		if strings.Contains(c.status, "恢复连接后请重试") {
			c.setStatus("已恢复与服务器的连接，请核对后点击【暂存】", false)
		}
		c.onBack(ctx)
	})
	c.load(ctx)
}

// offline: the page shows a copy or the server cannot be reached; nothing
// is declared or deleted then.
func (c *RecordPage) offline() bool { return c.netDown || !c.fromCopy.IsZero() }

// onBack loads the page again when the server is back after it showed
// what the server had not confirmed; the record in the form is shown again
// with its draft.
func (c *RecordPage) onBack(ctx app.Context) {
	if !c.stale || c.loading || c.busy {
		return
	}
	if c.rec != nil {
		c.reopenID = c.rec.ID
	}
	c.load(ctx)
}

// menuKey is the menu key of the page (its tab).
func (c *RecordPage) menuKey() string {
	k := c.Kind.MenuKey()
	switch {
	case c.Change:
		k += "-change"
	case c.Pre:
		k += "-pre"
	}
	return k
}

func (c *RecordPage) copyKey() string { return copyKey(c.User, c.EnterpriseID, c.Kind, c.Change) }

func (c *RecordPage) mayDeclare() bool {
	if c.offline() {
		return false
	}
	if c.Change {
		return c.Role.MayChange(c.Kind)
	}
	return !c.Pre && c.Role.MayDeclareAuthorised(c.Kind, c.Authorised)
}

func (c *RecordPage) maySave() bool {
	if c.Change {
		return c.Role.MayChange(c.Kind)
	}
	return c.Role.MaySaveAuthorised(c.Kind, c.Authorised)
}

// editable: a new record or a draft / returned one, not opened with 查看,
// and nothing blocks the page.
func (c *RecordPage) editable() bool {
	if c.viewOnly || c.blocked != "" || !c.maySave() || c.clash != nil {
		return false
	}
	return c.rec == nil || c.rec.State.CanEdit()
}

func (c *RecordPage) ref() model.RecordRef {
	if c.rec == nil {
		return model.RecordRef{Kind: c.Kind, Change: c.Change}
	}
	return model.RecordRef{Kind: c.Kind, Change: c.Change, ID: c.rec.ID}
}

// ---- loading ----

// load reads what the page starts from: for a filing, the enterprise's
// filing of the kind or else the back-fill; for a change, the approved
// filing and the changes.
func (c *RecordPage) load(ctx app.Context) {
	c.loading = true
	ac := c.on(ctx)
	kind, change := c.Kind, c.Change
	ac.Async(func() {
		filings, err := client().Records(bg(), kind, false)
		var changes []apiclient.Rec
		var bf *model.Backfill
		if err == nil && change {
			changes, err = client().Records(bg(), kind, true)
		}
		var bfErr error
		sp := kind.Spec()
		needBF := !change && (len(filings) == 0 || sp.Many) || change && sp.RegistryRequired && len(filings) > 0
		if err == nil && needBF {
			b, e := client().Backfill(bg(), kind)
			bf, bfErr = &b, e
		}
		ac.Dispatch(func(ctx app.Context) {
			c.loading = false
			if !c.fromCopy.IsZero() {
				c.note = "" // the copy's note; the page says anew how it is filled
			}
			c.fromCopy, c.stale = time.Time{}, false
			if apiclient.IsNetwork(err) {
				if cp, ok := readCopy(ctx, c.copyKey()); ok {
					// The server cannot be reached: the page as last seen.
					setOffline(ctx, true)
					netErr := err
					filings, changes, bf, err, bfErr = cp.Filings, cp.Changes, cp.Backfill, nil, nil
					if needBF && bf == nil {
						bfErr = netErr
					}
					c.fromCopy, c.stale = cp.At, true
				}
			} else if err == nil {
				setOffline(ctx, false) // the server answered
				c.keepCopy(ctx, filings, changes, bf, bfErr)
			}
			if c.fromCopy.IsZero() {
				if msg, left := handleErr(ctx, err); left {
					return
				} else if msg != "" {
					if c.refused(err) {
						return
					}
					if apiclient.Code(err) == model.ErrForbidden {
						c.blocked = msg
						return
					}
					c.setStatus("查询失败："+msg, true)
					c.conflict = true
					if apiclient.IsNetwork(err) {
						c.stale = true
						if !change && c.rec == nil {
							// Nothing known of the page: a new record may
							// still be typed, kept as a draft.
							c.newForm(ctx, nil)
						}
					}
					return
				}
			}
			if strings.HasPrefix(c.status, "查询失败") {
				c.status, c.conflict = "", false
			}
			byNewest(filings)
			byNewest(changes)
			if change {
				if bf != nil && bf.Blocked {
					c.blocked = bf.Message
				}
				c.loadedChange(ctx, filings, changes, bf)
				return
			}
			c.list = filings
			if id := c.reopenID; id != 0 {
				c.reopenID = 0
				for _, r := range filings {
					if r.ID == id {
						c.show(ctx, r, c.viewOnly)
						return
					}
				}
				c.rec = nil // gone meanwhile
			}
			if c.rec != nil {
				return
			}
			if len(filings) > 0 && !c.spec().Many {
				c.takeOver = true
				c.show(ctx, filings[0], false)
				return
			}
			c.backfilled(ctx, bf, bfErr)
		})
	})
}

// keepCopy keeps the page's answer of the server as its copy; a back-fill
// not asked for this time is kept from the last copy.
func (c *RecordPage) keepCopy(ctx app.Context, filings, changes []apiclient.Rec, bf *model.Backfill, bfErr error) {
	cp := pageCopy{Kind: c.Kind, Filings: filings, Changes: changes}
	if bfErr == nil && bf != nil {
		cp.Backfill = bf
	} else if last, ok := readCopy(ctx, c.copyKey()); ok {
		cp.Backfill = last.Backfill
	}
	storeCopy(ctx, c.copyKey(), cp)
}

func byNewest(l []apiclient.Rec) {
	sort.SliceStable(l, func(i, j int) bool { return l[i].UpdatedAt.After(l[j].UpdatedAt) })
}

// refused shows a refusal that concerns the whole page (the legal-person
// filing not declared, the forex record blocked, the role); it reports
// whether err was one.
func (c *RecordPage) refused(err error) bool {
	switch apiclient.Code(err) {
	case model.ErrLegalPersonFirst, model.ErrForexBlocked, model.ErrNoRegistryRecord:
		c.blocked = err.Error()
		return true
	}
	return false
}

// backfilled starts a new filing from the back-fill.
func (c *RecordPage) backfilled(ctx app.Context, bf *model.Backfill, err error) {
	c.start = nil
	if err != nil {
		msg, left := handleErr(ctx, err)
		if left || c.refused(err) {
			c.newForm(ctx, nil)
			return
		}
		c.newForm(ctx, nil)
		c.note, c.noteCls = "反填失败："+msg+"。可直接录入后暂存。", noteWarn
		return
	}
	if bf.Source == model.BackfillPreEntry && bf.RecordID != 0 {
		c.takeOver = true
		c.open(ctx, bf.RecordID, false)
		return
	}
	c.start = bf.Fields
	c.newForm(ctx, bf.Fields)
	src := c.spec().Registry
	switch {
	case bf.Blocked:
		c.blocked = bf.Message
		if c.blocked == "" {
			c.blocked = "不能办理" + c.Kind.FilingLabel()
		}
	case bf.Source == model.BackfillEnterprise:
		c.note, c.noteCls = "已反填注册时填写的企业信息，请核对并补全后暂存或申报。", noteInfo
	case bf.Registry == model.RegistryOK:
		c.note, c.noteCls = "已从"+src+"备案信息反填，请核对；灰色项不可修改。", noteOK
	case bf.Registry == model.RegistryFailed:
		msg := bf.Message
		if msg == "" {
			msg = src + "备案信息暂时无法获取"
		}
		c.note, c.noteCls = "未能从"+src+"备案信息反填："+msg+"可直接录入后暂存。", noteWarn
	case bf.Registry == model.RegistryNotFound:
		c.note, c.noteCls = "未查到本企业的"+src+"备案信息，已反填本企业申报的法人信息，请核对并补全。", noteInfo
	case bf.Message != "":
		c.note, c.noteCls = bf.Message, noteWarn
	}
	if !c.fromCopy.IsZero() {
		c.note, c.noteCls = copyNote(c.fromCopy), noteWarn
	}
}

// loadedChange opens the open change of the approved filing, or a new one.
func (c *RecordPage) loadedChange(ctx app.Context, filings, changes []apiclient.Rec, bf *model.Backfill) {
	c.list = changes
	c.filing = nil
	for i := range filings {
		if filings[i].State == model.StateApproved {
			c.filing = &filings[i]
			break
		}
	}
	if c.filing == nil {
		msg := "变更需要审批通过的备案：本企业的" + c.Kind.FilingLabel() + "尚未审批通过，暂不能办理变更。"
		if len(filings) > 0 {
			msg += "（当前备案状态：" + filings[0].State.Label() + "）"
		}
		c.blocked = msg
		c.newForm(ctx, nil)
		return
	}
	c.start = c.filing.Fields.Clone()
	if bf != nil && bf.Registry == model.RegistryOK {
		// The registry's values as they are now, carried by the change.
		model.Keep(c.start, bf.Fields, c.spec().ChangeRegistryKeys())
	}
	if id := c.reopenID; id != 0 {
		c.reopenID = 0
		for _, r := range changes {
			if r.ID == id {
				c.show(ctx, r, c.viewOnly)
				return
			}
		}
		c.rec = nil // gone meanwhile
	}
	if c.rec != nil {
		return
	}
	for _, r := range changes {
		if r.State != model.StateApproved {
			c.show(ctx, r, false)
			return
		}
	}
	c.newForm(ctx, c.start)
	if c.blocked == "" && c.fromCopy.IsZero() {
		c.note, c.noteCls = "已反填审批通过的备案信息；灰色项不可修改，修改黄色、白色项后暂存或申报。", noteOK
	}
}

// show puts a saved record into the form.
func (c *RecordPage) show(ctx app.Context, r apiclient.Rec, viewOnly bool) {
	c.rec = &r
	c.fill(r.Fields, viewOnly)
	c.conflict = false
	c.note = ""
	if c.takeOver && !c.Change && !c.Pre && r.State.CanEdit() && c.mayDeclare() {
		c.note, c.noteCls = "已调出本企业暂存的"+c.Kind.FilingLabel()+"信息（含无卡用户预录入的信息），核对无误后请点击【申报】。", noteOK
	}
	c.takeOver = false
	c.histTick++
	if !c.fromCopy.IsZero() {
		c.note, c.noteCls = copyNote(c.fromCopy), noteWarn
	}
	c.restoreLocal(ctx)
	c.replace(r)
	c.lists.ensure(c.on(ctx), c.form(), c.values, c.listFailed)
}

// newForm empties the form for a new record, starting from start.
func (c *RecordPage) newForm(ctx app.Context, start map[string]string) {
	c.rec = nil
	c.fill(start, false)
	if !c.fromCopy.IsZero() {
		c.note, c.noteCls = copyNote(c.fromCopy), noteWarn
	} else if c.stale {
		c.note, c.noteCls = "服务器暂时无法访问，本机也没有此页面的副本：可先录入，内容保存为本机草稿（灰色项恢复连接后由系统反填）；恢复连接后请核对并点击【暂存】。", noteWarn
	}
	c.conflict = false
	c.restoreLocal(ctx)
	c.lists.ensure(c.on(ctx), c.form(), c.values, c.listFailed)
}

func (c *RecordPage) listFailed(ctx app.Context, label, msg string) {
	c.setStatus(label+"：列表加载失败，"+msg, true)
}

// replace puts r into the list.
func (c *RecordPage) replace(r apiclient.Rec) {
	for i := range c.list {
		if c.list[i].ID == r.ID {
			c.list[i] = r
			return
		}
	}
	c.list = append([]apiclient.Rec{r}, c.list...)
}

// openChange reports whether a change of the filing is not yet approved
// (at most one at a time).
func (c *RecordPage) openChange() bool {
	for _, r := range c.list {
		if r.State != model.StateApproved {
			return true
		}
	}
	return false
}

// ---- drafts of unsaved input (drafts.go) ----

func (c *RecordPage) recID() int64 {
	if c.rec == nil {
		return 0
	}
	return c.rec.ID
}

func (c *RecordPage) draftKey(id int64) string {
	return draftKey(c.User, c.EnterpriseID, c.Kind, c.Change, id)
}

// saveLocal keeps the form as the draft of its record, with the grey
// fields and the version it was typed on.
func (c *RecordPage) saveLocal(ctx app.Context) {
	if !c.editable() || c.User == "" {
		return
	}
	d := draft{User: c.User, EnterpriseID: c.EnterpriseID, Kind: c.Kind, Change: c.Change, Page: c.menuKey(),
		Values: model.Fields{}, Offline: c.offline()}
	for _, f := range c.form() {
		d.Values[f.Key] = c.values[f.Key]
	}
	if c.rec != nil {
		d.ID, d.Version, d.Base = c.rec.ID, c.rec.Version, c.rec.Fields
	}
	if c.Change && c.filing != nil {
		d.FilingID = c.filing.ID
	}
	storeDraft(ctx, d)
}

// clearLocal forgets the draft of the record in the form.
func (c *RecordPage) clearLocal(ctx app.Context) { dropDraft(ctx, c.draftKey(c.recID())) }

// pendingDraft is the draft of the record in the form; for a kind of one
// record (and a change, one open at a time) also a draft typed as new
// while that record was not known here.
func (c *RecordPage) pendingDraft(ctx app.Context) (draft, bool) {
	if d, ok := readDraft(ctx, c.draftKey(c.recID())); ok {
		return d, true
	}
	if c.rec != nil && (c.Change || !c.spec().Many) {
		return readDraft(ctx, c.draftKey(0))
	}
	return draft{}, false
}

// restoreLocal puts back input typed but not saved when it belongs to the
// record in the form as it is now; a draft typed on another version of the
// record (changed on the server meanwhile) is shown beside it (clash).
func (c *RecordPage) restoreLocal(ctx app.Context) {
	c.clash = nil
	d, ok := c.pendingDraft(ctx)
	if !ok {
		return
	}
	same := c.rec != nil && d.ID == c.rec.ID && d.Version == c.rec.Version
	if c.rec != nil && !same && c.sameInput(d.Values, c.rec.Fields) {
		dropDraft(ctx, d.key()) // the server holds what was typed
		return
	}
	if c.rec != nil && !c.rec.State.CanEdit() {
		if same {
			dropDraft(ctx, d.key())
			return
		}
		c.clash = &d // only to be given up: the record can no longer be changed
		return
	}
	if c.viewOnly || c.blocked != "" || !c.maySave() {
		return
	}
	if c.rec != nil && !same {
		c.clash = &d
		return
	}
	c.restore(d, c.form())
}

// sameInput reports whether vals hold what fields hold in every field the
// user fills.
func (c *RecordPage) sameInput(vals, fields model.Fields) bool {
	for _, f := range c.form() {
		if f.Kind != model.System && vals[f.Key] != fields[f.Key] {
			return false
		}
	}
	return true
}

// onUseDraft puts what the clashing draft changed (every field it
// holds, for a draft typed as new) over the record as the server has it
// now; it is saved with 暂存.
func (c *RecordPage) onUseDraft(ctx app.Context, e app.Event) {
	d := c.clash
	if d == nil || c.rec == nil || !c.rec.State.CanEdit() {
		return
	}
	c.clash = nil
	if d.ID != c.rec.ID {
		dropDraft(ctx, d.key())
	}
	for _, f := range c.form() {
		if f.Kind == model.System {
			continue
		}
		if v, ok := d.Values[f.Key]; ok && (d.Base == nil || v != d.Base[f.Key]) {
			c.values[f.Key] = v
		}
	}
	c.restored = "已采用本机草稿（" + formatTime(d.SavedAt) + "）的内容，请核对后点击【暂存】。"
	c.saveLocal(ctx)
}

// onUseServer gives the clashing draft up.
func (c *RecordPage) onUseServer(ctx app.Context, e app.Event) {
	if d := c.clash; d != nil {
		dropDraft(ctx, d.key())
	}
	c.clash = nil
	c.setStatus("已放弃本机草稿，显示服务器上的当前内容", false)
}

// renderClash shows the record as the server has it beside the draft,
// the fields that differ, and the two choices.
func (c *RecordPage) renderClash() app.UI {
	d := c.clash
	if d == nil || c.rec == nil {
		return app.Div().ID("draft-clash").Class("draft-clash-none")
	}
	var rows []app.UI
	for _, f := range c.form() {
		if f.Kind == model.System || d.Values[f.Key] == c.rec.Fields[f.Key] {
			continue
		}
		rows = append(rows, app.Tr().DataSet("key", f.Key).Body(
			app.Th().Text(f.Label),
			app.Td().Class("clash-server").Text(c.lists.optionText(f, c.rec.Fields, c.rec.Fields[f.Key])),
			app.Td().Class("clash-draft").Text(c.lists.optionText(f, d.Values, d.Values[f.Key])),
		))
	}
	what := "本机草稿（" + formatTime(d.SavedAt) + " 录入）所依据的记录已在服务器上被修改（" +
		formatTime(c.rec.UpdatedAt) + "，" + c.rec.UpdatedBy + "，当前状态：" + c.rec.State.Label() + "）。"
	editable := c.rec.State.CanEdit() && !c.viewOnly && c.blocked == "" && c.maySave()
	if editable {
		what += "请比较后选择保留哪一份："
	} else {
		what += "该记录已不能修改，本机草稿无法暂存："
	}
	return app.Div().ID("draft-clash").Class("draft-clash note note-warn").Role("alert").Body(
		app.P().Text(what),
		app.Table().Class("grid clash-table").Body(
			app.THead().Body(app.Tr().Body(app.Th().Text("项目"), app.Th().Text("服务器当前内容"), app.Th().Text("本机草稿"))),
			app.TBody().Body(rows...),
		),
		app.Div().Class("clash-actions").Body(
			app.If(editable, func() app.UI {
				return app.Button().ID("btn-use-draft").Type("button").Class("btn btn-primary").OnClick(c.onUseDraft).Text("采用本机草稿的修改")
			}),
			app.Button().ID("btn-use-server").Type("button").Class("btn").OnClick(c.onUseServer).
				Text(map[bool]string{true: "采用服务器内容", false: "放弃本机草稿"}[editable]),
		),
	)
}

// ---- input ----

func (c *RecordPage) check() model.FieldErrors {
	sp := c.spec()
	return sp.Validate(sp.Normalize(c.values, c.Change), c.Change, c.Role, c.mode())
}

func (c *RecordPage) checkField(key string) { c.setErr(key, c.check()[key]) }

func (c *RecordPage) onInput(ctx app.Context, key, v string) {
	c.input(c.spec(), c.form(), key, v)
	c.lists.ensure(c.on(ctx), c.form(), c.values, c.listFailed)
	c.status, c.conflict = "", false
	c.saveLocal(ctx)
}

func (c *RecordPage) onCommit(ctx app.Context, key, v string) {
	if !c.commit(key, v, c.checkField) {
		return
	}
	// A rule between fields may now hold or break for the fields that
	// depend on this one.
	form := c.form()
	errs := c.check()
	for _, f := range form {
		if f.Key == key || !dependent(form, key, f.Key) {
			continue
		}
		if c.values[f.Key] == "" && !c.declare {
			delete(c.errs, f.Key)
			continue
		}
		c.setErr(f.Key, errs[f.Key])
	}
}

// dependent reports whether a rule of the form ties field k to key: the
// select whose choices key decides, or a document number and its type.
func dependent(form model.Form, key, k string) bool {
	if f, ok := form.Field(k); ok && f.DependsOn() == key {
		return true
	}
	return strings.HasSuffix(key, "_id_type") && strings.TrimSuffix(key, "_type") == strings.TrimSuffix(k, "_number")
}

// ---- rendering ----

func (c *RecordPage) Render() app.UI {
	c.init()
	edit := c.editable()
	var st model.State
	if c.rec != nil {
		st = c.rec.State
	}
	busy := c.busy || c.loading
	stateText := "新增（未暂存）"
	switch {
	case c.rec != nil:
		stateText = st.Label()
	case c.loading:
		stateText = "正在加载…"
	case c.blocked != "":
		stateText = "不可办理"
	}

	fields := formFields(c.form(), c.values, c.errs, edit, func(f model.Field) ([]model.Option, bool) {
		return c.lists.options(f, c.values)
	}, c.onInput, c.onCommit)
	name := map[bool]string{true: "change", false: "filing"}[c.Change]

	return app.Div().Class("lp-page rec-page").DataSet("form", string(c.Kind)+"-"+name).Body(
		app.Div().Class("toolbar").Role("toolbar").Aria("label", c.title()+"操作").Body(
			app.Button().ID("btn-new").Type("button").Class("btn btn-primary").
				Disabled(busy || !c.mayNew()).OnClick(c.onNew).Text("新增"),
			app.Button().ID("btn-save").Type("button").Class("btn btn-primary").DataSet("default", "1").
				Disabled(busy || !edit).OnClick(c.onSave).Text("暂存"),
			app.If(!c.Pre, func() app.UI {
				return app.Button().ID("btn-declare").Type("button").Class("btn btn-primary").
					Disabled(busy || !edit || !c.mayDeclare()).OnClick(c.onDeclare).Text("申报")
			}),
			app.If(!c.Pre, func() app.UI {
				return app.Button().ID("btn-print").Type("button").Class("btn btn-primary").
					Disabled(busy || c.rec == nil || !st.CanPrint()).OnClick(c.onPrint).Text("打印")
			}),
			app.If(!c.Pre, func() app.UI {
				return app.Button().ID("btn-delete").Type("button").Class("btn btn-primary").
					Disabled(busy || c.rec == nil || !st.CanDelete() || !c.mayDeclare() || c.Role == model.RoleOperatorCard || c.offline()).OnClick(c.onDelete).Text("删除")
			}),
			app.If(c.viewOnly && c.rec != nil && st.CanEdit() && c.blocked == "", func() app.UI {
				return app.Button().ID("btn-edit").Type("button").Class("btn").Disabled(busy).OnClick(c.onEditCurrent).Text("修改")
			}),
			c.renderStatus(c.onReload),
			app.Span().Class("toolbar-state").Body(
				app.Text("状态："),
				app.Span().ID("state").Class("state state-"+string(st)).Text(stateText),
				c.renderSignature(),
			),
		),
		app.If(c.blocked != "", func() app.UI {
			return app.Div().ID("blocked").Class("return-reason blocked").Role("alert").Body(
				app.Span().Class("blocked-text").Text(c.blocked),
				app.Button().ID("btn-recheck").Type("button").Class("link").Disabled(busy).Text("重新检查").OnClick(c.onRecheck),
			)
		}),
		app.If(c.Pre, func() app.UI {
			return app.P().ID("pre-note").Class("note").Text("本页面只提供暂存功能，不提供申报。暂存后的信息，须本企业法人卡用户持卡申报。")
		}),
		app.If(c.rec != nil && st == model.StateReturned && c.rec.ReturnReason != "", func() app.UI {
			return app.P().ID("return-reason").Class("return-reason").Text("退单原因：" + c.rec.ReturnReason)
		}),
		app.If(c.note != "" && c.blocked == "", func() app.UI {
			return app.P().ID("backfill-note").Class(classes("note", string(c.noteCls))).Role("note").Text(c.note)
		}),
		app.If(c.restored != "", func() app.UI {
			return app.P().ID("restored").Class("note note-warn").Text(c.restored)
		}),
		c.renderClash(),
		app.If(c.Change, func() app.UI { return c.renderChanges(busy) }),
		app.If(!c.Change, func() app.UI { return c.renderQuery(busy) }),
		app.Section().Class("form-box").Aria("label", c.title()).Body(
			app.H2().Class("section-title").Body(
				app.Text(c.spec().Label),
				formLegend(),
			),
			app.If(edit, func() app.UI {
				return app.P().ID("local-note").Class("note").Text("录入内容会自动保存在本机浏览器中，刷新页面或网络中断不会丢失；暂存成功后清除本机副本。按 Tab 或回车键跳至下一项，下拉框按空格展开。")
			}),
			app.Div().Class("fields").Body(fields...),
		),
		app.If(c.rec != nil && c.fromCopy.IsZero(), func() app.UI {
			return &HistoryPanel{Ref: c.ref(), Tick: c.histTick, Versions: !c.Change}
		}),
		c.renderPrint(),
		c.renderPIN(&c.pageStatus),
		c.renderConfirm(),
	)
}

// renderSignature shows #signature: 已签名 with the signer, when the
// record's declaration was signed with a card and the server verified it
// (X3).
func (c *RecordPage) renderSignature() app.UI {
	if c.rec == nil || c.rec.Signature == nil {
		return app.Span().ID("signature").Class("sig-none")
	}
	s := c.rec.Signature
	signer := s.HolderName + "（" + s.CardKind.Label() + " " + s.CardNumber + "）"
	if !s.Verified {
		return app.Span().ID("signature").Class("sig sig-bad").Title("签名与记录内容不符").
			Text("签名验证未通过 · " + signer)
	}
	text := "已签名 · " + signer + " · " + formatTime(s.SignedAt)
	if s.CardStateAtSigning != "" {
		// A signature made before a freeze or loss stays valid: say the
		// card's state then, and now where it differs.
		text += " · 签名时卡状态：" + s.CardStateAtSigning
		if s.CardStateNow != "" && s.CardStateNow != s.CardStateAtSigning {
			text += "（当前：" + s.CardStateNow + "）"
		}
	}
	return app.Span().ID("signature").Class("sig sig-ok").
		Title("证书序列号 " + s.CertSerial + "，签名时间 " + formatTime(s.SignedAt)).
		Text(text)
}

// renderChanges is the list of the kind's changes (查看 / 修改 / 删除).
func (c *RecordPage) renderChanges(busy bool) app.UI {
	rows := make([]app.UI, 0, len(c.list))
	for _, r := range c.list {
		declared := ""
		if r.DeclaredAt != nil {
			declared = formatTime(*r.DeclaredAt)
		}
		rows = append(rows, listRow(r.ID, r.State, c.rec != nil && c.rec.ID == r.ID, busy, c.onView, c.onEdit, c.onDeleteRow,
			app.Td().Class("mono").Text(strconv.FormatInt(r.ID, 10)),
			stateCell(r.State),
			app.Td().Class("nowrap").Text(declared),
			app.Td().Class("nowrap").Text(formatTime(r.UpdatedAt)),
		))
	}
	empty := "尚无变更记录"
	if c.loading {
		empty = "正在查询…"
	}
	return app.Section().Class("query-box").Aria("label", "变更记录").Body(
		app.H2().Class("section-title").Text("变更记录"),
		recordList("change-list", []string{"变更编号", "状态", "申报时间", "更新时间", "操作"}, rows, empty),
	)
}

// renderPrint is the record as 打印 prints it (print CSS only).
func (c *RecordPage) renderPrint() app.UI {
	if c.rec == nil {
		return app.Div().Class("print-view").ID("print-view")
	}
	var rows []app.UI
	for _, f := range c.form() {
		rows = append(rows, app.Tr().Body(app.Th().Text(f.Label), app.Td().Text(c.lists.optionText(f, c.rec.Fields, c.rec.Fields[f.Key]))))
	}
	title := c.spec().PrintTitle
	if c.Change {
		title = c.title() + "表"
	}
	return printView(app.Div().ID("print-view"), title, c.rec.State, c.rec.UpdatedAt, rows)
}
