package model

import "strings"

// A kind of filing (备案) is declared once, in Kinds: its label, its forms
// (the filing's and a change's), which grey fields the system fills and
// from where, which outside registry back-fills it, which rules gate it,
// and its print title. The pages, the HTTP API, the store and the
// registries read this table; adding a kind is one entry here, one
// migration (its two tables and, with a registry, the registry's table) and
// its special rules (Rules, Blocked), nothing else.
//
// A record's fields are a Fields map keyed by the form's keys (the JSON
// names and the table's column names).

// FilingKind names one kind of filing. A change (变更) of a filing has the
// kind of the filing it changes.
type FilingKind string

const (
	FilingLegalPerson FilingKind = "legal_person" // 法人信息 (N1, L4)
	FilingCommerce    FilingKind = "commerce"     // 商务部资质 (N2, L1, L5)
	FilingCustoms     FilingKind = "customs"      // 海关资质 (N3, L2, L6)
	FilingForex       FilingKind = "forex"        // 外汇资质 (N4, L3, L7)
)

// Fields are a record's values by field key. Every value is a string, so a
// form, its JSON and its table share one set of keys.
type Fields map[string]string

// Clone copies f.
func (f Fields) Clone() Fields {
	out := make(Fields, len(f))
	for k, v := range f {
		out[k] = v
	}
	return out
}

// Source is where the system takes a grey field's value from.
type Source int

const (
	// FromEnterprise: the enterprise's registered value of the same key
	// (the credit code it registered with, or its card's certificate).
	FromEnterprise Source = iota + 1
	// FromCreditCode: the subject (organization) code cut from the
	// record's credit code (GB 32100-2015 characters 9–17).
	FromCreditCode
	// FromLegalPerson: the enterprise's declared legal-person filing's
	// field Of.
	FromLegalPerson
	// FromFiling: the field Of of the enterprise's filing of kind Filing,
	// where it has one ("" otherwise).
	FromFiling
	// FromConst: the value Of.
	FromConst
)

// Fill says where one field's value comes from: Source, and for
// FromLegalPerson the legal-person filing's key Of (the same key when
// empty).
type Fill struct {
	Key    string
	From   Source
	Of     string
	Filing FilingKind // for FromFiling
}

func (f Fill) of() string {
	if f.Of == "" {
		return f.Key
	}
	return f.Of
}

// KindSpec is everything the system knows of one kind of filing.
type KindSpec struct {
	Kind FilingKind
	// Label is the filing's name as the manual writes it ("法人信息").
	Label string
	// Form and ChangeForm are the field lists of the filing and of a
	// change (manual 第五篇 1.x.2, 第六篇 1.x.2 and 2.x.2), in screen order.
	Form, ChangeForm Form
	// Fills are the grey fields of the filing the system sets whatever
	// the page sent (the registry's are RegistryKeys).
	Fills []Fill
	// Proposals are editable fields a new filing starts from, taken from
	// the declared legal-person filing where the registry has no record
	// (the user may change them).
	Proposals []Fill
	// CardFixed are fields a card holder cannot type: they come from the
	// card's certificate (the enterprise, FromEnterprise), grey for a card
	// session, checked against the enterprise for the others.
	CardFixed []string
	// FixedInChange are the grey fields a change keeps from the approved
	// filing.
	FixedInChange []string
	// Registry names the outside registry that back-fills the kind ("" for
	// none); RegistryKeys are the grey fields it fills, looked up again on
	// every save. RegistryRequired: with no record in the registry there
	// is nothing to file (every field is the registry's).
	Registry         string
	RegistrySystem   string // the registry's name in messages: "商务部资质备案系统"
	RegistryKeys     []string
	RegistryRequired bool
	// NeedsLegalPerson: refused until the enterprise's legal-person filing
	// was declared (N2–N4).
	NeedsLegalPerson bool
	// NoCardDeclares: the no-card administrator may declare (and delete)
	// it (N1); otherwise its page is a pre-entry (预录入, 暂存 only) and
	// only the legal-person card holder declares it.
	NoCardDeclares bool
	// Many: an enterprise has many records of the kind (operator
	// applications), not one; UniqueKey, when set, is the field that at
	// most one of them may hold a value of (one application per person).
	Many      bool
	UniqueKey string
	// NoChanges: the kind has no 变更 (no changes table, no change pages).
	NoChanges bool
	// Rules are the rules between fields (X2), beyond each field's own;
	// they add to errs.
	Rules func(v Fields, change bool, mode Mode, errs FieldErrors)
	// Blocked says why the record's values forbid the filing at all (a
	// forex record the bureau cancelled); "" when they do not.
	Blocked func(v Fields) string
	// MenuLabel and ChangeMenuLabel are the menu entries' (and tabs')
	// names of the filing and of a change, as the manual writes them;
	// PreMenuLabel the no-card pre-entry's (MenuLabel + "（预录入）" when
	// empty). MenuGroup and PreMenuGroup are their menu groups ("企业备案"
	// when empty).
	MenuLabel, ChangeMenuLabel, PreMenuLabel string
	MenuGroup, PreMenuGroup                  string
	// PrintTitle is the title of the printed record (打印).
	PrintTitle string
	// ListKeys are the fields shown in the query list besides the state;
	// QueryKeys the text fields the query can be narrowed by (查询条件).
	ListKeys, QueryKeys []string
}

// Kinds are the kinds of filing, in menu order.
var Kinds = []*KindSpec{legalPersonKind, commerceKind, customsKind, forexKind, operatorKind}

// FilingKinds are the kinds, in menu order.
var FilingKinds = func() []FilingKind {
	out := make([]FilingKind, len(Kinds))
	for i, sp := range Kinds {
		out[i] = sp.Kind
	}
	return out
}()

// Spec is the kind's entry in Kinds; nil for an unknown kind.
func (k FilingKind) Spec() *KindSpec {
	for _, sp := range Kinds {
		if sp.Kind == k {
			return sp
		}
	}
	return nil
}

// Valid reports whether k is a kind of Kinds.
func (k FilingKind) Valid() bool { return k.Spec() != nil }

// Label is the filing's name as the manual writes it; the kind itself when
// unknown.
func (k FilingKind) Label() string {
	if sp := k.Spec(); sp != nil {
		return sp.Label
	}
	return string(k)
}

// FilingLabel is the menu name of the filing: "法人信息备案", "商务部资质备案", …
func (k FilingKind) FilingLabel() string { return k.Label() + "备案" }

// ChangeLabel is the menu name of a change: "法人信息变更", "商务部资质变更", …
func (k FilingKind) ChangeLabel() string { return k.Label() + "变更" }

// MenuKey is the kind as menu keys and page ids write it ("legal-person").
func (k FilingKind) MenuKey() string { return strings.ReplaceAll(string(k), "_", "-") }

// Form is the field list of the kind's filing (change false) or of a
// change; nil for an unknown kind.
func (sp *KindSpec) FormOf(change bool) Form {
	if change {
		return sp.ChangeForm
	}
	return sp.Form
}

// FormFor is the form as a user of role sees it: for a card holder the
// CardFixed fields are grey (they come from the card's certificate).
func (sp *KindSpec) FormFor(change bool, role Role) Form {
	form := sp.FormOf(change)
	if change || !role.Card() || len(sp.CardFixed) == 0 {
		return form
	}
	out := make(Form, len(form))
	copy(out, form)
	for i := range out {
		if contains(sp.CardFixed, out[i].Key) {
			out[i].Kind, out[i].Check, out[i].Hint = System, nil, "由 IC 卡证书确定"
		}
	}
	return out
}

// Keys are the field keys of the kind (those of its filing form).
func (sp *KindSpec) Keys() []string {
	out := make([]string, len(sp.Form))
	for i, f := range sp.Form {
		out[i] = f.Key
	}
	return out
}

// ChangeRegistryKeys are the registry's fields in a change: those not
// fixed from the approved filing (the forex bureau's classification and
// state are carried anew).
func (sp *KindSpec) ChangeRegistryKeys() []string {
	var out []string
	for _, k := range sp.RegistryKeys {
		if !contains(sp.FixedInChange, k) {
			out = append(out, k)
		}
	}
	return out
}

// RegistryKeysOf are the registry's fields of a filing or a change.
func (sp *KindSpec) RegistryKeysOf(change bool) []string {
	if change {
		return sp.ChangeRegistryKeys()
	}
	return sp.RegistryKeys
}

// Normalize returns the kind's fields of v, every one present, trimmed and
// upper-cased as the form says, with the codes cut from the credit code.
func (sp *KindSpec) Normalize(v Fields, change bool) Fields {
	out := make(Fields, len(sp.Form))
	for _, f := range sp.Form {
		out[f.Key] = v[f.Key]
	}
	sp.FormOf(change).Normalize(out)
	for _, f := range sp.Fills {
		switch f.From {
		case FromCreditCode:
			out[f.Key] = SubjectCode(out["credit_code"])
		case FromConst:
			out[f.Key] = f.Of
		}
	}
	return out
}

// Validate checks the fields of a filing (change false) or a change in
// mode (X2): each field's own rule, then the kind's rules between fields.
// Grey fields are the system's and not checked. v should be normalized.
func (sp *KindSpec) Validate(v Fields, change bool, role Role, mode Mode) FieldErrors {
	errs := sp.FormFor(change, role).Validate(v, mode)
	if sp.Rules != nil {
		sp.Rules(v, change, mode, errs)
	}
	return errs
}

// FillFromLegalPerson sets the grey fields taken from the declared
// legal-person filing lp, and the codes cut from the credit code.
func (sp *KindSpec) FillFromLegalPerson(v, lp Fields) {
	for _, f := range sp.Fills {
		if f.From == FromLegalPerson {
			v[f.Key] = lp[f.of()]
		}
	}
	for _, f := range sp.Fills {
		if f.From == FromCreditCode {
			v[f.Key] = SubjectCode(v["credit_code"])
		}
	}
}

// FillFromFilings sets the grey fields taken from the enterprise's other
// filings: filing returns the fields of its filing of a kind (nil where it
// has none).
func (sp *KindSpec) FillFromFilings(v Fields, filing func(FilingKind) Fields) {
	for _, f := range sp.Fills {
		if f.From == FromFiling {
			v[f.Key] = filing(f.Filing)[f.of()]
		}
	}
}

// PreLabel is the no-card pre-entry's menu name.
func (sp *KindSpec) PreLabel() string {
	if sp.PreMenuLabel != "" {
		return sp.PreMenuLabel
	}
	return sp.MenuLabel + "（预录入）"
}

// Group is the menu group of the filing (pre false) or of the pre-entry.
func (sp *KindSpec) Group(pre bool) string {
	switch {
	case pre && sp.PreMenuGroup != "":
		return sp.PreMenuGroup
	case sp.MenuGroup != "":
		return sp.MenuGroup
	}
	return "企业备案"
}

// Propose sets the empty Proposals fields of v from the declared
// legal-person filing lp.
func (sp *KindSpec) Propose(v, lp Fields) {
	for _, f := range sp.Proposals {
		if v[f.Key] == "" {
			v[f.Key] = lp[f.of()]
		}
	}
}

// BlockedMessage is why the values forbid the filing, or "".
func (sp *KindSpec) BlockedMessage(v Fields) string {
	if sp.Blocked == nil {
		return ""
	}
	return sp.Blocked(v)
}

// Keep sets the fields of dst named by keys to src's values (missing ones
// to ""): the way the system keeps grey fields as it filled them.
func Keep(dst, src Fields, keys []string) {
	for _, k := range keys {
		dst[k] = src[k]
	}
}

// NoRegistryRecordMessage is why a kind with RegistryRequired cannot be
// filed when its registry has no record of the enterprise.
func (sp *KindSpec) NoRegistryRecordMessage() string {
	return sp.RegistrySystem + "中没有本企业的备案信息，无需也无法办理" + sp.Kind.FilingLabel() + "。如有疑问，请联系" + sp.Registry + "。"
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
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

// Form is the kind's filing form; nil for an unknown kind.
func (k FilingKind) Form() Form {
	if sp := k.Spec(); sp != nil {
		return sp.Form
	}
	return nil
}

// ChangeForm is the kind's change form; nil for an unknown kind.
func (k FilingKind) ChangeForm() Form {
	if sp := k.Spec(); sp != nil {
		return sp.ChangeForm
	}
	return nil
}
