package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"

	"eportid/backend/obs"
)

// Health endpoints, on the public listener (for the load balancer) and on
// the operators' one (MetricsAddr):
//
//	GET /healthz  200 while the process serves
//	GET /readyz   200 when the database answers and its schema is the
//	              binary's migrations; 503 otherwise, and while shutting
//	              down (Close)
const (
	HealthPath = "/healthz"
	ReadyPath  = "/readyz"
)

// withHealth serves HealthPath and ReadyPath, and everything else by next.
func (m *Main) withHealth(next http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+HealthPath, func(w http.ResponseWriter, r *http.Request) {
		plain(w, http.StatusOK, "ok")
	})
	mux.HandleFunc("GET "+ReadyPath, m.ready)
	mux.Handle("/", next)
	return mux
}

// ready answers ReadyPath.
func (m *Main) ready(w http.ResponseWriter, r *http.Request) {
	if m.draining.Load() {
		plain(w, http.StatusServiceUnavailable, "shutting down")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), ReadyTimeout)
	defer cancel()
	if err := m.Store.Ready(ctx); err != nil {
		m.Config.Log.WarnContext(r.Context(), "not ready", "err", err)
		plain(w, http.StatusServiceUnavailable, "not ready: the database does not answer or its schema is not this binary's")
		return
	}
	plain(w, http.StatusOK, "ready")
}

func plain(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(text + "\n"))
}

// observed wraps the public handler in obs.Middleware: request ids
// (believed from the trusted proxies only), metrics and the access log.
func (m *Main) observed(h http.Handler) http.Handler {
	proxies := m.Config.TrustedProxies
	return obs.Middleware(h, obs.Options{
		Metrics: m.Metrics,
		Log:     m.Config.Log,
		TrustID: func(r *http.Request) bool {
			ap, err := netip.ParseAddrPort(r.RemoteAddr)
			return err == nil && proxies.Contains(ap.Addr())
		},
	})
}

// logLevel parses a LogLevel ("" is info).
func logLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.TrimSpace(s))); err != nil {
		return slog.LevelInfo
	}
	return l
}
