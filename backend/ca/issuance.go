package ca

import (
	"crypto/hmac"

	"github.com/emmansun/gmsm/sm3"

	"eportid/cardbridge/cardsig"
)

// The CA's part in issuing a card at the agent point (制卡): it signs the
// issuance token the card bridge checks before it personalises a blank
// card, and it derives each card's admin key (for 解锁), so the back end
// keeps no key per card.

// SignIssuance signs an issuance token's payload as the card bridge
// checks it (cardsig.VerifyIssuance): SM2 with SM3 and the default user id
// over "EPORTID-ISSUE-V1" ‖ 0x00 ‖ payload, DER.
func (c *CA) SignIssuance(payload []byte) ([]byte, error) {
	return cardsig.SignIssuance(c.rand, c.key, payload)
}

// AdminKey is the admin key of a card (16 bytes): HMAC-SM3 under a secret
// derived from the CA's key, of "EPORTID-ADMIN-V1" ‖ the card number. The
// card keeps it for UNBLOCK (cardbridge/CARDAPP.md); the back end derives
// it again when it makes an unblock cryptogram.
func (c *CA) AdminKey(cardNumber string) []byte {
	master := sm3.Sum(append([]byte("EPORTID-ADMIN-MASTER-V1\x00"), c.key.D.Bytes()...))
	mac := hmacSM3(master[:], append([]byte("EPORTID-ADMIN-V1"), cardNumber...))
	return mac[:16]
}

func hmacSM3(key, msg []byte) []byte {
	h := hmacNew(key)
	h.Write(msg)
	return h.Sum(nil)
}

func hmacNew(key []byte) interface {
	Write([]byte) (int, error)
	Sum([]byte) []byte
} {
	return hmac.New(sm3.New, key)
}
