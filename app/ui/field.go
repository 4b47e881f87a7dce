package ui

import (
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/model"
)

// FieldInput is one labelled input driven by a model.Field (P4, P5): yellow
// when Required, white when Optional, grey and read-only when System; a
// real <label for=…>; the red prompt at its right while Err is set; Enter
// moves to the next field; code fields are upper-cased as typed.
//
// The input's id is "f-<key>" and the prompt's "err-<key>". The value lives
// in the parent, which gets every keystroke through OnInput and the end of
// an edit (blur, or a choice in a select) through OnCommit, where it checks
// the field.
type FieldInput struct {
	app.Compo

	Spec    model.Field
	Value   string
	Err     string
	Locked  bool           // the whole form is read-only (declared record)
	Options []model.Option // choices of a select
	Loading bool           // the choices are being fetched
	// AutoComplete overrides the input's autocomplete ("off" by default).
	AutoComplete string

	OnInput  func(ctx app.Context, key, value string)
	OnCommit func(ctx app.Context, key, value string)
	// OnError sets or clears the field's message (a refused upload).
	OnError func(ctx app.Context, key, msg string)
	// Review: the field is shown in the review console (attachments are
	// downloaded through the review routes).
	Review bool

	uploading bool
	info      *model.Attachment // the attachment of Value, once known
	infoOf    string            // the Value info was read for
}

func (f *FieldInput) id() string { return "f-" + f.Spec.Key }

func (f *FieldInput) readOnly() bool { return f.Locked || f.Spec.Kind == model.System }

func (f *FieldInput) kindClass() string {
	if f.readOnly() {
		return "k-sys"
	}
	if f.Spec.Kind == model.Required {
		return "k-req"
	}
	return "k-opt"
}

func (f *FieldInput) Render() app.UI {
	sp := f.Spec
	errID := "err-" + sp.Key
	label := app.Label().For(f.id()).Class("f-label").Body(
		app.If(sp.Kind == model.Required, func() app.UI {
			return app.Span().Class("star").Aria("hidden", "true").Text("*")
		}),
		app.Text(sp.Label),
	)
	var control app.UI
	switch sp.Input {
	case "select":
		control = f.renderSelect(errID)
	case "file":
		control = f.renderFile(errID)
	case "textarea":
		ta := app.Textarea().
			ID(f.id()).
			Name(sp.Key).
			Class("f-input", f.kindClass()).
			Rows(3).
			Attr("value", f.Value).
			ReadOnly(f.readOnly()).
			Placeholder(f.placeholder()).
			Spellcheck(false).
			OnInput(f.onInput).
			OnBlur(f.onBlur).
			OnKeyDown(onEnterNext)
		if sp.MaxLen > 0 {
			ta = ta.MaxLength(sp.MaxLen)
		}
		if f.Err != "" {
			ta = ta.Aria("invalid", "true").Aria("describedby", errID)
		}
		if sp.Kind == model.Required && !f.readOnly() {
			ta = ta.Aria("required", "true")
		}
		control = ta
	default:
		typ := sp.Input
		if typ == "" || typ == "number" {
			typ = "text"
		}
		in := app.Input().
			ID(f.id()).
			Name(sp.Key).
			Type(typ).
			Class("f-input", f.kindClass()).
			Value(f.Value).
			ReadOnly(f.readOnly()).
			Placeholder(f.placeholder()).
			Spellcheck(false).
			OnInput(f.onInput).
			OnBlur(f.onBlur).
			OnKeyDown(onEnterNext)
		ac := f.AutoComplete
		if ac == "" {
			ac = "off"
		}
		in = in.Attr("autocomplete", ac)
		if sp.MaxLen > 0 {
			in = in.MaxLength(sp.MaxLen)
		}
		if sp.Upper {
			in = in.Class("upper")
		}
		if sp.Input == "date" {
			in = in.Max(todayISO())
		}
		if f.Err != "" {
			in = in.Aria("invalid", "true").Aria("describedby", errID)
		}
		if sp.Kind == model.Required && !f.readOnly() {
			in = in.Aria("required", "true")
		}
		if f.readOnly() {
			in = in.TabIndex(-1)
		}
		control = in
	}
	invalid := ""
	if f.Err != "" {
		invalid = "invalid"
	}
	return app.Div().
		Class(classes("field", "field-"+sp.Input, f.kindClass(), invalid)).
		DataSet("key", sp.Key).
		Body(
			label,
			app.Div().Class("f-control").Body(control),
			app.If(f.Err != "", func() app.UI {
				return app.Span().ID(errID).Class("field-error").Role("alert").Text(f.Err)
			}),
		)
}

func (f *FieldInput) placeholder() string {
	if f.readOnly() {
		return ""
	}
	return f.Spec.Hint
}

func (f *FieldInput) renderSelect(errID string) app.UI {
	opts := f.Options
	if opts == nil {
		opts = model.StaticOptions(f.Spec.Options)
	}
	// A value that is not (yet) among the choices is kept as its own
	// choice, so that loading a record before its list never loses it.
	if f.Value != "" && model.OptionName(opts, f.Value) == "" {
		opts = append([]model.Option{{Code: f.Value, Name: f.Value}}, opts...)
	}
	first := "请选择"
	if f.Loading {
		first = "正在加载…"
	} else if f.Spec.Hint != "" {
		first = "请选择（" + f.Spec.Hint + "）"
	}
	sel := app.Select().
		ID(f.id()).
		Name(f.Spec.Key).
		Class("f-input", f.kindClass()).
		Disabled(f.readOnly()).
		OnChange(f.onSelect).
		OnBlur(f.onBlur).
		OnKeyDown(onEnterNext).
		Body(
			app.Option().Value("").Selected(f.Value == "").Text(first),
			app.Range(opts).Slice(func(i int) app.UI {
				o := opts[i]
				return app.Option().Value(o.Code).Selected(o.Code == f.Value).Text(o.Name)
			}),
		)
	if f.Err != "" {
		sel = sel.Aria("invalid", "true").Aria("describedby", errID)
	}
	if f.Spec.Kind == model.Required && !f.readOnly() {
		sel = sel.Aria("required", "true")
	}
	return sel
}

func (f *FieldInput) onInput(ctx app.Context, e app.Event) {
	t := ctx.JSSrc()
	v := t.Get("value").String()
	if f.Spec.Upper && v != strings.ToUpper(v) {
		// Upper-case in place, keeping the caret where it was.
		start, end := t.Get("selectionStart"), t.Get("selectionEnd")
		v = strings.ToUpper(v)
		t.Set("value", v)
		if !start.IsNull() && !start.IsUndefined() {
			t.Call("setSelectionRange", start, end)
		}
	}
	f.Value = v
	if f.OnInput != nil {
		f.OnInput(ctx, f.Spec.Key, v)
	}
}

func (f *FieldInput) onSelect(ctx app.Context, e app.Event) {
	v := selectValue(ctx)
	f.Value = v
	if f.OnInput != nil {
		f.OnInput(ctx, f.Spec.Key, v)
	}
	if f.OnCommit != nil {
		f.OnCommit(ctx, f.Spec.Key, v)
	}
}

func (f *FieldInput) onBlur(ctx app.Context, e app.Event) {
	if f.readOnly() {
		ctx.PreventUpdate()
		return
	}
	v := ctx.JSSrc().Get("value").String()
	if f.Spec.Input == "select" {
		v = selectValue(ctx)
	}
	if f.OnCommit != nil {
		f.OnCommit(ctx, f.Spec.Key, v)
	}
}

// selectValue is the value of the select an event came from: "" for the
// placeholder (请选择), which is no value. go-app drops an empty value
// attribute, so the placeholder option's value would read as its text.
func selectValue(ctx app.Context) string {
	t := ctx.JSSrc()
	if t.Get("selectedIndex").Int() <= 0 {
		return ""
	}
	return t.Get("value").String()
}

func todayISO() string { return time.Now().Format("2006-01-02") }
