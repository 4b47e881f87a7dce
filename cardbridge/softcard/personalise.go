package softcard

import (
	"crypto/elliptic"

	"github.com/emmansun/gmsm/sm2"

	"eportid/cardbridge/cardapp"
)

// The personalisation commands of a blank card (CARDAPP.md, "Blank card and
// personalisation"). Each change is stored before the answer, so a card
// pulled half way keeps what it was given so far and can be finished, or
// begun again, later. On a personalised card they answer 69 86, except
// reading the public key.

// lifeCycle is GET DATA 8A: the ISO 7816-4 life cycle status byte.
func (c *Card) lifeCycle(cmd cardapp.Command) []byte {
	if len(cmd.Data) != 0 {
		return sw(cardapp.SWWrongLength)
	}
	lcs := byte(cardapp.LifeCyclePersonalised)
	if c.blank {
		lcs = cardapp.LifeCycleBlank
	}
	return c.respond(cmd, []byte{lcs})
}

// generateKeyPair: P1=80 makes a new SM2 key pair on the card (dropping a
// certificate written for an earlier one) and returns 04 || X || Y; P1=81
// returns the public key made before (6A 88 if none).
func (c *Card) generateKeyPair(cmd cardapp.Command) []byte {
	if cmd.P2 != 0 || (cmd.P1 != cardapp.P1KeyGenerate && cmd.P1 != cardapp.P1KeyRead) {
		return sw(cardapp.SWIncorrectP1P2)
	}
	if len(cmd.Data) != 0 {
		return sw(cardapp.SWWrongLength)
	}
	if cmd.P1 == cardapp.P1KeyGenerate {
		if !c.blank {
			return sw(cardapp.SWNotAllowed)
		}
		k, err := sm2.GenerateKey(c.rand)
		if err != nil {
			return sw(cardapp.SWNoPreciseDiagnosis)
		}
		oldKey, oldCert := c.key, c.cert
		c.key, c.cert = k, nil
		if err := c.save(); err != nil {
			c.key, c.cert = oldKey, oldCert
			return sw(cardapp.SWMemoryFailure)
		}
	}
	if c.key == nil {
		return sw(cardapp.SWRefDataNotFound)
	}
	// The uncompressed point, 04 || X || Y.
	pub := elliptic.Marshal(c.key.Curve, c.key.X, c.key.Y)
	return c.respond(cmd, pub)
}

// putData: P2=70 stores the card info (a TLV 70 as GET CARD INFO returns),
// P2=71 the admin key (16..64 bytes).
func (c *Card) putData(cmd cardapp.Command) []byte {
	if cmd.P1 != 0 || (cmd.P2 != cardapp.InfoTag && cmd.P2 != cardapp.P2AdminKey) {
		return sw(cardapp.SWIncorrectP1P2)
	}
	if !c.blank {
		return sw(cardapp.SWNotAllowed)
	}
	if cmd.Ne != 0 {
		return sw(cardapp.SWWrongLength)
	}
	if cmd.P2 == cardapp.InfoTag {
		info, err := cardapp.ParseCardInfo(cmd.Data)
		if err != nil {
			return sw(cardapp.SWIncorrectData)
		}
		old, oldSet := c.info, c.infoSet
		c.info, c.infoSet = info, true
		if err := c.save(); err != nil {
			c.info, c.infoSet = old, oldSet
			return sw(cardapp.SWMemoryFailure)
		}
		return sw(cardapp.SWOK)
	}
	if l := len(cmd.Data); l < cardapp.AdminKeyMinLen || l > cardapp.AdminKeyMaxLen {
		return sw(cardapp.SWIncorrectData)
	}
	old := c.adminKey
	c.adminKey = append([]byte(nil), cmd.Data...)
	if err := c.save(); err != nil {
		c.adminKey = old
		return sw(cardapp.SWMemoryFailure)
	}
	return sw(cardapp.SWOK)
}

// putCertificate writes a chunk of the certificate at offset P1-P2 (15
// bits). Offset 0 starts the certificate anew; any other offset must be
// where the last chunk ended (6B 00 otherwise), so the certificate is
// written front to back in one pass.
func (c *Card) putCertificate(cmd cardapp.Command) []byte {
	if cmd.P1&cardapp.P1ReplaceCertificate != 0 {
		return c.putNewCertificate(cmd)
	}
	if !c.blank {
		return sw(cardapp.SWNotAllowed)
	}
	if len(cmd.Data) == 0 || cmd.Ne != 0 {
		return sw(cardapp.SWWrongLength)
	}
	off := int(cmd.P1)<<8 | int(cmd.P2)
	cur := c.cert
	if off == 0 {
		cur = nil
	}
	if off != len(cur) {
		return sw(cardapp.SWWrongP1P2)
	}
	if off+len(cmd.Data) > cardapp.MaxCertSize {
		return sw(cardapp.SWIncorrectData)
	}
	old := c.cert
	c.cert = append(append([]byte(nil), cur...), cmd.Data...)
	if err := c.save(); err != nil {
		c.cert = old
		return sw(cardapp.SWMemoryFailure)
	}
	return sw(cardapp.SWOK)
}

// activate finalises personalisation with the initial PIN: it needs the
// key pair, the card info, the admin key and a complete certificate of the
// card's own public key (69 85 when one is missing, 6A 80 for a
// certificate of another key or a malformed PIN). The retry counter starts
// at its maximum; from then on the card is personalised.
func (c *Card) activate(cmd cardapp.Command) []byte {
	if cmd.P1 == cardapp.P1InstallCertificate && cmd.P2 == cardapp.P2PIN {
		return c.installCertificate(cmd)
	}
	if cmd.P1 != 0 || cmd.P2 != cardapp.P2PIN {
		return sw(cardapp.SWIncorrectP1P2)
	}
	if !c.blank {
		return sw(cardapp.SWNotAllowed)
	}
	if cmd.Ne != 0 {
		return sw(cardapp.SWWrongLength)
	}
	if !cardapp.ValidPIN(cmd.Data) {
		return sw(cardapp.SWIncorrectData)
	}
	if c.key == nil || !c.infoSet || c.adminKey == nil || len(c.cert) == 0 {
		return sw(cardapp.SWConditionsNotSatisfy)
	}
	if certifiesKey(c.cert, c.key) != nil {
		return sw(cardapp.SWIncorrectData)
	}
	if err := c.setPIN(cmd.Data); err != nil {
		return sw(cardapp.SWNoPreciseDiagnosis)
	}
	c.triesLeft = c.maxTries
	c.blank = false
	if err := c.save(); err != nil {
		c.blank = true
		c.pinSalt, c.pinHash = nil, nil
		return sw(cardapp.SWMemoryFailure)
	}
	c.verified = false
	return sw(cardapp.SWOK)
}

// Replacing the certificate of a personalised card (证书延期, CARDAPP.md
// "Replacing the certificate"): with the PIN verified in this session, PUT
// CERTIFICATE with P1 bit 8 set writes the new certificate into a session
// buffer (front to back, as on a blank card), and INSTALL CERTIFICATE
// (80 44 01 81) puts it in place of the stored one if it certifies the
// card's own key. A reset drops a half-written replacement; the stored
// certificate changes only at INSTALL.

func (c *Card) putNewCertificate(cmd cardapp.Command) []byte {
	if c.blank {
		return sw(cardapp.SWRefDataNotFound)
	}
	if len(cmd.Data) == 0 || cmd.Ne != 0 {
		return sw(cardapp.SWWrongLength)
	}
	if !c.verified {
		return sw(cardapp.SWSecurityNotSatisfied)
	}
	off, data := int(cmd.P1&^cardapp.P1ReplaceCertificate)<<8|int(cmd.P2), cmd.Data
	cur := c.newCert
	if off == 0 {
		cur = nil
	}
	if off != len(cur) {
		return sw(cardapp.SWWrongP1P2)
	}
	if off+len(data) > cardapp.MaxCertSize {
		return sw(cardapp.SWIncorrectData)
	}
	c.newCert = append(append([]byte(nil), cur...), data...)
	return sw(cardapp.SWOK)
}

func (c *Card) installCertificate(cmd cardapp.Command) []byte {
	if c.blank {
		return sw(cardapp.SWRefDataNotFound)
	}
	if len(cmd.Data) != 0 || cmd.Ne != 0 {
		return sw(cardapp.SWWrongLength)
	}
	if !c.verified {
		return sw(cardapp.SWSecurityNotSatisfied)
	}
	if len(c.newCert) == 0 {
		return sw(cardapp.SWConditionsNotSatisfy)
	}
	if certifiesKey(c.newCert, c.key) != nil {
		c.newCert = nil
		return sw(cardapp.SWIncorrectData)
	}
	old := c.cert
	c.cert, c.newCert = c.newCert, nil
	if err := c.save(); err != nil {
		c.cert = old
		return sw(cardapp.SWMemoryFailure)
	}
	return sw(cardapp.SWOK)
}
