// Package cardsig is the SM2 arithmetic around card signatures, for the
// bridge (which computes what the card signs) and the server (which checks
// it): the digest e = SM3(Z_A || M) a card signs for a message M, and the
// verification of sign and sign_login results, and the CA's signature on
// issuance tokens. The user id is always the
// GB/T 35276 default "1234567812345678".
package cardsig

import (
	"crypto/ecdsa"
	"errors"
	"io"
	"math/big"

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

// issuancePrefix separates issuance-token signatures from every other
// signature of the CA's key.
const issuancePrefix = "EPORTID-ISSUE-V1\x00"

// IssuanceMessage is the SM2 message the CA signs for an issuance token
// payload (protocol.IssuanceToken): "EPORTID-ISSUE-V1" 0x00 || payload.
func IssuanceMessage(payload []byte) []byte {
	m := make([]byte, 0, len(issuancePrefix)+len(payload))
	m = append(m, issuancePrefix...)
	return append(m, payload...)
}

// SignIssuance signs an issuance token payload with the CA's key (SM2,
// SM3, default user id), as VerifyIssuance checks.
func SignIssuance(rnd io.Reader, key *sm2.PrivateKey, payload []byte) ([]byte, error) {
	return sm2.SignASN1(rnd, key, IssuanceMessage(payload), sm2.NewSM2SignerOption(true, nil))
}

// VerifyIssuance checks the CA's signature over an issuance token payload.
func VerifyIssuance(pub *ecdsa.PublicKey, payload, sig []byte) bool {
	if pub == nil || !sm2.IsSM2PublicKey(pub) {
		return false
	}
	return sm2.VerifyASN1WithSM2(pub, nil, IssuanceMessage(payload), sig)
}

// ParsePoint decodes an uncompressed SM2 public key, 04 || X || Y (65
// bytes, as GENERATE KEY PAIR returns it), checking that it is on the
// curve.
func ParsePoint(b []byte) (*ecdsa.PublicKey, error) {
	if len(b) != 65 || b[0] != 0x04 {
		return nil, errors.New("cardsig: a public key is 65 bytes, 04 || X || Y")
	}
	curve := sm2.P256()
	x, y := new(big.Int).SetBytes(b[1:33]), new(big.Int).SetBytes(b[33:])
	p := curve.Params().P
	if x.Cmp(p) >= 0 || y.Cmp(p) >= 0 || !curve.IsOnCurve(x, y) {
		return nil, errors.New("cardsig: the public key is not a point of the SM2 curve")
	}
	return &ecdsa.PublicKey{Curve: curve, X: x, Y: y}, nil
}

// MarshalPoint encodes an SM2 public key as 04 || X || Y.
func MarshalPoint(pub *ecdsa.PublicKey) []byte {
	b := make([]byte, 65)
	b[0] = 4
	pub.X.FillBytes(b[1:33])
	pub.Y.FillBytes(b[33:])
	return b
}
