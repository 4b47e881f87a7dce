package softcard

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"eportid/cardbridge/cardapp"
)

// DefaultVPCDAddr is where vpcd (vsmartcard's pcscd driver) listens for the
// first virtual card slot ("Virtual PCD 00 00"); the second slot is 35964.
const DefaultVPCDAddr = "127.0.0.1:35963"

// vpcd control messages: a payload of exactly one byte.
const (
	vpcdPowerOff = 0x00
	vpcdPowerOn  = 0x01
	vpcdReset    = 0x02
	vpcdGetATR   = 0x04
)

// link is the card's connection to vpcd: "inserted" is what the test or the
// user wants; conn is the live connection, if any.
type link struct {
	mu       sync.Mutex
	inserted bool
	conn     net.Conn
	wake     chan struct{} // poked on Insert/Remove
}

func (l *link) init() {
	l.inserted = true
	l.wake = make(chan struct{}, 1)
}

func (l *link) poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// Remove pulls the card out of the reader: the connection to vpcd is
// closed and Run does not reconnect until Insert.
func (c *Card) Remove() {
	l := &c.link
	l.mu.Lock()
	l.inserted = false
	if l.conn != nil {
		l.conn.Close()
	}
	l.mu.Unlock()
	l.poke()
}

// Insert puts the card back; Run reconnects to vpcd.
func (c *Card) Insert() {
	l := &c.link
	l.mu.Lock()
	l.inserted = true
	l.mu.Unlock()
	l.poke()
}

// Connected reports whether the card holds a connection to vpcd now.
// (Whether pcscd has noticed yet is for PC/SC to say.)
func (c *Card) Connected() bool {
	l := &c.link
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.conn != nil
}

// Run connects the card to vpcd at addr and answers its requests until ctx
// ends, reconnecting whenever the connection drops (vpcd restarted) and
// staying out while the card is removed. It returns ctx.Err().
func (c *Card) Run(ctx context.Context, addr string) error {
	l := &c.link
	backoff := 100 * time.Millisecond
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		l.mu.Lock()
		inserted := l.inserted
		l.mu.Unlock()
		if !inserted {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-l.wake:
			}
			continue
		}
		d := net.Dialer{Timeout: 2 * time.Second}
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			c.logf("softcard: connect %s: %v (retrying)", addr, err)
			if !sleepCtx(ctx, backoff, l.wake) {
				return ctx.Err()
			}
			backoff = min(2*backoff, 2*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
		l.mu.Lock()
		if !l.inserted { // removed while dialling
			l.mu.Unlock()
			conn.Close()
			continue
		}
		l.conn = conn
		l.mu.Unlock()
		c.Reset()
		c.logf("softcard: inserted into vpcd at %s", addr)

		err = c.serve(ctx, conn)

		l.mu.Lock()
		l.conn = nil
		removed := !l.inserted
		l.mu.Unlock()
		conn.Close()
		c.Reset()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if removed {
			c.logf("softcard: removed")
		} else {
			c.logf("softcard: connection to vpcd lost: %v (reconnecting)", err)
			// Give vpcd time to notice the old connection is gone.
			if !sleepCtx(ctx, 200*time.Millisecond, nil) {
				return ctx.Err()
			}
		}
	}
}

// sleepCtx waits d, or less when wake is poked; false if ctx ended.
func sleepCtx(ctx context.Context, d time.Duration, wake <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	case <-wake:
	}
	return true
}

// serve runs the vpcd protocol on one connection: every message is a
// 2-byte big-endian length and a payload; a 1-byte payload is a control
// message (power off / on / reset: no answer; get ATR: the ATR), anything
// longer a command APDU answered by a response APDU.
func (c *Card) serve(ctx context.Context, conn net.Conn) error {
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	var hdr [2]byte
	buf := make([]byte, 0, 512)
	for {
		if _, err := io.ReadFull(conn, hdr[:]); err != nil {
			return err
		}
		quickAck(conn)
		n := int(binary.BigEndian.Uint16(hdr[:]))
		if cap(buf) < n {
			buf = make([]byte, n)
		}
		msg := buf[:n]
		if _, err := io.ReadFull(conn, msg); err != nil {
			return err
		}
		var out []byte
		switch {
		case n == 0:
			continue
		case n == 1:
			switch msg[0] {
			case vpcdPowerOff, vpcdPowerOn, vpcdReset:
				c.Reset()
				continue
			case vpcdGetATR:
				out = cardapp.ATR
			default:
				return fmt.Errorf("softcard: unknown vpcd control byte %02x", msg[0])
			}
		default:
			out = c.Process(msg)
		}
		cardapp.Wipe(msg) // may have held a PIN
		if err := writeMsg(conn, out); err != nil {
			return err
		}
	}
}

func writeMsg(w io.Writer, payload []byte) error {
	if len(payload) > 0xFFFF {
		return errors.New("softcard: message too long for vpcd")
	}
	b := make([]byte, 2+len(payload))
	binary.BigEndian.PutUint16(b, uint16(len(payload)))
	copy(b[2:], payload)
	_, err := w.Write(b)
	return err
}
