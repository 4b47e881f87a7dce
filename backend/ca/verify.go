package ca

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
)

// Errors of VerifyChain and VerifyCard. Each failure wraps exactly one of
// them (test with errors.Is).
var (
	// ErrUnknownIssuer: the certificate was not issued by this CA (another
	// issuer, or a signature that does not verify with the root's key).
	ErrUnknownIssuer = errors.New("ca: certificate not issued by this CA")
	// ErrExpired: now is after the certificate's NotAfter (or the root's).
	ErrExpired = errors.New("ca: certificate expired")
	// ErrNotYetValid: now is before the certificate's NotBefore.
	ErrNotYetValid = errors.New("ca: certificate not yet valid")
	// ErrNotCardCertificate: unparsable, or not a card certificate of the
	// profile (a CA, no clientAuth or digitalSignature, no card identity,
	// an unknown critical extension, not SM2).
	ErrNotCardCertificate = errors.New("ca: not a card certificate")
)

// VerifyChain checks that cert is a card certificate issued by this CA and
// valid at now. The checks run in this order, so the error names the first
// failure: issuer and signature (ErrUnknownIssuer), validity period
// (ErrNotYetValid, ErrExpired), profile (ErrNotCardCertificate).
//
// It does not know about the card's state (frozen, lost, ...): that is in
// the database.
func (c *CA) VerifyChain(cert *smx509.Certificate, now time.Time) error {
	return c.verifyChain(cert, now, false)
}

// verifyChain is VerifyChain; with signed, the root's signature on cert is
// known good and only the rest of checkIssued runs.
func (c *CA) verifyChain(cert *smx509.Certificate, now time.Time, signed bool) error {
	if err := c.checkIssued(cert, signed); err != nil {
		return err
	}
	switch {
	case now.Before(cert.NotBefore):
		return fmt.Errorf("%w: valid from %s", ErrNotYetValid, cert.NotBefore.UTC().Format(time.RFC3339))
	case now.After(cert.NotAfter):
		return fmt.Errorf("%w: valid until %s", ErrExpired, cert.NotAfter.UTC().Format(time.RFC3339))
	case now.After(c.cert.NotAfter):
		return fmt.Errorf("%w: the CA's root expired %s", ErrExpired, c.cert.NotAfter.UTC().Format(time.RFC3339))
	}
	return checkProfile(cert)
}

// VerifyCard parses a card certificate (DER), checks it with VerifyChain
// and returns it with its identity.
func (c *CA) VerifyCard(certDER []byte, now time.Time) (*smx509.Certificate, Identity, error) {
	return c.VerifyCardAgainst(certDER, nil, now)
}

// VerifyCardAgainst is VerifyCard of a certificate sent by a card whose
// certificate the database holds as stored: a certificate is stored only
// after this CA issued it or VerifyCard accepted it (card registration,
// 证书延期, 制卡), so when certDER is that very certificate the root's
// signature on it was verified before, by this instance or another, and
// is not verified again. The issuer's name, the signature algorithm, the
// validity at now, the profile and the identity are checked as always;
// any other certificate is verified in full.
func (c *CA) VerifyCardAgainst(certDER, stored []byte, now time.Time) (*smx509.Certificate, Identity, error) {
	cert, err := parse(certDER)
	if err != nil {
		return nil, Identity{}, fmt.Errorf("%w: %v", ErrNotCardCertificate, err)
	}
	if err := c.verifyChain(cert, now, len(stored) > 0 && bytes.Equal(certDER, stored)); err != nil {
		return nil, Identity{}, err
	}
	id, err := CardIdentity(cert)
	if err != nil {
		return nil, Identity{}, err
	}
	return cert, id, nil
}

// checkIssued: cert names this CA's root as issuer and the root's key
// verifies its signature (taken as verified where signed).
func (c *CA) checkIssued(cert *smx509.Certificate, signed bool) error {
	if cert == nil {
		return fmt.Errorf("%w: no certificate", ErrNotCardCertificate)
	}
	if !bytes.Equal(cert.RawIssuer, c.cert.RawSubject) {
		return fmt.Errorf("%w: issuer is %q", ErrUnknownIssuer, cert.Issuer.String())
	}
	if len(cert.AuthorityKeyId) > 0 && !bytes.Equal(cert.AuthorityKeyId, c.cert.SubjectKeyId) {
		return fmt.Errorf("%w: authority key id does not match the root's", ErrUnknownIssuer)
	}
	if cert.SignatureAlgorithm != smx509.SM2WithSM3 {
		return fmt.Errorf("%w: signature algorithm %v", ErrUnknownIssuer, cert.SignatureAlgorithm)
	}
	if signed {
		return nil
	}
	k := issuedKey(c.cert, cert)
	if _, ok := issued.get(k); ok {
		return nil
	}
	if err := cert.CheckSignatureFrom(c.cert); err != nil {
		return fmt.Errorf("%w: %v", ErrUnknownIssuer, err)
	}
	issued.add(k, struct{}{})
	return nil
}

// issued remembers the certificates whose signature a root's key verified
// (checkIssued): a fact that never changes, so a card's certificate, sent
// with each of its signatures, costs one SM2 verification per process. The
// checks of time, profile, identity and the card's state still run every
// time.
var issued = bounded[struct{}]{max: 1 << 16}

func issuedKey(root, cert *smx509.Certificate) [sha256.Size]byte {
	h := sha256.New()
	h.Write(root.Raw)
	h.Write(cert.Raw)
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}

// bounded is a map of SHA-256 keys, safe for concurrent use, of at most
// max entries: forgotten all at once when full.
type bounded[V any] struct {
	mu  sync.Mutex
	m   map[[sha256.Size]byte]V
	max int
}

func (b *bounded[V]) get(k [sha256.Size]byte) (V, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	v, ok := b.m[k]
	return v, ok
}

func (b *bounded[V]) add(k [sha256.Size]byte, v V) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil || len(b.m) >= b.max {
		b.m = map[[sha256.Size]byte]V{}
	}
	b.m[k] = v
}

func checkProfile(cert *smx509.Certificate) error {
	bad := func(why string) error { return fmt.Errorf("%w: %s", ErrNotCardCertificate, why) }
	switch {
	case cert.IsCA:
		return bad("a CA certificate")
	case cert.KeyUsage&smx509.KeyUsageDigitalSignature == 0:
		return bad("key usage lacks digitalSignature")
	case !slices.Contains(cert.ExtKeyUsage, smx509.ExtKeyUsageClientAuth):
		return bad("extended key usage lacks clientAuth")
	case len(cert.UnhandledCriticalExtensions) > 0:
		return bad("unknown critical extension")
	case !sm2.IsSM2PublicKey(cert.PublicKey):
		return bad("not an SM2 public key")
	}
	_, err := CardIdentity(cert)
	return err
}

// parsed are the certificates VerifyCardAgainst parsed, by the SHA-256 of
// their DER: a card sends its certificate with each of its signatures,
// and parsing it cost a quarter of what verifying the signature does. A
// parsed certificate is only read, never changed, so one is shared by the
// requests that send it; every check still runs on it each time.
var parsed = bounded[*smx509.Certificate]{max: 1 << 12}

// parse is smx509.ParseCertificate of der, once per certificate (parsed).
func parse(der []byte) (*smx509.Certificate, error) {
	k := sha256.Sum256(der)
	if cert, ok := parsed.get(k); ok {
		return cert, nil
	}
	cert, err := smx509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	parsed.add(k, cert)
	return cert, nil
}
