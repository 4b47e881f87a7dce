package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"

	migrations "eportid/sql"
)

// migrationLock is the PostgreSQL advisory lock key that serializes
// migrations of servers starting at the same time ("eportid" in ASCII).
const migrationLock = 0x65706f72746964

// migrationHooks are the steps of a migration that its SQL cannot take, by
// dialect/name, run after the SQL in the migration's transaction.
var migrationHooks = map[string]func(context.Context, *sqlx.Tx) error{
	SQLite + "/0022_integrity": sealAuditSQLite,
}

// migrate applies the pending migrations (if apply) and checks that the
// database's schema is exactly the binary's.
func (s *Store) migrate(ctx context.Context, apply bool) error {
	want := migrations.Names()
	if apply {
		list, err := migrations.For(s.dialect)
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
		timestamp := "TIMESTAMP"
		if s.dialect == Postgres {
			timestamp = "TIMESTAMPTZ"
		}
		err = s.inTx(ctx, func(tx *sqlx.Tx) error {
			if err := s.lockMigrations(ctx, tx); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
				name TEXT PRIMARY KEY,
				applied_at `+timestamp+` NOT NULL
			)`)
			return err
		})
		if pq.As(err, pqerror.InsufficientPrivilege) != nil || pq.As(err, pqerror.InvalidSchemaName) != nil {
			return fmt.Errorf("store: create schema_migrations: %w (migrations need the role that owns the schema: WithMigrationURL, the server's EPORTID_MIGRATE_DATABASE_URL)", err)
		}
		if err != nil {
			return fmt.Errorf("store: create schema_migrations: %w", err)
		}
		// Refuse a newer schema before touching anything.
		if err := s.checkSchema(ctx, want, false); err != nil {
			return err
		}
		for _, m := range list {
			if err := s.applyMigration(ctx, m); err != nil {
				return err
			}
		}
	}
	return s.checkSchema(ctx, want, true)
}

// applyMigration runs one migration and records it, in one transaction,
// unless it is recorded already.
func (s *Store) applyMigration(ctx context.Context, m migrations.Migration) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.lockMigrations(ctx, tx); err != nil {
			return err
		}
		var n int
		if err := tx.GetContext(ctx, &n, s.q(`SELECT COUNT(*) FROM schema_migrations WHERE name = ?`), m.Name); err != nil {
			return fmt.Errorf("store: read schema_migrations: %w", err)
		}
		if n > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("store: migration %s: %w", m.Name, err)
		}
		if hook := migrationHooks[s.dialect+"/"+m.Name]; hook != nil {
			if err := hook(ctx, tx); err != nil {
				return fmt.Errorf("store: migration %s: %w", m.Name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`), m.Name, s.nowUTC()); err != nil {
			return fmt.Errorf("store: record migration %s: %w", m.Name, err)
		}
		return nil
	})
}

// lockMigrations serializes migrating servers: on PostgreSQL an advisory
// lock held to the end of tx (a second server starting now waits here, then
// sees the migration recorded); SQLite's write transactions take the
// database lock at BEGIN already (_txlock=immediate).
func (s *Store) lockMigrations(ctx context.Context, tx *sqlx.Tx) error {
	if s.dialect != Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
		return fmt.Errorf("store: migration lock: %w", err)
	}
	return nil
}

// checkSchema compares the recorded migrations with want: a name outside
// want is ErrSchemaTooNew; when complete is set, a name of want not
// recorded is ErrSchemaTooOld.
func (s *Store) checkSchema(ctx context.Context, want []string, complete bool) error {
	applied, err := s.AppliedMigrations(ctx)
	if err != nil {
		return err
	}
	var unknown, missing []string
	for _, n := range applied {
		if !slices.Contains(want, n) {
			unknown = append(unknown, n)
		}
	}
	for _, n := range want {
		if !slices.Contains(applied, n) {
			missing = append(missing, n)
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("%w: it has migrations %s that this binary does not know (it knows up to %s); run a release at least as new as the one that migrated it",
			ErrSchemaTooNew, strings.Join(unknown, ", "), want[len(want)-1])
	}
	if complete && len(missing) > 0 {
		return fmt.Errorf("%w: migrations %s are not applied and migrations are disabled; start once with migrations enabled",
			ErrSchemaTooOld, strings.Join(missing, ", "))
	}
	return nil
}

// AppliedMigrations returns the names recorded in schema_migrations, in
// order; none when the table does not exist.
func (s *Store) AppliedMigrations(ctx context.Context) ([]string, error) {
	var exists bool
	var err error
	switch s.dialect {
	case Postgres:
		err = s.db.GetContext(ctx, &exists, `SELECT to_regclass('schema_migrations') IS NOT NULL`)
	default:
		var n int
		err = s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`)
		exists = n > 0
	}
	if err != nil {
		return nil, fmt.Errorf("store: look for schema_migrations: %w", err)
	}
	if !exists {
		return nil, nil
	}
	var names []string
	if err := s.db.SelectContext(ctx, &names, `SELECT name FROM schema_migrations ORDER BY name`); err != nil {
		return nil, fmt.Errorf("store: read schema_migrations: %w", err)
	}
	return names, nil
}
