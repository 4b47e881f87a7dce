package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
)

// repoRoot is the repository's top directory (two up from this file).
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// needBrowser returns the Chromium binary and checks web/app.wasm is built.
// Under CI a missing piece fails the test; elsewhere it skips.
func needBrowser(t *testing.T) string {
	t.Helper()
	miss := func(format string, a ...any) {
		t.Helper()
		if os.Getenv("CI") != "" {
			t.Fatalf(format, a...)
		}
		t.Skipf(format, a...)
	}
	if _, err := os.Stat(filepath.Join(repoRoot(), "web", "app.wasm")); err != nil {
		miss("web/app.wasm is not built (run `make wasm`): %v", err)
	}
	for _, name := range []string{os.Getenv("EPORTID_CHROME"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	miss("no Chromium found (apt-get install chromium, or set EPORTID_CHROME)")
	return ""
}

// newBrowser starts a headless Chromium with the flags this closed network
// and running as root need, and returns a tab context.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	exe := needBrowser(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 768),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	ctx, cancelT := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// run runs actions and fails the test with a screenshot path on error.
func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	step, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Run(step, actions...); err != nil {
		var html string
		_ = chromedp.Run(ctx, chromedp.OuterHTML("body", &html, chromedp.ByQuery))
		var png []byte
		_ = chromedp.Run(ctx, chromedp.FullScreenshot(&png, 80))
		shot := filepath.Join(os.TempDir(), fmt.Sprintf("eportid-e2e-%d.png", time.Now().UnixNano()))
		_ = os.WriteFile(shot, png, 0o644)
		if len(html) > 4000 {
			html = html[:4000] + "…"
		}
		t.Fatalf("%s: %v\nscreenshot: %s\nbody: %s", what, err, shot, html)
	}
}

// panel scopes a selector to the visible tab panel of the shell.
func panel(sel string) string { return ".tab-panel.active " + sel }

// typeInto clears a field and types text into it, as a user would.
func typeInto(sel, text string) chromedp.Action {
	return chromedp.Tasks{
		chromedp.WaitVisible(sel, chromedp.ByQuery),
		chromedp.Focus(sel, chromedp.ByQuery),
		chromedp.SetValue(sel, "", chromedp.ByQuery),
		chromedp.SendKeys(sel, text, chromedp.ByQuery),
	}
}

// choose picks an option of a select by value and fires the events the
// page listens to, then waits until the value stuck.
func choose(sel, value string) chromedp.Action {
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false;
		if (![...e.options].some(o => o.value === %q)) return false;
		e.focus(); e.value = %q;
		e.dispatchEvent(new Event('input', {bubbles: true}));
		e.dispatchEvent(new Event('change', {bubbles: true}));
		return true; })()`, sel, value, value)
	return chromedp.ActionFunc(func(ctx context.Context) error {
		deadline := time.Now().Add(20 * time.Second)
		for {
			var ok bool
			if err := chromedp.Evaluate(js, &ok).Do(ctx); err != nil {
				return err
			}
			if ok {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("select %s has no option %q", sel, value)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

// waitText waits until the element's text contains want.
func waitText(sel, want string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		deadline := time.Now().Add(30 * time.Second)
		var got string
		for time.Now().Before(deadline) {
			var nodes []*cdp.Node
			if err := chromedp.Nodes(sel, &nodes, chromedp.ByQuery, chromedp.AtLeast(0)).Do(ctx); err != nil {
				return err
			}
			if len(nodes) > 0 {
				if err := chromedp.Text(sel, &got, chromedp.ByQuery).Do(ctx); err != nil {
					return err
				}
				if strings.Contains(got, want) {
					return nil
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
		return fmt.Errorf("%s: text %q does not contain %q", sel, got, want)
	})
}

// waitJS waits until a JavaScript expression is true.
func waitJS(expr string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			var ok bool
			if err := chromedp.Evaluate(expr, &ok).Do(ctx); err == nil && ok {
				return nil
			}
			time.Sleep(100 * time.Millisecond)
		}
		return fmt.Errorf("timed out waiting for %s", expr)
	})
}
