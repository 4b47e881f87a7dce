package store_test

import (
	"context"
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

// lpEnterprise creates an enterprise with a legal-person filing naming
// agentPoint, in state st.
func lpEnterprise(t testing.TB, s *store.Store, agentPoint string, st model.State) (store.Enterprise, model.Record[model.LegalPerson]) {
	t.Helper()
	ctx := context.Background()
	e := newEnterprise(t, s)
	p := sampleLegalPerson()
	p.CreditCode, p.SubjectCode, p.AgentPoint = e.CreditCode, model.SubjectCode(e.CreditCode), agentPoint
	p.LegalRepIDType, p.LegalRepIDNumber = model.IDTypeResident, "11010519491231002X"
	f := s.LegalPersonFilings()
	r := must(f.Create(ctx, e.ID, noCard, p))(t)
	if st == model.StateDraft {
		return e, r
	}
	r = must(f.Declare(ctx, e.ID, r.ID, r.Version, noCard, p))(t)
	r = reviewTo(t, s, agentPoint, r.RecordMeta, st, r)
	return e, r
}

// reviewTo brings a declared record to st (declared, approved, returned)
// and returns rec with the new meta.
func reviewTo[F model.Fields](t testing.TB, s *store.Store, agentPoint string, m model.RecordMeta, st model.State, rec model.Record[F]) model.Record[F] {
	t.Helper()
	ctx := context.Background()
	switch st {
	case model.StateApproved:
		rec.RecordMeta = must(s.Approve(ctx, agentPoint, m.Ref(), m.Version, reviewer))(t)
	case model.StateReturned:
		rec.RecordMeta = must(s.Return(ctx, agentPoint, m.Ref(), m.Version, reviewer, "材料不全"))(t)
	}
	if rec.State != st {
		t.Fatalf("set up %s, got %s", st, rec.State)
	}
	return rec
}

func filingsOf[F model.Fields](s *store.Store) store.Filings[F] {
	var f F
	switch any(f).(type) {
	case model.LegalPerson:
		return any(s.LegalPersonFilings()).(store.Filings[F])
	case model.Commerce:
		return any(s.CommerceFilings()).(store.Filings[F])
	case model.Customs:
		return any(s.CustomsFilings()).(store.Filings[F])
	default:
		return any(s.ForexFilings()).(store.Filings[F])
	}
}

func changesOf[F model.Fields](s *store.Store) store.Changes[F] {
	var f F
	switch any(f).(type) {
	case model.LegalPerson:
		return any(s.LegalPersonChanges()).(store.Changes[F])
	case model.Commerce:
		return any(s.CommerceChanges()).(store.Changes[F])
	case model.Customs:
		return any(s.CustomsChanges()).(store.Changes[F])
	default:
		return any(s.ForexChanges()).(store.Changes[F])
	}
}

// sample is a filing of the kind as a page would send it.
func sample[F model.Fields]() F {
	var f F
	switch p := any(&f).(type) {
	case *model.LegalPerson:
		*p = sampleLegalPerson()
	case *model.Commerce:
		*p = model.Commerce{NameCN: "深圳市示例贸易有限公司", AddressCN: "深圳市南山区示例路1号", LegalRepName: "张三",
			LegalRepIDNumber: "11010519491231002X", Phone: "0755-12345678", OperatorType: "4", ImpExpCode: "IMPEXP"}
	case *model.Customs:
		*p = model.Customs{NameEN: "Example", SupervisingCustoms: "5300", FilingCustoms: "5300", CustomsRegNo: "4403960001", UnifiedNo: "53002016000001"}
	case *model.Forex:
		*p = model.Forex{Classification: "A", PublishedOn: "2024-01-15", BureauStatus: string(model.ForexNormal)}
	}
	return f
}

// edit changes an editable field (for forex, a registry field a change
// carries anew) and returns its key.
func edit[F model.Fields](f F, v string) (F, string) {
	switch p := any(&f).(type) {
	case *model.LegalPerson:
		p.Address = v
		return f, "address"
	case *model.Commerce:
		p.NameEN = v
		return f, "name_en"
	case *model.Customs:
		p.NameEN = v
		return f, "name_en"
	case *model.Forex:
		p.PublishedOn = v
		return f, "published_on"
	}
	panic("unreachable")
}

func val[F model.Fields](f F, key string) string { return model.Values(&f)[key] }

func setVal[F model.Fields](f F, key, v string) F {
	m := model.Values(&f)
	m[key] = v
	model.SetValues(&f, m)
	return f
}

// qualInState creates a qualification filing of kind F of a new enterprise
// (legal-person filing declared to SZ01) and brings it to st.
func qualInState[F model.Fields](t testing.TB, s *store.Store, st model.State) (store.Enterprise, model.Record[F]) {
	t.Helper()
	ctx := context.Background()
	e, _ := lpEnterprise(t, s, "SZ01", model.StateDeclared)
	f := filingsOf[F](s)
	r := must(f.Create(ctx, e.ID, holder, sample[F]()))(t)
	if st == model.StateDraft {
		return e, r
	}
	r = must(f.Declare(ctx, e.ID, r.ID, r.Version, holder, r.Fields))(t)
	return e, reviewTo(t, s, "SZ01", r.RecordMeta, st, r)
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
