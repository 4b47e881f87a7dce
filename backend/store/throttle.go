package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
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
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM login_failures WHERE key = ?`), key); err != nil {
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
