package cardapp

import (
	"crypto/hmac"
	"errors"

	"github.com/emmansun/gmsm/sm3"
)

// unblockLabel separates the unblock cryptogram from any other HMAC made
// with the admin key.
const unblockLabel = "EPORTID-UNBLOCK-V1"

// Admin key sizes.
const (
	AdminKeyMinLen = 16
	AdminKeyMaxLen = 64
)

// UnblockCryptogram computes the response to a card challenge that RESET
// RETRY COUNTER (解锁) accepts:
//
//	HMAC-SM3(adminKey, "EPORTID-UNBLOCK-V1" || cardNumber || 0x00 || challenge || newPIN)
//
// newPIN is empty for P1=01 (reset the counter, keep the PIN). The card
// number binds the cryptogram to one card, the challenge to one attempt,
// and newPIN to the PIN that will be set, so none can be swapped in
// transit. The admin key is held by the issuer (the back end's 解锁 service);
// the card holder never sees it.
func UnblockCryptogram(adminKey []byte, cardNumber string, challenge, newPIN []byte) ([]byte, error) {
	if len(adminKey) < AdminKeyMinLen || len(adminKey) > AdminKeyMaxLen {
		return nil, errors.New("cardapp: admin key must be 16..64 bytes")
	}
	if len(challenge) != ChallengeSize {
		return nil, errors.New("cardapp: challenge must be 16 bytes")
	}
	m := hmac.New(sm3.New, adminKey)
	m.Write([]byte(unblockLabel))
	m.Write([]byte(cardNumber))
	m.Write([]byte{0})
	m.Write(challenge)
	m.Write(newPIN)
	return m.Sum(nil), nil
}
