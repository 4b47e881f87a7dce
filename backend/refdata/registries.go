package refdata

import (
	"fmt"
	"sort"
	"strings"

	"eportid/app/model"
)

// Fixtures of the outside registries (SPEC L1–L3): the records the
// commerce ministry, customs and the forex bureau hold of a handful of
// enterprises, for development and tests. The database implementation of
// backend/registry reads them after store.LoadRegistryFixtures has upserted
// them. Every enterprise is made up (see SOURCES.md); its credit code is
// valid (GB 32100 check character, with a GB 11714 organization code).

// The embedded registry fixtures of a kind with a registry
// (model.KindSpec.Registry) are registry-<kind>.tsv; their header row is
// the kind's field keys.

// RegistryFile is the fixture file of a kind's registry.
func RegistryFile(k model.FilingKind) string { return "registry-" + string(k) + ".tsv" }

// Registry is one registry's parsed fixtures.
type Registry struct {
	Kind    *model.KindSpec
	Records []model.Fields
	Set     Set
}

// Registries are the parsed registry fixtures, in the order of model.Kinds.
type Registries []Registry

// Sets lists the sets of r.
func (r Registries) Sets() []Set {
	out := make([]Set, len(r))
	for i, g := range r {
		out[i] = g.Set
	}
	return out
}

// Of is the registry of kind k, or nil.
func (r Registries) Of(k model.FilingKind) *Registry {
	for i := range r {
		if r[i].Kind.Kind == k {
			return &r[i]
		}
	}
	return nil
}

// LoadRegistries parses the registry fixtures and checks every record as
// the forms would (a fixture the page would refuse is a fixture bug), plus
// the checks of fixtureChecks.
func LoadRegistries() (Registries, error) {
	d, err := Load()
	if err != nil {
		return nil, err
	}
	customs := map[string]bool{}
	for _, c := range d.CustomsDistricts {
		customs[c.Code] = true
	}
	var out Registries
	for _, k := range model.Kinds {
		if k.Registry == "" {
			continue
		}
		g, err := parseRegistry(k, func(v model.Fields) error {
			if check := fixtureChecks[k.Kind]; check != nil {
				if err := check(v, customs); err != nil {
					return err
				}
			}
			return formErrors(k.ChangeForm.Validate(v, model.Declare))
		})
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// fixtureChecks are what a kind's registry record must hold beyond its
// form's rules: its grey fields as the registry itself fills them.
var fixtureChecks = map[model.FilingKind]func(v model.Fields, customs map[string]bool) error{
	model.FilingCommerce: func(v model.Fields, _ map[string]bool) error {
		if v["imp_exp_code"] == "" {
			return fmt.Errorf("no imp_exp_code")
		}
		return nil
	},
	model.FilingCustoms: func(v model.Fields, customs map[string]bool) error {
		if v["subject_code"] != model.SubjectCode(v["credit_code"]) {
			return fmt.Errorf("subject_code %q is not cut from the credit code", v["subject_code"])
		}
		if !customs[v["supervising_customs"]] || !customs[v["filing_customs"]] {
			return fmt.Errorf("customs %q / %q not in %s", v["supervising_customs"], v["filing_customs"], CustomsFile)
		}
		if err := model.CheckIDNumber(v["legal_rep_id_type"], v["legal_rep_id_number"]); err != nil {
			return fmt.Errorf("legal_rep_id_number: %v", err)
		}
		return nil
	},
	model.FilingForex: func(v model.Fields, _ map[string]bool) error {
		if v["org_code"] != model.SubjectCode(v["credit_code"]) {
			return fmt.Errorf("org_code %q is not cut from the credit code", v["org_code"])
		}
		if err := model.ValidateOrganizationCode(v["org_code"]); err != nil {
			return fmt.Errorf("org_code: %v", err)
		}
		if !model.ForexStatus(v["bureau_status"]).Valid() {
			return fmt.Errorf("bureau_status %q", v["bureau_status"])
		}
		if model.OptionName(model.ForexClasses, v["classification"]) == "" {
			return fmt.Errorf("classification %q", v["classification"])
		}
		return model.CheckPastDate(v["published_on"])
	},
}

func formErrors(errs model.FieldErrors) error {
	if len(errs) == 0 {
		return nil
	}
	var msgs []string
	for _, m := range errs {
		msgs = append(msgs, m)
	}
	sort.Strings(msgs)
	return fmt.Errorf("%s", strings.Join(msgs, "; "))
}

func parseRegistry(k *model.KindSpec, check func(model.Fields) error) (Registry, error) {
	file := RegistryFile(k.Kind)
	cols := k.Keys()
	rows, sum, err := readTSV(file, cols...)
	if err != nil {
		return Registry{}, err
	}
	var out []model.Fields
	seen := map[string]bool{}
	for i, row := range rows {
		vals := model.Fields{}
		for j, c := range cols {
			vals[c] = row[j]
		}
		code := vals["credit_code"]
		if err := model.ValidateCreditCode(code); err != nil {
			return Registry{}, fmt.Errorf("refdata: %s row %d: credit code %s: %v", file, i+1, code, err)
		}
		if seen[code] {
			return Registry{}, fmt.Errorf("refdata: %s: duplicate credit code %s", file, code)
		}
		seen[code] = true
		if err := check(vals); err != nil {
			return Registry{}, fmt.Errorf("refdata: %s row %d (%s): %v", file, i+1, code, err)
		}
		out = append(out, vals)
	}
	name := "registry_" + string(k.Kind)
	return Registry{Kind: k, Records: out, Set: Set{Name: name, Revision: sum, Source: file + " (made-up fixtures, see SOURCES.md)"}}, nil
}
