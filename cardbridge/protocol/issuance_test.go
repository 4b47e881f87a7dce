package protocol

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

func testToken() IssuanceToken {
	return IssuanceToken{ID: "app-7", CardNumber: "8000000000000101", HolderName: "王五",
		CreditCode: "91310000MA1FL0001R", Kind: "operator", Origin: "http://127.0.0.1:8081",
		Expires: time.Now().Add(time.Minute).Unix()}
}

func TestIssuanceTokenRoundTrip(t *testing.T) {
	in := testToken()
	payload, err := in.Payload()
	if err != nil {
		t.Fatal(err)
	}
	wire := EncodeIssuanceToken(payload, []byte{0x30, 1, 2})
	if strings.ContainsAny(wire, "=+/") {
		t.Fatalf("not unpadded base64url: %s", wire)
	}
	out, p, sig, err := ParseIssuanceToken(wire)
	if err != nil || out != in || string(p) != string(payload) || len(sig) != 3 {
		t.Fatalf("%+v %v", out, err)
	}
	if out.Expired(time.Now()) || !out.Expired(time.Unix(in.Expires, 0)) {
		t.Fatal("Expired")
	}
}

func TestIssuanceTokenRefusals(t *testing.T) {
	enc := func(s string) string {
		return base64.RawURLEncoding.EncodeToString([]byte(s)) + ".AQ"
	}
	good, _ := testToken().Payload()
	spaced := append([]byte(nil), good...) // a length that base64 pads
	for len(spaced)%3 != 1 {
		spaced = append(spaced, ' ')
	}
	bad := testToken()
	bad.Kind = "admin"
	for name, s := range map[string]string{
		"empty":         "",
		"no dot":        "abc",
		"two dots":      enc(string(good)) + ".x",
		"padded":        base64.URLEncoding.EncodeToString(spaced) + ".AQ",
		"no signature":  base64.RawURLEncoding.EncodeToString(good) + ".",
		"not JSON":      enc("hello"),
		"unknown field": enc(strings.Replace(string(good), `"id"`, `"ID"`, 1)),
		"field twice":   enc(strings.Replace(string(good), `"kind":"operator"`, `"kind":"operator","kind":"operator"`, 1)),
		"missing field": enc(`{"id":"1"}`),
		"bad kind":      enc(strings.Replace(string(good), `"kind":"operator"`, `"kind":"admin"`, 1)),
		"too long":      strings.Repeat("a", MaxTokenLen+1),
	} {
		if _, _, _, err := ParseIssuanceToken(s); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := bad.Payload(); err == nil {
		t.Error("Payload of an invalid token")
	}
}

func TestDecodeNewCommands(t *testing.T) {
	ak := b64(16, 1)
	r, err := decode(`{"id":"1","command":"change_pin","params":{"old_pin":"123456","new_pin":"654321"}}`)
	if err != nil || string(r.ChangePIN.OldPIN) != "123456" || string(r.ChangePIN.NewPIN) != "654321" {
		t.Fatalf("change_pin %+v %v", r, err)
	}
	r.Wipe()
	if r.ChangePIN.OldPIN[0] != 0 || r.ChangePIN.NewPIN[0] != 0 {
		t.Fatal("change_pin PINs not wiped")
	}
	r, err = decode(`{"id":"2","command":"personalise_write","params":{"token":"t","certificate":"MAA=","admin_key":"` + ak + `","pin":"123456"}}`)
	if err != nil || r.PersonaliseWrite.Token != "t" || len(r.PersonaliseWrite.AdminKey) != 16 {
		t.Fatalf("personalise_write %+v %v", r, err)
	}
	r.Wipe()
	if r.PersonaliseWrite.AdminKey[0] != 0 || r.PersonaliseWrite.PIN[0] != 0 {
		t.Fatal("admin key / PIN not wiped")
	}
	// A missing token is the bridge's to refuse (bad_token), not the decoder's.
	if _, err := decode(`{"id":"3","command":"personalise_keygen","params":{}}`); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		`{"id":"4","command":"change_pin","params":{"old_pin":"123456"}}`,
		`{"id":"4","command":"change_pin","params":{"old_pin":"123456","new_pin":"12"}}`,
		`{"id":"4","command":"change_pin","params":{"old_pin":"123456","New_pin":"654321"}}`,
		`{"id":"4","command":"personalise_keygen","params":{"token":"t","token":"u"}}`,
		`{"id":"4","command":"personalise_keygen"}`,
		`{"id":"4","command":"personalise_write","params":{"token":"t","certificate":"MAA=","admin_key":"` + b64(15, 1) + `","pin":"123456"}}`,
		`{"id":"4","command":"personalise_write","params":{"token":"t","certificate":"","admin_key":"` + ak + `","pin":"123456"}}`,
		`{"id":"4","command":"personalise_write","params":{"token":"t","certificate":"MAA=","admin_key":"` + ak + `"}}`,
		`{"id":"4","command":"personalise_write","params":{"token":"t","certificate":"MAA=","admin_key":"` + ak + `","pin":"123456","kind":"x"}}`,
	} {
		if _, err := decode(s); err == nil {
			t.Errorf("accepted %s", s)
		}
	}
}
