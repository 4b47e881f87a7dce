package model

import "time"

// This file holds the JSON shapes of the card side of the API (SPEC P1, R3, X3):
// card login (P1), card registration (R3), the card session's presence
// report and the card signature of a declaration (X3).
//
//   GET    /api/card/config                  → CardConfig (public)
//   POST   /api/card-login/begin             → CardLoginBegin (a nonce for one attempt)
//   POST   /api/card-login/finish CardLoginProof → Session (sets the cookie)
//   POST   /api/card-registrations CardRegistrationRequest → 201 Accepted (有卡注册)
//   POST   /api/card-session/presence CardPresence → 204 (the card is still in the reader)
//
// The page gets the nonce from begin, has the card bridge sign it
// (sign_login, with the PIN the user typed) and sends the bridge's answer
// to finish. Byte strings are standard base64, as encoding/json writes
// []byte and as the bridge sends them.

// CardKind is the kind of an IC card, as the bridge and the CA name it.
type CardKind string

// Card kinds.
const (
	CardLegalPerson CardKind = "legal_person" // 企业法人卡
	CardOperator    CardKind = "operator"     // 企业操作员卡
)

// Label is the kind's Chinese name.
func (k CardKind) Label() string {
	switch k {
	case CardLegalPerson:
		return "法人卡"
	case CardOperator:
		return "操作员卡"
	}
	return string(k)
}

// CardConfig tells the page where the card bridge is and how often a card
// session reports the card's presence.
type CardConfig struct {
	// BridgeURL is the bridge's websocket, e.g. "ws://127.0.0.1:34567".
	BridgeURL string `json:"bridge_url"`
	// Origin is the origin card logins are bound to (the server's own); a
	// page at another origin cannot log in with a card.
	Origin string `json:"origin"`
	// PresenceEvery is how often (seconds) a card session's page must
	// report that the card is still in the reader; PresenceTimeout is how
	// long (seconds) the server waits before it ends the session.
	PresenceEvery   int `json:"presence_every"`
	PresenceTimeout int `json:"presence_timeout"`
}

// CardLoginBegin is the answer of POST /api/card-login/begin: a single-use
// nonce (valid until ExpiresAt) for the login attempt Attempt.
type CardLoginBegin struct {
	Attempt   string    `json:"attempt"`
	Nonce     string    `json:"nonce"` // base64url, 32 bytes; the card signs the raw bytes
	ExpiresAt time.Time `json:"expires_at"`
}

// CardLoginProof finishes a card login: the attempt and nonce of begin and
// the bridge's sign_login result.
type CardLoginProof struct {
	Attempt     string `json:"attempt"`
	Nonce       string `json:"nonce"`
	Certificate []byte `json:"certificate"` // DER
	Signature   []byte `json:"signature"`   // DER SEQUENCE {r, s}
}

// CardRegistrationRequest is 有卡注册 (R3): a login proof of a legal-person
// card (PIN and signed nonce prove possession). The enterprise's identity
// (credit code) comes from the card's certificate; NameCN is needed only
// when the enterprise is new and the certificate names none.
type CardRegistrationRequest struct {
	CardLoginProof
	NameCN string `json:"name_cn,omitempty"`
}

// CardPresence is the page's periodic report that the session's card is
// in the reader: the card number the bridge read from it.
type CardPresence struct {
	CardNumber string `json:"card_number"`
}

// CardSignature is what a card holder sends with a declaration (申报): the
// bridge's sign result over SignedDigest(CanonicalRecord(kind, id,
// version+1, fields)), version being the one the page read (the declared
// record has version+1) and fields the normalized values it declares.
type CardSignature struct {
	Signature   []byte `json:"signature"`   // DER SEQUENCE {r, s}
	Certificate []byte `json:"certificate"` // DER, the signer's
}

// RecordSignature is the verified card signature of a record, as the page
// shows it (已签名).
type RecordSignature struct {
	Action     AuditAction `json:"action"`  // declare
	Version    int         `json:"version"` // the version that was signed
	CardNumber string      `json:"card_number"`
	CardKind   CardKind    `json:"card_kind"`
	HolderName string      `json:"holder_name"`
	CertSerial string      `json:"cert_serial"`
	SignedAt   time.Time   `json:"signed_at"`
	// Verified: the server checked the stored signature again, when it
	// read the record, against the record's current fields.
	Verified bool `json:"verified"`
	// CardStateAtSigning and CardStateNow are the signing card's state
	// (正常, 冻结, 挂失, …) when it signed and now: a signature made before
	// a freeze or loss stays valid.
	CardStateAtSigning string `json:"card_state_at_signing,omitempty"`
	CardStateNow       string `json:"card_state_now,omitempty"`
}
