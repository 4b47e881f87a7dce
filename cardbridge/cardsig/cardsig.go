// Package cardsig is the SM2 arithmetic around card signatures, for the
// bridge (which computes what the card signs) and the server (which checks
// it): the digest e = SM3(Z_A || M) a card signs for a message M, and the
// verification of sign and sign_login results. The user id is always the
// GB/T 35276 default "1234567812345678".
package cardsig

import (
	"crypto/ecdsa"
	"errors"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"eportid/cardbridge/protocol"
)

// PublicKey returns the SM2 public key of a certificate (DER).
func PublicKey(certDER []byte) (*ecdsa.PublicKey, error) {
	cert, err := smx509.ParseCertificate(certDER)
	if err != nil {
		return nil, err
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || !sm2.IsSM2PublicKey(pub) {
		return nil, errors.New("cardsig: the certificate has no SM2 public key")
	}
	return pub, nil
}

// Digest is e = SM3(Z_A || msg) for pub and the default user id: the 32
// bytes the card's PSO: COMPUTE DIGITAL SIGNATURE takes.
func Digest(pub *ecdsa.PublicKey, msg []byte) ([]byte, error) {
	za, err := sm2.CalculateZA(pub, defaultUID)
	if err != nil {
		return nil, err
	}
	h := sm3.New()
	h.Write(za)
	h.Write(msg)
	return h.Sum(nil), nil
}

var defaultUID = []byte("1234567812345678")

// LoginDigest is the card's input for a sign_login (e over
// protocol.LoginDigest).
func LoginDigest(pub *ecdsa.PublicKey, origin string, nonce []byte) ([]byte, error) {
	m := protocol.LoginDigest(origin, nonce)
	return Digest(pub, m[:])
}

// SignDigest is the card's input for a sign of data.
func SignDigest(pub *ecdsa.PublicKey, data []byte) ([]byte, error) {
	return Digest(pub, protocol.SignedMessage(data))
}

// VerifyLogin checks a sign_login signature for origin and nonce.
func VerifyLogin(pub *ecdsa.PublicKey, origin string, nonce, sig []byte) bool {
	m := protocol.LoginDigest(origin, nonce)
	return sm2.VerifyASN1WithSM2(pub, nil, m[:], sig)
}

// VerifySign checks a sign signature over data.
func VerifySign(pub *ecdsa.PublicKey, data, sig []byte) bool {
	return sm2.VerifyASN1WithSM2(pub, nil, protocol.SignedMessage(data), sig)
}
