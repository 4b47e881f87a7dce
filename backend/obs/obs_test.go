package obs_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"eportid/backend/obs"
)

func TestRequestIDInAnswerAndLog(t *testing.T) {
	var buf bytes.Buffer
	log := obs.NewLogger(&buf, "json", slog.LevelInfo)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /x/{id}", func(w http.ResponseWriter, r *http.Request) {
		log.InfoContext(r.Context(), "inside")
		w.WriteHeader(http.StatusTeapot)
	})
	for _, trusted := range []bool{false, true} {
		buf.Reset()
		h := obs.Middleware(mux, obs.Options{Log: log, Metrics: obs.NewMetrics(),
			TrustID: func(*http.Request) bool { return trusted }})
		req := httptest.NewRequest(http.MethodGet, "/x/42", nil)
		req.Header.Set(obs.RequestIDHeader, "from-proxy-1")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		id := w.Header().Get(obs.RequestIDHeader)
		if (id == "from-proxy-1") != trusted || !obs.SaneRequestID(id) {
			t.Fatalf("trusted %v: id %q", trusted, id)
		}
		dec := json.NewDecoder(&buf)
		var lines []map[string]any
		for dec.More() {
			var m map[string]any
			if err := dec.Decode(&m); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, m)
		}
		if len(lines) != 2 || lines[0]["msg"] != "inside" || lines[1]["msg"] != "request" {
			t.Fatalf("log lines %v", lines)
		}
		for _, l := range lines {
			if l["request_id"] != id {
				t.Errorf("line %v without request_id %s", l, id)
			}
		}
		if lines[1]["route"] != "GET /x/{id}" || lines[1]["status"] != float64(http.StatusTeapot) {
			t.Errorf("access line %v", lines[1])
		}
	}
}

// BenchmarkMiddleware is the cost per request of the request id, the
// metrics and the access line (to a discarding text log).
func BenchmarkMiddleware(b *testing.B) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /x/{id}", func(w http.ResponseWriter, r *http.Request) {})
	h := obs.Middleware(mux, obs.Options{Log: obs.NewLogger(io.Discard, "text", slog.LevelInfo), Metrics: obs.NewMetrics()})
	req := httptest.NewRequest(http.MethodGet, "/x/42", nil)
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}

// BenchmarkMiddlewareBaseline is BenchmarkMiddleware's router alone.
func BenchmarkMiddlewareBaseline(b *testing.B) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /x/{id}", func(w http.ResponseWriter, r *http.Request) {})
	req := httptest.NewRequest(http.MethodGet, "/x/42", nil)
	b.ReportAllocs()
	for b.Loop() {
		mux.ServeHTTP(httptest.NewRecorder(), req)
	}
}
