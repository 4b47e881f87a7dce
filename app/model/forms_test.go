package model

import (
	"strings"
	"testing"
)

func validLegalPerson() LegalPerson {
	return LegalPerson{
		CreditCode: "91350100M000100Y43", NameCN: "福州示例贸易有限公司", EnterpriseType: "1100",
		Province: "350000", City: "350100", Address: "福州市鼓楼区五四路1号",
		LegalRepName: "张三", LegalRepIDType: IDTypeResident, LegalRepIDNumber: "11010519491231002X",
		Phone: "0591-87654321", AgentPoint: "FJ", MarketDept: "M350000", TaxDept: "T350000",
	}
}

func TestLegalPersonDraftAcceptsEmptyDeclareRequiresAll(t *testing.T) {
	var p LegalPerson
	p.Normalize()
	if errs := p.Validate(Draft); len(errs) != 0 {
		t.Fatalf("an empty draft should save, got %v", errs)
	}
	errs := p.Validate(Declare)
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
	p := LegalPerson{CreditCode: " 91350100m000100y44 ", Email: "not-an-address"}
	p.Normalize()
	if p.CreditCode != "91350100M000100Y44" || p.SubjectCode != "M000100Y4" {
		t.Fatalf("normalize: %q %q", p.CreditCode, p.SubjectCode)
	}
	errs := p.Validate(Draft)
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
	p := validLegalPerson()
	p.Normalize()
	if errs := p.Validate(Declare); len(errs) != 0 {
		t.Fatalf("valid filing refused: %v", errs)
	}
	p.City = "440300"
	if errs := p.Validate(Declare); errs["city"] == "" {
		t.Error("a city outside the province was accepted")
	}
	p = validLegalPerson()
	p.LegalRepIDType = "2"
	p.LegalRepIDNumber = "E12345678"
	if errs := p.Validate(Declare); len(errs) != 0 {
		t.Errorf("a passport number was refused: %v", errs)
	}
}

func TestValuesRoundTrip(t *testing.T) {
	p := validLegalPerson()
	v := Values(&p)
	if v["credit_code"] != p.CreditCode || v["tax_dept"] != "T350000" {
		t.Fatalf("Values: %v", v)
	}
	for _, f := range LegalPersonForm {
		if _, ok := v[f.Key]; !ok {
			t.Errorf("form field %s has no struct field", f.Key)
		}
	}
	var q LegalPerson
	SetValues(&q, v)
	if q != p {
		t.Fatalf("SetValues(Values(p)) = %+v", q)
	}
	r := LegalPersonRecord{ID: 1, LegalPerson: p}
	if Values(&r)["name_cn"] != p.NameCN {
		t.Error("Values does not see embedded fields")
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
