package store_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"eportid/app/model"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// N2–N4: refused until the legal-person filing has been declared; once
// declared (even if then returned) they may be entered.
func TestQualificationNeedsDeclaredLegalPerson(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		eachQualification(t, s, needsDeclared)
	})
}

func needsDeclared(t *testing.T, s *store.Store, k model.FilingKind) {
	ctx := context.Background()
	f := s.Filings(k)
	lpf := s.Filings(model.FilingLegalPerson)
	// No legal-person filing at all.
	e := newEnterprise(t, s)
	_, err := f.Create(ctx, e.ID, 0, noCard, in(k, sample(k)))
	wantErr(t, err, store.ErrLegalPersonNotDeclared, "no legal-person filing")
	// A draft legal-person filing.
	e, lp := lpEnterprise(t, s, "SZ01", model.StateDraft)
	_, err = f.Create(ctx, e.ID, 0, noCard, in(k, sample(k)))
	wantErr(t, err, store.ErrLegalPersonNotDeclared, "legal-person filing in draft")
	if got := must(f.List(ctx, e.ID))(t); got == nil || len(got) != 0 {
		t.Errorf("refused create left %v", got)
	}
	if n := len(history(t, s, e.ID, model.RecordRef{Kind: f.Kind(), ID: 1})); n != 0 {
		t.Errorf("refused create audited: %d rows", n)
	}
	// Declared: the no-card administrator may pre-enter.
	lp = must(lpf.Declare(ctx, e.ID, lp.ID, lp.Version, noCard, store.Input{Fields: lp.Fields}))(t)
	r := must(f.Create(ctx, e.ID, 0, noCard, in(k, sample(k))))(t)
	if r.State != model.StateDraft || r.Version != 1 || r.CreatedBy != "nocard" || r.Kind != f.Kind() || r.FilingID != r.ID || r.EnterpriseID != e.ID {
		t.Errorf("pre-entry %+v", r.RecordMeta)
	}
	// Returned: it was declared once, so the pre-entry may still be saved.
	reviewTo(t, s, "SZ01", lp, model.StateReturned)
	r = must(f.Save(ctx, e.ID, r.ID, r.Version, noCard, in(k, r.Fields)))(t)
	// The legal-person filing deleted: nothing more may be saved.
	lp = must(lpf.Get(ctx, e.ID, lp.ID))(t)
	must(0, lpf.Delete(ctx, e.ID, lp.ID, noCard))(t)
	_, err = f.Save(ctx, e.ID, r.ID, r.Version, noCard, in(k, r.Fields))
	wantErr(t, err, store.ErrLegalPersonNotDeclared, "save after the legal-person filing was deleted")
}

// The grey fields that come from the legal-person filing are the system's,
// whatever the caller sends.
func TestQualificationSystemFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e, lp := lpEnterprise(t, s, "SZ01", model.StateDeclared)
		c := sample(model.FilingCommerce)
		c["credit_code"] = "91350100M000100Y43"
		rc := must(s.Filings(model.FilingCommerce).Create(ctx, e.ID, 0, holder, in(model.FilingCommerce, c)))(t)
		if rc.Fields["credit_code"] != lp.Fields["credit_code"] || rc.Fields["imp_exp_code"] != "IMPEXP" || rc.Fields["name_cn"] != c["name_cn"] {
			t.Errorf("commerce %+v", rc.Fields)
		}
		cf := s.Filings(model.FilingCustoms)
		cu := sample(model.FilingCustoms)
		cu["name_cn"], cu["legal_rep_name"], cu["subject_code"] = "冒名", "李四", "X"
		ru := must(cf.Create(ctx, e.ID, 0, holder, in(model.FilingCustoms, cu)))(t)
		if ru.Fields["credit_code"] != lp.Fields["credit_code"] || ru.Fields["subject_code"] != model.SubjectCode(lp.Fields["credit_code"]) ||
			ru.Fields["name_cn"] != lp.Fields["name_cn"] || ru.Fields["legal_rep_name"] != lp.Fields["legal_rep_name"] ||
			ru.Fields["legal_rep_id_number"] != lp.Fields["legal_rep_id_number"] || ru.Fields["customs_reg_no"] != cu["customs_reg_no"] {
			t.Errorf("customs %+v", ru.Fields)
		}
		ru = must(cf.Save(ctx, e.ID, ru.ID, ru.Version, holder, in(model.FilingCustoms, cu)))(t)
		if ru.Fields["name_cn"] != lp.Fields["name_cn"] {
			t.Errorf("save let the name be typed: %+v", ru.Fields)
		}
		fx := sample(model.FilingForex)
		fx["org_code"] = "X"
		rf := must(s.Filings(model.FilingForex).Create(ctx, e.ID, 0, holder, in(model.FilingForex, fx)))(t)
		if rf.Fields["credit_code"] != lp.Fields["credit_code"] || rf.Fields["org_code"] != model.SubjectCode(lp.Fields["credit_code"]) || rf.Fields["classification"] != "A" {
			t.Errorf("forex %+v", rf.Fields)
		}
	})
}

// X1 for the three qualification filings: every operation in every state.
func TestQualificationStateRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		eachQualification(t, s, stateRules)
	})
}

func stateRules(t *testing.T, s *store.Store, k model.FilingKind) {
	ctx := context.Background()
	f := s.Filings(k)
	for _, st := range []model.State{model.StateDraft, model.StateDeclared, model.StateApproved, model.StateReturned} {
		// Save.
		e, r := qualInState(t, s, k, st)
		fields, key := edit(k, r.Fields, "2020-02-02")
		saved, err := f.Save(ctx, e.ID, r.ID, r.Version, holder, in(k, fields))
		if st.CanEdit() {
			if err != nil {
				t.Fatalf("save in %s: %v", st, err)
			}
			if saved.Fields[key] != "2020-02-02" || saved.Version != r.Version+1 || saved.State != st || saved.UpdatedBy != "holder" {
				t.Errorf("saved in %s: %+v", st, saved)
			}
			if st == model.StateReturned && saved.ReturnReason != "材料不全" {
				t.Errorf("save lost the return reason: %+v", saved.RecordMeta)
			}
			_, err = f.Save(ctx, e.ID, r.ID, r.Version, holder, in(k, fields))
			wantErr(t, err, store.ErrConflict, "save with a stale version")
			_, err = f.Declare(ctx, e.ID, r.ID, r.Version, holder, in(k, fields))
			wantErr(t, err, store.ErrConflict, "declare with a stale version")
		} else {
			wantErr(t, err, store.ErrState, "save in "+string(st))
		}

		// Declare, twice.
		e, r = qualInState(t, s, k, st)
		decl, err := f.Declare(ctx, e.ID, r.ID, r.Version, holder, in(k, fields))
		if st.CanDeclare() {
			if err != nil {
				t.Fatalf("declare in %s: %v", st, err)
			}
			if decl.State != model.StateDeclared || decl.DeclaredAt == nil || decl.ReturnReason != "" || decl.Version != r.Version+1 || decl.Fields[key] != "2020-02-02" {
				t.Errorf("declared %+v", decl)
			}
			_, err = f.Declare(ctx, e.ID, r.ID, r.Version, holder, in(k, fields))
			wantErr(t, err, store.ErrState, "second declaration")
		} else {
			wantErr(t, err, store.ErrState, "declare in "+string(st))
		}
		if got := must(f.Get(ctx, e.ID, r.ID))(t); !st.CanDeclare() && got.Version != r.Version {
			t.Errorf("refused declaration changed the record: %+v", got.RecordMeta)
		}

		// Delete.
		e, r = qualInState(t, s, k, st)
		err = f.Delete(ctx, e.ID, r.ID, holder)
		if st.CanDelete() {
			if err != nil {
				t.Fatalf("delete in %s: %v", st, err)
			}
			_, err = f.Get(ctx, e.ID, r.ID)
			wantErr(t, err, store.ErrNotFound, "deleted record")
			wantErr(t, f.Delete(ctx, e.ID, r.ID, holder), store.ErrNotFound, "delete twice")
			n := must(f.Create(ctx, e.ID, 0, holder, in(k, r.Fields)))(t)
			if n.ID == r.ID {
				t.Errorf("id %d reused", n.ID)
			}
		} else {
			wantErr(t, err, store.ErrState, "delete in "+string(st))
		}
	}

	// One per enterprise; another enterprise sees nothing of it.
	e, r := qualInState(t, s, k, model.StateDraft)
	_, err := f.Create(ctx, e.ID, 0, holder, in(k, sample(k)))
	wantErr(t, err, store.ErrDuplicate, "second filing")
	other, _ := lpEnterprise(t, s, "SZ01", model.StateDeclared)
	_, err = f.Get(ctx, other.ID, r.ID)
	wantErr(t, err, store.ErrNotFound, "get by another enterprise")
	_, err = f.Save(ctx, other.ID, r.ID, r.Version, holder, in(k, r.Fields))
	wantErr(t, err, store.ErrNotFound, "save by another enterprise")
	_, err = f.Declare(ctx, other.ID, r.ID, r.Version, holder, in(k, r.Fields))
	wantErr(t, err, store.ErrNotFound, "declare by another enterprise")
	wantErr(t, f.Delete(ctx, other.ID, r.ID, holder), store.ErrNotFound, "delete by another enterprise")
	if got := must(f.List(ctx, other.ID))(t); len(got) != 0 {
		t.Errorf("other enterprise lists %+v", got)
	}
	if got := must(f.List(ctx, e.ID))(t); len(got) != 1 || got[0].ID != r.ID || got[0].Version != 1 {
		t.Errorf("list %+v", got)
	}
}

// A no-card pre-entry is the record the card holder takes over: the
// administrator may only save it; the holder declares it.
func TestPreEntryTakeOver(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e, _ := lpEnterprise(t, s, "SZ01", model.StateDeclared)
		k := model.FilingCustoms
		f := s.Filings(k)
		r := must(f.Create(ctx, e.ID, 0, noCard, in(k, sample(k))))(t)
		r = must(f.Save(ctx, e.ID, r.ID, r.Version, noCard, in(k, r.Fields)))(t)
		_, err := f.Declare(ctx, e.ID, r.ID, r.Version, noCard, in(k, r.Fields))
		wantErr(t, err, store.ErrForbidden, "no-card declaration of a pre-entry")
		wantErr(t, f.Delete(ctx, e.ID, r.ID, noCard), store.ErrForbidden, "no-card deletion of a pre-entry")
		op := store.Actor{Name: "op", Role: model.RoleOperatorCard}
		_, err = f.Save(ctx, e.ID, r.ID, r.Version, op, in(k, r.Fields))
		wantErr(t, err, store.ErrForbidden, "operator saves")

		list := must(f.List(ctx, e.ID))(t)
		if len(list) != 1 || list[0].ID != r.ID || list[0].CreatedBy != "nocard" {
			t.Fatalf("holder lists %+v", list)
		}
		fields := list[0].Fields
		fields["name_en"] = "Checked by the holder"
		d := must(f.Declare(ctx, e.ID, r.ID, list[0].Version, holder, in(k, fields)))(t)
		if d.State != model.StateDeclared || d.CreatedBy != "nocard" || d.UpdatedBy != "holder" || d.Fields["name_en"] != fields["name_en"] {
			t.Errorf("taken over %+v", d)
		}
		// The no-card administrator cannot touch it any more.
		_, err = f.Save(ctx, e.ID, r.ID, d.Version, noCard, in(k, fields))
		wantErr(t, err, store.ErrState, "no-card save of a declared filing")
	})
}

// L3: a forex record cancelled (注销) or revoked (吊销) at the bureau
// blocks the filing, with the state in the error.
func TestForexBlocked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		k := model.FilingForex
		f := s.Filings(k)
		for _, st := range []model.ForexStatus{model.ForexCancelled, model.ForexRevoked} {
			e, _ := lpEnterprise(t, s, "SZ01", model.StateDeclared)
			fx := sample(k)
			fx["bureau_status"] = string(st)
			_, err := f.Create(ctx, e.ID, 0, holder, in(k, fx))
			var blocked *store.BlockedError
			if !errors.As(err, &blocked) || blocked.Message != model.ForexBlockedMessage(st) || !errors.Is(err, store.ErrBlocked) {
				t.Fatalf("%s: error %v", st, err)
			}
			if got := must(f.List(ctx, e.ID))(t); len(got) != 0 {
				t.Errorf("%s: blocked create stored %+v", st, got)
			}
			// A draft saved while normal cannot be declared once blocked.
			fx["bureau_status"] = string(model.ForexNormal)
			r := must(f.Create(ctx, e.ID, 0, holder, in(k, fx)))(t)
			fx["bureau_status"] = string(st)
			_, err = f.Declare(ctx, e.ID, r.ID, r.Version, holder, in(k, fx))
			wantErr(t, err, store.ErrBlocked, "declare when blocked")
			if got := must(f.Get(ctx, e.ID, r.ID))(t); got.State != model.StateDraft || got.Version != 1 {
				t.Errorf("blocked declaration changed the record %+v", got)
			}
		}
	})
}

// Concurrent declarations of the same qualification: exactly one.
func TestQualificationConcurrentDeclare(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		k := model.FilingCommerce
		e, r := qualInState(t, s, k, model.StateDraft)
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			declared int
		)
		for range 8 {
			wg.Go(func() {
				_, err := s.Filings(k).Declare(ctx, e.ID, r.ID, r.Version, holder, in(k, r.Fields))
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
			t.Errorf("%d declarations, want 1", declared)
		}
		if h := history(t, s, e.ID, r.Ref()); !slices.Equal(h, []string{"create:>draft", "declare:draft>declared"}) {
			t.Errorf("history %v", h)
		}
	})
}
