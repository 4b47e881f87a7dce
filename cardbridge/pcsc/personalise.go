package pcsc

import (
	"errors"
	"fmt"

	"eportid/cardbridge/cardapp"
)

// The host side of personalising a blank card (CARDAPP.md, "Blank card and
// personalisation"): IsBlank, GenerateKeyPair, PublicKey, PutCardInfo,
// PutCertificate, SetAdminKey, Finalize. They work over any Transmitter,
// so over PC/SC and over an in-process soft card alike. A personalisation
// command on a personalised card fails with ErrNotBlank.

// IsBlank reads the card's life cycle status (GET DATA 8A): true while the
// card is blank (personalisation allowed), false once finalised.
func (c *Client) IsBlank() (bool, error) {
	d, err := c.do("life cycle", cardapp.Command{
		CLA: cardapp.CLAProprietary, INS: cardapp.INSGetData, P2: cardapp.P2LifeCycle, Ne: 1,
	})
	if err != nil {
		return false, err
	}
	if len(d) != 1 {
		return false, fmt.Errorf("pcsc: life cycle status of %d bytes", len(d))
	}
	switch d[0] {
	case cardapp.LifeCycleBlank:
		return true, nil
	case cardapp.LifeCyclePersonalised:
		return false, nil
	}
	return false, fmt.Errorf("pcsc: unknown life cycle status %02X", d[0])
}

// GenerateKeyPair has a blank card make a new SM2 key pair and returns its
// public key, 04 || X || Y (65 bytes). The private key never leaves the
// card. A certificate written for an earlier key is dropped.
func (c *Client) GenerateKeyPair() ([]byte, error) {
	return c.keyPair(cardapp.P1KeyGenerate)
}

// PublicKey returns the public key GenerateKeyPair made (ErrBlank if there
// is none yet).
func (c *Client) PublicKey() ([]byte, error) {
	return c.keyPair(cardapp.P1KeyRead)
}

func (c *Client) keyPair(p1 byte) ([]byte, error) {
	if p1 == cardapp.P1KeyGenerate {
		c.wrote()
	}
	d, err := c.do("generate key pair", cardapp.Command{
		CLA: cardapp.CLAProprietary, INS: cardapp.INSGenerateKeyPair, P1: p1, Ne: 256,
	})
	if err != nil {
		return nil, err
	}
	if len(d) != cardapp.PublicKeySize || d[0] != 0x04 {
		return nil, fmt.Errorf("pcsc: public key of %d bytes is not an uncompressed point", len(d))
	}
	return d, nil
}

// PutCardInfo stores the card info (TLV 70, as ReadInfo returns it).
func (c *Client) PutCardInfo(info cardapp.CardInfo) error {
	tlv, err := info.MarshalTLV()
	if err != nil {
		return err
	}
	if len(tlv) > 255 {
		return errors.New("pcsc: card info too long for one short APDU")
	}
	c.wrote()
	_, err = c.do("put card info", cardapp.Command{
		CLA: cardapp.CLAProprietary, INS: cardapp.INSPutData, P2: cardapp.InfoTag, Data: tlv,
	})
	return err
}

// SetAdminKey stores the admin (unblock) key, 16..64 bytes. The encoded
// command is wiped; key stays the caller's to wipe.
func (c *Client) SetAdminKey(key []byte) error {
	if l := len(key); l < cardapp.AdminKeyMinLen || l > cardapp.AdminKeyMaxLen {
		return errors.New("pcsc: the admin key must be 16..64 bytes")
	}
	c.wrote()
	_, err := c.do("set admin key", cardapp.Command{
		CLA: cardapp.CLAProprietary, INS: cardapp.INSPutData, P2: cardapp.P2AdminKey, Data: key,
	})
	return err
}

// PutCertificate writes the card certificate (DER) in chunks of up to
// cardapp.WriteChunk bytes at increasing offsets, starting at 0.
func (c *Client) PutCertificate(der []byte) error {
	if len(der) == 0 || len(der) > cardapp.MaxCertSize {
		return fmt.Errorf("pcsc: certificate of %d bytes (1..%d)", len(der), cardapp.MaxCertSize)
	}
	c.wrote()
	for off := 0; off < len(der); off += cardapp.WriteChunk {
		end := min(off+cardapp.WriteChunk, len(der))
		if _, err := c.do("put certificate", cardapp.Command{
			CLA: cardapp.CLAProprietary, INS: cardapp.INSPutCertificate,
			P1: byte(off >> 8), P2: byte(off), Data: der[off:end],
		}); err != nil {
			return err
		}
	}
	return nil
}

// Finalize ends personalisation with the initial PIN (tries: the card's
// maximum, 5). The card checks that the card info, the admin key and the
// key pair are there and that the certificate certifies its key
// (ErrIncomplete, ErrCertificateMismatch otherwise). Then the card is
// personalised and refuses all personalisation commands.
func (c *Client) Finalize(pin []byte) error {
	if !cardapp.ValidPIN(pin) {
		return ErrPINFormat
	}
	c.wrote()
	r, err := Exchange(c.t, cardapp.Command{
		CLA: cardapp.CLAProprietary, INS: cardapp.INSActivate, P2: cardapp.P2PIN, Data: pin,
	})
	switch {
	case err != nil:
		return err
	case r.SW == cardapp.SWOK:
		return nil
	case r.SW == cardapp.SWNotAllowed:
		return ErrNotBlank
	case r.SW == cardapp.SWConditionsNotSatisfy:
		return ErrIncomplete
	case r.SW == cardapp.SWIncorrectData:
		return ErrCertificateMismatch
	}
	return &StatusError{Op: "finalize", SW: r.SW}
}
