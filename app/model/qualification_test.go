package model

import (
	"encoding/json"
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

// Every form has exactly the fields of its type, in the type's order.
func TestFormsMatchTypes(t *testing.T) {
	for _, k := range FilingKinds {
		var keys []string
		switch k {
		case FilingLegalPerson:
			keys = jsonKeys(LegalPerson{})
		case FilingCommerce:
			keys = jsonKeys(Commerce{})
		case FilingCustoms:
			keys = jsonKeys(Customs{})
		case FilingForex:
			keys = jsonKeys(Forex{})
		}
		for _, form := range []Form{k.Form(), k.ChangeForm()} {
			var fk []string
			for _, f := range form {
				fk = append(fk, f.Key)
			}
			if !slices.Equal(fk, keys) {
				t.Errorf("%s: form keys %v, type keys %v", k, fk, keys)
			}
		}
		sys := SystemKeys(k.ChangeForm())
		for _, key := range k.FixedInChange() {
			if !slices.Contains(sys, key) {
				t.Errorf("%s: %s is fixed in a change but not grey", k, key)
			}
		}
		fsys := SystemKeys(k.Form())
		for _, key := range k.RegistryKeys() {
			if !slices.Contains(fsys, key) {
				t.Errorf("%s: registry key %s is not grey in the filing", k, key)
			}
		}
		if !k.Valid() || k.Label() == string(k) || !strings.HasSuffix(k.ChangeLabel(), "变更") {
			t.Errorf("%s: labels", k)
		}
	}
	if FilingKind("x").Valid() || FilingKind("x").Form() != nil || FilingLegalPerson.Qualification() {
		t.Error("unknown kind / legal person is not a qualification")
	}
}

func validCommerce() Commerce {
	return Commerce{
		CreditCode: "91350100M000100Y43", ImpExpCode: "91350100M000100Y43",
		NameCN: "福州示例贸易有限公司", AddressCN: "福州市鼓楼区五四路1号", LegalRepName: "张三",
		LegalRepIDNumber: "11010519491231002X", Phone: "0591-87654321", OperatorType: "4",
	}
}

func TestQualificationValidate(t *testing.T) {
	// Drafts accept empty fields; declaring requires the required ones.
	for _, k := range QualificationKinds {
		var errs FieldErrors
		switch k {
		case FilingCommerce:
			var c Commerce
			c.Normalize()
			if e := c.Validate(Draft); len(e) != 0 {
				t.Errorf("empty commerce draft: %v", e)
			}
			errs = c.Validate(Declare)
		case FilingCustoms:
			var c Customs
			c.Normalize()
			if e := c.Validate(Draft); len(e) != 0 {
				t.Errorf("empty customs draft: %v", e)
			}
			errs = c.Validate(Declare)
		case FilingForex:
			var f Forex
			f.Normalize()
			errs = f.Validate(Declare)
		}
		for _, f := range k.Form() {
			if f.Kind == Required && errs[f.Key] == "" {
				t.Errorf("%s: no message for required %s", k, f.Key)
			}
			if f.Kind != Required && errs[f.Key] != "" {
				t.Errorf("%s: message for %s: %s", k, f.Key, errs[f.Key])
			}
		}
	}

	c := validCommerce()
	c.Normalize()
	if errs := c.Validate(Declare); len(errs) != 0 {
		t.Fatalf("valid commerce refused: %v", errs)
	}
	c.LegalRepIDNumber, c.Email, c.OperatorType, c.FirstApprovedOn = "110105194912310021", "x@", "99", "2999-01-01"
	errs := c.Validate(Draft)
	for _, k := range []string{"legal_rep_id_number", "email", "operator_type", "first_approved_on"} {
		if errs[k] == "" {
			t.Errorf("commerce %s accepted", k)
		}
	}
	c = validCommerce()
	c.LegalRepIDNumber = "E12345678" // a passport
	if errs := c.Validate(Declare); len(errs) != 0 {
		t.Errorf("passport number refused: %v", errs)
	}

	cu := Customs{NameEN: "x", SupervisingCustoms: "5300", FilingCustoms: "5300", CustomsRegNo: " 4403960abc "}
	cu.Normalize()
	if cu.CustomsRegNo != "4403960ABC" {
		t.Errorf("normalize: %q", cu.CustomsRegNo)
	}
	if errs := cu.Validate(Declare); len(errs) != 0 {
		t.Errorf("valid customs refused: %v", errs)
	}
	for _, bad := range []string{"440396ABC", "44039600ABC", "A403960ABC", "4403-60ABC"} {
		cu.CustomsRegNo = bad
		if cu.Validate(Draft)["customs_reg_no"] == "" {
			t.Errorf("customs_reg_no %q accepted", bad)
		}
	}
	cu.CustomsRegNo, cu.FilingCustoms = "4403960ABC", "53"
	if cu.Validate(Draft)["filing_customs"] == "" {
		t.Error("filing_customs 53 accepted")
	}
	// In a change the legal representative is editable and checked.
	cu.FilingCustoms = "5300"
	if errs := cu.ValidateChange(Declare); errs["name_cn"] == "" || errs["legal_rep_id_type"] == "" {
		t.Errorf("customs change without name: %v", errs)
	}
	cu.NameCN, cu.LegalRepName, cu.LegalRepIDType, cu.LegalRepIDNumber = "示例", "张三", IDTypeResident, "110105194912310021"
	if errs := cu.ValidateChange(Declare); !strings.Contains(errs["legal_rep_id_number"], "校验码") {
		t.Errorf("customs change with a wrong ID number: %v", errs)
	}

	// Forex: 注销 and 吊销 block, with a message that says which.
	for st, blocks := range map[ForexStatus]bool{ForexNormal: false, ForexCancelled: true, ForexRevoked: true, "": false} {
		f := Forex{CreditCode: "91350100M000100Y43", BureauStatus: string(st)}
		f.Normalize()
		if f.OrgCode != "M000100Y4" {
			t.Errorf("org code %q", f.OrgCode)
		}
		msg := f.Validate(Draft)["bureau_status"]
		if (msg != "") != blocks || st.Blocks() != blocks || blocks && !strings.Contains(msg, st.Label()) {
			t.Errorf("forex %q: blocks %v, message %q", st, st.Blocks(), msg)
		}
	}
}

func TestGenericHelpers(t *testing.T) {
	lp := validLegalPerson()
	lp.Normalize()
	cu := Customs{CreditCode: "X", NameCN: "typed by the page", NameEN: "kept"}
	FillFromLegalPerson(&cu, lp)
	if cu.CreditCode != lp.CreditCode || cu.SubjectCode != lp.SubjectCode || cu.NameCN != lp.NameCN ||
		cu.LegalRepIDNumber != lp.LegalRepIDNumber || cu.LegalRepIDType != lp.LegalRepIDType || cu.NameEN != "kept" {
		t.Errorf("customs filled %+v", cu)
	}
	fx := Forex{Classification: "A"}
	FillFromLegalPerson(&fx, lp)
	if fx.CreditCode != lp.CreditCode || fx.OrgCode != SubjectCode(lp.CreditCode) || fx.Classification != "A" {
		t.Errorf("forex filled %+v", fx)
	}
	before := lp
	FillFromLegalPerson(&lp, validLegalPerson())
	if lp != before {
		t.Error("FillFromLegalPerson changed a legal-person filing")
	}

	sent := Forex{CreditCode: "A", Classification: "A", BureauStatus: "normal"}
	KeepFields(&sent, Forex{CreditCode: "B", Classification: "C", BureauStatus: "revoked"}, FilingForex.RegistryKeys())
	if sent != (Forex{CreditCode: "A", Classification: "C", BureauStatus: "revoked"}) {
		t.Errorf("KeepFields: %+v", sent)
	}

	c := validCommerce()
	c.NameCN = " 带空格 "
	NormalizeFields(&c)
	if c.NameCN != "带空格" {
		t.Errorf("NormalizeFields: %q", c.NameCN)
	}
	if errs := ValidateFields(&c, false, Declare); len(errs) != 0 {
		t.Errorf("ValidateFields: %v", errs)
	}
	lp2 := validLegalPerson()
	lp2.CreditCode = "91350100M000100Y44"
	if ValidateFields(&lp2, false, Draft)["credit_code"] == "" || ValidateFields(&lp2, true, Draft)["credit_code"] != "" {
		t.Error("credit code is checked in a filing, grey in a change")
	}
	if KindOf[Customs]() != FilingCustoms || KindOf[LegalPerson]() != FilingLegalPerson {
		t.Error("KindOf")
	}
	if got := EditableKeys(ForexForm); len(got) != 0 {
		t.Errorf("forex editable %v", got)
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
	r := CustomsRecord{
		RecordMeta: RecordMeta{ID: 7, Kind: FilingCustoms, FilingID: 7, EnterpriseID: 3, State: StateReturned, Version: 2,
			CreatedBy: "a", UpdatedBy: "b", CreatedAt: at, UpdatedAt: at, DeclaredAt: &at, ReturnReason: "缺"},
		Fields: Customs{CreditCode: "91350100M000100Y43", CustomsRegNo: "4403960ABC", NameEN: `"q"`},
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
		m["state"] != "returned" || m["return_reason"] != "缺" || m["kind"] != "customs" {
		t.Errorf("flat JSON %s", b)
	}
	var back CustomsRecord
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Fields != r.Fields || back.ID != 7 || !back.DeclaredAt.Equal(at) || back.ReturnReason != "缺" {
		t.Errorf("round trip %+v", back)
	}
	// No field key collides with a meta key.
	meta := jsonKeys(RecordMeta{})
	for _, k := range FilingKinds {
		for _, f := range k.Form() {
			if slices.Contains(meta, f.Key) || f.Key == "version" {
				t.Errorf("%s field %s collides with a meta key", k, f.Key)
			}
		}
	}

	req := SaveRequest[Commerce]{Version: 3, Fields: validCommerce()}
	b, _ = json.Marshal(req)
	if !strings.Contains(string(b), `"version":3,"credit_code"`) {
		t.Errorf("save request JSON %s", b)
	}
	var req2 SaveRequest[Commerce]
	if err := json.Unmarshal([]byte(`{"version": 5, "name_cn": "名", "phone": "010-12345678"}`), &req2); err != nil ||
		req2.Version != 5 || req2.Fields.NameCN != "名" || req2.Fields.Phone != "010-12345678" {
		t.Errorf("save request %+v %v", req2, err)
	}
	if err := json.Unmarshal([]byte(`[1]`), &req2); err == nil {
		t.Error("array accepted as a save request")
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
