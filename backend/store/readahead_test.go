package store_test

import (
	"context"
	"testing"

	"eportid/app/model"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// TestWriteReadWithSession: a save or a declaration may use the record
// as read with the request's session (SessionContext's want, Input.Read)
// instead of reading it again. The write is as safe as its own read: a
// record changed since the session's read is a conflict and stays as the
// other write left it; the grey fields are filled from what was read with
// the session; a record of another enterprise is not read, and not found.
// On SQLite, whose writes read inside their transaction, nothing is read
// ahead.
func TestWriteReadWithSession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		k := model.FilingCustoms
		cf := s.Filings(k)
		e, lp := lpEnterprise(t, s, "SZ01", model.StateDeclared)
		other, _ := lpEnterprise(t, s, "SZ01", model.StateDeclared)
		u := must(s.CreateUser(ctx, store.User{EnterpriseID: e.ID, Username: "ahead", PasswordHash: "x", Role: model.RoleLegalCard}))(t)
		must(s.CreateSession(ctx, store.Session{TokenHash: []byte("ahead"), UserID: u.ID, CSRFToken: "c"}))(t)
		sent := sample(k)
		sent["name_cn"] = "页面送来的名称"
		r := must(cf.Create(ctx, e.ID, 0, holder, in(k, sent)))(t)
		theirs := must(cf.Create(ctx, other.ID, 0, holder, in(k, sample(k))))(t)

		read := func(ref model.RecordRef) *store.RecordRead {
			t.Helper()
			sc := must(s.SessionContext(ctx, []byte("ahead"), &ref))(t)
			if sc.User.ID != u.ID || sc.Enterprise == nil || sc.Enterprise.ID != e.ID {
				t.Fatalf("session context %+v", sc)
			}
			if (sc.Read != nil) != (s.Dialect() == store.Postgres) {
				t.Fatalf("%s: read ahead %v", s.Dialect(), sc.Read != nil)
			}
			return sc.Read
		}
		declare := func(id int64, version int, ahead *store.RecordRead) (model.Record, error) {
			p := in(k, sent)
			p.Read = ahead
			return cf.Declare(ctx, e.ID, id, version, holder, p)
		}

		// Read with the session, then saved by another request.
		stale := read(r.Ref())
		saved := must(cf.Save(ctx, e.ID, r.ID, r.Version, holder, in(k, sent)))(t)
		_, err := declare(r.ID, r.Version, stale)
		wantErr(t, err, store.ErrConflict, "declare after a save since the session's read")
		if got := must(cf.Get(ctx, e.ID, r.ID))(t); got.State != model.StateDraft || got.Version != saved.Version {
			t.Fatalf("after the refused declaration: %s v%d, want draft v%d", got.State, got.Version, saved.Version)
		}

		// Read afresh: declared, the grey fields from the legal-person
		// filing read with the session.
		got, err := declare(r.ID, saved.Version, read(r.Ref()))
		if err != nil {
			t.Fatal(err)
		}
		if got.State != model.StateDeclared || got.Fields["name_cn"] != lp.Fields["name_cn"] {
			t.Errorf("declared %s, name_cn %q, want declared, %q", got.State, got.Fields["name_cn"], lp.Fields["name_cn"])
		}
		if again := must(cf.Get(ctx, e.ID, r.ID))(t); again.Version != got.Version || again.Fields["name_cn"] != got.Fields["name_cn"] {
			t.Errorf("stored %+v, answered %+v", again, got)
		}

		// Another enterprise's record is not read with this session.
		_, err = declare(theirs.ID, theirs.Version, read(theirs.Ref()))
		wantErr(t, err, store.ErrNotFound, "declare another enterprise's record")
		if got := must(cf.Get(ctx, other.ID, theirs.ID))(t); got.State != model.StateDraft || got.Version != theirs.Version {
			t.Errorf("the other enterprise's record: %s v%d", got.State, got.Version)
		}
	})
}
