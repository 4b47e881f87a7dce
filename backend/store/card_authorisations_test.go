package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"eportid/app/model"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// operatorCard registers an operator card of the enterprise and returns
// the actor of its session.
func operatorCard(t testing.TB, s *store.Store, e store.Enterprise, number string) store.Actor {
	t.Helper()
	r := cardRegistration(number, e.CreditCode)
	r.Kind, r.HolderName = model.CardOperator, "操作员"+number
	c, _, _ := must3(s.RegisterCard(context.Background(), r))(t)
	return store.Actor{UserID: c.UserID, Name: c.HolderName, Role: model.RoleOperatorCard, CardNumber: c.Number}
}

func must3[A, B, C any](a A, b B, c C, err error) func(testing.TB) (A, B, C) {
	return func(t testing.TB) (A, B, C) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a, b, c
	}
}

func events(t testing.TB, s *store.Store, number string) []string {
	t.Helper()
	var out []string
	for _, e := range must(s.CardEvents(context.Background(), number))(t) {
		out = append(out, string(e.Action)+":"+e.Detail)
	}
	return out
}

// The legal-person card holder authorises an operator card for chosen
// kinds: the operator saves and declares those (in its own name), is
// refused the others, changes and deletions, and a revocation stops the
// next save at once; every change of the authorisations is a card event
// with its signature; another enterprise's card cannot be authorised.
func TestOperatorCardAuthorisations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e, _ := lpEnterprise(t, s, "SZ01", model.StateDeclared)
		op := operatorCard(t, s, e, "OP1")
		legal := holder
		legal.Signature = "c2lnbmVk"

		if ks := must(s.CardAuthorisations(ctx, "OP1"))(t); len(ks) != 0 {
			t.Fatalf("new card authorised for %v", ks)
		}
		// Not authorised yet: refused with the kind.
		_, err := s.Filings(model.FilingCustoms).Create(ctx, e.ID, 0, op, in(model.FilingCustoms, sample(model.FilingCustoms)))
		var na *store.NotAuthorisedError
		if !errors.As(err, &na) || na.Kind != model.FilingCustoms || !errors.Is(err, store.ErrForbidden) {
			t.Fatalf("unauthorised create: %v", err)
		}

		got := must(s.SetCardAuthorisations(ctx, e.ID, "OP1", 0, []model.FilingKind{model.FilingForex, model.FilingCustoms}, legal))(t)
		if !slices.Equal(got, []model.FilingKind{model.FilingCustoms, model.FilingForex}) {
			t.Fatalf("authorised %v", got)
		}
		// A stale version is a conflict.
		_, err = s.SetCardAuthorisations(ctx, e.ID, "OP1", 0, nil, legal)
		wantErr(t, err, store.ErrConflict, "stale authorisation")
		// The operator files customs in its own name.
		f := s.Filings(model.FilingCustoms)
		r := must(f.Create(ctx, e.ID, 0, op, in(model.FilingCustoms, sample(model.FilingCustoms))))(t)
		r = must(f.Declare(ctx, e.ID, r.ID, r.Version, op, in(model.FilingCustoms, r.Fields)))(t)
		if r.State != model.StateDeclared || r.UpdatedBy != op.Name || r.CreatedBy != op.Name {
			t.Fatalf("operator's declaration %+v", r.RecordMeta)
		}
		// Not commerce; never a change nor a deletion.
		_, err = s.Filings(model.FilingCommerce).Create(ctx, e.ID, 0, op, in(model.FilingCommerce, sample(model.FilingCommerce)))
		wantErr(t, err, store.ErrNotAuthorised, "commerce")
		lpf := must(s.Filings(model.FilingLegalPerson).List(ctx, e.ID))(t)[0]
		_, err = s.Changes(model.FilingLegalPerson).Create(ctx, e.ID, lpf.ID, op, store.Input{Fields: lpf.Fields})
		wantErr(t, err, store.ErrForbidden, "change")

		// Revoke customs: the next save is refused at once.
		fx := s.Filings(model.FilingForex)
		draft := must(fx.Create(ctx, e.ID, 0, op, in(model.FilingForex, sample(model.FilingForex))))(t)
		must(s.SetCardAuthorisations(ctx, e.ID, "OP1", 1, []model.FilingKind{model.FilingCommerce, model.FilingForex}, legal))(t)
		_, err = f.Save(ctx, e.ID, r.ID, r.Version, op, in(model.FilingCustoms, r.Fields))
		wantErr(t, err, store.ErrNotAuthorised, "save after revocation")
		err = fx.Delete(ctx, e.ID, draft.ID, op)
		wantErr(t, err, store.ErrForbidden, "operator's delete")
		if got := must(s.CardAuthorisations(ctx, "OP1"))(t); !slices.Equal(got, []model.FilingKind{model.FilingCommerce, model.FilingForex}) {
			t.Fatalf("after revocation %v", got)
		}
		// A frozen card is authorised for nothing.
		if err := s.SetCardState(ctx, "OP1", store.CardFrozen); err != nil {
			t.Fatal(err)
		}
		_, err = fx.Save(ctx, e.ID, draft.ID, draft.Version, op, in(model.FilingForex, draft.Fields))
		wantErr(t, err, store.ErrNotAuthorised, "frozen card")

		want := []string{
			"authorised:海关资质备案、外汇资质备案",
			"authorised:商务部资质备案",
			"revoked:海关资质备案",
		}
		if got := events(t, s, "OP1"); !slices.Equal(got, want) {
			t.Fatalf("events %q, want %q", got, want)
		}
		evs := must(s.CardEvents(ctx, "OP1"))(t)
		if evs[0].By != legal.Name || evs[0].Role != model.RoleLegalCard || evs[0].Signature != legal.Signature || evs[2].Seq != 3 {
			t.Fatalf("event %+v / %+v", evs[0], evs[2])
		}

		// Another enterprise can neither authorise the card nor use its own
		// card's authorisation on this enterprise's records.
		other, _ := lpEnterprise(t, s, "SZ01", model.StateDeclared)
		_, err = s.SetCardAuthorisations(ctx, other.ID, "OP1", 3, nil, legal)
		wantErr(t, err, store.ErrNotFound, "other enterprise's authorisation")
		op2 := operatorCard(t, s, other, "OP2")
		must(s.SetCardAuthorisations(ctx, other.ID, "OP2", 0, []model.FilingKind{model.FilingCustoms}, legal))(t)
		_, err = f.Save(ctx, e.ID, r.ID, r.Version, op2, in(model.FilingCustoms, r.Fields))
		if !errors.Is(err, store.ErrNotAuthorised) {
			t.Fatalf("other enterprise's operator: %v", err)
		}
		// Operator applications are the legal-person card's only.
		_, err = s.SetCardAuthorisations(ctx, e.ID, "OP1", 3, []model.FilingKind{"operator"}, legal)
		if err == nil {
			t.Fatal("the operator kind authorised")
		}

		// The PIN change is event 4, once.
		if err := s.RecordPINChange(ctx, e.ID, "OP1", 3, op); err != nil {
			t.Fatal(err)
		}
		wantErr(t, s.RecordPINChange(ctx, e.ID, "OP1", 3, op), store.ErrConflict, "PIN change replayed")
		wantErr(t, s.RecordPINChange(ctx, other.ID, "OP1", 4, op), store.ErrNotFound, "PIN change of another enterprise's card")
		if n := must(s.CardEventCount(ctx, "OP1"))(t); n != 4 {
			t.Fatalf("event count %d", n)
		}
		// The log is append-only.
		if _, err := s.DB().Exec(`DELETE FROM card_events`); err == nil {
			t.Fatal("card_events deleted")
		}
	})
}
