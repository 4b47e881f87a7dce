package bridge_test

import (
	"bytes"
	"context"
	"errors"
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
	// No request finds the PIN verified by an earlier one: the right PIN is
	// needed again (and restores 5).
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

// TestNoPINCarriesOverOverPCSC: the bridge keeps one card connection for
// all pages, yet the PIN a request verified is gone before the next
// request, whatever its origin or connection (the same page's included):
// a card session presenting no PIN, which is what any later request
// starts from, cannot sign, and neither can another program. The rule:
// a verified PIN lives for the one request that presented it.
func TestNoPINCarriesOverOverPCSC(t *testing.T) {
	env := testenv.Start(t, testenv.NewCard(t))
	svc := pcsc.NewService(env.Reader)
	url := startBridge(t, svc, 10*time.Second)
	data := bytes.Repeat([]byte{0xD1}, protocol.SignDataSize)
	e := make([]byte, 32)
	noPIN := func(after string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := svc.Session(ctx, func(cl *pcsc.Client) error {
			_, err := cl.Sign(e)
			return err
		})
		if !errors.Is(err, pcsc.ErrNotVerified) {
			t.Fatalf("after %s, a card session without PIN signs: %v, want ErrNotVerified", after, err)
		}
	}
	sign := func(pin string) map[string]any { return map[string]any{"pin": pin, "data": data} }

	a := mustDial(t, url, originA)
	result[protocol.VerifyPINResult](t, call(t, a, "1", protocol.CmdVerifyPIN, map[string]string{"pin": testenv.TestPIN}))
	noPIN("origin A's verify_pin")

	b := mustDial(t, url, originB)
	if e := wantError(t, call(t, b, "1", protocol.CmdSign, sign("000000")), protocol.CodeWrongPIN); e.TriesLeft != 4 {
		t.Fatalf("origin B, wrong PIN: tries_left %d", e.TriesLeft)
	}
	result[protocol.SignResult](t, call(t, a, "2", protocol.CmdSign, sign(testenv.TestPIN)))
	noPIN("origin A's sign")
	a.Close()

	a2 := mustDial(t, url, originA)
	if e := wantError(t, call(t, a2, "1", protocol.CmdSign, sign("000000")), protocol.CodeWrongPIN); e.TriesLeft != 4 {
		t.Fatalf("origin A's second connection, wrong PIN: tries_left %d", e.TriesLeft)
	}
	result[protocol.VerifyPINResult](t, call(t, a2, "2", protocol.CmdVerifyPIN, map[string]string{"pin": testenv.TestPIN}))

	pctx, err := pcsc.Establish()
	if err != nil {
		t.Fatal(err)
	}
	defer pctx.Release()
	card, err := pctx.Connect(env.Reader)
	if err != nil {
		t.Fatal(err)
	}
	defer card.Disconnect(false)
	if err := card.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	if _, err := pcsc.NewClient(card).Sign(e); !errors.Is(err, pcsc.ErrNotVerified) {
		t.Errorf("another program's SIGN after the bridge's verify_pin: %v, want ErrNotVerified", err)
	}
	card.EndTransaction(false)

	s := result[protocol.SignResult](t, call(t, b, "2", protocol.CmdSign, sign(testenv.TestPIN)))
	pub, err := cardsig.PublicKey(s.Certificate)
	if err != nil || !cardsig.VerifySign(pub, data, s.Signature) {
		t.Fatalf("origin B's signature with its own PIN: %v", err)
	}
}
