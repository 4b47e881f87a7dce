package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"eportid/app/model"
	"eportid/backend/auth"
	"eportid/backend/httpapi"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// fastParams make tests quick; the real parameters are checked in
// package auth and measured by BenchmarkLogin.
var fastParams = auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a server over a fresh store.
type env struct {
	t     testing.TB
	st    *store.Store
	api   *httpapi.API
	srv   *httptest.Server
	clock *clock
}

// each runs fn on SQLite and PostgreSQL.
func each(t *testing.T, fn func(t *testing.T, e *env)) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		fn(t, newEnv(t, st, nil))
	})
}

func newEnv(t testing.TB, st *store.Store, configure func(*httpapi.API)) *env {
	t.Helper()
	e := &env{t: t, st: st, clock: &clock{t: time.Now().UTC()}}
	e.api = &httpapi.API{
		Store:  st,
		Hasher: auth.NewHasher(fastParams, 0),
		Now:    e.clock.Now,
		Log:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		WebDir: t.TempDir(),
	}
	if configure != nil {
		configure(e.api)
	}
	h, err := e.api.Handler()
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(h)
	e.api.BaseURL = e.srv.URL
	t.Cleanup(e.srv.Close)
	return e
}

// client is a browser: a cookie jar and the CSRF token of its session.
type client struct {
	e    *env
	hc   *http.Client
	csrf string
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, hc: &http.Client{Jar: jar}}
}

// answer is a response read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) problem(t testing.TB) model.Problem {
	t.Helper()
	var p model.Problem
	if err := json.Unmarshal(a.body, &p); err != nil {
		t.Fatalf("not a Problem (%d): %s", a.status, a.body)
	}
	return p
}

// do sends a request; in is JSON-encoded unless nil. Unsafe requests carry
// the CSRF token unless hdr sets the header (to "" to leave it out).
func (c *client) do(method, path string, in any, hdr ...string) answer {
	c.e.t.Helper()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			c.e.t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.e.srv.URL+path, body)
	if err != nil {
		c.e.t.Fatal(err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.csrf != "" && method != http.MethodGet {
		req.Header.Set(model.CSRFHeader, c.csrf)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

// call sends a request, wants status, and decodes the answer into out.
func (c *client) call(method, path string, in any, want int, out any) answer {
	c.e.t.Helper()
	a := c.do(method, path, in)
	if a.status != want {
		c.e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, a.status, want, a.body)
	}
	if out != nil {
		if err := json.Unmarshal(a.body, out); err != nil {
			c.e.t.Fatalf("%s %s: %v: %s", method, path, err, a.body)
		}
	}
	return a
}

// login logs in and keeps the CSRF token.
func (c *client) login(username, password string) model.Session {
	c.e.t.Helper()
	var s model.Session
	c.call(http.MethodPost, "/api/session", model.LoginRequest{Username: username, Password: password}, http.StatusOK, &s)
	c.csrf = s.CSRFToken
	return s
}

// cookie is the session cookie the jar holds, or "".
func (c *client) cookie() string {
	u, _ := url.Parse(c.e.srv.URL)
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == auth.CookieName {
			return ck.Value
		}
	}
	return ""
}

// creditCode is a valid credit code numbered n.
func creditCode(n int) string {
	body := fmt.Sprintf("91350100%09d", n)
	c, err := model.CreditCodeCheckChar(body)
	if err != nil {
		panic(err)
	}
	return body + string(c)
}

const password = "correct horse battery"

var seq struct {
	sync.Mutex
	n int
}

func next() int {
	seq.Lock()
	defer seq.Unlock()
	seq.n++
	return seq.n
}

// enterprise creates an enterprise with a no-card administrator straight
// in the store and returns a client logged in as that administrator.
func (e *env) enterprise() (*client, store.Enterprise) {
	e.t.Helper()
	n := next()
	ctx := context.Background()
	ent, err := e.st.CreateEnterprise(ctx, store.Enterprise{
		CreditCode: creditCode(n), NameCN: fmt.Sprintf("福州示例%d贸易有限公司", n), LegalRepName: "张三",
		LegalRepIDType: model.IDTypeResident, LegalRepIDNumber: "11010519491231002X", Province: "350000", Phone: "0591-87654321",
	})
	if err != nil {
		e.t.Fatal(err)
	}
	hash, err := e.api.Hasher.Hash(ctx, password)
	if err != nil {
		e.t.Fatal(err)
	}
	name := fmt.Sprintf("admin%d", n)
	if _, err := e.st.CreateUser(ctx, store.User{EnterpriseID: ent.ID, Username: name, PasswordHash: hash,
		Role: model.RoleNoCardAdmin, Mobile: "13800138000", Email: name + "@example.com"}); err != nil {
		e.t.Fatal(err)
	}
	c := e.client()
	c.login(name, password)
	return c, ent
}

// lpFields is a legal-person filing of the credit code that declares (to
// agent point FJ01), as the page sends it.
func lpFields(creditCode string) model.Fields {
	return model.Fields{
		"credit_code": creditCode, "name_cn": "福州示例贸易有限公司", "enterprise_type": "1100",
		"province": "350000", "city": "350100", "address": "福州市鼓楼区五四路1号",
		"legal_rep_name": "张三", "legal_rep_id_type": model.IDTypeResident, "legal_rep_id_number": "11010519491231002X",
		"phone": "0591-87654321", "agent_point": "FJ01", "market_dept": "M350000", "tax_dept": "T350000",
	}
}

// with is a copy of f with the key-value pairs kv set.
func with(f model.Fields, kv ...string) model.Fields {
	out := f.Clone()
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// saveReq is the body of a create, 暂存 or 申报 of fields at version.
func saveReq(version int, fields model.Fields) model.SaveRequest {
	if fields == nil {
		fields = model.Fields{} // a nil map does not marshal as an object
	}
	return model.SaveRequest{Version: version, Fields: fields}
}

// lpPath is the URL of the legal-person filing id ("" for the list).
func lpPath(id int64) string {
	if id == 0 {
		return "/api/filings/legal_person"
	}
	return "/api/filings/legal_person/" + itoa(id)
}

var tokenRe = regexp.MustCompile(`/activate\?token=(\S+)`)

// activationToken reads the token of the newest confirmation mail to addr.
func (e *env) activationToken(addr string) string {
	e.t.Helper()
	mails, err := e.st.MailsTo(context.Background(), addr)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, m := range mails {
		if s := tokenRe.FindStringSubmatch(m.Body); s != nil {
			tok, err := url.QueryUnescape(s[1])
			if err != nil {
				e.t.Fatal(err)
			}
			return tok
		}
	}
	e.t.Fatalf("no confirmation mail to %s", addr)
	return ""
}

// registration is a valid registration request.
func registration(cc, username, email string) model.RegistrationRequest {
	return model.RegistrationRequest{
		Enterprise: model.RegistrationEnterprise{NameCN: "福州示例贸易有限公司", LegalRepName: "张三", CreditCode: cc,
			LegalRepIDType: model.IDTypeResident, LegalRepIDNumber: "11010519491231002X", Province: "350000", City: "350100",
			Phone: "0591-87654321"},
		Admin: model.RegistrationAdmin{Username: username, Password: password, PasswordConfirm: password,
			Mobile: "13800138000", Email: email},
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
