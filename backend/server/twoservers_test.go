package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"eportid/app/model"
	"eportid/backend/auth"
	"eportid/backend/ca"
	"eportid/backend/cardauth"
	"eportid/backend/cardtest"
	"eportid/backend/server"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// backendHeader names, in the test proxy's answers, the instance that
// answered.
const backendHeader = "X-Test-Backend"

// roundRobin is a load balancer of the test: each request goes to the next
// backend in turn (as a proxy without sticky sessions does), keeping the
// Host the client asked for and adding X-Forwarded-For.
type roundRobin struct {
	backends []*url.URL
	names    []string
	next     atomic.Uint64
	proxy    *httputil.ReverseProxy
}

func newRoundRobin() *roundRobin {
	rr := &roundRobin{}
	rr.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			i := int(rr.next.Add(1)-1) % len(rr.backends)
			pr.SetURL(rr.backends[i])
			pr.Out.Host = pr.In.Host
			pr.SetXForwarded()
			pr.Out.Header.Set(backendHeader, rr.names[i])
		},
		ModifyResponse: func(r *http.Response) error {
			r.Header.Set(backendHeader, r.Request.Header.Get(backendHeader))
			return nil
		},
	}
	return rr
}

func (rr *roundRobin) ServeHTTP(w http.ResponseWriter, r *http.Request) { rr.proxy.ServeHTTP(w, r) }

// lbClient is a browser of the test behind the load balancer: its own
// cookies, the CSRF token of its session.
type lbClient struct {
	t    *testing.T
	base string
	hc   *http.Client
	csrf string
}

func newLBClient(t *testing.T, base string) *lbClient {
	jar, _ := cookiejar.New(nil)
	return &lbClient{t: t, base: base, hc: &http.Client{Jar: jar}}
}

// call sends in as JSON and decodes the answer into out (when 2xx); it
// returns the status and the instance that answered.
func (c *lbClient) call(method, path string, in, out any) (status int, backend string) {
	c.t.Helper()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			c.t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.csrf != "" {
		req.Header.Set(model.CSRFHeader, c.csrf)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return resp.StatusCode, resp.Header.Get(backendHeader)
}

// TestTwoServersOneDatabase runs two server instances on one PostgreSQL
// schema, sharing the CA's directory and the secret key, behind a
// round-robin proxy, and shows that nothing a user does depends on which
// instance answers.
func TestTwoServersOneDatabase(t *testing.T) {
	app, owner := storetest.URLs(t, store.Postgres)
	caDir := filepath.Join(t.TempDir(), "ca")
	key := storetest.SecretKey(t)
	fast := auth.NewHasher(auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 0)
	localhost, _ := auth.ParseProxies("127.0.0.1")

	rr := newRoundRobin()
	lb := httptest.NewServer(rr)
	defer lb.Close()

	var srvs []*server.Main
	for i, name := range []string{"a", "b"} {
		srv := server.New(server.Config{Addr: "127.0.0.1:0", DatabaseURL: app, MigrateDatabaseURL: owner,
			BaseURL: lb.URL, TrustedProxies: localhost, CADir: caDir, CACreate: i == 0, SecretKey: key,
			Hasher: fast, Log: quiet, Stdout: io.Discard, NoJanitor: true})
		if err := srv.Open(context.Background()); err != nil {
			t.Fatalf("instance %s: %v", name, err)
		}
		defer srv.Close()
		u, _ := url.Parse(srv.URL())
		rr.backends, rr.names = append(rr.backends, u), append(rr.names, name)
		srvs = append(srvs, srv)
	}
	ctx := context.Background()
	st := srvs[0].Store

	// Each step below is a pair of requests: the first one answered by
	// one instance, the next by the other (checked by other).
	other := func(what, first, second string) {
		t.Helper()
		if first == "" || second == "" || first == second {
			t.Fatalf("%s: answered by %q then %q, want one instance then the other", what, first, second)
		}
	}

	t.Run("a login on one is a session on the other", func(t *testing.T) {
		ent, err := st.CreateEnterprise(ctx, store.Enterprise{CreditCode: "91350100M000100Y43", NameCN: "两实例示例有限公司"})
		if err != nil {
			t.Fatal(err)
		}
		hash, _ := fast.Hash(ctx, "right password")
		if _, err := st.CreateUser(ctx, store.User{EnterpriseID: ent.ID, Username: "two", PasswordHash: hash, Role: model.RoleNoCardAdmin}); err != nil {
			t.Fatal(err)
		}
		c := newLBClient(t, lb.URL)
		var s model.Session
		status, first := c.call(http.MethodPost, "/api/session", model.LoginRequest{Username: "two", Password: "right password"}, &s)
		if status != http.StatusOK {
			t.Fatalf("login: %d", status)
		}
		c.csrf = s.CSRFToken
		var again model.Session
		status, second := c.call(http.MethodGet, "/api/session", nil, &again)
		if status != http.StatusOK || again.Username != "two" || again.CSRFToken != s.CSRFToken {
			t.Fatalf("session on the other instance: %d %+v", status, again)
		}
		other("login, then the session", first, second)
		// Its CSRF token is checked there too, and a logout there ends it
		// for both: a copy of the cookie kept from before is refused.
		kept := c.hc.Jar.Cookies(mustURL(t, lb.URL))
		status, third := c.call(http.MethodDelete, "/api/session", nil, nil)
		if status != http.StatusNoContent {
			t.Fatalf("logout: %d", status)
		}
		other("session, then logout", second, third)
		for range 2 {
			c.hc.Jar, _ = cookiejar.New(nil)
			c.hc.Jar.SetCookies(mustURL(t, lb.URL), kept)
			if status, _ := c.call(http.MethodGet, "/api/session", nil, nil); status != http.StatusUnauthorized {
				t.Fatalf("the old cookie after logout: %d", status)
			}
		}
	})

	t.Run("back-off counts add up across both", func(t *testing.T) {
		c := newLBClient(t, lb.URL)
		seen := map[string]int{}
		for i := range auth.AccountPolicy.Free {
			status, by := c.call(http.MethodPost, "/api/session", model.LoginRequest{Username: "two", Password: "wrong password"}, nil)
			if status != http.StatusUnauthorized {
				t.Fatalf("wrong login %d: %d", i+1, status)
			}
			seen[by]++
		}
		if len(seen) != 2 {
			t.Fatalf("wrong logins answered by %v, want both instances", seen)
		}
		// Neither instance saw AccountPolicy.Free failures by itself; the
		// next attempt, even with the right password, must wait.
		status, by := c.call(http.MethodPost, "/api/session", model.LoginRequest{Username: "two", Password: "right password"}, nil)
		if status != http.StatusTooManyRequests {
			t.Fatalf("attempt after %d failures (%v) answered %d by %s, want 429", auth.AccountPolicy.Free, seen, status, by)
		}
		if err := st.ClearLoginFailures(ctx, "login:user:two"); err != nil {
			t.Fatal(err)
		}
	})

	// The enterprise's legal-person card, issued by the CA both share.
	const cc = "91310000MA1FL0001R"
	legal := cardtest.New(t, srvs[0].CA, cardtest.Options{CreditCode: cc, CardNumber: "8000000000000001",
		NotBefore: time.Now().Add(-time.Hour)})
	register(t, st, legal)
	card := newLBClient(t, lb.URL)

	t.Run("a card login begun on one finishes on the other", func(t *testing.T) {
		var b model.CardLoginBegin
		status, first := card.call(http.MethodPost, "/api/card-login/begin", nil, &b)
		if status != http.StatusOK {
			t.Fatalf("begin: %d", status)
		}
		raw, err := cardauth.DecodeNonce(b.Nonce)
		if err != nil {
			t.Fatal(err)
		}
		p := model.CardLoginProof{Attempt: b.Attempt, Nonce: b.Nonce, Certificate: legal.CertDER,
			Signature: legal.SignLogin(t, lb.URL, raw)}
		var s model.Session
		status, second := card.call(http.MethodPost, "/api/card-login/finish", p, &s)
		if status != http.StatusOK || s.CardNumber != "8000000000000001" {
			t.Fatalf("finish: %d %+v", status, s)
		}
		other("begin, then finish", first, second)
		card.csrf = s.CSRFToken
		// The nonce is spent for both.
		if status, _ := newLBClient(t, lb.URL).call(http.MethodPost, "/api/card-login/finish", p, nil); status != http.StatusUnauthorized {
			t.Fatalf("nonce used twice: %d", status)
		}
	})

	t.Run("a TOTP code used on one is refused on the other", func(t *testing.T) {
		creds, err := server.AddReviewer(ctx, st, fast, "FJ01", "two-reviewer")
		if err != nil {
			t.Fatal(err)
		}
		code := auth.TOTP(creds.TOTPSecret, time.Now())
		req := model.ReviewLoginRequest{Username: creds.Username, Password: creds.Password, TOTP: code}
		status, first := newLBClient(t, lb.URL).call(http.MethodPost, "/api/review/session", req, nil)
		if status != http.StatusOK {
			t.Fatalf("reviewer login: %d", status)
		}
		status, second := newLBClient(t, lb.URL).call(http.MethodPost, "/api/review/session", req, nil)
		if status != http.StatusUnauthorized {
			t.Fatalf("the same code again, on the other instance: %d", status)
		}
		other("the code, then the code again", first, second)
	})

	t.Run("two instances issuing certificates at once never repeat a serial", func(t *testing.T) {
		if card.csrf == "" {
			t.Skip("no card session (the card login failed)")
		}
		// Operator cards whose certificates end within the extension
		// window (证书延期), all extended at once through both instances.
		const n = 12
		var numbers []string
		for i := range n {
			num := fmt.Sprintf("80000000000001%02d", i)
			op := cardtest.New(t, srvs[0].CA, cardtest.Options{CreditCode: cc, CardNumber: num, Kind: ca.CardOperator,
				HolderName: "操作员", NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(0, 0, 30)})
			register(t, st, op)
			numbers = append(numbers, num)
		}
		type result struct {
			status  int
			backend string
			serial  string
		}
		// The card signs one request after the other (a card signs once
		// per PIN verification); the requests then go at once.
		reqs := make([]model.CardExtendRequest, n)
		for i, num := range numbers {
			dg := model.SignedDigest(model.CardExtendCanonical(num, 1))
			reqs[i] = model.CardExtendRequest{Version: 0, CardSignature: &model.CardSignature{
				Signature: legal.SignData(t, dg[:]), Certificate: legal.CertDER}}
		}
		results := make([]result, n)
		var wg sync.WaitGroup
		for i, num := range numbers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req := reqs[i]
				var ans model.CardExtendAnswer
				status, by := card.call(http.MethodPost, "/api/cards/"+num+"/extend", req, &ans)
				r := result{status: status, backend: by}
				if cert, err := smx509.ParseCertificate(ans.Certificate); err == nil {
					r.serial = cert.SerialNumber.Text(16)
				}
				results[i] = r
			}()
		}
		wg.Wait()
		serials := map[string]string{legal.Identity.SerialHex: legal.Identity.CardNumber}
		by := map[string]int{}
		for i, r := range results {
			if r.status != http.StatusOK || r.serial == "" {
				t.Fatalf("extend %s: %d by %s", numbers[i], r.status, r.backend)
			}
			if was, ok := serials[r.serial]; ok {
				t.Fatalf("serial %s of card %s repeats that of %s", r.serial, numbers[i], was)
			}
			serials[r.serial] = numbers[i]
			by[r.backend]++
		}
		if len(by) != 2 {
			t.Fatalf("certificates issued by %v, want both instances", by)
		}
		// And the database holds each card's new certificate.
		for _, num := range numbers {
			c, err := st.CardByNumber(ctx, num)
			if err != nil || serials[c.Serial] != num {
				t.Fatalf("card %s: serial %q %v", num, c.Serial, err)
			}
		}
	})

	t.Run("each janitor job runs on one instance at a time", func(t *testing.T) {
		u, err := st.UserByUsername(ctx, "two")
		if err != nil {
			t.Fatal(err)
		}
		_, hash := auth.NewToken()
		old := time.Now().Add(-time.Hour)
		if _, err := st.CreateSession(ctx, store.Session{TokenHash: hash, UserID: u.ID, CSRFToken: "j",
			CreatedAt: old, LastSeenAt: old}); err != nil {
			t.Fatal(err)
		}
		// While instance a runs the sessions job, b's round skips it (and
		// does the other jobs).
		ran, err := srvs[0].Store.Exclusive(ctx, "sessions", func(ctx context.Context) error {
			srvs[1].Clean(ctx)
			if _, err := st.SessionByTokenHash(ctx, hash); err != nil {
				t.Errorf("b deleted the expired session while a held the job: %v", err)
			}
			ran, err := srvs[1].Store.Exclusive(ctx, "registrations", func(context.Context) error { return nil })
			if !ran || err != nil {
				t.Errorf("another job refused meanwhile: %v %v", ran, err)
			}
			return nil
		})
		if !ran || err != nil {
			t.Fatalf("a's job: %v %v", ran, err)
		}
		srvs[1].Clean(ctx)
		if _, err := st.SessionByTokenHash(ctx, hash); err == nil {
			t.Error("b's next round kept the expired session")
		}
	})
}

// register puts a card of the test CA into the database, for the
// enterprise of its certificate (created when new).
func register(t *testing.T, st *store.Store, c *cardtest.Card) {
	t.Helper()
	id := c.Identity
	if _, _, _, err := st.RegisterCard(context.Background(), store.CardRegistration{
		CardNumber: id.CardNumber, Kind: model.CardKind(id.CardKind), HolderName: id.HolderName,
		Certificate: c.CertDER, Serial: id.SerialHex, NotAfter: id.NotAfter, CreditCode: id.CreditCode,
		NewEnterprise: store.Enterprise{NameCN: "卡注册示例有限公司"},
	}); err != nil {
		t.Fatal(err)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
