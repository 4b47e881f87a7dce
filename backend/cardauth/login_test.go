package cardauth_test

import (
	"context"
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"eportid/backend/ca"
	"eportid/backend/cardauth"
)

var loginErrs = []error{
	cardauth.ErrBadSignature, cardauth.ErrNonce, cardauth.ErrCertExpired,
	cardauth.ErrCertNotYetValid, cardauth.ErrUnknownIssuer, cardauth.ErrNotCardCertificate,
}

// wantErr checks that err wraps want and none of the other login errors.
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: accepted, want %v", what, want)
		return
	}
	for _, e := range loginErrs {
		if got := errors.Is(err, e); got != (e == want) {
			t.Errorf("%s: errors.Is(%v, %v) = %v", what, err, e, got)
		}
	}
}

func rawNonce(t *testing.T, nonce string) []byte {
	t.Helper()
	b, err := cardauth.DecodeNonce(nonce)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNewNonce(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		n := cardauth.NewNonce()
		if len(n) != 43 || seen[n] {
			t.Fatalf("nonce %q", n)
		}
		seen[n] = true
		if b, err := base64.RawURLEncoding.DecodeString(n); err != nil || len(b) != 32 {
			t.Fatalf("nonce %q: %v", n, err)
		}
	}
	for _, bad := range []string{"", "abc", cardauth.NewNonce() + "A", cardauth.NewNonce()[:42] + "=", "+" + cardauth.NewNonce()[1:]} {
		if _, err := cardauth.DecodeNonce(bad); !errors.Is(err, cardauth.ErrNonce) {
			t.Errorf("DecodeNonce(%q): %v", bad, err)
		}
	}
}

func TestVerifyLogin(t *testing.T) {
	authority := newCA(t)
	card := newCard(t, authority, ca.CardLegalPerson)
	nonce := cardauth.NewNonce()
	now := t0.Add(time.Hour)
	sig := card.SignLogin(t, testOrigin, rawNonce(t, nonce))

	id, err := cardauth.VerifyLogin(authority, card.CertDER, testOrigin, nonce, sig, now)
	if err != nil {
		t.Fatal(err)
	}
	if id != card.Identity || id.CardKind != ca.CardLegalPerson || id.HolderName != "张三" {
		t.Errorf("identity %+v, want %+v", id, card.Identity)
	}

	// The same signature for another origin, or another nonce.
	for _, origin := range []string{"http://localhost:8080", "https://127.0.0.1:8080", "http://127.0.0.1:8081", testOrigin + "/", "http://evil.example"} {
		_, err := cardauth.VerifyLogin(authority, card.CertDER, origin, nonce, sig, now)
		wantErr(t, "origin "+origin, err, cardauth.ErrBadSignature)
	}
	_, err = cardauth.VerifyLogin(authority, card.CertDER, testOrigin, cardauth.NewNonce(), sig, now)
	wantErr(t, "other nonce", err, cardauth.ErrBadSignature)

	// A signature made by a page of another origin does not pass here.
	evil := card.SignLogin(t, "http://evil.example", rawNonce(t, nonce))
	_, err = cardauth.VerifyLogin(authority, card.CertDER, testOrigin, nonce, evil, now)
	wantErr(t, "signed for another origin", err, cardauth.ErrBadSignature)

	// Tampered signatures.
	for i := range sig {
		bad := append([]byte(nil), sig...)
		bad[i] ^= 0x01
		_, err := cardauth.VerifyLogin(authority, card.CertDER, testOrigin, nonce, bad, now)
		wantErr(t, "tampered", err, cardauth.ErrBadSignature)
	}
	for _, bad := range [][]byte{nil, sig[:len(sig)-1], append(append([]byte(nil), sig...), 0), make([]byte, 200)} {
		_, err := cardauth.VerifyLogin(authority, card.CertDER, testOrigin, nonce, bad, now)
		wantErr(t, "malformed signature", err, cardauth.ErrBadSignature)
	}

	// A declaration signature is never a login signature.
	d := card.SignData(t, rawNonce(t, nonce))
	_, err = cardauth.VerifyLogin(authority, card.CertDER, testOrigin, nonce, d, now)
	wantErr(t, "sign instead of sign_login", err, cardauth.ErrBadSignature)

	_, err = cardauth.VerifyLogin(authority, card.CertDER, testOrigin, "not-a-nonce", sig, now)
	wantErr(t, "malformed nonce", err, cardauth.ErrNonce)
}

func TestVerifyLoginCertificate(t *testing.T) {
	authority := newCA(t)
	card := newCard(t, authority, ca.CardOperator)
	nonce := cardauth.NewNonce()
	sig := card.SignLogin(t, testOrigin, rawNonce(t, nonce))

	_, err := cardauth.VerifyLogin(authority, card.CertDER, testOrigin, nonce, sig, t0.AddDate(2, 0, 1))
	wantErr(t, "expired", err, cardauth.ErrCertExpired)
	_, err = cardauth.VerifyLogin(authority, card.CertDER, testOrigin, nonce, sig, t0.Add(-time.Minute))
	wantErr(t, "not yet valid", err, cardauth.ErrCertNotYetValid)

	// A card of another CA (same CA name), with a good signature.
	foreign := newCard(t, newCA(t), ca.CardLegalPerson)
	fsig := foreign.SignLogin(t, testOrigin, rawNonce(t, nonce))
	_, err = cardauth.VerifyLogin(authority, foreign.CertDER, testOrigin, nonce, fsig, t0.Add(time.Hour))
	wantErr(t, "foreign CA", err, cardauth.ErrUnknownIssuer)

	// Our certificate with another card's signature.
	_, err = cardauth.VerifyLogin(authority, card.CertDER, testOrigin, nonce, fsig, t0.Add(time.Hour))
	wantErr(t, "another card's signature", err, cardauth.ErrBadSignature)

	_, err = cardauth.VerifyLogin(authority, []byte("junk"), testOrigin, nonce, sig, t0.Add(time.Hour))
	wantErr(t, "junk certificate", err, cardauth.ErrNotCardCertificate)
}

func TestAuthenticatorNonces(t *testing.T) {
	ctx := context.Background()
	authority := newCA(t)
	card := newCard(t, authority, ca.CardLegalPerson)
	store := cardauth.NewMemoryNonceStore()
	a := &cardauth.Authenticator{CA: authority, Nonces: store}
	start := t0.Add(time.Hour)

	begin := func(attempt string) (string, cardauth.LoginProof) {
		t.Helper()
		nonce, err := a.Begin(ctx, attempt, start)
		if err != nil {
			t.Fatal(err)
		}
		return nonce, cardauth.LoginProof{
			AttemptID: attempt, Nonce: nonce, Certificate: card.CertDER,
			Signature: card.SignLogin(t, testOrigin, rawNonce(t, nonce)),
		}
	}

	// Good, then reused.
	_, p := begin("attempt-1")
	id, err := a.Finish(ctx, testOrigin, p, start.Add(4*time.Minute+59*time.Second))
	if err != nil || id.CardNumber != card.Identity.CardNumber {
		t.Fatalf("login: %v %+v", err, id)
	}
	_, err = a.Finish(ctx, testOrigin, p, start.Add(5*time.Second))
	wantErr(t, "reused nonce", err, cardauth.ErrNonce)

	// Expired: 5 minutes is already too late.
	_, p = begin("attempt-2")
	_, err = a.Finish(ctx, testOrigin, p, start.Add(cardauth.NonceTTL))
	wantErr(t, "expired nonce", err, cardauth.ErrNonce)
	_, err = a.Finish(ctx, testOrigin, p, start.Add(time.Second))
	wantErr(t, "expired nonce, then retried", err, cardauth.ErrNonce)

	// A nonce the server never issued, properly signed.
	stray := cardauth.NewNonce()
	_, err = a.Finish(ctx, testOrigin, cardauth.LoginProof{
		AttemptID: "attempt-3", Nonce: stray, Certificate: card.CertDER,
		Signature: card.SignLogin(t, testOrigin, rawNonce(t, stray)),
	}, start)
	wantErr(t, "unknown nonce", err, cardauth.ErrNonce)

	// The nonce of another login attempt.
	_, p = begin("attempt-4")
	p.AttemptID = "attempt-5"
	_, err = a.Finish(ctx, testOrigin, p, start)
	wantErr(t, "nonce of another attempt", err, cardauth.ErrNonce)

	// A signature over an older nonce presented with the current one: the
	// nonce is good, the signature is not, and the nonce is spent anyway.
	nonceA, pa := begin("attempt-6")
	_ = nonceA
	nonceB, pb := begin("attempt-6")
	pb.Signature = pa.Signature
	_, err = a.Finish(ctx, testOrigin, pb, start)
	wantErr(t, "wrong nonce signed", err, cardauth.ErrBadSignature)
	pb.Signature = card.SignLogin(t, testOrigin, rawNonce(t, nonceB))
	_, err = a.Finish(ctx, testOrigin, pb, start)
	wantErr(t, "retry after failure", err, cardauth.ErrNonce)

	// Wrong origin through the whole flow.
	_, p = begin("attempt-7")
	_, err = a.Finish(ctx, "http://localhost:8080", p, start)
	wantErr(t, "wrong origin", err, cardauth.ErrBadSignature)

	// Expired entries are dropped as new ones come in.
	for i := range 10 {
		if _, err := a.Begin(ctx, "old", start.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Begin(ctx, "new", start.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := store.Len(); n != 1 {
		t.Errorf("store holds %d nonces, want 1", n)
	}
}
