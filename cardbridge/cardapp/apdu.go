// Package cardapp defines the eportid card application described in
// cardbridge/CARDAPP.md: its AID, instruction codes, status words, the card
// info TLV, the unblock cryptogram, and ISO 7816-4 APDU encoding. Both the
// soft card (the card side) and the PC/SC client (the host side) use it, so
// the two sides cannot drift apart.
package cardapp

import (
	"errors"
	"fmt"
)

// Command is an ISO 7816-4 command APDU. Ne is the number of response bytes
// expected: 0 means "no Le field"; 1..256 fit a short Le (256 is encoded as
// 00); up to 65536 needs extended length.
type Command struct {
	CLA, INS, P1, P2 byte
	Data             []byte
	Ne               int
}

// ErrMalformedAPDU is returned by ParseCommand for bytes that are no valid
// command APDU (the card answers 67 00).
var ErrMalformedAPDU = errors.New("cardapp: malformed command APDU")

// Bytes encodes c, using short length fields where Data and Ne allow it and
// extended ones otherwise.
func (c Command) Bytes() ([]byte, error) {
	nc := len(c.Data)
	if nc > 65535 || c.Ne < 0 || c.Ne > 65536 {
		return nil, fmt.Errorf("cardapp: APDU lengths out of range (Nc=%d, Ne=%d)", nc, c.Ne)
	}
	b := make([]byte, 0, 4+3+nc+3)
	b = append(b, c.CLA, c.INS, c.P1, c.P2)
	if nc <= 255 && c.Ne <= 256 {
		if nc > 0 {
			b = append(b, byte(nc))
			b = append(b, c.Data...)
		}
		if c.Ne > 0 {
			b = append(b, byte(c.Ne)) // 256 -> 00
		}
		return b, nil
	}
	// Extended length.
	b = append(b, 0)
	if nc > 0 {
		b = append(b, byte(nc>>8), byte(nc))
		b = append(b, c.Data...)
	}
	if c.Ne > 0 {
		ne := c.Ne
		if ne == 65536 {
			ne = 0
		}
		b = append(b, byte(ne>>8), byte(ne))
	}
	return b, nil
}

// ParseCommand decodes the four ISO 7816-3 cases, short and extended.
// Data aliases b.
func ParseCommand(b []byte) (Command, error) {
	if len(b) < 4 {
		return Command{}, ErrMalformedAPDU
	}
	c := Command{CLA: b[0], INS: b[1], P1: b[2], P2: b[3]}
	body := b[4:]
	switch {
	case len(body) == 0: // case 1
		return c, nil
	case len(body) == 1: // case 2 short
		c.Ne = int(body[0])
		if c.Ne == 0 {
			c.Ne = 256
		}
		return c, nil
	case body[0] != 0: // case 3 or 4 short
		nc := int(body[0])
		switch len(body) {
		case 1 + nc:
			c.Data = body[1:]
			return c, nil
		case 1 + nc + 1:
			c.Data = body[1 : 1+nc]
			c.Ne = int(body[1+nc])
			if c.Ne == 0 {
				c.Ne = 256
			}
			return c, nil
		}
		return Command{}, ErrMalformedAPDU
	}
	// Extended: body[0] == 0.
	if len(body) == 3 { // case 2 extended
		c.Ne = int(body[1])<<8 | int(body[2])
		if c.Ne == 0 {
			c.Ne = 65536
		}
		return c, nil
	}
	if len(body) < 3 {
		return Command{}, ErrMalformedAPDU
	}
	nc := int(body[1])<<8 | int(body[2])
	if nc == 0 {
		return Command{}, ErrMalformedAPDU
	}
	switch len(body) {
	case 3 + nc:
		c.Data = body[3:]
		return c, nil
	case 3 + nc + 2:
		c.Data = body[3 : 3+nc]
		c.Ne = int(body[3+nc])<<8 | int(body[4+nc])
		if c.Ne == 0 {
			c.Ne = 65536
		}
		return c, nil
	}
	return Command{}, ErrMalformedAPDU
}

// Response is a response APDU split into its data field and status word.
type Response struct {
	Data []byte
	SW   uint16
}

// ParseResponse splits a response APDU. Data aliases b.
func ParseResponse(b []byte) (Response, error) {
	if len(b) < 2 {
		return Response{}, fmt.Errorf("cardapp: response APDU of %d bytes has no status word", len(b))
	}
	n := len(b) - 2
	return Response{Data: b[:n], SW: uint16(b[n])<<8 | uint16(b[n+1])}, nil
}

// SW1 returns the first status byte.
func (r Response) SW1() byte { return byte(r.SW >> 8) }

// SW2 returns the second status byte.
func (r Response) SW2() byte { return byte(r.SW) }

// AppendSW appends a status word to data.
func AppendSW(data []byte, sw uint16) []byte {
	return append(data, byte(sw>>8), byte(sw))
}
