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

// Commerce is the commerce-ministry qualification filing (manual 1.2.2).
type Commerce struct {
	CreditCode           string `json:"credit_code"`           // 统一社会信用代码, grey
	ImpExpCode           string `json:"imp_exp_code"`          // 进出口企业代码, grey (registry)
	NameCN               string `json:"name_cn"`               // 企业中文名称
	NameEN               string `json:"name_en"`               // 企业英文名称
	AddressCN            string `json:"address_cn"`            // 企业中文地址
	AddressEN            string `json:"address_en"`            // 企业英文地址
	LegalRepName         string `json:"legal_rep_name"`        // 法人/负责人
	LegalRepIDNumber     string `json:"legal_rep_id_number"`   // 证件号码
	ApprovalNo           string `json:"approval_no"`           // 最新批准文号
	AuthorityCode        string `json:"authority_code"`        // 主管机关代码
	Email                string `json:"email"`                 // 电子邮箱
	Phone                string `json:"phone"`                 // 电话
	Fax                  string `json:"fax"`                   // 传真
	OperatorType         string `json:"operator_type"`         // 经营者类型
	BusinessRegistration string `json:"business_registration"` // 工商注册信息
	FirstApprovedOn      string `json:"first_approved_on"`     // 最早批准日期
}

// Customs is the customs qualification filing (manual 1.3.2).
type Customs struct {
	CreditCode         string `json:"credit_code"`         // 统一社会信用代码, grey
	UnifiedNo          string `json:"unified_no"`          // 统一编号, grey (registry)
	SubjectCode        string `json:"subject_code"`        // 主体识别码, grey
	NameCN             string `json:"name_cn"`             // 企业中文名称, grey
	NameEN             string `json:"name_en"`             // 企业英文名称
	SupervisingCustoms string `json:"supervising_customs"` // 主管海关 (关区代码)
	FilingCustoms      string `json:"filing_customs"`      // 备案海关 (关区代码)
	LegalRepName       string `json:"legal_rep_name"`      // 法人/负责人, grey
	LegalRepIDType     string `json:"legal_rep_id_type"`   // 法人身份证件类型, grey
	LegalRepIDNumber   string `json:"legal_rep_id_number"` // 法人身份证号, grey
	CustomsRegNo       string `json:"customs_reg_no"`      // 海关注册编号, 10 characters
}

// Forex is the forex qualification filing (manual 1.4.2). Every field is
// grey: the enterprise confirms what the forex bureau holds and declares.
type Forex struct {
	CreditCode     string `json:"credit_code"`    // 统一社会信用代码, grey
	OrgCode        string `json:"org_code"`       // 组织机构代码, grey
	Classification string `json:"classification"` // 外汇局企业分类结果, grey (registry)
	PublishedOn    string `json:"published_on"`   // 分类名单发布日期, grey (registry)
	// BureauStatus is the state of the enterprise's record at the forex
	// bureau (registry); 注销 or 吊销 blocks the filing (L3).
	BureauStatus string `json:"bureau_status"`
}

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

// Normalize trims and upper-cases as the form says.
func (c *Commerce) Normalize() { normalize(CommerceForm, c) }

// Validate checks the filing in the given mode (X2).
func (c *Commerce) Validate(mode Mode) FieldErrors { return CommerceForm.Validate(Values(c), mode) }

// ValidateChange checks a change (2.2.2) in the given mode.
func (c *Commerce) ValidateChange(mode Mode) FieldErrors {
	return CommerceChangeForm.Validate(Values(c), mode)
}

// FillFromLegalPerson sets the grey fields the system takes from the
// enterprise's legal-person filing: the credit code.
func (c *Commerce) FillFromLegalPerson(lp LegalPerson) { c.CreditCode = lp.CreditCode }

// Normalize trims and upper-cases as the form says and derives the subject
// code from the credit code.
func (c *Customs) Normalize() {
	normalize(CustomsChangeForm, c)
	c.SubjectCode = SubjectCode(c.CreditCode)
}

// Validate checks the filing in the given mode (X2).
func (c *Customs) Validate(mode Mode) FieldErrors { return CustomsForm.Validate(Values(c), mode) }

// ValidateChange checks a change (2.3.2): the legal representative and the
// Chinese name are editable there, and the document number is checked
// against its type.
func (c *Customs) ValidateChange(mode Mode) FieldErrors {
	errs := CustomsChangeForm.Validate(Values(c), mode)
	if c.LegalRepIDNumber != "" && c.LegalRepIDType != "" {
		if err := CheckIDNumber(c.LegalRepIDType, c.LegalRepIDNumber); err != nil {
			errs.Add("legal_rep_id_number", "法人身份证号："+err.Error())
		}
	}
	return errs
}

// FillFromLegalPerson sets the grey fields the system takes from the
// enterprise's legal-person filing: credit code, subject code, Chinese
// name and the legal representative.
func (c *Customs) FillFromLegalPerson(lp LegalPerson) {
	c.CreditCode = lp.CreditCode
	c.SubjectCode = SubjectCode(lp.CreditCode)
	c.NameCN = lp.NameCN
	c.LegalRepName = lp.LegalRepName
	c.LegalRepIDType = lp.LegalRepIDType
	c.LegalRepIDNumber = lp.LegalRepIDNumber
}

// Normalize trims the values and derives the organization code from the
// credit code.
func (f *Forex) Normalize() {
	normalize(ForexForm, f)
	f.OrgCode = SubjectCode(f.CreditCode)
}

// Validate checks the filing: every field is grey, so only the forex
// bureau's state can be wrong (注销 or 吊销 block the filing, L3).
func (f *Forex) Validate(mode Mode) FieldErrors {
	errs := ForexForm.Validate(Values(f), mode)
	if st := ForexStatus(f.BureauStatus); st.Blocks() {
		errs.Add("bureau_status", "外汇局备案状态：企业在外汇管理局的备案为"+st.Label()+"状态，不能办理外汇资质备案")
	}
	return errs
}

// ValidateChange checks a change (2.4.2) like the filing.
func (f *Forex) ValidateChange(mode Mode) FieldErrors { return f.Validate(mode) }

// FillFromLegalPerson sets the credit code and the organization code cut
// from it.
func (f *Forex) FillFromLegalPerson(lp LegalPerson) {
	f.CreditCode = lp.CreditCode
	f.OrgCode = SubjectCode(lp.CreditCode)
}

// normalize trims and upper-cases the fields of rec as form says.
func normalize(form Form, rec any) {
	v := Values(rec)
	form.Normalize(v)
	SetValues(rec, v)
}

// ---- the four kinds through one door, for code written once for all ----

// NormalizeFields normalizes the fields of any filing or change.
func NormalizeFields[F Fields](f *F) {
	switch p := any(f).(type) {
	case *LegalPerson:
		p.Normalize()
	case *Commerce:
		p.Normalize()
	case *Customs:
		p.Normalize()
	case *Forex:
		p.Normalize()
	}
}

// ValidateFields checks a filing (change false) or a change (change true)
// of any kind in the given mode.
func ValidateFields[F Fields](f *F, change bool, mode Mode) FieldErrors {
	switch p := any(f).(type) {
	case *LegalPerson:
		errs := p.Validate(mode)
		if change {
			// The credit code is grey in a change (kept from the filing).
			delete(errs, "credit_code")
		}
		return errs
	case *Commerce:
		if change {
			return p.ValidateChange(mode)
		}
		return p.Validate(mode)
	case *Customs:
		if change {
			return p.ValidateChange(mode)
		}
		return p.Validate(mode)
	case *Forex:
		if change {
			return p.ValidateChange(mode)
		}
		return p.Validate(mode)
	}
	return FieldErrors{}
}

// FillFromLegalPerson sets the grey fields of a qualification filing that
// the system takes from the enterprise's legal-person filing; a
// legal-person filing is left as it is.
func FillFromLegalPerson[F Fields](f *F, lp LegalPerson) {
	switch p := any(f).(type) {
	case *Commerce:
		p.FillFromLegalPerson(lp)
	case *Customs:
		p.FillFromLegalPerson(lp)
	case *Forex:
		p.FillFromLegalPerson(lp)
	}
}

// KeepFields sets the fields of dst named by keys to src's values: the
// server's way to keep grey fields as the system filled them whatever the
// page sent, e.g. KeepFields(&sent, fromRegistry, kind.RegistryKeys()).
func KeepFields[F Fields](dst *F, src F, keys []string) {
	sv := Values(&src)
	dv := Values(dst)
	for _, k := range keys {
		if v, ok := sv[k]; ok {
			dv[k] = v
		}
	}
	SetValues(dst, dv)
}

// EditableKeys are the keys of form that the user fills (not grey).
func EditableKeys(form Form) []string {
	var out []string
	for _, f := range form {
		if f.Kind != System {
			out = append(out, f.Key)
		}
	}
	return out
}

// SystemKeys are the grey keys of form.
func SystemKeys(form Form) []string {
	var out []string
	for _, f := range form {
		if f.Kind == System {
			out = append(out, f.Key)
		}
	}
	return out
}
