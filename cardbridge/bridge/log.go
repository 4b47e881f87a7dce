package bridge

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Rate of the log lines a page can cause: a burst of logBurst, then
// logRate a second. Any page on the machine can knock on the bridge, so
// without a limit it could fill the disk.
const (
	logBurst = 20
	logRate  = 1.0
)

// limitedLog writes to a slog.Logger behind a token bucket. Lines over
// the rate are dropped and counted; the next line that gets through is
// preceded by a warning with the count.
type limitedLog struct {
	l     *slog.Logger
	burst float64
	rate  float64 // tokens per second

	mu      sync.Mutex
	tokens  float64
	last    time.Time
	dropped int
}

func newLimitedLog(l *slog.Logger, burst int, rate float64) *limitedLog {
	return &limitedLog{l: l, burst: float64(burst), rate: rate, tokens: float64(burst)}
}

// log writes one line unless its level is off (which spends no token) or
// the bucket is empty.
func (g *limitedLog) log(level slog.Level, msg string, args ...any) {
	ctx := context.Background()
	if !g.l.Enabled(ctx, level) {
		return
	}
	g.mu.Lock()
	now := time.Now()
	if !g.last.IsZero() {
		g.tokens = min(g.burst, g.tokens+now.Sub(g.last).Seconds()*g.rate)
	}
	g.last = now
	if g.tokens < 1 {
		g.dropped++
		g.mu.Unlock()
		return
	}
	g.tokens--
	dropped := g.dropped
	g.dropped = 0
	g.mu.Unlock()
	if dropped > 0 {
		g.l.Warn("bridge: log lines dropped over the rate limit", "dropped", dropped)
	}
	g.l.Log(ctx, level, msg, args...)
}
