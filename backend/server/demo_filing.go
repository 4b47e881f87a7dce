package server

import (
	"context"
	"errors"
	"fmt"
	"io"

	"eportid/app/model"
	"eportid/backend/store"
)

// The demo card's enterprise and its legal-person filing (development demo
// data). The demo card (backend/cmd/democard, which `make run` sets up
// before the server starts) registers DemoEnterprise with the card; at
// start the server gives that enterprise a declared and approved
// legal-person filing (法人信息) at DemoAgentPoint, so that after 【IC 卡登录】
// the qualification filings and the changes (L1–L7) can be tried at once.
// The filing is made once: a later start finds it and leaves it (and any
// filing the enterprise made itself) as it is. Without the demo card the
// enterprise is not registered and nobody could log in to it, so nothing
// is made.

// The demo card's enterprise: one of the made-up registry records
// (backend/refdata/registry-*.tsv), so its qualification filings back-fill.
const (
	DemoCreditCode     = "91310115MA1H7Q3R3M"
	DemoEnterpriseName = "上海浦东示例国际贸易有限公司"
	DemoLegalRep       = "王示例"
)

// DemoEnterprise is the enterprise the demo card is registered with.
var DemoEnterprise = store.Enterprise{
	CreditCode: DemoCreditCode, NameCN: DemoEnterpriseName, LegalRepName: DemoLegalRep,
	LegalRepIDType: model.IDTypeResident, LegalRepIDNumber: "310115197512122349",
	Province: "310000", City: "310115", Address: "上海市浦东新区示例大道88号", Phone: "021-00000202",
}

// DemoSeeder is the user name the audit trail records for what the demo
// data itself did (created and declared the demo filing); the approval is
// the demo reviewer's.
const DemoSeeder = "demo-data"

// demoLegalPerson is the demo enterprise's legal-person filing at ap, with
// ap's first preset departments.
func demoLegalPerson(ap model.AgentPoint) (model.Fields, error) {
	if len(ap.MarketDepts) == 0 || len(ap.TaxDepts) == 0 {
		return nil, fmt.Errorf("agent point %s has no preset departments", ap.Code)
	}
	e := DemoEnterprise
	sp := model.FilingLegalPerson.Spec()
	p := sp.Normalize(model.Fields{
		"credit_code": e.CreditCode, "name_cn": e.NameCN, "name_en": "Shanghai Pudong Example International Trading Co., Ltd.",
		"enterprise_type": "1100", "province": e.Province, "city": e.City, "address": e.Address, "postcode": "200120",
		"legal_rep_name": e.LegalRepName, "legal_rep_id_type": e.LegalRepIDType, "legal_rep_id_number": e.LegalRepIDNumber,
		"phone": e.Phone, "fax": "021-00000209", "email": "trade2@example.com", "registered_capital": "1000",
		"established_on": "2015-02-21", "business_scope": "货物及技术的进出口业务（演示数据）",
		"agent_point": ap.Code, "market_dept": ap.MarketDepts[0].Code, "tax_dept": ap.TaxDepts[0].Code,
	}, false)
	if errs := sp.Validate(p, false, model.RoleNoCardAdmin, model.Declare); len(errs) > 0 {
		return nil, fmt.Errorf("demo legal-person filing: %v", errs)
	}
	return p, nil
}

// openDemoFiling gives the demo card's enterprise, where it is registered,
// its approved legal-person filing at DemoAgentPoint, and says so on out.
func openDemoFiling(ctx context.Context, st *store.Store, out io.Writer) error {
	ent, err := st.EnterpriseByCreditCode(ctx, DemoCreditCode)
	if errors.Is(err, store.ErrNotFound) {
		fmt.Fprintf(out, "demo enterprise %s (%s) not registered (the demo card registers it): no 法人信息 made\n",
			DemoEnterpriseName, DemoCreditCode)
		return nil
	}
	if err != nil {
		return err
	}
	ap, err := st.AgentPoint(ctx, DemoAgentPoint)
	if err != nil {
		return err
	}
	p, err := demoLegalPerson(ap)
	if err != nil {
		return err
	}
	rv, err := st.ReviewerByUsername(ctx, DemoReviewer)
	if err != nil {
		return err
	}
	m, err := seedDemoFiling(ctx, st, ent.ID, p, rv)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "demo enterprise %s (%s): 法人信息 %s (record %d, by %s); after 【IC 卡登录】 with the demo card the qualification filings and changes are open\n",
		ent.NameCN, ent.CreditCode, m.State.Label(), m.ID, m.UpdatedBy)
	return nil
}

// seedDemoFiling takes the enterprise's legal-person filing p to approved:
// created and declared by DemoSeeder, approved by the reviewer rv (of
// p.AgentPoint). A filing the seeder left halfway (a start stopped between
// the steps) is taken on from where it stopped; a filing someone else
// touched last, or one already approved or returned, is left as it is.
func seedDemoFiling(ctx context.Context, st *store.Store, enterpriseID int64, p model.Fields, rv store.Reviewer) (model.RecordMeta, error) {
	filings := st.Filings(model.FilingLegalPerson)
	seeder := store.Actor{Name: DemoSeeder}
	list, err := filings.List(ctx, enterpriseID)
	if err != nil {
		return model.RecordMeta{}, err
	}
	in := store.Input{Fields: p}
	var r model.Record
	if len(list) == 0 {
		if r, err = filings.Create(ctx, enterpriseID, 0, seeder, in); err != nil {
			return model.RecordMeta{}, fmt.Errorf("demo legal-person filing: create: %w", err)
		}
	} else if r = list[0]; r.UpdatedBy != DemoSeeder {
		return r.RecordMeta, nil
	}
	if r.State == model.StateDraft {
		if r, err = filings.Declare(ctx, enterpriseID, r.ID, r.Version, seeder, in); err != nil {
			return model.RecordMeta{}, fmt.Errorf("demo legal-person filing: declare: %w", err)
		}
	}
	if r.State != model.StateDeclared {
		return r.RecordMeta, nil
	}
	reviewer := store.Actor{UserID: rv.ID, Name: rv.Username, Role: model.RoleReviewer}
	m, err := st.Approve(ctx, p["agent_point"], r.Ref(), r.Version, reviewer)
	if err != nil {
		return model.RecordMeta{}, fmt.Errorf("demo legal-person filing: approve: %w", err)
	}
	return m, nil
}
