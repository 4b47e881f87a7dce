package model

import (
	"regexp"
	"time"
)

// LegalPerson is the legal-person filing (法人信息, N1): the fields an
// enterprise enters. Every field is a string so that a form, its JSON and
// its rules share one set of keys.
type LegalPerson struct {
	CreditCode        string `json:"credit_code" db:"credit_code"`
	SubjectCode       string `json:"subject_code" db:"subject_code"`
	NameCN            string `json:"name_cn" db:"name_cn"`
	NameEN            string `json:"name_en" db:"name_en"`
	EnterpriseType    string `json:"enterprise_type" db:"enterprise_type"`
	Province          string `json:"province" db:"province"`
	City              string `json:"city" db:"city"`
	Address           string `json:"address" db:"address"`
	Postcode          string `json:"postcode" db:"postcode"`
	LegalRepName      string `json:"legal_rep_name" db:"legal_rep_name"`
	LegalRepIDType    string `json:"legal_rep_id_type" db:"legal_rep_id_type"`
	LegalRepIDNumber  string `json:"legal_rep_id_number" db:"legal_rep_id_number"`
	Phone             string `json:"phone" db:"phone"`
	Fax               string `json:"fax" db:"fax"`
	Email             string `json:"email" db:"email"`
	RegisteredCapital string `json:"registered_capital" db:"registered_capital"`
	EstablishedOn     string `json:"established_on" db:"established_on"`
	BusinessScope     string `json:"business_scope" db:"business_scope"`
	AgentPoint        string `json:"agent_point" db:"agent_point"`
	MarketDept        string `json:"market_dept" db:"market_dept"`
	TaxDept           string `json:"tax_dept" db:"tax_dept"`
}

var idOtherRe = regexp.MustCompile(`^[A-Za-z0-9()（）-]{5,30}$`)

// LegalPersonForm is the field list of manual 1.1.2 (法人信息录入), in screen
// order.
var LegalPersonForm = Form{
	{Key: "credit_code", Label: "统一社会信用代码", Kind: Required, Input: "text", MaxLen: 18, Upper: true, Check: ValidateCreditCode, Hint: "18位"},
	{Key: "subject_code", Label: "主体标识码", Kind: System, Input: "text", Hint: "由统一社会信用代码自动截取"},
	{Key: "name_cn", Label: "企业中文名称", Kind: Required, Input: "text", MaxLen: 100},
	{Key: "name_en", Label: "企业英文名称", Kind: Optional, Input: "text", MaxLen: 200},
	{Key: "enterprise_type", Label: "企业类型", Kind: Required, Input: "select", Options: OptionsEnterpriseTypes, Check: checkOption(EnterpriseTypes)},
	{Key: "province", Label: "所在省份", Kind: Required, Input: "select", Options: OptionsProvinces, Check: checkDivisionCode},
	{Key: "city", Label: "所在城市", Kind: Required, Input: "select", Options: OptionsCities, Check: checkDivisionCode},
	{Key: "address", Label: "注册地址", Kind: Required, Input: "text", MaxLen: 200},
	{Key: "postcode", Label: "邮政编码", Kind: Optional, Input: "text", MaxLen: 6, Check: CheckPostcode},
	{Key: "legal_rep_name", Label: "法定代表人（负责人）姓名", Kind: Required, Input: "text", MaxLen: 50},
	{Key: "legal_rep_id_type", Label: "法定代表人证件类型", Kind: Required, Input: "select", Options: OptionsIDTypes, Check: checkOption(IDTypes)},
	{Key: "legal_rep_id_number", Label: "法定代表人证件号码", Kind: Required, Input: "text", MaxLen: 30, Upper: true},
	{Key: "phone", Label: "联系电话", Kind: Required, Input: "tel", MaxLen: 30, Check: CheckPhone},
	{Key: "fax", Label: "传真", Kind: Optional, Input: "tel", MaxLen: 30, Check: CheckPhone},
	{Key: "email", Label: "电子邮箱", Kind: Optional, Input: "email", MaxLen: 100, Check: CheckEmail},
	{Key: "registered_capital", Label: "注册资本（万元）", Kind: Optional, Input: "text", MaxLen: 20, Check: CheckCapital},
	{Key: "established_on", Label: "成立日期", Kind: Optional, Input: "date", Check: CheckPastDate},
	{Key: "business_scope", Label: "经营范围", Kind: Optional, Input: "textarea", MaxLen: 2000},
	{Key: "agent_point", Label: "发卡机构（制卡代理点）", Kind: Required, Input: "select", Options: OptionsAgentPoints, Hint: "按空格选择"},
	{Key: "market_dept", Label: "主管市场监管部门", Kind: Required, Input: "select", Options: OptionsMarketDepts, Hint: "按空格选择"},
	{Key: "tax_dept", Label: "主管税务部门", Kind: Required, Input: "select", Options: OptionsTaxDepts, Hint: "按空格选择"},
}

func checkDivisionCode(s string) error {
	if len(s) != 6 {
		return errorf("请从列表中选择")
	}
	for i := 0; i < 6; i++ {
		if s[i] < '0' || s[i] > '9' {
			return errorf("请从列表中选择")
		}
	}
	return nil
}

// CheckIDNumber checks a legal representative's document number against its
// type: GB 11643 for a resident identity card, 5–30 letters and digits else.
func CheckIDNumber(idType, number string) error {
	if idType == IDTypeResident {
		return ValidateIDCardNumber(number)
	}
	if !idOtherRe.MatchString(number) {
		return errorf("应为5至30位字母或数字")
	}
	return nil
}

// Normalize trims and upper-cases as the form says, and sets the subject
// code from the credit code (it is a system field, never typed).
func (p *LegalPerson) Normalize() {
	v := Values(p)
	LegalPersonForm.Normalize(v)
	SetValues(p, v)
	p.SubjectCode = SubjectCode(p.CreditCode)
}

// Validate checks the filing in the given mode: each field's own rule, then
// the rules between fields. Rules that need reference data (an agent point's
// departments) are the server's, in addition to these.
func (p *LegalPerson) Validate(mode Mode) FieldErrors {
	errs := LegalPersonForm.Validate(Values(p), mode)
	if p.LegalRepIDNumber != "" && p.LegalRepIDType != "" {
		if err := CheckIDNumber(p.LegalRepIDType, p.LegalRepIDNumber); err != nil {
			errs.Add("legal_rep_id_number", "法定代表人证件号码："+err.Error())
		}
	}
	if p.Province != "" && p.City != "" && len(p.City) == 6 && len(p.Province) == 6 && p.City[:2] != p.Province[:2] {
		errs.Add("city", "所在城市：不属于所选省份")
	}
	return errs
}

// LegalPersonRecord is a saved legal-person filing with its system fields.
type LegalPersonRecord struct {
	ID         int64      `json:"id"`
	State      State      `json:"state"`
	Version    int        `json:"version"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	DeclaredAt *time.Time `json:"declared_at,omitempty"`
	// ReturnReason is the reviewer's reason when State is returned.
	ReturnReason string `json:"return_reason,omitempty"`
	LegalPerson
	// Signature is the card signature of the record's latest declaration
	// (X3), when a card holder declared it.
	Signature *RecordSignature `json:"card_signature,omitempty"`
}
