package bridge

import (
	"context"
	"crypto/ecdsa"
	"errors"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"eportid/cardbridge/cardapp"
	"eportid/cardbridge/cardsig"
	"eportid/cardbridge/pcsc"
	"eportid/cardbridge/protocol"
)

// write_certificate (证书延期): replace the certificate of a personalised
// card with a new one of the same key. The bridge checks, before it writes
// anything, that the certificate parses, is SM2, names the card's number
// (subject SERIALNUMBER) and certifies the key the card holds, and, where
// the bridge has the CA certificate (-ca-cert), that the CA signed it; then
// it verifies the PIN and has the card install it (CARDAPP.md, "Replacing
// the certificate"). Wrong PIN: wrong_pin / card_blocked as verify_pin.

var errCertOtherCard = errors.New("bridge: the certificate is not of this card")

func handleWriteCertificate(ctx context.Context, c *client, req *protocol.Request) (any, error) {
	p := req.WriteCertificate
	cert, err := smx509.ParseCertificate(p.Certificate)
	if err != nil {
		return nil, errCertNotCA
	}
	if c.s.issuerCA != nil && cert.CheckSignatureFrom(c.s.issuerCA) != nil {
		return nil, errCertNotCA
	}
	certPub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || !sm2.IsSM2PublicKey(certPub) {
		return nil, errCertNotCA
	}
	der := append([]byte(nil), p.Certificate...)
	box := newPINBox(p.PIN)
	defer box.drop()
	var number string
	err = c.s.cards.Session(ctx, func(cl *pcsc.Client) error {
		pin, ok := box.take()
		if !ok {
			return errAbandoned
		}
		defer cardapp.Wipe(pin)
		info, err := cl.ReadInfo()
		if err != nil {
			return err
		}
		if cert.Subject.SerialNumber != info.CardNumber {
			return errCertOtherCard
		}
		raw, err := cl.PublicKey()
		if err != nil {
			return err
		}
		cardPub, err := cardsig.ParsePoint(raw)
		if err != nil {
			return err
		}
		if !cardPub.Equal(certPub) {
			return errCertMismatch
		}
		if err := verifyPIN(cl, pin); err != nil {
			return err
		}
		number = info.CardNumber
		return cl.ReplaceCertificate(der)
	})
	if err != nil {
		return nil, err
	}
	return protocol.WriteCertificateResult{CardNumber: number}, nil
}
