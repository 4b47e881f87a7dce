package bridge

import (
	"context"
	"errors"
	"time"

	"eportid/cardbridge/cardapp"
	"eportid/cardbridge/pcsc"
	"eportid/cardbridge/protocol"
)

// unblock (解锁), in two steps on one card session, since the card keeps
// its challenge only for the session:
//
//  1. unblock without params: GET CHALLENGE and the card number; the
//     session stays open (the card held, other requests wait) for
//     UnblockHold, for step 2 of the same connection.
//  2. unblock {cryptogram, new_pin}: UNBLOCK with the cryptogram the
//     server made over that challenge, card number and new PIN. The card
//     checks it (a cryptogram of another card, challenge or PIN is
//     refused: bad_request "cryptogram refused"); the session then ends
//     with the card reset, and the challenge is gone either way.
//
// A new step 1, the connection closing or UnblockHold passing ends a held
// session unused.

// UnblockHold is how long unblock's first step holds the card for the
// second.
const UnblockHold = 2 * time.Minute

var (
	errNoUnblock     = errors.New("bridge: no unblock pending on this connection: call unblock without params first")
	errUnblockRefuse = errors.New("bridge: the card refused the unblock cryptogram")
)

// pendingUnblock is a held card session waiting for step 2.
type pendingUnblock struct {
	card string
	in   chan *pinBoxCryptogram // step 2's params; closed to give up
	out  chan error
	done chan struct{} // closed when the held session ended
}

type pinBoxCryptogram struct {
	cryptogram []byte
	pin        *pinBox
}

func handleUnblock(ctx context.Context, c *client, req *protocol.Request) (any, error) {
	if req.Unblock == nil {
		return c.unblockChallenge(ctx)
	}
	p := c.unblock
	c.unblock = nil
	if p == nil {
		return nil, errNoUnblock
	}
	box := newPINBox(req.Unblock.NewPIN)
	defer box.drop()
	step := &pinBoxCryptogram{cryptogram: append([]byte(nil), req.Unblock.Cryptogram...), pin: box}
	select {
	case p.in <- step:
	case <-p.done:
		return nil, errNoUnblock
	case <-ctx.Done():
		close(p.in)
		return nil, ctx.Err()
	}
	select {
	case err := <-p.out:
		if err != nil {
			return nil, err
		}
		return protocol.UnblockResult{CardNumber: p.card}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// unblockChallenge is step 1: it starts the held session and waits for
// the challenge.
func (c *client) unblockChallenge(ctx context.Context) (any, error) {
	if old := c.unblock; old != nil {
		close(old.in)
		c.unblock = nil
	}
	type first struct {
		challenge []byte
		card      string
		err       error
	}
	ready := make(chan first, 1)
	p := &pendingUnblock{in: make(chan *pinBoxCryptogram), out: make(chan error, 1), done: make(chan struct{})}
	conn := c.ctx
	if conn == nil {
		conn = context.Background()
	}
	held, cancel := context.WithTimeout(context.WithoutCancel(ctx), UnblockHold+c.s.opTimeout)
	go func() {
		defer close(p.done)
		defer cancel()
		started := false
		err := c.s.cards.Session(held, func(cl *pcsc.Client) error {
			started = true
			info, err := cl.ReadInfo()
			if err != nil {
				ready <- first{err: err}
				return err
			}
			ch, err := cl.GetChallenge()
			if err != nil {
				ready <- first{err: err}
				return err
			}
			ready <- first{challenge: ch, card: info.CardNumber}
			t := time.NewTimer(UnblockHold)
			defer t.Stop()
			var step *pinBoxCryptogram
			select {
			case step = <-p.in:
			case <-t.C:
			case <-conn.Done():
			}
			if step == nil {
				return nil
			}
			pin, ok := step.pin.take()
			if !ok {
				p.out <- errAbandoned
				return nil
			}
			defer cardapp.Wipe(pin)
			err = cl.Unblock(step.cryptogram, pin)
			if errors.Is(err, pcsc.ErrBadCryptogram) {
				err = errUnblockRefuse
			}
			p.out <- err
			return nil
		})
		if !started {
			ready <- first{err: err}
		}
	}()
	select {
	case f := <-ready:
		if f.err != nil {
			return nil, f.err
		}
		p.card = f.card
		c.unblock = p
		return protocol.UnblockChallengeResult{Challenge: f.challenge, CardNumber: f.card}, nil
	case <-ctx.Done():
		// The session may still start: it then waits UnblockHold unused.
		return nil, ctx.Err()
	}
}
