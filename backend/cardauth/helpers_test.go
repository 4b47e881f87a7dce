package cardauth_test

import (
	"testing"
	"time"

	"eportid/backend/ca"
	"eportid/backend/cardtest"
)

var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

const testOrigin = "http://127.0.0.1:8080"

func newCA(t testing.TB) *ca.CA {
	t.Helper()
	return cardtest.NewCA(t, func() time.Time { return t0 })
}

// newCard is a soft card holding a certificate from authority, driven
// with raw APDUs in process (no PC/SC), exactly as the bridge drives it.
func newCard(t testing.TB, authority *ca.CA, kind ca.CardKind) *cardtest.Card {
	t.Helper()
	return cardtest.New(t, authority, cardtest.Options{
		CreditCode: cardtest.CreditCode(t, "91310115MA1K4ABCD"),
		Kind:       kind,
		CardNumber: "8931000012345678",
		HolderName: "张三",
	})
}
