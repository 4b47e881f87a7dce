package pcsc

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/ebfe/scard"
)

// Limits of a Service. pcscd serves a bounded number of contexts to all
// programs on the machine together ("Too many context running: 200"), so
// a Service never holds more than MaxContexts at once for Status, whatever
// its callers do, besides the one of its card connection (and the one of
// Watch). Calls beyond them wait, at most MaxWaiting of them; further
// calls fail at once with ErrOverloaded.
const (
	MaxContexts = 4
	MaxWaiting  = 32
)

// Linger is how long a Service keeps its PC/SC transaction after a
// session, for a next one to start at once: while it holds the
// transaction no other program can have touched the card, so that session
// needs neither a new transaction nor a SELECT. Other programs wait at
// most this long for the card.
const Linger = 25 * time.Millisecond

// Service hands out exclusive card sessions, one at a time, on one PC/SC
// connection it keeps while the card stays in the reader. A session runs
// inside a PC/SC transaction (no other program's command comes between
// its commands), the application selected, and ends with nothing of its
// own left on the card: SIGN uses the PIN verification up (CARDAPP.md),
// and a session that may have left anything else (a PIN verified by
// VERIFY or CHANGE PIN, a challenge, a replacement being written, or any
// error) is ended with a SELECT, which clears the card's session state.
// So no session, of whatever caller, finds a PIN that another verified,
// and neither does another program. The connection is dropped when the
// card is removed (Watch) or a command fails on it, and made anew (on a
// fresh context, so a restarted pcscd is picked up) by the next session;
// a session that finds it dead before anything reached the card (the
// card reset by another program, pulled and put back, pcscd restarted)
// makes it anew and goes on, once. The card info and certificate are read
// once per connection; the Client's own writes drop them. The zero value
// is not usable; use NewService.
type Service struct {
	// Reader pins one reader by exact name; "" takes the first reader
	// holding a card.
	reader   string
	sem      chan struct{} // one session at a time; its holder owns conn, cache, gen
	contexts chan struct{} // a slot per PC/SC context held for Status
	waiting  atomic.Int32  // calls waiting for sem or contexts
	peak     atomic.Int32  // most contexts ever held at once (tests)

	conn  *heldConn
	cache cardCache
	// gen counts sessions; a lingering transaction ends only if no
	// session came since.
	gen uint64
	// stale: the card of conn was removed (Watch), or Release was
	// called: conn is dropped as soon as no session has it.
	stale atomic.Bool
	// opened counts the connections made (tests).
	opened atomic.Int32
}

// heldConn is the kept connection to the card.
type heldConn struct {
	ctx  *Context
	card *Card
	inTx bool // the PC/SC transaction is held (a session runs, or lingers)
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
// card is given to the next session only when fn has ended.
func (s *Service) Session(ctx context.Context, fn func(*Client) error) error {
	if err := s.wait(ctx, s.sem); err != nil {
		return err
	}
	_, err := runBounded(ctx, func() (struct{}, error) {
		defer func() { <-s.sem }()
		return struct{}{}, s.session(fn)
	})
	return err
}

func (s *Service) session(fn func(*Client) error) error {
	s.gen++
	if s.stale.Swap(false) {
		s.drop(false)
	}
	lingering := s.conn != nil && s.conn.inTx
	if !lingering {
		if err := s.prepare(); err != nil {
			return err
		}
	}
	t := &sessionCard{s: s, retry: lingering}
	cl := &Client{t: t, cache: &s.cache}
	t.cl = cl
	err := fn(cl)
	s.finish(cl, err)
	return err
}

// prepare makes the kept connection ready for a session: connected,
// inside a PC/SC transaction, the application selected (outside the
// transaction another program may have selected something else). A
// connection that fails on the way (card removed or reset, pcscd
// restarted) is made anew once.
func (s *Service) prepare() error {
	var err error
	for range 2 {
		if s.conn == nil {
			if err = s.open(); err != nil {
				return err
			}
		}
		if err = s.begin(); err == nil {
			return nil
		}
		s.drop(!IsCardGone(err))
		if !reconnectable(err) {
			return err
		}
	}
	return err
}

// open connects to the card on a new context.
func (s *Service) open() error {
	c, err := Establish()
	if err != nil {
		return err
	}
	reader := s.reader
	if reader == "" {
		st, err := c.Status()
		if err != nil {
			c.Release()
			return err
		}
		for _, r := range st {
			if r.CardPresent {
				reader = r.Name
				break
			}
		}
		if reader == "" {
			c.Release()
			return ErrNoCard
		}
	}
	card, err := c.Connect(reader)
	if err != nil {
		c.Release()
		return err
	}
	s.opened.Add(1)
	s.conn = &heldConn{ctx: c, card: card}
	s.cache = cardCache{}
	return nil
}

// begin takes the PC/SC transaction and selects the application.
func (s *Service) begin() error {
	if err := s.conn.card.BeginTransaction(); err != nil {
		return err
	}
	s.conn.inTx = true
	return NewClient(s.conn.card).SelectApp()
}

// finish ends a session: a connection that failed is dropped; state the
// session may have left on the card is cleared with a SELECT; the
// transaction lingers for the next session.
func (s *Service) finish(cl *Client, err error) {
	if s.conn == nil {
		return
	}
	if err != nil && (IsCardGone(err) || errors.Is(err, ErrNoService) || isTransport(err)) {
		s.drop(!IsCardGone(err))
		return
	}
	if err != nil || cl.leftState() {
		if e := NewClient(s.conn.card).SelectApp(); e != nil {
			s.drop(!IsCardGone(e))
			return
		}
	}
	if s.stale.Swap(false) {
		s.drop(false)
		return
	}
	if Linger <= 0 {
		s.endTx()
		return
	}
	gen := s.gen
	time.AfterFunc(Linger, func() { s.endLinger(gen) })
}

// endLinger ends the transaction a session left lingering, unless another
// session has come since (it then lingers in its turn).
func (s *Service) endLinger(gen uint64) {
	select {
	case s.sem <- struct{}{}:
	default:
		return // a session has the card
	}
	defer func() { <-s.sem }()
	if s.gen == gen {
		s.endTx()
	}
	if s.stale.Swap(false) { // Release or a removal came while this held sem
		s.drop(false)
	}
}

func (s *Service) endTx() {
	if s.conn == nil || !s.conn.inTx {
		return
	}
	s.conn.inTx = false
	if err := s.conn.card.EndTransaction(false); err != nil {
		s.drop(!IsCardGone(err))
	}
}

// drop closes the kept connection (resetting the card, which clears its
// session state, when reset and the card is still there).
func (s *Service) drop(reset bool) {
	if s.conn == nil {
		return
	}
	if s.conn.inTx {
		s.conn.card.EndTransaction(false)
	}
	s.conn.card.Disconnect(reset)
	s.conn.ctx.Release()
	s.conn = nil
	s.cache = cardCache{}
}

// Release drops the kept card connection now, or when the session that
// has it ends; a later session connects again. The bridge calls it when it
// stops.
func (s *Service) Release() { s.cardGone() }

// cardGone drops the kept connection (its card went away): now if no
// session has it, else when that session ends.
func (s *Service) cardGone() {
	s.stale.Store(true)
	select {
	case s.sem <- struct{}{}:
	default:
		return
	}
	defer func() { <-s.sem }()
	if s.stale.Swap(false) {
		s.drop(false)
	}
}

// sessionCard is the Transmitter of a session's Client. A session on a
// lingering transaction starts without a check; if its first command
// finds the connection dead (the card was pulled, pcscd restarted) before
// the session used anything cached, the connection is made anew and the
// command sent on it, once.
type sessionCard struct {
	s     *Service
	cl    *Client
	retry bool
}

func (t *sessionCard) Transmit(apdu []byte) ([]byte, error) {
	s := t.s
	if s.conn == nil {
		return nil, ErrNoCard
	}
	r, err := s.conn.card.Transmit(apdu)
	if err != nil && t.retry && !t.cl.usedCache && reconnectable(err) {
		s.drop(false)
		if err := s.prepare(); err != nil {
			return nil, err
		}
		r, err = s.conn.card.Transmit(apdu)
	}
	t.retry = false
	if err != nil {
		err = &transportError{err}
	}
	return r, err
}

// transportError is a command that did not reach the card or whose answer
// did not come back: the connection is not to be trusted further.
type transportError struct{ err error }

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

func isTransport(err error) bool {
	var te *transportError
	return errors.As(err, &te)
}

// reconnectable: errors after which a new connection may work.
func reconnectable(err error) bool {
	var se scard.Error
	if errors.As(err, &se) {
		switch se {
		case scard.ErrResetCard, scard.ErrRemovedCard, scard.ErrInvalidHandle,
			scard.ErrNoService, scard.ErrServiceStopped, scard.ErrReaderUnavailable, scard.ErrUnknownReader:
			return true
		}
	}
	return false
}

// Watch reports reader and card changes until ctx ends (on one context
// of its own, besides the MaxContexts), riding out a
// pcscd that is down or restarting (it retries every second).
func (s *Service) Watch(ctx context.Context, fn func(Event)) {
	for ctx.Err() == nil {
		if c, err := Establish(); err == nil {
			c.Watch(ctx, func(e Event) {
				if s.reader == "" || e.Reader == s.reader {
					if e.Kind == CardRemoved || e.Kind == ReaderRemoved {
						s.cardGone()
					}
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
