package bridge

import (
	"context"
	"crypto/ecdsa"
	"errors"

	"eportid/cardbridge/cardapp"
	"eportid/cardbridge/cardsig"
	"eportid/cardbridge/pcsc"
	"eportid/cardbridge/protocol"
)

// sign: the card signs the SM2 message protocol.SignedMessage(data).
func handleSign(ctx context.Context, c *client, req *protocol.Request) (any, error) {
	data := req.Sign.Data
	sig, cert, err := signOnCard(ctx, c, req.Sign.PIN, func(pub *ecdsa.PublicKey) ([]byte, func([]byte) bool, error) {
		e, err := cardsig.SignDigest(pub, data)
		return e, func(sig []byte) bool { return cardsig.VerifySign(pub, data, sig) }, err
	})
	if err != nil {
		return nil, err
	}
	return protocol.SignResult{Signature: sig, Certificate: cert, Algorithm: protocol.SignAlgorithm}, nil
}

// digestFunc gives the 32 bytes the card signs for the card's public key,
// and a check of the resulting signature.
type digestFunc func(pub *ecdsa.PublicKey) (digest []byte, check func(sig []byte) bool, err error)

var errBadCardSignature = errors.New("bridge: the card's signature does not verify against its certificate")

// signOnCard runs one signing session: read the certificate (its key gives
// Z_A), verify the PIN, sign, and check the signature before handing it
// out. The card is reset afterwards.
func signOnCard(ctx context.Context, c *client, pin protocol.PIN, digest digestFunc) (sig, cert []byte, err error) {
	box := newPINBox(pin)
	defer box.drop()
	err = c.s.cards.Session(ctx, func(cl *pcsc.Client) error {
		p, ok := box.take()
		if !ok {
			return errAbandoned
		}
		defer cardapp.Wipe(p)
		crt, err := cl.ReadCertificate()
		if err != nil {
			return err
		}
		pub, err := cardsig.PublicKey(crt)
		if err != nil {
			return err
		}
		e, check, err := digest(pub)
		if err != nil {
			return err
		}
		if err := verifyPIN(cl, p); err != nil {
			return err
		}
		cardapp.Wipe(p)
		s, err := cl.Sign(e)
		if err != nil {
			return err
		}
		if !check(s) {
			return errBadCardSignature
		}
		sig, cert = s, crt
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return sig, cert, nil
}
