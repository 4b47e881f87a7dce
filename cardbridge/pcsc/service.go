package pcsc

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// Limits of a Service. pcscd serves a bounded number of contexts to all
// programs on the machine together ("Too many context running: 200"), so
// a Service never holds more than MaxContexts at once, whatever its
// callers do: Status calls share them, sessions take one of them and run
// one at a time. Calls beyond them wait, at most MaxWaiting of them;
// further calls fail at once with ErrOverloaded.
const (
	MaxContexts = 4
	MaxWaiting  = 32
)

// Service hands out exclusive card sessions, one at a time, each on a
// fresh PC/SC context (so a restarted pcscd is picked up), inside a PC/SC
// transaction, ending with a card reset that clears the PIN-verified
// state. The zero value is not usable; use NewService.
type Service struct {
	// Reader pins one reader by exact name; "" takes the first reader
	// holding a card.
	reader   string
	sem      chan struct{} // one session at a time
	contexts chan struct{} // a slot per PC/SC context held
	waiting  atomic.Int32  // calls waiting for sem or contexts
	peak     atomic.Int32  // most contexts ever held at once (tests)
}

// NewService returns a service for reader ("" = first reader with a card).
func NewService(reader string) *Service {
	return &Service{reader: reader, sem: make(chan struct{}, 1), contexts: make(chan struct{}, MaxContexts)}
}

// wait takes a slot of ch, waiting (as one of at most MaxWaiting) until
// one is free or ctx ends.
func (s *Service) wait(ctx context.Context, ch chan struct{}) error {
	select {
	case ch <- struct{}{}:
		return nil
	default:
	}
	if s.waiting.Add(1) > MaxWaiting {
		s.waiting.Add(-1)
		return ErrOverloaded
	}
	defer s.waiting.Add(-1)
	select {
	case ch <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctxErr(ctx)
	}
}

// establish opens a PC/SC context in a slot taken with wait; the slot is
// given back by release, once the context is released.
func (s *Service) establish() (*Context, func(), error) {
	for n := int32(len(s.contexts)); ; {
		p := s.peak.Load()
		if n <= p || s.peak.CompareAndSwap(p, n) {
			break
		}
	}
	free := func() { <-s.contexts }
	c, err := Establish()
	if err != nil {
		free()
		return nil, nil, err
	}
	return c, func() { c.Release(); free() }, nil
}

// Status returns the state of the service's reader(s).
func (s *Service) Status(ctx context.Context) ([]ReaderStatus, error) {
	if err := s.wait(ctx, s.contexts); err != nil {
		return nil, err
	}
	return runBounded(ctx, func() ([]ReaderStatus, error) {
		c, release, err := s.establish()
		if err != nil {
			return nil, err
		}
		defer release()
		if s.reader != "" {
			return c.Status(s.reader)
		}
		return c.Status()
	})
}

// Session runs fn with a Client on the card, the application already
// selected. It returns ErrTimeout / ErrCancelled when ctx ends first; fn
// then still runs to its end in the background (a card command cannot be
// interrupted) and its result is dropped, so fn must own everything it
// touches (give it its own copy of a PIN and wipe it inside fn). The
// slots are given back when fn ends, not when Session returns, so the
// bound on contexts holds.
func (s *Service) Session(ctx context.Context, fn func(*Client) error) error {
	if err := s.wait(ctx, s.sem); err != nil {
		return err
	}
	if err := s.wait(ctx, s.contexts); err != nil {
		<-s.sem
		return err
	}
	_, err := runBounded(ctx, func() (struct{}, error) {
		defer func() { <-s.sem }()
		return struct{}{}, s.session(fn)
	})
	return err
}

func (s *Service) session(fn func(*Client) error) error {
	c, release, err := s.establish()
	if err != nil {
		return err
	}
	defer release()
	reader := s.reader
	if reader == "" {
		st, err := c.Status()
		if err != nil {
			return err
		}
		for _, r := range st {
			if r.CardPresent {
				reader = r.Name
				break
			}
		}
		if reader == "" {
			return ErrNoCard
		}
	}
	card, err := c.Connect(reader)
	if err != nil {
		return err
	}
	defer card.Disconnect(true)
	if err := card.BeginTransaction(); err != nil {
		return err
	}
	defer card.EndTransaction(false)
	cl := NewClient(card)
	if err := cl.SelectApp(); err != nil {
		return err
	}
	return fn(cl)
}

// Watch reports reader and card changes until ctx ends (on one context
// of its own, besides the MaxContexts), riding out a
// pcscd that is down or restarting (it retries every second).
func (s *Service) Watch(ctx context.Context, fn func(Event)) {
	for ctx.Err() == nil {
		if c, err := Establish(); err == nil {
			c.Watch(ctx, func(e Event) {
				if s.reader == "" || e.Reader == s.reader {
					fn(e)
				}
			})
			c.Release()
		}
		if ctx.Err() != nil {
			return
		}
		t := time.NewTimer(time.Second)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// runBounded runs f in a goroutine and returns its result, or the ctx
// error when ctx ends first (f's result is then dropped).
func runBounded[T any](ctx context.Context, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctxErr(ctx)
	}
}

// IsCardGone reports whether err means there is no card (or reader) to
// talk to.
func IsCardGone(err error) bool {
	return errors.Is(err, ErrNoCard) || errors.Is(err, ErrNoReader)
}
