// Package cardtest gives tests soft cards whose certificates the back end's
// CA issued, and drives them in process exactly as the card bridge drives a
// card (SELECT, VERIFY, PSO: COMPUTE DIGITAL SIGNATURE over the digest the
// bridge computes), so HTTP tests can log in and sign without PC/SC. The
// same cards can be put into the vpcd virtual reader (cardbridge/testenv)
// for tests through the real stack.
package cardtest

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

// PIN is the PIN of the cards made here.
const PIN = "123456"

// Options describe a card; zero fields take defaults.
type Options struct {
	CreditCode     string      // default DefaultCreditCode
	Kind           ca.CardKind // default ca.CardLegalPerson
	CardNumber     string      // default "8000000000000042"
	HolderName     string      // default "李四"
	EnterpriseName string      // subject O; default none
	NotBefore      time.Time   // default the CA's now
	NotAfter       time.Time   // default NotBefore + 2 years
	// File, when set, stores the card in a file (for softcard.Open or a
	// vpcd run); default memory only.
	File string
}

// DefaultCreditCode is a credit code with a correct check character.
const DefaultCreditCode = "91310000MA1FL0001R"

// Card is a soft card with a certificate of a CA.
type Card struct {
	Soft     *softcard.Card
	CertDER  []byte
	Identity ca.Identity
}

// CreditCode returns a valid credit code made of the 17 characters body.
func CreditCode(tb testing.TB, body string) string {
	tb.Helper()
	c, err := model.CreditCodeCheckChar(body)
	if err != nil {
		tb.Fatal(err)
	}
	return body + string(c)
}

// New makes a key, has authority issue its certificate and puts both on a
// soft card with PIN.
func New(tb testing.TB, authority *ca.CA, o Options) *Card {
	tb.Helper()
	if o.CreditCode == "" {
		o.CreditCode = DefaultCreditCode
	}
	if o.Kind == "" {
		o.Kind = ca.CardLegalPerson
	}
	if o.CardNumber == "" {
		o.CardNumber = "8000000000000042"
	}
	if o.HolderName == "" {
		o.HolderName = "李四"
	}
	key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	cert, der, err := authority.Issue(ca.IssueRequest{
		PublicKey: &key.PublicKey, CreditCode: o.CreditCode, CardKind: o.Kind, CardNumber: o.CardNumber,
		HolderName: o.HolderName, EnterpriseName: o.EnterpriseName, NotBefore: o.NotBefore, NotAfter: o.NotAfter,
	})
	if err != nil {
		tb.Fatalf("cardtest: issue: %v", err)
	}
	id, err := ca.CardIdentity(cert)
	if err != nil {
		tb.Fatal(err)
	}
	kind, err := cardapp.ParseCardKind(string(o.Kind))
	if err != nil {
		tb.Fatal(err)
	}
	sc, err := softcard.New(o.File, softcard.Options{
		Info: cardapp.CardInfo{CardNumber: o.CardNumber, HolderName: o.HolderName, CreditCode: o.CreditCode, Kind: kind},
		PIN:  []byte(PIN), Key: key, Certificate: der,
		AdminKey: authority.AdminKey(o.CardNumber), // as the agent point's 制卡 sets it
	})
	if err != nil {
		tb.Fatalf("cardtest: soft card: %v", err)
	}
	return &Card{Soft: sc, CertDER: der, Identity: id}
}

// NewCA opens a fresh CA in a temporary directory, with clock now (nil:
// time.Now).
func NewCA(tb testing.TB, now func() time.Time) *ca.CA {
	tb.Helper()
	authority, err := ca.OpenOrCreate(filepath.Join(tb.TempDir(), "ca"), ca.Options{Create: true, Now: now})
	if err != nil {
		tb.Fatal(err)
	}
	return authority
}

// sign runs SELECT, VERIFY PIN and PSO: COMPUTE DIGITAL SIGNATURE over e.
func (c *Card) sign(tb testing.TB, e []byte) []byte {
	tb.Helper()
	c.Soft.Reset()
	cmds := []cardapp.Command{
		{CLA: cardapp.CLAISO, INS: cardapp.INSSelect, P1: cardapp.P1SelectByAID, P2: 0x0C, Data: cardapp.AID},
		{CLA: cardapp.CLAISO, INS: cardapp.INSVerify, P2: cardapp.P2PIN, Data: []byte(PIN)},
		{CLA: cardapp.CLAISO, INS: cardapp.INSPerformSecurityOp, P1: cardapp.P1P2SignHi, P2: cardapp.P1P2SignLo, Data: e, Ne: 256},
	}
	var out []byte
	for _, cmd := range cmds {
		apdu, err := cmd.Bytes()
		if err != nil {
			tb.Fatal(err)
		}
		r, err := cardapp.ParseResponse(c.Soft.Process(apdu))
		if err != nil || r.SW != cardapp.SWOK {
			tb.Fatalf("cardtest: INS %02X: SW %04X %v", cmd.INS, r.SW, err)
		}
		out = append([]byte(nil), r.Data...)
	}
	c.Soft.Reset()
	return out
}

// SignLogin is the bridge's sign_login for a page of origin.
func (c *Card) SignLogin(tb testing.TB, origin string, nonce []byte) []byte {
	tb.Helper()
	e, err := cardsig.LoginDigest(c.Soft.PublicKey(), origin, nonce)
	if err != nil {
		tb.Fatal(err)
	}
	return c.sign(tb, e)
}

// SignData is the bridge's sign of data.
func (c *Card) SignData(tb testing.TB, data []byte) []byte {
	tb.Helper()
	e, err := cardsig.SignDigest(c.Soft.PublicKey(), data)
	if err != nil {
		tb.Fatal(err)
	}
	return c.sign(tb, e)
}

// SignRecord is what the page has the card sign for a declaration: the
// bridge's sign of SignedDigest(CanonicalRecord(kind, id, version, fields)).
func (c *Card) SignRecord(tb testing.TB, kind string, id int64, version int, fields map[string]string) []byte {
	tb.Helper()
	d := model.SignedDigest(model.CanonicalRecord(kind, id, version, fields))
	return c.SignData(tb, d[:])
}
