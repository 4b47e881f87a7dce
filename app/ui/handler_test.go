//go:build !(js && wasm)

package ui

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func serve(h http.Handler, path string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestHandler(t *testing.T) {
	dir := t.TempDir()
	wasm := bytes.Repeat([]byte("\x00asm-wasm-"), 100)
	os.WriteFile(filepath.Join(dir, "app.wasm"), wasm, 0o644)
	os.WriteFile(filepath.Join(dir, "app.wasm.br"), []byte("br bytes"), 0o644)
	os.WriteFile(filepath.Join(dir, "styles.css"), []byte("body{}"), 0o644)
	h := HandlerFor(dir)

	for _, p := range []string{"/", "/register", "/register/nocard", "/activate", "/app", "/agent-points"} {
		if rec := serve(h, p); rec.Code != 200 || !strings.Contains(rec.Body.String(), `lang="zh-CN"`) {
			t.Errorf("%s: %d", p, rec.Code)
		}
	}
	if rec := serve(h, "/nope"); rec.Code != 404 {
		t.Errorf("/nope: %d", rec.Code)
	}
	page := serve(h, "/").Body.String()
	for _, want := range []string{"/web/styles.css", "app-wasm-loader", "display: none", "电子口岸身份认证管理系统（企业端）"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "https://raw.githubusercontent.com") {
		t.Errorf("page refers to an external asset")
	}

	rec := serve(h, "/web/app.wasm", "Accept-Encoding", "gzip, deflate, br")
	if rec.Body.String() != "br bytes" || rec.Header().Get("Content-Encoding") != "br" || rec.Header().Get("Content-Type") != "application/wasm" {
		t.Errorf("br: %q %v", rec.Body.String(), rec.Header())
	}
	rec = serve(h, "/web/app.wasm", "Accept-Encoding", "gzip")
	if rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip: %v", rec.Header())
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(zr); !bytes.Equal(got, wasm) {
		t.Errorf("gzip body differs")
	}
	if rec := serve(h, "/web/app.wasm"); !bytes.Equal(rec.Body.Bytes(), wasm) || rec.Header().Get("Content-Encoding") != "" {
		t.Errorf("plain: %v", rec.Header())
	}
	if rec := serve(h, "/web/app.wasm.br"); rec.Code != 404 {
		t.Errorf("/web/app.wasm.br: %d", rec.Code)
	}

	manifest := serve(h, "/manifest.webmanifest").Body.String()
	for _, want := range []string{`"short_name":"身份认证"`, "/web/icon-192.png", "/web/icon-512.png"} {
		if !strings.Contains(manifest, want) {
			t.Errorf("manifest lacks %s: %s", want, manifest)
		}
	}
	worker := serve(h, "/app-worker.js").Body.String()
	if !strings.Contains(worker, `request.mode === "navigate"`) || !strings.Contains(worker, "/web/app.wasm") {
		t.Errorf("worker lacks the offline fallback or app.wasm:\n%s", worker)
	}
	if js := serve(h, "/app.js").Body.String(); !strings.Contains(js, `"1000"`) {
		t.Errorf("app.js lacks the wasm size for the progress")
	}

	// A new app.wasm is a new version, so the service worker updates.
	v1 := h.Version
	os.WriteFile(filepath.Join(dir, "app.wasm"), []byte("\x00asm v2"), 0o644)
	if v2 := HandlerFor(dir).Version; v2 == v1 || v2 == "" {
		t.Errorf("version did not change: %q %q", v1, v2)
	}
}

// The repository's web/ holds the icons and stylesheet the handler names.
func TestWebAssets(t *testing.T) {
	for _, f := range []string{"styles.css", "logo.svg", "icon-192.png", "icon-512.png"} {
		if _, err := os.Stat(filepath.Join("..", "..", "web", f)); err != nil {
			t.Errorf("web/%s: %v", f, err)
		}
	}
}
