// Package server runs eportid: it reads the configuration, opens the
// store, loads the reference data, serves the HTTP API and the pages, and
// cleans up expired sessions. Main is the whole program in a struct, so a
// test can run a real server on a free port:
//
//	srv := server.New(server.Config{Addr: "127.0.0.1:0", DatabaseURL: url})
//	if err := srv.Open(ctx); err != nil { … }
//	defer srv.Close()
//	resp, err := http.Get(srv.URL() + "/api/ref/agent-points")
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"eportid/backend/auth"
	"eportid/backend/ca"
	"eportid/backend/httpapi"
	"eportid/backend/mail"
	"eportid/backend/obs"
	"eportid/backend/store"
)

// Defaults of Config.
const (
	DefaultAddr        = "127.0.0.1:8080"
	DefaultDatabaseURL = "./var/eportid.db"
	DefaultWebDir      = "./web"
	// DefaultCADir is the card CA's directory of ParseConfig (development:
	// created on first start).
	DefaultCADir = ca.DefaultDir
	// JanitorInterval is how often expired sessions, registrations and old
	// failure counts are deleted.
	JanitorInterval = 5 * time.Minute
	// ShutdownTimeout bounds the graceful shutdown.
	ShutdownTimeout = 15 * time.Second
	// ReadyTimeout bounds the database check of /readyz.
	ReadyTimeout = 2 * time.Second
)

// Config is what the server needs. Zero fields take the defaults.
type Config struct {
	// Addr is the listen address; "127.0.0.1:0" picks a free port (see
	// Main.URL). Env EPORTID_ADDR, flag -addr.
	Addr string
	// ReviewAddr, when set, is a second listen address for the review
	// console, so that it has an origin of its own: the card bridge lets
	// only that origin issue cards (制卡). ReviewURL is that origin as the
	// reviewers' browsers reach it (default the listen URL). Env
	// EPORTID_REVIEW_ADDR, EPORTID_REVIEW_URL.
	ReviewAddr, ReviewURL string
	// DatabaseURL is postgres://… or a SQLite file path. Env DATABASE_URL,
	// flag -database.
	DatabaseURL string
	// MigrateDatabaseURL, when set, is the PostgreSQL URL of the role that
	// owns the schema: the migrations run through it, and DatabaseURL is
	// then the application role's, granted only what the server does
	// (store.WithMigrationURL; README "PostgreSQL roles"). Env
	// EPORTID_MIGRATE_DATABASE_URL, flag -migrate-database.
	MigrateDatabaseURL string
	// BaseURL is the origin users reach the server at, for links in mails;
	// default the listener's own http:// URL. Env EPORTID_BASE_URL, flag
	// -base-url.
	BaseURL string
	// WebDir holds app.wasm (and app.wasm.br). Env EPORTID_WEB_DIR, flag
	// -web.
	WebDir string
	// TrustedProxies: reverse proxies whose X-Forwarded-For/-Proto are
	// believed. Env EPORTID_TRUSTED_PROXIES, flag -trusted-proxies
	// (comma-separated addresses or CIDR prefixes).
	TrustedProxies auth.Proxies
	// SecureCookies forces the Secure flag on the session cookie (set it
	// behind a TLS-terminating proxy not listed in TrustedProxies). Env
	// EPORTID_SECURE_COOKIES, flag -secure-cookies.
	SecureCookies bool
	// CADir holds the card CA's key and root (backend/ca); "" runs without
	// a CA (no card login). Env EPORTID_CA_DIR, flag -ca-dir; ParseConfig's
	// default is DefaultCADir.
	CADir string
	// CACreate lets the server create the CA's key and root when CADir has
	// none (development). ParseConfig sets it when EPORTID_CA_DIR is not
	// given, or when EPORTID_CA_CREATE (flag -ca-create) is true.
	CACreate bool
	// SecretKey seals the secrets the database keeps (the reviewers' TOTP
	// secrets, store.UseSecretKey): 32 bytes, never in the database. Env
	// EPORTID_SECRET_KEY (base64). When empty, it is read from
	// SecretKeyFile.
	SecretKey []byte
	// SecretKeyFile holds the secret key (one base64 line, mode 0600).
	// Env EPORTID_SECRET_KEY_FILE, flag -secret-key-file; ParseConfig's
	// default is secrets.key in CADir, next to the CA's key.
	SecretKeyFile string
	// SecretKeyCreate makes a new key in SecretKeyFile when it is missing.
	// ParseConfig sets it as CACreate unless EPORTID_SECRET_KEY_FILE is
	// given (then EPORTID_SECRET_KEY_CREATE, flag -secret-key-create).
	SecretKeyCreate bool
	// CardBridgeURL is the card bridge's websocket the pages use (and the
	// CSP allows); default httpapi.DefaultCardBridgeURL. Env
	// EPORTID_CARDBRIDGE_URL, flag -cardbridge-url.
	CardBridgeURL string
	// ReviewCardBridgeURL is the card bridge the review console's pages
	// use, where it is another than CardBridgeURL (a development machine
	// that plays both the enterprise's PC and the agent point's). Env
	// EPORTID_REVIEW_CARDBRIDGE_URL.
	ReviewCardBridgeURL string

	// DemoData loads the made-up registry records (store.LoadRegistryFixtures),
	// makes a demo reviewer of agent point FJ01 when there is none (its user
	// name and TOTP secret printed to Stdout at every start, its password
	// when made) and gives the demo card's enterprise, where registered, an
	// approved legal-person filing at FJ01 (demo_filing.go): development
	// only. Env EPORTID_DEMO_DATA, flag -demo-data; ParseConfig's default is
	// on for a SQLite database, off for PostgreSQL.
	DemoData bool
	// Registry*URL are the HTTP endpoints of the outside registries
	// (registry.NewHTTP); a registry without one reads the registry tables
	// of the database (registry.NewDB). Env EPORTID_REGISTRY_COMMERCE_URL,
	// EPORTID_REGISTRY_CUSTOMS_URL, EPORTID_REGISTRY_FOREX_URL.
	RegistryCommerceURL, RegistryCustomsURL, RegistryForexURL string
	// RegistryDeclarantsURL is the HTTP endpoint of customs' registry of
	// declarants (registry.NewHTTPDeclarants); without it the database's
	// table. Env EPORTID_REGISTRY_DECLARANTS_URL.
	RegistryDeclarantsURL string
	// RegistryTimeout bounds each HTTP registry lookup (default
	// registry.DefaultTimeout, 3 s). Env EPORTID_REGISTRY_TIMEOUT (a Go
	// duration, e.g. "1500ms").
	RegistryTimeout time.Duration
	// KioskIdle is the idle timeout of a session begun on a kiosk terminal
	// (default auth.DefaultKioskIdle, 3 minutes). Env EPORTID_KIOSK_IDLE
	// (a Go duration, e.g. "2m").
	KioskIdle time.Duration

	// MetricsAddr, when set, is a listen address of its own for the
	// operators: /metrics (Prometheus), /healthz and /readyz. The public
	// listener never serves /metrics. Env EPORTID_METRICS_ADDR, flag
	// -metrics-addr.
	MetricsAddr string
	// LogFormat is "text" (default, development) or "json" (production),
	// LogLevel "debug", "info" (default), "warn" or "error"; they make
	// the log when Log is nil. Env EPORTID_LOG_FORMAT, EPORTID_LOG_LEVEL.
	LogFormat, LogLevel string
	// TLSCert and TLSKey, when set, are PEM files of the certificate
	// (with its chain) and key the server serves HTTPS with, on Addr and
	// ReviewAddr (a deployment without a TLS-terminating proxy). Env
	// EPORTID_TLS_CERT, EPORTID_TLS_KEY.
	TLSCert, TLSKey string
	// DrainDelay is how long Close answers /readyz with 503 before it
	// stops accepting connections, so a load balancer takes the instance
	// out first (default 0). Env EPORTID_DRAIN_DELAY.
	DrainDelay time.Duration

	// For tests and embedding; not from the environment.

	// CA, when set, is used instead of opening CADir.
	CA *ca.CA
	// CardPresenceTimeout ends a card session whose page stopped
	// reporting its card (default httpapi.DefaultCardPresenceTimeout).
	CardPresenceTimeout time.Duration

	// Store, when set, is used instead of opening DatabaseURL, and is not
	// closed by Close.
	Store *store.Store
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Log is the server log (default: LogFormat to stderr). Each line
	// logged in a request carries its request_id (obs.LogHandler).
	Log *slog.Logger
	// Stdout receives the "listening" line (default os.Stdout).
	Stdout io.Writer
	// Mail sends mails (default: the development outbox).
	Mail mail.Sender
	// Hasher hashes passwords (default auth.DefaultParams, NumCPU at once).
	Hasher *auth.Hasher
	// Timeouts of sessions (default 30 minutes idle, 12 hours absolute).
	Timeouts auth.Timeouts
	// UI serves the pages and /web/ (main uses ui.HandlerFor(WebDir));
	// default a placeholder page and plain files.
	UI http.Handler
	// UIFor, when UI is nil, makes the UI handler for the configured
	// WebDir (Run uses it, since WebDir is known only after parsing).
	UIFor func(webDir string) http.Handler
	// NoJanitor disables the cleanup goroutine.
	NoJanitor bool
}

// Main is a running eportid.
type Main struct {
	Config Config

	Store *store.Store
	API   *httpapi.API
	CA    *ca.CA // nil without one
	// Metrics are the server's Prometheus metrics (served on MetricsAddr).
	Metrics *obs.Metrics

	ln         net.Listener
	reviewLn   net.Listener
	metricsLn  net.Listener
	srv        *http.Server
	metricsSrv *http.Server
	draining   atomic.Bool
	tls        bool
	ownStore   bool
	stop       context.CancelFunc
	wg         sync.WaitGroup
	serveErr   chan error
	closeOnce  sync.Once
	closeErr   error
}

// New returns a server of cfg, not yet open.
func New(cfg Config) *Main { return &Main{Config: cfg} }

func (m *Main) defaults() {
	c := &m.Config
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.DatabaseURL == "" && c.Store == nil {
		c.DatabaseURL = DefaultDatabaseURL
	}
	if c.WebDir == "" {
		c.WebDir = DefaultWebDir
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = obs.NewLogger(os.Stderr, c.LogFormat, logLevel(c.LogLevel))
	} else {
		c.Log = slog.New(obs.LogHandler(c.Log.Handler()))
	}
	if c.Stdout == nil {
		c.Stdout = os.Stdout
	}
	if c.Timeouts == (auth.Timeouts{}) {
		c.Timeouts = auth.DefaultTimeouts
	}
	if c.KioskIdle <= 0 {
		c.KioskIdle = auth.DefaultKioskIdle
	}
	if c.UI == nil && c.UIFor != nil {
		c.UI = c.UIFor(c.WebDir)
	}
}

// Open opens the store (applying migrations), loads the reference data,
// listens on Addr and serves in the background; it prints the listening
// line to Stdout.
func (m *Main) Open(ctx context.Context) (err error) {
	m.defaults()
	c := &m.Config
	var tlsConfig *tls.Config
	if c.TLSCert != "" || c.TLSKey != "" {
		if c.TLSCert == "" || c.TLSKey == "" {
			return errors.New("TLS needs both a certificate and its key (EPORTID_TLS_CERT, EPORTID_TLS_KEY)")
		}
		cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			return fmt.Errorf("TLS certificate: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	if c.Store != nil {
		m.Store = c.Store
	} else {
		if m.Store, err = store.Open(ctx, c.DatabaseURL, store.WithMigrationURL(c.MigrateDatabaseURL)); err != nil {
			return err
		}
		m.ownStore = true
	}
	defer func() {
		if err != nil && m.ownStore {
			m.Store.Close()
		}
	}()
	m.warnRole(ctx)
	if err := m.Store.LoadRefData(ctx); err != nil {
		return fmt.Errorf("load reference data: %w", err)
	}
	switch {
	case m.Store.HasSecretKey():
	case len(c.SecretKey) == 0 && c.SecretKeyFile == "":
		// Only a Config built in code gets here (ParseConfig always names
		// a key file): no reviewer's secret can be written or read.
		c.Log.Warn("no secret key (SecretKey, SecretKeyFile): the reviewers' TOTP secrets can be neither written nor read")
	default:
		key, err := OpenSecretKey(*c)
		if err != nil {
			return err
		}
		if err := m.Store.UseSecretKey(ctx, key); err != nil {
			return err
		}
	}
	if err := m.openDemoData(ctx); err != nil {
		return err
	}
	m.CA = c.CA
	if m.CA == nil && c.CADir != "" {
		if m.CA, err = ca.OpenOrCreate(c.CADir, ca.Options{Create: c.CACreate}); err != nil {
			return fmt.Errorf("card CA: %w", err)
		}
	}
	if m.ln, err = net.Listen("tcp", c.Addr); err != nil {
		return err
	}
	if c.ReviewAddr != "" {
		if m.reviewLn, err = net.Listen("tcp", c.ReviewAddr); err != nil {
			m.ln.Close()
			return err
		}
	}
	if c.MetricsAddr != "" {
		if m.metricsLn, err = net.Listen("tcp", c.MetricsAddr); err != nil {
			m.closeListeners()
			return err
		}
	}
	m.tls = tlsConfig != nil
	base := strings.TrimRight(c.BaseURL, "/")
	if base == "" {
		base = m.URL()
	}
	if m.CA != nil && m.CA.CRLURL() == "" {
		m.CA.SetCRLURL(base + httpapi.CRLPath) // the CRL distribution point of new certificates
	}
	m.Metrics = obs.NewMetrics()
	m.Metrics.AddDB(m.Store.DB().DB)
	m.API = &httpapi.API{
		Metrics:       m.Metrics,
		Store:         m.Store,
		Hasher:        c.Hasher,
		Mail:          c.Mail,
		BaseURL:       base,
		Now:           c.Now,
		Log:           c.Log,
		Proxies:       c.TrustedProxies,
		SecureCookies: c.SecureCookies,
		Timeouts:      c.Timeouts,
		KioskIdle:     c.KioskIdle,
		UI:            c.UI,
		WebDir:        c.WebDir,

		CA:                  m.CA,
		ReviewOrigin:        m.ReviewURL(),
		CardBridgeURL:       c.CardBridgeURL,
		ReviewCardBridgeURL: c.ReviewCardBridgeURL,
		CardPresenceTimeout: c.CardPresenceTimeout,
	}
	m.API.Registries = m.registries()
	m.API.Declarants = m.declarants()
	h, err := m.API.Handler()
	if err != nil {
		m.closeListeners()
		return err
	}
	m.srv = &http.Server{
		Handler:           m.observed(m.withHealth(h)),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      120 * time.Second, // app.wasm on a slow line
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(c.Log.Handler(), slog.LevelWarn),
	}
	m.serveErr = make(chan error, 1)
	serve := m.srv.Serve
	if tlsConfig != nil {
		// ServeTLS with the certificate in TLSConfig (HTTP/2 included).
		m.srv.TLSConfig = tlsConfig
		serve = func(ln net.Listener) error { return m.srv.ServeTLS(ln, "", "") }
	}
	go func() { m.serveErr <- serve(m.ln) }()
	if m.reviewLn != nil {
		go func() { _ = serve(m.reviewLn) }()
		fmt.Fprintf(c.Stdout, "eportid review console on %s/review\n", m.ReviewURL())
	}
	if m.metricsLn != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", m.Metrics.Handler())
		m.metricsSrv = &http.Server{Handler: m.withHealth(mux), ReadHeaderTimeout: 10 * time.Second,
			ErrorLog: slog.NewLogLogger(c.Log.Handler(), slog.LevelWarn)}
		go func() { _ = m.metricsSrv.Serve(m.metricsLn) }()
		fmt.Fprintf(c.Stdout, "eportid metrics on %s/metrics\n", m.MetricsURL())
	}

	jctx, stop := context.WithCancel(context.Background())
	m.stop = stop
	if !c.NoJanitor {
		m.wg.Add(2)
		go m.janitor(jctx)
		go m.linker(jctx)
	}
	fmt.Fprintf(c.Stdout, "eportid listening on %s (database: %s)\n", m.URL(), m.describeDatabase())
	return nil
}

// URL is the server's own http:// (or, with TLS, https://) URL, with the
// real port when Addr asked for port 0.
func (m *Main) URL() string {
	if m.ln == nil {
		return ""
	}
	return m.scheme() + m.ln.Addr().String()
}

func (m *Main) scheme() string {
	if m.tls {
		return "https://"
	}
	return "http://"
}

// MetricsURL is the operators' listener's http:// URL; "" without one.
func (m *Main) MetricsURL() string {
	if m.metricsLn == nil {
		return ""
	}
	return "http://" + m.metricsLn.Addr().String()
}

func (m *Main) closeListeners() {
	for _, ln := range []net.Listener{m.ln, m.reviewLn, m.metricsLn} {
		if ln != nil {
			ln.Close()
		}
	}
}

// ReviewURL is the review console's origin: ReviewURL, or the review
// listener's URL; "" without a review listener.
func (m *Main) ReviewURL() string {
	if u := strings.TrimRight(m.Config.ReviewURL, "/"); u != "" {
		return u
	}
	if m.reviewLn == nil {
		return ""
	}
	return m.scheme() + m.reviewLn.Addr().String()
}

// describeDatabase says which database is used, without its password.
func (m *Main) describeDatabase() string {
	if m.Config.Store != nil {
		return m.Store.Dialect() + " (given)"
	}
	u := m.Config.DatabaseURL
	if store.IsPostgresURL(u) {
		if p, err := url.Parse(u); err == nil {
			return "postgres " + p.Redacted()
		}
		return "postgres"
	}
	return "sqlite " + u
}

// Close shuts down gracefully: /readyz answers 503 for DrainDelay, then
// the listeners close and the requests in flight are finished (up to
// ShutdownTimeout); then the janitor stops, the audit trail's head is
// signed and the store it opened is closed.
func (m *Main) Close() error {
	m.closeOnce.Do(func() {
		var errs []error
		m.draining.Store(true)
		if m.srv != nil && m.Config.DrainDelay > 0 {
			time.Sleep(m.Config.DrainDelay)
		}
		if m.srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
			if err := m.srv.Shutdown(ctx); err != nil {
				errs = append(errs, err)
			}
			cancel()
			if err := <-m.serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
				errs = append(errs, err)
			}
		}
		if m.metricsSrv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
			if err := m.metricsSrv.Shutdown(ctx); err != nil {
				errs = append(errs, err)
			}
			cancel()
		}
		if m.stop != nil {
			m.stop()
		}
		m.wg.Wait()
		m.Checkpoint(context.Background())
		if m.ownStore && m.Store != nil {
			if err := m.Store.Close(); err != nil {
				errs = append(errs, err)
			}
		}
		m.closeErr = errors.Join(errs...)
	})
	return m.closeErr
}

// janitor deletes expired sessions and registrations and old failure
// counts, now and every JanitorInterval.
func (m *Main) janitor(ctx context.Context) {
	defer m.wg.Done()
	t := time.NewTicker(JanitorInterval)
	defer t.Stop()
	for {
		m.Clean(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Clean runs one round of the janitor: each job once, unless another
// server on the same database runs that job at the moment
// (store.Exclusive), so that instances behind one load balancer share the
// work instead of repeating it.
func (m *Main) Clean(ctx context.Context) {
	now := m.Config.Now()
	log := m.Config.Log
	to := m.Config.Timeouts
	jobs := []struct {
		name string
		run  func(ctx context.Context) error
	}{
		{"sessions", func(ctx context.Context) error {
			n, err := m.Store.DeleteSessionsBefore(ctx, now.Add(-to.Idle), now.Add(-to.Absolute))
			if n > 0 {
				log.InfoContext(ctx, "janitor: expired sessions deleted", "n", n)
			}
			return err
		}},
		{"kiosk sessions", func(ctx context.Context) error {
			n, err := m.Store.DeleteKioskSessionsBefore(ctx, now.Add(-m.Config.KioskIdle))
			if n > 0 {
				log.InfoContext(ctx, "janitor: idle kiosk sessions deleted", "n", n)
			}
			return err
		}},
		{"registrations", func(ctx context.Context) error {
			_, err := m.Store.DeletePendingRegistrationsBefore(ctx, now)
			return err
		}},
		{"login failures", func(ctx context.Context) error {
			_, err := m.Store.DeleteLoginFailuresBefore(ctx, now.Add(-24*time.Hour))
			return err
		}},
		{"card login nonces", func(ctx context.Context) error {
			_, err := m.Store.DeleteLoginNoncesBefore(ctx, now)
			return err
		}},
		{"expire cards", func(ctx context.Context) error {
			n, err := m.Store.ExpireCards(ctx, now)
			if n > 0 {
				log.InfoContext(ctx, "janitor: cards whose certificate ended marked expired", "n", n)
			}
			return err
		}},
		{"renew the CRL", func(ctx context.Context) error {
			if m.API == nil || m.CA == nil {
				return nil
			}
			return m.API.RenewCRL(ctx)
		}},
		{"audit checkpoint", func(ctx context.Context) error {
			m.checkpoint(ctx)
			return nil
		}},
	}
	for _, j := range jobs {
		if _, err := m.Store.Exclusive(ctx, j.name, j.run); err != nil && ctx.Err() == nil {
			log.ErrorContext(ctx, "janitor: "+j.name, "err", err)
		}
	}
}

// ParseConfig reads the configuration from the environment (getenv) and
// then the command-line flags (args, without the program name), flags
// winning.
func ParseConfig(args []string, getenv func(string) string) (Config, error) {
	var c Config
	env := func(k, def string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return def
	}
	secureDefault, _ := strconv.ParseBool(env("EPORTID_SECURE_COOKIES", "false"))
	fs := flag.NewFlagSet("eportid", flag.ContinueOnError)
	fs.StringVar(&c.Addr, "addr", env("EPORTID_ADDR", DefaultAddr), "listen address (EPORTID_ADDR)")
	fs.StringVar(&c.ReviewAddr, "review-addr", env("EPORTID_REVIEW_ADDR", ""), "second listen address, the review console's own origin for 制卡 (EPORTID_REVIEW_ADDR)")
	fs.StringVar(&c.ReviewURL, "review-url", env("EPORTID_REVIEW_URL", ""), "the review console's origin as browsers reach it; default the review listen URL (EPORTID_REVIEW_URL)")
	fs.StringVar(&c.DatabaseURL, "database", env("DATABASE_URL", DefaultDatabaseURL), "postgres:// URL or SQLite file path (DATABASE_URL)")
	fs.StringVar(&c.MigrateDatabaseURL, "migrate-database", env("EPORTID_MIGRATE_DATABASE_URL", ""), "postgres:// URL of the schema's owner role, which migrates; DATABASE_URL is then the application role's (EPORTID_MIGRATE_DATABASE_URL)")
	fs.StringVar(&c.BaseURL, "base-url", env("EPORTID_BASE_URL", ""), "public origin for links in mails (EPORTID_BASE_URL); default the listen URL")
	fs.StringVar(&c.WebDir, "web", env("EPORTID_WEB_DIR", DefaultWebDir), "directory of app.wasm (EPORTID_WEB_DIR)")
	proxies := fs.String("trusted-proxies", env("EPORTID_TRUSTED_PROXIES", ""), "reverse proxies whose X-Forwarded-For is believed, comma-separated (EPORTID_TRUSTED_PROXIES)")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", secureDefault, "always mark the session cookie Secure (EPORTID_SECURE_COOKIES)")
	fs.StringVar(&c.CADir, "ca-dir", env("EPORTID_CA_DIR", DefaultCADir), "directory of the card CA's key and root (EPORTID_CA_DIR)")
	caCreate, _ := strconv.ParseBool(env("EPORTID_CA_CREATE", strconv.FormatBool(getenv("EPORTID_CA_DIR") == "")))
	fs.BoolVar(&c.CACreate, "ca-create", caCreate, "create the card CA when missing (EPORTID_CA_CREATE; default true unless EPORTID_CA_DIR is set)")
	keyFile := getenv("EPORTID_SECRET_KEY_FILE")
	keyCreate, _ := strconv.ParseBool(env("EPORTID_SECRET_KEY_CREATE", strconv.FormatBool(keyFile == "" && caCreate)))
	fs.StringVar(&c.SecretKeyFile, "secret-key-file", keyFile, "file of the key that seals the secrets the database keeps (EPORTID_SECRET_KEY_FILE); default secrets.key in the CA's directory")
	fs.BoolVar(&c.SecretKeyCreate, "secret-key-create", keyCreate, "create the secret key file when missing (EPORTID_SECRET_KEY_CREATE; default as -ca-create unless EPORTID_SECRET_KEY_FILE is set)")
	fs.StringVar(&c.ReviewCardBridgeURL, "review-cardbridge-url", env("EPORTID_REVIEW_CARDBRIDGE_URL", ""), "websocket of the card bridge the review console uses, where it is another (EPORTID_REVIEW_CARDBRIDGE_URL)")
	fs.StringVar(&c.CardBridgeURL, "cardbridge-url", env("EPORTID_CARDBRIDGE_URL", httpapi.DefaultCardBridgeURL), "websocket of the card bridge the pages use (EPORTID_CARDBRIDGE_URL)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", env("EPORTID_METRICS_ADDR", ""), "listen address of /metrics, /healthz and /readyz for the operators; none by default (EPORTID_METRICS_ADDR)")
	fs.StringVar(&c.LogFormat, "log-format", env("EPORTID_LOG_FORMAT", "text"), "log format: text or json (EPORTID_LOG_FORMAT)")
	fs.StringVar(&c.LogLevel, "log-level", env("EPORTID_LOG_LEVEL", "info"), "log level: debug, info, warn or error (EPORTID_LOG_LEVEL)")
	fs.StringVar(&c.TLSCert, "tls-cert", env("EPORTID_TLS_CERT", ""), "PEM certificate (with chain) to serve HTTPS with (EPORTID_TLS_CERT)")
	fs.StringVar(&c.TLSKey, "tls-key", env("EPORTID_TLS_KEY", ""), "PEM key of -tls-cert (EPORTID_TLS_KEY)")
	drain := fs.String("drain-delay", env("EPORTID_DRAIN_DELAY", "0s"), "at shutdown, how long /readyz answers 503 before the listeners close (EPORTID_DRAIN_DELAY)")
	demo := parseDemoFlags(fs, &c, env)
	kioskIdle := fs.String("kiosk-idle", env("EPORTID_KIOSK_IDLE", auth.DefaultKioskIdle.String()), "idle timeout of a session on a kiosk terminal (EPORTID_KIOSK_IDLE)")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if d, err := time.ParseDuration(*kioskIdle); err != nil || d < 10*time.Second {
		return Config{}, fmt.Errorf("kiosk idle %q: not a duration of at least 10s", *kioskIdle)
	} else {
		c.KioskIdle = d
	}
	if err := demo(); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	var err error
	if !slices.Contains(obs.LogFormats, c.LogFormat) {
		return Config{}, fmt.Errorf("EPORTID_LOG_FORMAT %q: want text or json", c.LogFormat)
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return Config{}, fmt.Errorf("EPORTID_LOG_LEVEL %q: want debug, info, warn or error", c.LogLevel)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return Config{}, errors.New("EPORTID_TLS_CERT and EPORTID_TLS_KEY: give both or neither")
	}
	if c.DrainDelay, err = time.ParseDuration(*drain); err != nil || c.DrainDelay < 0 {
		return Config{}, fmt.Errorf("EPORTID_DRAIN_DELAY %q: want a duration such as 5s", *drain)
	}
	if c.TrustedProxies, err = auth.ParseProxies(*proxies); err != nil {
		return Config{}, err
	}
	if c.SecretKeyFile == "" && c.CADir != "" {
		c.SecretKeyFile = filepath.Join(c.CADir, "secrets.key")
		explicit := getenv("EPORTID_SECRET_KEY_CREATE") != ""
		fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "secret-key-create" })
		if !explicit {
			c.SecretKeyCreate = c.CACreate
		}
	}
	if v := getenv("EPORTID_SECRET_KEY"); v != "" {
		if c.SecretKey, err = auth.ParseSecretKey(v); err != nil {
			return Config{}, fmt.Errorf("EPORTID_SECRET_KEY: %w", err)
		}
	}
	return c, nil
}

// OpenSecretKey is the key of c that seals the secrets at rest:
// c.SecretKey, else the one in c.SecretKeyFile (made there when missing
// and c.SecretKeyCreate is set).
func OpenSecretKey(c Config) ([]byte, error) {
	if len(c.SecretKey) > 0 {
		if len(c.SecretKey) != auth.SecretKeyLen {
			return nil, fmt.Errorf("secret key: %d bytes, want %d", len(c.SecretKey), auth.SecretKeyLen)
		}
		return c.SecretKey, nil
	}
	if c.SecretKeyFile == "" {
		return nil, errors.New("no secret key to seal the secrets the database keeps: set EPORTID_SECRET_KEY or EPORTID_SECRET_KEY_FILE (default secrets.key in EPORTID_CA_DIR)")
	}
	return auth.LoadSecretKeyFile(c.SecretKeyFile, c.SecretKeyCreate)
}

// Run is the program: it parses the configuration, opens the server and
// serves until ctx is done (SIGINT/SIGTERM in main), then shuts down
// gracefully.
func Run(ctx context.Context, args []string, getenv func(string) string, cfg Config) error {
	parsed, err := ParseConfig(args, getenv)
	if err != nil {
		return err
	}
	parsed.UI, parsed.UIFor, parsed.Log, parsed.Stdout, parsed.Mail = cfg.UI, cfg.UIFor, cfg.Log, cfg.Stdout, cfg.Mail
	m := New(parsed)
	if err := m.Open(ctx); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case err := <-m.serveErr:
		m.serveErr <- err // for Close
	}
	m.Config.Log.Info("shutting down")
	return m.Close()
}
