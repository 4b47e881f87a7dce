package ui

import (
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/apiclient"
)

// Probe pacing while the server cannot be reached: the first try after
// probeFirst, then twice as long each time, at most probeMax.
const (
	probeFirst = time.Second
	probeMax   = 15 * time.Second
)

// NetBanner is the strip at the top of every page that says when the
// server cannot be reached (the last API call failed for network reasons,
// or the browser went offline) and when a new version of the app has been
// downloaded. While the server cannot be reached it asks GET /api/ping
// with back-off (at once when the browser reports being online again), so
// the page notices by itself that the server is back; then it says how many
// of the user's drafts wait for 暂存, and names them.
type NetBanner struct {
	app.Compo
	mounted

	offline bool
	update  bool
	drafts  int
	// back: the drafts notice shows (the server came back, or the page
	// opened with drafts waiting).
	back    bool
	release []func()
	probe   chan struct{} // wakes the probe; nil while none runs
	stop    chan struct{} // ends the probe
}

func (b *NetBanner) OnMount(ctx app.Context) {
	b.keep(ctx)
	if app.IsServer {
		return
	}
	ctx.ObserveState(stateDrafts, &b.drafts).OnChange(func() {
		if b.drafts == 0 {
			b.back = false // all saved: the notice is done
		}
	})
	ctx.ObserveState(stateOffline, &b.offline).OnChange(func() {
		if b.offline {
			b.startProbe(ctx)
			return
		}
		b.stopProbe()
		b.back = true
	})
	b.update = ctx.AppUpdateAvailable()
	nav := app.Window().Get("navigator")
	if nav.Truthy() && !nav.Get("onLine").Truthy() {
		setOffline(ctx, true)
	}
	if b.offline {
		b.startProbe(ctx)
	}
	noteDrafts(ctx)
	ctx.GetState(stateDrafts, &b.drafts)
	b.back = b.drafts > 0
	b.listen(ctx, "offline", func(ctx app.Context) { setOffline(ctx, true) })
	// The browser online again says nothing of the server: ask it now.
	b.listen(ctx, "online", func(ctx app.Context) { b.wake() })
}

func (b *NetBanner) listen(ctx app.Context, event string, h func(ctx app.Context)) {
	fn := app.FuncOf(func(this app.Value, args []app.Value) any {
		ctx.Dispatch(h)
		return nil
	})
	app.Window().Call("addEventListener", event, fn)
	b.release = append(b.release, func() {
		app.Window().Call("removeEventListener", event, fn)
		fn.Release()
	})
}

// startProbe asks the server with back-off until it answers; the answer
// (any but a network failure) clears the offline state.
func (b *NetBanner) startProbe(ctx app.Context) {
	if b.probe != nil {
		return
	}
	wake, stop := make(chan struct{}, 1), make(chan struct{})
	b.probe, b.stop = wake, stop
	ac := b.on(ctx)
	ac.Async(func() {
		wait := probeFirst
		for {
			select {
			case <-stop:
				return
			case <-wake:
			case <-time.After(wait):
			}
			err := client().Ping(bg())
			if !apiclient.IsNetwork(err) {
				ac.Dispatch(func(ctx app.Context) {
					if b.stop == stop {
						b.probe, b.stop = nil, nil
					}
					setOffline(ctx, false)
				})
				return
			}
			if wait *= 2; wait > probeMax {
				wait = probeMax
			}
		}
	})
}

// wake makes the probe ask now, or starts one.
func (b *NetBanner) wake() {
	if b.probe == nil {
		b.startProbe(b.mctx)
		return
	}
	select {
	case b.probe <- struct{}{}:
	default:
	}
}

func (b *NetBanner) stopProbe() {
	if b.stop != nil {
		close(b.stop)
		b.probe, b.stop = nil, nil
	}
}

func (b *NetBanner) OnDismount() {
	b.stopProbe()
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
			msg := "网络连接已断开或服务器无法访问。已录入的内容保存在本机浏览器中，恢复连接后将自动提示。"
			if b.drafts > 0 {
				msg += "本机有 " + strconv.Itoa(b.drafts) + " 条草稿待暂存。"
			}
			return app.Div().ID("offline-notice").Class("banner banner-offline").Role("status").Text(msg)
		}),
		app.If(!b.offline && b.back && b.drafts > 0, func() app.UI {
			return app.Div().ID("drafts-notice").Class("banner banner-drafts").Role("status").Body(
				app.Text("已连接服务器。本机有 "),
				app.Span().ID("drafts-count").Text(strconv.Itoa(b.drafts)),
				app.Text(" 条草稿待暂存："),
				app.Span().Class("draft-links").Body(b.draftLinks()...),
				app.Text("。请在相应页面核对后点击【暂存】。"),
			)
		}),
		app.If(b.update, func() app.UI {
			return app.Div().Class("banner banner-update").Role("status").Body(
				app.Text("系统已更新。"),
				app.Button().Type("button").Class("link").Text("刷新页面以使用新版本").OnClick(b.reload),
			)
		}),
	)
}

// draftLinks name the user's drafts, each a link that opens its page.
func (b *NetBanner) draftLinks() []app.UI {
	if !b.has {
		return nil
	}
	var out []app.UI
	for i, d := range userDrafts(b.mctx, currentUser()) {
		if i > 0 {
			out = append(out, app.Text("、"))
		}
		page := d.Page
		out = append(out, app.Button().Type("button").Class("link draft-link").DataSet("page", page).Text(d.label()).
			OnClick(func(ctx app.Context, e app.Event) { ctx.SetState(stateOpenTab, page) }))
	}
	return out
}

func (b *NetBanner) reload(ctx app.Context, e app.Event) { ctx.Reload() }
