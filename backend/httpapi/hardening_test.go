package httpapi_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"eportid/app/model"
	"eportid/app/ui"
	"eportid/backend/auth"
	"eportid/backend/ca"
	"eportid/backend/httpapi"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// /web/ serves the app's files only: no directory, no dotfile, nothing
// under a dot directory, no symbolic link; with the placeholder UI and with
// the go-app pages.
func TestWebServesOnlyAppFiles(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	for _, name := range []string{"placeholder", "go-app"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			e := newEnv(t, st, func(a *httpapi.API) {
				a.WebDir = dir
				if name == "go-app" {
					a.UI = ui.HandlerFor(dir)
				}
			})
			write := func(p, body string) {
				full := filepath.Join(dir, filepath.FromSlash(p))
				os.MkdirAll(filepath.Dir(full), 0o755)
				if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			write("styles.css", "body{}")
			write("icons/a.png", "png")
			write(".env", "SECRET=1")
			write(".git/config", "[core]")
			write("icons/.hidden", "x")
			secret := filepath.Join(t.TempDir(), "secret.txt")
			os.WriteFile(secret, []byte("outside"), 0o644)
			os.Symlink(secret, filepath.Join(dir, "link.txt"))
			anon := e.client()
			for _, p := range []string{"/web/styles.css", "/web/icons/a.png"} {
				if a := anon.do(http.MethodGet, p, nil); a.status != http.StatusOK {
					t.Errorf("%s: %d", p, a.status)
				}
			}
			for _, p := range []string{"/web/", "/web/icons/", "/web/icons", "/web/.env", "/web/.git/config", "/web/.git/",
				"/web/icons/.hidden", "/web/link.txt", "/web/icons/../.env", "/web/%2e%2e/secret.txt"} {
				if a := anon.do(http.MethodGet, p, nil); a.status != http.StatusNotFound {
					t.Errorf("%s: %d, want 404: %.80q", p, a.status, a.body)
				}
			}
		})
	}
}

// Strict-Transport-Security is sent over TLS, directly or behind a trusted
// proxy that says https, and never over plain HTTP.
func TestHSTS(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	api := &httpapi.API{Store: st, Hasher: auth.NewHasher(fastParams, 0), WebDir: t.TempDir()}
	api.Proxies, _ = auth.ParseProxies("127.0.0.1")
	h, err := api.Handler()
	if err != nil {
		t.Fatal(err)
	}
	tlsSrv := httptest.NewTLSServer(h)
	defer tlsSrv.Close()
	api.BaseURL = tlsSrv.URL
	hc := tlsSrv.Client()
	hc.Transport.(*http.Transport).TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
	res, err := hc.Get(tlsSrv.URL + "/api/session")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("Strict-Transport-Security"); got != httpapi.HSTS {
		t.Errorf("over TLS: Strict-Transport-Security %q", got)
	}
	for _, c := range []struct {
		proto, want string
	}{{"https", httpapi.HSTS}, {"http", ""}, {"", ""}} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = "127.0.0.1:5000"
		if c.proto != "" {
			req.Header.Set("X-Forwarded-Proto", c.proto)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if got := rec.Header().Get("Strict-Transport-Security"); got != c.want {
			t.Errorf("behind the proxy, X-Forwarded-Proto %q: %q, want %q", c.proto, got, c.want)
		}
	}
	// An untrusted peer's X-Forwarded-Proto is not believed.
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.RemoteAddr = "192.0.2.8:5000"
	req.Header.Set("X-Forwarded-Proto", "https")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if got := rec.Header().Get("Strict-Transport-Security"); got != "" {
		t.Errorf("untrusted X-Forwarded-Proto: %q", got)
	}
}

// POST /api/card-login/begin, unauthenticated, is throttled per client
// address in the database: of 100 calls at once from one address,
// CardBeginPolicy.Free get a nonce (and a row), the rest 429; another
// address still gets one, and a successful card login gives its nonce back.
func TestCardBeginThrottled(t *testing.T) {
	eachCard(t, func(t *testing.T, e *cardEnv) {
		e = &cardEnv{ca: e.ca, env: newEnv(t, e.st, func(a *httpapi.API) {
			a.CA = e.ca
			a.Proxies, _ = auth.ParseProxies("127.0.0.1")
		})}
		rows := func() int {
			var n int
			if err := e.st.DB().Get(&n, `SELECT COUNT(*) FROM card_login_nonces`); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := rows()
		got := burst(100, func(int) answer {
			return e.client().do(http.MethodPost, "/api/card-login/begin", nil, "X-Forwarded-For", "203.0.113.50")
		})
		free := auth.CardBeginPolicy.Free
		if got[http.StatusOK] != free || got[http.StatusTooManyRequests] != 100-free {
			t.Fatalf("100 begins at once: %v, want %d answered 200 and the rest 429", got, free)
		}
		if n := rows() - before; n != free {
			t.Fatalf("100 begins wrote %d rows, want %d", n, free)
		}
		if a := e.client().do(http.MethodPost, "/api/card-login/begin", nil, "X-Forwarded-For", "198.51.100.50"); a.status != http.StatusOK {
			t.Fatalf("another address: %d %s", a.status, a.body)
		}
		// Logins that finish do not use the allowance up.
		_, ent := e.enterprise()
		card := e.card(ent.CreditCode, ca.CardLegalPerson, "8000000000000301")
		e.register(card)
		for range free + 5 {
			e.client().cardLogin(card)
		}
	})
}

// A user holds at most store.MaxSessionsPerUser sessions: each login beyond
// it ends the oldest one, and the database keeps no more rows than that.
func TestSessionsCappedPerUser(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		first, _ := e.enterprise()
		var s model.Session
		first.call(http.MethodGet, "/api/session", nil, http.StatusOK, &s)
		clients := []*client{first}
		for i := 1; i < store.MaxSessionsPerUser+3; i++ {
			e.clock.Add(time.Second)
			c := e.client()
			c.login(s.Username, password)
			clients = append(clients, c)
		}
		for i, c := range clients {
			want := http.StatusOK
			if i < 3 {
				want = http.StatusUnauthorized
			}
			if a := c.do(http.MethodGet, "/api/session", nil); a.status != want {
				t.Errorf("login %d of %d: GET /api/session %d, want %d", i+1, len(clients), a.status, want)
			}
		}
		var n int
		if err := e.st.DB().Get(&n, e.st.DB().Rebind(`SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = ?`), s.Username); err != nil {
			t.Fatal(err)
		}
		if n != store.MaxSessionsPerUser {
			t.Errorf("%d session rows after %d logins, want %d", n, len(clients), store.MaxSessionsPerUser)
		}
	})
}
