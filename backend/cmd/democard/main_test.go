package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"eportid/backend/store"
)

// TestPrepare: the demo card is made, registered with its enterprise and
// printed; a second start reuses it; a CA made anew gets a new card whose
// certificate replaces the old one in the database.
func TestPrepare(t *testing.T) {
	t.Setenv("EPORTID_CA_DIR", "")
	dir := t.TempDir()
	file, caDir, db := filepath.Join(dir, "card.json"), filepath.Join(dir, "ca"), filepath.Join(dir, "db.sqlite")
	ctx := context.Background()
	var out bytes.Buffer
	card, err := prepare(ctx, file, caDir, db, &out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "PIN: 123456") || !strings.Contains(out.String(), demoCardNumber) {
		t.Fatalf("printed %q", out.String())
	}
	serial1 := cardSerial(t, db)
	if _, err := prepare(ctx, file, caDir, db, &out); err != nil {
		t.Fatal(err)
	}
	if cardSerial(t, db) != serial1 {
		t.Fatal("a second start changed the card")
	}
	if err := os.RemoveAll(caDir); err != nil {
		t.Fatal(err)
	}
	card2, err := prepare(ctx, file, caDir, db, &out)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(card.Certificate(), card2.Certificate()) || cardSerial(t, db) == serial1 {
		t.Fatal("a new CA kept the old card")
	}
	if m, _ := filepath.Glob(file + ".old-*"); len(m) != 1 {
		t.Fatalf("old card file not kept aside: %v", m)
	}
}

func cardSerial(t *testing.T, db string) string {
	t.Helper()
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := st.CardByNumber(context.Background(), demoCardNumber)
	if err != nil || c.State != store.CardActive {
		t.Fatalf("card %+v %v", c, err)
	}
	e, err := st.EnterpriseByID(context.Background(), c.EnterpriseID)
	if err != nil || e.CreditCode != demoCreditCode || e.NameCN != demoEnterprise {
		t.Fatalf("enterprise %+v %v", e, err)
	}
	return c.Serial
}
