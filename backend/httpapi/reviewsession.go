package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

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
	fields := loginFields(req.Username, req.Password)
	if req.TOTP == "" {
		fields["totp"] = "动态口令：必填，不能为空"
	}
	if len(fields) > 0 {
		return invalid(fields)
	}
	var rv store.Reviewer
	find := func(ctx context.Context) (store.User, error) {
		var err error
		rv, err = a.Store.ReviewerByUsername(ctx, req.Username)
		return rv.User, err
	}
	second := func(ctx context.Context, now time.Time) (bool, error) {
		step, ok := auth.VerifyTOTP(rv.TOTPSecret.Reveal(), req.TOTP, now)
		if !ok {
			return false, nil
		}
		// A code is good once: a replay of this step (or an earlier one)
		// is refused.
		err := a.Store.UseTOTPStep(ctx, rv.ID, step)
		if errors.Is(err, store.ErrConflict) {
			return false, nil
		}
		return err == nil, err
	}
	return a.passwordLogin(w, r, passwordLogin{
		username: req.Username, password: req.Password, find: find, second: second,
		badLogin: msgBadReviewLogin,
	})
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
	sess := store.Session{TokenHash: hash, UserID: user.ID, CSRFToken: csrf, CreatedAt: now, LastSeenAt: now}
	if err := a.kioskSession(w, r, &sess); err != nil {
		return err
	}
	sess, err := a.Store.CreateSession(ctx, sess)
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
