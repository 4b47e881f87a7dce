package bridge

import (
	"bytes"
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
// Z_A; the card session reads it once per card connection), verify the
// PIN, sign, and check the signature before handing it out. The SIGN uses
// the verification up.
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
		pub, err := c.s.certKey(crt)
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

// certKey returns the SM2 public key of a card certificate, parsing it
// only when it is not the one of the last call (a card signs many times
// under one certificate).
func (s *Server) certKey(der []byte) (*ecdsa.PublicKey, error) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.keyPub != nil && bytes.Equal(s.keyDER, der) {
		return s.keyPub, nil
	}
	pub, err := cardsig.PublicKey(der)
	if err != nil {
		return nil, err
	}
	s.keyDER, s.keyPub = append([]byte(nil), der...), pub
	return pub, nil
}
