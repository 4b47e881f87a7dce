package store_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"eportid/app/model"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// The reviewers' TOTP secrets are sealed at rest with a key outside the
// database: the column never holds the secret, another key opens nothing,
// rows stored in clear before are sealed when the store gets its key, and
// a store without a key writes no secret.
func TestTOTPSecretsSealed(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			url := storetest.URL(t, d)
			key := storetest.SecretKey(t)
			open := func(key []byte) *store.Store {
				t.Helper()
				s := must(store.Open(ctx, url))(t)
				t.Cleanup(func() { s.Close() })
				if key != nil {
					if err := s.UseSecretKey(ctx, key); err != nil {
						t.Fatal(err)
					}
				}
				return s
			}
			s := open(key)
			if err := s.LoadRefData(ctx); err != nil {
				t.Fatal(err)
			}
			secret := []byte("0123456789abcdefghij")
			rv := must(s.CreateReviewer(ctx, store.User{Username: "sealed-rv", PasswordHash: "$argon2id$x"}, "FJ01", secret))(t)
			raw := func() (b []byte, sealed bool) {
				t.Helper()
				row := struct {
					B      []byte `db:"totp_secret"`
					Sealed bool   `db:"totp_sealed"`
				}{}
				if err := s.DB().Get(&row, s.DB().Rebind(`SELECT totp_secret, totp_sealed FROM reviewers WHERE user_id = ?`), rv.ID); err != nil {
					t.Fatal(err)
				}
				return row.B, row.Sealed
			}
			if b, sealed := raw(); !sealed || bytes.Contains(b, secret) || len(b) <= len(secret) {
				t.Fatalf("stored %x (sealed %v): the secret in clear", b, sealed)
			}
			if got := must(s.ReviewerByUsername(ctx, "sealed-rv"))(t); !bytes.Equal(got.TOTPSecret.Reveal(), secret) {
				t.Fatalf("read back %x", got.TOTPSecret.Reveal())
			}

			// Another key opens nothing, and is refused at once.
			other := must(store.Open(ctx, url))(t)
			defer other.Close()
			if err := other.UseSecretKey(ctx, storetest.SecretKey(t)); err == nil {
				t.Error("another key accepted")
			}
			if _, err := other.ReviewerByUsername(ctx, "sealed-rv"); err == nil {
				t.Error("a sealed secret opened with another key")
			}
			// Without a key: no secret read or written.
			nokey := open(nil)
			if _, err := nokey.ReviewerByUsername(ctx, "sealed-rv"); !errors.Is(err, store.ErrNoSecretKey) {
				t.Errorf("read without a key: %v", err)
			}
			if _, err := nokey.CreateReviewer(ctx, store.User{Username: "nokey-rv", PasswordHash: "$argon2id$x"}, "FJ01", secret); !errors.Is(err, store.ErrNoSecretKey) {
				t.Errorf("write without a key: %v", err)
			}
			// A sealed value copied onto another reviewer's row does not open.
			rv2 := must(s.CreateReviewer(ctx, store.User{Username: "sealed-rv2", PasswordHash: "$argon2id$x"}, "FJ01", []byte("another secret value")))(t)
			b, _ := raw()
			if _, err := s.DB().Exec(s.DB().Rebind(`UPDATE reviewers SET totp_secret = ? WHERE user_id = ?`), b, rv2.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := s.ReviewerByUserID(ctx, rv2.ID); err == nil {
				t.Error("a sealed secret opened on another row")
			}
			if _, err := s.DB().Exec(s.DB().Rebind(`DELETE FROM reviewers WHERE user_id = ?`), rv2.ID); err != nil {
				t.Fatal(err)
			}

			// A row in clear (written before secrets were sealed) is sealed
			// when the store gets its key.
			if _, err := s.DB().Exec(s.DB().Rebind(`UPDATE reviewers SET totp_secret = ?, totp_sealed = FALSE WHERE user_id = ?`), secret, rv.ID); err != nil {
				t.Fatal(err)
			}
			if got := must(nokey.ReviewerByUsername(ctx, "sealed-rv"))(t); !bytes.Equal(got.TOTPSecret.Reveal(), secret) {
				t.Fatalf("clear row read %x", got.TOTPSecret.Reveal())
			}
			open(key)
			if b, sealed := raw(); !sealed || bytes.Contains(b, secret) {
				t.Fatalf("after UseSecretKey the row is %x (sealed %v)", b, sealed)
			}
			if got := must(s.ReviewerByUsername(ctx, "sealed-rv"))(t); !bytes.Equal(got.TOTPSecret.Reveal(), secret) || got.Role != model.RoleReviewer {
				t.Fatalf("sealed row read %x", got.TOTPSecret.Reveal())
			}
		})
	}
}
