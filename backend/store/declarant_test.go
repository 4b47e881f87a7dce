package store_test

import (
	"context"
	"testing"

	"eportid/app/model"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// A card has at most one declarant and a declarant at most one card (the
// database refuses it, whatever the Go code checks); every 绑定 and 解绑 is
// logged once, with its version; the log is append-only.
func TestDeclarantBindings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ent := newEnterprise(t, s)
		other := newEnterprise(t, s)
		reg := func(number, cc string, kind model.CardKind) {
			r := cardRegistration(number, cc)
			r.Kind = kind
			if _, _, _, err := s.RegisterCard(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		reg("OP1", ent.CreditCode, model.CardOperator)
		reg("OP2", ent.CreditCode, model.CardOperator)
		reg("LP1", ent.CreditCode, model.CardLegalPerson)
		reg("OPX", other.CreditCode, model.CardOperator)

		d1 := model.Declarant{DeclarantNo: "5300190001", Name: "张三", IDType: "1", IDNumber: "440305199003151236", CreditCode: ent.CreditCode}
		d2 := d1
		d2.DeclarantNo = "5300190002"
		who := store.Actor{UserID: 0, Name: "法人", Role: model.RoleLegalCard, Signature: "c2ln", Certificate: "Y2VydA=="}
		op := func(v int, card string, d model.Declarant) store.BindingOp {
			return store.BindingOp{EnterpriseID: ent.ID, Version: v, CardNumber: card, Declarant: d, Who: who, SignerCard: "LP1"}
		}
		if v := must(s.BindingVersion(ctx, ent.ID))(t); v != 0 {
			t.Fatalf("version %d", v)
		}
		if err := s.Bind(ctx, op(1, "OP1", d1)); err != nil {
			t.Fatal(err)
		}
		wantErr(t, s.Bind(ctx, op(2, "OP2", d1)), store.ErrDeclarantBound, "the declarant on a second card")
		wantErr(t, s.Bind(ctx, op(2, "OP1", d2)), store.ErrCardHasDeclarant, "a second declarant on the card")
		wantErr(t, s.Bind(ctx, op(1, "OP2", d2)), store.ErrConflict, "a used version")
		wantErr(t, s.Bind(ctx, op(2, "LP1", d2)), store.ErrNotFound, "a legal-person card")
		wantErr(t, s.Bind(ctx, op(2, "OPX", d2)), store.ErrNotFound, "another enterprise's card")

		// The database's own constraints, past the store's code.
		if _, err := s.DB().Exec(s.DB().Rebind(`INSERT INTO declarant_bindings
			(enterprise_id, card_number, declarant_no, declarant_name, id_type, id_number, bound_at) VALUES (?, 'OP2', ?, '', '', '', CURRENT_TIMESTAMP)`),
			ent.ID, d1.DeclarantNo); err == nil {
			t.Error("the database took a declarant's second card")
		}
		if _, err := s.DB().Exec(s.DB().Rebind(`INSERT INTO declarant_bindings
			(enterprise_id, card_number, declarant_no, declarant_name, id_type, id_number, bound_at) VALUES (?, 'OP1', '9999999999', '', '', '', CURRENT_TIMESTAMP)`),
			ent.ID); err == nil {
			t.Error("the database took a card's second declarant")
		}

		if d, err := s.CardDeclarant(ctx, "OP1"); err != nil || d == nil || d.No != d1.DeclarantNo || d.Name != "张三" {
			t.Fatalf("the card's own declarant: %+v %v", d, err)
		}
		if d, err := s.CardDeclarant(ctx, "OP2"); err != nil || d != nil {
			t.Fatalf("OP2's declarant: %+v %v", d, err)
		}
		cards := must(s.OperatorCards(ctx, ent.ID))(t)
		if len(cards) != 2 || cards[0].Number != "OP1" || cards[0].DeclarantNo != d1.DeclarantNo || *cards[0].Bound(ent.CreditCode) != withState(d1) || cards[1].DeclarantNo != "" {
			t.Fatalf("cards %+v", cards)
		}
		if c := must(s.OperatorCards(ctx, other.ID))(t); len(c) != 1 || c[0].Number != "OPX" {
			t.Fatalf("other's cards %+v", c)
		}

		wantErr(t, s.Unbind(ctx, op(2, "OP1", d2)), store.ErrConflict, "unbind of another declarant")
		wantErr(t, s.Unbind(ctx, op(2, "OP2", d2)), store.ErrConflict, "unbind of an unbound card")
		if err := s.Unbind(ctx, op(2, "OP1", d1)); err != nil {
			t.Fatal(err)
		}
		if err := s.Bind(ctx, op(3, "OP2", d1)); err != nil {
			t.Fatal(err)
		}
		log := must(s.BindingLog(ctx, ent.ID, ""))(t)
		if len(log) != 3 || log[0].Action != model.BindingBind || log[1].Action != model.BindingUnbind || log[2].CardNumber != "OP2" ||
			log[2].Version != 3 || log[0].Signature != "c2ln" || log[0].SignerCard != "LP1" {
			t.Fatalf("log %+v", log)
		}
		if l := must(s.BindingLog(ctx, ent.ID, "OP1"))(t); len(l) != 2 {
			t.Fatalf("log of OP1 %+v", l)
		}
		if l := must(s.BindingLog(ctx, other.ID, ""))(t); len(l) != 0 {
			t.Fatalf("other's log %+v", l)
		}
		if _, err := s.DB().Exec(`UPDATE declarant_binding_log SET user_name = 'x'`); err == nil {
			t.Error("the log took an UPDATE")
		}
		if _, err := s.DB().Exec(`DELETE FROM declarant_binding_log`); err == nil {
			t.Error("the log took a DELETE")
		}

		// The holder's ID number, replaced when set again.
		wantErr(t, func() error { _, _, err := s.CardHolderID(ctx, "OP1"); return err }(), store.ErrNotFound, "no holder id")
		if err := s.SetCardHolderID(ctx, "OP1", "1", "110105194912310021"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetCardHolderID(ctx, "OP1", "1", "440305199003151236"); err != nil {
			t.Fatal(err)
		}
		if typ, num, err := s.CardHolderID(ctx, "OP1"); err != nil || typ != "1" || num != "440305199003151236" {
			t.Fatalf("holder id %s %s %v", typ, num, err)
		}
		// The ID number a card was issued with (from the operator's application) comes first.
		if _, err := s.DB().Exec(s.DB().Rebind(`UPDATE cards SET id_number = ? WHERE card_number IN ('OP1', 'OP2')`), "350105198911118901"); err != nil {
			t.Fatal(err)
		}
		for _, n := range []string{"OP1", "OP2"} {
			if typ, num, err := s.CardHolderID(ctx, n); err != nil || typ != "" || num != "350105198911118901" {
				t.Fatalf("issued holder id of %s: %q %s %v", n, typ, num, err)
			}
		}
	})
}

func withState(d model.Declarant) model.Declarant {
	d.State = model.DeclarantNormal
	return d
}
