package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"eportid/app/model"
	"eportid/backend/auth"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// An enrolment token is used once even by browsers that send it at the
// same moment; a terminal's sessions are kiosk sessions, ended when the
// terminal is revoked, and only they go when idle past the kiosk cutoff.
func TestKioskEnrolmentOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Now().UTC()
		token, hash := auth.NewToken()
		k := must(s.CreateKioskEnrolment(ctx, "FJ01", "大厅 1 号机", "rv", hash, now.Add(time.Hour)))(t)
		_, err := s.CreateKioskEnrolment(ctx, "XX99", "x", "rv", auth.HashToken("other"), now.Add(time.Hour))
		wantErr(t, err, store.ErrNotFound, "unknown agent point")

		const n = 8
		var wg sync.WaitGroup
		won := make(chan []byte, n)
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, cookie := auth.NewToken()
				if _, err := s.EnrolKioskTerminal(ctx, auth.HashToken(token), cookie, now); err == nil {
					won <- cookie
				}
			}()
		}
		wg.Wait()
		close(won)
		if len(won) != 1 {
			t.Fatalf("%d enrolments with one token, want 1", len(won))
		}
		cookie := <-won
		if got := must(s.KioskTerminalByToken(ctx, cookie))(t); got.ID != k.ID || got.EnrolledAt == nil {
			t.Fatalf("terminal %+v", got)
		}

		u := must(s.CreateUser(ctx, store.User{Username: "kioskuser", PasswordHash: "x", Role: model.RoleNoCardAdmin,
			Mobile: "13800138000", Email: "k@example.com"}))(t)
		_, h1 := auth.NewToken()
		kiosk := must(s.CreateSession(ctx, store.Session{TokenHash: h1, UserID: u.ID, CSRFToken: "a",
			CreatedAt: now.Add(-time.Minute), KioskTerminalID: k.ID}))(t)
		_, h2 := auth.NewToken()
		plain := must(s.CreateSession(ctx, store.Session{TokenHash: h2, UserID: u.ID, CSRFToken: "b",
			CreatedAt: now.Add(-time.Minute)}))(t)
		if got := must(s.SessionByTokenHash(ctx, h1))(t); got.KioskTerminalID != k.ID {
			t.Fatalf("kiosk session %+v", got)
		}
		if got := must(s.SessionByTokenHash(ctx, h2))(t); got.KioskTerminalID != 0 {
			t.Fatalf("plain session %+v", got)
		}
		_, h3 := auth.NewToken()
		must(s.CreateSession(ctx, store.Session{TokenHash: h3, UserID: u.ID, CSRFToken: "c",
			CreatedAt: now.Add(-10 * time.Minute), KioskTerminalID: k.ID}))(t)
		if n := must(s.DeleteKioskSessionsBefore(ctx, now.Add(-2*time.Minute)))(t); n != 1 {
			t.Fatalf("deleted %d sessions, want the one kiosk session idle past the cutoff", n)
		}
		_, err = s.SessionByTokenHash(ctx, h3)
		wantErr(t, err, store.ErrNotFound, "the idle kiosk session")
		if _, err := s.RevokeKioskTerminal(ctx, "SZ01", k.ID, now); err == nil {
			t.Fatal("another agent point revoked FJ01's terminal")
		}
		must(s.RevokeKioskTerminal(ctx, "FJ01", k.ID, now))(t)
		_, err = s.SessionByTokenHash(ctx, kiosk.TokenHash)
		wantErr(t, err, store.ErrNotFound, "the revoked terminal's session")
		must(s.SessionByTokenHash(ctx, plain.TokenHash))(t)
		_, err = s.KioskTerminalByToken(ctx, cookie)
		wantErr(t, err, store.ErrNotFound, "the revoked terminal's cookie")
	})
}
