package testenv

import (
	"path/filepath"
	"testing"

	"eportid/cardbridge/cardapp"
	"eportid/cardbridge/softcard"
)

// TestPIN is the PIN of NewCard's cards.
const TestPIN = "123456"

// TestInfo is the card info of NewCard's cards (the credit code has a
// correct check character).
var TestInfo = cardapp.CardInfo{
	CardNumber: "8000000000000042",
	HolderName: "李四",
	CreditCode: "91310000MA1FL0001R",
	Kind:       cardapp.KindLegalPerson,
}

// NewCard makes a fresh soft card with TestPIN and TestInfo, stored in a
// file under the test's temporary directory.
func NewCard(tb testing.TB) *softcard.Card {
	tb.Helper()
	c, err := softcard.New(filepath.Join(tb.TempDir(), "card.json"), softcard.Options{
		Info: TestInfo,
		PIN:  []byte(TestPIN),
	})
	if err != nil {
		tb.Fatalf("testenv: new soft card: %v", err)
	}
	return c
}

// NewBlankCard makes a blank soft card (softcard.NewBlank), stored in a
// file under the test's temporary directory, for personalisation through
// the bridge. Plug it into vpcd with Start, or into a MemReader.
func NewBlankCard(tb testing.TB) *softcard.Card {
	tb.Helper()
	c, err := softcard.NewBlank(filepath.Join(tb.TempDir(), "blank.json"))
	if err != nil {
		tb.Fatalf("testenv: new blank soft card: %v", err)
	}
	return c
}
