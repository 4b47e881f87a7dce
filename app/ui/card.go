package ui

import (
	"context"
	"encoding/base64"
	"errors"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/apiclient"
	"eportid/app/bridgeclient"
	"eportid/app/model"
	"eportid/cardbridge/protocol"
)

// The IC card in the pages: where the card bridge is, one shared
// connection to it, the card status line, the PIN dialog, and the watch a
// card session keeps on its card (cardpresence.go in backend/httpapi
// describes the server's side).

// msgCardRemoved is shown on the login page after the card was pulled.
const msgCardRemoved = "IC 卡已拔出，已退出登录。请插入 IC 卡后重新登录。"

// cardSwapping is set while a page has another card than the session's
// in the reader on purpose (解锁 and 证书延期 of an operator card): the
// watch on the session's card neither ends the session nor reports the
// card meanwhile (the server ends it if that lasts past its presence
// timeout).
var cardSwapping atomic.Bool

var cardState struct {
	mu     sync.Mutex
	cfg    *model.CardConfig
	bridge *bridgeclient.Client
}

// cardConfig returns the server's card settings, fetched once; call it
// from ctx.Async.
func cardConfig() (model.CardConfig, error) {
	cardState.mu.Lock()
	if c := cardState.cfg; c != nil {
		cardState.mu.Unlock()
		return *c, nil
	}
	cardState.mu.Unlock()
	c, err := client().CardConfig(bg())
	if err != nil {
		return model.CardConfig{}, err
	}
	cardState.mu.Lock()
	cardState.cfg = &c
	cardState.mu.Unlock()
	return c, nil
}

// bridgeClient returns the page's connection to the card bridge, dialing
// it when there is none (bounded); call it from ctx.Async.
func bridgeClient(ctx context.Context) (*bridgeclient.Client, error) {
	cfg, err := cardConfig()
	if err != nil {
		return nil, err
	}
	cardState.mu.Lock()
	defer cardState.mu.Unlock()
	if c := cardState.bridge; c != nil {
		select {
		case <-c.Done():
		default:
			return c, nil
		}
	}
	timeout := 5 * time.Second
	if bridgeclient.QueryPermission(ctx) == bridgeclient.PermissionPrompt {
		// The browser may be asking the user whether the page may reach
		// this computer (Local Network Access): give them time to answer.
		timeout = time.Minute
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := bridgeclient.Dial(dctx, cfg.BridgeURL)
	if err != nil {
		return nil, err
	}
	cardState.bridge = c
	return c, nil
}

// cardCall bounds one bridge operation (the bridge's own limit is 15 s).
func cardCall() (context.Context, context.CancelFunc) {
	return context.WithTimeout(bg(), 25*time.Second)
}

// cardError is the message of a failed card operation: the bridge's
// errors in Chinese, the API's as handleErr words them.
func cardError(ctx app.Context, err error) string {
	if err == nil {
		return ""
	}
	if _, ok := apiclient.AsError(err); ok {
		msg, _ := handleErr(ctx, err)
		return msg
	}
	return bridgeclient.Message(err)
}

// decodeNonce is the raw bytes of a nonce of the server (base64url).
func decodeNonce(n string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(n) }

// readPIN takes the PIN typed into the input id and empties the input.
func readPIN(id string) []byte {
	el := app.Window().GetElementByID(id)
	if !el.Truthy() {
		return nil
	}
	pin := []byte(el.Get("value").String())
	el.Set("value", "")
	return pin
}

func wipePIN(p []byte) {
	for i := range p {
		p[i] = 0
	}
}

// ---- the card status line ----

// cardStatus is what the bridge says about the reader and the card.
type cardStatus struct {
	checking bool
	err      error // the bridge could not be asked
	readers  []protocol.ReaderStatus
	present  bool
	card     *protocol.CardInfo // read from the card (no PIN), when present
	cardErr  error
}

// probeCard asks the bridge for the readers and, when a card is in one,
// its data; call it from ctx.Async.
func probeCard(bc *bridgeclient.Client) cardStatus {
	ctx, cancel := cardCall()
	defer cancel()
	st, err := bc.Status(ctx)
	if err != nil {
		return cardStatus{err: err}
	}
	out := cardStatus{readers: st.Readers, present: st.CardPresent}
	if st.CardPresent {
		r, err := bc.ReadCertificate(ctx)
		if err != nil {
			out.cardErr = err
		} else {
			out.card = &r.Card
		}
	}
	return out
}

// render shows the status line (#card-status).
func (s cardStatus) render() app.UI {
	var text, cls string
	switch {
	case s.checking:
		text, cls = "正在检测读卡服务与 IC 卡…", "card-status"
	case s.err != nil:
		text, cls = bridgeclient.Message(s.err), "card-status err"
	case len(s.readers) == 0:
		text, cls = "读卡服务已连接，但未检测到读卡器，请连接读卡器（或插入 Ikey）", "card-status err"
	case !s.present:
		text, cls = "读卡器："+s.readers[0].Name+"。请插入 IC 卡", "card-status warn"
	case s.cardErr != nil:
		text, cls = bridgeclient.Message(s.cardErr), "card-status err"
	case s.card != nil:
		text, cls = "已插入"+model.CardKind(s.card.Kind).Label()+" "+s.card.CardNumber+"（"+s.card.HolderName+"）", "card-status ok"
	default:
		text, cls = "已插入 IC 卡", "card-status ok"
	}
	line := app.P().ID("card-status").Class(cls).Role("status").Aria("live", "polite").Text(text)
	if errors.Is(s.err, bridgeclient.ErrPermissionDenied) {
		return app.Div().Class("card-status-box").Body(line, permissionHelp())
	}
	return line
}

// msgLNAPrompt explains, before the browser asks, why it asks whether
// the site may reach this computer (the bridge listens on 127.0.0.1).
const msgLNAPrompt = "读卡服务 cardbridge 运行在您的电脑上。连接时浏览器可能会询问是否允许本网站访问本地网络上的设备（本机上的应用和服务），请点击【允许】。"

// permissionHelp says how to allow the site to reach the bridge once the
// browser's permission was refused: in the site's settings, or for a
// managed PC by the enterprise policy.
//
// A page of an insecure origin (http:// other than loopback) is refused
// outright: no site setting allows it, only https.
func permissionHelp() app.UI {
	origin := app.Window().Get("location").Get("origin").String()
	if !app.Window().Get("isSecureContext").Bool() {
		return app.Div().ID("card-permission-help").Class("card-help").Body(
			app.P().Text("本网站是以不安全的 http:// 地址打开的，浏览器不允许这样的网站访问本机上的读卡服务，网站设置中也无法允许。请使用本网站的 https:// 地址。"),
		)
	}
	return app.Div().ID("card-permission-help").Class("card-help").Body(
		app.P().Body(
			app.Text("允许方法：点击浏览器地址栏左侧的网站信息图标 →【网站设置】，将“本机上的应用和服务”（Apps on device，即本地网络访问）改为【允许】；或在 Chrome 中打开 "),
			app.Code().Text("chrome://settings/content/siteDetails?site="+url.QueryEscape(origin)),
			app.Text(" 修改。允许后本页会自动重新连接读卡服务。"),
		),
		app.P().Body(
			app.Text("由单位统一管理的电脑：请系统管理员在 Chrome 企业策略 "),
			app.Code().Text("LocalNetworkAccessAllowedForUrls"),
			app.Text("（新版 Chrome 另有 "),
			app.Code().Text("LoopbackNetworkAllowedForUrls"),
			app.Text("）中加入本网站的地址 "),
			app.Code().Text(origin),
			app.Text("。"),
		),
	)
}

// ready reports whether a card is there to use.
func (s cardStatus) ready() bool { return !s.checking && s.err == nil && s.present && s.cardErr == nil }

// watchStatus keeps *st up to date from the bridge's events until stop is
// closed: it probes at once, then again on every card event, and redials a
// lost bridge every few seconds. update runs on the UI goroutine.
func watchStatus(ac app.Context, stop <-chan struct{}, update func(ctx app.Context, st cardStatus)) {
	ac.Async(func() {
		probe := func(bc *bridgeclient.Client) bool {
			st := probeCard(bc)
			ac.Dispatch(func(ctx app.Context) { update(ctx, st) })
			return false
		}
		watchBridge(stop, bridgeWatch{
			failed:    func(err error) { ac.Dispatch(func(ctx app.Context) { update(ctx, cardStatus{err: err}) }) },
			connected: probe,
			event:     func(bc *bridgeclient.Client, _ protocol.Event) bool { return probe(bc) },
		})
	})
}

// bridgeWatch is what watchBridge does: failed (if set) hears why the
// bridge could not be reached; connected runs on each connection, event on
// each of its events, ticked on each tick of tick (if set); any of them
// ends the watch by returning true.
type bridgeWatch struct {
	failed    func(err error)
	connected func(bc *bridgeclient.Client) bool
	event     func(bc *bridgeclient.Client, ev protocol.Event) bool
	tick      <-chan time.Time
	ticked    func(bc *bridgeclient.Client) bool
}

// watchBridge follows the bridge until stop is closed, connecting again
// when the connection is lost, and every few seconds while it cannot.
func watchBridge(stop <-chan struct{}, w bridgeWatch) {
	for {
		bc, err := bridgeClient(bg())
		if err != nil {
			if w.failed != nil {
				w.failed(err)
			}
			select {
			case <-stop:
				return
			case <-time.After(3 * time.Second):
				continue
			}
		}
		if w.connected(bc) {
			return
		}
	events:
		for {
			select {
			case <-stop:
				return
			case <-bc.Done():
				break events
			case ev := <-bc.Events():
				if w.event(bc, ev) {
					return
				}
			case <-w.tick:
				if w.ticked(bc) {
					return
				}
			}
		}
	}
}

// ---- the PIN dialog ----

// PINDialog asks for the card PIN (#pin-input, #pin-ok, #pin-cancel), for
// signing a declaration with the card.
type PINDialog struct {
	app.Compo

	Open    bool
	Title   string
	Message string
	Err     string
	// OK is the label of the button that signs ("签名并申报" when empty).
	OK       string
	OnOK     func(ctx app.Context, pin []byte)
	OnCancel func(ctx app.Context)
}

func (d *PINDialog) Render() app.UI {
	if !d.Open {
		return app.Div().Class("pin-host")
	}
	return app.Div().Class("pin-host").Body(
		app.Div().Class("modal-backdrop").Body(
			app.Form().
				Class("modal").
				Role("dialog").
				Aria("modal", "true").
				Aria("labelledby", "pin-title").
				OnSubmit(d.ok).
				OnKeyDown(d.onKey).
				Body(
					app.H3().ID("pin-title").Class("modal-title").Text(d.Title),
					app.P().ID("pin-message").Class("modal-message").Text(d.Message),
					app.Label().For("pin-input").Text("IC 卡密码（PIN）"),
					secret(app.Input().ID("pin-input").Class("f-input k-req").
						Attr("autocomplete", "off").Attr("inputmode", "numeric").MaxLength(16).
						Placeholder("6 至 16 位数字")),
					app.If(d.Err != "", func() app.UI {
						return app.P().ID("pin-error").Class("login-error").Role("alert").Text(d.Err)
					}),
					app.Div().Class("modal-actions").Body(
						app.Button().ID("pin-cancel").Type("button").Class("btn").Text("取消").OnClick(d.cancel),
						app.Button().ID("pin-ok").Type("submit").Class("btn btn-primary").Text(map[bool]string{true: "签名并申报", false: d.OK}[d.OK == ""]),
					),
				),
		),
	)
}

func (d *PINDialog) onKey(ctx app.Context, e app.Event) { escapeCancels(ctx, e, d.cancel) }

func (d *PINDialog) ok(ctx app.Context, e app.Event) {
	e.PreventDefault()
	pin := readPIN("pin-input")
	if !bridgeclient.ValidPIN(pin) {
		wipePIN(pin)
		d.Err = "IC 卡密码应为 6 至 16 位数字"
		focusID("pin-input")
		return
	}
	d.Open, d.Err = false, ""
	if d.OnOK != nil {
		d.OnOK(ctx, pin)
	} else {
		wipePIN(pin)
	}
}

func (d *PINDialog) cancel(ctx app.Context, e app.Event) {
	readPIN("pin-input")
	d.Open, d.Err = false, ""
	if d.OnCancel != nil {
		d.OnCancel(ctx)
	}
}

// signWithCard has the card sign data with pin (wiped afterwards); call it
// from ctx.Async.
func signWithCard(pin, data []byte) (protocol.SignResult, error) {
	defer wipePIN(pin)
	bc, err := bridgeClient(bg())
	if err != nil {
		return protocol.SignResult{}, err
	}
	ctx, cancel := cardCall()
	defer cancel()
	return bc.Sign(ctx, pin, data)
}

// ---- the card session's watch on its card ----

// watchCardSession runs while the workspace of a card session is open,
// until stop is closed: when the bridge reports the card removed (and the
// reader no longer holds it) or another card, it ends the session; while
// the card stays it reports it to the server every PresenceEvery seconds.
// A bridge that cannot be reached is dialed again; the server ends the
// session itself when the reports stop. gone runs on the UI goroutine.
func watchCardSession(ac app.Context, number string, stop <-chan struct{}, gone func(ctx app.Context, msg string)) {
	kiosk := session != nil && session.Kiosk
	ac.Async(func() {
		every := 30 * time.Second
		if cfg, err := cardConfig(); err == nil && cfg.PresenceEvery > 0 {
			every = time.Duration(cfg.PresenceEvery) * time.Second
		}
		// check reads the card: "" while it is the session's card, else
		// why the session ends.
		check := func(bc *bridgeclient.Client) (string, bool) {
			if cardSwapping.Load() {
				return "", false
			}
			ctx, cancel := cardCall()
			defer cancel()
			r, err := bc.ReadCertificate(ctx)
			switch {
			case bridgeclient.Code(err) == protocol.CodeNoCard:
				return msgCardRemoved, true
			case err != nil:
				return "", false // the bridge or the card could not answer: try again later
			case r.Card.CardNumber != number:
				return "读卡器中的 IC 卡不是登录所用的卡，已退出登录。", true
			}
			return "", true
		}
		// report tells the server; false when the session has ended
		// there (handleErr then goes back to the login page).
		report := func() bool {
			err := client().CardPresence(bg(), number)
			if apiclient.IsUnauthorized(err) {
				ac.Dispatch(func(ctx app.Context) { handleErr(ctx, err) })
				return false
			}
			return true // a failure of the moment: the next report may pass
		}
		tick := time.NewTicker(every)
		defer tick.Stop()
		// checked checks the card and tells the server it is still there;
		// true when the session ends.
		checked := func(bc *bridgeclient.Client) bool {
			msg, ok := check(bc)
			if msg != "" {
				ac.Dispatch(func(ctx app.Context) { gone(ctx, msg) })
				return true
			}
			return ok && !report()
		}
		watchBridge(stop, bridgeWatch{
			connected: checked,
			event: func(bc *bridgeclient.Client, ev protocol.Event) bool {
				if ev.Event != protocol.EventCardRemoved {
					return false
				}
				if kiosk && !cardSwapping.Load() {
					// A kiosk does not look again: the card is out, the
					// session ends now.
					ac.Dispatch(func(ctx app.Context) { gone(ctx, msgCardRemoved) })
					return true
				}
				if msg, _ := check(bc); msg != "" {
					ac.Dispatch(func(ctx app.Context) { gone(ctx, msg) })
					return true
				}
				return false
			},
			tick:   tick.C,
			ticked: checked,
		})
	})
}

// endCardSession ends the session on the server and goes back to the
// login page with msg.
func endCardSession(ctx app.Context, msg string) {
	if session != nil && session.Kiosk {
		kioskEnd(ctx, kioskMsg(msg))
		return
	}
	ac := ctx
	ac.Async(func() {
		err := client().Logout(bg())
		ac.Dispatch(func(ctx app.Context) {
			_ = err // a session already ended on the server is fine
			setSession(ctx, nil)
			ctx.SessionStorage().Del(keyTabs)
			flash, preferCard = msg, true
			ctx.Navigate("/")
		})
	})
}

// displayName is how the page names the session's user: the card holder
// and the card for a card session, the user name otherwise.
func displayName(s *model.Session) string {
	if s.CardNumber != "" {
		return s.HolderName + "（" + s.CardKind.Label() + " " + s.CardNumber + "）"
	}
	return s.Username
}
