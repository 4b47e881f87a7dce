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
// and running as root need, and extra ones, and returns a tab context.
func newBrowser(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
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
	opts = append(opts, extra...)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() { cancelC(); cancelA() })
	// The first Do starts the browser; it must not carry a timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

type step = chromedp.Action[chromedp.Void]

// run runs steps and fails the test with a screenshot and the page on error.
func run(t *testing.T, ctx context.Context, what string, steps ...step) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		// What the user sees: the open tab's text (else the page's), which
		// says more than the shell's markup around it.
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`((document.querySelector(".tab-panel.active") || document.body).innerText || "")`))
		png, _ := chromedp.Run(ctx, chromedp.FullScreenshot(80))
		shot := filepath.Join(os.TempDir(), fmt.Sprintf("eportid-e2e-%d.jpg", time.Now().UnixNano()))
		_ = os.WriteFile(shot, png, 0o644)
		if r := []rune(text); len(r) > 3000 {
			text = string(r[:3000]) + "…"
		}
		t.Fatalf("%s: %v\nscreenshot: %s\npage text: %s", what, err, shot, text)
	}
	// EPORTID_E2E_SHOTS=dir keeps a screenshot after every step, to look at.
	if dir := os.Getenv("EPORTID_E2E_SHOTS"); dir != "" {
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err == nil {
			shots++
			_ = os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%02d.png", t.Name(), shots)), png, 0o644)
		}
	}
}

var shots int

// css is a CSS selector; panel scopes one to the visible tab panel.
func css(sel string) chromedp.CSS   { return chromedp.CSS(sel) }
func panel(sel string) chromedp.CSS { return chromedp.CSS(".tab-panel.active " + sel) }

func click(sel chromedp.CSS) step   { return chromedp.Click(sel) }
func visible(sel chromedp.CSS) step { return chromedp.WaitVisible(sel) }

// typeInto clears a field and types text into it, as a user would. A
// field the page renders anew between finding it and typing (a list that
// arrives late) is found again and typed into from the start.
func typeInto(sel chromedp.CSS, text string) step {
	steps := chromedp.Steps(
		chromedp.WaitVisible(sel),
		chromedp.Focus(sel),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.select(); })()`, string(sel))),
		chromedp.SendKeys(sel, "\b"+text),
	)
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		var err error
		for try := 0; try < 3; try++ {
			if _, err = steps(ctx, t); err == nil || !strings.Contains(err.Error(), "Could not find node") {
				return chromedp.Void{}, err
			}
			time.Sleep(200 * time.Millisecond)
		}
		return chromedp.Void{}, err
	}
}

// choose picks an option of a select by value, once the option is there,
// and fires the events the page listens to.
func choose(sel chromedp.CSS, value string) step {
	return waitJS(fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false;
		if (![...e.options].some(o => o.value === %q)) return false;
		if (e.value !== %q) { e.focus(); e.value = %q;
			e.dispatchEvent(new Event('input', {bubbles: true}));
			e.dispatchEvent(new Event('change', {bubbles: true})); }
		return true; })()`, string(sel), value, value, value))
}

// waitText waits until the element exists and its text contains want.
func waitText(sel chromedp.CSS, want string) step {
	return waitJS(fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.textContent.includes(%q); })()`, string(sel), want))
}

// waitJS waits until a JavaScript expression is truthy.
func waitJS(expr string) step {
	return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(30*time.Second), chromedp.WithPollingInterval(100*time.Millisecond))
}
