package bridge

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"eportid/cardbridge/cardapp"
	"eportid/cardbridge/cardsig"
	"eportid/cardbridge/pcsc"
	"eportid/cardbridge/protocol"
)

// Personalisation of a blank card by the agent point's review console:
//
//  1. personalise_keygen: the card makes its SM2 key pair; the console
//     gets the public key and has the CA certify it.
//  2. personalise_write: the card info from the token, the certificate,
//     the admin key and the initial PIN go to the card, which is then
//     finalised (no longer blank).
//
// Both need an issuer origin (else not_issuer) and an issuance token the
// CA signed for that origin, unexpired and not yet used by a write on this
// bridge (else bad_token). The token id is spent by a write once the card
// is found blank and holding the certified key, just before the first
// write, so a wrong card or certificate does not waste it.

var (
	errNotIssuer    = errors.New("bridge: personalisation from an origin that is not an issuer origin")
	errNoKeyPair    = errors.New("bridge: the blank card has no key pair yet")
	errCertMismatch = errors.New("bridge: the certificate does not certify the card's key")
	errCertNotCA    = errors.New("bridge: the certificate is not one of the issuer CA")
)

// tokenError is a refused issuance token (bad_token); why is for the page.
type tokenError struct{ why string }

func (e *tokenError) Error() string { return "bridge: issuance token refused: " + e.why }

// checkToken admits a personalisation request: an issuer origin and a
// good token for it.
func (s *Server) checkToken(origin, raw string) (protocol.IssuanceToken, error) {
	if !s.issuers[origin] || s.caKey == nil {
		return protocol.IssuanceToken{}, errNotIssuer
	}
	tok, payload, sig, err := protocol.ParseIssuanceToken(raw)
	if err != nil {
		return protocol.IssuanceToken{}, &tokenError{why: "malformed (" + err.Error() + ")"}
	}
	switch {
	case !cardsig.VerifyIssuance(s.caKey, payload, sig):
		return protocol.IssuanceToken{}, &tokenError{why: "not signed by the CA"}
	case tok.Origin != origin:
		return protocol.IssuanceToken{}, &tokenError{why: "issued for another origin"}
	case tok.Expired(time.Now()):
		return protocol.IssuanceToken{}, &tokenError{why: "expired"}
	}
	s.mu.Lock()
	_, used := s.usedTokens[tok.ID]
	s.mu.Unlock()
	if used {
		return protocol.IssuanceToken{}, &tokenError{why: "already used"}
	}
	return tok, nil
}

// useToken spends a token id; false if a write used it already.
func (s *Server) useToken(tok protocol.IssuanceToken) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now().Unix()
	for id, exp := range s.usedTokens {
		if exp <= now {
			delete(s.usedTokens, id)
		}
	}
	if _, used := s.usedTokens[tok.ID]; used {
		return false
	}
	s.usedTokens[tok.ID] = tok.Expires
	return true
}

// personalise_keygen: a blank card generates its key pair.
func handlePersonaliseKeygen(ctx context.Context, c *client, req *protocol.Request) (any, error) {
	if _, err := c.s.checkToken(c.origin, req.PersonaliseKeygen.Token); err != nil {
		return nil, err
	}
	var pub []byte
	err := c.s.cards.Session(ctx, func(cl *pcsc.Client) error {
		blank, err := cl.IsBlank()
		if err != nil {
			return err
		}
		if !blank {
			return pcsc.ErrNotBlank
		}
		p, err := cl.GenerateKeyPair()
		if err != nil {
			return err
		}
		if _, err := cardsig.ParsePoint(p); err != nil {
			return err
		}
		pub = p
		return nil
	})
	if err != nil {
		return nil, err
	}
	return protocol.PersonaliseKeygenResult{PublicKey: pub}, nil
}

// personalise_write: write and finalise a blank card.
func handlePersonaliseWrite(ctx context.Context, c *client, req *protocol.Request) (any, error) {
	p := req.PersonaliseWrite
	tok, err := c.s.checkToken(c.origin, p.Token)
	if err != nil {
		return nil, err
	}
	kind, err := cardapp.ParseCardKind(tok.Kind)
	if err != nil {
		return nil, &tokenError{why: "unknown card kind"}
	}
	info := cardapp.CardInfo{CardNumber: tok.CardNumber, HolderName: tok.HolderName, CreditCode: tok.CreditCode, Kind: kind}
	if err := info.Validate(); err != nil {
		return nil, &tokenError{why: "card info not valid for a card"}
	}
	cert, err := smx509.ParseCertificate(p.Certificate)
	if err != nil || cert.CheckSignatureFrom(c.s.issuerCA) != nil {
		return nil, errCertNotCA
	}
	certPub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || !sm2.IsSM2PublicKey(certPub) {
		return nil, errCertNotCA
	}
	der := append([]byte(nil), p.Certificate...)
	pinBox, keyBox := newPINBox(p.PIN), newSecretBox(p.AdminKey)
	defer pinBox.drop()
	defer keyBox.drop()
	err = c.s.cards.Session(ctx, func(cl *pcsc.Client) error {
		pin, ok1 := pinBox.take()
		adminKey, ok2 := keyBox.take()
		defer cardapp.Wipe(pin)
		defer cardapp.Wipe(adminKey)
		if !ok1 || !ok2 {
			return errAbandoned
		}
		blank, err := cl.IsBlank()
		if err != nil {
			return err
		}
		if !blank {
			return pcsc.ErrNotBlank
		}
		raw, err := cl.PublicKey()
		if errors.Is(err, pcsc.ErrBlank) {
			return errNoKeyPair
		}
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
		if !c.s.useToken(tok) {
			return &tokenError{why: "already used"}
		}
		if err := cl.PutCardInfo(info); err != nil {
			return err
		}
		if err := cl.SetAdminKey(adminKey); err != nil {
			return err
		}
		cardapp.Wipe(adminKey)
		if err := cl.PutCertificate(der); err != nil {
			return err
		}
		return cl.Finalize(pin)
	})
	if err != nil {
		return nil, err
	}
	return protocol.PersonaliseWriteResult{CardNumber: info.CardNumber}, nil
}
