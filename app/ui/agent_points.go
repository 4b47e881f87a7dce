package ui

import (
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/model"
)

// AgentPointsTable is 制卡代理点联系方式 (N6, L12): every agent point with its
// contact details, with a filter by province and by words. It is a tab of
// the workspace and the body of the public page "/agent-points".
type AgentPointsTable struct {
	app.Compo
	mounted

	loading   bool
	err       string
	points    []model.AgentPoint
	provinces []model.Option
	province  string // condition: province code
	words     string // condition: words in name or address
	applied   [2]string
}

func (t *AgentPointsTable) OnMount(ctx app.Context) {
	t.keep(ctx)
	if app.IsServer {
		return
	}
	t.load(ctx)
}

func (t *AgentPointsTable) load(ctx app.Context) {
	t.loading, t.err = true, ""
	ac := t.on(ctx)
	ac.Async(func() {
		aps, err := refAgentPoints(ctx)
		provs, perr := refProvinces(ctx)
		ac.Dispatch(func(ctx app.Context) {
			t.loading = false
			if msg, left := handleErr(ctx, err); left {
				return
			} else if msg != "" {
				t.err = "制卡代理点加载失败：" + msg
				return
			}
			t.points = aps
			if perr == nil {
				t.provinces = provs
			}
		})
	})
}

func (t *AgentPointsTable) Render() app.UI {
	rows := t.filtered()
	provs := map[string]bool{}
	for _, p := range t.points {
		provs[p.Province] = true
	}
	var provOpts []model.Option
	for _, o := range t.provinces {
		if provs[o.Code] {
			provOpts = append(provOpts, o)
		}
	}
	return app.Div().Class("ap-page").Body(
		app.Form().Class("query-box").OnSubmit(t.query).Body(
			app.Div().Class("query-conds").Body(
				app.Label().For("ap-province").Text("所在省份"),
				app.Select().ID("ap-province").Class("f-input k-opt").OnChange(t.onProvince).Body(
					app.Option().Value("").Selected(t.province == "").Text("全部"),
					app.Range(provOpts).Slice(func(i int) app.UI {
						o := provOpts[i]
						return app.Option().Value(o.Code).Selected(o.Code == t.province).Text(o.Name)
					}),
				),
				app.Label().For("ap-words").Text("名称或地址"),
				app.Input().ID("ap-words").Type("search").Class("f-input k-opt").Value(t.words).
					Placeholder("输入关键字").OnInput(t.onWords),
				app.Button().ID("ap-query").Type("submit").Class("btn btn-primary").Text("查询"),
				app.Button().ID("ap-reset").Type("button").Class("btn").Text("重置").OnClick(t.reset),
			),
		),
		app.If(t.loading, func() app.UI { return app.P().Class("hint").Text("正在加载…") }),
		app.If(t.err != "", func() app.UI {
			return app.Div().Class("result error").Body(
				app.Text(t.err+" "),
				app.Button().Type("button").Class("link").Text("重试").OnClick(t.retry),
			)
		}),
		app.Div().Class("table-wrap").Body(
			app.Table().ID("ap-list").Class("grid").Body(
				app.THead().Body(app.Tr().Body(
					app.Th().Class("col-no").Text("序号"),
					app.Th().Text("制卡代理点"),
					app.Th().Text("所在省份"),
					app.Th().Text("地址"),
					app.Th().Text("联系电话"),
					app.Th().Text("办公时间"),
				)),
				app.TBody().Body(
					app.Range(rows).Slice(func(i int) app.UI {
						p := rows[i]
						prov := model.OptionName(t.provinces, p.Province)
						if prov == "" {
							prov = p.Province
						}
						return app.Tr().DataSet("code", p.Code).Body(
							app.Td().Class("col-no").Text(strconv.Itoa(i+1)),
							app.Td().Body(app.Strong().Text(p.Name)),
							app.Td().Text(prov),
							app.Td().Text(p.Address),
							app.Td().Class("nowrap").Text(p.Phone),
							app.Td().Text(p.Hours),
						)
					}),
					app.If(!t.loading && t.err == "" && len(rows) == 0, func() app.UI {
						return app.Tr().Body(app.Td().ColSpan(6).Class("empty").Text("没有符合条件的制卡代理点"))
					}),
				),
			),
		),
		app.P().Class("hint").Text("可选择就近的制卡代理点办理 IC 卡业务；前往办理前建议先电话确认办公时间。"),
	)
}

func (t *AgentPointsTable) filtered() []model.AgentPoint {
	prov, words := t.applied[0], strings.TrimSpace(t.applied[1])
	var out []model.AgentPoint
	for _, p := range t.points {
		if prov != "" && p.Province != prov {
			continue
		}
		if words != "" && !strings.Contains(p.Name, words) && !strings.Contains(p.Address, words) && !strings.Contains(p.Code, words) {
			continue
		}
		out = append(out, p)
	}
	return out
}

func (t *AgentPointsTable) onProvince(ctx app.Context, e app.Event) {
	t.province = ctx.JSSrc().Get("value").String()
	t.applied = [2]string{t.province, t.words}
}

func (t *AgentPointsTable) onWords(ctx app.Context, e app.Event) {
	t.words = ctx.JSSrc().Get("value").String()
	ctx.PreventUpdate()
}

func (t *AgentPointsTable) query(ctx app.Context, e app.Event) {
	e.PreventDefault()
	t.applied = [2]string{t.province, t.words}
}

func (t *AgentPointsTable) reset(ctx app.Context, e app.Event) {
	t.province, t.words = "", ""
	t.applied = [2]string{}
	if el := app.Window().GetElementByID("ap-words"); el.Truthy() {
		el.Set("value", "")
	}
}

func (t *AgentPointsTable) retry(ctx app.Context, e app.Event) { t.load(ctx) }
