package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Card sessions: the sessions opened with a card. A card session is a
// session of the card's account, so the session machinery of the password
// login serves the card login unchanged; card_sessions binds each such
// session to the card and keeps the last presence report of its page.

// CardSession binds a session to the card it was opened with.
type CardSession struct {
	SessionID      int64     `db:"session_id"`
	CardNumber     string    `db:"card_number"`
	LastPresenceAt time.Time `db:"last_presence_at"`
}

// CreateCardSession inserts a session of the card's account and binds it to
// the card, in one transaction, with the card's presence at the session's
// creation. Errors as CreateSession.
func (s *Store) CreateCardSession(ctx context.Context, sess Session, cardNumber string) (Session, error) {
	if sess.CreatedAt.IsZero() {
		sess.CreatedAt = s.now()
	}
	if sess.LastSeenAt.IsZero() {
		sess.LastSeenAt = sess.CreatedAt
	}
	sess.CreatedAt, sess.LastSeenAt = ts(sess.CreatedAt), ts(sess.LastSeenAt)
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.insertSession(ctx, tx, &sess); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO card_sessions (session_id, card_number, last_presence_at)
			VALUES (?, ?, ?)`), sess.ID, cardNumber, sess.CreatedAt)
		if foreignKeyViolation(err) {
			return fmt.Errorf("card %s: %w", cardNumber, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: bind session to card: %w", err)
		}
		return nil
	})
	if err != nil {
		return Session{}, err
	}
	return sess, nil
}

// CardSessionOf returns the card binding of a session, or ErrNotFound.
func (s *Store) CardSessionOf(ctx context.Context, sessionID int64) (CardSession, error) {
	var cs CardSession
	err := s.db.GetContext(ctx, &cs, s.q(`SELECT session_id, card_number, last_presence_at
		FROM card_sessions WHERE session_id = ?`), sessionID)
	cs.LastPresenceAt = cs.LastPresenceAt.UTC()
	return cs, noRows(err, "card session")
}

// TouchCardPresence records that the session's page saw its card in the
// reader at now; ErrNotFound if the session is not a card session (or has
// ended).
func (s *Store) TouchCardPresence(ctx context.Context, sessionID int64, now time.Time) error {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE card_sessions SET last_presence_at = ? WHERE session_id = ?`), ts(now), sessionID)
	return affectedOne(res, err, "card session")
}
