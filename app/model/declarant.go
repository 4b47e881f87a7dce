package model

import (
	"fmt"
	"regexp"
	"time"
)

// Customs declarants (报关人员) and their binding to operator cards (SPEC
// L11). Customs keeps the declarants of each enterprise (name, ID number,
// 报关人员编号, the enterprise's credit code, state); the legal-person card
// holder binds a declarant to one of the enterprise's operator cards when
// the declarant is the card's holder (same name and ID number) and of the
// same enterprise. A card has at most one declarant, a declarant at most
// one card. Each 绑定 and 解绑 is signed by the legal-person card over
// CanonicalRecord(KindDeclarantBinding, enterpriseID, version,
// BindingFields(...)) and kept in the binding log.
//
// HTTP API (legal-person card holder only; another enterprise's cards
// and bindings are never shown, a card of another enterprise is 404):
//
//	GET  /api/declarants           → DeclarantOverview
//	POST /api/declarants/bind      BindRequest   → DeclarantOverview
//	POST /api/declarants/unbind    UnbindRequest → DeclarantOverview
//	GET  /api/declarants/log[?card_number=N] → []BindingEvent, oldest first
//
// A bind that breaks a rule is 409 "declarant_mismatch" with a message
// naming the rule; a stale Version is 409 "conflict"; customs' registry not
// answering is 503 "registry_unavailable" (the list still answers 200 with
// RegistryMessage set).

// KindDeclarantBinding names a binding's signature in the canonical form.
const KindDeclarantBinding = "declarant_binding"

// ErrDeclarantMismatch refuses a binding that breaks one of its rules.
const ErrDeclarantMismatch = "declarant_mismatch"

// DeclarantState is the state customs gives a declarant.
type DeclarantState string

// Declarant states.
const (
	DeclarantNormal    DeclarantState = "normal"    // 正常
	DeclarantCancelled DeclarantState = "cancelled" // 注销
)

// Valid reports whether s is a declarant state.
func (s DeclarantState) Valid() bool { return s == DeclarantNormal || s == DeclarantCancelled }

// Label is the state's Chinese name.
func (s DeclarantState) Label() string {
	switch s {
	case DeclarantNormal:
		return "正常"
	case DeclarantCancelled:
		return "注销"
	}
	return string(s)
}

// Declarant is customs' record of a declarant.
type Declarant struct {
	DeclarantNo string         `json:"declarant_no"` // 报关人员编号
	Name        string         `json:"name"`
	IDType      string         `json:"id_type"` // as IDTypes; IDTypeResident mostly
	IDNumber    string         `json:"id_number"`
	CreditCode  string         `json:"credit_code"` // the enterprise's
	State       DeclarantState `json:"state"`
}

var declarantNoRe = regexp.MustCompile(`^[0-9A-Z]{6,20}$`)

// Check reports what is wrong with a declarant record as a registry
// answers it (a registry answer that fails is not a record).
func (d Declarant) Check() error {
	if !declarantNoRe.MatchString(d.DeclarantNo) {
		return fmt.Errorf("报关人员编号 %q: 应为6至20位数字或大写字母", d.DeclarantNo)
	}
	if d.Name == "" {
		return fmt.Errorf("报关人员 %s: 没有姓名", d.DeclarantNo)
	}
	if err := CheckIDNumber(d.IDType, d.IDNumber); err != nil {
		return fmt.Errorf("报关人员 %s: 证件号码: %v", d.DeclarantNo, err)
	}
	if err := ValidateCreditCode(d.CreditCode); err != nil {
		return fmt.Errorf("报关人员 %s: 统一社会信用代码: %v", d.DeclarantNo, err)
	}
	if !d.State.Valid() {
		return fmt.Errorf("报关人员 %s: 状态 %q", d.DeclarantNo, d.State)
	}
	return nil
}

// OperatorCardBinding is an operator card of the enterprise with its bound
// declarant, if any.
type OperatorCardBinding struct {
	CardNumber string `json:"card_number"`
	HolderName string `json:"holder_name"`
	State      string `json:"state"` // the card's state: active, frozen, lost, expired
	StateLabel string `json:"state_label"`
	// Declarant is the bound declarant as customs recorded it when bound
	// (what 解绑 signs), or nil.
	Declarant *Declarant `json:"declarant,omitempty"`
}

// DeclarantOverview is what the binding page shows: customs' declarants of
// the enterprise, its operator cards with their bindings, and the version
// the next 绑定 or 解绑 signs.
type DeclarantOverview struct {
	EnterpriseID int64                 `json:"enterprise_id"` // what the canonical form's id is
	Declarants   []Declarant           `json:"declarants"`
	Cards        []OperatorCardBinding `json:"cards"`
	Version      int                   `json:"version"`
	// RegistryMessage says why customs' declarants could not be listed.
	RegistryMessage string `json:"registry_message,omitempty"`
}

// BindRequest is 【绑定】.
type BindRequest struct {
	CardNumber    string         `json:"card_number"`
	DeclarantNo   string         `json:"declarant_no"`
	Version       int            `json:"version"`
	CardSignature *CardSignature `json:"card_signature"`
}

// UnbindRequest is 【解绑】.
type UnbindRequest struct {
	CardNumber    string         `json:"card_number"`
	Version       int            `json:"version"`
	CardSignature *CardSignature `json:"card_signature"`
}

// Binding actions.
const (
	BindingBind   = "bind"   // 绑定
	BindingUnbind = "unbind" // 解绑
)

// BindingActionLabel is the Chinese name of a binding action.
func BindingActionLabel(a string) string {
	switch a {
	case BindingBind:
		return "绑定"
	case BindingUnbind:
		return "解绑"
	}
	return a
}

// BindingFields are the fields a 绑定 or 解绑 signs: the action, the card
// and the declarant as customs records it.
func BindingFields(action, cardNumber string, d Declarant) map[string]string {
	return map[string]string{
		"action": action, "card_number": cardNumber, "declarant_no": d.DeclarantNo,
		"name": d.Name, "id_type": d.IDType, "id_number": d.IDNumber, "credit_code": d.CreditCode,
	}
}

// BindingCanonical is the canonical form a 绑定 or 解绑 of the enterprise
// at version signs.
func BindingCanonical(enterpriseID int64, version int, action, cardNumber string, d Declarant) []byte {
	return CanonicalRecord(KindDeclarantBinding, enterpriseID, version, BindingFields(action, cardNumber, d))
}

// BindingEvent is one row of the binding log.
type BindingEvent struct {
	ID            int64     `json:"id"`
	Version       int       `json:"version"`
	At            time.Time `json:"at"`
	Action        string    `json:"action"` // BindingBind or BindingUnbind
	CardNumber    string    `json:"card_number"`
	DeclarantNo   string    `json:"declarant_no"`
	DeclarantName string    `json:"declarant_name"`
	UserName      string    `json:"user_name"`
	SignerCard    string    `json:"signer_card"` // the legal-person card that signed
	Signed        bool      `json:"signed"`
}
