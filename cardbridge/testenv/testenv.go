// Package testenv runs tests against the real PC/SC stack: pcscd with
// vsmartcard's vpcd driver, and a soft card (cardbridge/softcard) inserted
// into the virtual reader. Start finds pcscd or starts it with
// start-pcscd.sh (next to this file), takes a machine-wide lock on the
// virtual reader (test binaries of several packages run in parallel),
// inserts the card and undoes it all at cleanup.
//
// Where the environment variable CI is set, a missing pcscd or vpcd fails
// the test; elsewhere the test is skipped with the reason.
//
// EPORTID_VPCD_PORT picks the vpcd slot (35963 = "Virtual PCD 00 00", the
// default; 35964 = "Virtual PCD 00 01", to test while a developer's soft
// card sits in slot 00).
package testenv

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"eportid/cardbridge/pcsc"
	"eportid/cardbridge/softcard"
)

// BasePort is vpcd's first slot.
const BasePort = 35963

// Env is a soft card in a virtual reader.
type Env struct {
	Reader string // PC/SC reader name
	Addr   string // vpcd address the card connects to
	Card   *softcard.Card
	tb     testing.TB
}

// Port returns the vpcd port the tests use.
func Port() int {
	if s := os.Getenv("EPORTID_VPCD_PORT"); s != "" {
		if p, err := strconv.Atoi(s); err == nil && p >= BasePort && p < BasePort+16 {
			return p
		}
	}
	return BasePort
}

// InCI reports whether the CI variable is set.
func InCI() bool { return os.Getenv("CI") != "" }

// unavailable skips, or fails under CI.
func unavailable(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if InCI() {
		tb.Fatalf("PC/SC test environment unavailable (CI is set, so this fails): %s", msg)
	}
	tb.Skipf("PC/SC test environment unavailable, skipping (set up with cardbridge/testenv/start-pcscd.sh as root): %s", msg)
}

var (
	startOnce sync.Once
	startOut  string
	startErr  error
)

// script returns the path of start-pcscd.sh.
func script() string {
	if s := os.Getenv("EPORTID_START_PCSCD"); s != "" {
		return s
	}
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "start-pcscd.sh")
}

// runScript runs start-pcscd.sh once per process, bounded.
func runScript(port int) (string, error) {
	startOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "sh", script())
		cmd.Env = append(os.Environ(), "VPCD_PORT="+strconv.Itoa(port))
		out, err := cmd.CombinedOutput()
		startOut, startErr = strings.TrimSpace(string(out)), err
	})
	return startOut, startErr
}

// findReader returns the vpcd reader for port, if pcscd lists it.
func findReader(port int) (string, error) {
	c, err := pcsc.Establish()
	if err != nil {
		return "", err
	}
	defer c.Release()
	rs, err := c.Readers()
	if err != nil {
		return "", err
	}
	suffix := fmt.Sprintf(" %02X", port-BasePort)
	for _, r := range rs {
		if strings.Contains(r, "Virtual PCD") && strings.HasSuffix(r, suffix) {
			return r, nil
		}
	}
	return "", fmt.Errorf("no vpcd reader ending in %q among %q", suffix, rs)
}

// Reader makes sure pcscd runs with vpcd and returns the virtual reader's
// name, skipping (or failing under CI) when that cannot be had.
func Reader(tb testing.TB) string {
	tb.Helper()
	port := Port()
	r, err := findReader(port)
	if err == nil {
		return r
	}
	out, serr := runScript(port)
	if serr != nil {
		unavailable(tb, "%v; %s: %v: %s", err, filepath.Base(script()), serr, out)
	}
	r, err = findReader(port)
	if err != nil {
		unavailable(tb, "after %s: %v", filepath.Base(script()), err)
	}
	return r
}

// Start inserts card into the virtual reader for the duration of the test.
func Start(tb testing.TB, card *softcard.Card) *Env {
	tb.Helper()
	reader := Reader(tb)
	port := Port()
	release, err := lock(filepath.Join(os.TempDir(), fmt.Sprintf("eportid-vpcd-%d.lock", port)), 3*time.Minute)
	if err != nil {
		tb.Fatalf("testenv: lock on the virtual reader: %v", err)
	}
	e := &Env{Reader: reader, Addr: fmt.Sprintf("127.0.0.1:%d", port), Card: card, tb: tb}
	// The reader must be empty: a card there is someone else's.
	if err := e.waitCard(false, 5*time.Second); err != nil {
		release()
		unavailable(tb, "reader %q already holds a card (a softcard running? stop it or set EPORTID_VPCD_PORT=%d): %v",
			reader, port+1, err)
	}
	if os.Getenv("EPORTID_DEBUG_SOFTCARD") != "" { // connection events on stderr
		card.Logf = func(f string, a ...any) {
			fmt.Fprintf(os.Stderr, "[softcard pid %d %s] %s\n", os.Getpid(), time.Now().Format("15:04:05.000"), fmt.Sprintf(f, a...))
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		card.Run(ctx, e.Addr)
	}()
	tb.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			tb.Errorf("testenv: soft card did not stop")
		}
		if err := e.waitCard(false, 5*time.Second); err != nil {
			tb.Errorf("testenv: card still in %q after stop: %v", reader, err)
		}
		release()
	})
	if err := e.waitCard(true, 3*time.Second); err != nil {
		// pcsc-lite quirk: when a client's SCardDisconnect(reset) fails
		// because the previous card was just pulled, pcscd marks the
		// reader empty behind its polling thread's back; a card inserted
		// before the next poll (400 ms) is then never reported. Pulling
		// and re-inserting after a poll heals it, as it would for a user.
		card.Remove()
		time.Sleep(time.Second)
		card.Insert()
		if err := e.waitCard(true, 10*time.Second); err != nil {
			tb.Fatalf("testenv: the soft card did not appear in %q: %v", reader, err)
		}
	}
	return e
}

// WaitCard waits (bounded) until the reader shows the card present or
// absent, failing the test otherwise.
func (e *Env) WaitCard(present bool, timeout time.Duration) {
	e.tb.Helper()
	if err := e.waitCard(present, timeout); err != nil {
		e.tb.Fatalf("testenv: waiting for card present=%v in %q: %v", present, e.Reader, err)
	}
}

func (e *Env) waitCard(present bool, timeout time.Duration) error {
	c, err := pcsc.Establish()
	if err != nil {
		return err
	}
	defer c.Release()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err = c.WaitCard(ctx, e.Reader, present)
	if err != nil {
		if st, serr := c.Status(e.Reader); serr == nil {
			err = fmt.Errorf("%w (reader state %#x, mute %v, card connected to vpcd: %v)",
				err, st[0].Flags(), st[0].Mute, e.Card.Connected())
		}
	}
	return err
}
