// Package pcsc is eportid's only door to PC/SC (github.com/ebfe/scard:
// pcsc-lite through cgo on Linux and macOS, winscard.dll without cgo on
// Windows). It lists readers, waits for cards to come and go, connects,
// transmits APDUs (following 61xx and 6Cxx), and offers Client, a typed
// client of the eportid card application (cardbridge/CARDAPP.md), and
// Service, exclusive bounded card sessions for the bridge.
package pcsc

import (
	"context"
	"errors"
	"time"

	"github.com/ebfe/scard"
)

// mapErr turns a PC/SC error into one that wraps this package's sentinels.
func mapErr(err error) error {
	var se scard.Error
	if err == nil || !errors.As(err, &se) {
		return err
	}
	var kind error
	switch se {
	case scard.ErrNoService, scard.ErrServiceStopped, scard.ErrInvalidHandle, scard.ErrShutdown:
		kind = ErrNoService
	case scard.ErrNoReadersAvailable, scard.ErrUnknownReader, scard.ErrReaderUnavailable:
		kind = ErrNoReader
	case scard.ErrNoSmartcard, scard.ErrRemovedCard, scard.ErrUnpoweredCard,
		scard.ErrUnresponsiveCard, scard.ErrResetCard:
		kind = ErrNoCard
	case scard.ErrCancelled, scard.ErrCancelledByUser, scard.ErrSystemCancelled:
		kind = ErrCancelled
	case scard.ErrTimeout:
		kind = ErrTimeout
	case scard.ErrSharingViolation:
		kind = ErrBusy
	default:
		return err
	}
	return &wrapped{kind: kind, err: err}
}

// Context is a PC/SC context. A Context must not be used by two
// goroutines at once.
type Context struct {
	c *scard.Context
}

// Establish opens a PC/SC context.
func Establish() (*Context, error) {
	c, err := scard.EstablishContext()
	if err != nil {
		return nil, mapErr(err)
	}
	return &Context{c: c}, nil
}

// Release closes the context.
func (c *Context) Release() error { return mapErr(c.c.Release()) }

// Readers lists the readers; none is ErrNoReader.
func (c *Context) Readers() ([]string, error) {
	rs, err := c.c.ListReaders()
	if err != nil {
		return nil, mapErr(err)
	}
	if len(rs) == 0 {
		return nil, ErrNoReader
	}
	return rs, nil
}

// ReaderStatus is the state of one reader.
type ReaderStatus struct {
	Name        string
	CardPresent bool
	// Mute: a card is in the reader but did not answer the reset.
	Mute  bool
	ATR   []byte
	state scard.StateFlag
}

// Flags returns the raw PC/SC reader state (SCARD_STATE_*), for
// diagnostics.
func (r ReaderStatus) Flags() uint32 { return uint32(r.state) }

func present(f scard.StateFlag) bool {
	return f&scard.StatePresent != 0 && f&scard.StateMute == 0
}

// Status returns the state of the given readers, or of all readers when
// none is given.
func (c *Context) Status(readers ...string) ([]ReaderStatus, error) {
	if len(readers) == 0 {
		var err error
		if readers, err = c.Readers(); err != nil {
			return nil, err
		}
	}
	rs := make([]scard.ReaderState, len(readers))
	for i, r := range readers {
		rs[i] = scard.ReaderState{Reader: r, CurrentState: scard.StateUnaware}
	}
	if err := c.c.GetStatusChange(rs, 0); err != nil {
		return nil, mapErr(err)
	}
	out := make([]ReaderStatus, len(rs))
	for i, r := range rs {
		st := r.EventState &^ scard.StateChanged
		out[i] = ReaderStatus{Name: r.Reader, CardPresent: present(st), Mute: st&scard.StateMute != 0, state: st}
		if out[i].CardPresent {
			out[i].ATR = r.Atr
		}
	}
	return out, nil
}

// pollSlice bounds every blocking PC/SC wait so a cancelled ctx is noticed
// quickly without SCardCancel.
const pollSlice = 250 * time.Millisecond

// WaitCard blocks until a card is present in reader (present = true) or
// absent (false), or ctx ends (ErrTimeout / ErrCancelled).
func (c *Context) WaitCard(ctx context.Context, reader string, wantPresent bool) error {
	for {
		st, err := c.Status(reader)
		if err != nil {
			return err
		}
		if st[0].CardPresent == wantPresent {
			return nil
		}
		rs := []scard.ReaderState{{Reader: reader, CurrentState: st[0].state}}
		if err := ctxErr(ctx); err != nil {
			return err
		}
		err = c.c.GetStatusChange(rs, sliceFor(ctx))
		if err != nil && !errors.Is(err, scard.ErrTimeout) {
			return mapErr(err)
		}
	}
}

func sliceFor(ctx context.Context) time.Duration {
	d := pollSlice
	if dl, ok := ctx.Deadline(); ok {
		if r := time.Until(dl); r < d {
			d = max(r, time.Millisecond)
		}
	}
	return d
}

// ctxErr maps an ended ctx to ErrTimeout or ErrCancelled.
func ctxErr(ctx context.Context) error {
	switch ctx.Err() {
	case nil:
		return nil
	case context.DeadlineExceeded:
		return &wrapped{kind: ErrTimeout, err: ctx.Err()}
	}
	return &wrapped{kind: ErrCancelled, err: ctx.Err()}
}

// EventKind says what happened in a reader.
type EventKind int

// Event kinds.
const (
	CardInserted EventKind = iota + 1
	CardRemoved
	ReaderAdded
	ReaderRemoved
)

func (k EventKind) String() string {
	switch k {
	case CardInserted:
		return "card_inserted"
	case CardRemoved:
		return "card_removed"
	case ReaderAdded:
		return "reader_added"
	case ReaderRemoved:
		return "reader_removed"
	}
	return "unknown"
}

// Event is a change seen by Watch.
type Event struct {
	Kind   EventKind
	Reader string
}

// Watch calls fn for every reader and card change until ctx ends (it then
// returns nil) or PC/SC fails (e.g. ErrNoService: the caller may wait and
// watch again with a new Context). The state found at the start is the
// baseline and produces no events; use Status for it. A card pulled and
// put back between two polls is reported as removed then inserted, by the
// event counter PC/SC keeps in the high 16 bits of the reader state.
func (c *Context) Watch(ctx context.Context, fn func(Event)) error {
	known := map[string]scard.StateFlag{}
	first := true
	for ctx.Err() == nil {
		readers, err := c.c.ListReaders()
		if errors.Is(err, scard.ErrNoReadersAvailable) {
			readers, err = nil, nil
		}
		if err != nil {
			return mapErr(err)
		}
		seen := map[string]bool{}
		for _, r := range readers {
			seen[r] = true
		}
		for r, st := range known {
			if !seen[r] {
				if present(st) {
					fn(Event{Kind: CardRemoved, Reader: r})
				}
				fn(Event{Kind: ReaderRemoved, Reader: r})
				delete(known, r)
			}
		}
		if len(readers) == 0 {
			first = false
			t := time.NewTimer(pollSlice)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil
			case <-t.C:
			}
			continue
		}
		rs := make([]scard.ReaderState, len(readers))
		for i, r := range readers {
			cur, ok := known[r]
			if !ok {
				cur = scard.StateUnaware
			}
			rs[i] = scard.ReaderState{Reader: r, CurrentState: cur}
		}
		err = c.c.GetStatusChange(rs, sliceFor(ctx))
		switch {
		case err == nil:
		case errors.Is(err, scard.ErrTimeout):
			continue
		case errors.Is(err, scard.ErrUnknownReader), errors.Is(err, scard.ErrReaderUnavailable):
			continue // a reader went away mid-call: list again
		default:
			return mapErr(err)
		}
		for _, r := range rs {
			now := r.EventState &^ scard.StateChanged
			old, wasKnown := known[r.Reader]
			known[r.Reader] = now
			if first {
				continue
			}
			if !wasKnown {
				fn(Event{Kind: ReaderAdded, Reader: r.Reader})
				if present(now) {
					fn(Event{Kind: CardInserted, Reader: r.Reader})
				}
				continue
			}
			switch was, is := present(old), present(now); {
			case was && !is:
				fn(Event{Kind: CardRemoved, Reader: r.Reader})
			case !was && is:
				fn(Event{Kind: CardInserted, Reader: r.Reader})
			case was && is && old>>16 != now>>16:
				fn(Event{Kind: CardRemoved, Reader: r.Reader})
				fn(Event{Kind: CardInserted, Reader: r.Reader})
			}
		}
		first = false
	}
	return nil
}

// Card is a connection to the card in one reader.
type Card struct {
	h      *scard.Card
	Reader string
}

// Connect connects to the card in reader, shared, T=0 or T=1.
func (c *Context) Connect(reader string) (*Card, error) {
	h, err := c.c.Connect(reader, scard.ShareShared, scard.ProtocolAny)
	if err != nil {
		return nil, mapErr(err)
	}
	return &Card{h: h, Reader: reader}, nil
}

// Transmit sends one command APDU and returns the response APDU as the
// reader gave it (no 61xx/6Cxx handling: see Exchange).
func (k *Card) Transmit(apdu []byte) ([]byte, error) {
	r, err := k.h.Transmit(apdu)
	if err != nil {
		return nil, mapErr(err)
	}
	return r, nil
}

// BeginTransaction locks the card against other PC/SC programs.
func (k *Card) BeginTransaction() error { return mapErr(k.h.BeginTransaction()) }

// EndTransaction unlocks it; reset also resets the card, which clears its
// security state (PIN verified).
func (k *Card) EndTransaction(reset bool) error {
	return mapErr(k.h.EndTransaction(disposition(reset)))
}

// Disconnect closes the connection; reset also resets the card.
func (k *Card) Disconnect(reset bool) error {
	return mapErr(k.h.Disconnect(disposition(reset)))
}

func disposition(reset bool) scard.Disposition {
	if reset {
		return scard.ResetCard
	}
	return scard.LeaveCard
}
