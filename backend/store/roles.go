package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// The roles of a PostgreSQL deployment (README "PostgreSQL roles"): the
// owner role owns the schema and every table, function and trigger, and
// runs the migrations (WithMigrationURL); the application role, which the
// server connects as, owns nothing and holds only the grants of grantApp:
// no DDL, no TRUNCATE, no TRIGGER, no session_replication_role (a
// superuser's), no write of the append-only tables. Neither is a superuser.

// appendOnly are the tables the application only inserts into and reads;
// their triggers refuse UPDATE and DELETE too.
var appendOnly = []string{"audit_log", "audit_checkpoints", "filing_history", "card_events",
	"declarant_binding_log", "record_signatures"}

// readOnly are the tables the application only reads: the migrations'
// record, and the chain's head, which the linking function
// (eportid_audit_link, SECURITY DEFINER, the owner's) moves.
var readOnly = []string{"schema_migrations", "audit_chain_head"}

// migrateAsOwner applies the migrations (if apply) through a connection to
// ownerURL, then grants the role s connects as what the application needs.
func (s *Store) migrateAsOwner(ctx context.Context, ownerURL string, apply bool) error {
	if s.dialect != Postgres || !IsPostgresURL(ownerURL) {
		return fmt.Errorf("store: a migration URL is for PostgreSQL only")
	}
	odb, err := sqlx.Open("postgres", ownerURL)
	if err != nil {
		return fmt.Errorf("store: open migration connection: %w", err)
	}
	defer odb.Close()
	odb.SetMaxOpenConns(2)
	owner := &Store{db: odb, dialect: Postgres, now: s.now}
	if err := owner.migrate(ctx, apply); err != nil {
		return err
	}
	var app string
	if err := s.db.GetContext(ctx, &app, `SELECT current_user`); err != nil {
		return fmt.Errorf("store: application role: %w", err)
	}
	return owner.grantApp(ctx, app)
}

// grantApp grants role, in the current schema, the rights of the
// application: SELECT, INSERT, UPDATE and DELETE of the tables but for
// appendOnly (SELECT, INSERT) and readOnly (SELECT), and the use of their
// sequences. Run by the owner after every migration; idempotent.
func (s *Store) grantApp(ctx context.Context, role string) error {
	var schema, owner string
	if err := s.db.QueryRowxContext(ctx, `SELECT current_schema(), current_user`).Scan(&schema, &owner); err != nil {
		return fmt.Errorf("store: grants: %w", err)
	}
	if role == owner {
		return fmt.Errorf("store: the application role %s is the migration role: give the server a role of its own", role)
	}
	r, sc := pq.QuoteIdentifier(role), pq.QuoteIdentifier(schema)
	list := func(ts []string) string { return strings.Join(ts, ", ") }
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		for _, q := range []string{
			`REVOKE ALL ON ALL TABLES IN SCHEMA ` + sc + ` FROM ` + r,
			`GRANT USAGE ON SCHEMA ` + sc + ` TO ` + r,
			`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ` + sc + ` TO ` + r,
			`REVOKE UPDATE, DELETE ON ` + list(appendOnly) + ` FROM ` + r,
			`REVOKE INSERT, UPDATE, DELETE ON ` + list(readOnly) + ` FROM ` + r,
			`REVOKE UPDATE ON attachments FROM ` + r,
			`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ` + sc + ` TO ` + r,
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("store: grants to %s: %w", role, err)
			}
		}
		return nil
	})
}

// RoleWarning says why the role the store connects as can undo what the
// database protects: a superuser, or the owner of the tables (it may turn
// their triggers off); "" for SQLite and for a role without either.
func (s *Store) RoleWarning(ctx context.Context) (string, error) {
	if s.dialect != Postgres {
		return "", nil
	}
	var role string
	var super, owns bool
	err := s.db.QueryRowxContext(ctx, `SELECT current_user, r.rolsuper,
		EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tableowner = current_user)
		FROM pg_roles r WHERE r.rolname = current_user`).Scan(&role, &super, &owns)
	if err != nil {
		return "", fmt.Errorf("store: role: %w", err)
	}
	switch {
	case super:
		return fmt.Sprintf("the server connects to PostgreSQL as %s, a superuser: it can turn the database's triggers off; connect as the application role and migrate with EPORTID_MIGRATE_DATABASE_URL", role), nil
	case owns:
		return fmt.Sprintf("the server connects to PostgreSQL as %s, which owns the tables: it can change the schema and turn its triggers off; connect as the application role and migrate with EPORTID_MIGRATE_DATABASE_URL", role), nil
	}
	return "", nil
}
