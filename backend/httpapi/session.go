package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"eportid/app/model"
	"eportid/backend/auth"
	"eportid/backend/store"
)

// msgBadLogin is the one answer to a wrong user name or a wrong password.
const msgBadLogin = "用户名或密码错误"

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
		ExpiresAt:    a.Timeouts.ExpiresAt(c.session.CreatedAt, c.session.LastSeenAt),
	}
	if c.user.EnterpriseID != 0 {
		e, err := a.Store.EnterpriseByID(r.Context(), c.user.EnterpriseID)
		if err != nil {
			return model.Session{}, err
		}
		s.EnterpriseName, s.CreditCode = e.NameCN, e.CreditCode
	}
	if c.card != nil {
		s.CardNumber, s.CardKind, s.HolderName = c.card.Number, c.card.Kind, c.card.HolderName
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
	if req.Username == "" || req.Password == "" {
		fields := model.FieldErrors{}
		if req.Username == "" {
			fields["username"] = "用户名：必填，不能为空"
		}
		if req.Password == "" {
			fields["password"] = "密码：必填，不能为空"
		}
		return invalid(fields)
	}
	// A password longer than any valid one is a wrong login, answered
	// after the same work but without hashing a megabyte.
	tooLong := len(req.Password) > 4*128
	ctx := r.Context()
	now := a.now()
	acctKey, ipKey := accountKey(req.Username), a.addrKey("login:ip:", r)

	wait, err := a.throttle.Wait(ctx, acctKey, a.AccountPolicy, now)
	if err != nil {
		return err
	}
	if w2, err := a.throttle.Wait(ctx, ipKey, a.AddrPolicy, now); err != nil {
		return err
	} else if w2 > wait {
		wait = w2
	}
	if wait > 0 {
		s := auth.RetryAfter(wait)
		return &Error{Code: model.ErrThrottled, RetryAfter: s,
			Message: "登录失败次数过多，请" + waitText(s) + "后再试"}
	}

	user, err := a.Store.UserByUsername(ctx, req.Username)
	ok, rehash := false, false
	switch {
	case errors.Is(err, store.ErrNotFound) || err == nil && (tooLong || store.IsCardRole(user.Role) || user.Role == model.RoleReviewer):
		// A card's account has no password: it is as unknown here. A
		// reviewer logs in with a second factor (POST /api/review/session).
		if err := a.Hasher.VerifyDummy(ctx, req.Password[:min(len(req.Password), 4*128)]); err != nil {
			return err
		}
	case err != nil:
		return err
	default:
		ok, rehash, err = a.Hasher.Verify(ctx, user.PasswordHash, req.Password)
		if errors.Is(err, auth.ErrMalformedHash) {
			a.Log.ErrorContext(ctx, "malformed password hash", "user_id", user.ID)
			ok, err = false, nil
		}
		if err != nil {
			return err
		}
	}
	if !ok {
		// Counted even if the client has gone: the attempt was made.
		dctx := detached(ctx)
		if err := a.throttle.Count(dctx, acctKey, a.AccountPolicy, now); err != nil {
			return err
		}
		if err := a.throttle.Count(dctx, ipKey, a.AddrPolicy, now); err != nil {
			return err
		}
		return &Error{Code: model.ErrBadLogin, Message: msgBadLogin}
	}
	if user.Disabled {
		return &Error{Code: model.ErrForbidden, Message: "该帐号已停用，如有疑问请联系制卡代理点"}
	}
	if err := a.throttle.Clear(ctx, acctKey); err != nil {
		return err
	}
	if rehash {
		if h, err := a.Hasher.Hash(ctx, req.Password); err == nil {
			if err := a.Store.SetPasswordHash(ctx, user.ID, h); err != nil {
				a.Log.WarnContext(ctx, "upgrade password hash", "user_id", user.ID, "err", err)
			}
		}
	}
	// A new session, never the one the request came with (fixation).
	if old := auth.SessionToken(r); old != "" {
		if s, err := a.Store.SessionByTokenHash(ctx, auth.HashToken(old)); err == nil {
			_ = a.Store.DeleteSession(ctx, s.ID)
		}
	}
	token, hash := auth.NewToken()
	csrf, _ := auth.NewToken()
	sess, err := a.Store.CreateSession(ctx, store.Session{
		TokenHash: hash, UserID: user.ID, CSRFToken: csrf, CreatedAt: now, LastSeenAt: now,
	})
	if err != nil {
		return err
	}
	c := &current{session: sess, user: user}
	s, err := a.sessionJSON(r, c)
	if err != nil {
		return err
	}
	auth.SetSessionCookie(w, token, a.secure(r))
	writeJSON(w, http.StatusOK, s)
	return nil
}

// logout: DELETE /api/session (【退出】). Ends the session on the server and
// clears the cookie; without a live session it only clears the cookie.
func (a *API) logout(w http.ResponseWriter, r *http.Request) error {
	c, err := a.session(w, r)
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
