package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"eportid/app/model"
)

// User is an account that logs in with a user name and password.
type User struct {
	ID int64 `db:"id"`
	// EnterpriseID is 0 for a user of no enterprise (a reviewer).
	EnterpriseID int64 `db:"enterprise_id"`
	// Username is stored lower-cased: names are case-insensitive.
	Username     string     `db:"username"`
	PasswordHash string     `db:"password_hash"`
	Role         model.Role `db:"role"`
	Mobile       string     `db:"mobile"`
	Email        string     `db:"email"`
	CreatedAt    time.Time  `db:"created_at"`
	Disabled     bool       `db:"disabled"`
}

const userColumns = `id, COALESCE(enterprise_id, 0) AS enterprise_id, username, password_hash,
	role, mobile, email, created_at, disabled`

// NormalizeUsername is the stored form of a user name (lower case).
func NormalizeUsername(name string) string { return strings.ToLower(name) }

// UserByUsername returns the user of a name in any case, or ErrNotFound.
func (s *Store) UserByUsername(ctx context.Context, username string) (User, error) {
	var u User
	err := s.get(ctx, &u, s.q(`SELECT `+userColumns+` FROM users WHERE username = ?`), NormalizeUsername(username))
	u.CreatedAt = u.CreatedAt.UTC()
	return u, noRows(err, "user")
}

// UserByID returns a user, or ErrNotFound.
func (s *Store) UserByID(ctx context.Context, id int64) (User, error) {
	var u User
	err := s.db.GetContext(ctx, &u, s.q(`SELECT `+userColumns+` FROM users WHERE id = ?`), id)
	u.CreatedAt = u.CreatedAt.UTC()
	return u, noRows(err, "user")
}

// CreateUser inserts a user (ID is ignored, the name is lower-cased,
// CreatedAt defaults to now) and returns it as stored; ErrUsernameTaken if
// the name exists in any case, ErrNotFound if EnterpriseID names no
// enterprise.
func (s *Store) CreateUser(ctx context.Context, u User) (User, error) {
	return createUser(ctx, s, s.db, u)
}

func createUser(ctx context.Context, s *Store, x sqlx.QueryerContext, u User) (User, error) {
	u.Username = NormalizeUsername(u.Username)
	if u.CreatedAt.IsZero() {
		u.CreatedAt = s.now()
	}
	u.CreatedAt = ts(u.CreatedAt)
	var enterpriseID any
	if u.EnterpriseID != 0 {
		enterpriseID = u.EnterpriseID
	}
	err := sqlx.GetContext(ctx, x, &u.ID, s.q(`INSERT INTO users
		(enterprise_id, username, password_hash, role, mobile, email, created_at, disabled)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		enterpriseID, u.Username, u.PasswordHash, string(u.Role), u.Mobile, u.Email, u.CreatedAt, u.Disabled)
	switch {
	case uniqueViolation(err, "users", "username"):
		return User{}, fmt.Errorf("user %s: %w", u.Username, ErrUsernameTaken)
	case foreignKeyViolation(err):
		return User{}, fmt.Errorf("user %s: enterprise %d: %w", u.Username, u.EnterpriseID, ErrNotFound)
	case err != nil:
		return User{}, fmt.Errorf("store: create user: %w", err)
	}
	return u, nil
}

// SetUserDisabled disables or enables a user; ErrNotFound if none.
func (s *Store) SetUserDisabled(ctx context.Context, id int64, disabled bool) error {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE users SET disabled = ? WHERE id = ?`), disabled, id)
	return affectedOne(res, err, "user")
}

// SetPasswordHash replaces a user's password hash (e.g. to upgrade the
// hashing parameters after a login); ErrNotFound if none.
func (s *Store) SetPasswordHash(ctx context.Context, id int64, hash string) error {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE users SET password_hash = ? WHERE id = ?`), hash, id)
	return affectedOne(res, err, "user")
}

// EnterpriseUsers returns the users of an enterprise (disabled ones too),
// by id.
func (s *Store) EnterpriseUsers(ctx context.Context, enterpriseID int64) ([]User, error) {
	var out []User
	err := s.db.SelectContext(ctx, &out, s.q(`SELECT `+userColumns+` FROM users WHERE enterprise_id = ? ORDER BY id`), enterpriseID)
	if err != nil {
		return nil, fmt.Errorf("store: enterprise users: %w", err)
	}
	for i := range out {
		out[i].CreatedAt = out[i].CreatedAt.UTC()
	}
	return out, nil
}
