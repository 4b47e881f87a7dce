package store_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"eportid/app/model"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// An operator application (N5, L8): many per enterprise, one per person,
// grey fields from the declared legal-person filing and the customs
// filing, declared to the legal-person filing's agent point; then its card
// (制卡): begun only once approved, finished once per token, one card per
// application, its issue in the audit trail and the card's events.
func TestOperatorApplicationsAndIssuance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ent, _ := lpEnterprise(t, s, "FJ01", model.StateDeclared)
		att := must(s.AddAttachment(ctx, ent.ID, "admin", "申请表.pdf", "application/pdf", []byte("%PDF-1.4")))(t)
		ops := s.Filings(model.FilingOperator)
		app := model.Fields{"name": "林操作", "id_type": model.IDTypeResident, "id_number": "11010519491231002X",
			"mobile": "13800138002", "attachment": itoa64(att.ID), "credit_code": "forged", "card_kind": "法人卡", "agent_point": "BJ01"}
		r := must(ops.Create(ctx, ent.ID, 0, noCard, store.Input{Fields: app}))(t)
		if r.Fields["credit_code"] != ent.CreditCode || r.Fields["card_kind"] != model.CardKindOperatorLabel || r.Fields["agent_point"] != "FJ01" {
			t.Errorf("grey fields as sent: %v", r.Fields)
		}
		// The same person again: refused; another person: a second record.
		_, err := ops.Create(ctx, ent.ID, 0, noCard, store.Input{Fields: app})
		wantErr(t, err, store.ErrDuplicate, "the same ID number twice")
		other := app.Clone()
		other["id_number"], other["name"] = "440524188001010014", "王操作"
		r2 := must(ops.Create(ctx, ent.ID, 0, noCard, store.Input{Fields: other}))(t)
		// A draft may not take another's number.
		taken := other.Clone()
		taken["id_number"] = app["id_number"]
		_, err = ops.Save(ctx, ent.ID, r2.ID, r2.Version, noCard, store.Input{Fields: taken})
		wantErr(t, err, store.ErrDuplicate, "a save taking another application's ID number")
		if l := must(ops.List(ctx, ent.ID))(t); len(l) != 2 {
			t.Errorf("%d applications, want 2", len(l))
		}

		// 制卡 only once approved, at its agent point.
		_, err = s.BeginIssuance(ctx, "FJ01", r.ID, reviewer, "tok-0", "8200000000000001", time.Now().Add(time.Minute))
		wantErr(t, err, store.ErrNotFound, "issuance of a draft")
		r = must(ops.Declare(ctx, ent.ID, r.ID, r.Version, holder, store.Input{Fields: app}))(t)
		_, err = s.BeginIssuance(ctx, "FJ01", r.ID, reviewer, "tok-1", "8200000000000001", time.Now().Add(time.Minute))
		wantErr(t, err, store.ErrState, "issuance of a declared application")
		r = reviewTo(t, s, "FJ01", r, model.StateApproved)
		_, err = s.BeginIssuance(ctx, "BJ01", r.ID, reviewer, "tok-2", "8200000000000001", time.Now().Add(time.Minute))
		wantErr(t, err, store.ErrNotFound, "issuance at another agent point")
		is := must(s.BeginIssuance(ctx, "FJ01", r.ID, reviewer, "tok-3", "8200000000000003", time.Now().Add(time.Minute)))(t)
		if is.HolderName != "林操作" || is.IDNumber != app["id_number"] || is.CreditCode != ent.CreditCode {
			t.Errorf("issuance %+v", is)
		}
		expired := must(s.BeginIssuance(ctx, "FJ01", r.ID, reviewer, "tok-4", "8200000000000004", time.Now().Add(-time.Minute)))(t)
		_, err = s.FinishIssuance(ctx, "FJ01", r.ID, expired.TokenID, reviewer, []byte{1}, "01", time.Now().AddDate(1, 0, 0))
		wantErr(t, err, store.ErrIssuanceSpent, "an expired token")
		_, err = s.FinishIssuance(ctx, "FJ01", r2.ID, is.TokenID, reviewer, []byte{1}, "01", time.Now().AddDate(1, 0, 0))
		wantErr(t, err, store.ErrIssuanceSpent, "a token of another application")
		card := must(s.FinishIssuance(ctx, "FJ01", r.ID, is.TokenID, reviewer, []byte{1}, "01", time.Now().AddDate(1, 0, 0)))(t)
		if card.Kind != model.CardOperator || card.Number != is.CardNumber || card.State != store.CardActive || card.HolderName != "林操作" {
			t.Errorf("card %+v", card)
		}
		_, err = s.FinishIssuance(ctx, "FJ01", r.ID, is.TokenID, reviewer, []byte{1}, "01", time.Now().AddDate(1, 0, 0))
		if !errors.Is(err, store.ErrIssuanceSpent) {
			t.Errorf("the token twice: %v", err)
		}
		_, err = s.BeginIssuance(ctx, "FJ01", r.ID, reviewer, "tok-5", "8200000000000005", time.Now().Add(time.Minute))
		wantErr(t, err, store.ErrCardIssued, "a second card of the application")
		if got := must(s.CardOfApplication(ctx, ent.ID, r.ID))(t); got.Number != card.Number {
			t.Errorf("card of the application %s", got.Number)
		}
		if h := history(t, s, ent.ID, r.Ref()); h[len(h)-1] != "issue:approved>approved" {
			t.Errorf("history %v", h)
		}
		evs := must(s.CardEvents(ctx, card.Number))(t)
		if len(evs) != 1 || evs[0].Action != model.CardActionIssued {
			t.Errorf("card events %+v", evs)
		}
	})
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
