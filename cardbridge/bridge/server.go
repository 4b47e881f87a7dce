// Package bridge is the local card bridge: a websocket server on the
// loopback interface through which the eportid pages (and only they: an
// exact origin allowlist) read the IC card, check and change its PIN and
// have it sign, speaking cardbridge/protocol. It pushes card_inserted /
// card_removed. The agent point's review console (an issuer origin)
// personalises blank cards with issuance tokens signed by the CA.
//
// PINs and admin keys are never logged and never kept: every buffer
// holding one is zeroed once the card has seen it.
package bridge

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
	"github.com/gorilla/websocket"

	"eportid/cardbridge/pcsc"
	"eportid/cardbridge/protocol"
)

// DefaultAddr is where the bridge listens by default.
const DefaultAddr = "127.0.0.1:34567"

// DefaultOrigins are the pages of a local development server.
var DefaultOrigins = []string{"http://127.0.0.1:8080", "http://localhost:8080"}

// DefaultOpTimeout bounds one card operation (connect, select, read,
// verify, sign, reset).
const DefaultOpTimeout = 15 * time.Second

// readLimit is the websocket frame limit: a message between
// protocol.MaxMessageSize and readLimit is answered bad_request; beyond it
// the connection is closed (1009, message too big).
const readLimit = 4 * protocol.MaxMessageSize

const writeTimeout = 10 * time.Second

// Keepalive and idle limits.
const (
	// DefaultPingInterval is how often the bridge pings a page. A page that
	// sends nothing, not even the pong (browsers answer pings by
	// themselves), for twice this long is dropped, and so is one that stops
	// in the middle of a message.
	DefaultPingInterval = 20 * time.Second
	// DefaultIdleTimeout closes a keep-alive HTTP connection that sends no
	// next request.
	DefaultIdleTimeout = 30 * time.Second
	// headerTimeout bounds the handshake request (headers and all).
	headerTimeout = 5 * time.Second
)

// Per-connection request queue: requests wait here, in order, while the
// one before them is at the card. A request that finds the queue full is
// answered busy at once.
const maxQueued = 8

// Cards is the card access the bridge needs; *pcsc.Service provides it
// over PC/SC, tests may provide it in-process.
type Cards interface {
	Status(ctx context.Context) ([]pcsc.ReaderStatus, error)
	Session(ctx context.Context, fn func(*pcsc.Client) error) error
	Watch(ctx context.Context, fn func(pcsc.Event))
}

// Config configures a Server.
type Config struct {
	// Origins is the exact allowlist of page origins (scheme://host[:port]).
	// Required; "*" and "null" are refused.
	Origins []string
	// Cards defaults to pcsc.NewService(""). If it has a Release method
	// (as *pcsc.Service, to drop its card connection), Serve calls it
	// when it ends.
	Cards Cards
	// OpTimeout defaults to DefaultOpTimeout.
	OpTimeout time.Duration
	// Logger defaults to slog.Default(). Lines a page can cause (refused
	// handshakes, connections, requests) are rate-limited; requests log at
	// Debug.
	Logger *slog.Logger
	// PingInterval defaults to DefaultPingInterval.
	PingInterval time.Duration
	// IdleTimeout defaults to DefaultIdleTimeout.
	IdleTimeout time.Duration
	// IssuerOrigins are the origins that may personalise blank cards (the
	// agent point's review console), exact as Origins; they are allowed
	// origins too. They need IssuerCA. Without them personalise_* is
	// refused (not_issuer).
	IssuerOrigins []string
	// IssuerCA is the CA certificate whose SM2 key signs issuance tokens
	// (and the card certificates written with them).
	IssuerCA *smx509.Certificate
}

// Server is the bridge. Use New, then Serve or ListenAndServe.
type Server struct {
	origins   map[string]bool
	cards     Cards
	opTimeout time.Duration
	log       *slog.Logger
	pageLog   *limitedLog
	ping      time.Duration
	idle      time.Duration
	upgrader  websocket.Upgrader

	issuers  map[string]bool
	issuerCA *smx509.Certificate
	caKey    *ecdsa.PublicKey

	mu      sync.Mutex
	clients map[*client]struct{}
	// usedTokens: issuance token ids a write has used, with their expiry
	// (dropped once expired, as an expired token is refused anyway).
	usedTokens map[string]int64

	// keyDER, keyPub: the last card certificate signed under and its
	// public key (certKey).
	keyMu  sync.Mutex
	keyDER []byte
	keyPub *ecdsa.PublicKey
}

// New checks cfg and returns a server.
func New(cfg Config) (*Server, error) {
	if err := ValidateOrigins(append(append([]string(nil), cfg.Origins...), cfg.IssuerOrigins...)); err != nil {
		return nil, err
	}
	if len(cfg.IssuerOrigins) > 0 && cfg.IssuerCA == nil {
		return nil, errors.New("bridge: issuer origins need the CA certificate (IssuerCA, -ca-cert) to check issuance tokens")
	}
	s := &Server{
		issuers:    map[string]bool{},
		issuerCA:   cfg.IssuerCA,
		usedTokens: map[string]int64{},
		origins:    map[string]bool{},
		cards:      cfg.Cards,
		opTimeout:  cfg.OpTimeout,
		log:        cfg.Logger,
		ping:       cfg.PingInterval,
		idle:       cfg.IdleTimeout,
		clients:    map[*client]struct{}{},
	}
	if s.ping <= 0 {
		s.ping = DefaultPingInterval
	}
	if s.idle <= 0 {
		s.idle = DefaultIdleTimeout
	}
	for _, o := range cfg.Origins {
		s.origins[o] = true
	}
	for _, o := range cfg.IssuerOrigins {
		s.origins[o] = true
		s.issuers[o] = true
	}
	if cfg.IssuerCA != nil {
		pub, ok := cfg.IssuerCA.PublicKey.(*ecdsa.PublicKey)
		if !ok || !sm2.IsSM2PublicKey(pub) {
			return nil, errors.New("bridge: the issuer CA certificate has no SM2 public key")
		}
		s.caKey = pub
	}
	if s.cards == nil {
		s.cards = pcsc.NewService("")
	}
	if s.opTimeout <= 0 {
		s.opTimeout = DefaultOpTimeout
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.pageLog = newLimitedLog(s.log, logBurst, logRate)
	s.upgrader = websocket.Upgrader{
		HandshakeTimeout: headerTimeout,
		ReadBufferSize:   4096,
		WriteBufferSize:  4096,
		CheckOrigin:      func(r *http.Request) bool { return s.origins[r.Header.Get("Origin")] },
	}
	return s, nil
}

// ValidateOrigins checks an allowlist: at least one entry, each an exact
// origin without path, query, fragment or user info, never "*"; https, or
// http for a loopback host only (127.0.0.0/8, ::1, localhost), as a page
// served over plain http from the network could be anyone's.
func ValidateOrigins(origins []string) error {
	if len(origins) == 0 {
		return errors.New("bridge: the origin allowlist is empty")
	}
	for _, o := range origins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			strings.Contains(u.Host, "*") || u.User != nil || u.Path != "" || u.RawQuery != "" ||
			u.Fragment != "" || strings.HasSuffix(o, "/") || o != strings.ToLower(o) {
			return fmt.Errorf("bridge: %q is not an exact origin like http://127.0.0.1:8080 (lower case, no path, no wildcard)", o)
		}
		if u.Scheme == "http" && !loopbackHost(u.Host) {
			return fmt.Errorf("bridge: %q: http is allowed for a loopback host only (127.0.0.1, ::1, localhost); use https", o)
		}
	}
	return nil
}

// CheckLoopback refuses a listen address that is not a loopback IP with a
// port: the bridge must never be reachable from the network.
func CheckLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("bridge: address %q: %v", addr, err)
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("bridge: address %q is not a loopback IP (use 127.0.0.1)", addr)
	}
	return nil
}

// ListenAndServe listens on addr (loopback only) and serves until ctx ends.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	if err := CheckLoopback(addr); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln (which must be a loopback listener) until ctx ends,
// and watches the readers to push card events.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if err := CheckLoopback(ln.Addr().String()); err != nil {
		ln.Close()
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go s.cards.Watch(ctx, s.onCardEvent)
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: headerTimeout,
		ReadTimeout:       headerTimeout,
		IdleTimeout:       s.idle,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          log.New(io.Discard, "", 0),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, scancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer scancel()
	hs.Shutdown(sctx)
	s.closeAll()
	if r, ok := s.cards.(interface{ Release() }); ok {
		r.Release()
	}
	return nil
}

// ServeHTTP upgrades allowed pages to the websocket. A refused origin (or
// a Host that is not the loopback, against DNS rebinding) gets 403 and no
// upgrade.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	if !loopbackHost(r.Host) {
		s.pageLog.log(slog.LevelWarn, "bridge: refused host", "host", r.Host)
		refuse(w, "host not allowed")
		return
	}
	origin := r.Header.Get("Origin")
	if !s.origins[origin] {
		s.pageLog.log(slog.LevelWarn, "bridge: refused origin", "origin", origin)
		refuse(w, "origin not allowed")
		return
	}
	conn, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	conn.SetReadLimit(readLimit)
	c := newClient(s, conn, origin)
	s.mu.Lock()
	s.clients[c] = struct{}{}
	s.mu.Unlock()
	s.pageLog.log(slog.LevelInfo, "bridge: page connected", "origin", origin)
	c.run(r.Context())
	s.mu.Lock()
	delete(s.clients, c)
	s.mu.Unlock()
	s.pageLog.log(slog.LevelInfo, "bridge: page disconnected", "origin", origin)
}

func refuse(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusForbidden)
	json.NewEncoder(w).Encode(protocol.NewError("", protocol.CodeOriginRefused, msg))
}

func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (s *Server) onCardEvent(e pcsc.Event) {
	var name protocol.EventName
	switch e.Kind {
	case pcsc.CardInserted:
		name = protocol.EventCardInserted
	case pcsc.CardRemoved:
		name = protocol.EventCardRemoved
	default:
		return
	}
	s.log.Info("bridge: card event", "event", name, "reader", e.Reader)
	ev := protocol.Event{Event: name, Reader: e.Reader}
	s.mu.Lock()
	cs := make([]*client, 0, len(s.clients))
	for c := range s.clients {
		cs = append(cs, c)
	}
	s.mu.Unlock()
	for _, c := range cs {
		c.send(ev)
	}
}

func (s *Server) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.clients {
		c.conn.Close()
	}
}
