package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"eportid/app/model"
	"eportid/backend/auth"
	"eportid/backend/store"
)

// The reviewers' login to the review console: password and a TOTP code
// (RFC 6238, auth.VerifyTOTP), each code's time step accepted once
// (store.UseTOTPStep). A wrong user name, password or code gets one
// answer, after the same work, and counts against the same throttle keys
// as the enterprise login. A reviewer's account cannot log in through
// POST /api/session.

// msgBadReviewLogin is the one answer to any wrong reviewer login.
const msgBadReviewLogin = "用户名、密码或动态口令错误"

// reviewLogin: POST /api/review/session.
func (a *API) reviewLogin(w http.ResponseWriter, r *http.Request) error {
	var req model.ReviewLoginRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	req.Username, req.TOTP = strings.TrimSpace(req.Username), strings.TrimSpace(req.TOTP)
	fields := model.FieldErrors{}
	if req.Username == "" {
		fields["username"] = "用户名：必填，不能为空"
	}
	if req.Password == "" {
		fields["password"] = "密码：必填，不能为空"
	}
	if req.TOTP == "" {
		fields["totp"] = "动态口令：必填，不能为空"
	}
	if len(fields) > 0 {
		return invalid(fields)
	}
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

	rv, err := a.Store.ReviewerByUsername(ctx, req.Username)
	ok, rehash := false, false
	switch {
	case errors.Is(err, store.ErrNotFound) || err == nil && tooLong:
		if err := a.Hasher.VerifyDummy(ctx, req.Password[:min(len(req.Password), 4*128)]); err != nil {
			return err
		}
	case err != nil:
		return err
	default:
		ok, rehash, err = a.Hasher.Verify(ctx, rv.PasswordHash, req.Password)
		if errors.Is(err, auth.ErrMalformedHash) {
			a.Log.ErrorContext(ctx, "malformed password hash", "user_id", rv.ID)
			ok, err = false, nil
		}
		if err != nil {
			return err
		}
	}
	if ok {
		var step int64
		if step, ok = auth.VerifyTOTP(rv.TOTPSecret.Reveal(), req.TOTP, now); ok {
			// A code is good once: a replay of this step (or an earlier
			// one) is refused.
			err := a.Store.UseTOTPStep(ctx, rv.ID, step)
			if errors.Is(err, store.ErrConflict) {
				ok = false
			} else if err != nil {
				return err
			}
		}
	}
	if !ok {
		dctx := detached(ctx)
		if err := a.throttle.Count(dctx, acctKey, a.AccountPolicy, now); err != nil {
			return err
		}
		if err := a.throttle.Count(dctx, ipKey, a.AddrPolicy, now); err != nil {
			return err
		}
		return &Error{Code: model.ErrBadLogin, Message: msgBadReviewLogin}
	}
	if rv.Disabled {
		return &Error{Code: model.ErrForbidden, Message: "该帐号已停用"}
	}
	if err := a.throttle.Clear(ctx, acctKey); err != nil {
		return err
	}
	if rehash {
		if h, err := a.Hasher.Hash(ctx, req.Password); err == nil {
			if err := a.Store.SetPasswordHash(ctx, rv.ID, h); err != nil {
				a.Log.WarnContext(ctx, "upgrade password hash", "user_id", rv.ID, "err", err)
			}
		}
	}
	return a.startSession(w, r, rv.User)
}

// startSession opens a new session of user (never the one the request
// came with: fixation), sets its cookie and answers with its Session.
func (a *API) startSession(w http.ResponseWriter, r *http.Request, user store.User) error {
	ctx := r.Context()
	if old := auth.SessionToken(r); old != "" {
		if s, err := a.Store.SessionByTokenHash(ctx, auth.HashToken(old)); err == nil {
			_ = a.Store.DeleteSession(ctx, s.ID)
		}
	}
	now := a.now()
	token, hash := auth.NewToken()
	csrf, _ := auth.NewToken()
	sess, err := a.Store.CreateSession(ctx, store.Session{
		TokenHash: hash, UserID: user.ID, CSRFToken: csrf, CreatedAt: now, LastSeenAt: now,
	})
	if err != nil {
		return err
	}
	s, err := a.sessionJSON(r, &current{session: sess, user: user})
	if err != nil {
		return err
	}
	auth.SetSessionCookie(w, token, a.secure(r))
	writeJSON(w, http.StatusOK, s)
	return nil
}

// reviewerSession adds a reviewer's agent point to its Session.
func (a *API) reviewerSession(ctx context.Context, c *current, s *model.Session) error {
	if c.user.Role != model.RoleReviewer {
		return nil
	}
	rv, err := a.Store.ReviewerByUserID(ctx, c.user.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	s.AgentPoint = rv.AgentPoint
	return nil
}
