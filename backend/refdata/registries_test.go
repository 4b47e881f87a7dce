package refdata

import (
	"testing"

	"eportid/app/model"
)

func TestLoadRegistries(t *testing.T) {
	r, err := LoadRegistries()
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Commerce) < 3 || len(r.Customs) < 3 || len(r.Forex) < 3 {
		t.Errorf("%d commerce, %d customs, %d forex records: want a handful", len(r.Commerce), len(r.Customs), len(r.Forex))
	}
	states := map[model.ForexStatus]int{}
	for _, f := range r.Forex {
		states[model.ForexStatus(f.BureauStatus)]++
	}
	if states[model.ForexCancelled] == 0 || states[model.ForexRevoked] == 0 || states[model.ForexNormal] == 0 {
		t.Errorf("forex states %v: want normal, cancelled (注销) and revoked (吊销)", states)
	}
	for _, c := range r.Commerce {
		if err := model.ValidateCreditCode(c.CreditCode); err != nil {
			t.Errorf("%s: %v", c.CreditCode, err)
		}
		if err := model.ValidateOrganizationCode(model.SubjectCode(c.CreditCode)); err != nil {
			t.Errorf("%s: organization code: %v", c.CreditCode, err)
		}
	}
	for _, set := range r.Sets() {
		if set.Name == "" || set.Revision == "" || set.Source == "" {
			t.Errorf("set %+v", set)
		}
	}
	if got := Columns[model.Forex](); len(got) != 5 || got[0] != "credit_code" || got[4] != "bureau_status" {
		t.Errorf("columns %v", got)
	}
}
