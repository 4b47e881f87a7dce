package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"eportid/backend/auth"
	"eportid/backend/store"
)

var passwordRe = regexp.MustCompile(`password:\s+(\S+)`)

// reviewer add prints a password that is the reviewer's; reset-password
// prints a new one that replaces it and keeps the TOTP secret; an unknown
// reviewer is named in the error.
func TestReviewerAddAndResetPassword(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "admin.db")
	keyFile := filepath.Join(t.TempDir(), "secrets.key")
	admin := adminCommand(ctx, map[string]string{"DATABASE_URL": db,
		"EPORTID_SECRET_KEY_FILE": keyFile, "EPORTID_SECRET_KEY_CREATE": "true"})
	out, err := admin("reviewer", "add", "-agent-point", "FJ01", "-username", "fj01-zhang")
	if err != nil {
		t.Fatalf("add: %v\n%s", err, out)
	}
	pw1 := passwordRe.FindStringSubmatch(out)
	out, err = admin("reviewer", "reset-password", "-username", "fj01-zhang")
	if err != nil {
		t.Fatalf("reset-password: %v\n%s", err, out)
	}
	pw2 := passwordRe.FindStringSubmatch(out)
	if pw1 == nil || pw2 == nil || pw1[1] == pw2[1] {
		t.Fatalf("passwords %q, %q", pw1, pw2)
	}

	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	key, err := auth.LoadSecretKeyFile(keyFile, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.UseSecretKey(ctx, key); err != nil {
		t.Fatal(err)
	}
	rv, err := st.ReviewerByUsername(ctx, "fj01-zhang")
	if err != nil {
		t.Fatal(err)
	}
	h := auth.NewHasher(auth.DefaultParams, 0)
	for pw, want := range map[string]bool{pw1[1]: false, pw2[1]: true} {
		if ok, _, err := h.Verify(ctx, rv.PasswordHash, pw); ok != want || err != nil {
			t.Errorf("password %s accepted %v, want %v (%v)", pw, ok, want, err)
		}
	}
	if !strings.Contains(out, auth.TOTPSecretText(rv.TOTPSecret.Reveal())) {
		t.Errorf("reset-password changed or hid the TOTP secret:\n%s", out)
	}

	if out, err := admin("reviewer", "reset-password", "-username", "nobody-here"); err == nil || !strings.Contains(err.Error(), `"nobody-here"`) {
		t.Errorf("unknown reviewer: %v\n%s", err, out)
	}
}

// adminCommand runs eportid-admin with the environment env and answers its
// output (standard output, then errors).
func adminCommand(ctx context.Context, env map[string]string) func(args ...string) (string, error) {
	return func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, args, func(k string) string { return env[k] }, &out, &errOut)
		return out.String() + errOut.String(), err
	}
}
