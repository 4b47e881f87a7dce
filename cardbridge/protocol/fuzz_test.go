package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// FuzzDecodeRequest: every message a page can send. Properties: no panic;
// a refusal is a *DecodeError (which the bridge answers bad_request) with
// a message; an accepted request is one of the commands with exactly its
// params in range, and its field names are exactly the protocol's.
func FuzzDecodeRequest(f *testing.F) {
	nonce, digest := b64(NonceSize, 1), b64(SignDataSize, 2)
	for _, s := range []string{
		`{"id":"1","command":"status"}`,
		`{"id":"1","command":"read_certificate","params":{}}`,
		`{"id":"2","command":"verify_pin","params":{"pin":"123456"}}`,
		`{"id":"3","command":"sign","params":{"pin":"123456","data":"` + digest + `"}}`,
		`{"id":"4","command":"sign_login","params":{"pin":"123456","nonce":"` + nonce + `"}}`,
		`{"id":"5","command":"verify_pin","params":{"PIN":"123456"}}`,
		`{"id":"6","id":"7","command":"status"}`,
		`{"id":"8","command":"123456"}`,
		`{"id":"9","command":"status","params":[{"a":{"b":[1,"\"",true,null]}}]}`,
		`{"id":"\u0031","command":"st\u0061tus"}`,
		`[]`, `{`, `"x"`, ``, `{"id":"1","command":"status"} 1`,
		`{"id":"10","command":"change_pin","params":{"old_pin":"123456","new_pin":"654321"}}`,
		`{"id":"11","command":"change_pin","params":{"old_pin":"123456","old_pin":"654321"}}`,
		`{"id":"12","command":"personalise_keygen","params":{"token":"eyJ9.AA"}}`,
		`{"id":"13","command":"personalise_keygen","params":{}}`,
		`{"id":"14","command":"personalise_write","params":{"token":"a.b","certificate":"MAA=","admin_key":"` + b64(16, 3) + `","pin":"123456"}}`,
		`{"id":"15","command":"personalise_write","params":{"token":"a.b","certificate":"MAA=","admin_key":"` + b64(8, 3) + `","pin":"123456"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		r, err := DecodeRequest(bytes.NewReader(msg))
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) || de.Msg == "" {
				t.Fatalf("refusal %v is not a DecodeError with a message", err)
			}
			if de.ID != "" && !validID(de.ID) {
				t.Fatalf("error id %q", de.ID)
			}
			return
		}
		defer r.Wipe()
		if !validID(r.ID) || !r.Command.Valid() {
			t.Fatalf("accepted %+v", r)
		}
		set := 0
		for _, p := range []bool{r.VerifyPIN != nil, r.Sign != nil, r.SignLogin != nil,
			r.ChangePIN != nil, r.PersonaliseKeygen != nil, r.PersonaliseWrite != nil} {
			if p {
				set++
			}
		}
		switch r.Command {
		case CmdStatus, CmdReadCertificate:
			if set != 0 {
				t.Fatalf("%s with params", r.Command)
			}
		case CmdVerifyPIN:
			if set != 1 || !r.VerifyPIN.PIN.Valid() {
				t.Fatalf("verify_pin %+v", r)
			}
		case CmdSign:
			if set != 1 || !r.Sign.PIN.Valid() || len(r.Sign.Data) != SignDataSize {
				t.Fatalf("sign %+v", r)
			}
		case CmdSignLogin:
			if set != 1 || !r.SignLogin.PIN.Valid() || len(r.SignLogin.Nonce) != NonceSize {
				t.Fatalf("sign_login %+v", r)
			}
		case CmdChangePIN:
			if set != 1 || !r.ChangePIN.OldPIN.Valid() || !r.ChangePIN.NewPIN.Valid() {
				t.Fatalf("change_pin %+v", r)
			}
		case CmdPersonaliseKeygen:
			if set != 1 {
				t.Fatalf("personalise_keygen %+v", r)
			}
		case CmdPersonaliseWrite:
			p := r.PersonaliseWrite
			if set != 1 || !p.PIN.Valid() || len(p.AdminKey) < AdminKeyMinLen || len(p.AdminKey) > AdminKeyMaxLen ||
				len(p.Certificate) == 0 || len(p.Certificate) > MaxCertificateSize {
				t.Fatalf("personalise_write %+v", r)
			}
		}
		var top map[string]json.RawMessage
		if err := json.Unmarshal(msg, &top); err != nil {
			t.Fatalf("accepted what encoding/json refuses: %v", err)
		}
		for k := range top {
			if k != "id" && k != "command" && k != "params" {
				t.Fatalf("accepted field %q", k)
			}
		}
		var params map[string]json.RawMessage
		json.Unmarshal(top["params"], &params)
		for k := range params {
			if !strings.Contains(" pin data nonce old_pin new_pin token certificate admin_key ", " "+k+" ") {
				t.Fatalf("accepted param %q", k)
			}
		}
	})
}

// FuzzDecodeServerMessage: what a bridge sends, as the Go clients decode
// it. No panic; accepted messages are exactly one of response and event.
func FuzzDecodeServerMessage(f *testing.F) {
	for _, s := range []string{
		`{"id":"1","result":{"readers":[],"card_present":false}}`,
		`{"id":"2","error":{"code":"wrong_pin","message":"wrong PIN","tries_left":3}}`,
		`{"event":"card_removed","reader":"r"}`,
		`{"id":"1","result":{},"error":{"code":"internal"}}`,
		`{"event":1}`, `null`, `{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeServerMessage(b)
		if err != nil {
			return
		}
		if (m.Response == nil) == (m.Event == nil) {
			t.Fatalf("%q: %+v", b, m)
		}
		if r := m.Response; r != nil && (r.Error == nil) == (r.Result == nil) {
			t.Fatalf("%q: response %+v", b, r)
		}
	})
}

// FuzzParseIssuanceToken: any token text. No panic; an accepted token has
// valid fields and its payload has exactly the token's field names.
func FuzzParseIssuanceToken(f *testing.F) {
	tok := IssuanceToken{ID: "1", CardNumber: "8000000000000101", HolderName: "王五",
		CreditCode: "91310000MA1FL0001R", Kind: "operator", Origin: "http://127.0.0.1:8081", Expires: 1}
	payload, _ := tok.Payload()
	for _, s := range []string{
		EncodeIssuanceToken(payload, []byte{1, 2}),
		EncodeIssuanceToken([]byte(`{"id":"1","ID":"2"}`), []byte{1}),
		EncodeIssuanceToken([]byte(`{}`), []byte{1}),
		"", ".", "a.b.c", "eyJ9.AA==",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tok, payload, sig, err := ParseIssuanceToken(s)
		if err != nil {
			return
		}
		if tok.Validate() != nil || len(payload) == 0 || len(sig) == 0 {
			t.Fatalf("accepted %+v", tok)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(payload, &m); err != nil || len(m) > len(tokenKeys) {
			t.Fatalf("payload %q", payload)
		}
	})
}
