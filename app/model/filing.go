package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// FilingKind names one of the four filings (备案) of an enterprise. A change
// (变更) of a filing has the kind of the filing it changes.
type FilingKind string

const (
	FilingLegalPerson FilingKind = "legal_person" // 法人信息 (N1, L4)
	FilingCommerce    FilingKind = "commerce"     // 商务部资质 (N2, L1, L5)
	FilingCustoms     FilingKind = "customs"      // 海关资质 (N3, L2, L6)
	FilingForex       FilingKind = "forex"        // 外汇资质 (N4, L3, L7)
)

// FilingKinds are the four kinds, in menu order.
var FilingKinds = []FilingKind{FilingLegalPerson, FilingCommerce, FilingCustoms, FilingForex}

// QualificationKinds are the three qualification filings, which need a
// declared legal-person filing first.
var QualificationKinds = []FilingKind{FilingCommerce, FilingCustoms, FilingForex}

// Valid reports whether k is one of the four kinds.
func (k FilingKind) Valid() bool {
	switch k {
	case FilingLegalPerson, FilingCommerce, FilingCustoms, FilingForex:
		return true
	}
	return false
}

// Qualification reports whether k is one of the three qualification
// filings (not the legal-person filing).
func (k FilingKind) Qualification() bool {
	return k == FilingCommerce || k == FilingCustoms || k == FilingForex
}

// Label is the filing's name as the manual writes it.
func (k FilingKind) Label() string {
	switch k {
	case FilingLegalPerson:
		return "法人信息"
	case FilingCommerce:
		return "商务部资质"
	case FilingCustoms:
		return "海关资质"
	case FilingForex:
		return "外汇资质"
	}
	return string(k)
}

// FilingLabel is the menu name of the filing: "法人信息备案", "商务部资质备案", …
func (k FilingKind) FilingLabel() string { return k.Label() + "备案" }

// ChangeLabel is the menu name of a change: "法人信息变更", "商务部资质变更", …
func (k FilingKind) ChangeLabel() string { return k.Label() + "变更" }

// Form is the field list of the kind's filing (manual 第五篇 1.1.2–1.4.2,
// 第六篇 1.1.2–1.3.2); nil for an unknown kind.
func (k FilingKind) Form() Form {
	switch k {
	case FilingLegalPerson:
		return LegalPersonForm
	case FilingCommerce:
		return CommerceForm
	case FilingCustoms:
		return CustomsForm
	case FilingForex:
		return ForexForm
	}
	return nil
}

// ChangeForm is the field list of a change of the kind (manual 第六篇
// 2.1.2–2.4.2): which fields are grey differs from the filing's.
func (k FilingKind) ChangeForm() Form {
	switch k {
	case FilingLegalPerson:
		return LegalPersonChangeForm
	case FilingCommerce:
		return CommerceChangeForm
	case FilingCustoms:
		return CustomsChangeForm
	case FilingForex:
		return ForexChangeForm
	}
	return nil
}

// RegistryKeys are the grey fields of the kind that are back-filled from
// the outside registry (the ministry's, customs' or forex bureau's record),
// not from the enterprise's legal-person filing. The server sets them from
// a registry lookup, never from what the page sent (see KeepFields).
func (k FilingKind) RegistryKeys() []string {
	switch k {
	case FilingCommerce:
		return []string{"imp_exp_code"}
	case FilingCustoms:
		return []string{"unified_no"}
	case FilingForex:
		return []string{"classification", "published_on", "bureau_status"}
	}
	return nil
}

// FixedInChange are the keys a change keeps from the approved filing (the
// grey fields of manual 2.1.2–2.4.2 that identify the enterprise). The
// other grey fields of a forex change (classification, published_on,
// bureau_status) are back-filled from the forex bureau anew.
func (k FilingKind) FixedInChange() []string {
	switch k {
	case FilingLegalPerson:
		return []string{"credit_code", "subject_code"}
	case FilingCommerce:
		return []string{"credit_code", "imp_exp_code"}
	case FilingCustoms:
		return []string{"credit_code", "unified_no", "subject_code"}
	case FilingForex:
		return []string{"credit_code", "org_code"}
	}
	return nil
}

// ---- who may do what (SPEC "Who uses it") ----

// MaySave reports whether the role may create and 暂存 a filing of kind k:
// the no-card administrator every kind (the three qualifications as a
// pre-entry, 预录入), the legal-person card holder every kind.
func (r Role) MaySave(k FilingKind) bool {
	switch r {
	case RoleNoCardAdmin, RoleLegalCard:
		return k.Valid()
	}
	return false
}

// MayDeclare reports whether the role may 申报 a filing of kind k: the
// no-card administrator only the legal-person filing (N1); the three
// qualifications only the legal-person card holder (L1–L3).
func (r Role) MayDeclare(k FilingKind) bool {
	switch r {
	case RoleNoCardAdmin:
		return k == FilingLegalPerson
	case RoleLegalCard:
		return k.Valid()
	}
	return false
}

// MayDelete reports whether the role may 删除 a filing of kind k: where it
// may declare it (a pre-entry page offers 暂存 only).
func (r Role) MayDelete(k FilingKind) bool { return r.MayDeclare(k) }

// MayChange reports whether the role may enter, 暂存, 申报 and 删除 a change
// of kind k (L4–L7): the legal-person card holder only.
func (r Role) MayChange(k FilingKind) bool { return r == RoleLegalCard && k.Valid() }

// MayReview reports whether the role approves and returns declarations.
func (r Role) MayReview() bool { return r == RoleReviewer }

// ---- records ----

// RecordRef names one record: a filing or a change, of a kind, by id.
type RecordRef struct {
	Kind   FilingKind `json:"kind"`
	Change bool       `json:"change"`
	ID     int64      `json:"id"`
}

// Name is the record's kind as the audit trail and the canonical form of a
// signature name it: the filing kind, with "_change" for a change
// ("legal_person", "legal_person_change").
func (r RecordRef) Name() string {
	if r.Change {
		return string(r.Kind) + "_change"
	}
	return string(r.Kind)
}

func (r RecordRef) String() string {
	if r.Change {
		return fmt.Sprintf("%s change %d", r.Kind, r.ID)
	}
	return fmt.Sprintf("%s filing %d", r.Kind, r.ID)
}

// RecordMeta is what the system keeps of a filing or a change besides its
// fields.
type RecordMeta struct {
	ID   int64      `json:"id"`
	Kind FilingKind `json:"kind"`
	// Change is set for a change (变更); FilingID is then the filing it
	// changes (for a filing, its own id).
	Change       bool       `json:"change"`
	FilingID     int64      `json:"filing_id"`
	EnterpriseID int64      `json:"enterprise_id"`
	State        State      `json:"state"`
	Version      int        `json:"version"`
	CreatedBy    string     `json:"created_by"`
	UpdatedBy    string     `json:"updated_by"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	DeclaredAt   *time.Time `json:"declared_at,omitempty"`
	// ReturnReason is the reviewer's reason when State is returned.
	ReturnReason string `json:"return_reason,omitempty"`
}

// Ref is the record's reference.
func (m RecordMeta) Ref() RecordRef { return RecordRef{Kind: m.Kind, Change: m.Change, ID: m.ID} }

// Fields is the constraint of the four filings' field types.
type Fields interface {
	LegalPerson | Commerce | Customs | Forex
}

// KindOf is the filing kind of a field type.
func KindOf[F Fields]() FilingKind {
	var f F
	switch any(f).(type) {
	case LegalPerson:
		return FilingLegalPerson
	case Commerce:
		return FilingCommerce
	case Customs:
		return FilingCustoms
	case Forex:
		return FilingForex
	}
	panic("unreachable")
}

// Record is a saved filing or change with its fields. Its JSON is flat:
// the keys of RecordMeta and those of the fields in one object, as
// LegalPersonRecord's.
type Record[F Fields] struct {
	RecordMeta
	Fields F
}

// The records of the three qualification filings and their changes.
type (
	CommerceRecord = Record[Commerce]
	CustomsRecord  = Record[Customs]
	ForexRecord    = Record[Forex]
)

// MarshalJSON writes the meta and the fields as one object.
func (r Record[F]) MarshalJSON() ([]byte, error) { return flatMarshal(r.RecordMeta, r.Fields) }

// UnmarshalJSON reads the object MarshalJSON writes.
func (r *Record[F]) UnmarshalJSON(b []byte) error { return flatUnmarshal(b, &r.RecordMeta, &r.Fields) }

// SaveRequest is the body of 暂存 and 申报 of a filing or change: the fields
// as on screen and the version the page last read (a stale version is
// refused, 409). Its JSON is flat like SaveLegalPerson's.
type SaveRequest[F Fields] struct {
	Version int `json:"version"`
	Fields  F
}

type versionOnly struct {
	Version int `json:"version"`
}

// MarshalJSON writes the version and the fields as one object.
func (r SaveRequest[F]) MarshalJSON() ([]byte, error) {
	return flatMarshal(versionOnly{r.Version}, r.Fields)
}

// UnmarshalJSON reads the object MarshalJSON writes.
func (r *SaveRequest[F]) UnmarshalJSON(b []byte) error {
	var v versionOnly
	if err := flatUnmarshal(b, &v, &r.Fields); err != nil {
		return err
	}
	r.Version = v.Version
	return nil
}

// ReviewDecision is the body of a reviewer's 审批通过 or 退单: the version the
// reviewer read and, to return, the reason the enterprise will see.
type ReviewDecision struct {
	Version int    `json:"version"`
	Reason  string `json:"reason,omitempty"`
}

// flatMarshal writes two structs as one JSON object.
func flatMarshal(a, b any) ([]byte, error) {
	ja, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	jb, err := json.Marshal(b)
	if err != nil {
		return nil, err
	}
	if len(ja) < 2 || len(jb) < 2 || ja[0] != '{' || jb[0] != '{' {
		return nil, fmt.Errorf("model: flat JSON of non-objects")
	}
	if bytes.Equal(jb, []byte("{}")) {
		return ja, nil
	}
	if bytes.Equal(ja, []byte("{}")) {
		return jb, nil
	}
	out := make([]byte, 0, len(ja)+len(jb))
	out = append(out, ja[:len(ja)-1]...)
	out = append(out, ',')
	return append(out, jb[1:]...), nil
}

// flatUnmarshal reads one JSON object into two structs.
func flatUnmarshal(data []byte, a, b any) error {
	if err := json.Unmarshal(data, a); err != nil {
		return err
	}
	return json.Unmarshal(data, b)
}

// ---- the review side ----

// QueueItem is one declaration in a reviewer's queue.
type QueueItem struct {
	RecordMeta
	EnterpriseName string `json:"enterprise_name"`
	CreditCode     string `json:"credit_code"`
}

// ReviewRecord is a declared record as the reviewer sees it: its meta, its
// enterprise, its fields by key and, for a change, the approved filing's
// values it would replace.
type ReviewRecord struct {
	QueueItem
	Fields  map[string]string `json:"fields"`
	Current map[string]string `json:"current,omitempty"`
}

// ---- the audit trail (X4) ----

// AuditAction is what happened to a record.
type AuditAction string

const (
	ActionCreate  AuditAction = "create"  // 新增 (saved as a draft)
	ActionSave    AuditAction = "save"    // 暂存
	ActionDeclare AuditAction = "declare" // 申报
	ActionApprove AuditAction = "approve" // 审批通过
	ActionReturn  AuditAction = "return"  // 退单
	ActionDelete  AuditAction = "delete"  // 删除
	ActionApply   AuditAction = "apply"   // 变更生效: an approved change replaced the filing's values
)

// Label is the action's Chinese name.
func (a AuditAction) Label() string {
	switch a {
	case ActionCreate:
		return "新增"
	case ActionSave:
		return "暂存"
	case ActionDeclare:
		return "申报"
	case ActionApprove:
		return "审批通过"
	case ActionReturn:
		return "退单"
	case ActionDelete:
		return "删除"
	case ActionApply:
		return "变更生效"
	}
	return string(a)
}

// FieldChange is one field's value before and after.
type FieldChange struct {
	Key string `json:"key"`
	Old string `json:"old"`
	New string `json:"new"`
}

// Diff lists the keys of form whose values differ between old and new, in
// the form's order.
func Diff(form Form, old, new map[string]string) []FieldChange {
	var out []FieldChange
	for _, f := range form {
		if o, n := old[f.Key], new[f.Key]; o != n {
			out = append(out, FieldChange{Key: f.Key, Old: o, New: n})
		}
	}
	return out
}

// AuditEntry is one row of the audit trail: who did what to which record,
// when, from which state to which.
type AuditEntry struct {
	ID           int64       `json:"id"`
	At           time.Time   `json:"at"`
	Kind         FilingKind  `json:"kind"`
	Change       bool        `json:"change"`
	RecordID     int64       `json:"record_id"`
	FilingID     int64       `json:"filing_id"`
	EnterpriseID int64       `json:"enterprise_id"`
	Action       AuditAction `json:"action"`
	// FromState is empty for a creation; ToState for a deletion.
	FromState State  `json:"from_state,omitempty"`
	ToState   State  `json:"to_state,omitempty"`
	UserID    int64  `json:"user_id,omitempty"`
	UserName  string `json:"user_name"`
	Role      Role   `json:"role,omitempty"`
	// Fields are the fields that changed.
	Fields []FieldChange `json:"fields,omitempty"`
	// Reason is the reviewer's reason of a return.
	Reason string `json:"reason,omitempty"`
	// Signature and Certificate: the card signature of the operation and
	// the certificate that verified it (X3), where there is one.
	Signature   string `json:"signature,omitempty"`
	Certificate string `json:"certificate,omitempty"`
}

// PastVersion is a filing's values as they were before an approved change
// replaced them.
type PastVersion struct {
	FilingID   int64             `json:"filing_id"`
	Version    int               `json:"version"`
	ChangeID   int64             `json:"change_id"`
	ReplacedAt time.Time         `json:"replaced_at"`
	Fields     map[string]string `json:"fields"`
}
