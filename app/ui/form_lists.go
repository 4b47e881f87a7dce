package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/model"
)

// formLists holds the choice lists of a form's selects, of any kind,
// fetched as the form's values need them: the agent points, the provinces,
// the cities of the chosen province, the departments of the chosen agent
// point and the customs districts. Static lists come from app/model. The
// fetched lists are shared through the page-wide cache (common.go).
type formLists struct {
	lists   map[string][]model.Option
	loading map[string]bool
}

// listKey names the list a select field takes its choices from with the
// form's values; "" for a static list or one that needs another field
// first (cities before a province).
func listKey(f model.Field, values map[string]string) string {
	switch f.Options {
	case model.OptionsAgentPoints:
		return "aps"
	case model.OptionsProvinces:
		return "provinces"
	case model.OptionsCities:
		if p := values["province"]; p != "" {
			return "cities:" + p
		}
	case model.OptionsMarketDepts:
		if ap := values["agent_point"]; ap != "" {
			return "market:" + ap
		}
	case model.OptionsTaxDepts:
		if ap := values["agent_point"]; ap != "" {
			return "tax:" + ap
		}
	case model.OptionsCustoms:
		return "customs"
	}
	return ""
}

// fetchList gets the list of a key; call it from ctx.Async.
func fetchList(ctx app.Context, key string) ([]model.Option, error) {
	kind, arg := key, ""
	for i := 0; i < len(key); i++ {
		if key[i] == ':' {
			kind, arg = key[:i], key[i+1:]
			break
		}
	}
	switch kind {
	case "aps":
		aps, err := refAgentPoints(ctx)
		return agentPointOptions(aps), err
	case "provinces":
		return refProvinces(ctx)
	case "cities":
		return refCities(ctx, arg)
	case "market", "tax":
		return refDepts(ctx, kind, arg)
	case "customs":
		return refList(ctx, "customs", func() ([]model.Option, error) { return client().CustomsDistricts(bg()) })
	}
	return []model.Option{}, nil
}

// options returns the choices of a select field and whether they are
// being fetched.
func (l *formLists) options(f model.Field, values map[string]string) ([]model.Option, bool) {
	if s := model.StaticOptions(f.Options); s != nil {
		return s, false
	}
	k := listKey(f, values)
	if k == "" {
		return []model.Option{}, false
	}
	return l.lists[k], l.loading[k]
}

// ensure fetches the lists the form needs with values that are not there
// yet; failed gets the message of a list that could not be fetched.
func (l *formLists) ensure(ctx app.Context, form model.Form, values map[string]string, failed func(ctx app.Context, label, msg string)) {
	if l.lists == nil {
		l.lists = map[string][]model.Option{}
		l.loading = map[string]bool{}
	}
	for _, f := range form {
		if f.Input != "select" {
			continue
		}
		k := listKey(f, values)
		if k == "" || l.loading[k] || l.lists[k] != nil {
			continue
		}
		l.loading[k] = true
		label := f.Label
		ctx.Async(func() {
			opts, err := fetchList(ctx, k)
			ctx.Dispatch(func(ctx app.Context) {
				l.loading[k] = false
				if msg, left := handleErr(ctx, err); left {
					return
				} else if msg != "" {
					if failed != nil {
						failed(ctx, label, msg)
					}
					return
				}
				if opts == nil {
					opts = []model.Option{}
				}
				l.lists[k] = opts
			})
		})
	}
}

// optionText is a value as shown: the option's name and its code for a
// select, the value itself otherwise.
func (l *formLists) optionText(f model.Field, values map[string]string, v string) string {
	if f.Input != "select" || v == "" {
		return v
	}
	opts, _ := l.options(f, values)
	if n := model.OptionName(opts, v); n != "" {
		return n + "（" + v + "）"
	}
	return v
}

func init() {
	iconPaths["change"] = `<path d="M4 7h13l-3-3M20 17H7l3 3"/>`
	iconPaths["review"] = `<path d="M9 11l3 3 8-8"/><path d="M20 12v7a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h9"/>`
}
