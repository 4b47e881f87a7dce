package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Card-login nonces: the one-use nonces a card signs to log in
// (cardauth.NonceStore).

// LoginNonces is the database's store of card-login nonces; it implements
// backend/cardauth.NonceStore. Only the SHA-256 of a nonce is kept.
type LoginNonces struct{ s *Store }

// LoginNonces returns the nonce store.
func (s *Store) LoginNonces() LoginNonces { return LoginNonces{s} }

func nonceHash(nonce string) []byte {
	h := sha256.Sum256([]byte(nonce))
	return h[:]
}

// Put records nonce for the login attempt attemptID, usable until expires.
func (n LoginNonces) Put(ctx context.Context, nonce, attemptID string, expires time.Time) error {
	s := n.s
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO card_login_nonces (nonce_hash, attempt_id, expires_at)
		VALUES (?, ?, ?)`), nonceHash(nonce), attemptID, ts(expires))
	if uniqueViolation(err, "card_login_nonces", "nonce_hash") || uniqueViolation(err, "card_login_nonces", "id") {
		return fmt.Errorf("login nonce: %w", ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("store: put login nonce: %w", err)
	}
	return nil
}

// Take consumes nonce in one statement (DELETE … RETURNING), so of two
// concurrent takes one at most succeeds. ok is false for an unknown, used
// or expired nonce (an expired one is deleted all the same).
func (n LoginNonces) Take(ctx context.Context, nonce string, now time.Time) (attemptID string, ok bool, err error) {
	s := n.s
	var row struct {
		Attempt string    `db:"attempt_id"`
		Expires time.Time `db:"expires_at"`
	}
	err = s.db.GetContext(ctx, &row, s.q(`DELETE FROM card_login_nonces WHERE nonce_hash = ?
		RETURNING attempt_id, expires_at`), nonceHash(nonce))
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("store: take login nonce: %w", err)
	}
	if !ts(now).Before(row.Expires.UTC()) {
		return "", false, nil
	}
	return row.Attempt, true, nil
}

// DeleteLoginNoncesBefore deletes the nonces that expired before cutoff
// and returns how many (the janitor).
func (s *Store) DeleteLoginNoncesBefore(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM card_login_nonces WHERE expires_at < ?`), ts(cutoff))
	if err != nil {
		return 0, fmt.Errorf("store: delete login nonces: %w", err)
	}
	return res.RowsAffected()
}
