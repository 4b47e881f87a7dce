package obs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"
)

// RequestIDHeader carries a request's id: in the answer always, and in a
// request from a trusted proxy that names one.
const RequestIDHeader = "X-Request-ID"

type ctxKey struct{}

// WithRequestID returns ctx carrying the request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// RequestID is the request id ctx carries, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// NewRequestID is a fresh random request id (16 bytes, hex).
func NewRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// SaneRequestID reports whether an incoming id may be kept: 1 to 128
// characters of letters, digits and "-_.:/+=" (a UUID, a trace id, a
// proxy's counter), nothing that could break a log line.
func SaneRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-' || c == '_' || c == '.' || c == ':' || c == '/' || c == '+' || c == '=':
		default:
			return false
		}
	}
	return true
}

// Options of Middleware.
type Options struct {
	// Metrics count the requests (nil: none).
	Metrics *Metrics
	// Log gets the access log line of each request (nil: none).
	Log *slog.Logger
	// TrustID reports whether the request's own X-Request-ID may be kept
	// (it came from a trusted proxy); nil: never.
	TrustID func(r *http.Request) bool
}

// Middleware gives every request an id (a trusted proxy's sane one, else a
// new one) in its context, for the log lines written in it (LogHandler),
// and in the answer's X-Request-ID; it counts the request in the metrics
// by the route pattern the router matched (http.Request.Pattern, which
// the router sets on the request it is handed) and writes an access log
// line.
func Middleware(next http.Handler, o Options) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(RequestIDHeader)
		if o.TrustID == nil || !o.TrustID(r) || !SaneRequestID(id) {
			id = NewRequestID()
		}
		w.Header().Set(RequestIDHeader, id)
		r = r.WithContext(WithRequestID(r.Context(), id))
		sw := &statusWriter{ResponseWriter: w}
		if o.Metrics != nil {
			o.Metrics.inFlight.Inc()
			defer o.Metrics.inFlight.Dec()
		}
		defer func() {
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			d := time.Since(start)
			o.Metrics.request(r.Pattern, r.Method, status, d.Seconds())
			if o.Log != nil {
				o.Log.LogAttrs(r.Context(), slog.LevelInfo, "request",
					slog.String("method", r.Method), slog.String("route", routeLabel(r.Pattern)),
					slog.String("path", r.URL.Path), slog.Int("status", status),
					slog.Int64("bytes", sw.bytes), slog.Duration("duration", d))
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// statusWriter remembers the status and size of an answer.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer
// (flushing, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush passes a flush on (streamed answers).
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
