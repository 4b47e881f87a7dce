package model

import (
	"strings"
	"testing"
)

func validLegalPerson() Fields {
	return Fields{
		"credit_code": "91350100M000100Y43", "name_cn": "福州示例贸易有限公司", "enterprise_type": "1100",
		"province": "350000", "city": "350100", "address": "福州市鼓楼区五四路1号",
		"legal_rep_name": "张三", "legal_rep_id_type": IDTypeResident, "legal_rep_id_number": "11010519491231002X",
		"phone": "0591-87654321", "agent_point": "FJ", "market_dept": "M350000", "tax_dept": "T350000",
	}
}

var lp = FilingLegalPerson.Spec()

func TestLegalPersonDraftAcceptsEmptyDeclareRequiresAll(t *testing.T) {
	p := lp.Normalize(Fields{}, false)
	if errs := lp.Validate(p, false, RoleNoCardAdmin, Draft); len(errs) != 0 {
		t.Fatalf("an empty draft should save, got %v", errs)
	}
	errs := lp.Validate(p, false, RoleNoCardAdmin, Declare)
	for _, f := range LegalPersonForm {
		if f.Kind == Required && errs[f.Key] == "" {
			t.Errorf("declare of an empty filing: no message for required %s", f.Key)
		}
		if f.Kind != Required && errs[f.Key] != "" {
			t.Errorf("declare of an empty filing: message for non-required %s: %s", f.Key, errs[f.Key])
		}
	}
}

func TestLegalPersonDraftChecksFilledFields(t *testing.T) {
	p := lp.Normalize(Fields{"credit_code": " 91350100m000100y44 ", "email": "not-an-address", "bogus": "x"}, false)
	if p["credit_code"] != "91350100M000100Y44" || p["subject_code"] != "M000100Y4" {
		t.Fatalf("normalize: %q %q", p["credit_code"], p["subject_code"])
	}
	if _, ok := p["bogus"]; ok {
		t.Error("normalize kept a key that is not a field of the kind")
	}
	errs := lp.Validate(p, false, RoleNoCardAdmin, Draft)
	if !strings.HasPrefix(errs["credit_code"], "统一社会信用代码：校验位错误") {
		t.Errorf("credit_code: %q", errs["credit_code"])
	}
	if !strings.HasPrefix(errs["email"], "电子邮箱：") {
		t.Errorf("email: %q", errs["email"])
	}
	if len(errs) != 2 {
		t.Errorf("only the two filled wrong fields should be reported, got %v", errs)
	}
}

func TestLegalPersonValid(t *testing.T) {
	p := lp.Normalize(validLegalPerson(), false)
	if errs := lp.Validate(p, false, RoleNoCardAdmin, Declare); len(errs) != 0 {
		t.Fatalf("valid filing refused: %v", errs)
	}
	p["city"] = "440300"
	if errs := lp.Validate(p, false, RoleNoCardAdmin, Declare); errs["city"] == "" {
		t.Error("a city outside the province was accepted")
	}
	p = validLegalPerson()
	p["legal_rep_id_type"] = "2"
	p["legal_rep_id_number"] = "E12345678"
	if errs := lp.Validate(p, false, RoleNoCardAdmin, Declare); len(errs) != 0 {
		t.Errorf("a passport number was refused: %v", errs)
	}
}

// A card holder's credit code comes from the card's certificate: grey and
// not checked; the no-card administrator types it (yellow).
func TestCardFixedFields(t *testing.T) {
	f, _ := lp.FormFor(false, RoleLegalCard).Field("credit_code")
	if f.Kind != System {
		t.Errorf("card holder's credit code: kind %v, want grey", f.Kind)
	}
	f, _ = lp.FormFor(false, RoleNoCardAdmin).Field("credit_code")
	if f.Kind != Required {
		t.Errorf("no-card credit code: kind %v, want yellow", f.Kind)
	}
	if f, _ := LegalPersonForm.Field("credit_code"); f.Kind != Required {
		t.Error("FormFor changed the kind's own form")
	}
	p := validLegalPerson()
	p["credit_code"] = "garbage"
	if errs := lp.Validate(p, false, RoleLegalCard, Declare); errs["credit_code"] != "" {
		t.Errorf("a card holder's credit code is the system's, yet checked: %v", errs)
	}
}

func TestRegistrationValidate(t *testing.T) {
	r := RegistrationRequest{
		Enterprise: RegistrationEnterprise{NameCN: "示例", LegalRepName: "张三", CreditCode: "91350100M000100Y43",
			LegalRepIDType: IDTypeResident, LegalRepIDNumber: "11010519491231002x", Province: "350000", Phone: "13800138000"},
		Admin: RegistrationAdmin{Username: "fzadmin", Password: "correct horse", PasswordConfirm: "correct horse",
			Mobile: "13800138000", Email: "admin@example.com"},
	}
	if errs := r.Validate(); len(errs) != 0 {
		t.Fatalf("valid registration refused: %v", errs)
	}
	r.Admin.PasswordConfirm = "other"
	r.Admin.Username = "1x"
	errs := r.Validate()
	if errs["admin.password_confirm"] == "" || errs["admin.username"] == "" {
		t.Fatalf("want admin.password_confirm and admin.username errors, got %v", errs)
	}
}

func TestStates(t *testing.T) {
	for _, c := range []struct {
		s                      State
		edit, declare, del, pr bool
	}{
		{StateDraft, true, true, true, true},
		{StateReturned, true, true, true, true},
		{StateDeclared, false, false, false, true},
		{StateApproved, false, false, false, true},
	} {
		if c.s.CanEdit() != c.edit || c.s.CanDeclare() != c.declare || c.s.CanDelete() != c.del || c.s.CanPrint() != c.pr {
			t.Errorf("%s: wrong permissions", c.s)
		}
	}
}
