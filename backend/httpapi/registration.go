package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"eportid/app/model"
	"eportid/backend/auth"
	"eportid/backend/mail"
	"eportid/backend/store"
)

// The answers of registration (R2). The first is the same whatever was
// registered before: it never says whether a credit code or a user name is
// taken. The confirmation (by the owner of the e-mail address, who
// follows the link) says only that this registration could not be
// completed, in one answer whether the user name or the credit code was
// the obstacle: what is known of other accounts is not told to whoever
// owns a mailbox. The administrators of a registered credit code are
// warned by mail. Confirmations are throttled per client address
// (ActivatePolicy; a completed one is not counted).
const (
	msgRegistered        = "注册信息已提交。我们已向您填写的电子邮箱发送确认邮件，请在24小时内点击邮件中的链接完成注册。"
	msgActivated         = "注册完成，请使用用户名密码登录。"
	msgActivationInvalid = "确认链接无效或已过期，请重新注册。"
	msgActivationRefused = "此次注册未能完成：所填的用户名或统一社会信用代码不能用于新的注册。请更换用户名后重新注册；如本企业已有管理员帐号，请联系本企业管理员或制卡代理点。"
)

// register: POST /api/registrations.
func (a *API) register(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	now := a.now()
	key := a.addrKey("register:ip:", r)
	// The registration is counted before its password is hashed, in one
	// step with the check (as logins are), and taken back if refused.
	dctx := detached(ctx)
	wait, err := a.throttle.Reserve(dctx, key, a.RegisterPolicy, now)
	if err != nil {
		return err
	}
	if wait > 0 {
		s := auth.RetryAfter(wait)
		return &Error{Code: model.ErrThrottled, RetryAfter: s, Message: "注册过于频繁，请" + waitText(s) + "后再试"}
	}
	accepted := false
	defer func() {
		if !accepted {
			if err := a.throttle.Release(dctx, key); err != nil {
				a.Log.WarnContext(ctx, "release a registration attempt", "err", err)
			}
		}
	}()
	var req model.RegistrationRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	errs := req.Validate()
	if errs == nil {
		errs = model.FieldErrors{}
	}
	if err := a.checkChoices(ctx, model.RegistrationEnterpriseForm, model.Values(&req.Enterprise), errs); err != nil {
		return err
	}
	if len(errs) > 0 {
		return invalid(errs)
	}
	hash, err := a.Hasher.Hash(ctx, req.Admin.Password)
	if err != nil {
		return err
	}
	token := registrationToken(req.Enterprise.CreditCode)
	// From here on the work finishes even if the client goes away.
	err = a.Store.CreatePendingRegistration(dctx, store.PendingRegistration{
		TokenHash:    auth.HashToken(token),
		Enterprise:   req.Enterprise,
		Username:     req.Admin.Username,
		PasswordHash: hash,
		Mobile:       req.Admin.Mobile,
		Email:        req.Admin.Email,
		CreatedAt:    now,
		ExpiresAt:    now.Add(RegistrationValidity),
	})
	if err != nil {
		return err
	}
	accepted = true
	link := mail.ActivationLink(a.BaseURL, token)
	if err := a.Mail.Send(dctx, mail.Confirmation(req.Admin.Email, req.Enterprise.NameCN, link, RegistrationValidity)); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, model.Accepted{Message: msgRegistered})
	return nil
}

// registrationToken is a random token followed by the credit code the
// registration is for: "<43 random characters>.<credit code>". The whole
// string is hashed for the store, so the credit code in it is as
// trustworthy as the token; the activation reads it back to warn the
// enterprise's administrator when the code turns out to be registered.
// (A credit code is public information.)
func registrationToken(creditCode string) string {
	t, _ := auth.NewToken()
	return t + "." + creditCode
}

// tokenCreditCode is the credit code of a registration token, or "".
func tokenCreditCode(token string) string {
	_, cc, _ := strings.Cut(token, ".")
	if model.ValidateCreditCode(cc) != nil {
		return ""
	}
	return cc
}

// activate: POST /api/registrations/activate.
func (a *API) activate(w http.ResponseWriter, r *http.Request) error {
	var req model.ActivateRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	token := strings.TrimSpace(req.Token)
	if token == "" || len(token) > 256 {
		return &Error{Code: model.ErrNotFound, Message: msgActivationInvalid}
	}
	ctx := detached(r.Context())
	now := a.now()
	key := a.addrKey("activate:ip:", r)
	wait, err := a.throttle.Reserve(ctx, key, a.ActivatePolicy, now)
	if err != nil {
		return err
	}
	if wait > 0 {
		s := auth.RetryAfter(wait)
		return &Error{Code: model.ErrThrottled, RetryAfter: s, Message: "确认注册过于频繁，请" + waitText(s) + "后再试"}
	}
	_, _, err = a.Store.ActivateRegistration(ctx, auth.HashToken(token), now)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return &Error{Code: model.ErrNotFound, Message: msgActivationInvalid, Err: err}
	case errors.Is(err, store.ErrUsernameTaken):
		return &Error{Code: model.ErrConflict, Message: msgActivationRefused, Err: err}
	case errors.Is(err, store.ErrCreditCodeTaken):
		if werr := a.warnAdmins(ctx, tokenCreditCode(token)); werr != nil {
			a.Log.ErrorContext(ctx, "warn the administrators of a registered credit code", "err", werr)
		}
		return &Error{Code: model.ErrConflict, Message: msgActivationRefused, Err: err}
	case err != nil:
		return err
	}
	if err := a.throttle.Release(ctx, key); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, model.Accepted{Message: msgActivated})
	return nil
}

// warnAdmins mails the administrators of the enterprise of creditCode that
// someone confirmed a registration of it.
func (a *API) warnAdmins(ctx context.Context, creditCode string) error {
	if creditCode == "" {
		return errors.New("registration token without credit code")
	}
	ent, err := a.Store.EnterpriseByCreditCode(ctx, creditCode)
	if err != nil {
		return err
	}
	users, err := a.Store.EnterpriseUsers(ctx, ent.ID)
	if err != nil {
		return err
	}
	sent := map[string]bool{}
	for _, u := range users {
		if u.Role != model.RoleNoCardAdmin || u.Disabled || u.Email == "" || sent[u.Email] {
			continue
		}
		sent[u.Email] = true
		if err := a.Mail.Send(ctx, mail.RegistrationAttempt(u.Email, ent.NameCN, ent.CreditCode, a.now())); err != nil {
			return err
		}
	}
	return nil
}
