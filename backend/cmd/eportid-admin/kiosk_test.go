package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"eportid/backend/auth"
	"eportid/backend/store"
)

var enrolLinkRe = regexp.MustCompile(`(https?://\S+)/kiosk/enrol#(\S+)`)

// kiosk enrol prints a one-time link at the base URL whose token enrols a
// terminal of the agent point; kiosk list shows it; kiosk revoke ends it;
// an unknown agent point or terminal is named in the error.
func TestKioskEnrolListRevoke(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "admin.db")
	admin := adminCommand(ctx, map[string]string{"DATABASE_URL": db, "EPORTID_BASE_URL": "https://eportid.example.cn"})
	out, err := admin("kiosk", "enrol", "-agent-point", "FJ01", "-name", "大厅 1 号机")
	if err != nil {
		t.Fatalf("enrol: %v\n%s", err, out)
	}
	m := enrolLinkRe.FindStringSubmatch(out)
	if m == nil || m[1] != "https://eportid.example.cn" {
		t.Fatalf("no enrolment link at the base URL in\n%s", out)
	}
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, cookieHash := auth.NewToken()
	k, err := st.EnrolKioskTerminal(ctx, auth.HashToken(m[2]), cookieHash, time.Now())
	if err != nil || k.AgentPoint != "FJ01" || k.Name != "大厅 1 号机" || k.CreatedBy != "eportid-admin" {
		t.Fatalf("enrol with the printed token: %+v %v", k, err)
	}
	if out, err = admin("kiosk", "list"); err != nil || !strings.Contains(out, "大厅 1 号机") || !strings.Contains(out, "enrolled") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	if out, err = admin("kiosk", "revoke", "-id", "1"); err != nil || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: %v\n%s", err, out)
	}
	if _, err := st.KioskTerminalByToken(ctx, cookieHash); err == nil {
		t.Fatal("the revoked terminal's cookie still counts")
	}
	if _, err = admin("kiosk", "enrol", "-agent-point", "XX99", "-name", "x"); err == nil || !strings.Contains(err.Error(), "XX99") {
		t.Fatalf("unknown agent point: %v", err)
	}
	if _, err = admin("kiosk", "revoke", "-id", "7"); err == nil || !strings.Contains(err.Error(), "7") {
		t.Fatalf("unknown terminal: %v", err)
	}
}
