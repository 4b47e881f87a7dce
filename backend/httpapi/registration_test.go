package httpapi_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"eportid/app/model"
	"eportid/backend/auth"
	"eportid/backend/httpapi"
)

const wantRegistered = "注册信息已提交。我们已向您填写的电子邮箱发送确认邮件，请在24小时内点击邮件中的链接完成注册。"

func TestRegisterActivateLogin(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		anon := e.client()
		cc := creditCode(next())
		var acc model.Accepted
		anon.call(http.MethodPost, "/api/registrations", registration(cc, "NewAdmin", "new@example.com"), http.StatusAccepted, &acc)
		if acc.Message != wantRegistered {
			t.Fatalf("message %q", acc.Message)
		}
		// Nothing exists before the confirmation.
		if a := anon.do(http.MethodPost, "/api/session", model.LoginRequest{Username: "newadmin", Password: password}); a.status != http.StatusUnauthorized {
			t.Fatalf("login before activation: %d", a.status)
		}
		tok := e.activationToken("new@example.com")
		mails, _ := e.st.MailsTo(context.Background(), "new@example.com")
		if !strings.Contains(mails[0].Body, e.srv.URL+"/activate?token=") {
			t.Errorf("link not on the base URL: %s", mails[0].Body)
		}
		if a := anon.do(http.MethodPost, "/api/registrations/activate", model.ActivateRequest{Token: tok + "x"}); a.status != http.StatusNotFound ||
			a.problem(t).Message != "确认链接无效或已过期，请重新注册。" {
			t.Fatalf("wrong token: %d %s", a.status, a.body)
		}
		anon.call(http.MethodPost, "/api/registrations/activate", model.ActivateRequest{Token: tok}, http.StatusOK, &acc)
		if acc.Message != "注册完成，请使用用户名密码登录。" {
			t.Fatalf("activation message %q", acc.Message)
		}
		// A link works once.
		if a := anon.do(http.MethodPost, "/api/registrations/activate", model.ActivateRequest{Token: tok}); a.status != http.StatusNotFound {
			t.Fatalf("second activation: %d %s", a.status, a.body)
		}
		s := anon.login("newadmin", password)
		if s.CreditCode != cc || s.Role != model.RoleNoCardAdmin || s.EnterpriseName != "福州示例贸易有限公司" {
			t.Fatalf("session %+v", s)
		}
		// The stored password hash is argon2id with the hasher's parameters.
		u, err := e.st.UserByUsername(context.Background(), "newadmin")
		if err != nil || !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$m=64,t=1,p=1$") {
			t.Fatalf("hash %q %v", u.PasswordHash, err)
		}
	})
}

func TestRegistrationExpires(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		anon := e.client()
		anon.call(http.MethodPost, "/api/registrations", registration(creditCode(next()), "lateadmin", "late@example.com"), http.StatusAccepted, nil)
		tok := e.activationToken("late@example.com")
		e.clock.Add(24*time.Hour + time.Second)
		if a := anon.do(http.MethodPost, "/api/registrations/activate", model.ActivateRequest{Token: tok}); a.status != http.StatusNotFound {
			t.Fatalf("activation after 24 hours: %d %s", a.status, a.body)
		}
	})
}

func TestRegistrationInvalid(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		r := registration("91350100M000100Y44", "1x", "bad")
		r.Admin.PasswordConfirm = "other"
		r.Enterprise.City = "350199" // not a city
		a := e.client().do(http.MethodPost, "/api/registrations", r)
		p := a.problem(t)
		if a.status != http.StatusUnprocessableEntity || p.Code != model.ErrInvalid {
			t.Fatalf("%d %s", a.status, a.body)
		}
		for _, k := range []string{"credit_code", "admin.username", "admin.email", "admin.password_confirm", "city"} {
			if p.Fields[k] == "" {
				t.Errorf("no message for %s: %v", k, p.Fields)
			}
		}
	})
}

func TestRegistrationAnswersAreUniform(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		anon := e.client()
		owner, ent := e.enterprise()
		var s model.Session
		owner.call(http.MethodGet, "/api/session", nil, http.StatusOK, &s)

		post := func(r model.RegistrationRequest) answer {
			a := anon.do(http.MethodPost, "/api/registrations", r)
			if a.status != http.StatusAccepted {
				t.Fatalf("registration: %d %s", a.status, a.body)
			}
			return a
		}
		fresh := post(registration(creditCode(next()), "freshuser", "fresh@example.com"))
		takenCode := post(registration(ent.CreditCode, "otheruser", "intruder@example.com"))
		takenUser := post(registration(creditCode(next()), strings.ToUpper(s.Username), "late@example.com"))
		if !bytes.Equal(fresh.body, takenCode.body) || !bytes.Equal(fresh.body, takenUser.body) {
			t.Fatalf("answers differ:\n%s\n%s\n%s", fresh.body, takenCode.body, takenUser.body)
		}

		// The confirmation says only that this registration cannot be
		// completed, the same whether the user name or the credit code is
		// in use: nothing of another account.
		takenUserAns := anon.do(http.MethodPost, "/api/registrations/activate", model.ActivateRequest{Token: e.activationToken("late@example.com")})
		takenCodeAns := anon.do(http.MethodPost, "/api/registrations/activate", model.ActivateRequest{Token: e.activationToken("intruder@example.com")})
		if takenUserAns.status != http.StatusConflict || !bytes.Equal(takenUserAns.body, takenCodeAns.body) {
			t.Fatalf("confirmations differ: taken user name %d %s, taken credit code %d %s",
				takenUserAns.status, takenUserAns.body, takenCodeAns.status, takenCodeAns.body)
		}
		for _, leak := range []string{"已被占用", "该统一社会信用代码已有管理员帐号"} {
			if strings.Contains(string(takenUserAns.body), leak) {
				t.Errorf("the confirmation says %q: %s", leak, takenUserAns.body)
			}
		}
		// The existing administrator is warned; the intruder learns nothing more.
		mails, _ := e.st.MailsTo(context.Background(), s.Username+"@example.com")
		if len(mails) != 1 || !strings.Contains(mails[0].Body, ent.CreditCode) || !strings.Contains(mails[0].Subject, "尝试") {
			t.Errorf("existing administrator not warned: %+v", mails)
		}
	})
}

// Confirmations that do not complete are throttled per client address; a
// completed one is not counted.
func TestActivationThrottle(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		anon := e.client()
		anon.call(http.MethodPost, "/api/registrations", registration(creditCode(next()), "goodadmin", "good@example.com"), http.StatusAccepted, nil)
		anon.call(http.MethodPost, "/api/registrations/activate", model.ActivateRequest{Token: e.activationToken("good@example.com")}, http.StatusOK, nil)
		for i := range auth.ActivatePolicy.Free {
			if a := anon.do(http.MethodPost, "/api/registrations/activate", model.ActivateRequest{Token: "guess" + itoa(int64(i))}); a.status != http.StatusNotFound {
				t.Fatalf("wrong link %d: %d %s", i+1, a.status, a.body)
			}
		}
		anon.call(http.MethodPost, "/api/registrations", registration(creditCode(next()), "lateadmin2", "late2@example.com"), http.StatusAccepted, nil)
		a := anon.do(http.MethodPost, "/api/registrations/activate", model.ActivateRequest{Token: e.activationToken("late2@example.com")})
		if p := a.problem(t); a.status != http.StatusTooManyRequests || p.Code != model.ErrThrottled || p.RetryAfter != 1 {
			t.Fatalf("after %d wrong links: %d %s", auth.ActivatePolicy.Free, a.status, a.body)
		}
		e.clock.Add(time.Second)
		anon.call(http.MethodPost, "/api/registrations/activate", model.ActivateRequest{Token: e.activationToken("late2@example.com")}, http.StatusOK, nil)
	})
}

func TestRegistrationThrottle(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e = newEnv(t, e.st, func(a *httpapi.API) {
			a.RegisterPolicy = auth.Policy{Free: 2, Base: time.Second, Max: time.Minute, Reset: time.Hour}
		})
		anon := e.client()
		for i := range 2 {
			anon.call(http.MethodPost, "/api/registrations", registration(creditCode(next()), "reguser"+itoa(int64(i)), "r@example.com"), http.StatusAccepted, nil)
		}
		a := anon.do(http.MethodPost, "/api/registrations", registration(creditCode(next()), "reguserx", "r@example.com"))
		if p := a.problem(t); a.status != http.StatusTooManyRequests || p.Code != model.ErrThrottled || p.RetryAfter != 1 {
			t.Fatalf("third registration: %d %s", a.status, a.body)
		}
		e.clock.Add(time.Second)
		anon.call(http.MethodPost, "/api/registrations", registration(creditCode(next()), "reguserx", "r@example.com"), http.StatusAccepted, nil)
	})
}
