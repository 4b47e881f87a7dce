package auth

import (
	"net/http"
	"time"
)

// CookieName is the session cookie. It holds the session token; the
// database holds only the token's SHA-256.
const CookieName = "eportid_session"

// Session timeouts (OWASP Session Management: idle and absolute).
const (
	DefaultIdleTimeout     = 30 * time.Minute
	DefaultAbsoluteTimeout = 12 * time.Hour
)

// DefaultKioskIdle is the idle timeout of a kiosk session (a session begun
// on a kiosk terminal at an agent point): 3 minutes without a key or a
// touch on the page.
const DefaultKioskIdle = 3 * time.Minute

// Timeouts say how long a session lives.
type Timeouts struct {
	Idle     time.Duration // since the last request
	Absolute time.Duration // since the login
}

// DefaultTimeouts are 30 minutes idle and 12 hours absolute.
var DefaultTimeouts = Timeouts{Idle: DefaultIdleTimeout, Absolute: DefaultAbsoluteTimeout}

// Expired reports whether a session created at created and last used at
// lastSeen has ended at now.
func (t Timeouts) Expired(created, lastSeen, now time.Time) bool {
	return !now.Before(t.ExpiresAt(created, lastSeen))
}

// ExpiresAt is when a session created at created and last used at lastSeen
// ends unless used again: the earlier of the idle and the absolute end.
func (t Timeouts) ExpiresAt(created, lastSeen time.Time) time.Time {
	idle := lastSeen.Add(t.Idle)
	abs := created.Add(t.Absolute)
	if abs.Before(idle) {
		return abs
	}
	return idle
}

// SetSessionCookie sets the session cookie: HttpOnly, SameSite=Strict,
// Path=/, Secure when secure; no Max-Age (the server ends the session, and
// the browser forgets the cookie when it closes).
func SetSessionCookie(w http.ResponseWriter, token string, secure bool) {
	http.SetCookie(w, &http.Cookie{
		Name:     CookieName,
		Value:    token,
		Path:     "/",
		HttpOnly: true,
		Secure:   secure,
		SameSite: http.SameSiteStrictMode,
	})
}

// ClearSessionCookie tells the browser to forget the session cookie.
func ClearSessionCookie(w http.ResponseWriter, secure bool) {
	http.SetCookie(w, &http.Cookie{
		Name:     CookieName,
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		Expires:  time.Unix(1, 0),
		HttpOnly: true,
		Secure:   secure,
		SameSite: http.SameSiteStrictMode,
	})
}

// Kiosk returns t with the idle timeout of a kiosk session.
func (t Timeouts) Kiosk(idle time.Duration) Timeouts {
	t.Idle = idle
	return t
}

// KioskCookieName is the cookie that names an enrolled kiosk terminal. It
// holds the terminal's token; the database holds only its SHA-256.
const KioskCookieName = "eportid_kiosk"

// KioskCookieMaxAge is how long the browser keeps the kiosk cookie: 400
// days, the most Chrome keeps any cookie. The server sets it again at every
// login on the terminal, so a terminal in use stays enrolled.
const KioskCookieMaxAge = 400 * 24 * time.Hour

// SetKioskCookie sets the terminal's cookie: HttpOnly, SameSite=Strict,
// Path=/, Secure when secure, kept KioskCookieMaxAge.
func SetKioskCookie(w http.ResponseWriter, token string, secure bool) {
	http.SetCookie(w, &http.Cookie{
		Name:     KioskCookieName,
		Value:    token,
		Path:     "/",
		MaxAge:   int(KioskCookieMaxAge / time.Second),
		HttpOnly: true,
		Secure:   secure,
		SameSite: http.SameSiteStrictMode,
	})
}

// KioskToken returns the token of the request's kiosk cookie, or "".
func KioskToken(r *http.Request) string {
	c, err := r.Cookie(KioskCookieName)
	if err != nil {
		return ""
	}
	return c.Value
}

// SessionToken returns the token of the request's session cookie, or "".
func SessionToken(r *http.Request) string {
	c, err := r.Cookie(CookieName)
	if err != nil {
		return ""
	}
	return c.Value
}
