package refdata

import (
	"fmt"
	"reflect"
	"strings"

	"eportid/app/model"
)

// Fixtures of the outside registries (SPEC L1–L3): the records the
// commerce ministry, customs and the forex bureau hold of a handful of
// enterprises, for development and tests. The database implementation of
// backend/registry reads them after store.LoadRegistryFixtures has upserted
// them. Every enterprise is made up (see SOURCES.md); its credit code is
// valid (GB 32100 check character, with a GB 11714 organization code).

// The embedded registry fixtures. Their header row is the JSON keys of
// model.Commerce, model.Customs and model.Forex.
const (
	CommerceRegistryFile = "registry-commerce.tsv"
	CustomsRegistryFile  = "registry-customs.tsv"
	ForexRegistryFile    = "registry-forex.tsv"
)

// Registries are the parsed registry fixtures.
type Registries struct {
	Commerce []model.Commerce
	Customs  []model.Customs
	Forex    []model.Forex

	CommerceSet, CustomsSet, ForexSet Set
}

// Sets lists the three sets of r.
func (r *Registries) Sets() []Set { return []Set{r.CommerceSet, r.CustomsSet, r.ForexSet} }

// LoadRegistries parses the registry fixtures and checks every record as
// the forms would (a fixture the page would refuse is a fixture bug).
func LoadRegistries() (*Registries, error) {
	d, err := Load()
	if err != nil {
		return nil, err
	}
	customs := map[string]bool{}
	for _, c := range d.CustomsDistricts {
		customs[c.Code] = true
	}
	r := &Registries{}
	if r.Commerce, r.CommerceSet, err = parseRegistry(CommerceRegistryFile, "registry_commerce", func(c *model.Commerce) error {
		if c.ImpExpCode == "" {
			return fmt.Errorf("no imp_exp_code")
		}
		return formErrors(c.Validate(model.Declare))
	}); err != nil {
		return nil, err
	}
	if r.Customs, r.CustomsSet, err = parseRegistry(CustomsRegistryFile, "registry_customs", func(c *model.Customs) error {
		if c.SubjectCode != model.SubjectCode(c.CreditCode) {
			return fmt.Errorf("subject_code %q is not cut from the credit code", c.SubjectCode)
		}
		if !customs[c.SupervisingCustoms] || !customs[c.FilingCustoms] {
			return fmt.Errorf("customs %q / %q not in %s", c.SupervisingCustoms, c.FilingCustoms, CustomsFile)
		}
		return formErrors(c.ValidateChange(model.Declare))
	}); err != nil {
		return nil, err
	}
	if r.Forex, r.ForexSet, err = parseRegistry(ForexRegistryFile, "registry_forex", func(f *model.Forex) error {
		if f.OrgCode != model.SubjectCode(f.CreditCode) {
			return fmt.Errorf("org_code %q is not cut from the credit code", f.OrgCode)
		}
		if err := model.ValidateOrganizationCode(f.OrgCode); err != nil {
			return fmt.Errorf("org_code: %v", err)
		}
		if !model.ForexStatus(f.BureauStatus).Valid() {
			return fmt.Errorf("bureau_status %q", f.BureauStatus)
		}
		if model.OptionName(model.ForexClasses, f.Classification) == "" {
			return fmt.Errorf("classification %q", f.Classification)
		}
		return model.CheckPastDate(f.PublishedOn)
	}); err != nil {
		return nil, err
	}
	return r, nil
}

func formErrors(errs model.FieldErrors) error {
	if len(errs) == 0 {
		return nil
	}
	var msgs []string
	for _, m := range errs {
		msgs = append(msgs, m)
	}
	return fmt.Errorf("%s", strings.Join(msgs, "; "))
}

// Columns are the JSON keys of a field type, in field order: the header of
// its fixture and the columns of its registry table.
func Columns[F model.Fields]() []string {
	t := reflect.TypeFor[F]()
	out := make([]string, t.NumField())
	for i := range out {
		out[i], _, _ = strings.Cut(t.Field(i).Tag.Get("json"), ",")
	}
	return out
}

func parseRegistry[F model.Fields](file, name string, check func(*F) error) ([]F, Set, error) {
	cols := Columns[F]()
	rows, sum, err := readTSV(file, cols...)
	if err != nil {
		return nil, Set{}, err
	}
	var out []F
	seen := map[string]bool{}
	for i, row := range rows {
		vals := map[string]string{}
		for j, c := range cols {
			vals[c] = row[j]
		}
		var f F
		model.SetValues(&f, vals)
		code := vals["credit_code"]
		if err := model.ValidateCreditCode(code); err != nil {
			return nil, Set{}, fmt.Errorf("refdata: %s row %d: credit code %s: %v", file, i+1, code, err)
		}
		if seen[code] {
			return nil, Set{}, fmt.Errorf("refdata: %s: duplicate credit code %s", file, code)
		}
		seen[code] = true
		if err := check(&f); err != nil {
			return nil, Set{}, fmt.Errorf("refdata: %s row %d (%s): %v", file, i+1, code, err)
		}
		out = append(out, f)
	}
	return out, Set{Name: name, Revision: sum, Source: file + " (made-up fixtures, see SOURCES.md)"}, nil
}
