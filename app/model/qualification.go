package model

import (
	"regexp"
)

// The three qualification filings (资质备案): commerce (商务部, N2/L1),
// customs (海关, N3/L2) and forex (外汇, N4/L3). Each is one record per
// enterprise, entered as a pre-entry (预录入, 暂存 only) by the no-card
// administrator or from scratch by the legal-person card holder, who
// declares it. Grey fields are filled by the system: from the enterprise's
// declared legal-person filing (FillFromLegalPerson) or from the outside
// registry's record (FilingKind.RegistryKeys).

// ForexStatus is the state of an enterprise's record at the forex bureau.
type ForexStatus string

const (
	ForexNormal    ForexStatus = "normal"    // 正常
	ForexCancelled ForexStatus = "cancelled" // 注销
	ForexRevoked   ForexStatus = "revoked"   // 吊销
)

// Label is the state's Chinese name.
func (s ForexStatus) Label() string {
	switch s {
	case ForexNormal:
		return "正常"
	case ForexCancelled:
		return "注销"
	case ForexRevoked:
		return "吊销"
	}
	return string(s)
}

// Valid reports whether s is a known state.
func (s ForexStatus) Valid() bool {
	return s == ForexNormal || s == ForexCancelled || s == ForexRevoked
}

// Blocks reports whether the state forbids the forex filing (注销, 吊销).
func (s ForexStatus) Blocks() bool { return s == ForexCancelled || s == ForexRevoked }

// Names of the static option lists of the qualification forms.
const (
	OptionsOperatorTypes  = "operator-types"
	OptionsForexClasses   = "forex-classes"
	OptionsForexStatuses  = "forex-statuses"
	OptionsCustomsOffices = OptionsCustoms // 主管海关 / 备案海关: the customs districts
)

// OperatorTypes are the kinds of foreign-trade operator (经营者类型) of the
// commerce ministry's filing form.
var OperatorTypes = []Option{
	{"1", "国有企业"},
	{"2", "集体企业"},
	{"3", "外商投资企业"},
	{"4", "私营企业"},
	{"5", "个体工商户"},
	{"6", "个人独资企业"},
	{"7", "合伙企业"},
	{"8", "外国（地区）企业常驻代表机构"},
	{"9", "其他"},
}

// ForexClasses are the classes of the forex bureau's classification of
// enterprises in goods trade (货物贸易外汇管理企业分类).
var ForexClasses = []Option{
	{"A", "A类"},
	{"B", "B类"},
	{"C", "C类"},
}

// ForexStatuses are the states of a record at the forex bureau.
var ForexStatuses = []Option{
	{string(ForexNormal), "正常"},
	{string(ForexCancelled), "注销"},
	{string(ForexRevoked), "吊销"},
}

// StaticOptions returns the option lists that live in this package, by
// the Options* name of a field; nil for the lists the server serves
// (agent points, departments, divisions, customs districts).
func StaticOptions(name string) []Option {
	switch name {
	case OptionsIDTypes:
		return IDTypes
	case OptionsEnterpriseTypes:
		return EnterpriseTypes
	case OptionsOperatorTypes:
		return OperatorTypes
	case OptionsForexClasses:
		return ForexClasses
	case OptionsForexStatuses:
		return ForexStatuses
	}
	return nil
}

var (
	customsDistrictRe = regexp.MustCompile(`^[0-9]{4}$`)
	customsRegNoRe    = regexp.MustCompile(`^[0-9]{4}[0-9A-Z]{6}$`)
	authorityCodeRe   = regexp.MustCompile(`^[0-9A-Z]{1,20}$`)
	residentLikeRe    = regexp.MustCompile(`^[0-9]{17}[0-9X]$`)
)

// CheckCustomsDistrict: a 4-digit customs district code (关区代码), chosen
// from the list; the server checks that it is in the list.
func CheckCustomsDistrict(s string) error {
	if !customsDistrictRe.MatchString(s) {
		return errorf("请从列表中选择")
	}
	return nil
}

// CheckCustomsRegNo: the 10-character customs registration number
// (海关注册编号): 4 digits of the administrative division, then 6 digits or
// capital letters.
func CheckCustomsRegNo(s string) error {
	if len(s) != 10 {
		return errorf("应为10位，现为%d位", len([]rune(s)))
	}
	if !customsRegNoRe.MatchString(s) {
		return errorf("前4位应为数字（行政区划），后6位为数字或大写字母")
	}
	return nil
}

// CheckAnyIDNumber checks a document number of unknown type: one that looks
// like a resident identity number (17 digits and a digit or X) against
// GB 11643, any other as 5–30 letters and digits.
func CheckAnyIDNumber(s string) error {
	if residentLikeRe.MatchString(s) {
		return ValidateIDCardNumber(s)
	}
	if !idOtherRe.MatchString(s) {
		return errorf("应为18位居民身份证号码，或5至30位字母或数字")
	}
	return nil
}

func checkAuthorityCode(s string) error {
	if !authorityCodeRe.MatchString(s) {
		return errorf("应为1至20位数字或大写字母")
	}
	return nil
}

// CommerceForm is the field list of manual 1.2.2 (and 第六篇 1.1.2), in
// screen order. The manual marks only which fields are editable; the
// required ones are those the ministry's filing form cannot do without.
var CommerceForm = Form{
	{Key: "credit_code", Label: "统一社会信用代码", Kind: System, Input: "text", Hint: "由系统反填"},
	{Key: "imp_exp_code", Label: "进出口企业代码", Kind: System, Input: "text", Hint: "根据商务部资质备案反填"},
	{Key: "name_cn", Label: "企业中文名称", Kind: Required, Input: "text", MaxLen: 100},
	{Key: "name_en", Label: "企业英文名称", Kind: Optional, Input: "text", MaxLen: 200},
	{Key: "address_cn", Label: "企业中文地址", Kind: Required, Input: "text", MaxLen: 200},
	{Key: "address_en", Label: "企业英文地址", Kind: Optional, Input: "text", MaxLen: 300},
	{Key: "legal_rep_name", Label: "法人/负责人", Kind: Required, Input: "text", MaxLen: 50},
	{Key: "legal_rep_id_number", Label: "证件号码", Kind: Required, Input: "text", MaxLen: 30, Upper: true, Check: CheckAnyIDNumber},
	{Key: "approval_no", Label: "最新批准文号", Kind: Optional, Input: "text", MaxLen: 50},
	{Key: "authority_code", Label: "主管机关代码", Kind: Optional, Input: "text", MaxLen: 20, Upper: true, Check: checkAuthorityCode},
	{Key: "email", Label: "电子邮箱", Kind: Optional, Input: "email", MaxLen: 100, Check: CheckEmail},
	{Key: "phone", Label: "电话", Kind: Required, Input: "tel", MaxLen: 30, Check: CheckPhone},
	{Key: "fax", Label: "传真", Kind: Optional, Input: "tel", MaxLen: 30, Check: CheckPhone},
	{Key: "operator_type", Label: "经营者类型", Kind: Required, Input: "select", Options: OptionsOperatorTypes, Check: checkOption(OperatorTypes)},
	{Key: "business_registration", Label: "工商注册信息", Kind: Optional, Input: "text", MaxLen: 200},
	{Key: "first_approved_on", Label: "最早批准日期", Kind: Optional, Input: "date", Check: CheckPastDate},
}

// CustomsForm is the field list of manual 1.3.2 (and 第六篇 1.2.2).
var CustomsForm = Form{
	{Key: "credit_code", Label: "统一社会信用代码", Kind: System, Input: "text", Hint: "由系统自动反填"},
	{Key: "unified_no", Label: "统一编号", Kind: System, Input: "text", Hint: "由系统自动反填"},
	{Key: "subject_code", Label: "主体识别码", Kind: System, Input: "text", Hint: "由系统自动反填"},
	{Key: "name_cn", Label: "企业中文名称", Kind: System, Input: "text", Hint: "由系统自动反填"},
	{Key: "name_en", Label: "企业英文名称", Kind: Optional, Input: "text", MaxLen: 200},
	{Key: "supervising_customs", Label: "主管海关", Kind: Required, Input: "select", Options: OptionsCustoms, Check: CheckCustomsDistrict, Hint: "按空格选择"},
	{Key: "filing_customs", Label: "备案海关", Kind: Required, Input: "select", Options: OptionsCustoms, Check: CheckCustomsDistrict, Hint: "按空格选择"},
	{Key: "legal_rep_name", Label: "法人/负责人", Kind: System, Input: "text", Hint: "由系统自动反填"},
	{Key: "legal_rep_id_type", Label: "法人身份证件类型", Kind: System, Input: "select", Options: OptionsIDTypes, Hint: "由系统自动反填"},
	{Key: "legal_rep_id_number", Label: "法人身份证号", Kind: System, Input: "text", Hint: "由系统自动反填"},
	{Key: "customs_reg_no", Label: "海关注册编号", Kind: Required, Input: "text", MaxLen: 10, Upper: true, Check: CheckCustomsRegNo, Hint: "10位"},
}

// ForexForm is the field list of manual 1.4.2 (and 第六篇 1.3.2), plus the
// state of the forex bureau's record that L3 needs.
var ForexForm = Form{
	{Key: "credit_code", Label: "统一社会信用代码", Kind: System, Input: "text", Hint: "由系统自动反填"},
	{Key: "org_code", Label: "组织机构代码", Kind: System, Input: "text", Hint: "由系统自动反填"},
	{Key: "classification", Label: "外汇局企业分类结果", Kind: System, Input: "select", Options: OptionsForexClasses, Hint: "根据外汇管理局备案信息反填"},
	{Key: "published_on", Label: "分类名单发布日期", Kind: System, Input: "date", Hint: "由系统自动反填"},
	{Key: "bureau_status", Label: "外汇局备案状态", Kind: System, Input: "select", Options: OptionsForexStatuses, Hint: "由系统自动反填"},
}

// The grey fields the qualification filings take from the declared
// legal-person filing (manual 1.2.2–1.4.2).
var (
	fillCreditCode = Fill{Key: "credit_code", From: FromLegalPerson}
	fillSubject    = Fill{Key: "subject_code", From: FromCreditCode}
)

var commerceKind = &KindSpec{
	Kind:       FilingCommerce,
	Label:      "商务部资质",
	Form:       CommerceForm,
	ChangeForm: CommerceChangeForm,
	Fills:      []Fill{fillCreditCode},
	// Where the ministry has no record, the form starts from the declared
	// legal-person filing, as the customs filing's grey fields do.
	Proposals: []Fill{
		{Key: "name_cn", From: FromLegalPerson}, {Key: "name_en", From: FromLegalPerson},
		{Key: "address_cn", From: FromLegalPerson, Of: "address"},
		{Key: "legal_rep_name", From: FromLegalPerson}, {Key: "legal_rep_id_number", From: FromLegalPerson},
		{Key: "email", From: FromLegalPerson}, {Key: "phone", From: FromLegalPerson}, {Key: "fax", From: FromLegalPerson},
	},
	FixedInChange:    []string{"credit_code", "imp_exp_code"},
	Registry:         "商务部",
	RegistrySystem:   "商务部资质备案系统",
	RegistryKeys:     []string{"imp_exp_code"},
	NeedsLegalPerson: true,
	MenuLabel:        "企业商务部资质备案",
	ChangeMenuLabel:  "企业商务部资质变更",
	PrintTitle:       "企业商务部资质备案表",
	ListKeys:         []string{"credit_code", "name_cn"},
}

var customsKind = &KindSpec{
	Kind:       FilingCustoms,
	Label:      "海关资质",
	Form:       CustomsForm,
	ChangeForm: CustomsChangeForm,
	Fills: []Fill{fillCreditCode, fillSubject,
		{Key: "name_cn", From: FromLegalPerson},
		{Key: "legal_rep_name", From: FromLegalPerson},
		{Key: "legal_rep_id_type", From: FromLegalPerson},
		{Key: "legal_rep_id_number", From: FromLegalPerson},
	},
	FixedInChange:    []string{"credit_code", "unified_no", "subject_code"},
	Registry:         "海关",
	RegistrySystem:   "海关通用资质备案系统",
	RegistryKeys:     []string{"unified_no"},
	NeedsLegalPerson: true,
	Rules:            customsRules,
	MenuLabel:        "企业海关资质备案",
	ChangeMenuLabel:  "企业海关资质变更",
	PrintTitle:       "企业海关资质备案表",
	ListKeys:         []string{"credit_code", "name_cn"},
}

// customsRules: in a change (2.3.2) the legal representative is editable,
// and the document number is checked against its type.
func customsRules(v Fields, change bool, mode Mode, errs FieldErrors) {
	if change {
		checkIDPair(CustomsChangeForm, v, "legal_rep_id_type", "legal_rep_id_number", errs)
	}
}

var forexKind = &KindSpec{
	Kind:       FilingForex,
	Label:      "外汇资质",
	Form:       ForexForm,
	ChangeForm: ForexChangeForm,
	Fills:      []Fill{fillCreditCode, {Key: "org_code", From: FromCreditCode}},
	// The enterprise confirms what the forex bureau holds: the
	// classification and the bureau's state are carried anew in a change.
	FixedInChange:    []string{"credit_code", "org_code"},
	Registry:         "外汇管理局",
	RegistrySystem:   "外汇管理局备案系统",
	RegistryKeys:     []string{"classification", "published_on", "bureau_status"},
	RegistryRequired: true,
	NeedsLegalPerson: true,
	Blocked:          forexBlocked,
	MenuLabel:        "企业外汇资质备案",
	ChangeMenuLabel:  "企业外汇资质变更",
	PrintTitle:       "企业外汇资质备案表",
	ListKeys:         []string{"credit_code", "classification"},
}

// forexBlocked: a record the forex bureau cancelled (注销) or revoked (吊销)
// blocks the forex filing (L3).
func forexBlocked(v Fields) string {
	if st := ForexStatus(v["bureau_status"]); st.Blocks() {
		return ForexBlockedMessage(st)
	}
	return ""
}

// ForexBlockedMessage is why a forex filing in the bureau's state st is
// refused.
func ForexBlockedMessage(st ForexStatus) string {
	return "企业在外汇管理局的备案为“" + st.Label() + "”状态，不能办理外汇资质备案或变更"
}
