package bridge_test

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"log/slog"
	"math/big"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"eportid/cardbridge/bridge"
	"eportid/cardbridge/cardapp"
	"eportid/cardbridge/cardsig"
	"eportid/cardbridge/pcsc"
	"eportid/cardbridge/protocol"
	"eportid/cardbridge/softcard"
	"eportid/cardbridge/testenv"
)

// issuerOrigin is the review console's origin in these tests; originA is
// an enterprise page.
const issuerOrigin = "http://127.0.0.1:8081"

// testCA is a CA made for the test: its key signs card certificates and
// issuance tokens.
type testCA struct {
	key  *sm2.PrivateKey
	cert *smx509.Certificate
}

func newTestCA(tb testing.TB, name string) *testCA {
	tb.Helper()
	key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := smx509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return &testCA{key: key, cert: cert}
}

// issue certifies the card's public key (04||X||Y).
func (ca *testCA) issue(tb testing.TB, point []byte, tok protocol.IssuanceToken) []byte {
	tb.Helper()
	pub, err := cardsig.ParsePoint(point)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject: pkix.Name{CommonName: tok.HolderName, SerialNumber: tok.CreditCode,
			OrganizationalUnit: []string{tok.CardNumber, tok.Kind}},
		NotBefore: time.Now().Add(-time.Hour),
		NotAfter:  time.Now().Add(24 * time.Hour),
		KeyUsage:  x509.KeyUsageDigitalSignature,
	}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, ca.cert.ToX509(), pub, ca.key)
	if err != nil {
		tb.Fatal(err)
	}
	return der
}

// token signs tok (its wire form).
func (ca *testCA) token(tb testing.TB, tok protocol.IssuanceToken) string {
	tb.Helper()
	payload, err := tok.Payload()
	if err != nil {
		tb.Fatal(err)
	}
	sig, err := cardsig.SignIssuance(rand.Reader, ca.key, payload)
	if err != nil {
		tb.Fatal(err)
	}
	return protocol.EncodeIssuanceToken(payload, sig)
}

func operatorToken(id string) protocol.IssuanceToken {
	return protocol.IssuanceToken{
		ID: id, CardNumber: "8000000000000101", HolderName: "王五", CreditCode: "91310000MA1FL0001R",
		Kind: "operator", Origin: issuerOrigin, Expires: time.Now().Add(10 * time.Minute).Unix(),
	}
}

func startIssuerBridge(tb testing.TB, cards bridge.Cards, ca *testCA) string {
	tb.Helper()
	return startBridgeConfig(tb, bridge.Config{
		Origins: []string{originA}, IssuerOrigins: []string{issuerOrigin}, IssuerCA: ca.cert,
		Cards: cards, OpTimeout: 10 * time.Second, Logger: slog.New(slog.DiscardHandler),
	})
}

// personaliseScenario runs the whole personalisation of the blank card in
// the bridge at url, with its refusals, then logs in with the card.
func personaliseScenario(t *testing.T, url string, ca *testCA, card *softcard.Card) {
	ent := mustDial(t, url, originA)
	con := mustDial(t, url, issuerOrigin)
	tok := operatorToken("issue-1")
	good := ca.token(t, tok)

	// A blank card has nothing to read or verify.
	wantError(t, call(t, ent, "b1", protocol.CmdReadCertificate, nil), protocol.CodeBlankCard)
	wantError(t, call(t, ent, "b2", protocol.CmdVerifyPIN, map[string]string{"pin": "123456"}), protocol.CodeBlankCard)

	// Only the issuer origin may personalise, whatever the token.
	wantError(t, call(t, ent, "n1", protocol.CmdPersonaliseKeygen, map[string]string{"token": good}), protocol.CodeNotIssuer)

	// Bad tokens.
	other := newTestCA(t, "another CA")
	expired := operatorToken("issue-x")
	expired.Expires = time.Now().Add(-time.Second).Unix()
	elsewhere := operatorToken("issue-y")
	elsewhere.Origin = originA
	for name, params := range map[string]any{
		"no token":           map[string]string{},
		"empty token":        map[string]string{"token": ""},
		"garbage":            map[string]string{"token": "abc.def"},
		"another CA's":       map[string]string{"token": other.token(t, tok)},
		"expired":            map[string]string{"token": ca.token(t, expired)},
		"for another origin": map[string]string{"token": ca.token(t, elsewhere)},
	} {
		r := call(t, con, "t", protocol.CmdPersonaliseKeygen, params)
		if r.Error == nil || r.Error.Code != protocol.CodeBadToken {
			t.Errorf("keygen with %s: %+v", name, r.Error)
		}
	}
	if !card.Blank() || card.PublicKey() != nil {
		t.Fatal("a refused keygen touched the card")
	}

	// Keygen may repeat; the last key counts.
	first := result[protocol.PersonaliseKeygenResult](t, call(t, con, "k1", protocol.CmdPersonaliseKeygen, map[string]string{"token": good}))
	kg := result[protocol.PersonaliseKeygenResult](t, call(t, con, "k2", protocol.CmdPersonaliseKeygen, map[string]string{"token": good}))
	if len(kg.PublicKey) != 65 || kg.PublicKey[0] != 4 || bytes.Equal(first.PublicKey, kg.PublicKey) {
		t.Fatalf("public keys %x, %x", first.PublicKey, kg.PublicKey)
	}
	if !bytes.Equal(cardsig.MarshalPoint(card.PublicKey()), kg.PublicKey) {
		t.Fatal("keygen result is not the card's key")
	}

	adminKey := bytes.Repeat([]byte{0xA5}, 16)
	write := func(id, token string, cert []byte) *protocol.Response {
		return call(t, con, id, protocol.CmdPersonaliseWrite, map[string]any{
			"token": token, "certificate": cert, "admin_key": adminKey, "pin": "246810",
		})
	}
	// A certificate of another key, or from another CA: refused, the
	// token not spent.
	wantError(t, write("w1", good, ca.issue(t, first.PublicKey, tok)), protocol.CodeBadRequest)
	wantError(t, write("w2", good, other.issue(t, kg.PublicKey, tok)), protocol.CodeBadRequest)
	wantError(t, write("w3", ca.token(t, expired), ca.issue(t, kg.PublicKey, tok)), protocol.CodeBadToken)
	wantError(t, call(t, ent, "w4", protocol.CmdPersonaliseWrite, map[string]any{
		"token": good, "certificate": ca.issue(t, kg.PublicKey, tok), "admin_key": adminKey, "pin": "246810",
	}), protocol.CodeNotIssuer)
	// Exact keys.
	wantError(t, callRaw(t, con, "w5", []byte(`{"id":"w5","command":"personalise_write","params":{"Token":"x","certificate":"AA==","admin_key":"AAAAAAAAAAAAAAAAAAAAAA==","pin":"246810"}}`)), protocol.CodeBadRequest)
	wantError(t, callRaw(t, con, "w6", []byte(`{"id":"w6","command":"personalise_keygen","params":{"token":"x","pin":"123456"}}`)), protocol.CodeBadRequest)
	if !card.Blank() {
		t.Fatal("a refused write finalised the card")
	}

	certDER := ca.issue(t, kg.PublicKey, tok)
	w := result[protocol.PersonaliseWriteResult](t, write("w7", good, certDER))
	if w.CardNumber != tok.CardNumber || card.Blank() {
		t.Fatalf("write result %+v, blank %v", w, card.Blank())
	}
	// The token is spent on this bridge; a personalised card is not blank.
	wantError(t, write("w8", good, certDER), protocol.CodeBadToken)
	wantError(t, call(t, con, "k3", protocol.CmdPersonaliseKeygen, map[string]string{"token": good}), protocol.CodeBadToken)
	fresh := ca.token(t, operatorToken("issue-2"))
	wantError(t, call(t, con, "k4", protocol.CmdPersonaliseKeygen, map[string]string{"token": fresh}), protocol.CodeNotBlank)
	wantError(t, write("w9", fresh, certDER), protocol.CodeNotBlank)

	// The card logs in: its certificate and the token's card info, and a
	// login signature under the certified key with the initial PIN.
	rc := result[protocol.ReadCertificateResult](t, call(t, ent, "r", protocol.CmdReadCertificate, nil))
	want := protocol.CardInfo{CardNumber: tok.CardNumber, HolderName: tok.HolderName, CreditCode: tok.CreditCode, Kind: "operator"}
	if !bytes.Equal(rc.Certificate, certDER) || rc.Card != want {
		t.Fatalf("read_certificate %+v", rc.Card)
	}
	nonce := bytes.Repeat([]byte{9}, 32)
	l := result[protocol.SignLoginResult](t, call(t, ent, "l", protocol.CmdSignLogin, map[string]any{"pin": "246810", "nonce": nonce}))
	pub, err := cardsig.PublicKey(l.Certificate)
	if err != nil || !cardsig.VerifyLogin(pub, originA, nonce, l.Signature) {
		t.Fatalf("login signature does not verify under the certified key: %v", err)
	}
	if !bytes.Equal(card.AdminKey(), adminKey) {
		t.Fatal("admin key not stored")
	}

	// change_pin: a wrong old PIN spends a try; the right one changes it.
	e := wantError(t, call(t, ent, "c1", protocol.CmdChangePIN, map[string]string{"old_pin": "000000", "new_pin": "135790"}), protocol.CodeWrongPIN)
	if e.TriesLeft != 4 || card.TriesLeft() != 4 {
		t.Fatalf("tries_left %d, card %d", e.TriesLeft, card.TriesLeft())
	}
	result[protocol.ChangePINResult](t, call(t, ent, "c2", protocol.CmdChangePIN, map[string]string{"old_pin": "246810", "new_pin": "135790"}))
	if card.TriesLeft() != cardapp.DefaultTries {
		t.Fatalf("tries after a right PIN: %d", card.TriesLeft())
	}
	wantError(t, call(t, ent, "c3", protocol.CmdVerifyPIN, map[string]string{"pin": "246810"}), protocol.CodeWrongPIN)
	result[protocol.VerifyPINResult](t, call(t, ent, "c4", protocol.CmdVerifyPIN, map[string]string{"pin": "135790"}))
	wantError(t, callRaw(t, ent, "c5", []byte(`{"id":"c5","command":"change_pin","params":{"old_pin":"135790","new_pin":"135790","pin":"1"}}`)), protocol.CodeBadRequest)
}

// TestPersonaliseOverPCSC personalises a blank soft card through pcscd and
// vpcd, then logs in with it.
func TestPersonaliseOverPCSC(t *testing.T) {
	card := testenv.NewBlankCard(t)
	env := testenv.Start(t, card)
	ca := newTestCA(t, "eportid test CA")
	personaliseScenario(t, startIssuerBridge(t, pcsc.NewService(env.Reader), ca), ca, card)
	// What the card stored survives a restart of the soft card.
	re, err := softcard.Open(card.Path())
	if err != nil || re.Blank() || re.Info().CardNumber != "8000000000000101" {
		t.Fatalf("reopened: %v", err)
	}
}

// TestPersonaliseInMemory runs the same through testenv.MemReader, the
// in-process reader of the end-to-end tests.
func TestPersonaliseInMemory(t *testing.T) {
	card := testenv.NewBlankCard(t)
	ca := newTestCA(t, "eportid test CA")
	personaliseScenario(t, startIssuerBridge(t, testenv.NewMemReader(card), ca), ca, card)
}

// TestPersonaliseNotBlank: a personalised card in the reader is refused
// not_blank, and the token stays good for the blank card put in instead.
func TestPersonaliseNotBlank(t *testing.T) {
	ca := newTestCA(t, "eportid test CA")
	reader := testenv.NewMemReader(testenv.NewCard(t))
	con := mustDial(t, startIssuerBridge(t, reader, ca), issuerOrigin)
	tok := operatorToken("issue-nb")
	good := ca.token(t, tok)
	wantError(t, call(t, con, "1", protocol.CmdPersonaliseKeygen, map[string]string{"token": good}), protocol.CodeNotBlank)
	blank := testenv.NewBlankCard(t)
	reader.Swap(blank)
	kg := result[protocol.PersonaliseKeygenResult](t, call(t, con, "2", protocol.CmdPersonaliseKeygen, map[string]string{"token": good}))
	cert := ca.issue(t, kg.PublicKey, tok)
	reader.Swap(testenv.NewCard(t))
	wantError(t, call(t, con, "3", protocol.CmdPersonaliseWrite, map[string]any{
		"token": good, "certificate": cert, "admin_key": make([]byte, 16), "pin": "123456"}), protocol.CodeNotBlank)
	reader.Swap(blank)
	result[protocol.PersonaliseWriteResult](t, call(t, con, "4", protocol.CmdPersonaliseWrite, map[string]any{
		"token": good, "certificate": cert, "admin_key": make([]byte, 16), "pin": "123456"}))
}

// TestIssuerConfig: issuer origins need the CA; without issuers every
// personalise command is not_issuer.
func TestIssuerConfig(t *testing.T) {
	ca := newTestCA(t, "eportid test CA")
	if _, err := bridge.New(bridge.Config{Origins: []string{originA}, IssuerOrigins: []string{issuerOrigin}}); err == nil {
		t.Error("issuer origins without a CA accepted")
	}
	if _, err := bridge.New(bridge.Config{Origins: []string{originA}, IssuerOrigins: []string{"http://example.com"}, IssuerCA: ca.cert}); err == nil {
		t.Error("an http issuer origin off the loopback accepted")
	}
	url := startBridge(t, testenv.NewMemReader(testenv.NewBlankCard(t)), 0, originA, issuerOrigin)
	c := mustDial(t, url, issuerOrigin)
	wantError(t, call(t, c, "1", protocol.CmdPersonaliseKeygen, map[string]string{"token": ca.token(t, operatorToken("i"))}), protocol.CodeNotIssuer)
	// An issuer origin is an allowed origin.
	url = startIssuerBridge(t, testenv.NewMemReader(testenv.NewCard(t)), ca)
	result[protocol.StatusResult](t, call(t, mustDial(t, url, issuerOrigin), "2", protocol.CmdStatus, nil))
}
