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

// SessionToken returns the token of the request's session cookie, or "".
func SessionToken(r *http.Request) string {
	c, err := r.Cookie(CookieName)
	if err != nil {
		return ""
	}
	return c.Value
}
