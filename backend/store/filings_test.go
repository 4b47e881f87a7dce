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

func eachQualification(t *testing.T, s *store.Store,
	commerce, customs, forex func(*testing.T, *store.Store)) {
	t.Run("commerce", func(t *testing.T) { commerce(t, s) })
	t.Run("customs", func(t *testing.T) { customs(t, s) })
	t.Run("forex", func(t *testing.T) { forex(t, s) })
}

// N2–N4: refused until the legal-person filing has been declared; once
// declared (even if then returned) they may be entered.
func TestQualificationNeedsDeclaredLegalPerson(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		eachQualification(t, s, needsDeclared[model.Commerce], needsDeclared[model.Customs], needsDeclared[model.Forex])
	})
}

func needsDeclared[F model.Fields](t *testing.T, s *store.Store) {
	ctx := context.Background()
	f := filingsOf[F](s)
	// No legal-person filing at all.
	e := newEnterprise(t, s)
	_, err := f.Create(ctx, e.ID, noCard, sample[F]())
	wantErr(t, err, store.ErrLegalPersonNotDeclared, "no legal-person filing")
	// A draft legal-person filing.
	e, lp := lpEnterprise(t, s, "SZ01", model.StateDraft)
	_, err = f.Create(ctx, e.ID, noCard, sample[F]())
	wantErr(t, err, store.ErrLegalPersonNotDeclared, "legal-person filing in draft")
	if got := must(f.List(ctx, e.ID))(t); got == nil || len(got) != 0 {
		t.Errorf("refused create left %v", got)
	}
	if n := len(history(t, s, e.ID, model.RecordRef{Kind: f.Kind(), ID: 1})); n != 0 {
		t.Errorf("refused create audited: %d rows", n)
	}
	// Declared: the no-card administrator may pre-enter.
	lp = must(s.LegalPersonFilings().Declare(ctx, e.ID, lp.ID, lp.Version, noCard, lp.Fields))(t)
	r := must(f.Create(ctx, e.ID, noCard, sample[F]()))(t)
	if r.State != model.StateDraft || r.Version != 1 || r.CreatedBy != "nocard" || r.Kind != f.Kind() || r.FilingID != r.ID || r.EnterpriseID != e.ID {
		t.Errorf("pre-entry %+v", r.RecordMeta)
	}
	// Returned: it was declared once, so the pre-entry may still be saved.
	reviewTo(t, s, "SZ01", lp.RecordMeta, model.StateReturned, lp)
	r = must(f.Save(ctx, e.ID, r.ID, r.Version, noCard, r.Fields))(t)
	// The legal-person filing deleted: nothing more may be saved.
	lp = must(s.LegalPersonFilings().Get(ctx, e.ID, lp.ID))(t)
	must(0, s.LegalPersonFilings().Delete(ctx, e.ID, lp.ID, noCard))(t)
	_, err = f.Save(ctx, e.ID, r.ID, r.Version, noCard, r.Fields)
	wantErr(t, err, store.ErrLegalPersonNotDeclared, "save after the legal-person filing was deleted")
}

// The grey fields that come from the legal-person filing are the system's,
// whatever the caller sends.
func TestQualificationSystemFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e, lp := lpEnterprise(t, s, "SZ01", model.StateDeclared)
		c := sample[model.Commerce]()
		c.CreditCode = "91350100M000100Y43"
		rc := must(s.CommerceFilings().Create(ctx, e.ID, holder, c))(t)
		if rc.Fields.CreditCode != lp.Fields.CreditCode || rc.Fields.ImpExpCode != "IMPEXP" || rc.Fields.NameCN != c.NameCN {
			t.Errorf("commerce %+v", rc.Fields)
		}
		cu := sample[model.Customs]()
		cu.NameCN, cu.LegalRepName, cu.SubjectCode = "冒名", "李四", "X"
		ru := must(s.CustomsFilings().Create(ctx, e.ID, holder, cu))(t)
		if ru.Fields.CreditCode != lp.Fields.CreditCode || ru.Fields.SubjectCode != model.SubjectCode(lp.Fields.CreditCode) ||
			ru.Fields.NameCN != lp.Fields.NameCN || ru.Fields.LegalRepName != lp.Fields.LegalRepName ||
			ru.Fields.LegalRepIDNumber != lp.Fields.LegalRepIDNumber || ru.Fields.CustomsRegNo != cu.CustomsRegNo {
			t.Errorf("customs %+v", ru.Fields)
		}
		ru = must(s.CustomsFilings().Save(ctx, e.ID, ru.ID, ru.Version, holder, cu))(t)
		if ru.Fields.NameCN != lp.Fields.NameCN {
			t.Errorf("save let the name be typed: %+v", ru.Fields)
		}
		fx := sample[model.Forex]()
		fx.OrgCode = "X"
		rf := must(s.ForexFilings().Create(ctx, e.ID, holder, fx))(t)
		if rf.Fields.CreditCode != lp.Fields.CreditCode || rf.Fields.OrgCode != model.SubjectCode(lp.Fields.CreditCode) || rf.Fields.Classification != "A" {
			t.Errorf("forex %+v", rf.Fields)
		}
	})
}

// X1 for the three qualification filings: every operation in every state.
func TestQualificationStateRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		eachQualification(t, s, stateRules[model.Commerce], stateRules[model.Customs], stateRules[model.Forex])
	})
}

func stateRules[F model.Fields](t *testing.T, s *store.Store) {
	ctx := context.Background()
	f := filingsOf[F](s)
	for _, st := range []model.State{model.StateDraft, model.StateDeclared, model.StateApproved, model.StateReturned} {
		// Save.
		e, r := qualInState[F](t, s, st)
		fields, key := edit(r.Fields, "2020-02-02")
		saved, err := f.Save(ctx, e.ID, r.ID, r.Version, holder, fields)
		if st.CanEdit() {
			if err != nil {
				t.Fatalf("save in %s: %v", st, err)
			}
			if val(saved.Fields, key) != "2020-02-02" || saved.Version != r.Version+1 || saved.State != st || saved.UpdatedBy != "holder" {
				t.Errorf("saved in %s: %+v", st, saved)
			}
			if st == model.StateReturned && saved.ReturnReason != "材料不全" {
				t.Errorf("save lost the return reason: %+v", saved.RecordMeta)
			}
			_, err = f.Save(ctx, e.ID, r.ID, r.Version, holder, fields)
			wantErr(t, err, store.ErrConflict, "save with a stale version")
			_, err = f.Declare(ctx, e.ID, r.ID, r.Version, holder, fields)
			wantErr(t, err, store.ErrConflict, "declare with a stale version")
		} else {
			wantErr(t, err, store.ErrState, "save in "+string(st))
		}

		// Declare, twice.
		e, r = qualInState[F](t, s, st)
		decl, err := f.Declare(ctx, e.ID, r.ID, r.Version, holder, fields)
		if st.CanDeclare() {
			if err != nil {
				t.Fatalf("declare in %s: %v", st, err)
			}
			if decl.State != model.StateDeclared || decl.DeclaredAt == nil || decl.ReturnReason != "" || decl.Version != r.Version+1 || val(decl.Fields, key) != "2020-02-02" {
				t.Errorf("declared %+v", decl)
			}
			_, err = f.Declare(ctx, e.ID, r.ID, r.Version, holder, fields)
			wantErr(t, err, store.ErrState, "second declaration")
		} else {
			wantErr(t, err, store.ErrState, "declare in "+string(st))
		}
		if got := must(f.Get(ctx, e.ID, r.ID))(t); !st.CanDeclare() && got.Version != r.Version {
			t.Errorf("refused declaration changed the record: %+v", got.RecordMeta)
		}

		// Delete.
		e, r = qualInState[F](t, s, st)
		err = f.Delete(ctx, e.ID, r.ID, holder)
		if st.CanDelete() {
			if err != nil {
				t.Fatalf("delete in %s: %v", st, err)
			}
			_, err = f.Get(ctx, e.ID, r.ID)
			wantErr(t, err, store.ErrNotFound, "deleted record")
			wantErr(t, f.Delete(ctx, e.ID, r.ID, holder), store.ErrNotFound, "delete twice")
			n := must(f.Create(ctx, e.ID, holder, r.Fields))(t)
			if n.ID == r.ID {
				t.Errorf("id %d reused", n.ID)
			}
		} else {
			wantErr(t, err, store.ErrState, "delete in "+string(st))
		}
	}

	// One per enterprise; another enterprise sees nothing of it.
	e, r := qualInState[F](t, s, model.StateDraft)
	_, err := f.Create(ctx, e.ID, holder, sample[F]())
	wantErr(t, err, store.ErrDuplicate, "second filing")
	other, _ := lpEnterprise(t, s, "SZ01", model.StateDeclared)
	_, err = f.Get(ctx, other.ID, r.ID)
	wantErr(t, err, store.ErrNotFound, "get by another enterprise")
	_, err = f.Save(ctx, other.ID, r.ID, r.Version, holder, r.Fields)
	wantErr(t, err, store.ErrNotFound, "save by another enterprise")
	_, err = f.Declare(ctx, other.ID, r.ID, r.Version, holder, r.Fields)
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
		f := s.CustomsFilings()
		r := must(f.Create(ctx, e.ID, noCard, sample[model.Customs]()))(t)
		r = must(f.Save(ctx, e.ID, r.ID, r.Version, noCard, r.Fields))(t)
		_, err := f.Declare(ctx, e.ID, r.ID, r.Version, noCard, r.Fields)
		wantErr(t, err, store.ErrForbidden, "no-card declaration of a pre-entry")
		wantErr(t, f.Delete(ctx, e.ID, r.ID, noCard), store.ErrForbidden, "no-card deletion of a pre-entry")
		op := store.Actor{Name: "op", Role: model.RoleOperatorCard}
		_, err = f.Save(ctx, e.ID, r.ID, r.Version, op, r.Fields)
		wantErr(t, err, store.ErrForbidden, "operator saves")

		list := must(f.List(ctx, e.ID))(t)
		if len(list) != 1 || list[0].ID != r.ID || list[0].CreatedBy != "nocard" {
			t.Fatalf("holder lists %+v", list)
		}
		fields := list[0].Fields
		fields.NameEN = "Checked by the holder"
		d := must(f.Declare(ctx, e.ID, r.ID, list[0].Version, holder, fields))(t)
		if d.State != model.StateDeclared || d.CreatedBy != "nocard" || d.UpdatedBy != "holder" || d.Fields.NameEN != fields.NameEN {
			t.Errorf("taken over %+v", d)
		}
		// The no-card administrator cannot touch it any more.
		_, err = f.Save(ctx, e.ID, r.ID, d.Version, noCard, fields)
		wantErr(t, err, store.ErrState, "no-card save of a declared filing")
	})
}

// L3: a forex record cancelled (注销) or revoked (吊销) at the bureau
// blocks the filing, with the state in the error.
func TestForexBlocked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for _, st := range []model.ForexStatus{model.ForexCancelled, model.ForexRevoked} {
			e, _ := lpEnterprise(t, s, "SZ01", model.StateDeclared)
			fx := sample[model.Forex]()
			fx.BureauStatus = string(st)
			_, err := s.ForexFilings().Create(ctx, e.ID, holder, fx)
			var blocked *store.ForexBlockedError
			if !errors.As(err, &blocked) || blocked.Status != st || !errors.Is(err, store.ErrForexBlocked) {
				t.Fatalf("%s: error %v", st, err)
			}
			// A draft saved while normal cannot be declared once blocked.
			fx.BureauStatus = string(model.ForexNormal)
			r := must(s.ForexFilings().Create(ctx, e.ID, holder, fx))(t)
			fx.BureauStatus = string(st)
			_, err = s.ForexFilings().Declare(ctx, e.ID, r.ID, r.Version, holder, fx)
			wantErr(t, err, store.ErrForexBlocked, "declare when blocked")
			if got := must(s.ForexFilings().Get(ctx, e.ID, r.ID))(t); got.State != model.StateDraft || got.Version != 1 {
				t.Errorf("blocked declaration changed the record %+v", got)
			}
		}
	})
}

// Concurrent declarations of the same qualification: exactly one.
func TestQualificationConcurrentDeclare(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e, r := qualInState[model.Commerce](t, s, model.StateDraft)
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			declared int
		)
		for range 8 {
			wg.Go(func() {
				_, err := s.CommerceFilings().Declare(ctx, e.ID, r.ID, r.Version, holder, r.Fields)
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
