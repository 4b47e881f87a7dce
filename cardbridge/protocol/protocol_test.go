package protocol

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
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

// b64 is n bytes of value v in standard base64.
func b64(n int, v byte) string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{v}, n)) }

func TestDecodeAccepts(t *testing.T) {
	nonce, digest := b64(NonceSize, 1), b64(SignDataSize, 2)
	for _, s := range []string{
		`{"id":"1","command":"status"}`,
		`{"id":"1","command":"status","params":{}}`,
		`{"id":"1","command":"read_certificate","params":null}`,
		`{"id":"a-b","command":"verify_pin","params":{"pin":"123456"}}`,
		`{"id":"2","command":"sign","params":{"pin":"1234567890123456","data":"` + digest + `"}}`,
		`{"id":"3","command":"sign_login","params":{"nonce":"` + nonce + `","pin":"123456"}}`,
		` { "command" : "status" , "id" : "4" } `,
	} {
		r, err := decode(s)
		if err != nil {
			t.Errorf("%s: %v", s, err)
			continue
		}
		r.Wipe()
	}
	r, _ := decode(`{"id":"2","command":"sign","params":{"pin":"123456","data":"` + digest + `"}}`)
	if !bytes.Equal(r.Sign.Data, bytes.Repeat([]byte{2}, SignDataSize)) || string(r.Sign.PIN) != "123456" {
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

// TestDecodeExactKeys: field names match exactly (encoding/json alone
// matches them in any letter case) and never twice (where the last would
// win), at the top and in params.
func TestDecodeExactKeys(t *testing.T) {
	digest := b64(SignDataSize, 2)
	for _, msg := range []string{
		`{"id":"1","command":"verify_pin","params":{"PIN":"123456"}}`,
		`{"id":"1","command":"verify_pin","params":{"Pin":"123456"}}`,
		`{"id":"1","command":"verify_pin","params":{"\u0070in":"123456"}}`,
		`{"id":"1","command":"sign","params":{"pin":"123456","DATA":"` + digest + `"}}`,
		`{"id":"1","Command":"status"}`,
		`{"ID":"1","command":"status"}`,
		`{"id":"1","command":"status","PARAMS":null}`,
		`{"id":"1","command":"status","command":"verify_pin","params":{"pin":"123456"}}`,
		`{"id":"1","id":"2","command":"status"}`,
		`{"id":"1","command":"status","params":null,"params":null}`,
		`{"id":"1","command":"verify_pin","params":{"pin":"111111","pin":"123456"}}`,
		`{"id":"1","command":"sign","params":{"pin":"123456","data":"` + digest + `","data":"` + digest + `"}}`,
		`{"id":"1","command":"status","params":{"Pin":"123456"}}`,
	} {
		r, err := decode(msg)
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Errorf("%s: accepted (%+v) or odd error %v", msg, r, err)
			r.Wipe()
			continue
		}
		if strings.Contains(de.Msg, "123456") || strings.Contains(de.Msg, "111111") {
			t.Errorf("%s: error echoes the PIN: %s", msg, de.Msg)
		}
	}
}

// TestDecodeNeverEchoes: what the page typed into a command or a field
// name is not repeated in the error (it may be a PIN typed in the wrong
// place).
func TestDecodeNeverEchoes(t *testing.T) {
	for _, msg := range []string{
		`{"id":"1","command":"98765432"}`,
		`{"id":"1","command":"status","98765432":1}`,
		`{"id":"1","command":"verify_pin","params":{"98765432":"x"}}`,
		`{"id":"1","command":"status","params":{"98765432":"x"}}`,
	} {
		_, err := decode(msg)
		var de *DecodeError
		if !errors.As(err, &de) || de.ID != "1" {
			t.Errorf("%s: %v", msg, err)
			continue
		}
		if strings.Contains(de.Msg, "98765432") || strings.Contains(err.Error(), "98765432") {
			t.Errorf("%s: error echoes the input: %s", msg, de.Msg)
		}
	}
	_, err := decode(`{"id":"1","command":"98765432"}`)
	if !strings.Contains(err.Error(), "unknown command") || !strings.Contains(err.Error(), "sign_login") {
		t.Errorf("unknown command error %q does not name the known commands", err)
	}
}

// TestDecodeSignShapes: sign takes only a record digest, sign_login only a
// nonce of the server's size.
func TestDecodeSignShapes(t *testing.T) {
	for _, n := range []int{1, 16, SignDataSize - 1, SignDataSize + 1, 64, 4096} {
		msg := `{"id":"1","command":"sign","params":{"pin":"123456","data":"` + b64(n, 3) + `"}}`
		if r, err := decode(msg); err == nil || !strings.Contains(err.Error(), "digest") {
			t.Errorf("sign of %d bytes: %v", n, err)
			r.Wipe()
		}
		msg = `{"id":"1","command":"sign_login","params":{"pin":"123456","nonce":"` + b64(n, 3) + `"}}`
		if r, err := decode(msg); err == nil || !strings.Contains(err.Error(), "nonce") {
			t.Errorf("sign_login with %d bytes: %v", n, err)
			r.Wipe()
		}
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
	// Just under the cap is fine as JSON goes (the id then fails its own limit).
	msg := `{"id":"` + strings.Repeat("x", MaxMessageSize-40) + `","command":"status"}`
	if _, err := decode(msg); !errors.As(err, &de) || de.TooLarge {
		t.Fatalf("%d bytes: %v", len(msg), err)
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
