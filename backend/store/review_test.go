package store_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"eportid/app/model"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// A reviewer sees only the declarations sent to their agent point: those
// of enterprises whose legal-person filing names it.
func TestReviewQueueScoping(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		// SZ01: a declared legal-person filing, a declared customs filing,
		// a draft commerce filing, a declared forex change.
		sz, szLP := lpEnterprise(t, s, "SZ01", model.StateDeclared)
		cus, com, fox := model.FilingCustoms, model.FilingCommerce, model.FilingForex
		cu := must(s.Filings(cus).Create(ctx, sz.ID, 0, holder, in(cus, sample(cus))))(t)
		cu = must(s.Filings(cus).Declare(ctx, sz.ID, cu.ID, cu.Version, holder, in(cus, cu.Fields)))(t)
		co := must(s.Filings(com).Create(ctx, sz.ID, 0, holder, in(com, sample(com))))(t)
		fxEnt, fx := qualInState(t, s, fox, model.StateApproved)
		fc := must(s.Changes(fox).Create(ctx, fxEnt.ID, fx.ID, holder, in(fox, fx.Fields)))(t)
		fc = must(s.Changes(fox).Declare(ctx, fxEnt.ID, fc.ID, fc.Version, holder, in(fox, fc.Fields)))(t)
		// BJ01: a declared commerce filing.
		bj, _ := lpEnterprise(t, s, "BJ01", model.StateDeclared)
		bjc := must(s.Filings(com).Create(ctx, bj.ID, 0, holder, in(com, sample(com))))(t)
		bjc = must(s.Filings(com).Declare(ctx, bj.ID, bjc.ID, bjc.Version, holder, in(com, bjc.Fields)))(t)

		refs := func(q []model.QueueItem) []model.RecordRef {
			var out []model.RecordRef
			for _, it := range q {
				out = append(out, it.Ref())
			}
			return out
		}
		szQ := must(s.ReviewQueue(ctx, "SZ01"))(t)
		// The forex filing's enterprise's own legal-person filing is in SZ01's
		// queue too (qualInState declares it there).
		for _, want := range []model.RecordRef{szLP.Ref(), cu.Ref(), fc.Ref()} {
			if !slices.Contains(refs(szQ), want) {
				t.Errorf("SZ01 queue lacks %s: %v", want, refs(szQ))
			}
		}
		for _, not := range []model.RecordRef{co.Ref(), bjc.Ref(), fx.Ref()} {
			if slices.Contains(refs(szQ), not) {
				t.Errorf("SZ01 queue has %s", not)
			}
		}
		for _, it := range szQ {
			if it.State != model.StateDeclared || it.DeclaredAt == nil || it.EnterpriseName == "" || it.CreditCode == "" {
				t.Errorf("queue item %+v", it)
			}
			if it.Ref() == fc.Ref() && (it.FilingID != fx.ID || !it.Change || it.EnterpriseID != fxEnt.ID) {
				t.Errorf("change item %+v", it)
			}
		}
		bjQ := must(s.ReviewQueue(ctx, "BJ01"))(t)
		if r := refs(bjQ); !slices.Contains(r, bjc.Ref()) || slices.Contains(r, cu.Ref()) || slices.Contains(r, fc.Ref()) {
			t.Errorf("BJ01 queue %v", r)
		}
		if q := must(s.ReviewQueue(ctx, "NOPE"))(t); q == nil || len(q) != 0 {
			t.Errorf("unknown agent point queue %v", q)
		}

		// Another agent point can neither see nor decide.
		_, err := s.ReviewRecord(ctx, "BJ01", cu.Ref())
		wantErr(t, err, store.ErrNotFound, "view from another agent point")
		_, err = s.Approve(ctx, "BJ01", cu.Ref(), cu.Version, reviewer)
		wantErr(t, err, store.ErrNotFound, "approve from another agent point")
		_, err = s.Return(ctx, "BJ01", cu.Ref(), cu.Version, reviewer, "x")
		wantErr(t, err, store.ErrNotFound, "return from another agent point")
		// A draft was declared to no one.
		_, err = s.ReviewRecord(ctx, "SZ01", co.Ref())
		wantErr(t, err, store.ErrNotFound, "view of a draft")
		_, err = s.Approve(ctx, "SZ01", co.Ref(), co.Version, reviewer)
		wantErr(t, err, store.ErrNotFound, "approve of a draft")
		_, err = s.Approve(ctx, "SZ01", model.RecordRef{Kind: "nope", ID: 1}, 1, reviewer)
		wantErr(t, err, store.ErrNotFound, "unknown kind")

		// The record as the reviewer sees it; a change with the current values.
		rr := must(s.ReviewRecord(ctx, "SZ01", cu.Ref()))(t)
		if rr.Fields["customs_reg_no"] != cu.Fields["customs_reg_no"] || rr.EnterpriseName != sz.NameCN || rr.Current != nil {
			t.Errorf("review record %+v", rr)
		}
		rc := must(s.ReviewRecord(ctx, "SZ01", fc.Ref()))(t)
		if rc.Current["credit_code"] != fx.Fields["credit_code"] || !rc.Change {
			t.Errorf("review of a change %+v", rc)
		}

		// Rules of the decision.
		_, err = s.Return(ctx, "SZ01", cu.Ref(), cu.Version, reviewer, "  ")
		wantErr(t, err, store.ErrReasonRequired, "return without a reason")
		_, err = s.Approve(ctx, "SZ01", cu.Ref(), cu.Version, holder)
		wantErr(t, err, store.ErrForbidden, "approval by a card holder")
		_, err = s.Approve(ctx, "SZ01", cu.Ref(), cu.Version-1, reviewer)
		wantErr(t, err, store.ErrConflict, "approval with a stale version")
		m := must(s.Return(ctx, "SZ01", cu.Ref(), cu.Version, reviewer, " 海关注册编号有误 "))(t)
		if m.State != model.StateReturned || m.ReturnReason != "海关注册编号有误" || m.Version != cu.Version+1 {
			t.Errorf("returned %+v", m)
		}
		_, err = s.Approve(ctx, "SZ01", cu.Ref(), m.Version, reviewer)
		wantErr(t, err, store.ErrState, "approval of a returned record")
		// The enterprise sees the reason, fixes, declares; it is approved.
		got := must(s.Filings(cus).Get(ctx, sz.ID, cu.ID))(t)
		if got.ReturnReason != "海关注册编号有误" {
			t.Errorf("enterprise sees %+v", got.RecordMeta)
		}
		got.Fields["customs_reg_no"] = "4403960009"
		got = must(s.Filings(cus).Declare(ctx, sz.ID, got.ID, got.Version, holder, in(cus, got.Fields)))(t)
		m = must(s.Approve(ctx, "SZ01", got.Ref(), got.Version, reviewer))(t)
		if m.State != model.StateApproved || m.ReturnReason != "" {
			t.Errorf("approved %+v", m)
		}
		if slices.Contains(refs(must(s.ReviewQueue(ctx, "SZ01"))(t)), cu.Ref()) {
			t.Error("approved record still queued")
		}
		// Still viewable by its reviewer after the decision.
		must(s.ReviewRecord(ctx, "SZ01", cu.Ref()))(t)
	})
}

// X4: every change of state writes one audit row in its transaction, with
// who, when, the states and the fields that changed; refused operations
// write none.
func TestAuditTrail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e, _ := lpEnterprise(t, s, "SZ01", model.StateDeclared)
		k := model.FilingCommerce
		f := s.Filings(k)
		signed := holder
		signed.Signature, signed.Certificate = "MEUCIQ…", "-----BEGIN CERTIFICATE-----"
		r := must(f.Create(ctx, e.ID, 0, noCard, in(k, sample(k))))(t)
		fields := r.Fields
		fields["name_en"] = "Example Co."
		r = must(f.Save(ctx, e.ID, r.ID, r.Version, noCard, in(k, fields)))(t)
		// Refused operations leave no row.
		_, _ = f.Declare(ctx, e.ID, r.ID, r.Version-1, holder, in(k, fields))
		_, _ = f.Declare(ctx, e.ID, r.ID, r.Version, noCard, in(k, fields))
		r = must(f.Declare(ctx, e.ID, r.ID, r.Version, signed, in(k, fields)))(t)
		_, _ = f.Declare(ctx, e.ID, r.ID, r.Version-1, holder, in(k, fields))
		m := must(s.Return(ctx, "SZ01", r.Ref(), r.Version, reviewer, "地址不全"))(t)
		must(0, f.Delete(ctx, e.ID, r.ID, holder))(t)

		entries := must(s.History(ctx, e.ID, r.Ref()))(t)
		var got []string
		for _, en := range entries {
			got = append(got, string(en.Action)+":"+string(en.FromState)+">"+string(en.ToState))
		}
		want := []string{"create:>draft", "save:draft>draft", "declare:draft>declared", "return:declared>returned", "delete:returned>"}
		if !slices.Equal(got, want) {
			t.Fatalf("history %v, want %v", got, want)
		}
		c, sv, d, ret, del := entries[0], entries[1], entries[2], entries[3], entries[4]
		if c.UserID != noCard.UserID || c.UserName != "nocard" || c.Role != model.RoleNoCardAdmin || c.EnterpriseID != e.ID ||
			c.Kind != model.FilingCommerce || c.Change || c.RecordID != r.ID || c.FilingID != r.ID || c.At.IsZero() || c.At.Location() != timeUTC {
			t.Errorf("create row %+v", c)
		}
		if !slices.ContainsFunc(c.Fields, func(fc model.FieldChange) bool { return fc.Key == "name_cn" && fc.Old == "" && fc.New != "" }) {
			t.Errorf("create fields %+v", c.Fields)
		}
		if !slices.Equal(sv.Fields, []model.FieldChange{{Key: "name_en", Old: "", New: "Example Co."}}) {
			t.Errorf("save fields %+v", sv.Fields)
		}
		if d.Signature != signed.Signature || d.Certificate != signed.Certificate || d.Role != model.RoleLegalCard || len(d.Fields) != 0 {
			t.Errorf("declare row %+v", d)
		}
		if sv.Signature != "" || sv.Certificate != "" {
			t.Errorf("unsigned row with a signature %+v", sv)
		}
		if ret.Reason != "地址不全" || ret.UserName != "reviewer" || ret.Role != model.RoleReviewer || m.ReturnReason != "地址不全" {
			t.Errorf("return row %+v", ret)
		}
		if del.ToState != "" || del.UserName != "holder" || !del.At.After(c.At) && !del.At.Equal(c.At) {
			t.Errorf("delete row %+v", del)
		}
		// The rows outlive the record; another enterprise sees none.
		other, _ := lpEnterprise(t, s, "SZ01", model.StateDraft)
		if h := must(s.History(ctx, other.ID, r.Ref()))(t); len(h) != 0 {
			t.Errorf("another enterprise sees %d rows", len(h))
		}

		// The legal-person filing audits the same way, with the actor of
		// each operation (one without a user id or a role, as a tool, too).
		e2 := newEnterprise(t, s)
		lpf := s.Filings(model.FilingLegalPerson)
		admin := store.Actor{UserID: 7, Name: "admin7", Role: model.RoleNoCardAdmin}
		lp := must(lpf.Create(ctx, e2.ID, 0, admin, store.Input{Fields: lpFields()}))(t)
		lp = must(lpf.Declare(ctx, e2.ID, lp.ID, lp.Version, store.Actor{Name: "plain"}, store.Input{Fields: lp.Fields}))(t)
		must(s.Approve(ctx, "SZ01", lp.Ref(), lp.Version, reviewer))(t)
		h := must(s.History(ctx, e2.ID, lp.Ref()))(t)
		if len(h) != 3 || h[0].UserID != 7 || h[0].UserName != "admin7" || h[0].Role != model.RoleNoCardAdmin ||
			h[1].UserName != "plain" || h[1].UserID != 0 || h[2].Action != model.ActionApprove || h[2].Role != model.RoleReviewer ||
			h[2].UserName != "reviewer" {
			t.Errorf("legal-person history %+v", h)
		}
	})
}

// The database refuses every UPDATE and DELETE of the audit trail and of
// the history, on both dialects.
func TestAuditAppendOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		k := model.FilingCommerce
		e, f := qualInState(t, s, k, model.StateApproved)
		c := must(s.Changes(k).Create(ctx, e.ID, f.ID, holder, in(k, f.Fields)))(t)
		c = must(s.Changes(k).Declare(ctx, e.ID, c.ID, c.Version, holder, in(k, c.Fields)))(t)
		must(s.Approve(ctx, "SZ01", c.Ref(), c.Version, reviewer))(t)
		// The triggers bind the tables' owner too; the application role
		// has no such right in the first place (PostgreSQL).
		db := storetest.OwnerDB(t, s)
		for _, table := range []string{"audit_log", "filing_history"} {
			before := count(t, s, table)
			if before == 0 {
				t.Fatalf("%s is empty", table)
			}
			stmts := []string{
				`UPDATE ` + table + ` SET enterprise_id = enterprise_id + 1`,
				`UPDATE ` + table + ` SET kind = 'forex' WHERE id = (SELECT MIN(id) FROM ` + table + `)`,
				`DELETE FROM ` + table + ` WHERE id = (SELECT MIN(id) FROM ` + table + `)`,
				`DELETE FROM ` + table,
			}
			if s.Dialect() == store.Postgres {
				stmts = append(stmts, `TRUNCATE `+table)
			}
			for _, q := range stmts {
				_, err := db.ExecContext(ctx, q)
				if err == nil || !strings.Contains(err.Error(), "append-only") {
					t.Errorf("%s: error %v, want a refusal", q, err)
				}
				if _, err := s.DB().ExecContext(ctx, q); err == nil {
					t.Errorf("%s as the application role: accepted", q)
				}
			}
			// In a transaction, too.
			tx := must(db.BeginTxx(ctx, nil))(t)
			_, err := tx.ExecContext(ctx, `DELETE FROM `+table)
			_ = tx.Rollback()
			if err == nil {
				t.Errorf("%s: DELETE in a transaction succeeded", table)
			}
			if n := count(t, s, table); n != before {
				t.Errorf("%s: %d rows, was %d", table, n, before)
			}
		}
		var kinds []string
		if err := db.Select(&kinds, `SELECT DISTINCT kind FROM audit_log`); err != nil || !slices.Equal(kinds, []string{"commerce"}) && !slices.Contains(kinds, "legal_person") {
			t.Errorf("kinds %v %v", kinds, err)
		}
	})
}

func TestReviewers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		secret := []byte("12345678901234567890")
		_, err := s.CreateReviewer(ctx, store.User{Username: "r1", PasswordHash: "h"}, "NOPE", secret)
		wantErr(t, err, store.ErrNotFound, "reviewer of an unknown agent point")
		if _, err := s.UserByUsername(ctx, "r1"); err == nil {
			t.Error("user of a refused reviewer exists")
		}
		r := must(s.CreateReviewer(ctx, store.User{Username: "SZ-Reviewer", PasswordHash: "h", Role: model.RoleLegalCard, EnterpriseID: 5}, "SZ01", secret))(t)
		if r.Role != model.RoleReviewer || r.EnterpriseID != 0 || r.AgentPoint != "SZ01" || string(r.TOTPSecret.Reveal()) != string(secret) {
			t.Errorf("reviewer %+v", r)
		}
		_, err = s.CreateReviewer(ctx, store.User{Username: "sz-reviewer", PasswordHash: "h"}, "SZ01", secret)
		wantErr(t, err, store.ErrUsernameTaken, "same name")
		got := must(s.ReviewerByUsername(ctx, "sz-REVIEWER"))(t)
		if got.ID != r.ID || got.AgentPoint != "SZ01" || string(got.TOTPSecret.Reveal()) != string(secret) || got.TOTPLastStep != 0 {
			t.Errorf("by name %+v", got)
		}
		must(s.ReviewerByUserID(ctx, r.ID))(t)
		plain := must(s.CreateUser(ctx, store.User{Username: "plainuser", PasswordHash: "h", Role: model.RoleNoCardAdmin}))(t)
		_, err = s.ReviewerByUserID(ctx, plain.ID)
		wantErr(t, err, store.ErrNotFound, "a user who is no reviewer")

		// The secret never prints.
		var logged strings.Builder
		slog.New(slog.NewTextHandler(&logged, nil)).Info("reviewer", "secret", got.TOTPSecret, "r", got)
		for _, out := range []string{fmt.Sprint(got), fmt.Sprintf("%+v %#v %x %s %q", got, got, got.TOTPSecret, got.TOTPSecret, got.TOTPSecret), logged.String()} {
			if strings.Contains(out, "1234567890") || strings.Contains(out, fmt.Sprintf("%x", secret)) || strings.Contains(out, "49 50 51") {
				t.Errorf("secret printed: %s", out)
			}
		}

		// A time step is used once, and never an earlier one.
		must(0, s.UseTOTPStep(ctx, r.ID, 100))(t)
		wantErr(t, s.UseTOTPStep(ctx, r.ID, 100), store.ErrConflict, "the same step twice")
		wantErr(t, s.UseTOTPStep(ctx, r.ID, 99), store.ErrConflict, "an earlier step")
		must(0, s.UseTOTPStep(ctx, r.ID, 101))(t)
		wantErr(t, s.UseTOTPStep(ctx, plain.ID, 200), store.ErrNotFound, "step of a non-reviewer")
		must(0, s.SetTOTPSecret(ctx, r.ID, []byte("new-secret-new-secret")))(t)
		if got := must(s.ReviewerByUserID(ctx, r.ID))(t); string(got.TOTPSecret.Reveal()) != "new-secret-new-secret" || got.TOTPLastStep != 0 {
			t.Errorf("after re-enrolment %+v", got)
		}
		wantErr(t, s.SetTOTPSecret(ctx, plain.ID, secret), store.ErrNotFound, "secret of a non-reviewer")
	})
}

func TestRegistryFixtures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_, err := s.RegistryRecord(ctx, model.FilingForex, "91440300MA5F3K2L57")
		wantErr(t, err, store.ErrNotFound, "before loading")
		_, err = s.RegistryRecord(ctx, model.FilingLegalPerson, "91440300MA5F3K2L57")
		wantErr(t, err, store.ErrNotFound, "a kind without a registry")
		for range 2 {
			must(0, s.LoadRegistryFixtures(ctx))(t)
		}
		for table, n := range map[string]int{"registry_commerce": 5, "registry_customs": 4, "registry_forex": 5} {
			if got := count(t, s, table); got != n {
				t.Errorf("%s: %d rows, want %d", table, got, n)
			}
		}
		c := must(s.RegistryRecord(ctx, model.FilingCommerce, "91440300MA5F3K2L57"))(t)
		if c["name_cn"] != "深圳市前海示例供应链有限公司" || c["imp_exp_code"] == "" || c["credit_code"] != "91440300MA5F3K2L57" {
			t.Errorf("commerce %+v", c)
		}
		cu := must(s.RegistryRecord(ctx, model.FilingCustoms, "91440300MA5F3K2L57"))(t)
		if cu["supervising_customs"] != "5300" || len(cu["customs_reg_no"]) != 10 {
			t.Errorf("customs %+v", cu)
		}
		for code, st := range map[string]model.ForexStatus{
			"91440300MA5F3K2L57": model.ForexNormal, "91350100MA2Y4N6P92": model.ForexCancelled, "91440100MA59C1D21G": model.ForexRevoked,
		} {
			if f := must(s.RegistryRecord(ctx, model.FilingForex, code))(t); f["bureau_status"] != string(st) || f["org_code"] != model.SubjectCode(code) {
				t.Errorf("forex %s: %+v", code, f)
			}
		}
		_, err = s.RegistryRecord(ctx, model.FilingCustoms, "91350100MA2Y4N6P92")
		wantErr(t, err, store.ErrNotFound, "no customs record")
		sets := must(s.RefDataSets(ctx))(t)
		names := map[string]bool{}
		for _, set := range sets {
			names[set.Name] = true
		}
		if !names["registry_commerce"] || !names["registry_customs"] || !names["registry_forex"] {
			t.Errorf("sets %+v", sets)
		}
	})
}
