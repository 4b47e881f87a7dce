package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"eportid/app/model"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
	migrations "eportid/sql"
)

func TestMigrations(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			url := storetest.URL(t, d)

			// A fresh database without migrations is refused.
			_, err := store.Open(ctx, url, store.WithoutMigrations())
			wantErr(t, err, store.ErrSchemaTooOld, "fresh database, migrations disabled")

			s, err := store.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			applied := must(s.AppliedMigrations(ctx))(t)
			if !slices.Equal(applied, migrations.Names()) {
				t.Errorf("applied %v, want %v", applied, migrations.Names())
			}
			s.Close()

			// Opening again applies nothing and records nothing twice;
			// without migrations the complete schema is accepted.
			s = must(store.Open(ctx, url))(t)
			if got := must(s.AppliedMigrations(ctx))(t); !slices.Equal(got, applied) {
				t.Errorf("after reopening: %v", got)
			}
			s.Close()
			s = must(store.Open(ctx, url, store.WithoutMigrations()))(t)

			// Older: the last migration undone.
			last := applied[len(applied)-1]
			// How to undo each recent migration, newest last; a new
			// migration adds its line here.
			undo := map[string][]string{
				"0004_registries":      {`DROP TABLE registry_commerce`, `DROP TABLE registry_customs`, `DROP TABLE registry_forex`},
				"0020_cards":           {`DROP TABLE record_signatures`, `DROP TABLE card_sessions`, `DROP TABLE card_login_nonces`, `DROP TABLE cards`},
				"0023_card_management": {`DROP TABLE card_unlocks`, `DROP TABLE crls`, `DROP TABLE card_revocations`},
				"0021_issuance": {`DROP TABLE card_issuances`, `DROP INDEX cards_application_idx`,
					`ALTER TABLE cards DROP COLUMN application_id`, `ALTER TABLE cards DROP COLUMN id_number`},
				"0024_sealed_secrets": {`ALTER TABLE reviewers DROP COLUMN totp_sealed`},
				"0025_card_serials":   {`DROP INDEX cards_serial_idx`},
				"0026_kiosk": {`DROP INDEX sessions_kiosk_terminal_idx`, `ALTER TABLE sessions DROP COLUMN kiosk_terminal_id`,
					`DROP TABLE kiosk_terminals`},
			}
			if d == store.Postgres {
				undo["0020_cards"] = append(undo["0020_cards"], `DROP FUNCTION eportid_signatures_append_only()`)
			}
			undo["0022_integrity"] = undoIntegrity(d)
			undo["0027_audit_link"] = undoAuditLink(d)
			undo["0028_guard_cost"] = []string{`SELECT 1`}
			qs, ok := undo[last]
			if !ok {
				t.Fatalf("no undo for the last migration %s: add it to this test", last)
			}
			db := s.DB()
			for _, q := range qs {
				if _, err := db.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := db.Exec(db.Rebind(`DELETE FROM schema_migrations WHERE name = ?`), last); err != nil {
				t.Fatal(err)
			}
			s.Close()
			_, err = store.Open(ctx, url, store.WithoutMigrations())
			wantErr(t, err, store.ErrSchemaTooOld, "older schema, migrations disabled")
			// With migrations the missing one is applied.
			s = must(store.Open(ctx, url))(t)
			if err := s.LoadRefData(ctx); err != nil {
				t.Fatalf("refdata after re-applying %s: %v", last, err)
			}
			if err := s.LoadRegistryFixtures(ctx); err != nil {
				t.Fatalf("registry fixtures after re-applying %s: %v", last, err)
			}
			if got := must(s.AppliedMigrations(ctx))(t); !slices.Equal(got, migrations.Names()) {
				t.Errorf("after catching up: %v", got)
			}

			// Newer: a migration this binary does not know.
			if _, err := s.DB().Exec(s.DB().Rebind(`INSERT INTO schema_migrations (name, applied_at) VALUES (?, CURRENT_TIMESTAMP)`), "9999_future"); err != nil {
				t.Fatal(err)
			}
			s.Close()
			for _, opts := range [][]store.Option{nil, {store.WithoutMigrations()}} {
				_, err = store.Open(ctx, url, opts...)
				wantErr(t, err, store.ErrSchemaTooNew, "newer schema")
				if errors.Is(err, store.ErrSchemaTooOld) {
					t.Error("newer schema also reported as older")
				}
			}
		})
	}
}

// A migration that fails leaves nothing behind: each runs in one
// transaction with its record.
func TestMigrationIsOneTransaction(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			url := storetest.URL(t, d)
			s := must(store.Open(ctx, url))(t)
			// Make 0002 fail half-way when re-applied: unrecord it and keep
			// one of its later tables, so its first CREATE succeeds and a
			// later one fails.
			db := s.DB()
			for _, q := range []string{`DROP TABLE agent_point_departments`, `DROP TABLE refdata_sets`} {
				if _, err := db.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := db.Exec(`DELETE FROM schema_migrations WHERE name = '0002_refdata'`); err != nil {
				t.Fatal(err)
			}
			if _, err := store.Open(ctx, url); err == nil {
				t.Fatal("re-applying 0002 over existing tables succeeded")
			}
			// refdata_sets is 0002's first table: rolled back with the rest.
			var n int
			if err := db.Get(&n, `SELECT COUNT(*) FROM schema_migrations WHERE name = '0002_refdata'`); err != nil || n != 0 {
				t.Errorf("0002 recorded after failing (n=%d, err=%v)", n, err)
			}
			if _, err := db.Exec(`SELECT COUNT(*) FROM refdata_sets`); err == nil {
				t.Error("refdata_sets exists: the failed migration was not rolled back")
			}
		})
	}
}

func TestOpenSQLitePath(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, p := range []string{dir + "/a/b/eportid.db", "file:" + dir + "/c/eportid.db?_pragma=cache_size(-2000)"} {
		s, err := store.Open(ctx, p)
		if err != nil {
			t.Fatalf("Open(%s): %v", p, err)
		}
		if s.Dialect() != store.SQLite {
			t.Errorf("dialect %s", s.Dialect())
		}
		var mode string
		if err := s.DB().Get(&mode, `PRAGMA journal_mode`); err != nil || mode != "wal" {
			t.Errorf("journal_mode %q %v", mode, err)
		}
		var fk int
		if err := s.DB().Get(&fk, `PRAGMA foreign_keys`); err != nil || fk != 1 {
			t.Errorf("foreign_keys %d %v", fk, err)
		}
		s.Close()
	}
	if _, err := store.Open(ctx, ":memory:"); err == nil {
		t.Error("in-memory database accepted")
	}
	for u, want := range map[string]bool{"postgres://h/db": true, "postgresql://h/db": true, "/var/eportid.db": false, "file:x.db": false} {
		if got := store.IsPostgresURL(u); got != want {
			t.Errorf("IsPostgresURL(%s) = %v", u, got)
		}
	}
}

// undoAuditLink undoes migration 0026: on PostgreSQL, rows chained as
// they are inserted again (the rows inserted since are linked first).
func undoAuditLink(dialect string) []string {
	if dialect != store.Postgres {
		return []string{`SELECT 1`}
	}
	return []string{`SELECT eportid_audit_link(1000000)`,
		`DROP TRIGGER audit_log_unchained ON audit_log`, `DROP FUNCTION eportid_audit_unchained()`,
		`DROP FUNCTION eportid_audit_link(INTEGER)`, `DROP INDEX audit_log_unchained_idx`,
		`DROP TRIGGER audit_log_append_only ON audit_log`, `DROP FUNCTION eportid_audit_append_only()`,
		`CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
			FOR EACH ROW EXECUTE FUNCTION eportid_append_only()`,
		`ALTER TABLE audit_log ALTER COLUMN seq SET NOT NULL, ALTER COLUMN prev_hash SET NOT NULL,
			ALTER COLUMN hash SET NOT NULL`,
		`CREATE FUNCTION eportid_audit_chain() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
		DECLARE
			h audit_chain_head;
		BEGIN
			SELECT * INTO h FROM audit_chain_head WHERE id = 1 FOR UPDATE;
			NEW.seq := h.seq + 1;
			NEW.prev_hash := h.hash;
			NEW.hash := eportid_audit_hash(h.hash, NEW);
			UPDATE audit_chain_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1;
			RETURN NEW;
		END
		$$`,
		`CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION eportid_audit_chain()`}
}

// undoIntegrity undoes migration 0022: the guards of the record tables,
// the audit trail's chain and checkpoints.
func undoIntegrity(dialect string) []string {
	var qs []string
	for _, k := range model.Kinds {
		tables := []string{string(k.Kind) + "_filings"}
		if !k.NoChanges {
			tables = append(tables, string(k.Kind)+"_changes")
		}
		for _, t := range tables {
			if dialect == store.Postgres {
				qs = append(qs, `DROP TRIGGER `+t+`_guard ON `+t)
			} else {
				qs = append(qs, `DROP TRIGGER `+t+`_guard_insert`, `DROP TRIGGER `+t+`_guard_update`, `DROP TRIGGER `+t+`_guard_delete`)
			}
		}
	}
	if dialect == store.Postgres {
		return append(qs, `DROP FUNCTION eportid_guard_record()`, `DROP TRIGGER audit_log_chain ON audit_log`,
			`DROP FUNCTION eportid_audit_chain()`, `DROP FUNCTION eportid_audit_hash(TEXT, audit_log)`,
			`DROP TABLE audit_checkpoints`, `DROP TABLE audit_chain_head`,
			`ALTER TABLE audit_log DROP COLUMN seq, DROP COLUMN prev_hash, DROP COLUMN hash`)
	}
	return append(qs, `DROP TRIGGER audit_log_chain`, `DROP TRIGGER audit_log_chain_head`, `DROP TABLE audit_checkpoints`,
		`DROP TABLE audit_chain_head`, `DROP INDEX audit_log_seq_idx`,
		`ALTER TABLE audit_log DROP COLUMN seq`, `ALTER TABLE audit_log DROP COLUMN prev_hash`, `ALTER TABLE audit_log DROP COLUMN hash`)
}
