// Package obs is what a server's operators watch: Prometheus metrics
// (Metrics), a request id on every request and on every log line of it
// (Middleware, LogHandler), and the access log.
package obs

import (
	"database/sql"
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the server's Prometheus metrics, in a registry of their own
// (so that two servers in one process, as in the tests, keep theirs
// apart). The methods are safe on a nil *Metrics (no metrics).
//
//	eportid_http_requests_total{route,method,status}
//	eportid_http_request_duration_seconds{route,method}
//	eportid_http_requests_in_flight
//	eportid_login_failures_total{route}   wrong password, TOTP code, card proof
//	eportid_backoffs_total{route}         answers 429: a back-off is in force
//	eportid_declarations_total{kind,change}
//	go_sql_*{db_name="eportid"}           the database pool (sql.DBStats)
//	go_*, process_*                       the Go runtime and the process
//
// route is the pattern the request matched (e.g. "GET /api/filings/{kind}"),
// never the raw path, so that the number of series stays bounded.
type Metrics struct {
	Registry *prometheus.Registry

	requests     *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	inFlight     prometheus.Gauge
	loginFailed  *prometheus.CounterVec
	backoffs     *prometheus.CounterVec
	declarations *prometheus.CounterVec
}

// NewMetrics returns the metrics, registered, with the Go runtime's and the
// process's collectors.
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "eportid_http_requests_total", Help: "HTTP requests answered, by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "eportid_http_request_duration_seconds", Help: "Time to answer an HTTP request, by route pattern and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "eportid_http_requests_in_flight", Help: "HTTP requests being answered.",
		}),
		loginFailed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "eportid_login_failures_total", Help: "Refused logins (wrong user name, password, TOTP code or card proof), by route.",
		}, []string{"route"}),
		backoffs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "eportid_backoffs_total", Help: "Requests refused by a back-off in force (429), by route.",
		}, []string{"route"}),
		declarations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "eportid_declarations_total", Help: "Records declared (申报), by kind; change is true for a change of a filing.",
		}, []string{"kind", "change"}),
	}
	reg.MustRegister(m.requests, m.duration, m.inFlight, m.loginFailed, m.backoffs, m.declarations,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// AddDB adds the figures of a database pool (open, in use, idle
// connections, waits) as go_sql_* with db_name="eportid".
func (m *Metrics) AddDB(db *sql.DB) {
	if m == nil || db == nil {
		return
	}
	m.Registry.MustRegister(collectors.NewDBStatsCollector(db, "eportid"))
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// LoginFailed counts a refused login at route.
func (m *Metrics) LoginFailed(route string) {
	if m != nil {
		m.loginFailed.WithLabelValues(routeLabel(route)).Inc()
	}
}

// BackedOff counts a request refused by a back-off at route.
func (m *Metrics) BackedOff(route string) {
	if m != nil {
		m.backoffs.WithLabelValues(routeLabel(route)).Inc()
	}
}

// Declared counts a declaration of a known kind (callers pass only kinds
// of model.Kinds, after the declaration succeeded).
func (m *Metrics) Declared(kind string, change bool) {
	if m != nil {
		m.declarations.WithLabelValues(kind, strconv.FormatBool(change)).Inc()
	}
}

// request counts an answered request.
func (m *Metrics) request(route, method string, status int, seconds float64) {
	if m == nil {
		return
	}
	route = routeLabel(route)
	method = methodLabel(method)
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route, method).Observe(seconds)
}

// routeLabel is a route pattern, or "unmatched" for a request no route
// took (a 404 or 405 of the router).
func routeLabel(pattern string) string {
	if pattern == "" {
		return "unmatched"
	}
	return pattern
}

// methodLabel bounds the method label to the standard methods.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}
