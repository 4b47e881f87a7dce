package store_test

import (
	"context"
	"testing"
	"time"

	"eportid/app/model"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

func pending(token string, creditCode, username string, expires time.Time) store.PendingRegistration {
	return store.PendingRegistration{
		TokenHash: []byte(token),
		Enterprise: model.RegistrationEnterprise{
			NameCN: "注册企业", LegalRepName: "李四", CreditCode: creditCode,
			LegalRepIDType: "1", LegalRepIDNumber: "110101199003078515",
			Province: "110000", City: "110101", Address: "某路1号", Phone: "010-12345678",
		},
		Username: username, PasswordHash: "$argon2id$hash", Mobile: "13800138000", Email: username + "@example.com",
		ExpiresAt: expires,
	}
}

func TestActivateRegistration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
		add := func(p store.PendingRegistration) {
			t.Helper()
			if err := s.CreatePendingRegistration(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		add(pending("ok", "91110000REG000001A", "NewAdmin", now.Add(time.Hour)))
		add(pending("expired", "91110000REG000002A", "late", now.Add(-time.Second)))
		add(pending("code-taken", "91110000REG000001A", "someone", now.Add(time.Hour)))
		add(pending("name-taken", "91110000REG000003A", "newadmin", now.Add(time.Hour)))
		wantErr(t, s.CreatePendingRegistration(ctx, pending("ok", "x", "y", now)), store.ErrDuplicate, "same token hash")

		e, u, err := s.ActivateRegistration(ctx, []byte("ok"), now)
		if err != nil {
			t.Fatal(err)
		}
		if e.ID == 0 || e.CreditCode != "91110000REG000001A" || e.NameCN != "注册企业" || e.City != "110101" || e.LegalRepIDNumber != "110101199003078515" {
			t.Errorf("enterprise %+v", e)
		}
		if u.ID == 0 || u.EnterpriseID != e.ID || u.Username != "newadmin" || u.Role != model.RoleNoCardAdmin ||
			u.PasswordHash != "$argon2id$hash" || u.Email != "NewAdmin@example.com" || u.Mobile != "13800138000" {
			t.Errorf("user %+v", u)
		}
		if got := must(s.UserByUsername(ctx, "NEWADMIN"))(t); got.ID != u.ID {
			t.Errorf("stored user %+v", got)
		}
		sameTime(t, must(s.EnterpriseByID(ctx, e.ID))(t).CreatedAt, now, "enterprise created_at")

		// Reused token.
		_, _, err = s.ActivateRegistration(ctx, []byte("ok"), now)
		wantErr(t, err, store.ErrNotFound, "reused token")
		// Expired token.
		_, _, err = s.ActivateRegistration(ctx, []byte("expired"), now)
		wantErr(t, err, store.ErrNotFound, "expired token")
		// Unknown token.
		_, _, err = s.ActivateRegistration(ctx, []byte("nope"), now)
		wantErr(t, err, store.ErrNotFound, "unknown token")

		// Credit code taken: refused, and the token is spent.
		_, _, err = s.ActivateRegistration(ctx, []byte("code-taken"), now)
		wantErr(t, err, store.ErrCreditCodeTaken, "credit code taken")
		_, _, err = s.ActivateRegistration(ctx, []byte("code-taken"), now)
		wantErr(t, err, store.ErrNotFound, "credit-code-taken token used again")
		if _, err := s.UserByUsername(ctx, "someone"); err == nil {
			t.Error("user of a refused registration created")
		}

		// User name taken (in another case): refused, token spent, no
		// enterprise left behind.
		_, _, err = s.ActivateRegistration(ctx, []byte("name-taken"), now)
		wantErr(t, err, store.ErrUsernameTaken, "username taken")
		_, _, err = s.ActivateRegistration(ctx, []byte("name-taken"), now)
		wantErr(t, err, store.ErrNotFound, "username-taken token used again")
		_, err = s.EnterpriseByCreditCode(ctx, "91110000REG000003A")
		wantErr(t, err, store.ErrNotFound, "enterprise of a refused registration")

		if n := must(s.DeletePendingRegistrationsBefore(ctx, now))(t); n != 1 {
			t.Errorf("deleted %d expired registrations, want 1", n)
		}
	})
}
