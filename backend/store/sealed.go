package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"

	"github.com/jmoiron/sqlx"
)

// Secrets the database must not hold in clear (the reviewers' TOTP
// secrets) are sealed with AES-256-GCM under a key kept outside the
// database (UseSecretKey): a copy of the database alone does not give
// them. A sealed value is the 12-byte nonce followed by the ciphertext
// and its tag; the additional data names the table, column and row, so a
// sealed value copied onto another row does not open.

// SecretKeyLen is the length of the key of UseSecretKey (AES-256).
const SecretKeyLen = 32

// ErrNoSecretKey: a sealed secret is read or a secret written, and the
// store has no secret key (UseSecretKey).
var ErrNoSecretKey = errors.New("store: no secret key to seal secrets with (the server's secret key file or EPORTID_SECRET_KEY)")

// UseSecretKey sets the key that seals the secrets and seals those still
// stored in clear (rows written before sealing existed), in one
// transaction; call it once, after Open and before the store is used. A
// sealed secret that does not open with key is an error: the key is not
// the one the database was sealed with.
func (s *Store) UseSecretKey(ctx context.Context, key []byte) error {
	if len(key) != SecretKeyLen {
		return fmt.Errorf("store: secret key: %d bytes, want %d", len(key), SecretKeyLen)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return fmt.Errorf("store: secret key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return fmt.Errorf("store: secret key: %w", err)
	}
	s.sealer = aead
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		var rows []struct {
			UserID int64  `db:"user_id"`
			Secret []byte `db:"totp_secret"`
			Sealed bool   `db:"totp_sealed"`
		}
		if err := tx.SelectContext(ctx, &rows, `SELECT user_id, totp_secret, totp_sealed FROM reviewers ORDER BY user_id`); err != nil {
			return fmt.Errorf("store: seal secrets: %w", err)
		}
		for _, r := range rows {
			if r.Sealed {
				if _, err := s.openTOTP(r.UserID, r.Secret); err != nil {
					return err
				}
				continue
			}
			sealed, err := s.sealTOTP(r.UserID, r.Secret)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE reviewers SET totp_secret = ?, totp_sealed = TRUE WHERE user_id = ?`),
				sealed, r.UserID); err != nil {
				return fmt.Errorf("store: seal secrets: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		s.sealer = nil
	}
	return err
}

// HasSecretKey reports whether UseSecretKey has set the key.
func (s *Store) HasSecretKey() bool { return s.sealer != nil }

// totpAD is the additional data of a reviewer's sealed TOTP secret.
func totpAD(userID int64) []byte {
	return []byte("eportid reviewers.totp_secret " + strconv.FormatInt(userID, 10))
}

// sealTOTP seals a reviewer's TOTP secret.
func (s *Store) sealTOTP(userID int64, secret []byte) ([]byte, error) {
	if s.sealer == nil {
		return nil, ErrNoSecretKey
	}
	nonce := make([]byte, s.sealer.NonceSize(), s.sealer.NonceSize()+len(secret)+s.sealer.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("store: seal: %w", err)
	}
	return s.sealer.Seal(nonce, nonce, secret, totpAD(userID)), nil
}

// openTOTP opens a reviewer's sealed TOTP secret.
func (s *Store) openTOTP(userID int64, sealed []byte) ([]byte, error) {
	if s.sealer == nil {
		return nil, ErrNoSecretKey
	}
	n := s.sealer.NonceSize()
	if len(sealed) < n+s.sealer.Overhead() {
		return nil, fmt.Errorf("store: reviewer %d: sealed TOTP secret too short", userID)
	}
	out, err := s.sealer.Open(nil, sealed[:n], sealed[n:], totpAD(userID))
	if err != nil {
		return nil, fmt.Errorf("store: reviewer %d: the TOTP secret does not open with this secret key (another key sealed it, or it was altered)", userID)
	}
	return out, nil
}
