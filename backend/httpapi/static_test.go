package httpapi_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"eportid/app/model"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// Tests of the security headers and the static files (app.wasm and its
// brotli copy).

func TestHeadersAndStatic(t *testing.T) {
	e := newEnv(t, storetest.Open(t, store.SQLite), nil)
	dir := e.api.WebDir
	os.WriteFile(filepath.Join(dir, "app.wasm"), []byte("\x00asm plain"), 0o644)
	anon := e.client()

	a := anon.do(http.MethodGet, "/", nil)
	csp := a.header.Get("Content-Security-Policy")
	for _, want := range []string{"'wasm-unsafe-eval'", "frame-ancestors 'none'", "default-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %s", csp, want)
		}
	}
	if a.header.Get("X-Content-Type-Options") != "nosniff" || a.header.Get("Referrer-Policy") == "" {
		t.Errorf("headers: %v", a.header)
	}
	if a := anon.do(http.MethodGet, "/api/nope", nil); a.status != http.StatusNotFound || a.problem(t).Code != model.ErrNotFound {
		t.Errorf("unknown API route: %d %s", a.status, a.body)
	}
	if a := anon.do(http.MethodGet, "/api/session", nil); a.header.Get("Cache-Control") != "no-store" {
		t.Errorf("API Cache-Control %q", a.header.Get("Cache-Control"))
	}

	// Without app.wasm.br: the plain file, whatever the client accepts.
	a = anon.do(http.MethodGet, "/web/app.wasm", nil, "Accept-Encoding", "br")
	if a.status != 200 || string(a.body) != "\x00asm plain" || a.header.Get("Content-Encoding") != "" ||
		a.header.Get("Content-Type") != "application/wasm" {
		t.Fatalf("plain wasm: %d %q %v", a.status, a.body, a.header)
	}
	os.WriteFile(filepath.Join(dir, "app.wasm.br"), []byte("brotli bytes"), 0o644)
	a = anon.do(http.MethodGet, "/web/app.wasm", nil, "Accept-Encoding", "gzip, deflate, br")
	if string(a.body) != "brotli bytes" || a.header.Get("Content-Encoding") != "br" ||
		a.header.Get("Content-Type") != "application/wasm" || !strings.Contains(a.header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("br wasm: %q %v", a.body, a.header)
	}
	for _, ae := range []string{"gzip", "br;q=0", ""} {
		a = anon.do(http.MethodGet, "/web/app.wasm", nil, "Accept-Encoding", ae)
		if string(a.body) != "\x00asm plain" || a.header.Get("Content-Encoding") != "" {
			t.Errorf("Accept-Encoding %q: %q %v", ae, a.body, a.header.Get("Content-Encoding"))
		}
	}
	if a := anon.do(http.MethodGet, "/web/", nil); a.status != http.StatusNotFound {
		t.Errorf("directory listing: %d", a.status)
	}
	if a := anon.do(http.MethodPost, "/", nil); a.status != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %d", a.status)
	}
}
