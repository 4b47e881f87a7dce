package protocol

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// IssuanceToken is what the server (the CA) allows one personalisation
// with: the card info to write, the origin of the review console that may
// write it, and an expiry. On the wire it is
//
//	base64url(payload) "." base64url(signature)      (no padding)
//
// payload being the JSON of the token and signature the CA's SM2
// signature (SM3, default user id) over cardsig.IssuanceMessage(payload).
// The bridge checks the signature under its configured CA certificate
// (cardsig.VerifyIssuance), that Origin is the page's origin, that it has
// not expired, and that no write has used its ID before.
type IssuanceToken struct {
	ID         string `json:"id"`
	CardNumber string `json:"card_number"`
	HolderName string `json:"holder_name"`
	CreditCode string `json:"credit_code"`
	Kind       string `json:"kind"` // operator | legal_person
	Origin     string `json:"origin"`
	Expires    int64  `json:"expires"` // unix seconds
}

// MaxTokenLen caps an issuance token on the wire, in characters.
const MaxTokenLen = 2048

var tokenKeys = []string{"id", "card_number", "holder_name", "credit_code", "kind", "origin", "expires"}

// Validate checks the fields' formats (the same rules as the card info
// TLV: card number 1..32 printable ASCII, holder name 1..64 bytes of
// UTF-8, credit code 18 printable ASCII characters, kind operator or
// legal_person), an id of 1..64 printable ASCII characters, an origin and
// a positive expiry.
func (t IssuanceToken) Validate() error {
	switch {
	case !validID(t.ID):
		return fmt.Errorf("token id must be 1 to %d printable ASCII characters", MaxIDLen)
	case len(t.CardNumber) == 0 || len(t.CardNumber) > 32 || !printable(t.CardNumber):
		return errors.New("token card_number must be 1 to 32 printable ASCII characters")
	case len(t.HolderName) == 0 || len(t.HolderName) > 64 || !utf8.ValidString(t.HolderName):
		return errors.New("token holder_name must be 1 to 64 bytes of UTF-8")
	case len(t.CreditCode) != 18 || !printable(t.CreditCode):
		return errors.New("token credit_code must be 18 ASCII characters")
	case t.Kind != "operator" && t.Kind != "legal_person":
		return errors.New("token kind must be operator or legal_person")
	case t.Origin == "" || len(t.Origin) > 256 || !printable(t.Origin):
		return errors.New("token origin must be a page origin")
	case t.Expires <= 0:
		return errors.New("token expires must be a positive unix time")
	}
	return nil
}

// Expired reports whether now is at or after the token's expiry.
func (t IssuanceToken) Expired(now time.Time) bool { return now.Unix() >= t.Expires }

// Payload is the token's JSON, the bytes the CA signs (through
// cardsig.IssuanceMessage).
func (t IssuanceToken) Payload() ([]byte, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	return json.Marshal(t)
}

// EncodeIssuanceToken builds the wire form from a payload and its
// signature.
func EncodeIssuanceToken(payload, sig []byte) string {
	return base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// ParseIssuanceToken splits and decodes a token's wire form and checks its
// payload strictly (a JSON object with exactly the token's field names,
// each once; valid fields). It does not check the signature, the origin
// or the expiry: the bridge does, with the payload and signature returned.
func ParseIssuanceToken(s string) (tok IssuanceToken, payload, sig []byte, err error) {
	if s == "" {
		return IssuanceToken{}, nil, nil, errors.New("no issuance token")
	}
	if len(s) > MaxTokenLen {
		return IssuanceToken{}, nil, nil, fmt.Errorf("issuance token over %d characters", MaxTokenLen)
	}
	p, sg, ok := strings.Cut(s, ".")
	if !ok || strings.Contains(sg, ".") {
		return IssuanceToken{}, nil, nil, errors.New("issuance token is not payload.signature")
	}
	if payload, err = base64.RawURLEncoding.Strict().DecodeString(p); err != nil || len(payload) == 0 {
		return IssuanceToken{}, nil, nil, errors.New("issuance token payload is not unpadded base64url")
	}
	if sig, err = base64.RawURLEncoding.Strict().DecodeString(sg); err != nil || len(sig) == 0 {
		return IssuanceToken{}, nil, nil, errors.New("issuance token signature is not unpadded base64url")
	}
	if !json.Valid(payload) {
		return IssuanceToken{}, nil, nil, errors.New("issuance token payload is not JSON")
	}
	if err := checkKeys(payload, "issuance token", tokenKeys...); err != nil {
		return IssuanceToken{}, nil, nil, err
	}
	if err := strictDecode(bytes.NewReader(payload), &tok); err != nil {
		return IssuanceToken{}, nil, nil, fmt.Errorf("issuance token: %v", err)
	}
	if err := tok.Validate(); err != nil {
		return IssuanceToken{}, nil, nil, err
	}
	return tok, payload, sig, nil
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7E {
			return false
		}
	}
	return true
}
