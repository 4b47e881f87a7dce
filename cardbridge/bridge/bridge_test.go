package bridge_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/gorilla/websocket"

	"eportid/app/model"
	"eportid/cardbridge/bridge"
	"eportid/cardbridge/cardsig"
	"eportid/cardbridge/protocol"
	"eportid/cardbridge/testenv"
)

// In-process tests: the bridge over a soft card without pcscd. The same
// flows through real PC/SC are in pcsc_test.go.

func TestConfigRefusesLooseness(t *testing.T) {
	for _, o := range [][]string{nil, {"*"}, {"null"}, {""}, {"http://127.0.0.1:8080/"},
		{"http://127.0.0.1:8080/app"}, {"HTTP://127.0.0.1:8080"}, {"ftp://x"}, {"http://*.example.com"}} {
		if _, err := bridge.New(bridge.Config{Origins: o}); err == nil {
			t.Errorf("origins %q accepted", o)
		}
	}
	for _, a := range []string{"0.0.0.0:34567", ":34567", "192.168.1.2:34567", "localhost:34567", "example.com:1"} {
		if bridge.CheckLoopback(a) == nil {
			t.Errorf("listen address %q accepted", a)
		}
	}
	for _, a := range []string{"127.0.0.1:34567", "[::1]:34567"} {
		if err := bridge.CheckLoopback(a); err != nil {
			t.Errorf("%q refused: %v", a, err)
		}
	}
}

func TestForeignOriginGetsNoUpgrade(t *testing.T) {
	url := startBridge(t, newMemCards(testenv.NewCard(t)), 0)
	for _, tc := range []struct {
		origin string
		extra  []string
	}{
		{origin: "http://evil.example"},
		{origin: ""}, // no Origin header at all
		{origin: "http://127.0.0.1:8080/"},
		{origin: "http://127.0.0.1:8081"},
		{origin: "https://127.0.0.1:8080"},
		{origin: "null"},
		{origin: originA, extra: []string{"Host", "evil.example:34567"}}, // DNS rebinding
	} {
		c, resp, err := dial(url, tc.origin, tc.extra...)
		if err == nil {
			c.Close()
			t.Errorf("origin %q host %v: upgraded", tc.origin, tc.extra)
			continue
		}
		if !errors.Is(err, websocket.ErrBadHandshake) || resp == nil || resp.StatusCode != 403 {
			t.Errorf("origin %q: %v, %v", tc.origin, err, resp)
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		var r protocol.Response
		if json.Unmarshal(body, &r) != nil || r.Error == nil || r.Error.Code != protocol.CodeOriginRefused {
			t.Errorf("origin %q: body %s", tc.origin, body)
		}
	}
	// The allowed ones do get through.
	for _, o := range []string{originA, originB} {
		c := mustDial(t, url, o)
		if st := result[protocol.StatusResult](t, call(t, c, "s", protocol.CmdStatus, nil)); !st.CardPresent {
			t.Errorf("status from %s: %+v", o, st)
		}
	}
}

func TestBadRequestsRefused(t *testing.T) {
	url := startBridge(t, newMemCards(testenv.NewCard(t)), 0)
	c := mustDial(t, url, originA)

	for _, tc := range []struct {
		msg, id string
	}{
		{`{"id":"1","command":"status","unexpected":true}`, "1"},
		{`{"id":"2","command":"erase_card"}`, "2"},
		{`{"id":"3","command":"verify_pin","params":{"pin":"123456","remember":true}}`, "3"},
		{`{"id":"4","command":"verify_pin","params":{"pin":"12"}}`, "4"},
		{`{"id":"5",`, ""},
		{`not json`, ""},
		{`{"id":"6","command":"sign","params":{"pin":"123456","data":"` + strings.Repeat("QUFB", protocol.MaxMessageSize/4) + `"}}`, ""}, // oversized
	} {
		r := callRaw(t, c, tc.id, []byte(tc.msg))
		wantError(t, r, protocol.CodeBadRequest)
	}
	// Binary frames are refused too.
	c.WriteMessage(websocket.BinaryMessage, []byte(`{"id":"7","command":"status"}`))
	if m := next(t, c); m.Response == nil || m.Response.Error == nil || m.Response.Error.Code != protocol.CodeBadRequest {
		t.Fatalf("binary message: %+v", m)
	}
	// The connection still serves good requests.
	result[protocol.StatusResult](t, call(t, c, "ok", protocol.CmdStatus, nil))

	// Far over the read limit the connection is closed (1009).
	c.WriteMessage(websocket.TextMessage, bytes.Repeat([]byte("A"), 5*protocol.MaxMessageSize))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err := c.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
		t.Fatalf("after a huge message: %v, want close 1009", err)
	}
}

func TestVerifyPINCountsDownAndBlocks(t *testing.T) {
	card := testenv.NewCard(t)
	c := mustDial(t, startBridge(t, newMemCards(card), 0), originA)
	pin := func(p string) map[string]string { return map[string]string{"pin": p} }

	if r := result[protocol.VerifyPINResult](t, call(t, c, "1", protocol.CmdVerifyPIN, pin(testenv.TestPIN))); !r.Verified {
		t.Fatal("right PIN not verified")
	}
	for want := 4; want >= 1; want-- {
		e := wantError(t, call(t, c, "w", protocol.CmdVerifyPIN, pin("000000")), protocol.CodeWrongPIN)
		if e.TriesLeft != want {
			t.Fatalf("tries_left %d, want %d", e.TriesLeft, want)
		}
	}
	wantError(t, call(t, c, "b", protocol.CmdVerifyPIN, pin("000000")), protocol.CodeCardBlocked)
	wantError(t, call(t, c, "b2", protocol.CmdVerifyPIN, pin(testenv.TestPIN)), protocol.CodeCardBlocked)
	wantError(t, call(t, c, "b3", protocol.CmdSign, map[string]any{"pin": testenv.TestPIN, "data": make([]byte, 32)}), protocol.CodeCardBlocked)
	if card.TriesLeft() != 0 {
		t.Fatalf("card tries left %d", card.TriesLeft())
	}
}

func TestSignAndReadCertificate(t *testing.T) {
	card := testenv.NewCard(t)
	c := mustDial(t, startBridge(t, newMemCards(card), 0), originA)

	rc := result[protocol.ReadCertificateResult](t, call(t, c, "1", protocol.CmdReadCertificate, nil))
	if !bytes.Equal(rc.Certificate, card.Certificate()) || rc.Card.CreditCode != testenv.TestInfo.CreditCode ||
		rc.Card.Kind != "legal_person" || rc.Card.HolderName != testenv.TestInfo.HolderName {
		t.Fatalf("read_certificate: %+v", rc.Card)
	}
	digest := model.SignedDigest(model.CanonicalRecord("legal_person", 7, 3, map[string]string{"credit_code": "91310000MA1FL0001R"}))
	data := digest[:]
	s := result[protocol.SignResult](t, call(t, c, "2", protocol.CmdSign, map[string]any{"pin": testenv.TestPIN, "data": data}))
	pub, err := cardsig.PublicKey(s.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	if s.Algorithm != "SM2-SM3" || !cardsig.VerifySign(pub, data, s.Signature) ||
		!sm2.VerifyASN1WithSM2(pub, nil, protocol.SignedMessage(data), s.Signature) {
		t.Fatal("sign result does not verify")
	}
	if cardsig.VerifySign(pub, append(data[:31:31], data[31]^1), s.Signature) {
		t.Fatal("signature verifies for other data")
	}
	wantError(t, call(t, c, "3", protocol.CmdSign, map[string]any{"pin": "999999", "data": data}), protocol.CodeWrongPIN)
}

func TestLoginSignatureIsOriginBound(t *testing.T) {
	card := testenv.NewCard(t)
	url := startBridge(t, newMemCards(card), 0)
	nonce := bytes.Repeat([]byte{0x5A}, 32)
	params := map[string]any{"pin": testenv.TestPIN, "nonce": nonce}

	a := mustDial(t, url, originA)
	la := result[protocol.SignLoginResult](t, call(t, a, "1", protocol.CmdSignLogin, params))
	pub := card.PublicKey()
	if la.Origin != originA || !cardsig.VerifyLogin(pub, originA, nonce, la.Signature) {
		t.Fatalf("login from %s does not verify for %s", la.Origin, originA)
	}
	if cardsig.VerifyLogin(pub, originB, nonce, la.Signature) {
		t.Fatal("a login signature made for one origin verifies for another")
	}
	if cardsig.VerifyLogin(pub, originA, bytes.Repeat([]byte{0x5B}, 32), la.Signature) {
		t.Fatal("a login signature verifies for another nonce")
	}

	b := mustDial(t, url, originB)
	lb := result[protocol.SignLoginResult](t, call(t, b, "1", protocol.CmdSignLogin, params))
	if lb.Origin != originB || !cardsig.VerifyLogin(pub, originB, nonce, lb.Signature) ||
		cardsig.VerifyLogin(pub, originA, nonce, lb.Signature) {
		t.Fatal("the page at origin B got a signature not bound to B")
	}

	// A page cannot use sign to forge a login for another origin: sign
	// covers SignedMessage(data), never a bare login digest.
	forged := protocol.LoginDigest(originB, nonce)
	s := result[protocol.SignResult](t, call(t, a, "2", protocol.CmdSign, map[string]any{"pin": testenv.TestPIN, "data": forged[:]}))
	if cardsig.VerifyLogin(pub, originB, nonce, s.Signature) {
		t.Fatal("a sign result passes as a login for another origin")
	}
}

func TestCardEventsAndNoCard(t *testing.T) {
	mc := newMemCards(testenv.NewCard(t))
	c := mustDial(t, startBridge(t, mc, 0), originA)
	result[protocol.StatusResult](t, call(t, c, "0", protocol.CmdStatus, nil)) // connected and registered

	mc.setPresent(false)
	if e := waitEvent(t, c, protocol.EventCardRemoved); e.Reader != "mem" {
		t.Fatalf("event %+v", e)
	}
	if st := result[protocol.StatusResult](t, call(t, c, "1", protocol.CmdStatus, nil)); st.CardPresent {
		t.Fatal("status: card present after removal")
	}
	wantError(t, call(t, c, "2", protocol.CmdSignLogin, map[string]any{"pin": testenv.TestPIN, "nonce": make([]byte, 32)}), protocol.CodeNoCard)
	mc.setPresent(true)
	waitEvent(t, c, protocol.EventCardInserted)
	result[protocol.ReadCertificateResult](t, call(t, c, "3", protocol.CmdReadCertificate, nil))
}

func TestOperationTimeout(t *testing.T) {
	mc := newMemCards(testenv.NewCard(t))
	mc.delay = 2 * time.Second
	c := mustDial(t, startBridge(t, mc, 200*time.Millisecond), originA)
	start := time.Now()
	wantError(t, call(t, c, "1", protocol.CmdReadCertificate, nil), protocol.CodeTimeout)
	if d := time.Since(start); d > time.Second {
		t.Fatalf("timeout took %v", d)
	}
}
