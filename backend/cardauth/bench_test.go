package cardauth_test

import (
	"testing"
	"time"

	"eportid/app/model"
	"eportid/backend/ca"
	"eportid/backend/cardauth"
)

// BenchmarkVerifyLogin is the server's cost of one card login check: parse
// the certificate, verify its chain (SM2 signature of the CA) and
// validity, read the identity, and verify the card's SM2 login signature.
func BenchmarkVerifyLogin(b *testing.B) {
	authority := newCA(b)
	card := newCard(b, authority, ca.CardLegalPerson)
	nonce := cardauth.NewNonce()
	raw, _ := cardauth.DecodeNonce(nonce)
	sig := card.SignLogin(b, testOrigin, raw)
	now := t0.Add(time.Hour)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := cardauth.VerifyLogin(authority, card.CertDER, testOrigin, nonce, sig, now); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
}

// BenchmarkVerifyRecord is the same for a declaration of ~40 fields.
func BenchmarkVerifyRecord(b *testing.B) {
	authority := newCA(b)
	card := newCard(b, authority, ca.CardLegalPerson)
	fields := map[string]string{}
	for i := range 40 {
		fields[string(rune('a'+i%26))+string(rune('a'+i/26))] = "上海市浦东新区示例路一百号"
	}
	now := t0.Add(time.Hour)
	c := model.CanonicalRecord("legal_person", 1, 1, fields)
	d := model.SignedDigest(c)
	sig := card.SignData(b, d[:])
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		c := model.CanonicalRecord("legal_person", 1, 1, fields)
		if _, err := cardauth.VerifyRecord(authority, card.CertDER, nil, c, sig, now); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
