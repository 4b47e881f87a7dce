package cardauth_test

import (
	"crypto/rand"
	"path/filepath"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"

	"eportid/app/model"
	"eportid/backend/ca"
	"eportid/cardbridge/cardapp"
	"eportid/cardbridge/cardsig"
	"eportid/cardbridge/softcard"
)

var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

const (
	testOrigin = "http://127.0.0.1:8080"
	testPIN    = "123456"
)

func newCA(t testing.TB) *ca.CA {
	t.Helper()
	c, err := ca.OpenOrCreate(filepath.Join(t.TempDir(), "ca"), ca.Options{
		Create: true, Now: func() time.Time { return t0 },
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// testCard is a soft card holding a certificate from a CA, driven with
// raw APDUs in process (no PC/SC), exactly as the bridge drives it.
type testCard struct {
	card    *softcard.Card
	certDER []byte
	id      ca.Identity
}

func newCard(t testing.TB, authority *ca.CA, kind ca.CardKind) *testCard {
	t.Helper()
	key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	c, err := model.CreditCodeCheckChar("91310115MA1K4ABCD")
	if err != nil {
		t.Fatal(err)
	}
	req := ca.IssueRequest{
		PublicKey:  &key.PublicKey,
		CreditCode: "91310115MA1K4ABCD" + string(c),
		CardKind:   kind,
		CardNumber: "8931000012345678",
		HolderName: "张三",
	}
	cert, der, err := authority.Issue(req)
	if err != nil {
		t.Fatal(err)
	}
	id, err := ca.CardIdentity(cert)
	if err != nil {
		t.Fatal(err)
	}
	ck, err := cardapp.ParseCardKind(string(kind))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := softcard.New("", softcard.Options{
		Info: cardapp.CardInfo{CardNumber: req.CardNumber, HolderName: req.HolderName, CreditCode: req.CreditCode, Kind: ck},
		PIN:  []byte(testPIN), Key: key, Certificate: der,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &testCard{card: sc, certDER: der, id: id}
}

// sign runs SELECT, VERIFY PIN and PSO: COMPUTE DIGITAL SIGNATURE over e.
func (c *testCard) sign(t testing.TB, e []byte) []byte {
	t.Helper()
	c.card.Reset()
	cmds := []cardapp.Command{
		{CLA: cardapp.CLAISO, INS: cardapp.INSSelect, P1: cardapp.P1SelectByAID, P2: 0x0C, Data: cardapp.AID},
		{CLA: cardapp.CLAISO, INS: cardapp.INSVerify, P2: cardapp.P2PIN, Data: []byte(testPIN)},
		{CLA: cardapp.CLAISO, INS: cardapp.INSPerformSecurityOp, P1: cardapp.P1P2SignHi, P2: cardapp.P1P2SignLo, Data: e, Ne: 256},
	}
	var out []byte
	for _, cmd := range cmds {
		apdu, err := cmd.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		r, err := cardapp.ParseResponse(c.card.Process(apdu))
		if err != nil || r.SW != cardapp.SWOK {
			t.Fatalf("INS %02X: SW %04X %v", cmd.INS, r.SW, err)
		}
		out = append([]byte(nil), r.Data...)
	}
	return out
}

// signLogin is the bridge's sign_login for a page of origin.
func (c *testCard) signLogin(t testing.TB, origin string, nonce []byte) []byte {
	t.Helper()
	e, err := cardsig.LoginDigest(c.card.PublicKey(), origin, nonce)
	if err != nil {
		t.Fatal(err)
	}
	return c.sign(t, e)
}

// signData is the bridge's sign of data.
func (c *testCard) signData(t testing.TB, data []byte) []byte {
	t.Helper()
	e, err := cardsig.SignDigest(c.card.PublicKey(), data)
	if err != nil {
		t.Fatal(err)
	}
	return c.sign(t, e)
}
