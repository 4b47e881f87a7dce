// Package httpapi is the HTTP API of eportid (app/model/api.go is its
// contract) and the server of the WASM pages. Handlers are plain functions
// over the store: routes are in routes.go, one file per resource, and the
// mapping of errors to statuses and model.Problem is in errors.go alone.
package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"eportid/app/model"
	"eportid/backend/auth"
	"eportid/backend/ca"
	"eportid/backend/cardauth"
	"eportid/backend/mail"
	"eportid/backend/obs"
	"eportid/backend/registry"
	"eportid/backend/store"
)

// RegistrationValidity is how long a confirmation link works.
const RegistrationValidity = 24 * time.Hour

// maxBody is the largest request body accepted (a filing is a few KB).
const maxBody = 64 << 10

// API serves /api/ and the pages. Set the fields, then call Handler once.
// Zero fields take the defaults noted.
type API struct {
	Store *store.Store
	// Hasher hashes passwords; default auth.NewHasher(auth.DefaultParams, 0).
	Hasher *auth.Hasher
	// Mail sends mails; default mail.Outbox into Store, logged to Log.
	Mail mail.Sender
	// BaseURL is the origin the users reach, for links in mails, e.g.
	// "https://eport.example.cn".
	BaseURL string
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Log is the server log; default slog.Default().
	Log *slog.Logger
	// Metrics count refused logins, back-offs and declarations (the
	// requests themselves are counted by obs.Middleware around Handler);
	// nil: none.
	Metrics *obs.Metrics

	// Proxies are the reverse proxies whose X-Forwarded-For and
	// X-Forwarded-Proto are believed; none by default.
	Proxies auth.Proxies
	// SecureCookies marks the session cookie Secure even on plain HTTP
	// requests (it is always Secure over TLS).
	SecureCookies bool
	// ReviewOrigin is the review console's own origin (a listener of its
	// own), which card issuance tokens are bound to; BaseURL's origin when
	// empty.
	ReviewOrigin string
	// TrustedOrigins are extra origins (scheme://host[:port]) whose
	// cross-origin requests are allowed; BaseURL's origin always is.
	TrustedOrigins []string

	// Timeouts of sessions; default auth.DefaultTimeouts.
	Timeouts auth.Timeouts
	// KioskIdle is the idle timeout of a kiosk session (kiosk.go); default
	// auth.DefaultKioskIdle.
	KioskIdle time.Duration
	// Back-off policies; defaults auth.AccountPolicy, auth.AddrPolicy,
	// auth.RegisterPolicy, auth.ActivatePolicy and auth.CardBeginPolicy.
	AccountPolicy, AddrPolicy, RegisterPolicy, ActivatePolicy, CardBeginPolicy auth.Policy

	// UI serves every path outside /api/ and /web/ (the go-app handler);
	// default a placeholder page.
	UI http.Handler
	// WebDir holds the static files served under /web/ (app.wasm and, when
	// built, app.wasm.br); default "web".
	WebDir string

	// CA issued the card certificates: card login (P1), card registration
	// (R3) and signed declarations (X3) check against it. Without it the
	// card endpoints answer that cards are not available.
	CA *ca.CA
	// CardBridgeURL is the card bridge's websocket the pages connect to
	// (allowed in the CSP's connect-src); default DefaultCardBridgeURL.
	CardBridgeURL string
	// ReviewCardBridgeURL, when set, is the card bridge the review
	// console's pages use (the agent point's reader with its blank cards),
	// told to pages served at ReviewOrigin; allowed in connect-src too.
	ReviewCardBridgeURL string
	// CardPresenceTimeout ends a card session whose page has not reported
	// the card in the reader for so long; default
	// DefaultCardPresenceTimeout.
	CardPresenceTimeout time.Duration
	// Nonces keeps the card-login nonces; default the database's
	// (Store.LoginNonces).
	Nonces cardauth.NonceStore

	// Registries are the outside registries that back-fill the
	// qualification filings (L1–L3); default the database's
	// (registry.NewDB(Store)), each one left nil.
	Registries registry.Registries
	// Declarants is customs' registry of declarants (L11); default the
	// database's (registry.NewDBDeclarants(Store)).
	Declarants registry.Declarants

	throttle auth.Throttle
	ref      refCache
}

func (a *API) defaults() {
	if a.Hasher == nil {
		a.Hasher = auth.NewHasher(auth.DefaultParams, 0)
	}
	if a.Now == nil {
		a.Now = time.Now
	}
	if a.Log == nil {
		a.Log = slog.Default()
	}
	if a.Mail == nil {
		a.Mail = mail.Outbox{Queue: a.Store, Log: a.Log}
	}
	if a.Timeouts == (auth.Timeouts{}) {
		a.Timeouts = auth.DefaultTimeouts
	}
	if a.KioskIdle <= 0 {
		a.KioskIdle = auth.DefaultKioskIdle
	}
	if a.AccountPolicy == (auth.Policy{}) {
		a.AccountPolicy = auth.AccountPolicy
	}
	if a.AddrPolicy == (auth.Policy{}) {
		a.AddrPolicy = auth.AddrPolicy
	}
	if a.RegisterPolicy == (auth.Policy{}) {
		a.RegisterPolicy = auth.RegisterPolicy
	}
	if a.ActivatePolicy == (auth.Policy{}) {
		a.ActivatePolicy = auth.ActivatePolicy
	}
	if a.CardBeginPolicy == (auth.Policy{}) {
		a.CardBeginPolicy = auth.CardBeginPolicy
	}
	if a.WebDir == "" {
		a.WebDir = "web"
	}
	if a.UI == nil {
		a.UI = placeholderUI{}
	}
	if a.CardBridgeURL == "" {
		a.CardBridgeURL = DefaultCardBridgeURL
	}
	if a.CardPresenceTimeout <= 0 {
		a.CardPresenceTimeout = DefaultCardPresenceTimeout
	}
	if a.Nonces == nil {
		a.Nonces = a.Store.LoginNonces()
	}
	a.throttle = auth.Throttle{Store: a.Store}
	a.defaultRegistries()
	if a.Declarants == nil {
		a.Declarants = registry.NewDBDeclarants(a.Store)
	}
}

// Handler returns the whole site: security headers, the cross-origin
// check on every unsafe request, and the routes.
func (a *API) Handler() (http.Handler, error) {
	a.defaults()
	csp, err := ContentSecurityPolicyFor(a.CardBridgeURL)
	if err != nil {
		return nil, err
	}
	if a.ReviewCardBridgeURL != "" {
		src, err := bridgeSource(a.ReviewCardBridgeURL)
		if err != nil {
			return nil, err
		}
		csp = strings.Replace(csp, "connect-src 'self' ", "connect-src 'self' "+src+" ", 1)
	}
	cop := http.NewCrossOriginProtection()
	origins := append([]string(nil), a.TrustedOrigins...)
	if o := origin(a.BaseURL); o != "" {
		origins = append(origins, o)
	}
	for _, o := range origins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			return nil, err
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.writeError(w, r, &Error{Code: model.ErrForbidden, Message: "跨站请求已被拒绝。请从本系统的页面操作。"})
	}))
	return a.recoverer(securityHeaders(csp, a.Proxies.IsTLS, cop.Handler(a.routes()))), nil
}

// origin is the scheme://host of a URL, or "".
func origin(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok || rest == "" {
		return ""
	}
	host, _, _ := strings.Cut(rest, "/")
	return scheme + "://" + host
}

func (a *API) now() time.Time { return a.Now() }

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var (
		b   []byte
		err error
	)
	if m, ok := v.(json.Marshaler); ok {
		// A value that writes itself (a record) writes compact JSON of
		// json.Marshal's: json.Marshal would only check it and copy it.
		b, err = m.MarshalJSON()
	} else {
		b, err = json.Marshal(v)
	}
	if err != nil {
		http.Error(w, `{"code":"internal","message":"服务器内部错误"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// detached is ctx without its cancellation, for work that must finish once
// begun (a mail queued after the registration was stored).
func detached(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }
