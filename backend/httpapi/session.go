package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"eportid/app/model"
	"eportid/backend/auth"
	"eportid/backend/store"
)

// msgBadLogin is the one answer to a wrong user name or a wrong password.
const msgBadLogin = "用户名或密码错误"

// ping: GET /api/ping, 204. The page asks it, with back-off, while the
// server could not be reached, to notice by itself that it is back.
func ping(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// getSession: GET /api/session.
func (a *API) getSession(w http.ResponseWriter, r *http.Request, c *current) error {
	s, err := a.sessionJSON(r, c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s)
	return nil
}

func (a *API) sessionJSON(r *http.Request, c *current) (model.Session, error) {
	s := model.Session{
		Username:     c.user.Username,
		Role:         c.user.Role,
		EnterpriseID: c.user.EnterpriseID,
		CSRFToken:    c.session.CSRFToken,
		ExpiresAt:    a.timeoutsOf(c.session).ExpiresAt(c.session.CreatedAt, c.session.LastSeenAt),
	}
	if c.session.KioskTerminalID != 0 {
		s.Kiosk, s.IdleSeconds = true, int(a.KioskIdle/time.Second)
	}
	if c.user.EnterpriseID != 0 {
		e, err := a.enterprise(r.Context(), c)
		if err != nil {
			return model.Session{}, err
		}
		s.EnterpriseName, s.CreditCode = e.NameCN, e.CreditCode
	}
	if c.card != nil {
		s.CardNumber, s.CardKind, s.HolderName = c.card.Number, c.card.Kind, c.card.HolderName
		s.CardNotice = model.ExpiryNotice(c.card.NotAfter, a.now())
		if c.card.Kind == model.CardOperator {
			ks, err := a.Store.CardAuthorisations(r.Context(), c.card.Number)
			if err != nil {
				return model.Session{}, err
			}
			s.AuthorisedKinds = ks
		}
	}
	if err := a.reviewerSession(r.Context(), c, &s); err != nil {
		return model.Session{}, err
	}
	return s, nil
}

// Throttle keys.
func accountKey(username string) string { return "login:user:" + store.NormalizeUsername(username) }
func (a *API) addrKey(prefix string, r *http.Request) string {
	return prefix + auth.AddrKey(a.Proxies.ClientAddr(r))
}

// login: POST /api/session. A wrong user name and a wrong password take
// the same time and get the same answer; both count against the account
// key (the lower-cased name, existing or not) and the client address.
func (a *API) login(w http.ResponseWriter, r *http.Request) error {
	var req model.LoginRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	req.Username = strings.TrimSpace(req.Username)
	if fields := loginFields(req.Username, req.Password); len(fields) > 0 {
		return invalid(fields)
	}
	find := func(ctx context.Context) (store.User, error) {
		user, err := a.Store.UserByUsername(ctx, req.Username)
		if err == nil && (store.IsCardRole(user.Role) || user.Role == model.RoleReviewer) {
			// A card's account has no password: it is as unknown here. A
			// reviewer logs in with a second factor (POST /api/review/session).
			return store.User{}, store.ErrNotFound
		}
		return user, err
	}
	return a.passwordLogin(w, r, passwordLogin{
		username: req.Username, password: req.Password, find: find,
		badLogin: msgBadLogin,
	})
}

// loginFields are the field errors of a login's user name and password.
func loginFields(username, password string) model.FieldErrors {
	fields := model.FieldErrors{}
	if username == "" {
		fields["username"] = "用户名：必填，不能为空"
	}
	if password == "" {
		fields["password"] = "密码：必填，不能为空"
	}
	return fields
}

// passwordLogin is one login by user name and password (and, optionally,
// a second factor) for passwordLogin.
type passwordLogin struct {
	username, password string
	// find looks the account up; store.ErrNotFound for one that cannot log
	// in this way.
	find func(ctx context.Context) (store.User, error)
	// second, if set, checks the second factor once the password is good.
	second func(ctx context.Context, now time.Time) (bool, error)
	// The answer to a wrong login (and to a disabled account's).
	badLogin string
}

// passwordLogin checks l against the throttle, the account's password and
// its second factor, and starts a session. The attempt is counted against
// the account key and the client address before the password is hashed,
// in one atomic step with the throttle's check per key
// (auth.Throttle.Reserve), so attempts sent at once are throttled as if
// sent one after the other; a success forgets the account's count and
// takes back the address's attempt. A disabled account, a wrong user name,
// password or second factor all get the one wrong-login answer after the
// same work. A password longer than any valid one is a wrong login,
// answered after the same work but without hashing a megabyte.
func (a *API) passwordLogin(w http.ResponseWriter, r *http.Request, l passwordLogin) error {
	tooLong := len(l.password) > 4*128
	ctx := r.Context()
	now := a.now()
	acctKey, ipKey := accountKey(l.username), a.addrKey("login:ip:", r)
	// Reserved attempts are kept even if the client goes away.
	dctx := detached(ctx)

	wait, err := a.throttle.Reserve(dctx, ipKey, a.AddrPolicy, now)
	if err != nil {
		return err
	}
	if wait == 0 {
		if wait, err = a.throttle.Reserve(dctx, acctKey, a.AccountPolicy, now); err != nil {
			return err
		}
		if wait > 0 {
			if err := a.throttle.Release(dctx, ipKey); err != nil {
				return err
			}
		}
	}
	if wait > 0 {
		s := auth.RetryAfter(wait)
		return &Error{Code: model.ErrThrottled, RetryAfter: s,
			Message: "登录失败次数过多，请" + waitText(s) + "后再试"}
	}

	user, err := l.find(ctx)
	ok, rehash := false, false
	switch {
	case errors.Is(err, store.ErrNotFound) || err == nil && tooLong:
		if err := a.Hasher.VerifyDummy(ctx, l.password[:min(len(l.password), 4*128)]); err != nil {
			return err
		}
	case err != nil:
		return err
	default:
		ok, rehash, err = a.Hasher.Verify(ctx, user.PasswordHash, l.password)
		if errors.Is(err, auth.ErrMalformedHash) {
			a.Log.ErrorContext(ctx, "malformed password hash", "user_id", user.ID)
			ok, err = false, nil
		}
		if err != nil {
			return err
		}
	}
	if ok && user.Disabled {
		a.Log.InfoContext(ctx, "login of a disabled account refused", "user_id", user.ID)
		ok = false
	}
	if ok && l.second != nil {
		if ok, err = l.second(ctx, now); err != nil {
			return err
		}
	}
	if !ok {
		return &Error{Code: model.ErrBadLogin, Message: l.badLogin}
	}
	if err := a.throttle.Clear(dctx, acctKey); err != nil {
		return err
	}
	if err := a.throttle.Release(dctx, ipKey); err != nil {
		return err
	}
	if rehash {
		if h, err := a.Hasher.Hash(ctx, l.password); err == nil {
			if err := a.Store.SetPasswordHash(ctx, user.ID, h); err != nil {
				a.Log.WarnContext(ctx, "upgrade password hash", "user_id", user.ID, "err", err)
			}
		}
	}
	return a.startSession(w, r, user)
}

// logout: DELETE /api/session (【退出】). Ends the session on the server and
// clears the cookie; without a live session it only clears the cookie.
func (a *API) logout(w http.ResponseWriter, r *http.Request) error {
	c, err := a.session(w, r, nil)
	var e *Error
	if errors.As(err, &e) && e.Code == model.ErrUnauthorized {
		auth.ClearSessionCookie(w, a.secure(r))
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	if err != nil {
		return err
	}
	if err := a.checkCSRF(r, c); err != nil {
		return err
	}
	if err := a.Store.DeleteSession(r.Context(), c.session.ID); err != nil {
		return err
	}
	auth.ClearSessionCookie(w, a.secure(r))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// waitText says a wait in Chinese: "30秒", "2分钟", "15分钟".
func waitText(seconds int) string {
	if seconds < 60 {
		return strconv.Itoa(seconds) + "秒"
	}
	return strconv.Itoa((seconds+59)/60) + "分钟"
}
