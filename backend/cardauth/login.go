// Package cardauth holds what the card login (SPEC P1) and the
// signed declarations (X3) check on the server: login nonces, the login
// signature bound to the page's origin, and record signatures over the
// canonical form of app/model. The HTTP handlers and the database nonce
// store use it; they are wired elsewhere.
//
// What a card signs is defined by the card bridge (cardbridge/CARDAPP.md):
// for a login the SM2 message cardbridge/protocol.LoginDigest(origin,
// nonce) = SM3(SM3(origin) ‖ SM3(nonce)); for a record the SM2 message
// protocol.SignedMessage(SM3(canonical form)). Signatures are SM2 (GB/T
// 32918.2, e = SM3(Z_A ‖ M), default user id "1234567812345678"), encoded
// as the DER SEQUENCE {r, s} of GM/T 0009.
package cardauth

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"time"

	"github.com/emmansun/gmsm/sm2"

	"eportid/backend/ca"
	"eportid/cardbridge/protocol"
)

// Errors. Every refusal wraps exactly one of them (test with errors.Is).
// The certificate errors are those of package ca.
var (
	// ErrBadSignature: the signature does not verify with the
	// certificate's key over what it should cover (another origin,
	// another nonce, another record, tampered).
	ErrBadSignature = errors.New("cardauth: bad card signature")
	// ErrNonce: the nonce is malformed, unknown, used, expired, or was
	// issued for another login attempt.
	ErrNonce = errors.New("cardauth: invalid or used login nonce")
	// ErrCertExpired: the card certificate (or the CA) has expired.
	ErrCertExpired = ca.ErrExpired
	// ErrCertNotYetValid: the card certificate is not valid yet.
	ErrCertNotYetValid = ca.ErrNotYetValid
	// ErrUnknownIssuer: the card certificate is not from our CA.
	ErrUnknownIssuer = ca.ErrUnknownIssuer
	// ErrNotCardCertificate: unparsable or not a card certificate.
	ErrNotCardCertificate = ca.ErrNotCardCertificate
)

// maxSignatureLen bounds a DER SM2 signature (at most 72 bytes).
const maxSignatureLen = 80

// VerifyLogin checks a card login: the certificate (DER) was issued by
// authority and is valid at now, and signature is the card's SM2 signature
// over protocol.LoginDigest(origin, nonce bytes). It returns who logged in.
//
// origin must be the origin the server expects the login page to have
// (its configured public origin, or the request's Origin header once
// checked against it), never just what the bridge's answer claims: that
// is what makes a signature obtained by a page of another origin useless
// here. nonce is the string NewNonce made; VerifyLogin does not consume
// it (Authenticator.Finish does).
//
// It does not check the card's state in the database (frozen, lost): the
// caller does, with the returned identity.
func VerifyLogin(authority *ca.CA, certDER []byte, origin string, nonce string, signature []byte, now time.Time) (ca.Identity, error) {
	n, err := DecodeNonce(nonce)
	if err != nil {
		return ca.Identity{}, err
	}
	if origin == "" {
		return ca.Identity{}, errors.New("cardauth: no origin to bind the login to")
	}
	cert, id, err := authority.VerifyCard(certDER, now)
	if err != nil {
		return ca.Identity{}, err
	}
	digest := protocol.LoginDigest(origin, n)
	if !verifySM2(cert.PublicKey, digest[:], signature) {
		return ca.Identity{}, fmt.Errorf("%w: login signature for card %s", ErrBadSignature, id.CardNumber)
	}
	return id, nil
}

func verifySM2(pub any, msg, sig []byte) bool {
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok || !sm2.IsSM2PublicKey(k) || len(sig) == 0 || len(sig) > maxSignatureLen {
		return false
	}
	return sm2.VerifyASN1WithSM2(k, nil, msg, sig)
}

// Authenticator runs card logins: Begin hands out a nonce for a login
// attempt, Finish takes it back (once) with the card's answer.
type Authenticator struct {
	CA     *ca.CA
	Nonces NonceStore
}

// LoginProof is what the page sends to finish a card login: the nonce it
// was given, and the bridge's sign_login result.
type LoginProof struct {
	AttemptID   string
	Nonce       string // as Begin returned it
	Certificate []byte // DER
	Signature   []byte // DER SEQUENCE {r, s}
}

// Begin makes and stores a nonce for the login attempt attemptID, valid
// for NonceTTL from now.
func (a *Authenticator) Begin(ctx context.Context, attemptID string, now time.Time) (string, error) {
	nonce := NewNonce()
	if err := a.Nonces.Put(ctx, nonce, attemptID, now.Add(NonceTTL)); err != nil {
		return "", err
	}
	return nonce, nil
}

// Finish consumes the proof's nonce (whatever the outcome: a failed
// attempt must start again) and checks the login with VerifyLogin.
func (a *Authenticator) Finish(ctx context.Context, origin string, p LoginProof, now time.Time) (ca.Identity, error) {
	if _, err := DecodeNonce(p.Nonce); err != nil {
		return ca.Identity{}, err
	}
	attempt, ok, err := a.Nonces.Take(ctx, p.Nonce, now)
	if err != nil {
		return ca.Identity{}, err
	}
	if !ok {
		return ca.Identity{}, fmt.Errorf("%w: unknown, used or expired", ErrNonce)
	}
	if attempt != p.AttemptID {
		return ca.Identity{}, fmt.Errorf("%w: issued for another login attempt", ErrNonce)
	}
	return VerifyLogin(a.CA, p.Certificate, origin, p.Nonce, p.Signature, now)
}
