package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"eportid/app/model"
)

// PendingRegistration is a no-card registration (R2) awaiting the
// confirmation of its e-mail address. Only the hash of the token sent by
// mail is stored, and only the hash of the password.
type PendingRegistration struct {
	ID           int64
	TokenHash    []byte
	Enterprise   model.RegistrationEnterprise
	Username     string
	PasswordHash string
	Mobile       string
	Email        string
	CreatedAt    time.Time // defaults to now
	ExpiresAt    time.Time
	UsedAt       *time.Time
}

// registrationData is the JSON of pending_registrations.data.
type registrationData struct {
	Enterprise   model.RegistrationEnterprise `json:"enterprise"`
	Username     string                       `json:"username"`
	PasswordHash string                       `json:"password_hash"`
	Mobile       string                       `json:"mobile"`
	Email        string                       `json:"email"`
}

// CreatePendingRegistration stores a registration awaiting confirmation;
// ErrDuplicate if the token hash exists.
func (s *Store) CreatePendingRegistration(ctx context.Context, p PendingRegistration) error {
	data, err := json.Marshal(registrationData{
		Enterprise:   p.Enterprise,
		Username:     NormalizeUsername(p.Username),
		PasswordHash: p.PasswordHash,
		Mobile:       p.Mobile,
		Email:        p.Email,
	})
	if err != nil {
		return fmt.Errorf("store: registration data: %w", err)
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = s.now()
	}
	_, err = s.db.ExecContext(ctx, s.q(`INSERT INTO pending_registrations
		(token_hash, data, email, created_at, expires_at, used_at) VALUES (?, ?, ?, ?, ?, ?)`),
		p.TokenHash, string(data), p.Email, ts(p.CreatedAt), ts(p.ExpiresAt), tsPtr(p.UsedAt))
	if uniqueViolation(err, "pending_registrations", "token_hash") {
		return fmt.Errorf("registration token: %w", ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("store: create pending registration: %w", err)
	}
	return nil
}

// ActivateRegistration confirms a registration, in one transaction: it
// takes the unused, unexpired registration of tokenHash (else ErrNotFound)
// and marks it used; then, if the credit code is registered, it returns
// ErrCreditCodeTaken, if the user name is taken ErrUsernameTaken (the
// token stays used either way), else it creates the enterprise and its
// administrator (role nocard_admin) and returns them.
func (s *Store) ActivateRegistration(ctx context.Context, tokenHash []byte, now time.Time) (Enterprise, User, error) {
	now = ts(now)
	var (
		ent  Enterprise
		user User
	)
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var raw []byte
		err := tx.GetContext(ctx, &raw, s.q(`UPDATE pending_registrations SET used_at = ?
			WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?
			RETURNING data`), now, tokenHash, now)
		if err := noRows(err, "registration token"); err != nil {
			return err
		}
		var d registrationData
		if err := json.Unmarshal(raw, &d); err != nil {
			return fmt.Errorf("store: registration data: %w", err)
		}
		// Checked before inserting, so the usual case needs no failed
		// statement; the unique constraints still decide a race, behind a
		// savepoint so the token's "used" mark survives.
		var n int
		if err := tx.GetContext(ctx, &n, s.q(`SELECT COUNT(*) FROM enterprises WHERE credit_code = ?`), d.Enterprise.CreditCode); err != nil {
			return fmt.Errorf("store: activate: %w", err)
		}
		if n > 0 {
			return commitWith{fmt.Errorf("enterprise %s: %w", d.Enterprise.CreditCode, ErrCreditCodeTaken)}
		}
		if err := tx.GetContext(ctx, &n, s.q(`SELECT COUNT(*) FROM users WHERE username = ?`), NormalizeUsername(d.Username)); err != nil {
			return fmt.Errorf("store: activate: %w", err)
		}
		if n > 0 {
			return commitWith{fmt.Errorf("user %s: %w", d.Username, ErrUsernameTaken)}
		}
		if _, err := tx.ExecContext(ctx, `SAVEPOINT activate`); err != nil {
			return fmt.Errorf("store: activate: %w", err)
		}
		e := d.Enterprise
		ent, err = createEnterprise(ctx, s, tx, Enterprise{
			CreditCode: e.CreditCode, NameCN: e.NameCN, LegalRepName: e.LegalRepName,
			LegalRepIDType: e.LegalRepIDType, LegalRepIDNumber: e.LegalRepIDNumber,
			Province: e.Province, City: e.City, Address: e.Address, Phone: e.Phone,
			CreatedAt: now,
		})
		if err == nil {
			user, err = createUser(ctx, s, tx, User{
				EnterpriseID: ent.ID, Username: d.Username, PasswordHash: d.PasswordHash,
				Role: model.RoleNoCardAdmin, Mobile: d.Mobile, Email: d.Email, CreatedAt: now,
			})
		}
		if errors.Is(err, ErrCreditCodeTaken) || errors.Is(err, ErrUsernameTaken) {
			if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT activate`); rerr != nil {
				return fmt.Errorf("store: activate: %w", rerr)
			}
			return commitWith{err}
		}
		return err
	})
	if err != nil {
		return Enterprise{}, User{}, err
	}
	return ent, user, nil
}

// DeletePendingRegistrationsBefore deletes the registrations that expired
// before cutoff (used or not) and returns how many.
func (s *Store) DeletePendingRegistrationsBefore(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM pending_registrations WHERE expires_at < ?`), ts(cutoff))
	if err != nil {
		return 0, fmt.Errorf("store: delete registrations: %w", err)
	}
	return res.RowsAffected()
}
