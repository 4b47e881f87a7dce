package store

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/jmoiron/sqlx"

	"eportid/app/model"
)

// Reviewers of the agent points (制卡代理点 / 审批部门): users of role
// reviewer, of no enterprise, each bound to one agent point, whose queue is
// theirs alone (ReviewQueue), with the secret of their TOTP second factor
// (RFC 6238). The secret is stored sealed with the store's secret key
// (sealed.go); it never appears in a log: Secret prints as [REDACTED].

// Secret is a key that must not be logged: every fmt verb and slog print it
// as [REDACTED]. Reveal gives the bytes.
type Secret []byte

// Reveal returns the secret's bytes.
func (s Secret) Reveal() []byte { return []byte(s) }

// Format prints [REDACTED] for every verb.
func (Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, "[REDACTED]") }

// LogValue keeps the secret out of slog.
func (Secret) LogValue() slog.Value { return slog.StringValue("[REDACTED]") }

// Reviewer is a reviewer's account.
type Reviewer struct {
	User
	AgentPoint string
	TOTPSecret Secret
	// TOTPLastStep is the last RFC 6238 time step whose code was accepted
	// (0 before the first); a code of that step or an earlier one is not
	// accepted again (UseTOTPStep).
	TOTPLastStep int64
}

type reviewerRow struct {
	User
	AgentPoint   string `db:"agent_point"`
	TOTPSecret   []byte `db:"totp_secret"`
	TOTPSealed   bool   `db:"totp_sealed"`
	TOTPLastStep int64  `db:"totp_last_step"`
}

// reviewer is the Reviewer of a row, its secret opened (a row not yet
// sealed, of a database UseSecretKey has not seen, is read as it is).
func (s *Store) reviewer(r reviewerRow) (Reviewer, error) {
	r.User.CreatedAt = r.User.CreatedAt.UTC()
	secret := r.TOTPSecret
	if r.TOTPSealed {
		var err error
		if secret, err = s.openTOTP(r.ID, r.TOTPSecret); err != nil {
			return Reviewer{}, err
		}
	}
	return Reviewer{User: r.User, AgentPoint: r.AgentPoint, TOTPSecret: Secret(secret), TOTPLastStep: r.TOTPLastStep}, nil
}

const reviewerColumns = `u.id, COALESCE(u.enterprise_id, 0) AS enterprise_id, u.username, u.password_hash,
	u.role, u.mobile, u.email, u.created_at, u.disabled, r.agent_point, r.totp_secret, r.totp_sealed, r.totp_last_step`

// CreateReviewer creates a reviewer of an agent point: the user (role
// forced to reviewer, no enterprise) and its binding, in one transaction.
// ErrUsernameTaken as CreateUser; ErrNotFound for an unknown agent point.
func (s *Store) CreateReviewer(ctx context.Context, u User, agentPoint string, totpSecret []byte) (Reviewer, error) {
	if len(totpSecret) == 0 {
		return Reviewer{}, fmt.Errorf("store: reviewer %s: a TOTP secret is required", u.Username)
	}
	u.Role, u.EnterpriseID = model.RoleReviewer, 0
	var out Reviewer
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var n int
		if err := tx.GetContext(ctx, &n, s.q(`SELECT COUNT(*) FROM agent_points WHERE code = ?`), agentPoint); err != nil {
			return fmt.Errorf("store: create reviewer: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("agent point %q: %w", agentPoint, ErrNotFound)
		}
		created, err := createUser(ctx, s, tx, u)
		if err != nil {
			return err
		}
		sealed, err := s.sealTOTP(created.ID, totpSecret)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO reviewers (user_id, agent_point, totp_secret, totp_sealed, totp_last_step)
			VALUES (?, ?, ?, TRUE, 0)`), created.ID, agentPoint, sealed); err != nil {
			return fmt.Errorf("store: create reviewer: %w", err)
		}
		out = Reviewer{User: created, AgentPoint: agentPoint, TOTPSecret: Secret(append([]byte(nil), totpSecret...))}
		return nil
	})
	return out, err
}

// ReviewerByUserID returns the reviewer of a user id; ErrNotFound when the
// user is not a reviewer.
func (s *Store) ReviewerByUserID(ctx context.Context, userID int64) (Reviewer, error) {
	var r reviewerRow
	err := s.db.GetContext(ctx, &r, s.q(`SELECT `+reviewerColumns+`
		FROM users u JOIN reviewers r ON r.user_id = u.id WHERE u.id = ?`), userID)
	if err := noRows(err, "reviewer"); err != nil {
		return Reviewer{}, err
	}
	return s.reviewer(r)
}

// ReviewerByUsername returns the reviewer of a user name in any case;
// ErrNotFound when there is none.
func (s *Store) ReviewerByUsername(ctx context.Context, username string) (Reviewer, error) {
	var r reviewerRow
	err := s.db.GetContext(ctx, &r, s.q(`SELECT `+reviewerColumns+`
		FROM users u JOIN reviewers r ON r.user_id = u.id WHERE u.username = ?`), NormalizeUsername(username))
	if err := noRows(err, "reviewer"); err != nil {
		return Reviewer{}, err
	}
	return s.reviewer(r)
}

// UseTOTPStep records that the reviewer's code of RFC 6238 time step step
// was accepted, atomically: ErrConflict when a code of that step or a later
// one was accepted already (a replayed code), ErrNotFound for no reviewer.
// The caller verifies the code first (with the secret and the clock).
func (s *Store) UseTOTPStep(ctx context.Context, userID, step int64) error {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE reviewers SET totp_last_step = ?
		WHERE user_id = ? AND totp_last_step < ?`), step, userID, step)
	if err != nil {
		return fmt.Errorf("store: use totp step: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: use totp step: %w", err)
	} else if n == 1 {
		return nil
	}
	if _, err := s.ReviewerByUserID(ctx, userID); err != nil {
		return err
	}
	return fmt.Errorf("reviewer %d: TOTP step %d used already: %w", userID, step, ErrConflict)
}

// SetTOTPSecret replaces a reviewer's TOTP secret (re-enrolment) and
// resets the last step; ErrNotFound when the user is not a reviewer.
func (s *Store) SetTOTPSecret(ctx context.Context, userID int64, secret []byte) error {
	if len(secret) == 0 {
		return fmt.Errorf("store: reviewer %d: a TOTP secret is required", userID)
	}
	sealed, err := s.sealTOTP(userID, secret)
	if err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE reviewers SET totp_secret = ?, totp_sealed = TRUE, totp_last_step = 0 WHERE user_id = ?`), sealed, userID)
	return affectedOne(res, err, "reviewer")
}
