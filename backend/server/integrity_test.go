package server_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"eportid/backend/server"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// On PostgreSQL the server migrates as the owner role
// (EPORTID_MIGRATE_DATABASE_URL) and runs as the application role; run on
// the owner role alone it warns that it can turn the triggers off.
func TestServerRunsAsApplicationRole(t *testing.T) {
	app, owner := storetest.URLs(t, store.Postgres)
	open := func(cfg server.Config) (*server.Main, string) {
		var logs bytes.Buffer
		cfg.Addr, cfg.WebDir, cfg.Stdout, cfg.NoJanitor = "127.0.0.1:0", t.TempDir(), io.Discard, true
		cfg.Log = slog.New(slog.NewTextHandler(&logs, nil))
		srv := server.New(cfg)
		if err := srv.Open(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
		return srv, logs.String()
	}
	cfg, err := server.ParseConfig(nil, func(k string) string {
		return map[string]string{"DATABASE_URL": app, "EPORTID_MIGRATE_DATABASE_URL": owner}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	// No CA, and the sealing key in the test's own directory, not in
	// the default var/ca of the working directory.
	cfg.CADir, cfg.SecretKeyFile = "", filepath.Join(t.TempDir(), "secrets.key")
	srv, logs := open(cfg)
	var role string
	if err := srv.Store.DB().Get(&role, `SELECT current_user`); err != nil || role != storetest.AppRole {
		t.Errorf("the server connects as %q (%v), want %s", role, err, storetest.AppRole)
	}
	if strings.Contains(logs, "level=WARN") {
		t.Errorf("warnings as the application role:\n%s", logs)
	}
	if _, err := srv.Store.DB().Exec(`SET session_replication_role = replica`); err == nil {
		t.Error("the server's role may set session_replication_role")
	}
	srv.Close()

	_, logs = open(server.Config{DatabaseURL: owner})
	if !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "owns the tables") {
		t.Errorf("no warning as the owner role:\n%s", logs)
	}
}
