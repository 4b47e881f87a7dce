package store_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"

	"eportid/app/model"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// inStateOf returns a filing of kind k of a new enterprise in state st
// (the legal-person filing itself for model.FilingLegalPerson).
func inStateOf(t *testing.T, s *store.Store, k model.FilingKind, st model.State) (store.Enterprise, model.Record) {
	t.Helper()
	if k == model.FilingLegalPerson {
		return lpEnterprise(t, s, "SZ01", st)
	}
	return qualInState(t, s, k, st)
}

// L4–L7: a change of an approved filing is a record of its own; the filing
// stays as it was until the change is approved, then takes its values in
// one transaction, the old ones kept in the history.
func TestChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		for _, k := range model.FilingKinds {
			if k.Spec().NoChanges {
				continue
			}
			t.Run(string(k), func(t *testing.T) { changeLife(t, s, k) })
		}
	})
}

func changeLife(t *testing.T, s *store.Store, kind model.FilingKind) {
	ctx := context.Background()
	filings, changes := s.Filings(kind), s.Changes(kind)

	// Only an approved filing can be changed.
	for _, st := range []model.State{model.StateDraft, model.StateDeclared, model.StateReturned} {
		e, r := inStateOf(t, s, kind, st)
		_, err := changes.Create(ctx, e.ID, r.ID, holder, in(kind, r.Fields))
		wantErr(t, err, store.ErrState, "change of a "+string(st)+" filing")
	}

	e, filing := inStateOf(t, s, kind, model.StateApproved)
	_, err := changes.Create(ctx, e.ID, filing.ID, noCard, in(kind, filing.Fields))
	wantErr(t, err, store.ErrForbidden, "no-card change")
	other, _ := lpEnterprise(t, s, "SZ01", model.StateDeclared)
	_, err = changes.Create(ctx, other.ID, filing.ID, holder, in(kind, filing.Fields))
	wantErr(t, err, store.ErrNotFound, "change of another enterprise's filing")

	// The fields fixed in a change are kept from the filing.
	want, key := edit(kind, filing.Fields, "2021-03-03")
	sent := maps.Clone(want)
	for _, k := range kind.Spec().FixedInChange {
		sent[k] = "TAMPERED"
	}
	c := must(changes.Create(ctx, e.ID, filing.ID, holder, in(kind, sent)))(t)
	if !c.Change || c.FilingID != filing.ID || c.State != model.StateDraft || c.Version != 1 || !maps.Equal(c.Fields, want) {
		t.Fatalf("change %+v\nwant fields %+v", c, want)
	}
	_, err = changes.Create(ctx, e.ID, filing.ID, holder, in(kind, sent))
	wantErr(t, err, store.ErrOpenChange, "second open change")
	wantErr(t, err, store.ErrDuplicate, "second open change is a duplicate")

	// Saved, declared, returned, saved, declared: the filing untouched.
	c = must(changes.Save(ctx, e.ID, c.ID, c.Version, holder, in(kind, sent)))(t)
	if !maps.Equal(c.Fields, want) {
		t.Errorf("saved change %+v", c.Fields)
	}
	c = must(changes.Declare(ctx, e.ID, c.ID, c.Version, holder, in(kind, want)))(t)
	_, err = changes.Declare(ctx, e.ID, c.ID, c.Version-1, holder, in(kind, want))
	wantErr(t, err, store.ErrState, "change declared twice")
	_, err = changes.Save(ctx, e.ID, c.ID, c.Version, holder, in(kind, want))
	wantErr(t, err, store.ErrState, "save of a declared change")
	wantErr(t, changes.Delete(ctx, e.ID, c.ID, holder), store.ErrState, "delete of a declared change")
	_, err = changes.Create(ctx, e.ID, filing.ID, holder, in(kind, sent))
	wantErr(t, err, store.ErrOpenChange, "change while one is declared")
	c.RecordMeta = must(s.Return(ctx, "SZ01", c.Ref(), c.Version, reviewer, "请补充说明"))(t)
	if c.State != model.StateReturned || c.ReturnReason != "请补充说明" {
		t.Errorf("returned change %+v", c.RecordMeta)
	}
	_, err = changes.Create(ctx, e.ID, filing.ID, holder, in(kind, sent))
	wantErr(t, err, store.ErrOpenChange, "change while one is returned")
	c = must(changes.Save(ctx, e.ID, c.ID, c.Version, holder, in(kind, want)))(t)
	c = must(changes.Declare(ctx, e.ID, c.ID, c.Version, holder, in(kind, want)))(t)
	if got := must(filings.Get(ctx, e.ID, filing.ID))(t); !maps.Equal(got.Fields, filing.Fields) || got.Version != filing.Version || got.State != model.StateApproved {
		t.Errorf("filing changed before the change's approval: %+v", got)
	}
	if got := must(s.PastVersions(ctx, e.ID, kind, filing.ID))(t); len(got) != 0 {
		t.Errorf("history before approval: %+v", got)
	}

	// Approved: the values replace the filing's; the old go to the history.
	m := must(s.Approve(ctx, "SZ01", c.Ref(), c.Version, reviewer))(t)
	if m.State != model.StateApproved || m.Version != c.Version+1 {
		t.Errorf("approved change %+v", m)
	}
	got := must(filings.Get(ctx, e.ID, filing.ID))(t)
	if !maps.Equal(got.Fields, want) || got.Version != filing.Version+1 || got.State != model.StateApproved || got.Fields[key] != "2021-03-03" {
		t.Errorf("filing after the change: %+v", got)
	}
	past := must(s.PastVersions(ctx, e.ID, kind, filing.ID))(t)
	if len(past) != 1 || past[0].ChangeID != c.ID || past[0].Version != filing.Version || past[0].Fields[key] != filing.Fields[key] {
		t.Errorf("past versions %+v", past)
	}
	if got := must(s.PastVersions(ctx, other.ID, kind, filing.ID))(t); len(got) != 0 {
		t.Errorf("another enterprise sees the past versions: %+v", got)
	}
	_, err = s.Approve(ctx, "SZ01", c.Ref(), m.Version, reviewer)
	wantErr(t, err, store.ErrState, "approve twice")

	// The filing's history has the change's steps and the application.
	h := history(t, s, e.ID, filing.Ref())
	tail := []string{"create:>draft", "save:draft>draft", "declare:draft>declared", "return:declared>returned",
		"save:returned>returned", "declare:returned>declared", "approve:declared>approved", "apply:approved>approved"}
	if len(h) < len(tail) || !slices.Equal(h[len(h)-len(tail):], tail) {
		t.Errorf("filing history %v", h)
	}
	if ch := history(t, s, e.ID, c.Ref()); !slices.Equal(ch, tail[:7]) {
		t.Errorf("change history %v", ch)
	}
	entries := must(s.History(ctx, e.ID, filing.Ref()))(t)
	apply := entries[len(entries)-1]
	if apply.Change || apply.RecordID != filing.ID || !slices.ContainsFunc(apply.Fields, func(f model.FieldChange) bool {
		return f.Key == key && f.New == "2021-03-03"
	}) || apply.UserName != "reviewer" {
		t.Errorf("apply row %+v", apply)
	}

	// A new change may be opened now; a draft one deleted leaves the filing.
	c2 := must(changes.Create(ctx, e.ID, filing.ID, holder, in(kind, got.Fields)))(t)
	must(0, changes.Delete(ctx, e.ID, c2.ID, holder))(t)
	_, err = changes.Get(ctx, e.ID, c2.ID)
	wantErr(t, err, store.ErrNotFound, "deleted change")
	if list := must(changes.List(ctx, e.ID))(t); len(list) != 1 || list[0].ID != c.ID {
		t.Errorf("changes listed %+v", list)
	}
	if g := must(filings.Get(ctx, e.ID, filing.ID))(t); g.Version != got.Version {
		t.Errorf("deleting a change touched the filing %+v", g.RecordMeta)
	}
}

// A forex change is blocked like the filing when the bureau's record is
// cancelled or revoked.
func TestForexChangeBlocked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		k := model.FilingForex
		e, f := qualInState(t, s, k, model.StateApproved)
		fx := maps.Clone(f.Fields)
		fx["bureau_status"] = string(model.ForexRevoked)
		_, err := s.Changes(k).Create(ctx, e.ID, f.ID, holder, in(k, fx))
		var blocked *store.BlockedError
		if !errors.As(err, &blocked) || blocked.Message != model.ForexBlockedMessage(model.ForexRevoked) {
			t.Fatalf("error %v", err)
		}
		if list := must(s.Changes(k).List(ctx, e.ID))(t); len(list) != 0 {
			t.Errorf("blocked change stored %+v", list)
		}
	})
}
