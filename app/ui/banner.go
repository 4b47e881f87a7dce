package ui

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// NetBanner is the strip at the top of every page that says when the
// server cannot be reached (the last API call failed for network reasons,
// or the browser went offline) and when a new version of the app has been
// downloaded.
type NetBanner struct {
	app.Compo

	offline bool
	update  bool
	release []func()
}

func (b *NetBanner) OnMount(ctx app.Context) {
	if app.IsServer {
		return
	}
	ctx.ObserveState(stateOffline, &b.offline)
	b.update = ctx.AppUpdateAvailable()
	nav := app.Window().Get("navigator")
	if nav.Truthy() && !nav.Get("onLine").Truthy() {
		ctx.SetState(stateOffline, true)
	}
	b.listen(ctx, "offline", true)
	b.listen(ctx, "online", false)
}

func (b *NetBanner) listen(ctx app.Context, event string, offline bool) {
	fn := app.FuncOf(func(this app.Value, args []app.Value) any {
		ctx.Dispatch(func(ctx app.Context) { setOffline(ctx, offline) })
		return nil
	})
	app.Window().Call("addEventListener", event, fn)
	b.release = append(b.release, func() {
		app.Window().Call("removeEventListener", event, fn)
		fn.Release()
	})
}

func (b *NetBanner) OnDismount() {
	for _, r := range b.release {
		r()
	}
	b.release = nil
}

func (b *NetBanner) OnAppUpdate(ctx app.Context) {
	b.update = ctx.AppUpdateAvailable()
}

func (b *NetBanner) Render() app.UI {
	return app.Div().Class("banners").Body(
		app.If(b.offline, func() app.UI {
			return app.Div().ID("offline-notice").Class("banner banner-offline").Role("status").Text(
				"网络连接已断开或服务器无法访问。已录入的内容保存在本机浏览器中，恢复连接后请重试。")
		}),
		app.If(b.update, func() app.UI {
			return app.Div().Class("banner banner-update").Role("status").Body(
				app.Text("系统已更新。"),
				app.Button().Type("button").Class("link").Text("刷新页面以使用新版本").OnClick(b.reload),
			)
		}),
	)
}

func (b *NetBanner) reload(ctx app.Context, e app.Event) { ctx.Reload() }
