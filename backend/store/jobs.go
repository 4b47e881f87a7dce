package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	migrations "eportid/sql"
)

// Exclusive runs fn, a periodic job of the servers (the janitor's), unless
// another server on the same database runs the job of that name at the
// moment: then it returns ran false at once. On PostgreSQL the job is held
// by a transaction-scoped advisory lock (pg_try_advisory_xact_lock) on the
// schema and the job's name, taken in a transaction of its own that lasts
// while fn runs and ends with it (a server that dies lets go of its lock
// with its connection); fn does its work through the store as usual. A
// SQLite database has one server process: fn just runs.
func (s *Store) Exclusive(ctx context.Context, job string, fn func(ctx context.Context) error) (ran bool, err error) {
	if s.dialect != Postgres {
		return true, fn(ctx)
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("store: job %s: begin: %w", job, err)
	}
	defer func() { _ = tx.Rollback() }() // the lock's transaction writes nothing
	var got bool
	if err := tx.GetContext(ctx, &got,
		`SELECT pg_try_advisory_xact_lock(hashtextextended(current_schema() || '/job/' || $1, 0))`, job); err != nil {
		return false, fmt.Errorf("store: job %s: lock: %w", job, err)
	}
	if !got {
		return false, nil
	}
	return true, fn(ctx)
}

// Ready reports whether the database answers and holds every migration of
// the binary (the server's /readyz). Migrations the binary does not know
// (a newer release migrated the database during a rolling upgrade) leave
// it ready: migrations only add, and the old instance serves until it is
// replaced.
func (s *Store) Ready(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	applied, err := s.AppliedMigrations(ctx)
	if err != nil {
		return err
	}
	var missing []string
	for _, n := range migrations.Names() {
		if !slices.Contains(applied, n) {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: migrations %s are not applied", ErrSchemaTooOld, strings.Join(missing, ", "))
	}
	return nil
}
