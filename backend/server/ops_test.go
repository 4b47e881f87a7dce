package server_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"eportid/backend/auth"
	"eportid/backend/obs"
	"eportid/backend/server"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// cuttable is a TCP proxy to PostgreSQL that the test can cut (every
// connection through it closed, new ones refused) and restore.
type cuttable struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool
}

func newCuttable(t *testing.T, target string) *cuttable {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cuttable{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); p.cut(true) })
	go p.serve()
	return p
}

func (p *cuttable) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		go p.pipe(c)
	}
}

func (p *cuttable) pipe(c net.Conn) {
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[s] = true, true
	p.mu.Unlock()
	go func() { io.Copy(s, c); s.Close() }()
	io.Copy(c, s)
	c.Close()
}

// cut closes every connection and, while down, refuses new ones.
func (p *cuttable) cut(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for c := range p.conns {
			c.Close()
		}
		clear(p.conns)
	}
}

func get(t *testing.T, hc *http.Client, u string) (int, string, http.Header) {
	t.Helper()
	resp, err := hc.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func TestReadyzFollowsTheDatabase(t *testing.T) {
	app, owner := storetest.URLs(t, store.Postgres)
	u, _ := url.Parse(app)
	proxy := newCuttable(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	srv := server.New(server.Config{Addr: "127.0.0.1:0", DatabaseURL: u.String(), MigrateDatabaseURL: owner,
		Log: quiet, Stdout: io.Discard, NoJanitor: true})
	if err := srv.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hc := &http.Client{Timeout: 10 * time.Second}
	if status, body, _ := get(t, hc, srv.URL()+server.ReadyPath); status != http.StatusOK {
		t.Fatalf("readyz with the database up: %d %s", status, body)
	}

	proxy.cut(true)
	if status, body, _ := get(t, hc, srv.URL()+server.ReadyPath); status != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the database down: %d %s", status, body)
	}
	if status, _, _ := get(t, hc, srv.URL()+server.HealthPath); status != http.StatusOK {
		t.Fatalf("healthz with the database down: %d (the process is up)", status)
	}

	proxy.cut(false)
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, body, _ := get(t, hc, srv.URL()+server.ReadyPath)
		if status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz after the database came back: %d %s", status, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestReadyzWantsCurrentMigrations(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	srv := server.New(server.Config{Addr: "127.0.0.1:0", Store: st, Log: quiet, Stdout: io.Discard, NoJanitor: true})
	if err := srv.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hc := &http.Client{}
	if status, _, _ := get(t, hc, srv.URL()+server.ReadyPath); status != http.StatusOK {
		t.Fatalf("readyz: %d", status)
	}
	// A newer release migrated the database meanwhile (a rolling
	// upgrade): this instance still serves until it is replaced.
	if _, err := st.DB().Exec(`INSERT INTO schema_migrations (name, applied_at) VALUES ('9999_newer', CURRENT_TIMESTAMP)`); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := get(t, hc, srv.URL()+server.ReadyPath); status != http.StatusOK {
		t.Fatalf("readyz with a newer schema: %d", status)
	}
	// A migration of this binary's is missing: not ready.
	applied, err := st.AppliedMigrations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().Exec(`DELETE FROM schema_migrations WHERE name = ?`, applied[len(applied)-2]); err != nil {
		t.Fatal(err)
	}
	if status, body, _ := get(t, hc, srv.URL()+server.ReadyPath); status != http.StatusServiceUnavailable {
		t.Fatalf("readyz without migration %s: %d %s", applied[len(applied)-2], status, body)
	}
}

// syncBuffer is a log sink for a server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(s.b.Bytes()))
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

func TestMetricsAndRequestIDs(t *testing.T) {
	var logs syncBuffer
	proxies, _ := auth.ParseProxies("127.0.0.1")
	srv := server.New(server.Config{Addr: "127.0.0.1:0", MetricsAddr: "127.0.0.1:0", Store: storetest.Open(t, store.SQLite),
		TrustedProxies: proxies, Log: obs.NewLogger(&logs, "json", slog.LevelInfo), Stdout: io.Discard, NoJanitor: true})
	if err := srv.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hc := &http.Client{}
	metric := `eportid_http_requests_total{method="GET",route="GET /api/ref/agent-points",status="200"}`
	count := func() string {
		t.Helper()
		status, body, _ := get(t, hc, srv.MetricsURL()+"/metrics")
		if status != http.StatusOK {
			t.Fatalf("metrics: %d", status)
		}
		for _, l := range strings.Split(body, "\n") {
			if strings.HasPrefix(l, metric+" ") {
				return strings.TrimPrefix(l, metric+" ")
			}
		}
		return "none"
	}
	if n := count(); n != "none" {
		t.Fatalf("before any request: %s", n)
	}
	status, _, h := get(t, hc, srv.URL()+"/api/ref/agent-points")
	if status != http.StatusOK {
		t.Fatal(status)
	}
	id := h.Get(obs.RequestIDHeader)
	if !obs.SaneRequestID(id) {
		t.Fatalf("request id %q", id)
	}
	if n := count(); n != "1" {
		t.Fatalf("after one request: %s", n)
	}
	status, body, _ := get(t, hc, srv.MetricsURL()+"/metrics")
	for _, want := range []string{"eportid_http_request_duration_seconds_bucket{method=\"GET\",route=\"GET /api/ref/agent-points\"",
		`go_sql_open_connections{db_name="eportid"}`, "go_goroutines"} {
		if status != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// The public listener does not serve the metrics.
	if _, body, _ := get(t, hc, srv.URL()+"/metrics"); strings.Contains(body, "eportid_http_requests_total") {
		t.Error("/metrics on the public listener")
	}
	// A route's metrics name its pattern, never the raw path.
	get(t, hc, srv.URL()+"/api/filings/legal_person/12345")
	if _, body, _ := get(t, hc, srv.MetricsURL()+"/metrics"); strings.Contains(body, "12345") ||
		!strings.Contains(body, `route="GET /api/filings/{kind}/{id}",status="401"`) {
		t.Errorf("metrics of GET /api/filings/legal_person/12345:\n%s", grepLines(body, "eportid_http_requests_total"))
	}

	// A wrong login is counted.
	resp, err := hc.Post(srv.URL()+"/api/session", "application/json", strings.NewReader(`{"username":"nobody","password":"wrong"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, body, _ := get(t, hc, srv.MetricsURL()+"/metrics"); !strings.Contains(body, `eportid_login_failures_total{route="POST /api/session"} 1`) {
		t.Errorf("login failures:\n%s", grepLines(body, "eportid_login"))
	}

	// The access log line carries the request id the answer did.
	var found bool
	for _, l := range logs.lines() {
		if l["msg"] == "request" && l["request_id"] == id && l["route"] == "GET /api/ref/agent-points" && l["status"] == float64(200) {
			found = true
		}
	}
	if !found {
		t.Errorf("no access log line with request_id %s:\n%s", id, logs.b.String())
	}

	// A trusted proxy's sane request id is kept; an insane one replaced.
	for in, keep := range map[string]bool{"lb-7f3a-0001": true, "bad id <script>": false, strings.Repeat("x", 200): false} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL()+server.HealthPath, nil)
		req.Header.Set(obs.RequestIDHeader, in)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get(obs.RequestIDHeader); (got == in) != keep || !obs.SaneRequestID(got) {
			t.Errorf("incoming id %q: answered %q", in, got)
		}
	}
}

func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// selfSigned writes a certificate for 127.0.0.1 and its key as PEM files.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "eportid test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestServesTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	srv := server.New(server.Config{Addr: "127.0.0.1:0", Store: storetest.Open(t, store.SQLite), TLSCert: certFile, TLSKey: keyFile,
		Log: quiet, Stdout: io.Discard, NoJanitor: true})
	if err := srv.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if !strings.HasPrefix(srv.URL(), "https://127.0.0.1:") {
		t.Fatalf("URL %s", srv.URL())
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}}
	resp, err := hc.Get(srv.URL() + "/api/ref/agent-points")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Strict-Transport-Security") == "" || resp.TLS == nil {
		t.Fatalf("over TLS: %d, HSTS %q", resp.StatusCode, resp.Header.Get("Strict-Transport-Security"))
	}
	if resp.ProtoMajor != 2 {
		t.Errorf("protocol %s, want HTTP/2", resp.Proto)
	}
	// Plain HTTP on the TLS port gets no answer of the API.
	if resp, err := http.Get("http://" + strings.TrimPrefix(srv.URL(), "https://") + "/api/ref/agent-points"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP served on the TLS listener")
		}
	}

	// Half a pair is refused at start and by ParseConfig.
	if err := server.New(server.Config{Addr: "127.0.0.1:0", Store: storetest.Open(t, store.SQLite), TLSCert: certFile,
		Log: quiet, Stdout: io.Discard, NoJanitor: true}).Open(context.Background()); err == nil {
		t.Error("opened with a certificate but no key")
	}
	if _, err := server.ParseConfig(nil, func(k string) string {
		return map[string]string{"EPORTID_TLS_CERT": certFile}[k]
	}); err == nil {
		t.Error("ParseConfig: a certificate without its key accepted")
	}
}

// blockingUI answers after release is closed, telling started when it
// has a request.
type blockingUI struct {
	started chan struct{}
	release chan struct{}
}

func (b *blockingUI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	close(b.started)
	<-b.release
	w.Write([]byte("finished"))
}

func TestShutdownFinishesInFlightRequests(t *testing.T) {
	ui := &blockingUI{started: make(chan struct{}), release: make(chan struct{})}
	srv := server.New(server.Config{Addr: "127.0.0.1:0", Store: storetest.Open(t, store.SQLite), UI: ui,
		Log: quiet, Stdout: io.Discard, NoJanitor: true})
	if err := srv.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		status int
		body   string
		err    error
	}
	got := make(chan answer, 1)
	go func() {
		resp, err := http.Get(srv.URL() + "/slow")
		if err != nil {
			got <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- answer{resp.StatusCode, string(b), err}
	}()
	<-ui.started
	closed := make(chan error, 1)
	go func() { closed <- srv.Close() }()
	// Close waits for the request in flight; new connections are refused
	// meanwhile.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", strings.TrimPrefix(srv.URL(), "http://"), time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections while shutting down")
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) before the request in flight finished", err)
	default:
	}
	close(ui.release)
	a := <-got
	if a.err != nil || a.status != http.StatusOK || a.body != "finished" {
		t.Fatalf("in-flight request: %d %q %v", a.status, a.body, a.err)
	}
	if err := <-closed; err != nil && !errors.Is(err, http.ErrServerClosed) {
		t.Fatal(err)
	}
}
