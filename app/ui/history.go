package ui

import (
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/model"
)

// HistoryPanel is the 历史记录 of a record (X4): every change of state, with
// when, who, from which state to which, what changed, the reviewer's
// reason of a return and whether the operation was signed with a card;
// for a filing also its past versions, the values approved changes
// replaced. It reads them itself (Ref; again when Tick changes), or shows
// Entries as given (the review console, which gets them with the record).
type HistoryPanel struct {
	app.Compo
	mounted

	Ref      model.RecordRef
	Tick     int  // changed by the parent after an operation: read again
	Versions bool // read and show the past versions (filings)
	// Given, when set, shows Entries and reads nothing.
	Given   bool
	Entries []model.AuditEntry

	loaded   string // ref and tick last read
	loading  bool
	err      string
	entries  []model.AuditEntry
	versions []model.PastVersion
	open     bool // the past versions are unfolded

	lists  formLists         // to show the names of coded values
	values map[string]string // the latest value of every key, for lists
}

func (h *HistoryPanel) OnMount(ctx app.Context) {
	h.keep(ctx)
	h.read(ctx)
}

func (h *HistoryPanel) OnUpdate(ctx app.Context) { h.read(ctx) }

// names fetches the lists that name the coded values of the entries.
func (h *HistoryPanel) names(ctx app.Context, entries []model.AuditEntry) {
	h.values = map[string]string{}
	for _, e := range entries {
		for _, fc := range e.Fields {
			if fc.New != "" {
				h.values[fc.Key] = fc.New
			}
		}
	}
	h.lists.ensure(h.on(ctx), h.Ref.Kind.Form(), h.values, nil)
}

func (h *HistoryPanel) read(ctx app.Context) {
	if app.IsServer || h.Ref.ID == 0 {
		return
	}
	if h.Given {
		h.names(ctx, h.Entries)
		return
	}
	key := h.Ref.String() + "#" + strconv.Itoa(h.Tick)
	if key == h.loaded {
		return
	}
	h.loaded, h.loading, h.err = key, true, ""
	ref, versions := h.Ref, h.Versions && !h.Ref.Change
	ac := h.on(ctx)
	ac.Async(func() {
		list, err := client().History(bg(), ref)
		var past []model.PastVersion
		if err == nil && versions {
			past, err = client().PastVersions(bg(), ref.Kind, ref.ID)
		}
		ac.Dispatch(func(ctx app.Context) {
			if h.loaded != key {
				return
			}
			h.loading = false
			if msg, left := handleErr(ctx, err); left {
				return
			} else if msg != "" {
				h.err = "历史记录加载失败：" + msg
				return
			}
			h.entries, h.versions = list, past
			h.names(ctx, list)
		})
	})
}

func (h *HistoryPanel) Render() app.UI {
	entries := h.entries
	if h.Given {
		entries = h.Entries
	}
	form := h.Ref.Kind.Form()
	return app.Section().ID("history").Class("query-box history").Aria("label", "历史记录").Body(
		app.H2().Class("section-title").Text("历史记录"),
		app.If(h.err != "", func() app.UI { return app.P().Class("result error").Text(h.err) }),
		app.Div().Class("table-wrap").Body(
			app.Table().Class("grid history-table").Body(
				app.THead().Body(app.Tr().Body(
					app.Th().Text("时间"),
					app.Th().Text("操作"),
					app.Th().Text("操作人"),
					app.Th().Text("状态"),
					app.Th().Text("内容"),
					app.Th().Text("签名"),
				)),
				app.TBody().Body(
					app.Range(entries).Slice(func(i int) app.UI {
						return h.row(entries[i])
					}),
					app.If(len(entries) == 0, func() app.UI {
						text := "暂无历史记录"
						if h.loading {
							text = "正在加载…"
						}
						return app.Tr().Body(app.Td().ColSpan(6).Class("empty").Text(text))
					}),
				),
			),
		),
		app.If(len(h.versions) > 0, func() app.UI {
			return app.Div().Class("past-versions").Body(
				app.Button().ID("btn-versions").Type("button").Class("link").
					Aria("expanded", h.open).OnClick(h.toggle).
					Text(map[bool]string{true: "收起", false: "展开"}[h.open]+"历次变更前的备案信息（"+strconv.Itoa(len(h.versions))+"）"),
				app.If(h.open, func() app.UI {
					return app.Div().Body(app.Range(h.versions).Slice(func(i int) app.UI {
						return pastVersion(form, h.versions[i])
					}))
				}),
			)
		}),
	)
}

func (h *HistoryPanel) toggle(ctx app.Context, e app.Event) { h.open = !h.open }

// row is one audit entry.
func (h *HistoryPanel) row(e model.AuditEntry) app.UI {
	action := e.Action.Label()
	if e.Change && !h.Ref.Change {
		action = "变更" + action
	}
	states := ""
	switch {
	case e.FromState == "" && e.ToState != "":
		states = "→ " + e.ToState.Label()
	case e.ToState == "":
		states = e.FromState.Label() + " →（已删除）"
	case e.FromState == e.ToState:
		states = e.ToState.Label()
	default:
		states = e.FromState.Label() + " → " + e.ToState.Label()
	}
	who := e.UserName
	if e.Role != "" {
		who += "（" + e.Role.Label() + "）"
	}
	form := e.Kind.Form()
	if e.Change {
		form = e.Kind.ChangeForm()
	}
	var what []app.UI
	if e.Reason != "" {
		what = append(what, app.Div().Class("h-reason").Text("退单原因："+e.Reason))
	}
	var fields []app.UI
	for _, fc := range e.Fields {
		f, ok := form.Field(fc.Key)
		if !ok {
			f = model.Field{Key: fc.Key, Label: fc.Key}
		}
		if e.FromState == "" {
			// A creation: what was entered.
			if fc.New != "" {
				fields = append(fields, app.Div().Class("h-field").Body(
					app.Span().Class("h-label").Text(f.Label+"："),
					app.Span().Text(h.lists.optionText(f, h.values, fc.New)),
				))
			}
			continue
		}
		fields = append(fields, app.Div().Class("h-field").Body(
			app.Span().Class("h-label").Text(f.Label+"："),
			app.Span().Class("h-old").Text(orDash(h.lists.optionText(f, h.values, fc.Old))),
			app.Text(" → "),
			app.Span().Class("h-new").Text(orDash(h.lists.optionText(f, h.values, fc.New))),
		))
	}
	if len(fields) > 3 {
		// Many fields (a creation): folded, the count shown.
		what = append(what, app.Details().Class("h-more").Body(
			append([]app.UI{app.Summary().Text(map[bool]string{true: "录入 ", false: "修改 "}[e.FromState == ""] + strconv.Itoa(len(fields)) + " 项")}, fields...)...,
		))
	} else {
		what = append(what, fields...)
	}
	sig := app.Span().Class("muted").Text("—")
	if e.Signature != "" {
		sig = app.Span().Class("signed").Title("已用 IC 卡签名，服务器已验证").Text("已签名")
	}
	return app.Tr().Class("history-row").DataSet("action", string(e.Action)).Body(
		app.Td().Class("nowrap").Text(formatTime(e.At)),
		app.Td().Class("nowrap").Text(action),
		app.Td().Text(who),
		app.Td().Class("nowrap").Text(states),
		app.Td().Class("h-what").Body(what...),
		app.Td().Class("nowrap").Body(sig),
	)
}

func orDash(s string) string {
	if s == "" {
		return "（空）"
	}
	return s
}

// pastVersion is a filing's values before an approved change replaced them.
func pastVersion(form model.Form, v model.PastVersion) app.UI {
	var rows []app.UI
	for _, f := range form {
		rows = append(rows, app.Tr().Body(app.Th().Text(f.Label), app.Td().Text(v.Fields[f.Key])))
	}
	return app.Div().Class("past-version").Body(
		app.P().Class("note").Text("第 "+strconv.Itoa(v.Version)+" 版，于 "+formatTime(v.ReplacedAt)+" 被变更（编号 "+strconv.FormatInt(v.ChangeID, 10)+"）取代"),
		app.Table().Class("grid kv").Body(app.TBody().Body(rows...)),
	)
}
