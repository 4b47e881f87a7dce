package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"eportid/app/model"
	"eportid/backend/auth"
	"eportid/backend/store"
)

// ContentSecurityPolicy suits the go-app pages: scripts and the WASM
// module from this origin only ('wasm-unsafe-eval' lets the page compile
// WebAssembly, nothing else), inline style attributes (the go-app runtime
// sets them), no framing.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; " +
	"style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
	"worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; " +
	"frame-ancestors 'none'"

// ContentSecurityPolicyFor is ContentSecurityPolicy with the card bridge's
// websocket (ws:// or wss://, e.g. DefaultCardBridgeURL) added to
// connect-src, so the pages may talk to the bridge and to nothing else.
func ContentSecurityPolicyFor(bridgeURL string) (string, error) {
	if bridgeURL == "" {
		return ContentSecurityPolicy, nil
	}
	src, err := bridgeSource(bridgeURL)
	if err != nil {
		return "", err
	}
	return strings.Replace(ContentSecurityPolicy, "connect-src 'self';", "connect-src 'self' "+src+";", 1), nil
}

// HSTS is the Strict-Transport-Security of answers over TLS: a year, for
// this host only (other hosts of the domain are not ours to pin).
const HSTS = "max-age=31536000"

// securityHeaders sets the headers every answer carries, with the policy
// csp, and HSTS on answers that reached the client over TLS (isTLS:
// directly, or through a trusted proxy that says https); answers of the
// API are never cached.
func securityHeaders(csp string, isTLS func(*http.Request) bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if isTLS(r) {
			h.Set("Strict-Transport-Security", HSTS)
		}
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if strings.HasPrefix(r.URL.Path, "/api/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// recoverer turns a panic in a handler into a 500 Problem.
func (a *API) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				a.writeError(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// current is the session a request acts in.
type current struct {
	session store.Session
	user    store.User
	// enterprise is the user's (read with the session); nil for a user of
	// no enterprise.
	enterprise *store.Enterprise
	card       *store.Card // the card of a card session (roles legal_card, operator_card)
	// read is the record the route writes, read with the session
	// (authedWriting); nil when none was.
	read *store.RecordRead
}

// handlerFunc is a handler that needs a session.
type handlerFunc func(w http.ResponseWriter, r *http.Request, c *current) error

// plain adapts a handler returning an error.
func (a *API) plain(h func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			a.writeError(w, r, err)
		}
	}
}

// authed runs h in the request's session: 401 without a live one, 403
// when an unsafe request lacks the session's CSRF token or the user's role
// is not among roles (none: any role).
func (a *API) authed(h handlerFunc, roles ...model.Role) http.HandlerFunc {
	return a.authedWriting(nil, h, roles...)
}

// authedWriting is authed for a route that writes a record: want names
// it from the request (nil when the path names none), and the session's
// read reads it too (store.SessionContext), for the write (store
// Input.Read) to use: a save or a declaration then makes one round trip to
// the database less.
func (a *API) authedWriting(want func(*http.Request) *model.RecordRef, h handlerFunc, roles ...model.Role) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var ref *model.RecordRef
		if want != nil {
			ref = want(r)
		}
		c, err := a.session(w, r, ref)
		if err == nil {
			err = a.checkCSRF(r, c)
		}
		if err == nil && len(roles) > 0 && !slices.Contains(roles, c.user.Role) {
			err = &Error{Code: model.ErrForbidden, Message: msgForbidden}
		}
		if err == nil {
			err = h(w, r, c)
		}
		if err != nil {
			a.writeError(w, r, err)
		}
	}
}

// errNoSession is the answer without a live session.
var errNoSession = &Error{Code: model.ErrUnauthorized, Message: msgUnauthorized}

// touchEvery: a session's last use is written at most this often (the
// idle timeout is so many minutes less exact, and a burst of requests
// costs one write).
const touchEvery = time.Minute

// session loads the request's live session, with its user, enterprise and
// card in one read (store.SessionContext): it checks the idle and
// absolute timeouts, ends an expired session (and clears its cookie), and
// records the use.
func (a *API) session(w http.ResponseWriter, r *http.Request, want *model.RecordRef) (*current, error) {
	token := auth.SessionToken(r)
	if token == "" {
		return nil, errNoSession
	}
	ctx := r.Context()
	sc, err := a.Store.SessionContext(ctx, auth.HashToken(token), want)
	sess, user := sc.Session, sc.User
	if errors.Is(err, store.ErrNotFound) {
		auth.ClearSessionCookie(w, a.secure(r))
		return nil, errNoSession
	}
	if err != nil {
		return nil, err
	}
	now := a.now()
	if a.timeoutsOf(sess).Expired(sess.CreatedAt, sess.LastSeenAt, now) {
		if err := a.Store.DeleteSession(ctx, sess.ID); err != nil {
			return nil, err
		}
		auth.ClearSessionCookie(w, a.secure(r))
		return nil, &Error{Code: model.ErrUnauthorized, Message: "登录已超时，请重新登录"}
	}
	if user.Disabled {
		if err := a.Store.DeleteSession(ctx, sess.ID); err != nil {
			return nil, err
		}
		auth.ClearSessionCookie(w, a.secure(r))
		return nil, errNoSession
	}
	// A kiosk session's idle clock moves only on the user's activity
	// (sessionActivity), not on the page's own requests.
	if sess.KioskTerminalID == 0 && now.Sub(sess.LastSeenAt) >= touchEvery {
		err := a.Store.TouchSession(ctx, sess.ID, now)
		if errors.Is(err, store.ErrNotFound) { // ended meanwhile (logout)
			return nil, errNoSession
		}
		if err != nil {
			return nil, err
		}
		sess.LastSeenAt = now
	}
	c := &current{session: sess, user: user, enterprise: sc.Enterprise, read: sc.Read}
	if store.IsCardRole(user.Role) {
		if err := a.cardOfSession(ctx, w, r, c, sc, now); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// checkCSRF requires the session's CSRF token on unsafe requests.
func (a *API) checkCSRF(r *http.Request, c *current) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	if !auth.EqualTokens(r.Header.Get(model.CSRFHeader), c.session.CSRFToken) {
		return &Error{Code: model.ErrForbidden, Message: msgCSRF}
	}
	return nil
}

// secure reports whether cookies set for r must be Secure.
func (a *API) secure(r *http.Request) bool {
	return a.SecureCookies || a.Proxies.IsTLS(r)
}
