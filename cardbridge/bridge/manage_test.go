package bridge_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"log/slog"
	"math/big"
	"path/filepath"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"eportid/cardbridge/bridge"
	"eportid/cardbridge/cardapp"
	"eportid/cardbridge/pcsc"
	"eportid/cardbridge/protocol"
	"eportid/cardbridge/softcard"
	"eportid/cardbridge/testenv"
)

// cardCert is a certificate of pub for the card number, signed by ca.
func (ca *testCA) cardCert(tb testing.TB, pub *ecdsa.PublicKey, number string) []byte {
	tb.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "李四", SerialNumber: number},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(48 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, ca.cert.ToX509(), pub, ca.key)
	if err != nil {
		tb.Fatal(err)
	}
	return der
}

// The two card-management commands over real PC/SC (pcscd, vpcd): unblock
// (解锁) in two steps with a cryptogram bound to the card, its challenge
// and the new PIN, refused for another card or used twice; and
// write_certificate (证书延期), which replaces the certificate only with
// one of the card's own key and card number, signed by the bridge's CA,
// after the PIN.
func TestUnblockAndWriteCertificateOverPCSC(t *testing.T) {
	adminKey := bytes.Repeat([]byte{0x5a}, 16)
	card, err := softcard.New(filepath.Join(t.TempDir(), "card.json"), softcard.Options{
		Info: testenv.TestInfo, PIN: []byte(testenv.TestPIN), AdminKey: adminKey,
	})
	if err != nil {
		t.Fatal(err)
	}
	env := testenv.Start(t, card)
	ca := newTestCA(t, "bridge CA")
	url := startBridgeConfig(t, bridge.Config{
		Origins: []string{originA}, IssuerCA: ca.cert, Cards: pcsc.NewService(env.Reader),
		OpTimeout: 10 * time.Second, Logger: slog.New(slog.DiscardHandler),
	})
	c := mustDial(t, url, originA)
	number := testenv.TestInfo.CardNumber

	// Block the PIN.
	for i := range cardapp.DefaultTries {
		r := call(t, c, "w", protocol.CmdVerifyPIN, map[string]string{"pin": "000000"})
		if i < cardapp.DefaultTries-1 {
			wantError(t, r, protocol.CodeWrongPIN)
		} else if r.Error == nil || (r.Error.Code != protocol.CodeCardBlocked && r.Error.Code != protocol.CodeWrongPIN) {
			t.Fatalf("last wrong try: %+v", r.Error)
		}
	}
	wantError(t, call(t, c, "b", protocol.CmdVerifyPIN, map[string]string{"pin": testenv.TestPIN}), protocol.CodeCardBlocked)

	newPIN := "654321"
	crypt := func(num string, ch []byte) []byte {
		m, err := cardapp.UnblockCryptogram(adminKey, num, ch, []byte(newPIN))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	// Step 2 without step 1.
	wantError(t, call(t, c, "u0", protocol.CmdUnblock, map[string]any{"cryptogram": make([]byte, 32), "new_pin": newPIN}),
		protocol.CodeBadRequest)
	// A cryptogram made for another card number is refused by the card.
	ch := result[protocol.UnblockChallengeResult](t, call(t, c, "u1", protocol.CmdUnblock, nil))
	if ch.CardNumber != number || len(ch.Challenge) != cardapp.ChallengeSize {
		t.Fatalf("challenge %+v", ch)
	}
	wantError(t, call(t, c, "u2", protocol.CmdUnblock, map[string]any{"cryptogram": crypt("8000000000000099", ch.Challenge), "new_pin": newPIN}),
		protocol.CodeBadRequest)
	wantError(t, call(t, c, "b2", protocol.CmdVerifyPIN, map[string]string{"pin": testenv.TestPIN}), protocol.CodeCardBlocked)
	// The right one unblocks with the new PIN.
	ch = result[protocol.UnblockChallengeResult](t, call(t, c, "u3", protocol.CmdUnblock, nil))
	used := crypt(number, ch.Challenge)
	if r := result[protocol.UnblockResult](t, call(t, c, "u4", protocol.CmdUnblock, map[string]any{"cryptogram": used, "new_pin": newPIN})); r.CardNumber != number {
		t.Fatalf("unblock %+v", r)
	}
	result[protocol.VerifyPINResult](t, call(t, c, "v", protocol.CmdVerifyPIN, map[string]string{"pin": newPIN}))
	// Used twice: the card's next challenge is another one.
	result[protocol.UnblockChallengeResult](t, call(t, c, "u5", protocol.CmdUnblock, nil))
	wantError(t, call(t, c, "u6", protocol.CmdUnblock, map[string]any{"cryptogram": used, "new_pin": newPIN}), protocol.CodeBadRequest)
	wantError(t, call(t, c, "u7", protocol.CmdUnblock, map[string]any{"cryptogram": used, "new_pin": newPIN}), protocol.CodeBadRequest)

	// write_certificate.
	other, _ := sm2.GenerateKey(rand.Reader)
	good := ca.cardCert(t, card.PublicKey(), number)
	for name, der := range map[string][]byte{
		"another key":  ca.cardCert(t, &other.PublicKey, number),
		"another card": ca.cardCert(t, card.PublicKey(), "8000000000000099"),
		"another CA":   newTestCA(t, "other CA").cardCert(t, card.PublicKey(), number),
	} {
		r := call(t, c, "x", protocol.CmdWriteCertificate, map[string]any{"pin": newPIN, "certificate": der})
		if r.Error == nil || r.Error.Code != protocol.CodeBadRequest {
			t.Fatalf("%s: %+v", name, r.Error)
		}
	}
	e := wantError(t, call(t, c, "wp", protocol.CmdWriteCertificate, map[string]any{"pin": "000000", "certificate": good}), protocol.CodeWrongPIN)
	if e.TriesLeft != cardapp.DefaultTries-1 {
		t.Fatalf("tries left %d", e.TriesLeft)
	}
	before := result[protocol.ReadCertificateResult](t, call(t, c, "r0", protocol.CmdReadCertificate, nil))
	if bytes.Equal(before.Certificate, good) {
		t.Fatal("a refused certificate was written")
	}
	if r := result[protocol.WriteCertificateResult](t, call(t, c, "wc", protocol.CmdWriteCertificate,
		map[string]any{"pin": newPIN, "certificate": good})); r.CardNumber != number {
		t.Fatalf("write_certificate %+v", r)
	}
	after := result[protocol.ReadCertificateResult](t, call(t, c, "r1", protocol.CmdReadCertificate, nil))
	if !bytes.Equal(after.Certificate, good) {
		t.Fatal("the card does not hold the new certificate")
	}
	// The card still signs with its key under the new certificate.
	result[protocol.SignResult](t, call(t, c, "s", protocol.CmdSign, map[string]any{"pin": newPIN, "data": make([]byte, 32)}))
}
