package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Kiosk terminals (自助终端) at the agent points (migration 0026_kiosk).
//
// An agent point puts a browser in kiosk mode in two steps: a reviewer of
// the agent point (or eportid-admin) makes an enrolment, a one-time link
// valid for a short time (CreateKioskEnrolment); opening the link in the
// terminal's browser trades its token for the terminal's own token, kept in
// a long-lived HttpOnly cookie (EnrolKioskTerminal). The database keeps
// only the SHA-256 of either token. A session begun with a live terminal's
// cookie is a kiosk session (Session.KioskTerminalID), which the server
// ends after the short kiosk idle time. Revoking a terminal ends its
// sessions at once; a revoked terminal is never enrolled again (make a new
// one).

// KioskTerminal is an enrolled (or enrolling) kiosk terminal.
type KioskTerminal struct {
	ID             int64      `db:"id"`
	AgentPoint     string     `db:"agent_point"`
	Name           string     `db:"name"`
	CreatedBy      string     `db:"created_by"`
	CreatedAt      time.Time  `db:"created_at"`
	EnrolExpiresAt time.Time  `db:"enrol_expires_at"`
	EnrolledAt     *time.Time `db:"enrolled_at"`
	RevokedAt      *time.Time `db:"revoked_at"`
}

func (k *KioskTerminal) utc() {
	k.CreatedAt, k.EnrolExpiresAt = k.CreatedAt.UTC(), k.EnrolExpiresAt.UTC()
	k.EnrolledAt, k.RevokedAt = utcPtr(k.EnrolledAt), utcPtr(k.RevokedAt)
}

const kioskColumns = `id, agent_point, name, created_by, created_at, enrol_expires_at, enrolled_at, revoked_at`

// CreateKioskEnrolment records a new terminal of agentPoint named name,
// enrollable with the token whose hash is enrolHash until expires.
// ErrNotFound for an unknown agent point.
func (s *Store) CreateKioskEnrolment(ctx context.Context, agentPoint, name, createdBy string, enrolHash []byte, expires time.Time) (KioskTerminal, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return KioskTerminal{}, fmt.Errorf("store: kiosk terminal: a name is required")
	}
	var k KioskTerminal
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var n int
		if err := tx.GetContext(ctx, &n, s.q(`SELECT COUNT(*) FROM agent_points WHERE code = ?`), agentPoint); err != nil {
			return fmt.Errorf("store: kiosk terminal: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("agent point %q: %w", agentPoint, ErrNotFound)
		}
		err := tx.GetContext(ctx, &k, s.q(`INSERT INTO kiosk_terminals
			(agent_point, name, created_by, created_at, enrol_token_hash, enrol_expires_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING `+kioskColumns),
			agentPoint, name, createdBy, s.nowUTC(), enrolHash, ts(expires))
		if uniqueViolation(err, "kiosk_terminals", "enrol_token_hash") {
			return fmt.Errorf("kiosk enrolment token: %w", ErrDuplicate)
		}
		if err != nil {
			return fmt.Errorf("store: kiosk terminal: %w", err)
		}
		return nil
	})
	k.utc()
	return k, err
}

// EnrolKioskTerminal uses the enrolment token whose hash is enrolHash, once:
// the terminal's token becomes the one hashed as tokenHash. ErrNotFound for
// a token unknown, used, expired at now, or of a revoked terminal.
func (s *Store) EnrolKioskTerminal(ctx context.Context, enrolHash, tokenHash []byte, now time.Time) (KioskTerminal, error) {
	var k KioskTerminal
	err := s.db.GetContext(ctx, &k, s.q(`UPDATE kiosk_terminals
		SET token_hash = ?, enrolled_at = ?, enrol_token_hash = NULL
		WHERE enrol_token_hash = ? AND enrol_expires_at > ? AND revoked_at IS NULL
		RETURNING `+kioskColumns), tokenHash, ts(now), enrolHash, ts(now))
	k.utc()
	return k, noRows(err, "kiosk enrolment")
}

// KioskTerminalByToken returns the live (enrolled, not revoked) terminal
// whose token hashes to tokenHash, or ErrNotFound.
func (s *Store) KioskTerminalByToken(ctx context.Context, tokenHash []byte) (KioskTerminal, error) {
	var k KioskTerminal
	err := s.db.GetContext(ctx, &k, s.q(`SELECT `+kioskColumns+` FROM kiosk_terminals
		WHERE token_hash = ? AND revoked_at IS NULL`), tokenHash)
	k.utc()
	return k, noRows(err, "kiosk terminal")
}

// KioskTerminalByID returns a terminal of agentPoint ("" for any).
func (s *Store) KioskTerminalByID(ctx context.Context, agentPoint string, id int64) (KioskTerminal, error) {
	var k KioskTerminal
	err := s.db.GetContext(ctx, &k, s.q(`SELECT `+kioskColumns+` FROM kiosk_terminals
		WHERE id = ? AND (CAST(? AS TEXT) = '' OR agent_point = ?)`), id, agentPoint, agentPoint)
	k.utc()
	return k, noRows(err, "kiosk terminal")
}

// KioskTerminals lists the terminals of agentPoint ("" for every agent
// point), newest first, revoked ones included.
func (s *Store) KioskTerminals(ctx context.Context, agentPoint string) ([]KioskTerminal, error) {
	var out []KioskTerminal
	err := s.db.SelectContext(ctx, &out, s.q(`SELECT `+kioskColumns+` FROM kiosk_terminals
		WHERE CAST(? AS TEXT) = '' OR agent_point = ? ORDER BY id DESC`), agentPoint, agentPoint)
	if err != nil {
		return nil, fmt.Errorf("store: kiosk terminals: %w", err)
	}
	for i := range out {
		out[i].utc()
	}
	return out, nil
}

// RevokeKioskTerminal revokes a terminal of agentPoint ("" for any) and
// ends its sessions, in one transaction; revoking a revoked terminal is no
// error. ErrNotFound for no such terminal.
func (s *Store) RevokeKioskTerminal(ctx context.Context, agentPoint string, id int64, now time.Time) (KioskTerminal, error) {
	var k KioskTerminal
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &k, s.q(`UPDATE kiosk_terminals
			SET revoked_at = COALESCE(revoked_at, ?), enrol_token_hash = NULL, token_hash = NULL
			WHERE id = ? AND (CAST(? AS TEXT) = '' OR agent_point = ?) RETURNING `+kioskColumns), ts(now), id, agentPoint, agentPoint)
		if err := noRows(err, "kiosk terminal"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE kiosk_terminal_id = ?`), id); err != nil {
			return fmt.Errorf("store: end the kiosk terminal's sessions: %w", err)
		}
		return nil
	})
	k.utc()
	return k, err
}

// DeleteKioskSessionsBefore deletes the kiosk sessions idle since before
// idleCutoff and returns how many.
func (s *Store) DeleteKioskSessionsBefore(ctx context.Context, idleCutoff time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE kiosk_terminal_id IS NOT NULL AND last_seen_at < ?`),
		ts(idleCutoff))
	if err != nil {
		return 0, fmt.Errorf("store: delete kiosk sessions: %w", err)
	}
	return res.RowsAffected()
}
