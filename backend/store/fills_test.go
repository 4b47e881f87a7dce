package store_test

import (
	"context"
	"errors"
	"maps"
	"testing"

	"eportid/app/model"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// The forex filing is the bureau's record confirmed: when the bureau has
// no record of the enterprise there is nothing to file, and nothing is
// stored; when the bureau could not be asked, a new record or a
// declaration is refused, a save keeps the values the record had.
func TestForexNoRegistryRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		k := model.FilingForex
		f := s.Filings(k)
		e, _ := lpEnterprise(t, s, "SZ01", model.StateDeclared)
		none := store.Input{Fields: sample(k), Registry: &store.RegistryAnswer{Found: false}}
		audited := func() int {
			var n int
			if err := s.DB().Get(&n, `SELECT COUNT(*) FROM audit_log WHERE kind = 'forex'`); err != nil {
				t.Fatal(err)
			}
			return n
		}

		for _, who := range []store.Actor{holder, noCard} {
			_, err := f.Create(ctx, e.ID, 0, who, none)
			var nr *store.NoRegistryRecordError
			if !errors.As(err, &nr) || !errors.Is(err, store.ErrNoRegistryRecord) || nr.Message != k.Spec().NoRegistryRecordMessage() {
				t.Fatalf("create by %s with no bureau record: error %v", who.Name, err)
			}
		}
		if got := must(f.List(ctx, e.ID))(t); len(got) != 0 {
			t.Errorf("refused create stored %+v", got)
		}
		if n := count(t, s, "forex_filings"); n != 0 {
			t.Errorf("forex_filings has %d rows", n)
		}
		if n := audited(); n != 0 {
			t.Errorf("refused create audited: %d rows", n)
		}
		_, err := f.Create(ctx, e.ID, 0, holder, store.Input{Fields: sample(k)})
		wantErr(t, err, store.ErrRegistryUnavailable, "create with the bureau not asked")

		// A draft of a record the bureau has; then the bureau has none.
		r := must(f.Create(ctx, e.ID, 0, holder, in(k, sample(k))))(t)
		before := audited()
		_, err = f.Save(ctx, e.ID, r.ID, r.Version, holder, none)
		wantErr(t, err, store.ErrNoRegistryRecord, "save with no bureau record")
		_, err = f.Declare(ctx, e.ID, r.ID, r.Version, holder, none)
		wantErr(t, err, store.ErrNoRegistryRecord, "declare with no bureau record")
		_, err = f.Declare(ctx, e.ID, r.ID, r.Version, holder, store.Input{Fields: sample(k)})
		wantErr(t, err, store.ErrRegistryUnavailable, "declare with the bureau not asked")
		if got := must(f.Get(ctx, e.ID, r.ID))(t); got.Version != r.Version || got.State != model.StateDraft || !maps.Equal(got.Fields, r.Fields) {
			t.Errorf("refused operations changed the record: %+v", got)
		}
		if n := audited(); n != before {
			t.Errorf("refused operations audited: %d rows, was %d", n, before)
		}
		// Not asked on a save: the bureau's values stay as they were,
		// whatever was sent.
		sent := sample(k)
		sent["classification"], sent["bureau_status"] = "C", string(model.ForexRevoked)
		saved := must(f.Save(ctx, e.ID, r.ID, r.Version, holder, store.Input{Fields: sent}))(t)
		if saved.Fields["classification"] != "A" || saved.Fields["bureau_status"] != string(model.ForexNormal) || saved.Fields["published_on"] != "2024-01-15" {
			t.Errorf("save without the bureau took the sent values: %+v", saved.Fields)
		}
	})
}

// The grey fields are the store's: whatever the caller sends, it sets them
// from the declared legal-person filing, the enterprise's registered
// credit code (for a card holder), and the registry's answer.
func TestStoreSetsGreyFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		const forged = "91350100M000100Y43"

		t.Run("legal person by a card holder", func(t *testing.T) {
			k := model.FilingLegalPerson
			f := s.Filings(k)
			e := newEnterprise(t, s)
			p := lpFields()
			p["credit_code"], p["subject_code"] = forged, "FORGED"
			r := must(f.Create(ctx, e.ID, 0, holder, store.Input{Fields: p}))(t)
			if r.Fields["credit_code"] != e.CreditCode || r.Fields["subject_code"] != model.SubjectCode(e.CreditCode) {
				t.Errorf("created %+v, want the enterprise's credit code %s", r.Fields, e.CreditCode)
			}
			r = must(f.Save(ctx, e.ID, r.ID, r.Version, holder, store.Input{Fields: p}))(t)
			r = must(f.Declare(ctx, e.ID, r.ID, r.Version, holder, store.Input{Fields: p}))(t)
			if got := must(f.Get(ctx, e.ID, r.ID))(t); got.Fields["credit_code"] != e.CreditCode || got.Fields["subject_code"] != model.SubjectCode(e.CreditCode) {
				t.Errorf("declared %+v", got.Fields)
			}
			// The no-card administrator types the credit code (the HTTP
			// layer checks it against the enterprise); the subject code is
			// still cut from it.
			e2 := newEnterprise(t, s)
			p["credit_code"] = e2.CreditCode
			r2 := must(f.Create(ctx, e2.ID, 0, noCard, store.Input{Fields: p}))(t)
			if r2.Fields["credit_code"] != e2.CreditCode || r2.Fields["subject_code"] != model.SubjectCode(e2.CreditCode) {
				t.Errorf("no-card filing %+v", r2.Fields)
			}
		})

		t.Run("customs", func(t *testing.T) {
			k := model.FilingCustoms
			f := s.Filings(k)
			e, lp := lpEnterprise(t, s, "SZ01", model.StateDeclared)
			sent := sample(k)
			sent["credit_code"], sent["subject_code"], sent["name_cn"] = forged, "FORGED", "冒名贸易有限公司"
			sent["legal_rep_name"], sent["legal_rep_id_type"], sent["legal_rep_id_number"] = "李四", "9", "FORGED01"
			sent["unified_no"] = "FORGED"
			reg := &store.RegistryAnswer{Found: true, Fields: model.Fields{"unified_no": "53002016000042"}}
			check := func(what string, got model.Fields) {
				t.Helper()
				for _, key := range []string{"credit_code", "name_cn", "legal_rep_name", "legal_rep_id_type", "legal_rep_id_number"} {
					if got[key] != lp.Fields[key] {
						t.Errorf("%s: %s = %q, want the legal-person filing's %q", what, key, got[key], lp.Fields[key])
					}
				}
				if got["subject_code"] != model.SubjectCode(lp.Fields["credit_code"]) || got["unified_no"] != "53002016000042" ||
					got["customs_reg_no"] != sent["customs_reg_no"] || got["name_en"] != sent["name_en"] {
					t.Errorf("%s: %+v", what, got)
				}
			}
			for _, who := range []store.Actor{noCard, holder} {
				t.Run(who.Name, func(t *testing.T) {
					e := e
					if who.Role != noCard.Role {
						e, lp = lpEnterprise(t, s, "SZ01", model.StateDeclared)
					}
					r := must(f.Create(ctx, e.ID, 0, who, store.Input{Fields: sent, Registry: reg}))(t)
					check("create", r.Fields)
					r = must(f.Save(ctx, e.ID, r.ID, r.Version, who, store.Input{Fields: sent, Registry: reg}))(t)
					check("save", r.Fields)
					if who.Role == holder.Role {
						r = must(f.Declare(ctx, e.ID, r.ID, r.Version, who, store.Input{Fields: sent, Registry: reg}))(t)
						check("declare", r.Fields)
					}
					check("get", must(f.Get(ctx, e.ID, r.ID))(t).Fields)
				})
			}
		})

		t.Run("commerce", func(t *testing.T) {
			k := model.FilingCommerce
			f := s.Filings(k)
			e, lp := lpEnterprise(t, s, "SZ01", model.StateDeclared)
			sent := sample(k)
			sent["credit_code"], sent["imp_exp_code"] = forged, "FORGED"
			r := must(f.Create(ctx, e.ID, 0, holder, store.Input{Fields: sent,
				Registry: &store.RegistryAnswer{Found: true, Fields: model.Fields{"imp_exp_code": "4403123456789"}}}))(t)
			if r.Fields["credit_code"] != lp.Fields["credit_code"] || r.Fields["imp_exp_code"] != "4403123456789" {
				t.Errorf("created %+v", r.Fields)
			}
			// The registry not asked: the code stays as it was.
			r = must(f.Save(ctx, e.ID, r.ID, r.Version, holder, store.Input{Fields: sent}))(t)
			if r.Fields["imp_exp_code"] != "4403123456789" {
				t.Errorf("saved without the registry: %+v", r.Fields)
			}
			// The ministry has no record: no code, and the filing may go on.
			r = must(f.Declare(ctx, e.ID, r.ID, r.Version, holder, store.Input{Fields: sent, Registry: &store.RegistryAnswer{}}))(t)
			if r.Fields["imp_exp_code"] != "" || r.State != model.StateDeclared {
				t.Errorf("declared with no ministry record: %+v", r)
			}
		})

		t.Run("forex", func(t *testing.T) {
			k := model.FilingForex
			e, lp := lpEnterprise(t, s, "SZ01", model.StateDeclared)
			sent := model.Fields{"credit_code": forged, "org_code": "FORGED", "classification": "C",
				"published_on": "1999-01-01", "bureau_status": string(model.ForexNormal)}
			reg := &store.RegistryAnswer{Found: true, Fields: model.Fields{"classification": "B", "published_on": "2024-06-30", "bureau_status": string(model.ForexNormal)}}
			r := must(s.Filings(k).Create(ctx, e.ID, 0, holder, store.Input{Fields: sent, Registry: reg}))(t)
			want := model.Fields{"credit_code": lp.Fields["credit_code"], "org_code": model.SubjectCode(lp.Fields["credit_code"]),
				"classification": "B", "published_on": "2024-06-30", "bureau_status": string(model.ForexNormal)}
			if !maps.Equal(r.Fields, want) {
				t.Errorf("forex %+v, want %+v", r.Fields, want)
			}
		})
	})
}

// A commerce filing's Proposals (the fields a new page starts from, taken
// from the legal-person filing) are the user's to change: the store keeps
// what was sent, and fills nothing in where they were left empty.
func TestCommerceProposalsEditable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		k := model.FilingCommerce
		f := s.Filings(k)
		e, lp := lpEnterprise(t, s, "SZ01", model.StateDeclared)
		sent := sample(k)
		sent["name_cn"], sent["address_cn"], sent["legal_rep_name"] = "深圳市另一名称贸易有限公司", "深圳市福田区另一路2号", "王五"
		sent["phone"], sent["email"], sent["fax"] = "0755-11112222", "", ""
		for _, key := range []string{"name_cn", "address_cn", "legal_rep_name", "phone", "email"} {
			if lp.Fields[key] == sent[key] {
				t.Fatalf("%s: the test needs a value other than the legal-person filing's", key)
			}
		}
		check := func(what string, got model.Fields) {
			t.Helper()
			for _, p := range k.Spec().Proposals {
				if got[p.Key] != sent[p.Key] {
					t.Errorf("%s: %s = %q, sent %q (legal-person filing: %q)", what, p.Key, got[p.Key], sent[p.Key], lp.Fields[p.Key])
				}
			}
		}
		r := must(f.Create(ctx, e.ID, 0, holder, in(k, sent)))(t)
		check("create", r.Fields)
		sent["name_cn"] = "深圳市第三名称贸易有限公司"
		r = must(f.Save(ctx, e.ID, r.ID, r.Version, holder, in(k, sent)))(t)
		check("save", r.Fields)
		r = must(f.Declare(ctx, e.ID, r.ID, r.Version, holder, in(k, sent)))(t)
		check("declare", r.Fields)
	})
}
