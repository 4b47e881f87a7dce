package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"eportid/app/model"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// inState creates a filing of a new enterprise and brings it to state.
func inState(t *testing.T, s *store.Store, state model.State) (store.Enterprise, model.LegalPersonRecord) {
	t.Helper()
	ctx := context.Background()
	e := newEnterprise(t, s)
	p := sampleLegalPerson()
	r := must(s.CreateLegalPerson(ctx, e.ID, "creator", p))(t)
	if state == model.StateDraft {
		return e, r
	}
	r = must(s.DeclareLegalPerson(ctx, e.ID, r.ID, r.Version, "creator", p))(t)
	switch state {
	case model.StateApproved:
		r = must(s.ReviewLegalPerson(ctx, p.AgentPoint, r.ID, r.Version, "reviewer", true, ""))(t)
	case model.StateReturned:
		r = must(s.ReviewLegalPerson(ctx, p.AgentPoint, r.ID, r.Version, "reviewer", false, "地址不全"))(t)
	}
	if r.State != state {
		t.Fatalf("set up %s, got %s", state, r.State)
	}
	return e, r
}

func TestLegalPersonCreateGetList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := newEnterprise(t, s)
		if got := must(s.ListLegalPersons(ctx, e.ID))(t); len(got) != 0 {
			t.Fatalf("new enterprise lists %+v", got)
		}
		p := sampleLegalPerson()
		p.NameEN = "Example Trading Co., Ltd."
		p.BusinessScope = "进出口贸易；'quotes' and \"double\"; 100%"
		r := must(s.CreateLegalPerson(ctx, e.ID, "admin1", p))(t)
		if r.ID == 0 || r.State != model.StateDraft || r.Version != 1 || r.CreatedBy != "admin1" || r.DeclaredAt != nil || r.LegalPerson != p {
			t.Errorf("created %+v", r)
		}
		if r.CreatedAt.IsZero() || !r.UpdatedAt.Equal(r.CreatedAt) || r.CreatedAt.Location() != timeUTC {
			t.Errorf("times %v %v", r.CreatedAt, r.UpdatedAt)
		}
		got := must(s.GetLegalPerson(ctx, e.ID, r.ID))(t)
		if got.LegalPerson != p || got.Version != 1 || !got.CreatedAt.Equal(r.CreatedAt) {
			t.Errorf("get %+v", got)
		}
		list := must(s.ListLegalPersons(ctx, e.ID))(t)
		if len(list) != 1 || list[0].ID != r.ID {
			t.Errorf("list %+v", list)
		}
		_, err := s.CreateLegalPerson(ctx, e.ID, "admin1", p)
		wantErr(t, err, store.ErrDuplicate, "second filing of an enterprise")
		_, err = s.CreateLegalPerson(ctx, 999999, "x", p)
		wantErr(t, err, store.ErrNotFound, "filing of an unknown enterprise")

		// Another enterprise sees nothing of it.
		other := newEnterprise(t, s)
		_, err = s.GetLegalPerson(ctx, other.ID, r.ID)
		wantErr(t, err, store.ErrNotFound, "get by another enterprise")
		if got := must(s.ListLegalPersons(ctx, other.ID))(t); len(got) != 0 {
			t.Errorf("other enterprise lists %+v", got)
		}
		_, err = s.SaveLegalPerson(ctx, other.ID, r.ID, 1, "x", p)
		wantErr(t, err, store.ErrNotFound, "save by another enterprise")
		_, err = s.DeclareLegalPerson(ctx, other.ID, r.ID, 1, "x", p)
		wantErr(t, err, store.ErrNotFound, "declare by another enterprise")
		wantErr(t, s.DeleteLegalPerson(ctx, other.ID, r.ID), store.ErrNotFound, "delete by another enterprise")
		if got := must(s.GetLegalPerson(ctx, e.ID, r.ID))(t); got.Version != 1 || got.State != model.StateDraft {
			t.Errorf("changed by another enterprise: %+v", got)
		}
		_, err = s.GetLegalPerson(ctx, e.ID, r.ID+1000)
		wantErr(t, err, store.ErrNotFound, "unknown id")
	})
}

// Every operation in every state does what model.State says, and nothing
// else.
func TestLegalPersonStateRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for _, st := range []model.State{model.StateDraft, model.StateDeclared, model.StateApproved, model.StateReturned} {
			t.Run(string(st), func(t *testing.T) {
				// Save.
				e, r := inState(t, s, st)
				p := r.LegalPerson
				p.Address = "新地址"
				saved, err := s.SaveLegalPerson(ctx, e.ID, r.ID, r.Version, "editor", p)
				if st.CanEdit() {
					if err != nil {
						t.Fatalf("save in %s: %v", st, err)
					}
					if saved.Address != "新地址" || saved.Version != r.Version+1 || saved.State != st || !saved.UpdatedAt.After(r.CreatedAt) && !saved.UpdatedAt.Equal(r.CreatedAt) {
						t.Errorf("saved %+v", saved)
					}
					// Stale version.
					_, err = s.SaveLegalPerson(ctx, e.ID, r.ID, r.Version, "editor", p)
					wantErr(t, err, store.ErrConflict, "save with a stale version")
					_, err = s.DeclareLegalPerson(ctx, e.ID, r.ID, r.Version, "editor", p)
					wantErr(t, err, store.ErrConflict, "declare with a stale version")
				} else {
					wantErr(t, err, store.ErrState, "save in "+string(st))
				}

				// Declare.
				e, r = inState(t, s, st)
				p = r.LegalPerson
				p.Phone = "0755-12345678"
				decl, err := s.DeclareLegalPerson(ctx, e.ID, r.ID, r.Version, "declarer", p)
				if st.CanDeclare() {
					if err != nil {
						t.Fatalf("declare in %s: %v", st, err)
					}
					if decl.State != model.StateDeclared || decl.DeclaredAt == nil || decl.Phone != "0755-12345678" || decl.Version != r.Version+1 || decl.ReturnReason != "" {
						t.Errorf("declared %+v", decl)
					}
					// The same request again (the version read before
					// declaring) declares nothing twice.
					again, err := s.DeclareLegalPerson(ctx, e.ID, r.ID, r.Version, "declarer", p)
					wantErr(t, err, store.ErrState, "second declaration")
					_ = again
					if got := must(s.GetLegalPerson(ctx, e.ID, r.ID))(t); got.Version != decl.Version || !got.DeclaredAt.Equal(*decl.DeclaredAt) {
						t.Errorf("after a second declaration: %+v", got)
					}
				} else {
					wantErr(t, err, store.ErrState, "declare in "+string(st))
				}
				if got := must(s.GetLegalPerson(ctx, e.ID, r.ID))(t); !st.CanDeclare() && (got.Version != r.Version || got.Phone == "0755-12345678") {
					t.Errorf("refused declaration changed the record: %+v", got)
				}

				// Delete.
				e, r = inState(t, s, st)
				err = s.DeleteLegalPerson(ctx, e.ID, r.ID)
				if st.CanDelete() {
					if err != nil {
						t.Fatalf("delete in %s: %v", st, err)
					}
					_, err = s.GetLegalPerson(ctx, e.ID, r.ID)
					wantErr(t, err, store.ErrNotFound, "deleted record")
					wantErr(t, s.DeleteLegalPerson(ctx, e.ID, r.ID), store.ErrNotFound, "delete twice")
					// The enterprise may start again, with a new id.
					n := must(s.CreateLegalPerson(ctx, e.ID, "creator", r.LegalPerson))(t)
					if n.ID == r.ID {
						t.Errorf("id %d reused after delete", n.ID)
					}
				} else {
					wantErr(t, err, store.ErrState, "delete in "+string(st))
					must(s.GetLegalPerson(ctx, e.ID, r.ID))(t)
				}
			})
		}
	})
}

func TestLegalPersonReturnedCycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e, r := inState(t, s, model.StateReturned)
		if r.ReturnReason != "地址不全" {
			t.Errorf("return reason %q", r.ReturnReason)
		}
		// Reviewer of another agent point sees nothing.
		_, err := s.ReviewLegalPerson(ctx, "BJ01", r.ID, r.Version, "x", true, "")
		wantErr(t, err, store.ErrNotFound, "review by another agent point")
		// Review needs state declared.
		_, err = s.ReviewLegalPerson(ctx, "SZ01", r.ID, r.Version, "x", true, "")
		wantErr(t, err, store.ErrState, "review of a returned record")

		p := r.LegalPerson
		p.Address = "补全的地址"
		r = must(s.SaveLegalPerson(ctx, e.ID, r.ID, r.Version, "admin", p))(t)
		if r.State != model.StateReturned || r.ReturnReason != "地址不全" {
			t.Errorf("saved returned record %+v", r)
		}
		r = must(s.DeclareLegalPerson(ctx, e.ID, r.ID, r.Version, "admin", p))(t)
		if r.State != model.StateDeclared || r.ReturnReason != "" {
			t.Errorf("re-declared %+v", r)
		}
		_, err = s.ReviewLegalPerson(ctx, "SZ01", r.ID, r.Version-1, "x", true, "")
		wantErr(t, err, store.ErrConflict, "review with a stale version")
		r = must(s.ReviewLegalPerson(ctx, "SZ01", r.ID, r.Version, "x", true, "ignored"))(t)
		if r.State != model.StateApproved || r.ReturnReason != "" {
			t.Errorf("approved %+v", r)
		}
		// A draft is not declared to anyone.
		_, d := inState(t, s, model.StateDraft)
		_, err = s.ReviewLegalPerson(ctx, "SZ01", d.ID, d.Version, "x", true, "")
		wantErr(t, err, store.ErrNotFound, "review of a draft")
	})
}

// Concurrent declarations of the same version: exactly one declares.
func TestLegalPersonConcurrentDeclare(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e, r := inState(t, s, model.StateDraft)
		const n = 8
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			declared int
		)
		for range n {
			wg.Go(func() {
				_, err := s.DeclareLegalPerson(ctx, e.ID, r.ID, r.Version, "racer", r.LegalPerson)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					declared++
				case errors.Is(err, store.ErrState), errors.Is(err, store.ErrConflict):
				default:
					t.Errorf("unexpected error: %v", err)
				}
			})
		}
		wg.Wait()
		if declared != 1 {
			t.Errorf("%d declarations succeeded, want 1", declared)
		}
		if got := must(s.GetLegalPerson(ctx, e.ID, r.ID))(t); got.Version != r.Version+1 || got.State != model.StateDeclared {
			t.Errorf("after the race: %+v", got)
		}
	})
}
