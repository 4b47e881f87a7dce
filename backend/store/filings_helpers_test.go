package store_test

import (
	"context"
	"maps"
	"testing"

	"eportid/app/model"
	"eportid/backend/store"
)

// Actors of the tests.
var (
	noCard   = store.Actor{UserID: 101, Name: "nocard", Role: model.RoleNoCardAdmin}
	holder   = store.Actor{UserID: 102, Name: "holder", Role: model.RoleLegalCard}
	reviewer = store.Actor{UserID: 103, Name: "reviewer", Role: model.RoleReviewer}
)

// qualifications are the kinds that need a declared legal-person filing.
var qualifications = []model.FilingKind{model.FilingCommerce, model.FilingCustoms, model.FilingForex}

// eachQualification runs fn as a subtest per qualification kind.
func eachQualification(t *testing.T, s *store.Store, fn func(*testing.T, *store.Store, model.FilingKind)) {
	for _, k := range qualifications {
		t.Run(string(k), func(t *testing.T) { fn(t, s, k) })
	}
}

// lpEnterprise creates an enterprise with a legal-person filing naming
// agentPoint, entered by the no-card administrator, in state st.
func lpEnterprise(t testing.TB, s *store.Store, agentPoint string, st model.State) (store.Enterprise, model.Record) {
	t.Helper()
	ctx := context.Background()
	e := newEnterprise(t, s)
	p := lpFields()
	p["credit_code"], p["agent_point"] = e.CreditCode, agentPoint
	p["legal_rep_id_type"], p["legal_rep_id_number"] = model.IDTypeResident, "11010519491231002X"
	f := s.Filings(model.FilingLegalPerson)
	r := must(f.Create(ctx, e.ID, 0, noCard, store.Input{Fields: p}))(t)
	if st == model.StateDraft {
		return e, r
	}
	r = must(f.Declare(ctx, e.ID, r.ID, r.Version, noCard, store.Input{Fields: p}))(t)
	return e, reviewTo(t, s, agentPoint, r, st)
}

// reviewTo brings a declared record to st (declared, approved, returned)
// and returns it with the new meta.
func reviewTo(t testing.TB, s *store.Store, agentPoint string, r model.Record, st model.State) model.Record {
	t.Helper()
	ctx := context.Background()
	switch st {
	case model.StateApproved:
		r.RecordMeta = must(s.Approve(ctx, agentPoint, r.Ref(), r.Version, reviewer))(t)
	case model.StateReturned:
		r.RecordMeta = must(s.Return(ctx, agentPoint, r.Ref(), r.Version, reviewer, "材料不全"))(t)
	}
	if r.State != st {
		t.Fatalf("set up %s, got %s", st, r.State)
	}
	return r
}

// sample is a filing of the kind as a page would send it, with the values
// the kind's registry holds (see in).
func sample(k model.FilingKind) model.Fields {
	switch k {
	case model.FilingLegalPerson:
		return lpFields()
	case model.FilingCommerce:
		return model.Fields{"name_cn": "深圳市示例贸易有限公司", "address_cn": "深圳市南山区示例路1号", "legal_rep_name": "张三",
			"legal_rep_id_number": "11010519491231002X", "phone": "0755-12345678", "operator_type": "4", "imp_exp_code": "IMPEXP"}
	case model.FilingCustoms:
		return model.Fields{"name_en": "Example", "supervising_customs": "5300", "filing_customs": "5300",
			"customs_reg_no": "4403960001", "unified_no": "53002016000001"}
	case model.FilingForex:
		return model.Fields{"classification": "A", "published_on": "2024-01-15", "bureau_status": string(model.ForexNormal)}
	}
	panic("no sample of " + string(k))
}

// in is the input of a create, save or declare of fields f of kind k: for
// a kind with a registry, the registry answers with f's values of its
// keys (the test's registry holds what f says).
func in(k model.FilingKind, f model.Fields) store.Input {
	return store.Input{Fields: f, Registry: registryHolds(k, f)}
}

// registryHolds is the answer of k's registry holding f's values of its
// keys; nil for a kind without a registry.
func registryHolds(k model.FilingKind, f model.Fields) *store.RegistryAnswer {
	sp := k.Spec()
	if sp.Registry == "" {
		return nil
	}
	ans := &store.RegistryAnswer{Found: true, Fields: model.Fields{}}
	model.Keep(ans.Fields, f, sp.RegistryKeys)
	return ans
}

// normalized is f as the store keeps it: every key of k's form present.
func normalized(k model.FilingKind, f model.Fields) model.Fields {
	return k.Spec().Normalize(f, false)
}

// edit returns a copy of f with an editable field (for forex, a registry
// field a change carries anew) set to v, and its key.
func edit(k model.FilingKind, f model.Fields, v string) (model.Fields, string) {
	key := map[model.FilingKind]string{
		model.FilingLegalPerson: "address",
		model.FilingCommerce:    "name_en",
		model.FilingCustoms:     "name_en",
		model.FilingForex:       "published_on",
	}[k]
	out := maps.Clone(f)
	out[key] = v
	return out, key
}

// qualInState creates a qualification filing of kind k of a new
// enterprise (legal-person filing declared to SZ01), by the card holder,
// and brings it to st.
func qualInState(t testing.TB, s *store.Store, k model.FilingKind, st model.State) (store.Enterprise, model.Record) {
	t.Helper()
	ctx := context.Background()
	e, _ := lpEnterprise(t, s, "SZ01", model.StateDeclared)
	f := s.Filings(k)
	r := must(f.Create(ctx, e.ID, 0, holder, in(k, sample(k))))(t)
	if st == model.StateDraft {
		return e, r
	}
	r = must(f.Declare(ctx, e.ID, r.ID, r.Version, holder, in(k, r.Fields)))(t)
	return e, reviewTo(t, s, "SZ01", r, st)
}

// history is the actions of a record's audit trail, as "action:from>to".
func history(t testing.TB, s *store.Store, enterpriseID int64, ref model.RecordRef) []string {
	t.Helper()
	var out []string
	for _, e := range must(s.History(context.Background(), enterpriseID, ref))(t) {
		out = append(out, string(e.Action)+":"+string(e.FromState)+">"+string(e.ToState))
	}
	return out
}
