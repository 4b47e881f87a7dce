package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// LoginFailures returns the failed logins counted for key and the time of
// the last one; 0 and the zero time when none.
func (s *Store) LoginFailures(ctx context.Context, key string) (n int, last time.Time, err error) {
	row := struct {
		N    int       `db:"failures"`
		Last time.Time `db:"last_failure_at"`
	}{}
	err = s.db.GetContext(ctx, &row, s.q(`SELECT failures, last_failure_at FROM login_failures WHERE key = ?`), key)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, nil
	}
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("store: login failures: %w", err)
	}
	return row.N, row.Last.UTC(), nil
}

// RecordLoginFailure counts one more failed login for key at now and
// returns the new count. Concurrent calls each count (one statement).
func (s *Store) RecordLoginFailure(ctx context.Context, key string, now time.Time) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, s.q(`INSERT INTO login_failures (key, failures, last_failure_at) VALUES (?, 1, ?)
		ON CONFLICT (key) DO UPDATE SET failures = login_failures.failures + 1, last_failure_at = excluded.last_failure_at
		RETURNING failures`), key, ts(now))
	if err != nil {
		return 0, fmt.Errorf("store: record login failure: %w", err)
	}
	return n, nil
}

// ClearLoginFailures forgets the failed logins of key (after a success).
func (s *Store) ClearLoginFailures(ctx context.Context, key string) error {
	if _, err := s.exec(ctx, s.q(`DELETE FROM login_failures WHERE key = ?`), key); err != nil {
		return fmt.Errorf("store: clear login failures: %w", err)
	}
	return nil
}

// DeleteLoginFailuresBefore forgets the keys whose last failure is before
// cutoff (housekeeping) and returns how many.
func (s *Store) DeleteLoginFailuresBefore(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM login_failures WHERE last_failure_at < ?`), ts(cutoff))
	if err != nil {
		return 0, fmt.Errorf("store: delete login failures: %w", err)
	}
	return res.RowsAffected()
}

// CountAttempt counts one attempt of key at now, before the attempt is
// made, if decide lets it: decide sees the count and the time of the last
// counted attempt (0 and the zero time when none) and returns how long the
// key must still wait (> 0: refused, nothing counted) and the count to add
// this attempt to (n, or 0 when the old count is forgotten). Read, decision
// and count are one transaction holding the key's row (locked by the
// statement that creates it if missing, on PostgreSQL; SQLite's write transaction locks the database at BEGIN), so
// concurrent attempts on one key are decided one after the other, each
// seeing those before it.
func (s *Store) CountAttempt(ctx context.Context, key string, now time.Time,
	decide func(n int, last time.Time) (wait time.Duration, from int)) (time.Duration, error) {
	var wait time.Duration
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		// One statement creates the key's row if need be and locks it
		// (the no-op update of ON CONFLICT takes the row's lock).
		var row struct {
			N    int
			Last time.Time
		}
		if err := s.queryRowTx(ctx, tx, s.q(`INSERT INTO login_failures (key, failures, last_failure_at) VALUES (?, 0, ?)
			ON CONFLICT (key) DO UPDATE SET failures = login_failures.failures
			RETURNING failures, last_failure_at`), key, ts(now)).Scan(&row.N, &row.Last); err != nil {
			return fmt.Errorf("store: count attempt: %w", err)
		}
		last := row.Last.UTC()
		if row.N == 0 {
			last = time.Time{}
		}
		var from int
		if wait, from = decide(row.N, last); wait > 0 {
			return nil
		}
		if _, err := s.execTx(ctx, tx, s.q(`UPDATE login_failures SET failures = ?, last_failure_at = ? WHERE key = ?`),
			from+1, ts(now), key); err != nil {
			return fmt.Errorf("store: count attempt: %w", err)
		}
		return nil
	})
	return wait, err
}

// ReleaseAttempt takes back one attempt counted by CountAttempt (one that
// turned out not to count: a successful login from a shared address).
func (s *Store) ReleaseAttempt(ctx context.Context, key string) error {
	if _, err := s.exec(ctx, s.q(`UPDATE login_failures SET failures = failures - 1 WHERE key = ? AND failures > 0`), key); err != nil {
		return fmt.Errorf("store: release attempt: %w", err)
	}
	return nil
}
