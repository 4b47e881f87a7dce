package ui

import (
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/apiclient"
	"eportid/app/model"
)

// The file field of a form (上传附件): the value is the id of an uploaded
// attachment. Choosing a file uploads it at once; the server decides its
// type from the content and keeps it. The rule (type and size) is said
// before upload; a refused file gets its message at the field, and
// nothing else of the form is touched.

func (f *FieldInput) renderFile(errID string) app.UI {
	id, _ := strconv.ParseInt(f.Value, 10, 64)
	edit := !f.readOnly()
	in := app.Input().ID(f.id()).Name(f.Spec.Key).Type("file").Class("f-input f-file", f.kindClass()).
		Accept(".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png").
		Disabled(!edit || f.uploading).OnChange(f.onFile)
	if f.Err != "" {
		in = in.Aria("invalid", "true").Aria("describedby", errID)
	}
	if f.Spec.Kind == model.Required && edit {
		in = in.Aria("required", "true")
	}
	var current app.UI
	switch {
	case f.uploading:
		current = app.Span().ID(f.id() + "-current").Class("file-current").Text("正在上传…")
	case id > 0:
		name := "附件 " + f.Value
		if f.info != nil {
			name = f.info.Name + "（" + sizeText(f.info.Size) + "）"
		}
		current = app.A().ID(f.id()+"-current").Class("file-current link").
			Href(apiclient.AttachmentURL(id, f.Review)).Attr("download", "").Text("已上传：" + name)
	default:
		current = app.Span().ID(f.id() + "-current").Class("file-current").Text("尚未上传")
	}
	return app.Div().Class("file-box").Body(
		app.If(edit, func() app.UI { return in }),
		current,
		app.If(edit, func() app.UI {
			return app.Span().Class("file-rule").Text("（" + model.AttachmentRule + "）")
		}),
	)
}

// OnMount and OnUpdate read the name and size of the attachment a file
// field was given (a record loaded).
func (f *FieldInput) OnMount(ctx app.Context)  { f.ensureInfo(ctx) }
func (f *FieldInput) OnUpdate(ctx app.Context) { f.ensureInfo(ctx) }

func (f *FieldInput) ensureInfo(ctx app.Context) {
	if f.Spec.Input != "file" || f.Value == f.infoOf || app.IsServer {
		return
	}
	f.infoOf, f.info = f.Value, nil
	id, err := strconv.ParseInt(f.Value, 10, 64)
	if err != nil || id <= 0 || f.Review {
		return
	}
	want := f.Value
	ctx.Async(func() {
		info, err := client().AttachmentInfo(bg(), id)
		ctx.Dispatch(func(ctx app.Context) {
			if err == nil && f.Value == want {
				f.info = &info
			}
		})
	})
}

func sizeText(n int64) string {
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " B"
	}
	if n < 1<<20 {
		return strconv.FormatInt((n+512)/1024, 10) + " KB"
	}
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
}

func (f *FieldInput) onFile(ctx app.Context, e app.Event) {
	files := ctx.JSSrc().Get("files")
	if !files.Truthy() || files.Length() == 0 {
		return
	}
	file := files.Index(0)
	name := file.Get("name").String()
	size := file.Get("size").Int()
	key := f.Spec.Key
	fail := func(ctx app.Context, msg string) {
		f.uploading = false
		if f.OnError != nil {
			f.OnError(ctx, key, msg)
		}
	}
	// Said before anything is sent.
	if size > model.MaxAttachmentBytes {
		fail(ctx, f.Spec.Label+"：文件不能超过 2 MB（所选文件 "+sizeText(int64(size))+"）")
		return
	}
	if size == 0 {
		fail(ctx, f.Spec.Label+"：文件是空的")
		return
	}
	f.uploading = true
	if f.OnError != nil {
		f.OnError(ctx, key, "")
	}
	file.Call("arrayBuffer").Then(func(buf app.Value) {
		u8 := app.Window().Get("Uint8Array").New(buf)
		data := make([]byte, u8.Length())
		app.CopyBytesToGo(data, u8)
		ctx.Async(func() {
			att, err := client().UploadAttachment(bg(), name, data)
			ctx.Dispatch(func(ctx app.Context) {
				if err != nil {
					msg, left := handleErr(ctx, err)
					if left {
						return
					}
					if fe := apiclient.FieldErrors(err); fe[key] != "" {
						msg = fe[key]
					}
					fail(ctx, msg)
					return
				}
				f.uploading = false
				f.info, f.infoOf = &att, strconv.FormatInt(att.ID, 10)
				f.Value = f.infoOf
				if f.OnInput != nil {
					f.OnInput(ctx, key, f.Value)
				}
				if f.OnCommit != nil {
					f.OnCommit(ctx, key, f.Value)
				}
			})
		})
	})
}
