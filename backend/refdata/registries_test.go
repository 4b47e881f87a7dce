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
	if len(r) != 3 {
		t.Fatalf("%d registries, want commerce, customs and forex", len(r))
	}
	for _, g := range r {
		if len(g.Records) < 3 {
			t.Errorf("%d %s records: want a handful", len(g.Records), g.Kind.Kind)
		}
	}
	states := map[model.ForexStatus]int{}
	for _, f := range r.Of(model.FilingForex).Records {
		states[model.ForexStatus(f["bureau_status"])]++
	}
	if states[model.ForexCancelled] == 0 || states[model.ForexRevoked] == 0 || states[model.ForexNormal] == 0 {
		t.Errorf("forex states %v: want normal, cancelled (注销) and revoked (吊销)", states)
	}
	for _, c := range r.Of(model.FilingCommerce).Records {
		if err := model.ValidateCreditCode(c["credit_code"]); err != nil {
			t.Errorf("%s: %v", c["credit_code"], err)
		}
		if err := model.ValidateOrganizationCode(model.SubjectCode(c["credit_code"])); err != nil {
			t.Errorf("%s: organization code: %v", c["credit_code"], err)
		}
	}
	for _, set := range r.Sets() {
		if set.Name == "" || set.Revision == "" || set.Source == "" {
			t.Errorf("set %+v", set)
		}
	}
	if got := r.Of(model.FilingForex).Kind.Keys(); len(got) != 5 || got[0] != "credit_code" || got[4] != "bureau_status" {
		t.Errorf("columns %v", got)
	}
}
