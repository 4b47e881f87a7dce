package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"eportid/app/model"
	"eportid/backend/auth"
	"eportid/backend/httpapi"
	"eportid/backend/server"
)

// burst sends n requests at once (each from its own goroutine, released
// together) and returns the statuses counted.
func burst(n int, send func(i int) answer) map[int]int {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		start = make(chan struct{})
		got   = map[int]int{}
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			a := send(i)
			mu.Lock()
			got[a.status]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return got
}

// checked runs fn and returns how many passwords the server hashed meanwhile.
func checked(h *auth.Hasher, fn func()) int {
	before := h.Checks()
	fn()
	return int(h.Checks() - before)
}

// Guesses sent at once on one account are throttled as if sent one after
// the other: of 40 at once, AccountPolicy.Free are hashed and answered 401,
// the others 429; then 30 at once, the right password among them, hash
// nothing and all get 429.
func TestParallelGuessesAccount(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		c, _ := e.enterprise()
		var s model.Session
		c.call(http.MethodGet, "/api/session", nil, http.StatusOK, &s)
		login := func(pw string) answer {
			return e.client().do(http.MethodPost, "/api/session", model.LoginRequest{Username: s.Username, Password: pw})
		}
		var got map[int]int
		n := checked(e.api.Hasher, func() {
			got = burst(40, func(i int) answer { return login(fmt.Sprintf("wrong-%d", i)) })
		})
		if n != auth.AccountPolicy.Free || got[http.StatusUnauthorized] != auth.AccountPolicy.Free || got[http.StatusTooManyRequests] != 40-auth.AccountPolicy.Free {
			t.Fatalf("40 guesses at once: %d hashed, answers %v; want %d hashed and answered 401, the rest 429", n, got, auth.AccountPolicy.Free)
		}
		n = checked(e.api.Hasher, func() {
			got = burst(30, func(i int) answer {
				if i == 15 {
					return login(password)
				}
				return login(fmt.Sprintf("again-%d", i))
			})
		})
		if n != 0 || got[http.StatusTooManyRequests] != 30 {
			t.Fatalf("30 more at once, the right password among them: %d hashed, answers %v; want none hashed, all 429", n, got)
		}
	})
}

// Guesses sent at once from one client address on many user names: of 30,
// AddrPolicy.Free are hashed.
func TestParallelGuessesAddress(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e = newEnv(t, e.st, func(a *httpapi.API) { a.Proxies, _ = auth.ParseProxies("127.0.0.1") })
		var got map[int]int
		n := checked(e.api.Hasher, func() {
			got = burst(30, func(i int) answer {
				return e.client().do(http.MethodPost, "/api/session", model.LoginRequest{Username: fmt.Sprintf("user%02d", i), Password: "guess"},
					"X-Forwarded-For", "203.0.113.9")
			})
		})
		if free := auth.AddrPolicy.Free; n != free || got[http.StatusUnauthorized] != free || got[http.StatusTooManyRequests] != 30-free {
			t.Fatalf("30 guesses at once from one address: %d hashed, answers %v; want %d hashed", n, got, free)
		}
		// Another address is not affected.
		a := e.client().do(http.MethodPost, "/api/session", model.LoginRequest{Username: "user00", Password: "guess"}, "X-Forwarded-For", "198.51.100.3")
		if a.status != http.StatusUnauthorized {
			t.Fatalf("other address: %d %s", a.status, a.body)
		}
	})
}

// The same for the reviewers' login, with a good TOTP code on every guess.
func TestParallelGuessesReviewer(t *testing.T) {
	filingsEach(t, nil, func(t *testing.T, e *fenv) {
		cred, err := server.AddReviewer(context.Background(), e.st, e.api.Hasher, "FJ01", "fj01-parallel")
		if err != nil {
			t.Fatal(err)
		}
		code := auth.TOTP(cred.TOTPSecret, e.clock.Now())
		login := func(pw string) answer {
			return e.client().do(http.MethodPost, "/api/review/session", model.ReviewLoginRequest{Username: cred.Username, Password: pw, TOTP: code})
		}
		var got map[int]int
		n := checked(e.api.Hasher, func() {
			got = burst(30, func(i int) answer { return login(fmt.Sprintf("wrong-%d", i)) })
		})
		if n != auth.AccountPolicy.Free || got[http.StatusUnauthorized] != auth.AccountPolicy.Free || got[http.StatusTooManyRequests] != 30-auth.AccountPolicy.Free {
			t.Fatalf("30 guesses at once: %d hashed, answers %v; want %d hashed", n, got, auth.AccountPolicy.Free)
		}
		n = checked(e.api.Hasher, func() {
			got = burst(30, func(i int) answer {
				if i == 7 {
					return login(cred.Password)
				}
				return login(fmt.Sprintf("again-%d", i))
			})
		})
		if n != 0 || got[http.StatusTooManyRequests] != 30 {
			t.Fatalf("30 more, the right password among them: %d hashed, answers %v; want none, all 429", n, got)
		}
	})
}

// A disabled account answers its right password exactly as a wrong one.
func TestDisabledAnswersAsWrong(t *testing.T) {
	filingsEach(t, nil, func(t *testing.T, e *fenv) {
		ctx := context.Background()
		c, _ := e.enterprise()
		var s model.Session
		c.call(http.MethodGet, "/api/session", nil, http.StatusOK, &s)
		u, err := e.st.UserByUsername(ctx, s.Username)
		if err != nil {
			t.Fatal(err)
		}
		cred, err := server.AddReviewer(ctx, e.st, e.api.Hasher, "FJ01", "fj01-disabled")
		if err != nil {
			t.Fatal(err)
		}
		rv, err := e.st.ReviewerByUsername(ctx, cred.Username)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{u.ID, rv.ID} {
			if err := e.st.SetUserDisabled(ctx, id, true); err != nil {
				t.Fatal(err)
			}
		}
		same := func(what string, right, wrong answer) {
			t.Helper()
			if right.status != http.StatusUnauthorized || right.status != wrong.status || !bytes.Equal(right.body, wrong.body) {
				t.Errorf("%s: right password %d %s, wrong %d %s", what, right.status, right.body, wrong.status, wrong.body)
			}
			if right.header.Get("Set-Cookie") != "" {
				t.Errorf("%s: a disabled account got a cookie", what)
			}
		}
		ent := func(pw string) answer {
			return e.client().do(http.MethodPost, "/api/session", model.LoginRequest{Username: s.Username, Password: pw})
		}
		same("enterprise user", ent(password), ent("wrong password"))
		code := auth.TOTP(cred.TOTPSecret, e.clock.Now())
		rev := func(pw string) answer {
			return e.client().do(http.MethodPost, "/api/review/session", model.ReviewLoginRequest{Username: cred.Username, Password: pw, TOTP: code})
		}
		same("reviewer", rev(cred.Password), rev("wrong password"))
	})
}

// Registrations sent at once from one address: RegisterPolicy.Free are
// accepted (and their passwords hashed), the others 429.
func TestParallelRegistrations(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		codes := make([]string, 30)
		for i := range codes {
			codes[i] = creditCode(next())
		}
		got := burst(30, func(i int) answer {
			return e.client().do(http.MethodPost, "/api/registrations", registration(codes[i], fmt.Sprintf("burstadmin%02d", i), "burst@example.com"))
		})
		if free := auth.RegisterPolicy.Free; got[http.StatusAccepted] != free || got[http.StatusTooManyRequests] != 30-free {
			t.Fatalf("30 registrations at once: %v, want %d accepted and the rest 429", got, free)
		}
	})
}
