package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"eportid/app/model"
	"eportid/backend/auth"
	"eportid/backend/httpapi"
	"eportid/backend/store"
)

func TestLoginLogout(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		c, ent := e.enterprise()
		var s model.Session
		c.call(http.MethodGet, "/api/session", nil, http.StatusOK, &s)
		if s.EnterpriseID != ent.ID || s.CreditCode != ent.CreditCode || s.Role != model.RoleNoCardAdmin || s.CSRFToken == "" {
			t.Fatalf("session: %+v", s)
		}
		if want := e.clock.Now().Add(auth.DefaultIdleTimeout); !s.ExpiresAt.Equal(want.Truncate(time.Microsecond)) {
			t.Errorf("expires_at %v, want %v", s.ExpiresAt, want)
		}
		old := c.cookie()
		if old == "" {
			t.Fatal("no session cookie")
		}

		// Logout needs the CSRF token.
		if a := c.do(http.MethodDelete, "/api/session", nil, model.CSRFHeader, ""); a.status != http.StatusForbidden {
			t.Fatalf("logout without CSRF: %d %s", a.status, a.body)
		}
		c.call(http.MethodDelete, "/api/session", nil, http.StatusNoContent, nil)
		if c.cookie() != "" {
			t.Error("cookie not cleared")
		}
		if _, err := e.st.SessionByTokenHash(context.Background(), auth.HashToken(old)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("session row after logout: %v", err)
		}
		// The old cookie, replayed, is dead.
		replay := e.client()
		a := replay.do(http.MethodGet, "/api/session", nil, "Cookie", auth.CookieName+"="+old)
		if a.status != http.StatusUnauthorized || a.problem(t).Code != model.ErrUnauthorized {
			t.Fatalf("old cookie after logout: %d %s", a.status, a.body)
		}
		a = replay.do(http.MethodGet, lpPath(0), nil, "Cookie", auth.CookieName+"="+old)
		if a.status != http.StatusUnauthorized {
			t.Fatalf("old cookie after logout: %d %s", a.status, a.body)
		}
	})
}

func TestSessionCookieAttributes(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		n := next()
		ctx := context.Background()
		hash, _ := e.api.Hasher.Hash(ctx, password)
		ent, err := e.st.CreateEnterprise(ctx, store.Enterprise{CreditCode: creditCode(n), NameCN: "x"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.st.CreateUser(ctx, store.User{EnterpriseID: ent.ID, Username: "Cookie" + ent.CreditCode[9:17], PasswordHash: hash, Role: model.RoleNoCardAdmin}); err != nil {
			t.Fatal(err)
		}
		resp, err := http.Post(e.srv.URL+"/api/session", "application/json",
			strings.NewReader(`{"username":"COOKIE`+ent.CreditCode[9:17]+`","password":"`+password+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("login (name in other case): %d", resp.StatusCode)
		}
		sc := resp.Header.Get("Set-Cookie")
		for _, want := range []string{auth.CookieName + "=", "Path=/", "HttpOnly", "SameSite=Strict"} {
			if !strings.Contains(sc, want) {
				t.Errorf("Set-Cookie %q lacks %q", sc, want)
			}
		}
		if strings.Contains(sc, "Secure") || strings.Contains(sc, "Max-Age") {
			t.Errorf("Set-Cookie %q: Secure on plain HTTP, or a Max-Age", sc)
		}
		tok := strings.TrimPrefix(strings.SplitN(sc, ";", 2)[0], auth.CookieName+"=")
		sess, err := e.st.SessionByTokenHash(ctx, auth.HashToken(tok))
		if err != nil {
			t.Fatalf("the database does not hold the token's hash: %v", err)
		}
		if bytes.Contains(sess.TokenHash, []byte(tok)) || len(tok) != 43 {
			t.Errorf("token %q / hash %x", tok, sess.TokenHash)
		}
	})
}

func TestSecureCookieBehindTrustedProxy(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e = newEnv(t, e.st, func(a *httpapi.API) { a.Proxies, _ = auth.ParseProxies("127.0.0.1") })
		c := e.client()
		var cc string
		n := next()
		ctx := context.Background()
		hash, _ := e.api.Hasher.Hash(ctx, password)
		ent, _ := e.st.CreateEnterprise(ctx, store.Enterprise{CreditCode: creditCode(n), NameCN: "x"})
		cc = "proxy" + ent.CreditCode[9:17]
		if _, err := e.st.CreateUser(ctx, store.User{EnterpriseID: ent.ID, Username: cc, PasswordHash: hash, Role: model.RoleNoCardAdmin}); err != nil {
			t.Fatal(err)
		}
		a := c.do(http.MethodPost, "/api/session", model.LoginRequest{Username: cc, Password: password}, "X-Forwarded-Proto", "https")
		if a.status != http.StatusOK || !strings.Contains(a.header.Get("Set-Cookie"), "Secure") {
			t.Fatalf("behind a TLS proxy: %d Set-Cookie %q", a.status, a.header.Get("Set-Cookie"))
		}
	})
}

func TestBadLoginIsUniform(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		c, _ := e.enterprise()
		var s model.Session
		c.call(http.MethodGet, "/api/session", nil, http.StatusOK, &s)
		anon := e.client()
		wrongPass := anon.do(http.MethodPost, "/api/session", model.LoginRequest{Username: s.Username, Password: "wrong password"})
		wrongUser := anon.do(http.MethodPost, "/api/session", model.LoginRequest{Username: "nosuchuser", Password: "wrong password"})
		if wrongPass.status != http.StatusUnauthorized || wrongUser.status != http.StatusUnauthorized {
			t.Fatalf("statuses %d %d", wrongPass.status, wrongUser.status)
		}
		if !bytes.Equal(wrongPass.body, wrongUser.body) {
			t.Fatalf("answers differ:\n%s\n%s", wrongPass.body, wrongUser.body)
		}
		if p := wrongUser.problem(t); p.Code != model.ErrBadLogin || p.Message != "用户名或密码错误" {
			t.Fatalf("problem %+v", p)
		}
		if wrongPass.header.Get("Set-Cookie") != "" || wrongUser.header.Get("Set-Cookie") != "" {
			t.Error("a failed login set a cookie")
		}
	})
}

func TestLoginThrottle(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		c, _ := e.enterprise()
		var s model.Session
		c.call(http.MethodGet, "/api/session", nil, http.StatusOK, &s)
		for _, name := range []string{s.Username, "ghost-user"} { // existing or not
			anon := e.client()
			try := func(pw string) answer {
				return anon.do(http.MethodPost, "/api/session", model.LoginRequest{Username: strings.ToUpper(name), Password: pw})
			}
			for i := 0; i < auth.AccountPolicy.Free; i++ {
				if a := try("wrong password"); a.status != http.StatusUnauthorized {
					t.Fatalf("%s: failure %d: %d %s", name, i+1, a.status, a.body)
				}
			}
			// Throttled now, even with the right password.
			a := try(password)
			if a.status != http.StatusTooManyRequests {
				t.Fatalf("%s: after %d failures: %d %s", name, auth.AccountPolicy.Free, a.status, a.body)
			}
			p := a.problem(t)
			if p.Code != model.ErrThrottled || p.RetryAfter != 1 || a.header.Get("Retry-After") != "1" {
				t.Fatalf("%s: throttled answer %+v, Retry-After %q", name, p, a.header.Get("Retry-After"))
			}
			e.clock.Add(time.Second)
			if a := try("wrong again"); a.status != http.StatusUnauthorized {
				t.Fatalf("%s: after the wait: %d %s", name, a.status, a.body)
			}
			// Six failures: two seconds.
			if p := try(password).problem(t); p.Code != model.ErrThrottled || p.RetryAfter != 2 {
				t.Fatalf("%s: back-off did not double: %+v", name, p)
			}
			e.clock.Add(2 * time.Second)
			if name == s.Username {
				anon.login(name, password) // success clears the account key
				n, _, err := e.st.LoginFailures(context.Background(), "login:user:"+name)
				if err != nil || n != 0 {
					t.Fatalf("failures after success: %d %v", n, err)
				}
			}
		}
	})
}

func TestThrottleByAddress(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e = newEnv(t, e.st, func(a *httpapi.API) {
			a.AddrPolicy = auth.Policy{Free: 3, Base: time.Second, Max: time.Minute, Reset: time.Hour}
			a.Proxies, _ = auth.ParseProxies("127.0.0.0/8")
		})
		anon := e.client()
		for i := range 3 {
			a := anon.do(http.MethodPost, "/api/session", model.LoginRequest{Username: "user" + string(rune('a'+i)), Password: "x"},
				"X-Forwarded-For", "203.0.113.7")
			if a.status != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d", i, a.status)
			}
		}
		// Another user name from the same client address is throttled …
		a := anon.do(http.MethodPost, "/api/session", model.LoginRequest{Username: "userz", Password: "x"}, "X-Forwarded-For", "203.0.113.7")
		if a.status != http.StatusTooManyRequests {
			t.Fatalf("same address: %d %s", a.status, a.body)
		}
		// … another address is not; a forged left-most entry changes nothing.
		a = anon.do(http.MethodPost, "/api/session", model.LoginRequest{Username: "userz", Password: "x"}, "X-Forwarded-For", "203.0.113.7, 198.51.100.1")
		if a.status != http.StatusUnauthorized {
			t.Fatalf("other address: %d %s", a.status, a.body)
		}
		a = anon.do(http.MethodPost, "/api/session", model.LoginRequest{Username: "usery", Password: "x"}, "X-Forwarded-For", "10.9.9.9, 203.0.113.7")
		if a.status != http.StatusTooManyRequests {
			t.Fatalf("forged X-Forwarded-For escaped the throttle: %d %s", a.status, a.body)
		}
	})
}

func TestSessionTimeouts(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		t.Run("idle", func(t *testing.T) {
			c, _ := e.enterprise()
			e.clock.Add(29 * time.Minute)
			c.call(http.MethodGet, "/api/session", nil, http.StatusOK, nil) // still alive, and touched
			e.clock.Add(29 * time.Minute)
			c.call(http.MethodGet, "/api/session", nil, http.StatusOK, nil)
			tok := c.cookie()
			e.clock.Add(30*time.Minute + time.Second)
			a := c.do(http.MethodGet, lpPath(0), nil)
			if a.status != http.StatusUnauthorized {
				t.Fatalf("after 30 idle minutes: %d %s", a.status, a.body)
			}
			if _, err := e.st.SessionByTokenHash(context.Background(), auth.HashToken(tok)); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("expired session not deleted: %v", err)
			}
		})
		t.Run("absolute", func(t *testing.T) {
			c, _ := e.enterprise()
			for elapsed := time.Duration(0); elapsed < 12*time.Hour-25*time.Minute; elapsed += 25 * time.Minute {
				e.clock.Add(25 * time.Minute)
				c.call(http.MethodGet, "/api/session", nil, http.StatusOK, nil)
			}
			e.clock.Add(25 * time.Minute) // past 12 hours, though used 25 minutes ago
			if a := c.do(http.MethodGet, "/api/session", nil); a.status != http.StatusUnauthorized {
				t.Fatalf("after 12 hours: %d %s", a.status, a.body)
			}
		})
	})
}

func TestCSRF(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		c, ent := e.enterprise()
		for _, token := range []string{"", "wrong-token"} {
			a := c.do(http.MethodPost, lpPath(0), saveReq(0, model.Fields{"credit_code": ent.CreditCode}), model.CSRFHeader, token)
			if a.status != http.StatusForbidden || a.problem(t).Code != model.ErrForbidden {
				t.Fatalf("create with CSRF token %q: %d %s", token, a.status, a.body)
			}
		}
		var rec model.Record
		c.call(http.MethodPost, lpPath(0), saveReq(0, nil), http.StatusCreated, &rec)
		path := lpPath(rec.ID)
		for _, r := range []struct {
			method, path string
			body         any
		}{
			{http.MethodPut, path, saveReq(rec.Version, nil)},
			{http.MethodPost, path + "/declare", saveReq(rec.Version, lpFields(ent.CreditCode))},
			{http.MethodDelete, path, nil},
		} {
			if a := c.do(r.method, r.path, r.body, model.CSRFHeader, ""); a.status != http.StatusForbidden {
				t.Errorf("%s %s without CSRF: %d %s", r.method, r.path, a.status, a.body)
			}
			if a := c.do(r.method, r.path, r.body, model.CSRFHeader, c.csrf+"x"); a.status != http.StatusForbidden {
				t.Errorf("%s %s with a wrong CSRF token: %d %s", r.method, r.path, a.status, a.body)
			}
		}
		// Another session's token is wrong too.
		other, _ := e.enterprise()
		if a := c.do(http.MethodDelete, path, nil, model.CSRFHeader, other.csrf); a.status != http.StatusForbidden {
			t.Errorf("delete with another session's CSRF token: %d", a.status)
		}
		// Nothing happened.
		c.call(http.MethodGet, path, nil, http.StatusOK, &rec)
		if rec.Version != 1 || rec.State != model.StateDraft {
			t.Fatalf("record changed: %+v", rec)
		}
	})
}

func TestCrossOriginRefused(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		c, ent := e.enterprise()
		var s model.Session
		c.call(http.MethodGet, "/api/session", nil, http.StatusOK, &s)
		anon := e.client()
		for _, h := range [][]string{
			{"Sec-Fetch-Site", "cross-site"},
			{"Origin", "https://evil.example"},
		} {
			a := anon.do(http.MethodPost, "/api/session", model.LoginRequest{Username: s.Username, Password: password}, h...)
			if a.status != http.StatusForbidden || a.problem(t).Code != model.ErrForbidden {
				t.Errorf("cross-origin login (%s): %d %s", h[0], a.status, a.body)
			}
			a = anon.do(http.MethodPost, "/api/registrations", registration(creditCode(next()), "crossuser", "x@example.com"), h...)
			if a.status != http.StatusForbidden {
				t.Errorf("cross-origin registration (%s): %d %s", h[0], a.status, a.body)
			}
			// With the session and its CSRF token, still refused.
			a = c.do(http.MethodPost, lpPath(0), saveReq(0, model.Fields{"credit_code": ent.CreditCode}), h...)
			if a.status != http.StatusForbidden {
				t.Errorf("cross-origin create (%s): %d %s", h[0], a.status, a.body)
			}
		}
		// Same origin (as a browser says it) is fine.
		a := anon.do(http.MethodPost, "/api/session", model.LoginRequest{Username: s.Username, Password: password},
			"Sec-Fetch-Site", "same-origin", "Origin", e.srv.URL)
		if a.status != http.StatusOK {
			t.Fatalf("same-origin login: %d %s", a.status, a.body)
		}
	})
}

// The page's probe while offline: GET /api/ping answers 204 with no
// session, and is never cached.
func TestPing(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.client().do(http.MethodGet, "/api/ping", nil)
		if a.status != http.StatusNoContent || len(a.body) != 0 {
			t.Fatalf("GET /api/ping = %d %q, want 204 and no body", a.status, a.body)
		}
		if cc := a.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store", cc)
		}
	})
}
