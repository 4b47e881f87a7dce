package ui

import (
	"testing"
	"time"
)

// The kiosk's idle clock: activity moves the end and is reported at most
// every sixth of the idle time, so the server's clock (moved by the
// reports) never ends before the page's; the countdown shows for the last
// 30 s, or the last half of a shorter idle time.
func TestKioskClock(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	k := newKioskClock(3*time.Minute, t0)
	if k.reportEvery != 30*time.Second || k.warnAt() != 30*time.Second {
		t.Fatalf("report every %v, warn at %v", k.reportEvery, k.warnAt())
	}
	if k.activity(t0.Add(10 * time.Second)) {
		t.Error("activity 10 s after the login reported")
	}
	if got := k.left(t0.Add(10 * time.Second)); got != 170*time.Second {
		t.Errorf("left %v", got)
	}
	if !k.activity(t0.Add(40 * time.Second)) {
		t.Error("activity 40 s after the login not reported")
	}
	if got := k.left(t0.Add(40 * time.Second)); got != 3*time.Minute {
		t.Errorf("left after the report %v", got)
	}
	// In the countdown any key is reported (the last report is older than
	// reportEvery) and resets it.
	at := t0.Add(40*time.Second + 155*time.Second)
	if l := k.left(at); l > k.warnAt() || l <= 0 {
		t.Fatalf("left %v is not in the countdown", l)
	}
	if !k.activity(at) || k.left(at) != 3*time.Minute {
		t.Error("a key in the countdown did not reset it")
	}
	short := newKioskClock(8*time.Second, t0)
	if short.reportEvery != time.Second+time.Second/3 || short.warnAt() != 4*time.Second {
		t.Errorf("8 s: report every %v, warn at %v", short.reportEvery, short.warnAt())
	}
	if tiny := newKioskClock(3*time.Second, t0); tiny.reportEvery != time.Second {
		t.Errorf("3 s: report every %v", tiny.reportEvery)
	}
}
