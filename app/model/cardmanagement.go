package model

import (
	"fmt"
	"time"
)

// IC card management (企业操作员 IC 卡管理, L9), the enterprise's card
// inquiry (IC 卡综合查询, L10) and the agent point's side of it:
//
//   GET  /api/cards?card_number=&holder=&state=&kind=     → []ManagedCard (legal-person card)
//   GET  /api/cards/{card}                                → ManagedCard
//   GET  /api/cards/{card}/events                         → []CardEvent, oldest first
//   POST /api/cards/{card}/state   CardStateRequest       → ManagedCard (冻结, 解冻, 挂失)
//   POST /api/cards/{card}/unlock  CardUnlockRequest      → CardUnlockAnswer (解锁)
//   POST /api/cards/{card}/extend  CardExtendRequest      → CardExtendAnswer (证书延期)
//   GET  /api/review/cards?…                              → []ManagedCard (the reviewer's agent point)
//   GET  /api/review/cards/{card}/events                  → []CardEvent
//   POST /api/review/cards/{card}/state ReviewCardStateRequest → ManagedCard
//   GET  /ca/eportid.crl                                  → the CA's X.509 v2 CRL (DER, public)
//
// Every action of the legal-person card is signed by it over the
// canonical form below with the card's next event number, so a signature
// is good once and two sessions acting on one card at once cannot both
// win: the second gets 409 conflict.

// Card actions of card management.
const (
	CardActionFrozen   CardAction = "frozen"   // 冻结
	CardActionUnfrozen CardAction = "unfrozen" // 解冻
	CardActionLost     CardAction = "lost"     // 挂失
	CardActionUnlocked CardAction = "unlocked" // 解锁
	CardActionExtended CardAction = "extended" // 证书延期
)

// ManagementLabel is the Chinese name of a card management action; other
// actions have CardAction.Label.
func ManagementLabel(a CardAction) string {
	switch a {
	case CardActionFrozen:
		return "冻结"
	case CardActionUnfrozen:
		return "解冻"
	case CardActionLost:
		return "挂失"
	case CardActionUnlocked:
		return "解锁"
	case CardActionExtended:
		return "证书延期"
	}
	return string(a)
}

// Card states as the API names them (the store's CardState values).
const (
	CardStateActive  = "active"
	CardStateFrozen  = "frozen"
	CardStateLost    = "lost"
	CardStateExpired = "expired"
)

// CardStateLabels are the states' Chinese names, in the order of the
// query's state list.
var CardStateLabels = []struct{ State, Label string }{
	{CardStateActive, "正常"}, {CardStateFrozen, "冻结"}, {CardStateLost, "挂失"}, {CardStateExpired, "证书过期"},
}

// ExtendWindowDays is how long before its certificate's end a card may be
// extended (证书延期); ExpiryWarningDays is from when card login warns
// "还有 N 天到期".
const (
	ExtendWindowDays  = 90
	ExpiryWarningDays = 30
)

// ManagedCard is a card of the enterprise in card management and inquiry.
type ManagedCard struct {
	CardNumber string   `json:"card_number"`
	Kind       CardKind `json:"kind"`
	KindLabel  string   `json:"kind_label"`
	HolderName string   `json:"holder_name"`
	// OperatorID is the operator application's 操作员统一编号 (its record
	// id), 0 for a legal-person card.
	OperatorID int64     `json:"operator_id,omitempty"`
	Serial     string    `json:"serial"` // certificate serial, lower-case hex
	NotBefore  time.Time `json:"not_before"`
	NotAfter   time.Time `json:"not_after"`
	State      string    `json:"state"`
	StateLabel string    `json:"state_label"`
	// Declarant is the customs declarant bound to the card; nil when none.
	Declarant *BoundDeclarant `json:"declarant,omitempty"`
	// Version is the card's event count: an action signs Version + 1.
	Version int `json:"version"`
	// Actions the card's state allows now.
	MayFreeze   bool `json:"may_freeze"`
	MayUnfreeze bool `json:"may_unfreeze"`
	MayLose     bool `json:"may_lose"`
	MayUnlock   bool `json:"may_unlock"`
	MayExtend   bool `json:"may_extend"`
}

// CardStateAction is what a state request does.
type CardStateAction string

// State actions.
const (
	StateFreeze   CardStateAction = "freeze"
	StateUnfreeze CardStateAction = "unfreeze"
	StateLose     CardStateAction = "lose"
)

// Valid reports whether a is a state action.
func (a CardStateAction) Valid() bool {
	return a == StateFreeze || a == StateUnfreeze || a == StateLose
}

// Label is the action's button text.
func (a CardStateAction) Label() string {
	switch a {
	case StateFreeze:
		return "冻结"
	case StateUnfreeze:
		return "解冻"
	case StateLose:
		return "挂失"
	}
	return string(a)
}

// CardStateRequest freezes, unfreezes or reports lost a card, signed by
// the legal-person card over CardStateCanonical(card, Version+1, Action).
type CardStateRequest struct {
	Action        CardStateAction `json:"action"`
	Version       int             `json:"version"`
	CardSignature *CardSignature  `json:"card_signature,omitempty"`
}

// ReviewCardStateRequest is the agent point's state request: a reviewer
// session, a required reason (a card holder who called).
type ReviewCardStateRequest struct {
	Action  CardStateAction `json:"action"`
	Version int             `json:"version"`
	Reason  string          `json:"reason"`
}

// CardUnlockRequest asks for the unblock cryptogram (解锁) of a blocked
// card: the card's challenge (the bridge's unblock, first step) and the
// new PIN, signed by the legal-person card over
// CardUnlockCanonical(card, Version+1) before the card was put in.
type CardUnlockRequest struct {
	Version       int            `json:"version"`
	Challenge     []byte         `json:"challenge"` // 16 bytes
	NewPIN        string         `json:"new_pin"`
	CardSignature *CardSignature `json:"card_signature,omitempty"`
}

// CardUnlockAnswer is the single-use cryptogram for the bridge's unblock,
// second step.
type CardUnlockAnswer struct {
	Cryptogram []byte `json:"cryptogram"`
}

// CardExtendRequest extends a card's certificate (证书延期), signed over
// CardExtendCanonical(card, Version+1).
type CardExtendRequest struct {
	Version       int            `json:"version"`
	CardSignature *CardSignature `json:"card_signature,omitempty"`
}

// CardExtendAnswer is the new certificate (DER), to write to the card
// with the bridge's write_certificate, and the card as it is now.
type CardExtendAnswer struct {
	Certificate []byte      `json:"certificate"`
	Card        ManagedCard `json:"card"`
}

// CardStateCanonical is what the legal-person card signs to change a
// card's state: CanonicalRecord("card_state", 0, version, {card_number,
// action}).
func CardStateCanonical(cardNumber string, version int, action CardStateAction) []byte {
	return CanonicalRecord("card_state", 0, version, Fields{"card_number": cardNumber, "action": string(action)})
}

// CardUnlockCanonical is what the legal-person card signs to unlock a
// card: CanonicalRecord("card_unlock", 0, version, {card_number}).
func CardUnlockCanonical(cardNumber string, version int) []byte {
	return CanonicalRecord("card_unlock", 0, version, Fields{"card_number": cardNumber})
}

// CardExtendCanonical is what the legal-person card signs to extend a
// card's certificate: CanonicalRecord("card_extend", 0, version,
// {card_number}).
func CardExtendCanonical(cardNumber string, version int) []byte {
	return CanonicalRecord("card_extend", 0, version, Fields{"card_number": cardNumber})
}

// ExpiryNotice is the card login's warning for a certificate that ends
// within ExpiryWarningDays of now, "" otherwise.
func ExpiryNotice(notAfter, now time.Time) string {
	left := notAfter.Sub(now)
	if left <= 0 || left > ExpiryWarningDays*24*time.Hour {
		return ""
	}
	days := int((left + 24*time.Hour - 1) / (24 * time.Hour))
	return fmt.Sprintf("该 IC 卡证书还有 %d 天到期（%s），请及时办理证书延期", days, notAfter.Local().Format("2006-01-02"))
}
