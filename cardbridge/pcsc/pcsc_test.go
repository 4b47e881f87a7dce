package pcsc_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"

	"eportid/cardbridge/cardapp"
	"eportid/cardbridge/cardsig"
	"eportid/cardbridge/pcsc"
	"eportid/cardbridge/testenv"
)

// These tests go through pcscd and vpcd to a soft card: see testenv.

// connect opens a connection to the card with the app selected.
func connect(t *testing.T, env *testenv.Env) (*pcsc.Context, *pcsc.Card, *pcsc.Client) {
	t.Helper()
	ctx, err := pcsc.Establish()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ctx.Release() })
	card, err := ctx.Connect(env.Reader)
	if err != nil {
		t.Fatalf("connect %q: %v", env.Reader, err)
	}
	t.Cleanup(func() { card.Disconnect(true) })
	cl := pcsc.NewClient(card)
	if err := cl.SelectApp(); err != nil {
		t.Fatalf("select: %v", err)
	}
	return ctx, card, cl
}

func TestReadInfoAndCertificate(t *testing.T) {
	env := testenv.Start(t, testenv.NewCard(t))
	_, _, cl := connect(t, env)
	info, err := cl.ReadInfo()
	if err != nil {
		t.Fatal(err)
	}
	if info != testenv.TestInfo {
		t.Errorf("info = %+v, want %+v", info, testenv.TestInfo)
	}
	cert, err := cl.ReadCertificate()
	if err != nil {
		t.Fatal(err)
	}
	if want := env.Card.Certificate(); string(cert) != string(want) {
		t.Fatalf("certificate differs: %d bytes, want %d", len(cert), len(want))
	}
	if len(cert) <= 256 {
		t.Errorf("certificate of %d bytes does not exercise chunked reads", len(cert))
	}
}

func TestPINRetryCounterBlockAndUnblock(t *testing.T) {
	env := testenv.Start(t, testenv.NewCard(t))
	_, _, cl := connect(t, env)

	ok, tries, blocked, err := cl.VerifyPIN([]byte(testenv.TestPIN))
	if err != nil || !ok || blocked {
		t.Fatalf("right PIN: ok=%v tries=%d blocked=%v err=%v", ok, tries, blocked, err)
	}
	for want := 4; want >= 1; want-- {
		ok, tries, blocked, err = cl.VerifyPIN([]byte("000000"))
		if err != nil || ok || blocked || tries != want {
			t.Fatalf("wrong PIN: ok=%v tries=%d blocked=%v err=%v; want tries %d", ok, tries, blocked, err, want)
		}
	}
	// The fifth wrong try blocks (63 C0), later tries say 69 83.
	ok, tries, blocked, err = cl.VerifyPIN([]byte("000000"))
	if err != nil || ok || !blocked || tries != 0 {
		t.Fatalf("5th wrong PIN: ok=%v tries=%d blocked=%v err=%v", ok, tries, blocked, err)
	}
	ok, _, blocked, err = cl.VerifyPIN([]byte(testenv.TestPIN))
	if err != nil || ok || !blocked {
		t.Fatalf("right PIN on a blocked card: ok=%v blocked=%v err=%v", ok, blocked, err)
	}
	if _, err := cl.Sign(make([]byte, 32)); !errors.Is(err, pcsc.ErrNotVerified) {
		t.Fatalf("sign on blocked card: %v, want ErrNotVerified", err)
	}

	// A cryptogram from a wrong admin key is refused and uses up the challenge.
	ch, err := cl.GetChallenge()
	if err != nil {
		t.Fatal(err)
	}
	bad, _ := cardapp.UnblockCryptogram(make([]byte, 16), testenv.TestInfo.CardNumber, ch, []byte("654321"))
	if err := cl.Unblock(bad, []byte("654321")); !errors.Is(err, pcsc.ErrBadCryptogram) {
		t.Fatalf("unblock with a wrong key: %v", err)
	}
	good, _ := cardapp.UnblockCryptogram(env.Card.AdminKey(), testenv.TestInfo.CardNumber, ch, []byte("654321"))
	if err := cl.Unblock(good, []byte("654321")); err == nil {
		t.Fatal("a used challenge was accepted twice")
	}

	// 解锁 with the admin key: new challenge, new PIN.
	ch, err = cl.GetChallenge()
	if err != nil {
		t.Fatal(err)
	}
	good, _ = cardapp.UnblockCryptogram(env.Card.AdminKey(), testenv.TestInfo.CardNumber, ch, []byte("654321"))
	if err := cl.Unblock(good, []byte("654321")); err != nil {
		t.Fatalf("unblock: %v", err)
	}
	st, err := cl.PINStatus()
	if err != nil || st.Blocked || st.TriesLeft != 5 {
		t.Fatalf("after unblock: %+v %v", st, err)
	}
	if ok, _, _, err := cl.VerifyPIN([]byte("654321")); !ok || err != nil {
		t.Fatalf("new PIN after unblock: ok=%v err=%v", ok, err)
	}

	// CHANGE PIN, then the old one is wrong.
	if ok, _, _, err := cl.ChangePIN([]byte("654321"), []byte("11223344")); !ok || err != nil {
		t.Fatalf("change PIN: ok=%v err=%v", ok, err)
	}
	if ok, tries, _, _ := cl.VerifyPIN([]byte("654321")); ok || tries != 4 {
		t.Fatalf("old PIN after change: ok=%v tries=%d", ok, tries)
	}
	if ok, _, _, _ := cl.VerifyPIN([]byte("11223344")); !ok {
		t.Fatal("changed PIN refused")
	}
}

func TestSignVerifiesWithGMSM(t *testing.T) {
	env := testenv.Start(t, testenv.NewCard(t))
	_, _, cl := connect(t, env)

	cert, err := cl.ReadCertificate()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := cardsig.PublicKey(cert)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("企业法人信息备案 declaration #1")
	e, err := cardsig.Digest(pub, msg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Sign(e); !errors.Is(err, pcsc.ErrNotVerified) {
		t.Fatalf("sign before VERIFY: %v, want ErrNotVerified", err)
	}
	if ok, _, _, err := cl.VerifyPIN([]byte(testenv.TestPIN)); !ok || err != nil {
		t.Fatalf("verify: %v %v", ok, err)
	}
	sig, err := cl.Sign(e)
	if err != nil {
		t.Fatal(err)
	}
	// The standard check: SM2 with SM3 and the default user id 1234567812345678.
	if !sm2.VerifyASN1WithSM2(pub, nil, msg, sig) {
		t.Fatal("signature does not verify with sm2.VerifyASN1WithSM2 (default uid)")
	}
	if !sm2.VerifyASN1WithSM2(pub, []byte("1234567812345678"), msg, sig) {
		t.Fatal("signature does not verify with the explicit default uid")
	}
	if sm2.VerifyASN1WithSM2(pub, nil, []byte("another declaration"), sig) {
		t.Fatal("signature verifies for another message")
	}
}

func TestResetClearsPINState(t *testing.T) {
	env := testenv.Start(t, testenv.NewCard(t))
	ctx, card, cl := connect(t, env)
	if ok, _, _, err := cl.VerifyPIN([]byte(testenv.TestPIN)); !ok || err != nil {
		t.Fatalf("verify: %v %v", ok, err)
	}
	if err := card.Disconnect(true); err != nil {
		t.Fatal(err)
	}
	card2, err := ctx.Connect(env.Reader)
	if err != nil {
		t.Fatal(err)
	}
	defer card2.Disconnect(true)
	cl2 := pcsc.NewClient(card2)
	if err := cl2.SelectApp(); err != nil {
		t.Fatal(err)
	}
	if _, err := cl2.Sign(make([]byte, 32)); !errors.Is(err, pcsc.ErrNotVerified) {
		t.Fatalf("sign after a card reset: %v, want ErrNotVerified", err)
	}
}

func TestCardPulledOut(t *testing.T) {
	env := testenv.Start(t, testenv.NewCard(t))
	pctx, _, cl := connect(t, env)

	// Watch in the background; pull the card; the watcher and a client
	// both notice.
	events := make(chan pcsc.Event, 16)
	wctx, cancel := context.WithCancel(context.Background())
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		wc, err := pcsc.Establish()
		if err != nil {
			return
		}
		defer wc.Release()
		wc.Watch(wctx, func(e pcsc.Event) { events <- e })
	}()
	defer func() {
		cancel()
		select {
		case <-watchDone:
		case <-time.After(5 * time.Second):
			t.Error("Watch did not return after cancel")
		}
	}()
	time.Sleep(300 * time.Millisecond) // let Watch take its baseline

	env.Card.Remove()
	env.WaitCard(false, 5*time.Second)
	if _, err := cl.ReadInfo(); !errors.Is(err, pcsc.ErrNoCard) {
		t.Fatalf("read after removal: %v, want ErrNoCard", err)
	}
	if _, err := pctx.Connect(env.Reader); !errors.Is(err, pcsc.ErrNoCard) {
		t.Fatalf("connect after removal: %v, want ErrNoCard", err)
	}
	svc := pcsc.NewService(env.Reader)
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	err := svc.Session(sctx, func(*pcsc.Client) error { return nil })
	if !errors.Is(err, pcsc.ErrNoCard) {
		t.Fatalf("session after removal: %v, want ErrNoCard", err)
	}
	st, err := svc.Status(sctx)
	if err != nil || len(st) != 1 || st[0].CardPresent {
		t.Fatalf("status after removal: %+v %v", st, err)
	}
	waitEvent(t, events, pcsc.CardRemoved, env.Reader)

	env.Card.Insert()
	env.WaitCard(true, 10*time.Second)
	waitEvent(t, events, pcsc.CardInserted, env.Reader)
	if err := svc.Session(sctx, func(cl *pcsc.Client) error {
		_, err := cl.ReadInfo()
		return err
	}); err != nil {
		t.Fatalf("session after re-insertion: %v", err)
	}
}

func waitEvent(t *testing.T, events <-chan pcsc.Event, kind pcsc.EventKind, reader string) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case e := <-events:
			if e.Kind == kind && e.Reader == reader {
				return
			}
		case <-timeout:
			t.Fatalf("no %v event for %q within 5s", kind, reader)
		}
	}
}

func TestSessionTimeout(t *testing.T) {
	env := testenv.Start(t, testenv.NewCard(t))
	svc := pcsc.NewService(env.Reader)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	release := make(chan struct{})
	finished := make(chan struct{})
	err := svc.Session(ctx, func(*pcsc.Client) error {
		defer close(finished)
		<-release // a card that never answers
		return nil
	})
	if !errors.Is(err, pcsc.ErrTimeout) {
		t.Fatalf("slow session: %v, want ErrTimeout", err)
	}
	// The abandoned session still ends (and resets the card) by itself;
	// let it, before the card is pulled at cleanup.
	close(release)
	select {
	case <-finished:
	case <-time.After(5 * time.Second):
		t.Fatal("abandoned session did not end")
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	if err := svc.Session(ctx2, func(*pcsc.Client) error { return nil }); err != nil {
		t.Fatalf("session after an abandoned one: %v", err)
	}
}

// TestServiceBoundsContexts: a flood of status calls never holds more
// than MaxContexts PC/SC contexts, so pcscd keeps serving every other
// program; calls beyond the queue fail at once with ErrOverloaded.
func TestServiceBoundsContexts(t *testing.T) {
	env := testenv.Start(t, testenv.NewCard(t))
	svc := pcsc.NewService(env.Reader)
	const n = 500
	errs := make(chan error, n)
	start := make(chan struct{})
	for range n {
		go func() {
			<-start
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_, err := svc.Status(ctx)
			errs <- err
		}()
	}
	close(start)
	ok, overloaded := 0, 0
	for range n {
		switch err := <-errs; {
		case err == nil:
			ok++
		case errors.Is(err, pcsc.ErrOverloaded):
			overloaded++
		default:
			t.Errorf("status: %v", err)
		}
	}
	if ok == 0 || overloaded == 0 {
		t.Errorf("%d answered, %d overloaded: want both", ok, overloaded)
	}
	if p := pcsc.PeakContexts(svc); p > pcsc.MaxContexts {
		t.Errorf("%d contexts at once, want at most %d", p, pcsc.MaxContexts)
	}
	// Another program still gets a context.
	c, err := pcsc.Establish()
	if err != nil {
		t.Fatalf("another program after the flood: %v", err)
	}
	c.Release()
}

// session runs fn in a session of svc, failing the test on an error.
func session(t *testing.T, svc *pcsc.Service, fn func(*pcsc.Client) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := svc.Session(ctx, fn); err != nil {
		t.Fatal(err)
	}
}

func verifyPIN(cl *pcsc.Client) error {
	if ok, _, _, err := cl.VerifyPIN([]byte(testenv.TestPIN)); !ok || err != nil {
		return fmt.Errorf("verify: %v %v", ok, err)
	}
	return nil
}

// otherProgram opens its own connection to the card and runs fn inside a
// PC/SC transaction (waiting, as every program must, until the Service's
// has ended), ending it with reset or not.
func otherProgram(t *testing.T, env *testenv.Env, reset bool, fn func(*pcsc.Client)) {
	t.Helper()
	ctx, err := pcsc.Establish()
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Release()
	card, err := ctx.Connect(env.Reader)
	if err != nil {
		t.Fatal(err)
	}
	defer card.Disconnect(false)
	if err := card.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	fn(pcsc.NewClient(card))
	if err := card.EndTransaction(reset); err != nil {
		t.Fatal(err)
	}
}

// TestSessionsLeaveNoVerifiedPIN: the sessions of a Service share one
// kept connection, yet none finds the PIN verified by another, and
// neither does another program: SIGN uses the verification up, and a
// session that verified without signing ends with a SELECT.
func TestSessionsLeaveNoVerifiedPIN(t *testing.T) {
	env := testenv.Start(t, testenv.NewCard(t))
	svc := pcsc.NewService(env.Reader)
	t.Cleanup(svc.Release)
	e := make([]byte, 32)
	signWithoutPIN := func(cl *pcsc.Client) error {
		if _, err := cl.Sign(e); !errors.Is(err, pcsc.ErrNotVerified) {
			return fmt.Errorf("SIGN with no VERIFY in this session: %v, want ErrNotVerified", err)
		}
		return nil
	}

	session(t, svc, verifyPIN)
	session(t, svc, signWithoutPIN)
	session(t, svc, func(cl *pcsc.Client) error {
		if err := verifyPIN(cl); err != nil {
			return err
		}
		if _, err := cl.Sign(e); err != nil {
			return err
		}
		return signWithoutPIN(cl) // one signature per VERIFY
	})
	session(t, svc, signWithoutPIN)
	session(t, svc, verifyPIN)
	otherProgram(t, env, false, func(cl *pcsc.Client) {
		if _, err := cl.Sign(e); !errors.Is(err, pcsc.ErrNotVerified) {
			t.Errorf("another program's SIGN after the Service's sessions: %v, want ErrNotVerified", err)
		}
	})
	session(t, svc, signWithoutPIN)
	if n := pcsc.Connections(svc); n != 1 {
		t.Errorf("%d card connections for the sessions, want the one kept", n)
	}
}

// TestServiceReconnects: a kept connection that the card's reset (by
// another program) or its removal made useless is made anew by the next
// session, which works; with the card out, a session says ErrNoCard.
func TestServiceReconnects(t *testing.T) {
	env := testenv.Start(t, testenv.NewCard(t))
	svc := pcsc.NewService(env.Reader)
	t.Cleanup(svc.Release)
	status := func(cl *pcsc.Client) error {
		st, err := cl.PINStatus()
		if err == nil && st.TriesLeft != 5 {
			err = fmt.Errorf("PIN status %+v", st)
		}
		return err
	}
	session(t, svc, status)

	otherProgram(t, env, true, func(*pcsc.Client) {})
	session(t, svc, status)

	env.Card.Remove()
	env.WaitCard(false, 5*time.Second)
	env.Card.Insert()
	env.WaitCard(true, 10*time.Second)
	session(t, svc, status)
	if n := pcsc.Connections(svc); n != 3 {
		t.Errorf("%d connections, want 3 (the first, after the reset, after the re-insertion)", n)
	}

	env.Card.Remove()
	env.WaitCard(false, 5*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := svc.Session(ctx, status); !errors.Is(err, pcsc.ErrNoCard) {
		t.Fatalf("session with the card out: %v, want ErrNoCard", err)
	}
	env.Card.Insert()
	env.WaitCard(true, 10*time.Second)
}
