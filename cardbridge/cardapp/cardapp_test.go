package cardapp

import (
	"bytes"
	"testing"
)

func TestCommandRoundTrip(t *testing.T) {
	long := bytes.Repeat([]byte{7}, 300)
	for _, c := range []Command{
		{CLA: 0, INS: 0xA4, P1: 4},
		{CLA: 0, INS: 0x84, Ne: 16},
		{CLA: 0, INS: 0x84, Ne: 256},
		{CLA: 0, INS: 0x20, P2: 0x81, Data: []byte("123456")},
		{CLA: 0, INS: 0x2A, P1: 0x9E, P2: 0x9A, Data: make([]byte, 32), Ne: 256},
		{CLA: 0x80, INS: 0xB0, Ne: 1000},
		{CLA: 0x80, INS: 0xB0, Ne: 65536},
		{CLA: 0x80, INS: 0xD6, Data: long},
		{CLA: 0x80, INS: 0xD6, Data: long, Ne: 65536},
	} {
		b, err := c.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseCommand(b)
		if err != nil {
			t.Fatalf("% X: %v", b, err)
		}
		if got.CLA != c.CLA || got.INS != c.INS || got.P1 != c.P1 || got.P2 != c.P2 ||
			!bytes.Equal(got.Data, c.Data) || got.Ne != c.Ne {
			t.Errorf("round trip of %+v gave %+v", c, got)
		}
	}
	for _, bad := range [][]byte{{0, 1, 2}, {0, 1, 2, 3, 5, 1}, {0, 1, 2, 3, 0, 0}, {0, 1, 2, 3, 0, 0, 2, 1}} {
		if _, err := ParseCommand(bad); err == nil {
			t.Errorf("% X parsed", bad)
		}
	}
}

func TestCardInfoTLV(t *testing.T) {
	in := CardInfo{CardNumber: "8000000000000042", HolderName: "李四", CreditCode: "91310000MA1FL0001R", Kind: KindOperator}
	b, err := in.MarshalTLV()
	if err != nil {
		t.Fatal(err)
	}
	if b[0] != 0x70 {
		t.Fatalf("outer tag %02X", b[0])
	}
	out, err := ParseCardInfo(b)
	if err != nil || out != in {
		t.Fatalf("%+v %v", out, err)
	}
	// Unknown inner tags are skipped.
	ext := appendTLV(nil, 0x70, append(b[2:], 0x85, 1, 0xAA))
	if out, err := ParseCardInfo(ext); err != nil || out != in {
		t.Fatalf("with an extra tag: %+v %v", out, err)
	}
	if _, err := ParseCardInfo(b[:len(b)-1]); err == nil {
		t.Fatal("truncated TLV parsed")
	}
}

func TestATR(t *testing.T) {
	var x byte
	for _, b := range ATR[1:] {
		x ^= b
	}
	if ATR[0] != 0x3B || x != 0 {
		t.Fatalf("ATR % X: TS or TCK wrong", ATR)
	}
}

func TestUnblockCryptogramBindsEverything(t *testing.T) {
	key := bytes.Repeat([]byte{1}, 16)
	ch := bytes.Repeat([]byte{2}, 16)
	base, err := UnblockCryptogram(key, "1", ch, []byte("123456"))
	if err != nil || len(base) != CryptogramSize {
		t.Fatal(err)
	}
	for _, other := range [][]byte{
		must(UnblockCryptogram(key, "2", ch, []byte("123456"))),
		must(UnblockCryptogram(key, "1", bytes.Repeat([]byte{3}, 16), []byte("123456"))),
		must(UnblockCryptogram(key, "1", ch, []byte("654321"))),
		must(UnblockCryptogram(bytes.Repeat([]byte{9}, 16), "1", ch, []byte("123456"))),
	} {
		if bytes.Equal(other, base) {
			t.Fatal("cryptogram does not depend on all inputs")
		}
	}
	if _, err := UnblockCryptogram(key[:8], "1", ch, nil); err == nil {
		t.Fatal("short admin key accepted")
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
