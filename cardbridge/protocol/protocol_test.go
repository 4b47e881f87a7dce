package protocol

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm3"
)

func TestSM3(t *testing.T) {
	// GB/T 32905-2016, appendix A.
	for in, want := range map[string]string{
		"abc":                      "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0",
		strings.Repeat("abcd", 16): "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732",
	} {
		got := sm3Sum([]byte(in))
		if hex.EncodeToString(got[:]) != want {
			t.Errorf("SM3(%q) = %x, want %s", in, got, want)
		}
	}
	// Against gmsm, every length around the block and padding edges, and
	// split inputs.
	buf := make([]byte, 300)
	rand.Read(buf)
	for n := 0; n <= len(buf); n++ {
		want := sm3.Sum(buf[:n])
		if got := sm3Sum(buf[:n]); got != want {
			t.Fatalf("length %d: %x, want %x", n, got, want)
		}
		if got := sm3Sum(buf[:n/3], buf[n/3:n]); got != want {
			t.Fatalf("length %d split: %x, want %x", n, got, want)
		}
	}
}

func TestLoginDigest(t *testing.T) {
	nonce := bytes.Repeat([]byte{0xA5}, 32)
	d := LoginDigest("http://127.0.0.1:8080", nonce)
	ho, hn := sm3.Sum([]byte("http://127.0.0.1:8080")), sm3.Sum(nonce)
	if want := sm3.Sum(append(ho[:], hn[:]...)); d != want {
		t.Fatalf("LoginDigest is not SM3(SM3(origin)||SM3(nonce))")
	}
	if d == LoginDigest("http://localhost:8080", nonce) {
		t.Fatal("two origins, one digest")
	}
	if d == LoginDigest("http://127.0.0.1:8080", nonce[1:]) {
		t.Fatal("two nonces, one digest")
	}
	if m := SignedMessage([]byte("x")); len(m) != len(signPrefix)+1 || !bytes.HasPrefix(m, []byte("EPORTID-SIGN-V1\x00")) {
		t.Fatalf("SignedMessage %q", m)
	}
}

func decode(s string) (*Request, error) { return DecodeRequest(strings.NewReader(s)) }

func TestDecodeAccepts(t *testing.T) {
	nonce := "AAECAwQFBgcICQoLDA0ODw==" // 16 bytes
	for _, s := range []string{
		`{"id":"1","command":"status"}`,
		`{"id":"1","command":"status","params":{}}`,
		`{"id":"1","command":"read_certificate","params":null}`,
		`{"id":"a-b","command":"verify_pin","params":{"pin":"123456"}}`,
		`{"id":"2","command":"sign","params":{"pin":"1234567890123456","data":"aGVsbG8="}}`,
		`{"id":"3","command":"sign_login","params":{"nonce":"` + nonce + `","pin":"123456"}}`,
	} {
		r, err := decode(s)
		if err != nil {
			t.Errorf("%s: %v", s, err)
			continue
		}
		r.Wipe()
	}
	r, _ := decode(`{"id":"2","command":"sign","params":{"pin":"123456","data":"aGVsbG8="}}`)
	if string(r.Sign.Data) != "hello" || string(r.Sign.PIN) != "123456" {
		t.Fatalf("decoded %+v", r.Sign)
	}
	if s := fmt.Sprintf("%v %s %#v", r.Sign.PIN, r.Sign.PIN, r.Sign.PIN); strings.Contains(s, "123456") {
		t.Fatalf("PIN printed: %s", s)
	}
	r.Wipe()
	if !bytes.Equal(r.Sign.PIN, make([]byte, 6)) {
		t.Fatal("Wipe left the PIN")
	}
}

func TestDecodeRefuses(t *testing.T) {
	for _, tc := range []struct{ msg, id string }{
		{`{"id":"1","command":"status","extra":1}`, "1"},                                    // unknown field
		{`{"id":"1","command":"format_card"}`, "1"},                                         // unknown command
		{`{"id":"1","command":"verify_pin","params":{"pin":"123456","x":1}}`, "1"},          // unknown param
		{`{"id":"1","command":"verify_pin","params":{"pin":"12345"}}`, "1"},                 // short PIN
		{`{"id":"1","command":"verify_pin","params":{"pin":"12345a"}}`, "1"},                // not digits
		{`{"id":"1","command":"verify_pin","params":{"pin":"12\u00335678"}}`, "1"},          // escapes
		{`{"id":"1","command":"verify_pin","params":{"pin":123456}}`, "1"},                  // number
		{`{"id":"1","command":"verify_pin","params":{"pin":"123456","pin":"654321"}}`, "1"}, // twice
		{`{"id":"1","command":"verify_pin"}`, "1"},                                          // no params
		{`{"id":"1","command":"verify_pin","params":{}}`, "1"},                              // no pin
		{`{"id":"1","command":"status","params":{"pin":"123456"}}`, "1"},                    // params for status
		{`{"id":"1","command":"sign","params":{"pin":"123456"}}`, "1"},                      // no data
		{`{"id":"1","command":"sign_login","params":{"pin":"123456","nonce":"AAEC"}}`, "1"}, // short nonce
		{`{"id":"1","command":"status"} {"id":"2","command":"status"}`, ""},                 // trailing
		{`{"id":"1","command":"status"`, ""},                                                // truncated
		{`[1,2]`, ""},
		{`{"command":"status"}`, ""},        // no id
		{`{"id":1,"command":"status"}`, ""}, // id not a string
		{`{"id":"` + strings.Repeat("x", 65) + `","command":"status"}`, ""},
		{`{"id":"1","command":"status","params":"x"}`, "1"},
	} {
		r, err := decode(tc.msg)
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Errorf("%s: accepted (%+v) or odd error %v", tc.msg, r, err)
			continue
		}
		if de.ID != tc.id {
			t.Errorf("%s: error id %q, want %q", tc.msg, de.ID, tc.id)
		}
		if strings.Contains(de.Msg, "12345") || strings.Contains(de.Msg, "654321") {
			t.Errorf("%s: error message echoes the PIN: %s", tc.msg, de.Msg)
		}
	}
}

func TestDecodeSizeCap(t *testing.T) {
	pad := strings.Repeat("A", MaxMessageSize)
	_, err := decode(`{"id":"1","command":"sign","params":{"pin":"123456","data":"` + pad + `"}}`)
	var de *DecodeError
	if !errors.As(err, &de) || !de.TooLarge {
		t.Fatalf("oversized message: %v", err)
	}
	// Just under the cap is fine as JSON goes (data then fails its own limit).
	data := strings.Repeat("A", 4*(MaxSignData-1)/3) + "AA==" // exactly MaxSignData bytes
	if r, err := decode(`{"id":"1","command":"sign","params":{"pin":"123456","data":"` + data + `"}}`); err != nil {
		t.Fatalf("4 KiB of data refused: %v", err)
	} else {
		r.Wipe()
	}
}

func TestDecoderBuffersWiped(t *testing.T) {
	msg := []byte(`{"id":"1","command":"verify_pin","params":{"pin":"98765432"}}`)
	wr := &wipingReader{src: msg}
	var w WireRequest
	if err := func() error {
		defer wr.wipe()
		return strictDecode(wr, &w)
	}(); err != nil {
		t.Fatal(err)
	}
	if len(wr.seen) == 0 {
		t.Fatal("the decoder read nothing through wipingReader")
	}
	for _, p := range wr.seen {
		if bytes.Contains(p, []byte("98765432")) {
			t.Fatal("decoder buffer still holds the PIN")
		}
	}
}

func TestServerMessages(t *testing.T) {
	ok, _ := NewResult("1", VerifyPINResult{Verified: true})
	for _, v := range []any{ok, NewError("2", CodeWrongPIN, "wrong PIN"), Event{Event: EventCardRemoved, Reader: "r"}} {
		b, err := jsonMarshal(v)
		if err != nil {
			t.Fatal(err)
		}
		m, err := DecodeServerMessage(b)
		if err != nil || (m.Response == nil) == (m.Event == nil) {
			t.Fatalf("%s: %+v %v", b, m, err)
		}
	}
	if _, err := DecodeServerMessage([]byte(`{"id":"1","result":{},"error":{"code":"internal"}}`)); err == nil {
		t.Fatal("result and error together accepted")
	}
}
