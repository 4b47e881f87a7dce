package model

// RegistrationEnterprise is step 1 of no-card registration (R2, 企业基本信息).
type RegistrationEnterprise struct {
	NameCN           string `json:"name_cn"`
	LegalRepName     string `json:"legal_rep_name"`
	CreditCode       string `json:"credit_code"`
	LegalRepIDType   string `json:"legal_rep_id_type"`
	LegalRepIDNumber string `json:"legal_rep_id_number"`
	Province         string `json:"province"`
	City             string `json:"city"`
	Address          string `json:"address"`
	Phone            string `json:"phone"`
}

// RegistrationAdmin is step 2 (管理员帐号信息).
type RegistrationAdmin struct {
	Username        string `json:"username"`
	Password        string `json:"password"`
	PasswordConfirm string `json:"password_confirm"`
	Mobile          string `json:"mobile"`
	Email           string `json:"email"`
}

// RegistrationEnterpriseForm is the field list of step 1; starred fields
// (Required) must be filled before 【下一步】.
var RegistrationEnterpriseForm = Form{
	{Key: "name_cn", Label: "企业中文名称", Kind: Required, Input: "text", MaxLen: 100},
	{Key: "legal_rep_name", Label: "法人（负责人）姓名", Kind: Required, Input: "text", MaxLen: 50},
	{Key: "credit_code", Label: "统一社会信用代码", Kind: Required, Input: "text", MaxLen: 18, Upper: true, Check: ValidateCreditCode, Hint: "18位"},
	{Key: "legal_rep_id_type", Label: "法人证件类型", Kind: Required, Input: "select", Options: OptionsIDTypes, Check: checkOption(IDTypes)},
	{Key: "legal_rep_id_number", Label: "法人证件号码", Kind: Required, Input: "text", MaxLen: 30, Upper: true},
	{Key: "province", Label: "所在省份", Kind: Required, Input: "select", Options: OptionsProvinces, Check: checkDivisionCode},
	{Key: "city", Label: "所在城市", Kind: Optional, Input: "select", Options: OptionsCities, Check: checkDivisionCode},
	{Key: "address", Label: "企业地址", Kind: Optional, Input: "text", MaxLen: 200},
	{Key: "phone", Label: "联系电话", Kind: Required, Input: "tel", MaxLen: 30, Check: CheckPhone},
}

// RegistrationAdminForm is the field list of step 2.
var RegistrationAdminForm = Form{
	{Key: "username", Label: "用户名", Kind: Required, Input: "text", MaxLen: 32, Check: CheckUsername},
	{Key: "password", Label: "密码", Kind: Required, Input: "password", MaxLen: 128, Check: CheckPassword},
	{Key: "password_confirm", Label: "确认密码", Kind: Required, Input: "password", MaxLen: 128},
	{Key: "mobile", Label: "手机号码", Kind: Required, Input: "tel", MaxLen: 11, Check: CheckMobile},
	{Key: "email", Label: "电子邮箱", Kind: Required, Input: "email", MaxLen: 100, Check: CheckEmail},
}

// Validate checks step 1 as 【下一步】 does: every required field and all rules.
func (e *RegistrationEnterprise) Validate() FieldErrors {
	v := Values(e)
	RegistrationEnterpriseForm.Normalize(v)
	SetValues(e, v)
	errs := RegistrationEnterpriseForm.Validate(v, Declare)
	if e.LegalRepIDNumber != "" && e.LegalRepIDType != "" {
		if err := CheckIDNumber(e.LegalRepIDType, e.LegalRepIDNumber); err != nil {
			errs.Add("legal_rep_id_number", "法人证件号码："+err.Error())
		}
	}
	if len(e.Province) == 6 && len(e.City) == 6 && e.City[:2] != e.Province[:2] {
		errs.Add("city", "所在城市：不属于所选省份")
	}
	return errs
}

// Validate checks step 2, including that the two passwords match.
func (a *RegistrationAdmin) Validate() FieldErrors {
	v := Values(a)
	RegistrationAdminForm.Normalize(v)
	// Passwords are taken as typed: no trimming.
	v["password"], v["password_confirm"] = a.Password, a.PasswordConfirm
	SetValues(a, v)
	errs := RegistrationAdminForm.Validate(v, Declare)
	if a.PasswordConfirm != "" && a.Password != a.PasswordConfirm {
		errs.Add("password_confirm", "确认密码：与密码不一致")
	}
	return errs
}

// RegistrationRequest is what 【注册】 sends: both steps at once.
type RegistrationRequest struct {
	Enterprise RegistrationEnterprise `json:"enterprise"`
	Admin      RegistrationAdmin      `json:"admin"`
}

// Validate checks both steps; keys of step 2 are prefixed "admin.".
func (r *RegistrationRequest) Validate() FieldErrors {
	errs := r.Enterprise.Validate()
	for k, v := range r.Admin.Validate() {
		errs["admin."+k] = v
	}
	return errs
}
