package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

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
// no-card administrator the kinds with NoCardDeclares (N1); every kind the
// legal-person card holder (L1–L3).
func (r Role) MayDeclare(k FilingKind) bool {
	switch r {
	case RoleNoCardAdmin:
		sp := k.Spec()
		return sp != nil && sp.NoCardDeclares
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

// Record is a saved filing or change with its fields. Its JSON is flat:
// the keys of RecordMeta and those of the fields in one object, with the
// card signature of its current declaration as "card_signature".
type Record struct {
	RecordMeta
	Fields Fields
	// Signature is the card signature of the record's current declaration
	// (X3), when a card holder declared it.
	Signature *RecordSignature
}

// metaKeys are the keys of RecordMeta's JSON and the signature's: never
// field keys.
var metaKeys = map[string]bool{
	"id": true, "kind": true, "change": true, "filing_id": true, "enterprise_id": true, "state": true,
	"version": true, "created_by": true, "updated_by": true, "created_at": true, "updated_at": true,
	"declared_at": true, "return_reason": true, "card_signature": true,
}

// MarshalJSON writes the meta, the fields and the signature as one object.
func (r Record) MarshalJSON() ([]byte, error) {
	out, err := flatMarshal(r.RecordMeta, orEmpty(r.Fields))
	if err != nil || r.Signature == nil {
		return out, err
	}
	return flatMarshal(json.RawMessage(out), struct {
		Signature *RecordSignature `json:"card_signature"`
	}{r.Signature})
}

// UnmarshalJSON reads the object MarshalJSON writes: the meta, then every
// other string value as a field.
func (r *Record) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if err := json.Unmarshal(b, &r.RecordMeta); err != nil {
		return err
	}
	r.Fields = Fields{}
	for k, v := range raw {
		var s string
		if !metaKeys[k] && len(v) > 0 && v[0] == '"' && json.Unmarshal(v, &s) == nil {
			r.Fields[k] = s
		}
	}
	r.Signature = nil
	if v, ok := raw["card_signature"]; ok && string(v) != "null" {
		var sig RecordSignature
		if err := json.Unmarshal(v, &sig); err != nil {
			return err
		}
		r.Signature = &sig
	}
	return nil
}

// SaveRequest is the body of 暂存 and 申报 of a filing or change, and of
// creating one: the fields as on screen, the version the page last read (a
// stale version is refused, 409), for a new change the approved filing it
// changes, and on 申报 by a card holder the card's signature (X3). Its JSON
// is flat: those keys and the fields' in one object.
type SaveRequest struct {
	Version       int            `json:"version"`
	FilingID      int64          `json:"filing_id,omitempty"`
	CardSignature *CardSignature `json:"card_signature,omitempty"`
	Fields        Fields         `json:"-"`
}

type saveMeta struct {
	Version       int            `json:"version"`
	FilingID      int64          `json:"filing_id,omitempty"`
	CardSignature *CardSignature `json:"card_signature,omitempty"`
}

// MarshalJSON writes the request as one object.
func (r SaveRequest) MarshalJSON() ([]byte, error) {
	return flatMarshal(saveMeta{r.Version, r.FilingID, r.CardSignature}, orEmpty(r.Fields))
}

func orEmpty(f Fields) Fields {
	if f == nil {
		return Fields{}
	}
	return f
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
	// CardNumber is, for an operator application, the card issued for it
	// (制卡), once there is one.
	CardNumber string `json:"card_number,omitempty"`
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
	ActionIssue   AuditAction = "issue"   // 制卡: the operator card of an approved application was issued
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
	case ActionIssue:
		return "制卡"
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
