package refdata_test

import (
	"testing"

	"eportid/app/model"
	"eportid/backend/refdata"
)

// The declarant fixtures hold declarants of both demo enterprises, normal
// and cancelled ones, each valid.
func TestDeclarantFixtures(t *testing.T) {
	d, err := refdata.LoadDeclarants()
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]map[model.DeclarantState]int{}
	for _, r := range d.Records {
		if count[r.CreditCode] == nil {
			count[r.CreditCode] = map[model.DeclarantState]int{}
		}
		count[r.CreditCode][r.State]++
	}
	for _, cc := range []string{"91440300MA5F3K2L57", "91310115MA1H7Q3R3M"} {
		if count[cc][model.DeclarantNormal] < 2 || count[cc][model.DeclarantCancelled] < 1 {
			t.Errorf("%s: %v", cc, count[cc])
		}
	}
	if d.Set.Name != "registry_declarants" || d.Set.Revision == "" {
		t.Errorf("set %+v", d.Set)
	}
}
