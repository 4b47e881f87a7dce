package softcard_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"path/filepath"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"eportid/cardbridge/cardapp"
	"eportid/cardbridge/cardsig"
	"eportid/cardbridge/pcsc"
	"eportid/cardbridge/softcard"
	"eportid/cardbridge/testenv"
)

// TestBlankCardLifeCycle personalises a blank card command by command
// (through pcsc.Client in process) and checks what each state refuses,
// and that the state survives reopening the card file at every step.
func TestBlankCardLifeCycle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "blank.json")
	card, err := softcard.NewBlank(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := softcard.NewBlank(path); err == nil {
		t.Fatal("NewBlank overwrote a card file")
	}
	reopen := func() *pcsc.Client {
		t.Helper()
		c, err := softcard.Open(path)
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		card = c
		cl := pcsc.NewClient(card)
		if err := cl.SelectApp(); err != nil {
			t.Fatal(err)
		}
		return cl
	}
	cl := reopen()
	if blank, err := cl.IsBlank(); err != nil || !blank {
		t.Fatalf("IsBlank %v %v", blank, err)
	}
	// Nothing to read, verify or sign with.
	if _, err := cl.ReadInfo(); err != pcsc.ErrBlank {
		t.Errorf("ReadInfo: %v", err)
	}
	if _, err := cl.ReadCertificate(); err != pcsc.ErrBlank {
		t.Errorf("ReadCertificate: %v", err)
	}
	if _, _, _, err := cl.VerifyPIN([]byte("123456")); err != pcsc.ErrBlank {
		t.Errorf("VerifyPIN: %v", err)
	}
	if _, err := cl.Sign(make([]byte, 32)); err != pcsc.ErrBlank {
		t.Errorf("Sign: %v", err)
	}
	if _, err := cl.PublicKey(); err != pcsc.ErrBlank {
		t.Errorf("PublicKey before keygen: %v", err)
	}
	if err := cl.Finalize([]byte("123456")); err != pcsc.ErrIncomplete {
		t.Errorf("Finalize of an empty card: %v", err)
	}

	old, err := cl.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	cl = reopen()
	if p, err := cl.PublicKey(); err != nil || !bytes.Equal(p, old) {
		t.Fatalf("key not kept: %v", err)
	}
	pubKey, err := cl.GenerateKeyPair() // keygen again: a new key
	if err != nil || bytes.Equal(pubKey, old) {
		t.Fatalf("second keygen %v", err)
	}
	if err := cl.PutCardInfo(testenv.TestInfo); err != nil {
		t.Fatal(err)
	}
	if err := cl.SetAdminKey(make([]byte, 8)); err == nil {
		t.Fatal("short admin key sent")
	}
	if err := cl.SetAdminKey(bytes.Repeat([]byte{3}, 32)); err != nil {
		t.Fatal(err)
	}
	// A certificate of another key is refused at finalising.
	other := testenv.NewCard(t)
	if err := cl.PutCertificate(other.Certificate()); err != nil {
		t.Fatal(err)
	}
	if err := cl.Finalize([]byte("123456")); err != pcsc.ErrCertificateMismatch {
		t.Fatalf("Finalize with another key's certificate: %v", err)
	}
	// Chunks must follow each other.
	if r := card.Process([]byte{0x80, 0xD6, 0x00, 0x10, 0x01, 0x00}); r[0] != 0x6B {
		t.Fatalf("PUT CERTIFICATE at a gap: % x", r)
	}
	cl = reopen()
	pub, _ := cardsig.ParsePoint(pubKey)
	if !pub.Equal(card.PublicKey()) {
		t.Fatal("PublicKey disagrees with GENERATE KEY PAIR")
	}
	cert := certify(t, pub)
	if err := cl.PutCertificate(cert); err != nil {
		t.Fatal(err)
	}
	if err := cl.Finalize([]byte("12ab56")); err != pcsc.ErrPINFormat {
		t.Fatalf("malformed PIN: %v", err)
	}
	if err := cl.Finalize([]byte("654321")); err != nil {
		t.Fatal(err)
	}
	cl = reopen()
	if blank, err := cl.IsBlank(); err != nil || blank || card.Blank() {
		t.Fatalf("after Finalize: blank %v %v", blank, err)
	}
	if info, err := cl.ReadInfo(); err != nil || info != testenv.TestInfo {
		t.Fatalf("info %+v %v", info, err)
	}
	if c, err := cl.ReadCertificate(); err != nil || !bytes.Equal(c, cert) {
		t.Fatalf("certificate %v", err)
	}
	if ok, _, _, err := cl.VerifyPIN([]byte("654321")); !ok || err != nil || card.TriesLeft() != cardapp.DefaultTries {
		t.Fatalf("initial PIN: %v %v", ok, err)
	}
	// Personalisation is over.
	if _, err := cl.GenerateKeyPair(); err != pcsc.ErrNotBlank {
		t.Errorf("keygen: %v", err)
	}
	if err := cl.PutCardInfo(testenv.TestInfo); err != pcsc.ErrNotBlank {
		t.Errorf("put card info: %v", err)
	}
	if err := cl.SetAdminKey(make([]byte, 16)); err != pcsc.ErrNotBlank {
		t.Errorf("set admin key: %v", err)
	}
	if err := cl.PutCertificate(cert); err != pcsc.ErrNotBlank {
		t.Errorf("put certificate: %v", err)
	}
	if err := cl.Finalize([]byte("123456")); err != pcsc.ErrNotBlank {
		t.Errorf("finalize: %v", err)
	}
	if p, err := cl.PublicKey(); err != nil || !bytes.Equal(p, pubKey) {
		t.Errorf("reading the public key of a personalised card: %v", err)
	}
}

// certify has a throwaway CA certify pub (as the back end's CA would).
func certify(t *testing.T, pub *ecdsa.PublicKey) []byte {
	t.Helper()
	caKey, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: testenv.TestInfo.HolderName},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := smx509.CreateCertificate(rand.Reader, leaf, ca, pub, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return der
}
