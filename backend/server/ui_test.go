package server_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"eportid/app/ui"
	"eportid/backend/server"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// The go-app pages are mounted at "/", with the security headers, and
// app.wasm is served brotli-compressed when app.wasm.br exists.
func TestPagesMounted(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "app.wasm"), []byte("\x00asm"), 0o644)
	os.WriteFile(filepath.Join(dir, "app.wasm.br"), []byte("br bytes"), 0o644)
	srv := server.New(server.Config{Addr: "127.0.0.1:0", Store: storetest.Open(t, store.SQLite), Log: quiet, Stdout: io.Discard,
		WebDir: dir, UIFor: func(d string) http.Handler { return ui.HandlerFor(d) }})
	if err := srv.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	get := func(path string, hdr ...string) (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL()+path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, body := get("/")
	if resp.StatusCode != 200 || !strings.Contains(body, "/app.js") || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "'wasm-unsafe-eval'") {
		t.Fatalf("page: %d %v\n%.300s", resp.StatusCode, resp.Header, body)
	}
	if resp, _ := get("/activate?token=x"); resp.StatusCode != 200 {
		t.Errorf("/activate: %d", resp.StatusCode)
	}
	resp, body = get("/web/app.wasm", "Accept-Encoding", "br")
	if body != "br bytes" || resp.Header.Get("Content-Encoding") != "br" || resp.Header.Get("Content-Type") != "application/wasm" {
		t.Fatalf("br: %q %v", body, resp.Header)
	}
	resp, body = get("/web/app.wasm")
	if body != "\x00asm" || resp.Header.Get("Content-Encoding") != "" {
		t.Fatalf("plain: %q %v", body, resp.Header)
	}
	if resp, body := get("/api/nope"); resp.StatusCode != 404 || !strings.Contains(body, `"not_found"`) {
		t.Errorf("/api/nope: %d %s", resp.StatusCode, body)
	}
}
