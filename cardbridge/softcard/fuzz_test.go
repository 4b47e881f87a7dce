package softcard_test

import (
	"testing"

	"eportid/cardbridge/cardapp"
	"eportid/cardbridge/softcard"
	"eportid/cardbridge/testenv"
)

// FuzzProcess sends the soft card arbitrary command APDUs, a script of
// length-prefixed chunks after a SELECT (one byte of length, then the
// APDU). Properties: no panic; every answer ends in a status word of
// CARDAPP.md's table; a refusal carries no data; a command spends at
// most one PIN try.
func FuzzProcess(f *testing.F) {
	card, err := softcard.New("", softcard.Options{Info: testenv.TestInfo, PIN: []byte(testenv.TestPIN)})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range [][]byte{
		{0x80, 0xCA, 0x00, 0x70, 0x00},
		{0x80, 0xB0, 0x00, 0x00, 0x00},
		{0x00, 0x20, 0x00, 0x81, 0x06, '1', '2', '3', '4', '5', '6'},
		{0x00, 0x20, 0x00, 0x81, 0x06, '0', '0', '0', '0', '0', '0'},
		{0x00, 0x20, 0x00, 0x81},
		{0x00, 0x84, 0x00, 0x00, 0x10},
		{0x00, 0x2A, 0x9E, 0x9A, 0x20},
		{0x00, 0xC0, 0x00, 0x00, 0x10},
		{0x00, 0x24, 0x00, 0x81, 0x02, 0x01, '1'},
		{0x00, 0x2C, 0x01, 0x81, 0x00, 0x00, 0x20},
		{0x00, 0xA4, 0x04, 0x00, 0x00},
		{0xFF},
	} {
		f.Add(append([]byte{byte(len(s))}, s...))
	}
	f.Add([]byte{5, 0x80, 0xB0, 0x7F, 0xFF, 0x00, 4, 0x00, 0xC0, 0x00, 0x00})
	sel := []byte{0x00, 0xA4, 0x04, 0x0C, byte(len(cardapp.AID))}
	sel = append(sel, cardapp.AID...)

	f.Fuzz(func(t *testing.T, in []byte) {
		card.Reset()
		if r := card.Process(sel); cardapp.SWText(sw(r)) != "ok" {
			t.Fatalf("select: % x", r)
		}
		for len(in) > 0 {
			n := min(int(in[0]), len(in)-1)
			apdu := append([]byte(nil), in[1:1+n]...)
			in = in[1+n:]
			before := card.TriesLeft()
			r := card.Process(apdu)
			if len(r) < 2 {
				t.Fatalf("% x: answer % x without a status word", apdu, r)
			}
			s := sw(r)
			if cardapp.SWText(s) == "unknown status" && s != 0x6A88 && s != 0x6F00 && s != 0x6581 && s != 0x6B00 {
				t.Fatalf("% x: status word %04X not in the table", apdu, s)
			}
			refusal := s != cardapp.SWOK && s&0xFF00 != 0x6100 && s != cardapp.SWWarnEOF
			if refusal && len(r) > 2 {
				t.Fatalf("% x: refusal %04X with data", apdu, s)
			}
			if after := card.TriesLeft(); after < before-1 {
				t.Fatalf("% x: tries %d -> %d", apdu, before, after)
			}
		}
	})
}

func sw(r []byte) uint16 { return uint16(r[len(r)-2])<<8 | uint16(r[len(r)-1]) }
