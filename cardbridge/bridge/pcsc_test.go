package bridge_test

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"eportid/cardbridge/cardsig"
	"eportid/cardbridge/pcsc"
	"eportid/cardbridge/protocol"
	"eportid/cardbridge/testenv"
)

// TestBridgeOverPCSC runs the bridge on real PC/SC: pcscd, vpcd, the soft
// card (see testenv).
func TestBridgeOverPCSC(t *testing.T) {
	env := testenv.Start(t, testenv.NewCard(t))
	url := startBridge(t, pcsc.NewService(env.Reader), 10*time.Second)
	c := mustDial(t, url, originA)

	st := result[protocol.StatusResult](t, call(t, c, "1", protocol.CmdStatus, nil))
	if !st.CardPresent || len(st.Readers) != 1 || st.Readers[0].Name != env.Reader {
		t.Fatalf("status %+v", st)
	}

	nonce := bytes.Repeat([]byte{7}, 32)
	l := result[protocol.SignLoginResult](t, call(t, c, "2", protocol.CmdSignLogin,
		map[string]any{"pin": testenv.TestPIN, "nonce": nonce}))
	pub, err := cardsig.PublicKey(l.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	if !cardsig.VerifyLogin(pub, originA, nonce, l.Signature) {
		t.Fatal("login signature does not verify for its origin")
	}
	if cardsig.VerifyLogin(pub, originB, nonce, l.Signature) {
		t.Fatal("login signature verifies for another origin")
	}

	e := wantError(t, call(t, c, "3", protocol.CmdVerifyPIN, map[string]string{"pin": "000000"}), protocol.CodeWrongPIN)
	if e.TriesLeft != 4 {
		t.Fatalf("tries_left %d", e.TriesLeft)
	}
	// The bridge resets the card after each operation: the next session
	// starts unverified, so the right PIN is needed again (and restores 5).
	result[protocol.VerifyPINResult](t, call(t, c, "4", protocol.CmdVerifyPIN, map[string]string{"pin": testenv.TestPIN}))

	// Card pulled out: the page is told, and card commands say no_card.
	env.Card.Remove()
	if ev := waitEvent(t, c, protocol.EventCardRemoved); ev.Reader != env.Reader {
		t.Fatalf("event %+v", ev)
	}
	wantError(t, call(t, c, "5", protocol.CmdReadCertificate, nil), protocol.CodeNoCard)
	if st := result[protocol.StatusResult](t, call(t, c, "6", protocol.CmdStatus, nil)); st.CardPresent {
		t.Fatalf("status after removal %+v", st)
	}
	env.Card.Insert()
	waitEvent(t, c, protocol.EventCardInserted)
	result[protocol.ReadCertificateResult](t, call(t, c, "7", protocol.CmdReadCertificate, nil))
}

// TestStatusFloodOverPCSC: 250 pages asking status at once (pcscd serves
// 200 contexts to the whole machine) get a result or busy, never an
// internal error, and pcscd keeps serving other programs.
func TestStatusFloodOverPCSC(t *testing.T) {
	env := testenv.Start(t, testenv.NewCard(t))
	url := startBridge(t, pcsc.NewService(env.Reader), 10*time.Second)
	const n = 250
	conns := make([]*websocket.Conn, n)
	for i := range conns {
		conns[i] = mustDial(t, url, originA)
	}
	for _, c := range conns {
		if err := c.WriteMessage(websocket.TextMessage, []byte(`{"id":"s","command":"status"}`)); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[protocol.ErrorCode]int{}
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.SetReadDeadline(time.Now().Add(20 * time.Second))
			_, b, err := c.ReadMessage()
			code := protocol.ErrorCode("read failed")
			if err == nil {
				if m, err := protocol.DecodeServerMessage(b); err == nil && m.Response != nil {
					code = "ok"
					if m.Response.Error != nil {
						code = m.Response.Error.Code
					}
				}
			}
			mu.Lock()
			codes[code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes["ok"]+codes[protocol.CodeBusy] != n || codes["ok"] == 0 {
		t.Errorf("answers %v, want only results and busy", codes)
	}
	ctx, err := pcsc.Establish()
	if err != nil {
		t.Fatalf("another program during the flood: %v", err)
	}
	ctx.Release()
}
