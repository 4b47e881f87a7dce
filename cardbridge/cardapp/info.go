package cardapp

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// CardKind is the kind of an eportid IC card.
type CardKind byte

// Card kinds as encoded in tag 83 of the card info.
const (
	KindLegalPerson CardKind = 0x01 // 企业法人卡
	KindOperator    CardKind = 0x02 // 企业操作员卡
)

// String returns the name used in JSON and flags.
func (k CardKind) String() string {
	switch k {
	case KindLegalPerson:
		return "legal_person"
	case KindOperator:
		return "operator"
	}
	return fmt.Sprintf("kind_%02x", byte(k))
}

// ParseCardKind is the inverse of CardKind.String.
func ParseCardKind(s string) (CardKind, error) {
	switch s {
	case "legal_person":
		return KindLegalPerson, nil
	case "operator":
		return KindOperator, nil
	}
	return 0, fmt.Errorf("cardapp: unknown card kind %q (want legal_person or operator)", s)
}

// Tags inside the card info template (tag 70).
const (
	TagCardNumber = 0x80 // ASCII, 1..32 characters
	TagHolderName = 0x81 // UTF-8, 1..64 bytes
	TagCreditCode = 0x82 // ASCII, the enterprise's unified social credit code
	TagCardKind   = 0x83 // 1 byte, CardKind
)

// CardInfo is what GET DATA (tag 70) returns.
type CardInfo struct {
	CardNumber string
	HolderName string
	CreditCode string
	Kind       CardKind
}

// Validate checks the field formats of the card info TLV (the credit code's
// check character is the issuer's business; see softcard for that).
func (i CardInfo) Validate() error {
	if l := len(i.CardNumber); l == 0 || l > 32 || !printableASCII(i.CardNumber) {
		return errors.New("cardapp: card number must be 1..32 printable ASCII characters")
	}
	if l := len(i.HolderName); l == 0 || l > 64 || !utf8.ValidString(i.HolderName) {
		return errors.New("cardapp: holder name must be 1..64 bytes of UTF-8")
	}
	if len(i.CreditCode) != 18 || !printableASCII(i.CreditCode) {
		return errors.New("cardapp: credit code must be 18 ASCII characters")
	}
	if i.Kind != KindLegalPerson && i.Kind != KindOperator {
		return fmt.Errorf("cardapp: unknown card kind %02x", byte(i.Kind))
	}
	return nil
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7E {
			return false
		}
	}
	return true
}

// MarshalTLV encodes i as the BER-TLV template 70 { 80 81 82 83 }.
func (i CardInfo) MarshalTLV() ([]byte, error) {
	if err := i.Validate(); err != nil {
		return nil, err
	}
	var body []byte
	body = appendTLV(body, TagCardNumber, []byte(i.CardNumber))
	body = appendTLV(body, TagHolderName, []byte(i.HolderName))
	body = appendTLV(body, TagCreditCode, []byte(i.CreditCode))
	body = appendTLV(body, TagCardKind, []byte{byte(i.Kind)})
	return appendTLV(nil, InfoTag, body), nil
}

// ParseCardInfo decodes the card info template. Unknown tags inside the
// template are skipped, so later card versions may add fields.
func ParseCardInfo(b []byte) (CardInfo, error) {
	tag, body, rest, err := readTLV(b)
	if err != nil {
		return CardInfo{}, err
	}
	if tag != InfoTag || len(rest) != 0 {
		return CardInfo{}, errors.New("cardapp: card info is not a single tag-70 template")
	}
	var i CardInfo
	seen := map[byte]bool{}
	for len(body) > 0 {
		var v []byte
		tag, v, body, err = readTLV(body)
		if err != nil {
			return CardInfo{}, err
		}
		if seen[tag] {
			return CardInfo{}, fmt.Errorf("cardapp: tag %02x twice in card info", tag)
		}
		seen[tag] = true
		switch tag {
		case TagCardNumber:
			i.CardNumber = string(v)
		case TagHolderName:
			i.HolderName = string(v)
		case TagCreditCode:
			i.CreditCode = string(v)
		case TagCardKind:
			if len(v) != 1 {
				return CardInfo{}, errors.New("cardapp: card kind must be one byte")
			}
			i.Kind = CardKind(v[0])
		}
	}
	if err := i.Validate(); err != nil {
		return CardInfo{}, err
	}
	return i, nil
}

// appendTLV appends a one-byte tag, a BER length and the value.
func appendTLV(b []byte, tag byte, v []byte) []byte {
	b = append(b, tag)
	switch n := len(v); {
	case n < 0x80:
		b = append(b, byte(n))
	case n <= 0xFF:
		b = append(b, 0x81, byte(n))
	default:
		b = append(b, 0x82, byte(n>>8), byte(n))
	}
	return append(b, v...)
}

// readTLV reads a one-byte-tag BER-TLV with a definite length of at most
// two bytes.
func readTLV(b []byte) (tag byte, v, rest []byte, err error) {
	if len(b) < 2 {
		return 0, nil, nil, errors.New("cardapp: truncated TLV")
	}
	tag = b[0]
	if tag&0x1F == 0x1F {
		return 0, nil, nil, fmt.Errorf("cardapp: multi-byte tag %02x not used here", tag)
	}
	n := int(b[1])
	p := 2
	switch {
	case n < 0x80:
	case n == 0x81 && len(b) >= 3:
		n, p = int(b[2]), 3
	case n == 0x82 && len(b) >= 4:
		n, p = int(b[2])<<8|int(b[3]), 4
	default:
		return 0, nil, nil, errors.New("cardapp: bad TLV length")
	}
	if len(b)-p < n {
		return 0, nil, nil, errors.New("cardapp: TLV value runs past the end")
	}
	return tag, b[p : p+n], b[p+n:], nil
}
