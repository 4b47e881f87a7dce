package model

import (
	"slices"
	"strings"
	"time"
)

// The operator card holder (企业操作员卡) and its authorisation by the
// legal-person card (经法人卡授权登记), and the operation records of a card:
//
//   GET  /api/my-card                                  → MyCard (card sessions)
//   GET  /api/my-card/events                           → []CardEvent, oldest first
//   POST /api/my-card/pin-changed PINChangedRequest    → 204 (after the bridge's change_pin)
//   GET  /api/operator-cards                           → []OperatorCard (legal-person card)
//   PUT  /api/operator-cards/{card}/authorisations CardAuthorisationRequest → OperatorCard
//
// An operator card may 暂存 and 申报 the filing kinds it is authorised for,
// signed by its own card (X3); never a change (变更) nor a deletion. A
// revoked authorisation takes effect at once (the store checks it in the
// transaction of every save and declaration).

// MaySaveAuthorised is MaySave, where the operator card holder may save
// the kinds its card is authorised for.
func (r Role) MaySaveAuthorised(k FilingKind, authorised []FilingKind) bool {
	if r == RoleOperatorCard {
		return Authorisable(k) && slices.Contains(authorised, k)
	}
	return r.MaySave(k)
}

// MayDeclareAuthorised is MayDeclare, where the operator card holder may
// declare the kinds its card is authorised for.
func (r Role) MayDeclareAuthorised(k FilingKind, authorised []FilingKind) bool {
	if r == RoleOperatorCard {
		return Authorisable(k) && slices.Contains(authorised, k)
	}
	return r.MayDeclare(k)
}

// Authorisable reports whether an operator card may be authorised to
// declare filings of kind k: every kind of Kinds but the operator
// applications themselves, which only the legal-person card files.
func Authorisable(k FilingKind) bool { return k.Valid() && k != "operator" }

// AuthorisableKinds are the kinds of Authorisable, in menu order.
func AuthorisableKinds() []FilingKind {
	var out []FilingKind
	for _, k := range FilingKinds {
		if Authorisable(k) {
			out = append(out, k)
		}
	}
	return out
}

// MsgNotAuthorised is the refusal of a filing kind an operator card is not
// authorised for.
func MsgNotAuthorised(k FilingKind) string {
	return "该操作员卡未获授权办理" + k.FilingLabel() + "，请联系企业法人卡持有人在“操作员卡授权”中授权"
}

// CardAction is what happened to a card (its operation records).
type CardAction string

// Card actions.
const (
	CardActionIssued     CardAction = "issued"      // 制卡
	CardActionAuthorised CardAction = "authorised"  // 授权
	CardActionRevoked    CardAction = "revoked"     // 取消授权
	CardActionPINChanged CardAction = "pin_changed" // 修改 PIN
	CardActionBound      CardAction = "bound"       // 报关人员绑定
	CardActionUnbound    CardAction = "unbound"     // 报关人员解绑
)

// Label is the action's Chinese name.
func (a CardAction) Label() string {
	switch a {
	case CardActionIssued:
		return "制卡"
	case CardActionAuthorised:
		return "授权"
	case CardActionRevoked:
		return "取消授权"
	case CardActionPINChanged:
		return "修改 PIN"
	case CardActionBound:
		return "报关人员绑定"
	case CardActionUnbound:
		return "报关人员解绑"
	case CardActionFrozen, CardActionUnfrozen, CardActionLost, CardActionUnlocked, CardActionExtended:
		return ManagementLabel(a)
	}
	return string(a)
}

// CardEvent is one operation record of a card.
type CardEvent struct {
	Seq    int        `json:"seq"`
	At     time.Time  `json:"at"`
	Action CardAction `json:"action"`
	By     string     `json:"by"`
	Role   Role       `json:"role,omitempty"`
	// Signed: the operation was signed with a card (the signature is kept).
	Signed bool   `json:"signed"`
	Detail string `json:"detail,omitempty"`
	// Signature is the card signature (standard base64) in card
	// management's records; empty elsewhere.
	Signature string `json:"signature,omitempty"`
}

// MyCard is the session's own card as its holder sees it.
type MyCard struct {
	CardNumber string    `json:"card_number"`
	Kind       CardKind  `json:"kind"`
	HolderName string    `json:"holder_name"`
	NotAfter   time.Time `json:"not_after"`
	State      string    `json:"state"`
	StateLabel string    `json:"state_label"`
	// Declarant is the customs declarant (报关人员) bound to the card; nil
	// when none is.
	Declarant *BoundDeclarant `json:"declarant,omitempty"`
	// Authorised are the kinds an operator card may declare.
	Authorised []FilingKind `json:"authorised"`
	// Version is the number of the card's events: a signed operation on
	// the card signs the version it makes (Version + 1).
	Version int `json:"version"`
}

// BoundDeclarant is the declarant bound to a card, as the card shows it.
type BoundDeclarant struct {
	Name string `json:"name"`
	No   string `json:"no"` // 报关人员编号
}

// OperatorCard is an operator card of the enterprise as the legal-person
// card holder authorises it.
type OperatorCard struct {
	CardNumber string       `json:"card_number"`
	HolderName string       `json:"holder_name"`
	NotAfter   time.Time    `json:"not_after"`
	State      string       `json:"state"`
	StateLabel string       `json:"state_label"`
	Authorised []FilingKind `json:"authorised"`
	Version    int          `json:"version"`
}

// CardAuthorisationRequest sets the kinds an operator card is authorised
// for (none: every authorisation revoked), signed by the legal-person card
// over CardAuthorisationCanonical(card, Version+1, Kinds). Version is the
// card's OperatorCard.Version as read (a stale one is refused, 409).
type CardAuthorisationRequest struct {
	Version       int            `json:"version"`
	Kinds         []FilingKind   `json:"kinds"`
	CardSignature *CardSignature `json:"card_signature,omitempty"`
}

// PINChangedRequest records that the card's PIN was changed (the bridge's
// change_pin): signed, with the new PIN, over PINChangeCanonical(card,
// Version+1), Version being MyCard.Version as read.
type PINChangedRequest struct {
	Version       int            `json:"version"`
	CardSignature *CardSignature `json:"card_signature,omitempty"`
}

// SortKinds returns the kinds of ks that are Authorisable, once each, in
// menu order.
func SortKinds(ks []FilingKind) []FilingKind {
	out := []FilingKind{}
	for _, k := range AuthorisableKinds() {
		if slices.Contains(ks, k) {
			out = append(out, k)
		}
	}
	return out
}

// KindLabels are the filing labels of ks joined by "、" ("商务部资质备案、海关资质备案").
func KindLabels(ks []FilingKind) string {
	l := make([]string, len(ks))
	for i, k := range ks {
		l[i] = k.FilingLabel()
	}
	return strings.Join(l, "、")
}

// CardAuthorisationCanonical is what the legal-person card signs to set an
// operator card's authorisations: CanonicalRecord("card_authorisation", 0,
// version, {card_number, kinds}) with the kinds in menu order, joined by
// ",".
func CardAuthorisationCanonical(cardNumber string, version int, kinds []FilingKind) []byte {
	ks := SortKinds(kinds)
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return CanonicalRecord("card_authorisation", 0, version, Fields{"card_number": cardNumber, "kinds": strings.Join(s, ",")})
}

// PINChangeCanonical is what a card signs, with its new PIN, to record the
// change of its PIN: CanonicalRecord("card_pin_change", 0, version,
// {card_number}).
func PINChangeCanonical(cardNumber string, version int) []byte {
	return CanonicalRecord("card_pin_change", 0, version, Fields{"card_number": cardNumber})
}
