package auth

import (
	"context"
	"time"
)

// FailureStore counts failures per key (the store's login_failures).
type FailureStore interface {
	LoginFailures(ctx context.Context, key string) (n int, last time.Time, err error)
	RecordLoginFailure(ctx context.Context, key string, now time.Time) (int, error)
	ClearLoginFailures(ctx context.Context, key string) error
	// CountAttempt and ReleaseAttempt reserve and take back an attempt
	// atomically (see Throttle.Reserve).
	CountAttempt(ctx context.Context, key string, now time.Time,
		decide func(n int, last time.Time) (wait time.Duration, from int)) (time.Duration, error)
	ReleaseAttempt(ctx context.Context, key string) error
}

// Policy is an exponential back-off: after Free counted events, the next
// attempt must wait Base·2^(n-Free) after the last one, at most Max. The
// count is forgotten once nothing was counted for Reset.
type Policy struct {
	Free  int
	Base  time.Duration
	Max   time.Duration
	Reset time.Duration
}

// The default policies.
var (
	// AccountPolicy: per user name (existing or not): 5 free failures,
	// then 1 s, 2 s, 4 s … up to 15 minutes.
	AccountPolicy = Policy{Free: 5, Base: time.Second, Max: 15 * time.Minute, Reset: 24 * time.Hour}
	// AddrPolicy: per client address; more generous, since an office
	// behind one NAT address shares it.
	AddrPolicy = Policy{Free: 20, Base: time.Second, Max: 15 * time.Minute, Reset: 24 * time.Hour}
	// RegisterPolicy: registrations per client address (every accepted
	// registration counts): 20 in a row, then back-off, forgotten after an
	// hour without one.
	RegisterPolicy = Policy{Free: 20, Base: time.Second, Max: 15 * time.Minute, Reset: time.Hour}
	// ActivatePolicy: registration confirmations per client address that
	// did not complete (a wrong or used link, a name or code in use): 5
	// in a row, then 1 s, 2 s … up to 15 minutes, forgotten after an hour.
	ActivatePolicy = Policy{Free: 5, Base: time.Second, Max: 15 * time.Minute, Reset: time.Hour}
	// CardBeginPolicy: card-login nonces per client address (each one a
	// row), less those a successful card login used: 30 in a row, then
	// 1 s, 2 s … up to a minute, forgotten after 10 minutes without one.
	CardBeginPolicy = Policy{Free: 30, Base: time.Second, Max: time.Minute, Reset: 10 * time.Minute}
)

// Delay is the wait after n counted events.
func (p Policy) Delay(n int) time.Duration {
	if n < p.Free {
		return 0
	}
	e := n - p.Free
	if e >= 40 {
		return p.Max
	}
	d := p.Base << e
	if d > p.Max || d <= 0 {
		return p.Max
	}
	return d
}

// Throttle applies policies to keys counted in a FailureStore.
type Throttle struct {
	Store FailureStore
}

// Wait returns how long key must still wait at now under p (0: go ahead).
func (t Throttle) Wait(ctx context.Context, key string, p Policy, now time.Time) (time.Duration, error) {
	n, last, err := t.Store.LoginFailures(ctx, key)
	if err != nil || n == 0 {
		return 0, err
	}
	if p.Reset > 0 && now.Sub(last) >= p.Reset {
		return 0, nil
	}
	return p.wait(n, last, now), nil
}

// wait is how long an attempt at now must wait after n counted events, the
// last at last. Within the free events there is no wait at all, even when
// a concurrent attempt whose clock read later was counted first.
func (p Policy) wait(n int, last, now time.Time) time.Duration {
	d := p.Delay(n)
	if d == 0 {
		return 0
	}
	if until := last.Add(d); until.After(now) {
		return until.Sub(now)
	}
	return 0
}

// Count counts one event for key at now (a failed login, a registration),
// first forgetting an old count under p's Reset.
func (t Throttle) Count(ctx context.Context, key string, p Policy, now time.Time) error {
	if p.Reset > 0 {
		n, last, err := t.Store.LoginFailures(ctx, key)
		if err != nil {
			return err
		}
		if n > 0 && now.Sub(last) >= p.Reset {
			if err := t.Store.ClearLoginFailures(ctx, key); err != nil {
				return err
			}
		}
	}
	_, err := t.Store.RecordLoginFailure(ctx, key, now)
	return err
}

// Reserve counts an attempt of key at now before it is made, in one atomic
// step with the check under p: it returns how long key must still wait
// (> 0: refused, nothing counted) or 0 with the attempt counted. Of N
// attempts at once on a fresh key, p.Free go ahead and the others wait.
// An attempt that turns out not to count is taken back with Release (or
// the whole count forgotten with Clear).
func (t Throttle) Reserve(ctx context.Context, key string, p Policy, now time.Time) (time.Duration, error) {
	return t.Store.CountAttempt(ctx, key, now, func(n int, last time.Time) (time.Duration, int) {
		if n == 0 || p.Reset > 0 && now.Sub(last) >= p.Reset {
			return 0, 0
		}
		return p.wait(n, last, now), n
	})
}

// Release takes back one attempt counted by Reserve.
func (t Throttle) Release(ctx context.Context, key string) error {
	return t.Store.ReleaseAttempt(ctx, key)
}

// Clear forgets key's count (after a successful login).
func (t Throttle) Clear(ctx context.Context, key string) error {
	return t.Store.ClearLoginFailures(ctx, key)
}

// RetryAfter rounds a wait up to whole seconds, at least 1.
func RetryAfter(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	return s
}
