package model

// Changes (变更, L4–L7): a change is a record of its own, of an approved
// filing, with the same fields as the filing and its own state (X1). The
// approved filing keeps its values until the change is approved; then the
// change's values replace them and the old ones go to the history. Which
// fields are grey differs from the filing's forms (manual 2.1.2–2.4.2).

// withFields returns a copy of form with some fields replaced by key.
func withFields(form Form, repl ...Field) Form {
	out := make(Form, len(form))
	copy(out, form)
	for _, r := range repl {
		for i := range out {
			if out[i].Key == r.Key {
				out[i] = r
			}
		}
	}
	return out
}

// LegalPersonChangeForm is 法人信息变更 (2.1.2): grey fields are filled by
// the system and fixed (the credit code and the subject code cut from it),
// yellow ones required and editable, as in the filing.
var LegalPersonChangeForm = withFields(LegalPersonForm,
	Field{Key: "credit_code", Label: "统一社会信用代码", Kind: System, Input: "text", Hint: "反填审批通过数据，不可修改"},
)

// CommerceChangeForm is 企业商务部资质变更 (2.2.2): the credit code and the
// import-export code are grey, the rest as in the filing.
var CommerceChangeForm = withFields(CommerceForm,
	Field{Key: "credit_code", Label: "统一社会信用代码", Kind: System, Input: "text", Hint: "反填审批通过数据"},
	Field{Key: "imp_exp_code", Label: "进出口企业代码", Kind: System, Input: "text", Hint: "反填审批通过数据"},
)

// CustomsChangeForm is 企业海关资质变更 (2.3.2): only the credit code, the
// unified number and the subject code are grey; the Chinese name and the
// legal representative, grey in the filing, may be changed here.
var CustomsChangeForm = withFields(CustomsForm,
	Field{Key: "name_cn", Label: "企业中文名称", Kind: Required, Input: "text", MaxLen: 100},
	Field{Key: "legal_rep_name", Label: "法人/负责人", Kind: Required, Input: "text", MaxLen: 50},
	Field{Key: "legal_rep_id_type", Label: "法人身份证件类型", Kind: Required, Input: "select", Options: OptionsIDTypes, Check: checkOption(IDTypes)},
	Field{Key: "legal_rep_id_number", Label: "法人身份证号", Kind: Required, Input: "text", MaxLen: 30, Upper: true},
)

// ForexChangeForm is 企业外汇资质变更 (2.4.2): every field is grey; the
// change carries the forex bureau's current record to the filing.
var ForexChangeForm = withFields(ForexForm)
