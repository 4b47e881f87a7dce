package server_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"eportid/backend/auth"
	"eportid/backend/server"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// The secret key: ParseConfig puts it next to the CA's key (or takes
// EPORTID_SECRET_KEY / EPORTID_SECRET_KEY_FILE); the server makes it on a
// development start, seals the demo reviewer's TOTP secret with it, starts
// again with it, and refuses to start with another key.
func TestSecretKeyAtRest(t *testing.T) {
	c, err := server.ParseConfig(nil, func(k string) string { return map[string]string{"EPORTID_CA_DIR": "/etc/eportid/ca"}[k] })
	if err != nil || c.SecretKeyFile != "/etc/eportid/ca/secrets.key" || c.SecretKeyCreate {
		t.Fatalf("with EPORTID_CA_DIR: %q create %v, %v", c.SecretKeyFile, c.SecretKeyCreate, err)
	}
	c, _ = server.ParseConfig(nil, func(string) string { return "" })
	if c.SecretKeyFile != filepath.Join(server.DefaultCADir, "secrets.key") || !c.SecretKeyCreate {
		t.Fatalf("development default: %q create %v", c.SecretKeyFile, c.SecretKeyCreate)
	}
	if _, err := server.ParseConfig(nil, func(k string) string { return map[string]string{"EPORTID_SECRET_KEY": "c2hvcnQ="}[k] }); err == nil ||
		!strings.Contains(err.Error(), "EPORTID_SECRET_KEY") {
		t.Fatalf("a short EPORTID_SECRET_KEY: %v", err)
	}

	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			url := storetest.URL(t, d)
			keyFile := filepath.Join(t.TempDir(), "ca", "secrets.key")
			start := func(file string, create bool) (*server.Main, error) {
				srv := server.New(server.Config{Addr: "127.0.0.1:0", DatabaseURL: url, WebDir: t.TempDir(), Log: quiet,
					Stdout: io.Discard, NoJanitor: true, DemoData: true, SecretKeyFile: file, SecretKeyCreate: create})
				return srv, srv.Open(ctx)
			}
			srv, err := start(keyFile, true)
			if err != nil {
				t.Fatal(err)
			}
			srv.Close()
			key, err := auth.LoadSecretKeyFile(keyFile, false)
			if err != nil {
				t.Fatalf("key file not made: %v", err)
			}
			st, err := store.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			var rows []struct {
				Secret []byte `db:"totp_secret"`
				Sealed bool   `db:"totp_sealed"`
			}
			if err := st.DB().Select(&rows, `SELECT totp_secret, totp_sealed FROM reviewers`); err != nil || len(rows) != 1 || !rows[0].Sealed {
				t.Fatalf("demo reviewer: %+v %v", rows, err)
			}
			if err := st.UseSecretKey(ctx, key); err != nil {
				t.Fatal(err)
			}
			rv, err := st.ReviewerByUsername(ctx, "demo-reviewer-fj01")
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(rows[0].Secret, rv.TOTPSecret.Reveal()) {
				t.Fatal("the TOTP secret is in the database in clear")
			}
			// Again with the same key: fine; with another key: refused.
			if srv, err = start(keyFile, false); err != nil {
				t.Fatalf("restart with the key: %v", err)
			}
			srv.Close()
			other := filepath.Join(t.TempDir(), "other.key")
			if _, err := start(other, true); err == nil {
				t.Fatal("started with another key")
			}
			os.Remove(other)
			if _, err := start(filepath.Join(t.TempDir(), "missing.key"), false); err == nil {
				t.Fatal("started without its key file")
			}
		})
	}
}
