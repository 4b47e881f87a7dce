package store_test

import (
	"context"
	"errors"
	"maps"
	"sync"
	"testing"

	"eportid/app/model"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// The legal-person filing (N1) on the generic engine, entered and declared
// by the no-card administrator.

var lpKind = model.FilingLegalPerson

// creator is the no-card administrator who enters the filings below.
var creator = store.Actor{UserID: 104, Name: "creator", Role: model.RoleNoCardAdmin}

// inState creates a legal-person filing of a new enterprise and brings it
// to state (returned with the reason 地址不全).
func inState(t *testing.T, s *store.Store, state model.State) (store.Enterprise, model.Record) {
	t.Helper()
	ctx := context.Background()
	e := newEnterprise(t, s)
	f := s.Filings(lpKind)
	p := lpFields()
	r := must(f.Create(ctx, e.ID, 0, creator, store.Input{Fields: p}))(t)
	if state == model.StateDraft {
		return e, r
	}
	r = must(f.Declare(ctx, e.ID, r.ID, r.Version, creator, store.Input{Fields: p}))(t)
	switch state {
	case model.StateApproved:
		r.RecordMeta = must(s.Approve(ctx, p["agent_point"], r.Ref(), r.Version, reviewer))(t)
	case model.StateReturned:
		r.RecordMeta = must(s.Return(ctx, p["agent_point"], r.Ref(), r.Version, reviewer, "地址不全"))(t)
	}
	if r.State != state {
		t.Fatalf("set up %s, got %s", state, r.State)
	}
	return e, r
}

func TestLegalPersonCreateGetList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := s.Filings(lpKind)
		e := newEnterprise(t, s)
		if got := must(f.List(ctx, e.ID))(t); got == nil || len(got) != 0 {
			t.Fatalf("new enterprise lists %+v", got)
		}
		p := lpFields()
		p["name_en"] = "Example Trading Co., Ltd."
		p["business_scope"] = "进出口贸易；'quotes' and \"double\"; 100%"
		want := normalized(lpKind, p)
		r := must(f.Create(ctx, e.ID, 0, creator, store.Input{Fields: p}))(t)
		if r.ID == 0 || r.State != model.StateDraft || r.Version != 1 || r.CreatedBy != "creator" || r.DeclaredAt != nil || !maps.Equal(r.Fields, want) {
			t.Errorf("created %+v\nwant fields %+v", r, want)
		}
		if r.Kind != lpKind || r.Change || r.FilingID != r.ID || r.EnterpriseID != e.ID {
			t.Errorf("created meta %+v", r.RecordMeta)
		}
		if r.CreatedAt.IsZero() || !r.UpdatedAt.Equal(r.CreatedAt) || r.CreatedAt.Location() != timeUTC {
			t.Errorf("times %v %v", r.CreatedAt, r.UpdatedAt)
		}
		got := must(f.Get(ctx, e.ID, r.ID))(t)
		if !maps.Equal(got.Fields, want) || got.Version != 1 || !got.CreatedAt.Equal(r.CreatedAt) {
			t.Errorf("get %+v", got)
		}
		list := must(f.List(ctx, e.ID))(t)
		if len(list) != 1 || list[0].ID != r.ID {
			t.Errorf("list %+v", list)
		}
		_, err := f.Create(ctx, e.ID, 0, creator, store.Input{Fields: p})
		wantErr(t, err, store.ErrDuplicate, "second filing of an enterprise")
		_, err = f.Create(ctx, 999999, 0, creator, store.Input{Fields: p})
		wantErr(t, err, store.ErrNotFound, "filing of an unknown enterprise")

		// Another enterprise sees nothing of it.
		other := newEnterprise(t, s)
		_, err = f.Get(ctx, other.ID, r.ID)
		wantErr(t, err, store.ErrNotFound, "get by another enterprise")
		if got := must(f.List(ctx, other.ID))(t); len(got) != 0 {
			t.Errorf("other enterprise lists %+v", got)
		}
		_, err = f.Save(ctx, other.ID, r.ID, 1, creator, store.Input{Fields: p})
		wantErr(t, err, store.ErrNotFound, "save by another enterprise")
		_, err = f.Declare(ctx, other.ID, r.ID, 1, creator, store.Input{Fields: p})
		wantErr(t, err, store.ErrNotFound, "declare by another enterprise")
		wantErr(t, f.Delete(ctx, other.ID, r.ID, creator), store.ErrNotFound, "delete by another enterprise")
		if got := must(f.Get(ctx, e.ID, r.ID))(t); got.Version != 1 || got.State != model.StateDraft {
			t.Errorf("changed by another enterprise: %+v", got)
		}
		_, err = f.Get(ctx, e.ID, r.ID+1000)
		wantErr(t, err, store.ErrNotFound, "unknown id")
	})
}

// Every operation in every state does what model.State says, and nothing
// else.
func TestLegalPersonStateRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := s.Filings(lpKind)
		for _, st := range []model.State{model.StateDraft, model.StateDeclared, model.StateApproved, model.StateReturned} {
			t.Run(string(st), func(t *testing.T) {
				// Save.
				e, r := inState(t, s, st)
				p := maps.Clone(r.Fields)
				p["address"] = "新地址"
				saved, err := f.Save(ctx, e.ID, r.ID, r.Version, creator, store.Input{Fields: p})
				if st.CanEdit() {
					if err != nil {
						t.Fatalf("save in %s: %v", st, err)
					}
					if saved.Fields["address"] != "新地址" || saved.Version != r.Version+1 || saved.State != st || saved.UpdatedAt.Before(r.CreatedAt) {
						t.Errorf("saved %+v", saved)
					}
					// Stale version.
					_, err = f.Save(ctx, e.ID, r.ID, r.Version, creator, store.Input{Fields: p})
					wantErr(t, err, store.ErrConflict, "save with a stale version")
					_, err = f.Declare(ctx, e.ID, r.ID, r.Version, creator, store.Input{Fields: p})
					wantErr(t, err, store.ErrConflict, "declare with a stale version")
				} else {
					wantErr(t, err, store.ErrState, "save in "+string(st))
				}

				// Declare.
				e, r = inState(t, s, st)
				p = maps.Clone(r.Fields)
				p["phone"] = "0755-12345678"
				decl, err := f.Declare(ctx, e.ID, r.ID, r.Version, creator, store.Input{Fields: p})
				if st.CanDeclare() {
					if err != nil {
						t.Fatalf("declare in %s: %v", st, err)
					}
					if decl.State != model.StateDeclared || decl.DeclaredAt == nil || decl.Fields["phone"] != "0755-12345678" || decl.Version != r.Version+1 || decl.ReturnReason != "" {
						t.Errorf("declared %+v", decl)
					}
					// The same request again (the version read before
					// declaring) declares nothing twice.
					_, err := f.Declare(ctx, e.ID, r.ID, r.Version, creator, store.Input{Fields: p})
					wantErr(t, err, store.ErrState, "second declaration")
					if got := must(f.Get(ctx, e.ID, r.ID))(t); got.Version != decl.Version || !got.DeclaredAt.Equal(*decl.DeclaredAt) {
						t.Errorf("after a second declaration: %+v", got)
					}
				} else {
					wantErr(t, err, store.ErrState, "declare in "+string(st))
				}
				if got := must(f.Get(ctx, e.ID, r.ID))(t); !st.CanDeclare() && (got.Version != r.Version || got.Fields["phone"] == "0755-12345678") {
					t.Errorf("refused declaration changed the record: %+v", got)
				}

				// Delete.
				e, r = inState(t, s, st)
				err = f.Delete(ctx, e.ID, r.ID, creator)
				if st.CanDelete() {
					if err != nil {
						t.Fatalf("delete in %s: %v", st, err)
					}
					_, err = f.Get(ctx, e.ID, r.ID)
					wantErr(t, err, store.ErrNotFound, "deleted record")
					wantErr(t, f.Delete(ctx, e.ID, r.ID, creator), store.ErrNotFound, "delete twice")
					// The enterprise may start again, with a new id.
					n := must(f.Create(ctx, e.ID, 0, creator, store.Input{Fields: r.Fields}))(t)
					if n.ID == r.ID {
						t.Errorf("id %d reused after delete", n.ID)
					}
				} else {
					wantErr(t, err, store.ErrState, "delete in "+string(st))
					must(f.Get(ctx, e.ID, r.ID))(t)
				}
			})
		}
	})
}

func TestLegalPersonReturnedCycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := s.Filings(lpKind)
		e, r := inState(t, s, model.StateReturned)
		if r.ReturnReason != "地址不全" {
			t.Errorf("return reason %q", r.ReturnReason)
		}
		// Reviewer of another agent point sees nothing.
		_, err := s.Approve(ctx, "BJ01", r.Ref(), r.Version, reviewer)
		wantErr(t, err, store.ErrNotFound, "review by another agent point")
		// Review needs state declared.
		_, err = s.Approve(ctx, "SZ01", r.Ref(), r.Version, reviewer)
		wantErr(t, err, store.ErrState, "review of a returned record")

		p := maps.Clone(r.Fields)
		p["address"] = "补全的地址"
		r = must(f.Save(ctx, e.ID, r.ID, r.Version, creator, store.Input{Fields: p}))(t)
		if r.State != model.StateReturned || r.ReturnReason != "地址不全" {
			t.Errorf("saved returned record %+v", r)
		}
		r = must(f.Declare(ctx, e.ID, r.ID, r.Version, creator, store.Input{Fields: p}))(t)
		if r.State != model.StateDeclared || r.ReturnReason != "" {
			t.Errorf("re-declared %+v", r)
		}
		_, err = s.Approve(ctx, "SZ01", r.Ref(), r.Version-1, reviewer)
		wantErr(t, err, store.ErrConflict, "review with a stale version")
		m := must(s.Approve(ctx, "SZ01", r.Ref(), r.Version, reviewer))(t)
		if m.State != model.StateApproved || m.ReturnReason != "" {
			t.Errorf("approved %+v", m)
		}
		// A draft is not declared to anyone.
		_, d := inState(t, s, model.StateDraft)
		_, err = s.Approve(ctx, "SZ01", d.Ref(), d.Version, reviewer)
		wantErr(t, err, store.ErrNotFound, "review of a draft")
	})
}

// Concurrent declarations of the same version: exactly one declares.
func TestLegalPersonConcurrentDeclare(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := s.Filings(lpKind)
		e, r := inState(t, s, model.StateDraft)
		const n = 8
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			declared int
		)
		for range n {
			wg.Go(func() {
				_, err := f.Declare(ctx, e.ID, r.ID, r.Version, creator, store.Input{Fields: r.Fields})
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
		if got := must(f.Get(ctx, e.ID, r.ID))(t); got.Version != r.Version+1 || got.State != model.StateDeclared {
			t.Errorf("after the race: %+v", got)
		}
	})
}
