package httpapi

import (
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// webFiles serves /web/, only the app's files: regular files of WebDir,
// never a directory (no listing), a dotfile or anything under a dot
// directory, or a symbolic link (webFile). app.wasm is served
// brotli-compressed from app.wasm.br when
// that file exists and the client accepts br; everything else by the UI
// handler (go-app serves /web/ from its Resources), or, with the
// placeholder UI, from WebDir as plain files without directory listings.
func (a *API) webFiles() http.Handler {
	var rest http.Handler = a.UI
	if _, ok := a.UI.(placeholderUI); ok {
		files := http.StripPrefix("/web", http.FileServer(http.Dir(a.WebDir)))
		rest = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/") {
				http.NotFound(w, r)
				return
			}
			if r.URL.Path == "/web/app.wasm" {
				w.Header().Set("Content-Type", "application/wasm")
				w.Header().Set("Cache-Control", "no-cache")
			}
			files.ServeHTTP(w, r)
		})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !a.webFile(r.URL.Path) {
			http.NotFound(w, r)
			return
		}
		if r.URL.Path == "/web/app.wasm" {
			w.Header().Add("Vary", "Accept-Encoding")
			if a.serveBrotliWasm(w, r) {
				return
			}
		}
		rest.ServeHTTP(w, r)
	})
}

// webFile reports whether urlPath (under /web/) names a regular file of
// WebDir by a clean path without a segment that starts with a dot.
func (a *API) webFile(urlPath string) bool {
	name, ok := strings.CutPrefix(urlPath, "/web/")
	if !ok || name == "" || path.Clean("/"+name) != "/"+name || strings.Contains(name, "\\") {
		return false
	}
	for _, seg := range strings.Split(name, "/") {
		if strings.HasPrefix(seg, ".") {
			return false
		}
	}
	st, err := os.Lstat(filepath.Join(a.WebDir, filepath.FromSlash(name)))
	return err == nil && st.Mode().IsRegular()
}

// serveBrotliWasm serves app.wasm.br with Content-Encoding br when it
// exists and the client accepts br, and reports whether it did.
func (a *API) serveBrotliWasm(w http.ResponseWriter, r *http.Request) bool {
	if !acceptsEncoding(r.Header.Values("Accept-Encoding"), "br") {
		return false
	}
	f, err := os.Open(filepath.Join(a.WebDir, "app.wasm.br"))
	if err != nil {
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return false
	}
	h := w.Header()
	h.Set("Content-Type", "application/wasm")
	h.Set("Content-Encoding", "br")
	h.Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "app.wasm", st.ModTime(), f)
	return true
}

// acceptsEncoding reports whether an Accept-Encoding list accepts enc
// (listed, or by "*", without q=0).
func acceptsEncoding(values []string, enc string) bool {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			name = strings.TrimSpace(name)
			if !strings.EqualFold(name, enc) && name != "*" {
				continue
			}
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			if q == "q=0" || strings.HasPrefix(q, "q=0.") && strings.Trim(q[4:], "0") == "" {
				continue
			}
			return true
		}
	}
	return false
}

// placeholderUI stands in for the go-app pages when API.UI is not set
// (tests of the API alone).
type placeholderUI struct{}

func (placeholderUI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" && r.URL.Path != "/activate" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>电子口岸身份认证</title></head>
<body><h1>电子口岸身份认证管理子系统（企业端）</h1>
<p>页面程序尚未接入；接口位于 <code>/api/</code>。</p></body></html>
`))
}
