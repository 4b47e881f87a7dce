package model

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func systemKeys(f Form) []string { return SystemKeys(f) }

func jsonKeys(v any) []string {
	t := reflect.TypeOf(v)
	var out []string
	for i := 0; i < t.NumField(); i++ {
		k, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		out = append(out, k)
	}
	return out
}

// The grey (system) fields of each form are those the manual lists.
func TestGreyFieldsAsTheManualSays(t *testing.T) {
	for _, c := range []struct {
		name string
		form Form
		grey []string
	}{
		// 第五篇 1.2.2: 统一社会信用代码 and 进出口企业代码 不可修改.
		{"commerce", CommerceForm, []string{"credit_code", "imp_exp_code"}},
		// 1.3.2: 统一社会信用代码, 统一编号, 主体识别码, 企业中文名称, 法人/负责人,
		// 法人身份证件类型, 法人身份证号 灰色.
		{"customs", CustomsForm, []string{"credit_code", "unified_no", "subject_code", "name_cn", "legal_rep_name", "legal_rep_id_type", "legal_rep_id_number"}},
		// 1.4.2: everything grey (分类结果 不可修改), plus the bureau's state.
		{"forex", ForexForm, []string{"credit_code", "org_code", "classification", "published_on", "bureau_status"}},
		// 第六篇 2.1.2: grey fields fixed: the subject code and, in a change,
		// the credit code.
		{"legal person change", LegalPersonChangeForm, []string{"credit_code", "subject_code"}},
		// 2.2.2: 统一社会信用代码, 进出口企业代码 灰色.
		{"commerce change", CommerceChangeForm, []string{"credit_code", "imp_exp_code"}},
		// 2.3.2: 统一社会信用代码, 统一编号, 主体识别码 灰色.
		{"customs change", CustomsChangeForm, []string{"credit_code", "unified_no", "subject_code"}},
		// 2.4.2: all four grey.
		{"forex change", ForexChangeForm, []string{"credit_code", "org_code", "classification", "published_on", "bureau_status"}},
	} {
		if got := systemKeys(c.form); !slices.Equal(got, c.grey) {
			t.Errorf("%s: grey fields %v, want %v", c.name, got, c.grey)
		}
	}
	// The customs change makes the name and the legal representative
	// editable and required, with their rules.
	for _, k := range []string{"name_cn", "legal_rep_name", "legal_rep_id_type", "legal_rep_id_number"} {
		f, _ := CustomsChangeForm.Field(k)
		if f.Kind != Required || f.MaxLen == 0 && f.Check == nil {
			t.Errorf("customs change %s: %+v", k, f)
		}
	}
	// A change form is a copy: the filing's form is untouched.
	if f, _ := LegalPersonForm.Field("credit_code"); f.Kind != Required {
		t.Error("LegalPersonForm changed by the change form")
	}
}

// Every kind's entry is whole: a change form with the filing's keys in
// its order, grey fields where the system fills them, labels, and fill
// sources that are fields.
func TestKindsTable(t *testing.T) {
	seen := map[FilingKind]bool{}
	for _, sp := range Kinds {
		k := sp.Kind
		if seen[k] {
			t.Errorf("%s declared twice", k)
		}
		seen[k] = true
		keys := sp.Keys()
		var ck []string
		for _, f := range sp.ChangeForm {
			ck = append(ck, f.Key)
		}
		if sp.NoChanges != (sp.ChangeForm == nil) || sp.NoChanges != (sp.ChangeMenuLabel == "") {
			t.Errorf("%s: NoChanges %v with a change form of %d fields, change label %q", k, sp.NoChanges, len(ck), sp.ChangeMenuLabel)
		}
		if !sp.NoChanges && !slices.Equal(ck, keys) {
			t.Errorf("%s: change form keys %v, filing keys %v", k, ck, keys)
		}
		sys := SystemKeys(sp.ChangeForm)
		for _, key := range sp.FixedInChange {
			if !slices.Contains(sys, key) {
				t.Errorf("%s: %s is fixed in a change but not grey", k, key)
			}
		}
		fsys := SystemKeys(sp.Form)
		for _, key := range sp.RegistryKeys {
			if !slices.Contains(fsys, key) {
				t.Errorf("%s: registry key %s is not grey in the filing", k, key)
			}
		}
		for _, f := range sp.Fills {
			if !slices.Contains(fsys, f.Key) {
				t.Errorf("%s: filled field %s is not grey", k, f.Key)
			}
			if f.From == FromLegalPerson && !slices.Contains(FilingLegalPerson.Spec().Keys(), f.of()) {
				t.Errorf("%s: %s is filled from legal-person field %s, which does not exist", k, f.Key, f.of())
			}
		}
		for _, f := range sp.Proposals {
			if slices.Contains(fsys, f.Key) || !slices.Contains(keys, f.Key) {
				t.Errorf("%s: proposal %s is not an editable field", k, f.Key)
			}
		}
		if sp.UniqueKey != "" && !sp.Many {
			t.Errorf("%s: a unique key only makes sense for a kind with many records", k)
		}
		for _, key := range append(append(append([]string{}, sp.CardFixed...), sp.ListKeys...), sp.QueryKeys...) {
			if !slices.Contains(keys, key) {
				t.Errorf("%s: %s is not a field", k, key)
			}
		}
		if (sp.Registry == "") != (len(sp.RegistryKeys) == 0) || sp.Registry != "" && sp.RegistrySystem == "" {
			t.Errorf("%s: registry %q with keys %v", k, sp.Registry, sp.RegistryKeys)
		}
		if !k.Valid() || k.Label() == string(k) || !strings.HasSuffix(k.ChangeLabel(), "变更") ||
			sp.MenuLabel == "" || !strings.HasSuffix(sp.PrintTitle, "表") {
			t.Errorf("%s: labels", k)
		}
	}
	if FilingKind("x").Valid() || FilingKind("x").Form() != nil || FilingKind("x").Spec() != nil {
		t.Error("unknown kind")
	}
	if !slices.Equal(FilingKinds, []FilingKind{FilingLegalPerson, FilingCommerce, FilingCustoms, FilingForex, FilingOperator}) {
		t.Errorf("menu order %v", FilingKinds)
	}
}

func validCommerce() Fields {
	return Fields{
		"credit_code": "91350100M000100Y43", "imp_exp_code": "91350100M000100Y43",
		"name_cn": "福州示例贸易有限公司", "address_cn": "福州市鼓楼区五四路1号", "legal_rep_name": "张三",
		"legal_rep_id_number": "11010519491231002X", "phone": "0591-87654321", "operator_type": "4",
	}
}

func TestQualificationValidate(t *testing.T) {
	// Drafts accept empty fields; declaring requires the required ones.
	for _, k := range []FilingKind{FilingCommerce, FilingCustoms, FilingForex} {
		sp := k.Spec()
		v := sp.Normalize(Fields{}, false)
		if e := sp.Validate(v, false, RoleLegalCard, Draft); len(e) != 0 {
			t.Errorf("empty %s draft: %v", k, e)
		}
		errs := sp.Validate(v, false, RoleLegalCard, Declare)
		for _, f := range k.Form() {
			if f.Kind == Required && errs[f.Key] == "" {
				t.Errorf("%s: no message for required %s", k, f.Key)
			}
			if f.Kind != Required && errs[f.Key] != "" {
				t.Errorf("%s: message for %s: %s", k, f.Key, errs[f.Key])
			}
		}
	}

	com, cus, fx := FilingCommerce.Spec(), FilingCustoms.Spec(), FilingForex.Spec()
	check := func(sp *KindSpec, v Fields, change bool, mode Mode) FieldErrors {
		return sp.Validate(sp.Normalize(v, change), change, RoleLegalCard, mode)
	}
	c := validCommerce()
	if errs := check(com, c, false, Declare); len(errs) != 0 {
		t.Fatalf("valid commerce refused: %v", errs)
	}
	c["legal_rep_id_number"], c["email"], c["operator_type"], c["first_approved_on"] = "110105194912310021", "x@", "99", "2999-01-01"
	errs := check(com, c, false, Draft)
	for _, k := range []string{"legal_rep_id_number", "email", "operator_type", "first_approved_on"} {
		if errs[k] == "" {
			t.Errorf("commerce %s accepted", k)
		}
	}
	c = validCommerce()
	c["legal_rep_id_number"] = "E12345678" // a passport
	if errs := check(com, c, false, Declare); len(errs) != 0 {
		t.Errorf("passport number refused: %v", errs)
	}

	cu := Fields{"name_en": "x", "supervising_customs": "5300", "filing_customs": "5300", "customs_reg_no": " 4403960abc "}
	if n := cus.Normalize(cu, false); n["customs_reg_no"] != "4403960ABC" {
		t.Errorf("normalize: %q", n["customs_reg_no"])
	}
	if errs := check(cus, cu, false, Declare); len(errs) != 0 {
		t.Errorf("valid customs refused: %v", errs)
	}
	for _, bad := range []string{"440396ABC", "44039600ABC", "A403960ABC", "4403-60ABC"} {
		cu["customs_reg_no"] = bad
		if check(cus, cu, false, Draft)["customs_reg_no"] == "" {
			t.Errorf("customs_reg_no %q accepted", bad)
		}
	}
	cu["customs_reg_no"], cu["filing_customs"] = "4403960ABC", "53"
	if check(cus, cu, false, Draft)["filing_customs"] == "" {
		t.Error("filing_customs 53 accepted")
	}
	// In a change the legal representative is editable and checked.
	cu["filing_customs"] = "5300"
	if errs := check(cus, cu, true, Declare); errs["name_cn"] == "" || errs["legal_rep_id_type"] == "" {
		t.Errorf("customs change without name: %v", errs)
	}
	cu["name_cn"], cu["legal_rep_name"], cu["legal_rep_id_type"], cu["legal_rep_id_number"] = "示例", "张三", IDTypeResident, "110105194912310021"
	if errs := check(cus, cu, true, Declare); !strings.Contains(errs["legal_rep_id_number"], "校验码") {
		t.Errorf("customs change with a wrong ID number: %v", errs)
	}

	// Forex: 注销 and 吊销 block, with a message that says which.
	for st, blocks := range map[ForexStatus]bool{ForexNormal: false, ForexCancelled: true, ForexRevoked: true, "": false} {
		f := fx.Normalize(Fields{"credit_code": "91350100M000100Y43", "bureau_status": string(st)}, false)
		if f["org_code"] != "M000100Y4" {
			t.Errorf("org code %q", f["org_code"])
		}
		msg := fx.BlockedMessage(f)
		if (msg != "") != blocks || st.Blocks() != blocks || blocks && !strings.Contains(msg, st.Label()) {
			t.Errorf("forex %q: blocks %v, message %q", st, st.Blocks(), msg)
		}
	}
}

func TestFillsAndProposals(t *testing.T) {
	lp := FilingLegalPerson.Spec().Normalize(validLegalPerson(), false)
	cus := FilingCustoms.Spec()
	cu := Fields{"credit_code": "X", "name_cn": "typed by the page", "name_en": "kept"}
	cus.FillFromLegalPerson(cu, lp)
	if cu["credit_code"] != lp["credit_code"] || cu["subject_code"] != lp["subject_code"] || cu["name_cn"] != lp["name_cn"] ||
		cu["legal_rep_id_number"] != lp["legal_rep_id_number"] || cu["legal_rep_id_type"] != lp["legal_rep_id_type"] || cu["name_en"] != "kept" {
		t.Errorf("customs filled %v", cu)
	}
	fx := Fields{"classification": "A"}
	FilingForex.Spec().FillFromLegalPerson(fx, lp)
	if fx["credit_code"] != lp["credit_code"] || fx["org_code"] != SubjectCode(lp["credit_code"]) || fx["classification"] != "A" {
		t.Errorf("forex filled %v", fx)
	}
	// The commerce filing takes the legal-person data over as a proposal
	// (editable), keeping what is there already.
	com := Fields{"name_cn": "已填"}
	FilingCommerce.Spec().Propose(com, lp)
	if com["name_cn"] != "已填" || com["address_cn"] != lp["address"] || com["legal_rep_name"] != lp["legal_rep_name"] ||
		com["legal_rep_id_number"] != lp["legal_rep_id_number"] {
		t.Errorf("commerce proposal %v", com)
	}

	sent := Fields{"credit_code": "A", "classification": "A", "bureau_status": "normal"}
	Keep(sent, Fields{"credit_code": "B", "classification": "C", "bureau_status": "revoked"}, FilingForex.Spec().RegistryKeys)
	if sent["credit_code"] != "A" || sent["classification"] != "C" || sent["bureau_status"] != "revoked" || sent["published_on"] != "" {
		t.Errorf("Keep: %v", sent)
	}
	if got := EditableKeys(ForexForm); len(got) != 0 {
		t.Errorf("forex editable %v", got)
	}
	if got := FilingForex.Spec().ChangeRegistryKeys(); !slices.Equal(got, []string{"classification", "published_on", "bureau_status"}) {
		t.Errorf("forex change registry keys %v", got)
	}
	if got := FilingCommerce.Spec().ChangeRegistryKeys(); len(got) != 0 {
		t.Errorf("commerce change registry keys %v (the import-export code is fixed)", got)
	}

	d := Diff(CommerceForm, map[string]string{"name_cn": "旧", "phone": "1"}, map[string]string{"name_cn": "新", "phone": "1", "fax": "2"})
	if !slices.Equal(d, []FieldChange{{"name_cn", "旧", "新"}, {"fax", "", "2"}}) {
		t.Errorf("Diff %+v", d)
	}
}

func TestRoles(t *testing.T) {
	for _, c := range []struct {
		r                               Role
		k                               FilingKind
		save, declare, del, change, rev bool
	}{
		{RoleNoCardAdmin, FilingLegalPerson, true, true, true, false, false},
		{RoleNoCardAdmin, FilingCommerce, true, false, false, false, false},
		{RoleNoCardAdmin, FilingCustoms, true, false, false, false, false},
		{RoleNoCardAdmin, FilingForex, true, false, false, false, false},
		{RoleLegalCard, FilingLegalPerson, true, true, true, true, false},
		{RoleLegalCard, FilingCommerce, true, true, true, true, false},
		{RoleLegalCard, FilingForex, true, true, true, true, false},
		{RoleOperatorCard, FilingCommerce, false, false, false, false, false},
		{RoleReviewer, FilingCustoms, false, false, false, false, true},
		{RoleLegalCard, "x", false, false, false, false, false},
	} {
		if c.r.MaySave(c.k) != c.save || c.r.MayDeclare(c.k) != c.declare || c.r.MayDelete(c.k) != c.del ||
			c.r.MayChange(c.k) != c.change || c.r.MayReview() != c.rev {
			t.Errorf("%s %s: save %v declare %v delete %v change %v review %v", c.r, c.k,
				c.r.MaySave(c.k), c.r.MayDeclare(c.k), c.r.MayDelete(c.k), c.r.MayChange(c.k), c.r.MayReview())
		}
	}
}

func TestRecordJSONIsFlat(t *testing.T) {
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	r := Record{
		RecordMeta: RecordMeta{ID: 7, Kind: FilingCustoms, FilingID: 7, EnterpriseID: 3, State: StateReturned, Version: 2,
			CreatedBy: "a", UpdatedBy: "b", CreatedAt: at, UpdatedAt: at, DeclaredAt: &at, ReturnReason: "缺"},
		Fields:    Fields{"credit_code": "91350100M000100Y43", "customs_reg_no": "4403960ABC", "name_en": `"q"`},
		Signature: &RecordSignature{CardNumber: "C1", Verified: true},
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m["id"] != float64(7) || m["credit_code"] != "91350100M000100Y43" || m["customs_reg_no"] != "4403960ABC" ||
		m["state"] != "returned" || m["return_reason"] != "缺" || m["kind"] != "customs" || m["card_signature"] == nil {
		t.Errorf("flat JSON %s", b)
	}
	var back Record
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(back.Fields, r.Fields) || back.ID != 7 || !back.DeclaredAt.Equal(at) || back.ReturnReason != "缺" ||
		back.Signature == nil || back.Signature.CardNumber != "C1" {
		t.Errorf("round trip %+v", back)
	}
	// No field key collides with a meta key.
	meta := append(jsonKeys(RecordMeta{}), "card_signature", "version", "filing_id")
	for _, k := range FilingKinds {
		for _, f := range k.Form() {
			if slices.Contains(meta, f.Key) || metaKeys[f.Key] {
				t.Errorf("%s field %s collides with a meta key", k, f.Key)
			}
		}
	}

	req := SaveRequest{Version: 3, Fields: validCommerce()}
	b, _ = json.Marshal(req)
	if !strings.Contains(string(b), `"version":3,`) || !strings.Contains(string(b), `"credit_code":"91350100M000100Y43"`) || strings.Contains(string(b), "filing_id") {
		t.Errorf("save request JSON %s", b)
	}
	if (RecordRef{Kind: FilingForex, Change: true, ID: 3}).Name() != "forex_change" || (RecordRef{Kind: FilingCustoms}).Name() != "customs" {
		t.Error("RecordRef.Name")
	}
	if (RecordRef{Kind: FilingForex, Change: true, ID: 3}).String() != "forex change 3" {
		t.Error("RecordRef.String")
	}
}

func TestStaticOptions(t *testing.T) {
	for _, f := range append(append(CommerceForm, CustomsChangeForm...), ForexForm...) {
		if f.Input == "select" && f.Options != OptionsCustoms && StaticOptions(f.Options) == nil {
			t.Errorf("%s: no static options %q", f.Key, f.Options)
		}
	}
	if ActionApply.Label() != "变更生效" || ForexRevoked.Label() != "吊销" {
		t.Error("labels")
	}
}
