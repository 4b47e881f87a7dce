package softcard_test

import (
	"testing"

	"eportid/cardbridge/cardapp"
	"eportid/cardbridge/softcard"
	"eportid/cardbridge/testenv"
)

// FuzzProcess sends the soft card arbitrary command APDUs, a script of
// length-prefixed chunks after a SELECT (one byte of length, then the
// APDU), to a personalised card and to a fresh blank one. Properties: no
// panic; every answer ends in a status word of CARDAPP.md's table; a
// refusal carries no data; a command spends at most one PIN try; a
// personalised card never turns blank, and a blank card gives no card
// info, certificate or signature.
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
	tlv, _ := testenv.TestInfo.MarshalTLV()
	for _, s := range [][]byte{
		{0x80, 0x46, 0x80, 0x00, 0x00},
		{0x80, 0x46, 0x81, 0x00, 0x00},
		{0x80, 0xCA, 0x00, 0x8A, 0x01},
		append([]byte{0x80, 0xDA, 0x00, 0x70, byte(len(tlv))}, tlv...),
		append([]byte{0x80, 0xDA, 0x00, 0x71, 0x10}, make([]byte, 16)...),
		{0x80, 0xD6, 0x00, 0x00, 0x04, 0x30, 0x82, 0x01, 0x00},
		{0x80, 0xD6, 0x00, 0x04, 0x02, 0x01, 0x02},
		{0x80, 0x44, 0x00, 0x81, 0x06, '1', '2', '3', '4', '5', '6'},
	} {
		f.Add(append([]byte{byte(len(s))}, s...))
	}
	sel := []byte{0x00, 0xA4, 0x04, 0x0C, byte(len(cardapp.AID))}
	sel = append(sel, cardapp.AID...)

	f.Fuzz(func(t *testing.T, in []byte) {
		blank, err := softcard.NewBlank("")
		if err != nil {
			t.Fatal(err)
		}
		run(t, card, sel, in)
		if card.Blank() {
			t.Fatal("a personalised card turned blank")
		}
		run(t, blank, sel, in)
	})
}

// run selects the application and plays the script in to card.
func run(t *testing.T, card *softcard.Card, sel, in []byte) {
	card.Reset()
	if r := card.Process(sel); cardapp.SWText(sw(r)) != "ok" {
		t.Fatalf("select: % x", r)
	}
	for len(in) > 0 {
		n := min(int(in[0]), len(in)-1)
		apdu := append([]byte(nil), in[1:1+n]...)
		in = in[1+n:]
		before, wasBlank := card.TriesLeft(), card.Blank()
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
		if wasBlank && len(apdu) >= 2 && len(r) > 2 && (apdu[1] == 0xB0 || apdu[1] == 0x2A ||
			(apdu[1] == 0xCA && len(apdu) >= 4 && apdu[3] == 0x70)) {
			t.Fatalf("% x: a blank card answered % x", apdu, r)
		}
	}
}

func sw(r []byte) uint16 { return uint16(r[len(r)-2])<<8 | uint16(r[len(r)-1]) }
