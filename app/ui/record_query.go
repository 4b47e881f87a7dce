package ui

// The query part of RecordPage (P6): conditions (the kind's QueryKeys and
// the state), 【查询】【重置】, the list with 查看 / 修改 / 删除.

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/apiclient"
	"eportid/app/model"
)

var queryStates = []model.State{model.StateDraft, model.StateDeclared, model.StateApproved, model.StateReturned}

// renderQuery is the query part of a filing: condition 状态, 【查询】
// 【重置】, the list with 查看 / 修改 / 删除.
func (c *RecordPage) renderQuery(busy bool) app.UI {
	sp := c.spec()
	form := c.form()
	var rows []app.UI
	for _, r := range c.list {
		if c.qApplied != "" && string(r.State) != c.qApplied || !c.matches(r) {
			continue
		}
		cells := make([]app.UI, 0, len(sp.ListKeys)+2)
		for _, k := range sp.ListKeys {
			f, _ := form.Field(k)
			cells = append(cells, app.Td().Class(map[bool]string{true: "mono", false: ""}[f.Upper || f.Kind == model.System]).
				Text(c.lists.optionText(f, r.Fields, r.Fields[k])))
		}
		cells = append(cells, stateCell(r.State), app.Td().Class("nowrap").Text(formatTime(r.UpdatedAt)))
		rows = append(rows, listRow(r.ID, r.State, c.rec != nil && c.rec.ID == r.ID, busy || !c.maySave(), c.onView, c.onEdit, c.onDeleteRow, cells...))
	}
	empty := "没有符合条件的记录"
	if c.loading {
		empty = "正在查询…"
	} else if len(c.list) == 0 {
		empty = "尚无" + c.Kind.FilingLabel() + "，请在下方录入后点击【暂存】"
		if c.mayDeclare() {
			empty += "或【申报】"
		}
	}
	head := make([]string, 0, len(sp.ListKeys)+3)
	for _, k := range sp.ListKeys {
		head = append(head, form.Label(k))
	}
	head = append(head, "状态", "更新时间", "操作")
	return app.Section().Class("query-box").Aria("label", "查询").Body(
		app.Form().Class("query-conds").OnSubmit(c.onQuery).Body(
			app.Range(sp.QueryKeys).Slice(func(i int) app.UI {
				key := sp.QueryKeys[i]
				return app.Span().Class("query-cond").Body(
					app.Label().For("q-"+key).Text(form.Label(key)),
					app.Input().ID("q-"+key).Type("text").Class("f-input k-opt").Value(c.qVals[key]).
						OnInput(func(ctx app.Context, e app.Event) { c.setQuery(key, ctx.JSSrc().Get("value").String()) }),
				)
			}),
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
		recordList("rec-list", head, rows, empty),
	)
}

// ---- query actions ----

func (c *RecordPage) onQState(ctx app.Context, e app.Event) {
	c.qState = ctx.JSSrc().Get("value").String()
}

func (c *RecordPage) setQuery(key, v string) {
	if c.qVals == nil {
		c.qVals = map[string]string{}
	}
	c.qVals[key] = v
}

// matches reports whether r holds the text conditions of the query shown:
// each a part of the field's value.
func (c *RecordPage) matches(r apiclient.Rec) bool {
	for k, v := range c.qShown {
		if v = strings.ToUpper(strings.TrimSpace(v)); v != "" && !strings.Contains(strings.ToUpper(r.Fields[k]), v) {
			return false
		}
	}
	return true
}

func (c *RecordPage) onQuery(ctx app.Context, e app.Event) {
	e.PreventDefault()
	c.qApplied = c.qState
	c.qShown = map[string]string{}
	for k, v := range c.qVals {
		c.qShown[k] = v
	}
	c.load(ctx)
}

func (c *RecordPage) onReset(ctx app.Context, e app.Event) {
	c.qState, c.qApplied, c.qVals, c.qShown = "", "", nil, nil
	c.load(ctx)
}
