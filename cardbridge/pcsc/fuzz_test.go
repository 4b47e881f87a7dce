package pcsc

import (
	"bytes"
	"errors"
	"testing"

	"eportid/cardbridge/cardapp"
)

// scripted is a card that answers each command with the next response of
// a script: the fuzz input, as length-prefixed chunks (one byte of length,
// then the response APDU). It runs out with an error, like a pulled card.
type scripted struct {
	script []byte
	sent   int
}

var errScriptEnd = errors.New("script ended")

func (s *scripted) Transmit(apdu []byte) ([]byte, error) {
	s.sent++
	if len(s.script) == 0 {
		return nil, errScriptEnd
	}
	n := int(s.script[0])
	s.script = s.script[1:]
	n = min(n, len(s.script))
	r := append([]byte(nil), s.script[:n]...)
	s.script = s.script[n:]
	return r, nil
}

func script(responses ...[]byte) []byte {
	var b []byte
	for _, r := range responses {
		b = append(b, byte(len(r)))
		b = append(b, r...)
	}
	return b
}

// FuzzClientResponses feeds arbitrary response APDUs to every operation
// of Client (and so to Exchange's 61xx / 6Cxx handling, the card info TLV,
// the certificate's DER header and the signature's DER). Properties: no
// panic, a bounded number of commands, and a result only when it is well
// formed; anything else is an error.
func FuzzClientResponses(f *testing.F) {
	ok := []byte{0x90, 0x00}
	info, _ := cardapp.CardInfo{CardNumber: "8000000000000042", HolderName: "李四",
		CreditCode: "91310000MA1FL0001R", Kind: cardapp.KindLegalPerson}.MarshalTLV()
	cert := append([]byte{0x30, 0x82, 0x01, 0x00}, bytes.Repeat([]byte{1}, 0x100)...)
	sig := []byte{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02}
	f.Add(script(ok, append(info, 0x90, 0x00)))
	f.Add(script(ok, append(append([]byte{}, cert[:256]...), 0x90, 0x00), append(append([]byte{}, cert[256:]...), 0x90, 0x00)))
	f.Add(script(ok, append(sig, 0x90, 0x00)))
	f.Add(script(ok, []byte{0x61, 0x04}, []byte{0x30, 0x02, 0x90, 0x00}))
	f.Add(script(ok, []byte{0x6C, 0x10}, append(bytes.Repeat([]byte{7}, 16), 0x90, 0x00)))
	f.Add(script(ok, []byte{0x63, 0xC2}))
	f.Add(script(ok, []byte{0x69, 0x83}))
	f.Add(script([]byte{0x6A, 0x82}))
	f.Add(script(ok, []byte{0x30, 0x81}))
	f.Add(script(ok, []byte{0x61, 0x00}, []byte{0x61, 0x00}, []byte{0x61, 0x00}))
	f.Add([]byte{})
	f.Add(script(ok, []byte{0x03, 0x90, 0x00}))
	f.Add(script(ok, append(append([]byte{0x04}, bytes.Repeat([]byte{5}, 64)...), 0x90, 0x00)))
	f.Add(script(ok, []byte{0x69, 0x86}))
	f.Add(script(ok, []byte{0x6A, 0x88}))
	f.Add(script(ok, ok, ok))

	f.Fuzz(func(t *testing.T, in []byte) {
		for op := range 13 {
			card := &scripted{script: bytes.Clone(in)}
			c := NewClient(card)
			if err := c.SelectApp(); err != nil {
				continue
			}
			switch op {
			case 0:
				if i, err := c.ReadInfo(); err == nil {
					if err := i.Validate(); err != nil {
						t.Fatalf("ReadInfo gave invalid info %+v: %v", i, err)
					}
				}
			case 1:
				if crt, err := c.ReadCertificate(); err == nil {
					if n, err := derLength(crt); err != nil || n != len(crt) {
						t.Fatalf("ReadCertificate gave %d bytes, DER header %d %v", len(crt), n, err)
					}
				}
			case 2:
				c.VerifyPIN([]byte("123456"))
			case 3:
				if s, err := c.Sign(make([]byte, cardapp.DigestSize)); err == nil && len(s) == 0 {
					t.Fatal("empty signature")
				}
			case 4:
				if ch, err := c.GetChallenge(); err == nil && len(ch) != cardapp.ChallengeSize {
					t.Fatalf("challenge of %d bytes", len(ch))
				}
			case 5:
				c.PINStatus()
			case 6:
				c.IsBlank()
			case 7:
				if p, err := c.GenerateKeyPair(); err == nil && (len(p) != cardapp.PublicKeySize || p[0] != 4) {
					t.Fatalf("public key % x", p)
				}
			case 8:
				if p, err := c.PublicKey(); err == nil && (len(p) != cardapp.PublicKeySize || p[0] != 4) {
					t.Fatalf("public key % x", p)
				}
			case 9:
				c.PutCardInfo(cardapp.CardInfo{CardNumber: "1", HolderName: "x", CreditCode: "91310000MA1FL0001R", Kind: cardapp.KindOperator})
			case 10:
				c.SetAdminKey(make([]byte, 16))
			case 11:
				c.PutCertificate(cert)
			case 12:
				c.Finalize([]byte("123456"))
			}
			if card.sent > 2*maxGetResponses+300 {
				t.Fatalf("%d commands for one operation", card.sent)
			}
		}
	})
}

// FuzzParseCardInfo: the card info TLV parser never panics, and what it
// accepts is valid and encodes back to an equivalent info.
func FuzzParseCardInfo(f *testing.F) {
	info, _ := cardapp.CardInfo{CardNumber: "8000000000000042", HolderName: "李四",
		CreditCode: "91310000MA1FL0001R", Kind: cardapp.KindOperator}.MarshalTLV()
	f.Add(info)
	f.Add([]byte{0x70, 0x00})
	f.Add([]byte{0x70, 0x81, 0x05, 0x80, 0x01, 'x', 0x99, 0x00})
	f.Add([]byte{0x70, 0x81})
	f.Fuzz(func(t *testing.T, b []byte) {
		i, err := cardapp.ParseCardInfo(b)
		if err != nil {
			return
		}
		if err := i.Validate(); err != nil {
			t.Fatalf("accepted invalid info %+v: %v", i, err)
		}
		again, err := i.MarshalTLV()
		if err != nil {
			t.Fatal(err)
		}
		if j, err := cardapp.ParseCardInfo(again); err != nil || j != i {
			t.Fatalf("round trip %+v -> %+v %v", i, j, err)
		}
	})
}
