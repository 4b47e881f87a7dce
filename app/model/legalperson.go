package model

import "regexp"

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

// checkIDPair checks a document number against its type, where both are
// filled: the rule between the two fields.
func checkIDPair(form Form, v Fields, typeKey, numberKey string, errs FieldErrors) {
	n, t := v[numberKey], v[typeKey]
	if n == "" || t == "" {
		return
	}
	if err := CheckIDNumber(t, n); err != nil {
		f, _ := form.Field(numberKey)
		errs.Add(numberKey, f.Label+"："+err.Error())
	}
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

var legalPersonKind = &KindSpec{
	Kind:       FilingLegalPerson,
	Label:      "法人信息",
	Form:       LegalPersonForm,
	ChangeForm: LegalPersonChangeForm,
	Fills:      []Fill{{Key: "subject_code", From: FromCreditCode}},
	// The card holder's enterprise is the one in the card's certificate.
	CardFixed:       []string{"credit_code"},
	NoCardDeclares:  true,
	FixedInChange:   []string{"credit_code", "subject_code"},
	Rules:           legalPersonRules,
	MenuLabel:       "法人信息录入",
	ChangeMenuLabel: "法人信息变更",
	PrintTitle:      "企业法人信息备案表",
	ListKeys:        []string{"credit_code", "name_cn"},
}

// legalPersonRules are the rules between the legal-person filing's fields:
// the representative's document number by its type, the city in the
// province. Rules that need reference data (an agent point's departments,
// the registered credit code) are the server's, in addition to these.
func legalPersonRules(v Fields, change bool, mode Mode, errs FieldErrors) {
	checkIDPair(LegalPersonForm, v, "legal_rep_id_type", "legal_rep_id_number", errs)
	if p, c := v["province"], v["city"]; len(p) == 6 && len(c) == 6 && c[:2] != p[:2] {
		errs.Add("city", "所在城市：不属于所选省份")
	}
}
