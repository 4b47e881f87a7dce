package refdata

import (
	"fmt"

	"eportid/app/model"
)

// DeclarantsFile holds customs' made-up declarants (报关人员, SPEC L11) for
// development and tests; see SOURCES.md.
const DeclarantsFile = "registry-declarants.tsv"

// Declarants are the parsed declarant fixtures.
type Declarants struct {
	Records []model.Declarant
	Set     Set
}

// LoadDeclarants parses the declarant fixtures and checks every record
// (model.Declarant.Check); a 报关人员编号 appears once.
func LoadDeclarants() (Declarants, error) {
	rows, sum, err := readTSV(DeclarantsFile, "declarant_no", "name", "id_type", "id_number", "credit_code", "state")
	if err != nil {
		return Declarants{}, err
	}
	seen := map[string]bool{}
	out := make([]model.Declarant, 0, len(rows))
	for i, r := range rows {
		d := model.Declarant{DeclarantNo: r[0], Name: r[1], IDType: r[2], IDNumber: r[3], CreditCode: r[4], State: model.DeclarantState(r[5])}
		if err := d.Check(); err != nil {
			return Declarants{}, fmt.Errorf("refdata: %s row %d: %v", DeclarantsFile, i+1, err)
		}
		if seen[d.DeclarantNo] {
			return Declarants{}, fmt.Errorf("refdata: %s: duplicate 报关人员编号 %s", DeclarantsFile, d.DeclarantNo)
		}
		seen[d.DeclarantNo] = true
		out = append(out, d)
	}
	return Declarants{Records: out, Set: Set{Name: "registry_declarants", Revision: sum,
		Source: DeclarantsFile + " (made-up fixtures, see SOURCES.md)"}}, nil
}
