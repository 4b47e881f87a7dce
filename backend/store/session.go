package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"eportid/app/model"
)

// Session is a logged-in session. Only the hash of the cookie's token is
// stored.
type Session struct {
	ID         int64     `db:"id"`
	TokenHash  []byte    `db:"token_hash"`
	UserID     int64     `db:"user_id"`
	CSRFToken  string    `db:"csrf_token"`
	CreatedAt  time.Time `db:"created_at"`   // defaults to now
	LastSeenAt time.Time `db:"last_seen_at"` // defaults to CreatedAt
	// KioskTerminalID is the kiosk terminal the session was begun on (a
	// kiosk session, with the kiosk idle timeout), 0 for none.
	KioskTerminalID int64 `db:"kiosk_terminal_id"`
}

// MaxSessionsPerUser is how many sessions a user may hold at once: a new
// one beyond it ends the user's oldest (CreateSession, CreateCardSession).
const MaxSessionsPerUser = 10

// CreateSession inserts a session and returns it with its ID, ending the
// user's oldest sessions beyond MaxSessionsPerUser in the same
// transaction; ErrDuplicate if the token hash exists, ErrNotFound if the
// user does not.
func (s *Store) CreateSession(ctx context.Context, sess Session) (Session, error) {
	if sess.CreatedAt.IsZero() {
		sess.CreatedAt = s.now()
	}
	if sess.LastSeenAt.IsZero() {
		sess.LastSeenAt = sess.CreatedAt
	}
	sess.CreatedAt, sess.LastSeenAt = ts(sess.CreatedAt), ts(sess.LastSeenAt)
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		return s.insertSession(ctx, tx, &sess)
	})
	if err != nil {
		return Session{}, err
	}
	return sess, nil
}

// insertSession inserts sess (setting its ID) and ends the user's oldest
// sessions beyond MaxSessionsPerUser. The user's row is locked first
// (PostgreSQL; SQLite's write transaction holds the database), so logins
// at once of one user are capped one after the other.
func (s *Store) insertSession(ctx context.Context, tx *sqlx.Tx, sess *Session) error {
	var uid int64
	err := s.getTx(ctx, tx, &uid, s.q(`SELECT id FROM users WHERE id = ?`+s.forUpdate()), sess.UserID)
	if err := noRows(err, fmt.Sprintf("session of user %d", sess.UserID)); err != nil {
		return err
	}
	err = s.getTx(ctx, tx, &sess.ID, s.q(`INSERT INTO sessions
		(token_hash, user_id, csrf_token, created_at, last_seen_at, kiosk_terminal_id) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`),
		sess.TokenHash, sess.UserID, sess.CSRFToken, sess.CreatedAt, sess.LastSeenAt, nullID(sess.KioskTerminalID))
	switch {
	case uniqueViolation(err, "sessions", "token_hash"):
		return fmt.Errorf("session token: %w", ErrDuplicate)
	case foreignKeyViolation(err):
		return fmt.Errorf("session of user %d: %w", sess.UserID, ErrNotFound)
	case err != nil:
		return fmt.Errorf("store: create session: %w", err)
	}
	if _, err := s.execTx(ctx, tx, s.q(`DELETE FROM sessions WHERE user_id = ? AND id NOT IN
		(SELECT id FROM sessions WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?)`),
		sess.UserID, sess.UserID, MaxSessionsPerUser); err != nil {
		return fmt.Errorf("store: end the oldest sessions: %w", err)
	}
	return nil
}

// SessionByTokenHash returns the session of a token hash, or ErrNotFound.
// It does not check expiry: the caller compares CreatedAt and LastSeenAt
// with its limits.
func (s *Store) SessionByTokenHash(ctx context.Context, h []byte) (Session, error) {
	var sess Session
	err := s.db.GetContext(ctx, &sess, s.q(`SELECT id, token_hash, user_id, csrf_token, created_at, last_seen_at,
		COALESCE(kiosk_terminal_id, 0) AS kiosk_terminal_id FROM sessions WHERE token_hash = ?`), h)
	sess.CreatedAt, sess.LastSeenAt = sess.CreatedAt.UTC(), sess.LastSeenAt.UTC()
	return sess, noRows(err, "session")
}

// TouchSession sets a session's last use; ErrNotFound if it has ended.
func (s *Store) TouchSession(ctx context.Context, id int64, now time.Time) error {
	res, err := s.exec(ctx, s.q(`UPDATE sessions SET last_seen_at = ? WHERE id = ?`), ts(now), id)
	return affectedOne(res, err, "session")
}

// DeleteSession ends a session. Ending one that has ended is no error.
func (s *Store) DeleteSession(ctx context.Context, id int64) error {
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE id = ?`), id); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions ends every session of a user (e.g. when disabled) and
// returns how many.
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE user_id = ?`), userID)
	if err != nil {
		return 0, fmt.Errorf("store: delete sessions: %w", err)
	}
	return res.RowsAffected()
}

// DeleteSessionsBefore deletes the sessions idle since before idleCutoff or
// created before absoluteCutoff, and returns how many.
func (s *Store) DeleteSessionsBefore(ctx context.Context, idleCutoff, absoluteCutoff time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ?`),
		ts(idleCutoff), ts(absoluteCutoff))
	if err != nil {
		return 0, fmt.Errorf("store: delete sessions: %w", err)
	}
	return res.RowsAffected()
}

// nullID is an optional row ID as written: NULL for 0.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// SessionUser returns the session of a token hash together with its user
// in one round trip: every authenticated request needs both. ErrNotFound
// when there is no such session (or, which the foreign key prevents, no
// such user).
func (s *Store) SessionUser(ctx context.Context, h []byte) (Session, User, error) {
	q := s.q(`SELECT s.id, s.token_hash, s.user_id, s.csrf_token, s.created_at, s.last_seen_at,
		COALESCE(s.kiosk_terminal_id, 0), u.id, COALESCE(u.enterprise_id, 0), u.username, u.password_hash, u.role, u.mobile, u.email,
		u.created_at, u.disabled
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`)
	var row *sql.Row
	if s.dialect == Postgres {
		if st, err := s.prepared(ctx, q); err == nil {
			row = st.QueryRowContext(ctx, h)
		}
	}
	if row == nil {
		row = s.db.QueryRowContext(ctx, q, h)
	}
	var (
		sess Session
		u    User
	)
	err := row.Scan(&sess.ID, &sess.TokenHash, &sess.UserID, &sess.CSRFToken, &sess.CreatedAt, &sess.LastSeenAt,
		&sess.KioskTerminalID, &u.ID, &u.EnterpriseID, &u.Username, &u.PasswordHash, &u.Role, &u.Mobile, &u.Email, &u.CreatedAt, &u.Disabled)
	sess.CreatedAt, sess.LastSeenAt, u.CreatedAt = sess.CreatedAt.UTC(), sess.LastSeenAt.UTC(), u.CreatedAt.UTC()
	return sess, u, noRows(err, "session")
}

// sessionContextColumns and sessionContextFrom are SessionContext's
// statement but its WHERE.
const sessionContextColumns = `SELECT s.id, s.token_hash, s.user_id, s.csrf_token, s.created_at, s.last_seen_at,
		COALESCE(s.kiosk_terminal_id, 0), u.id, COALESCE(u.enterprise_id, 0), u.username, u.password_hash, u.role, u.mobile, u.email,
		u.created_at, u.disabled,
		e.id IS NOT NULL, COALESCE(e.credit_code, ''), COALESCE(e.name_cn, ''), COALESCE(e.legal_rep_name, ''),
		COALESCE(e.legal_rep_id_type, ''), COALESCE(e.legal_rep_id_number, ''), COALESCE(e.province, ''),
		COALESCE(e.city, ''), COALESCE(e.address, ''), COALESCE(e.phone, ''), e.created_at,
		c.card_number IS NOT NULL, COALESCE(c.card_number, ''), cs.last_presence_at,
		COALESCE(c.enterprise_id, 0), COALESCE(c.user_id, 0), COALESCE(c.kind, ''), COALESCE(c.holder_name, ''),
		c.certificate, COALESCE(c.serial, ''), c.not_after, COALESCE(c.state, ''), c.created_at, c.updated_at`

const sessionContextFrom = `
		FROM sessions s JOIN users u ON u.id = s.user_id
		LEFT JOIN enterprises e ON e.id = u.enterprise_id
		LEFT JOIN card_sessions cs ON cs.session_id = s.id
		LEFT JOIN cards c ON c.card_number = cs.card_number`

// Context is what a request acts in: the session of a token hash, its
// user, the user's enterprise and, for a card session, its binding and
// the card, read in one round trip (every authenticated request needs
// them).
type Context struct {
	Session Session
	User    User
	// Enterprise is the user's; nil for a user of no enterprise.
	Enterprise *Enterprise
	// CardSession and Card are the card a card session was opened with;
	// nil for a session without a card.
	CardSession *CardSession
	Card        *Card
	// Read is the record SessionContext was asked to read with the
	// session; nil when it was not asked, or on SQLite.
	Read *RecordRead
}

// SessionContext returns the Context of a token hash; ErrNotFound when
// there is no such session. It does not check expiry or states: the
// caller compares them with its limits.
//
// With want, a record the request is about to change (a save or a
// declaration), PostgreSQL reads it in the same statement, as the write
// would read it (Context.Read, for Input.Read): the write then makes two
// round trips in all, not three. The record is read only where it is the
// session user's enterprise's; on SQLite, whose writes read inside their
// transaction, want is ignored.
func (s *Store) SessionContext(ctx context.Context, h []byte, want *model.RecordRef) (Context, error) {
	var sp *spec
	if want != nil && s.dialect == Postgres {
		sp, _ = specOf(*want)
	}
	type key struct{ sp *spec }
	q := s.q(memo(key{sp}, func() string {
		if sp == nil {
			return sessionContextColumns + sessionContextFrom + " WHERE s.token_hash = ?"
		}
		return sessionContextColumns + ", " + sp.columns("t.") + sp.lpColumns() + sessionContextFrom +
			` LEFT JOIN ` + sp.table + ` t ON t.id = ? AND t.enterprise_id = u.enterprise_id` +
			sp.lpJoin("u.enterprise_id") + " WHERE s.token_hash = ?"
	}))
	var (
		out                                      Context
		e                                        Enterprise
		c                                        Card
		hasEnt, hasCard                          bool
		entAt, presence, notAfter, cAt, cUpdated sql.NullTime
	)
	sess, u := &out.Session, &out.User
	var (
		args = []any{h}
		rd   *recordDest
	)
	if sp != nil {
		rd = sp.nullableDest()
		args = []any{want.ID, h}
	}
	dest := []any{&sess.ID, &sess.TokenHash, &sess.UserID, &sess.CSRFToken, &sess.CreatedAt, &sess.LastSeenAt,
		&sess.KioskTerminalID, &u.ID, &u.EnterpriseID, &u.Username, &u.PasswordHash, &u.Role, &u.Mobile, &u.Email, &u.CreatedAt, &u.Disabled,
		&hasEnt, &e.CreditCode, &e.NameCN, &e.LegalRepName, &e.LegalRepIDType, &e.LegalRepIDNumber, &e.Province,
		&e.City, &e.Address, &e.Phone, &entAt,
		&hasCard, &c.Number, &presence, &c.EnterpriseID, &c.UserID, &c.Kind, &c.HolderName,
		&c.Certificate, &c.Serial, &notAfter, &c.State, &cAt, &cUpdated}
	if rd != nil {
		dest = append(dest, rd.dest...)
	}
	if err := s.queryRow(ctx, q, args...).Scan(dest...); err != nil {
		return Context{}, noRows(err, "session")
	}
	sess.CreatedAt, sess.LastSeenAt, u.CreatedAt = sess.CreatedAt.UTC(), sess.LastSeenAt.UTC(), u.CreatedAt.UTC()
	if hasEnt {
		e.ID, e.CreatedAt = u.EnterpriseID, entAt.Time.UTC()
		out.Enterprise = &e
	}
	if hasCard {
		c.NotAfter, c.CreatedAt, c.UpdatedAt = notAfter.Time, cAt.Time, cUpdated.Time
		c.utc()
		out.Card = &c
		out.CardSession = &CardSession{SessionID: sess.ID, CardNumber: c.Number, LastPresenceAt: presence.Time.UTC()}
	}
	if rd != nil {
		out.Read = rd.read(sp, u.EnterpriseID, want.ID, e.CreditCode)
	}
	return out, nil
}
