package ui

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// WebDirEnv names the environment variable that overrides the folder of
// the static files (default "web", relative to the working directory).
const WebDirEnv = "EPORTID_WEB_DIR"

// WebDir is the folder Handler serves /web/ from: $EPORTID_WEB_DIR, else
// "web" in the working directory or, for tests run from a package folder,
// the first "web" holding styles.css up to three folders above it.
func WebDir() string {
	if d := os.Getenv(WebDirEnv); d != "" {
		return d
	}
	dir := "web"
	for i := 0; i < 4; i++ {
		if _, err := os.Stat(filepath.Join(dir, "styles.css")); err == nil {
			return dir
		}
		dir = filepath.Join("..", dir)
	}
	return "web"
}

// Handler returns the handler of the PWA, to be mounted at "/" (the API
// lives beside it under /api/). It serves the pages of Routes (prerendered),
// the go-app scripts, the service worker and the manifest, and the files of
// WebDir() under /web/ — app.wasm brotli-compressed from app.wasm.br when
// that file exists and the browser accepts br, else gzip-compressed on the
// fly. Its Version is a hash of the files in WebDir(), taken now, so that a
// new app.wasm (or stylesheet) makes the service worker update the app.
func Handler() *app.Handler { return HandlerFor(WebDir()) }

// HandlerFor is Handler serving the static files of dir.
func HandlerFor(dir string) *app.Handler {
	Routes()
	version, wasmSize := webVersion(dir)
	return &app.Handler{
		Name:            AppName,
		ShortName:       "身份认证",
		Title:           AppName,
		Description:     "中国电子口岸身份认证管理子系统（企业端）：企业用户注册、企业备案、操作员与 IC 卡管理、制卡代理点查询。",
		Author:          "中国电子口岸数据中心",
		Lang:            "zh-CN",
		BackgroundColor: "#f2f5f9",
		ThemeColor:      "#1f5fae",
		LoadingLabel:    "正在加载 {progress}%",
		Icon: app.Icon{
			Default:  "/web/icon-192.png",
			Large:    "/web/icon-512.png",
			Maskable: "/web/icon-512.png",
			SVG:      "/web/logo.svg",
		},
		Image:                 "/web/icon-512.png",
		Styles:                []string{"/web/styles.css"},
		RawHeaders:            []string{loaderStyle},
		CacheableResources:    []string{"/web/logo.svg"},
		Version:               version,
		WasmContentLength:     wasmSize,
		Resources:             &webResources{dir: dir},
		ServiceWorkerTemplate: serviceWorker(),
	}
}

// loaderStyle hides the prerendered page while go-app's loader is there,
// from the first paint on (before any stylesheet arrives): until app.wasm
// runs, a click on it would be lost and a form would submit without its
// handler. (The CSP allows inline styles.)
const loaderStyle = `<style>body:has(> #app-wasm-loader) > :not(#app-wasm-loader) { display: none !important; }</style>`

// webVersion hashes the files of dir (not the compressed copies) and
// returns the hash and the size of app.wasm ("" when it is missing).
func webVersion(dir string) (version, wasmSize string) {
	h := sha256.New()
	var names []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && !strings.HasSuffix(p, ".br") && !strings.HasSuffix(p, ".gz") {
			names = append(names, p)
		}
		return nil
	})
	sort.Strings(names)
	for _, p := range names {
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		io.WriteString(h, filepath.ToSlash(p)+"\x00")
		io.Copy(h, f)
		f.Close()
	}
	if fi, err := os.Stat(filepath.Join(dir, "app.wasm")); err == nil {
		wasmSize = strconv.FormatInt(fi.Size(), 10)
	}
	if len(names) == 0 {
		// Nothing to hash: a fresh version per start, so that a
		// development server never serves a stale cache.
		io.WriteString(h, time.Now().String())
	}
	return hex.EncodeToString(h.Sum(nil))[:16], wasmSize
}

// serviceWorker is go-app's worker, with one change: a page that is not in
// the cache and cannot be fetched (offline) is answered with the cached
// start page, whose app then routes to the URL asked for. So every route,
// not only "/", opens offline after a first visit.
func serviceWorker() string {
	const from = `async function fetchWithCache(request) {
  const cachedResponse = await caches.match(request);
  if (cachedResponse) {
    return cachedResponse;
  }
  return await fetch(request);
}`
	const to = `async function fetchWithCache(request) {
  const cachedResponse = await caches.match(request);
  if (cachedResponse) {
    return cachedResponse;
  }
  try {
    return await fetch(request);
  } catch (err) {
    if (request.mode === "navigate") {
      const page = await caches.match("/");
      if (page) {
        return page;
      }
    }
    throw err;
  }
}`
	return strings.Replace(app.DefaultAppWorkerJS, from, to, 1)
}

// webResources resolves and serves the static files under /web/.
type webResources struct {
	dir string

	gzOnce sync.Once
	gz     []byte
	gzMod  time.Time
}

func (r *webResources) Resolve(loc string) string {
	switch {
	case loc == "" || loc == "/":
		return "/"
	case strings.HasPrefix(loc, "https://"), strings.HasPrefix(loc, "http://"):
		return loc
	case loc == "web" || loc == "/web" || strings.HasPrefix(loc, "web/") || strings.HasPrefix(loc, "/web/"):
		return "/" + strings.Trim(loc, "/")
	}
	return loc
}

func acceptsEncoding(req *http.Request, enc string) bool {
	for _, part := range strings.Split(req.Header.Get("Accept-Encoding"), ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(name) == enc && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

func (r *webResources) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	name := path.Clean("/" + strings.TrimPrefix(req.URL.Path, "/web/"))
	if name == "/app.wasm" {
		r.serveWasm(w, req)
		return
	}
	if strings.HasSuffix(name, ".br") || strings.HasSuffix(name, ".gz") {
		http.NotFound(w, req)
		return
	}
	req2 := *req
	u := *req.URL
	u.Path = name
	req2.URL = &u
	http.FileServer(http.Dir(r.dir)).ServeHTTP(w, &req2)
}

func (r *webResources) serveWasm(w http.ResponseWriter, req *http.Request) {
	raw := filepath.Join(r.dir, "app.wasm")
	w.Header().Set("Content-Type", "application/wasm")
	w.Header().Add("Vary", "Accept-Encoding")
	if acceptsEncoding(req, "br") {
		if f, err := os.Open(raw + ".br"); err == nil {
			defer f.Close()
			if fi, err := f.Stat(); err == nil {
				w.Header().Set("Content-Encoding", "br")
				http.ServeContent(w, req, "app.wasm", fi.ModTime(), f)
				return
			}
		}
	}
	if acceptsEncoding(req, "gzip") {
		r.gzOnce.Do(func() { r.gz, r.gzMod = gzipFile(raw) })
		if r.gz != nil {
			w.Header().Set("Content-Encoding", "gzip")
			http.ServeContent(w, req, "app.wasm", r.gzMod, bytes.NewReader(r.gz))
			return
		}
	}
	http.ServeFile(w, req, raw)
}

// gzipFile compresses a file once, for browsers that do not take br (Chrome
// announces br on HTTPS only).
func gzipFile(p string) ([]byte, time.Time) {
	f, err := os.Open(p)
	if err != nil {
		return nil, time.Time{}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, time.Time{}
	}
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if _, err := io.Copy(zw, f); err != nil {
		return nil, time.Time{}
	}
	if zw.Close() != nil {
		return nil, time.Time{}
	}
	return b.Bytes(), fi.ModTime()
}
