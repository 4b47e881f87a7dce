package store_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"eportid/app/model"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

func TestEnterprisesAndUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		created := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.FixedZone("CST", 8*3600))
		e := must(s.CreateEnterprise(ctx, store.Enterprise{CreditCode: "91110000TEST00001X", NameCN: "甲公司", Phone: "010-12345678", CreatedAt: created}))(t)
		if e.ID == 0 {
			t.Fatal("no id")
		}
		got := must(s.EnterpriseByID(ctx, e.ID))(t)
		if got.NameCN != "甲公司" || got.Phone != "010-12345678" || got.CreditCode != e.CreditCode {
			t.Errorf("read back %+v", got)
		}
		sameTime(t, got.CreatedAt, created, "enterprise created_at")
		if got2 := must(s.EnterpriseByCreditCode(ctx, e.CreditCode))(t); got2.ID != e.ID {
			t.Errorf("by credit code: %+v", got2)
		}
		_, err := s.CreateEnterprise(ctx, store.Enterprise{CreditCode: e.CreditCode, NameCN: "乙"})
		wantErr(t, err, store.ErrCreditCodeTaken, "same credit code")
		_, err = s.EnterpriseByID(ctx, e.ID+1000)
		wantErr(t, err, store.ErrNotFound, "unknown enterprise")

		u := must(s.CreateUser(ctx, store.User{EnterpriseID: e.ID, Username: "Alice.Admin", PasswordHash: "$argon2id$x", Role: model.RoleNoCardAdmin, Mobile: "13800138000", Email: "a@example.com"}))(t)
		if u.Username != "alice.admin" || u.ID == 0 {
			t.Errorf("created %+v", u)
		}
		for _, name := range []string{"alice.admin", "ALICE.ADMIN", "Alice.Admin"} {
			got := must(s.UserByUsername(ctx, name))(t)
			if got.ID != u.ID || got.EnterpriseID != e.ID || got.Role != model.RoleNoCardAdmin || got.PasswordHash != "$argon2id$x" || got.Disabled {
				t.Errorf("UserByUsername(%s) = %+v", name, got)
			}
		}
		_, err = s.CreateUser(ctx, store.User{Username: "ALICE.admin", PasswordHash: "x", Role: model.RoleNoCardAdmin})
		wantErr(t, err, store.ErrUsernameTaken, "same name in other case")
		_, err = s.UserByUsername(ctx, "bob")
		wantErr(t, err, store.ErrNotFound, "unknown user")
		_, err = s.CreateUser(ctx, store.User{EnterpriseID: 999999, Username: "carol", PasswordHash: "x", Role: model.RoleNoCardAdmin})
		wantErr(t, err, store.ErrNotFound, "user of an unknown enterprise")

		must(s.CreateUser(ctx, store.User{EnterpriseID: e.ID, Username: "second", PasswordHash: "x", Role: model.RoleNoCardAdmin}))(t)
		if us := must(s.EnterpriseUsers(ctx, e.ID))(t); len(us) != 2 || us[0].ID != u.ID || us[1].Username != "second" {
			t.Errorf("EnterpriseUsers = %+v", us)
		}
		if us := must(s.EnterpriseUsers(ctx, e.ID+1000))(t); len(us) != 0 {
			t.Errorf("EnterpriseUsers of nobody = %+v", us)
		}

		// A reviewer has no enterprise.
		r := must(s.CreateUser(ctx, store.User{Username: "reviewer1", PasswordHash: "x", Role: model.RoleReviewer}))(t)
		if got := must(s.UserByID(ctx, r.ID))(t); got.EnterpriseID != 0 || got.Role != model.RoleReviewer {
			t.Errorf("reviewer %+v", got)
		}
		if err := s.SetUserDisabled(ctx, r.ID, true); err != nil {
			t.Fatal(err)
		}
		if got := must(s.UserByID(ctx, r.ID))(t); !got.Disabled {
			t.Error("not disabled")
		}
		if err := s.SetPasswordHash(ctx, r.ID, "new"); err != nil {
			t.Fatal(err)
		}
		if got := must(s.UserByID(ctx, r.ID))(t); got.PasswordHash != "new" {
			t.Error("password hash not replaced")
		}
		wantErr(t, s.SetUserDisabled(ctx, 999999, true), store.ErrNotFound, "disable unknown user")
	})
}

func TestSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := newEnterprise(t, s)
		u := must(s.CreateUser(ctx, store.User{EnterpriseID: e.ID, Username: "sess", PasswordHash: "x", Role: model.RoleNoCardAdmin}))(t)
		t0 := time.Date(2025, 1, 2, 3, 4, 5, 678901000, time.UTC)
		sess := must(s.CreateSession(ctx, store.Session{TokenHash: []byte{1, 2, 3}, UserID: u.ID, CSRFToken: "csrf", CreatedAt: t0}))(t)
		if sess.ID == 0 || !sess.LastSeenAt.Equal(t0) {
			t.Errorf("created %+v", sess)
		}
		_, err := s.CreateSession(ctx, store.Session{TokenHash: []byte{1, 2, 3}, UserID: u.ID, CSRFToken: "other"})
		wantErr(t, err, store.ErrDuplicate, "same token hash")
		_, err = s.CreateSession(ctx, store.Session{TokenHash: []byte{9}, UserID: 999999, CSRFToken: "x"})
		wantErr(t, err, store.ErrNotFound, "session of unknown user")

		got := must(s.SessionByTokenHash(ctx, []byte{1, 2, 3}))(t)
		if got.ID != sess.ID || got.UserID != u.ID || got.CSRFToken != "csrf" || !bytes.Equal(got.TokenHash, []byte{1, 2, 3}) {
			t.Errorf("read back %+v", got)
		}
		sameTime(t, got.CreatedAt, t0, "created_at")
		_, err = s.SessionByTokenHash(ctx, []byte{4})
		wantErr(t, err, store.ErrNotFound, "unknown token")

		// The session with its user in one read, as every request needs.
		gs, gu, err := s.SessionUser(ctx, []byte{1, 2, 3})
		if err != nil {
			t.Fatal(err)
		}
		if gs.ID != sess.ID || gs.CSRFToken != "csrf" || gu.ID != u.ID || gu.EnterpriseID != e.ID ||
			gu.Username != "sess" || gu.Role != model.RoleNoCardAdmin || gu.Disabled {
			t.Errorf("SessionUser: %+v %+v", gs, gu)
		}
		sameTime(t, gs.CreatedAt, t0, "SessionUser created_at")
		_, _, err = s.SessionUser(ctx, []byte{4})
		wantErr(t, err, store.ErrNotFound, "SessionUser of an unknown token")

		t1 := t0.Add(10 * time.Minute)
		if err := s.TouchSession(ctx, sess.ID, t1); err != nil {
			t.Fatal(err)
		}
		sameTime(t, must(s.SessionByTokenHash(ctx, []byte{1, 2, 3}))(t).LastSeenAt, t1, "last_seen_at")

		// Expiry: idle and absolute.
		idle := must(s.CreateSession(ctx, store.Session{TokenHash: []byte{5}, UserID: u.ID, CSRFToken: "i", CreatedAt: t0.Add(time.Hour)}))(t)
		old := must(s.CreateSession(ctx, store.Session{TokenHash: []byte{6}, UserID: u.ID, CSRFToken: "o", CreatedAt: t0.Add(-24 * time.Hour), LastSeenAt: t0.Add(2 * time.Hour)}))(t)
		fresh := must(s.CreateSession(ctx, store.Session{TokenHash: []byte{7}, UserID: u.ID, CSRFToken: "f", CreatedAt: t0.Add(2 * time.Hour)}))(t)
		// idle cutoff between t1 and idle's last use... sess (last seen t1)
		// and idle (t0+1h) go idle at cutoff t0+90m; old goes by age.
		n := must(s.DeleteSessionsBefore(ctx, t0.Add(90*time.Minute), t0.Add(-time.Hour)))(t)
		if n != 3 {
			t.Errorf("deleted %d sessions, want 3", n)
		}
		for _, gone := range []store.Session{sess, idle, old} {
			if _, err := s.SessionByTokenHash(ctx, gone.TokenHash); err == nil {
				t.Errorf("session %d survived", gone.ID)
			}
		}
		must(s.SessionByTokenHash(ctx, fresh.TokenHash))(t)
		wantErr(t, s.TouchSession(ctx, sess.ID, t1), store.ErrNotFound, "touch an ended session")

		if err := s.DeleteSession(ctx, fresh.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteSession(ctx, fresh.ID); err != nil {
			t.Errorf("deleting twice: %v", err)
		}
		_, err = s.SessionByTokenHash(ctx, fresh.TokenHash)
		wantErr(t, err, store.ErrNotFound, "after logout")

		must(s.CreateSession(ctx, store.Session{TokenHash: []byte{8}, UserID: u.ID, CSRFToken: "a"}))(t)
		must(s.CreateSession(ctx, store.Session{TokenHash: []byte{9}, UserID: u.ID, CSRFToken: "b"}))(t)
		if n := must(s.DeleteUserSessions(ctx, u.ID))(t); n != 2 {
			t.Errorf("DeleteUserSessions = %d, want 2", n)
		}
	})
}

func TestLoginFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		n, last, err := s.LoginFailures(ctx, "user:alice")
		if err != nil || n != 0 || !last.IsZero() {
			t.Fatalf("none yet: %d %v %v", n, last, err)
		}
		t0 := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
		for i := 1; i <= 3; i++ {
			got := must(s.RecordLoginFailure(ctx, "user:alice", t0.Add(time.Duration(i)*time.Second)))(t)
			if got != i {
				t.Errorf("failure %d counted as %d", i, got)
			}
		}
		must(s.RecordLoginFailure(ctx, "ip:192.0.2.1", t0))(t)
		n, last, err = s.LoginFailures(ctx, "user:alice")
		if err != nil || n != 3 {
			t.Fatalf("LoginFailures = %d, %v", n, err)
		}
		sameTime(t, last, t0.Add(3*time.Second), "last failure")

		// Concurrent failures each count.
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if _, err := s.RecordLoginFailure(ctx, "ip:198.51.100.7", t0); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if n, _, _ := s.LoginFailures(ctx, "ip:198.51.100.7"); n != 8 {
			t.Errorf("concurrent failures counted %d, want 8", n)
		}

		if err := s.ClearLoginFailures(ctx, "user:alice"); err != nil {
			t.Fatal(err)
		}
		if n, _, _ := s.LoginFailures(ctx, "user:alice"); n != 0 {
			t.Errorf("after clear: %d", n)
		}
		if n, _, _ := s.LoginFailures(ctx, "ip:192.0.2.1"); n != 1 {
			t.Errorf("other key touched: %d", n)
		}
		if got := must(s.RecordLoginFailure(ctx, "user:alice", t0))(t); got != 1 {
			t.Errorf("after clear counts from %d", got)
		}
		if n := must(s.DeleteLoginFailuresBefore(ctx, t0.Add(time.Second)))(t); n != 3 {
			t.Errorf("housekeeping deleted %d, want 3", n)
		}
	})
}

func TestMails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		t0 := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
		for i, subj := range []string{"first", "second", "third"} {
			if err := s.QueueMail(ctx, store.Mail{To: "a@example.com", Subject: subj, Body: "正文", CreatedAt: t0.Add(time.Duration(i) * time.Minute)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.QueueMail(ctx, store.Mail{To: "b@example.com", Subject: "other", Body: "x"}); err != nil {
			t.Fatal(err)
		}
		ms := must(s.MailsTo(ctx, "a@example.com"))(t)
		if len(ms) != 3 || ms[0].Subject != "third" || ms[2].Subject != "first" || ms[0].Body != "正文" {
			t.Fatalf("MailsTo = %+v", ms)
		}
		sameTime(t, ms[2].CreatedAt, t0, "mail created_at")
		if ms := must(s.MailsTo(ctx, "nobody@example.com"))(t); len(ms) != 0 {
			t.Errorf("mails to nobody: %+v", ms)
		}
	})
}

// CountAttempt decides and counts in one step: of 30 attempts at once
// that may go ahead while fewer than 5 are counted, exactly 5 go ahead.
func TestCountAttemptAtomic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			allowed int
		)
		for range 30 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				wait, err := s.CountAttempt(ctx, "k:burst", t0, func(n int, _ time.Time) (time.Duration, int) {
					if n >= 5 {
						return time.Second, n
					}
					return 0, n
				})
				if err != nil {
					t.Error(err)
					return
				}
				if wait == 0 {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if n, _, _ := s.LoginFailures(ctx, "k:burst"); allowed != 5 || n != 5 {
			t.Fatalf("30 at once: %d allowed, %d counted; want 5 and 5", allowed, n)
		}
		if err := s.ReleaseAttempt(ctx, "k:burst"); err != nil {
			t.Fatal(err)
		}
		if n, _, _ := s.LoginFailures(ctx, "k:burst"); n != 4 {
			t.Fatalf("after a release: %d", n)
		}
	})
}
