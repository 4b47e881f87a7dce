package ca

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"

	"github.com/emmansun/gmsm/smx509"
)

// The CA's certificate revocation list: an X.509 v2 CRL (RFC 5280)
// signed SM2-with-SM3 by the root's key, published at one stable URL
// (SetCRLURL) that every card certificate names in its CRL distribution
// point. Each entry carries its reason code: certificateHold for a frozen
// card (冻结), removeFromCRL for a hold lifted (解冻, listed for one CRL
// validity period after it), keyCompromise for a card reported lost
// (挂失), superseded for a certificate replaced by 证书延期.

// CRLValidity is how long a CRL is valid (its nextUpdate); it is renewed
// at every change and once half of it has passed.
const CRLValidity = 7 * 24 * time.Hour

// RFC 5280 CRLReason codes.
var crlReasons = map[string]int{
	"keyCompromise":   1,
	"superseded":      4,
	"certificateHold": 6,
	"removeFromCRL":   8,
}

var oidCRLReason = asn1.ObjectIdentifier{2, 5, 29, 21}

// CRLEntry is a certificate the CRL lists.
type CRLEntry struct {
	SerialHex string // lower-case hex
	Reason    string // an RFC 5280 reason name of crlReasons
	At        time.Time
}

// SetCRLURL sets the CRL distribution point of the certificates issued
// from now on ("" for none). Call it before the CA is used concurrently.
func (c *CA) SetCRLURL(u string) { c.crlURL = u }

// CRLURL is the CRL distribution point of new certificates.
func (c *CA) CRLURL() string { return c.crlURL }

// CRL makes the CRL number n listing entries, valid from thisUpdate for
// CRLValidity. It returns the DER and the nextUpdate.
func (c *CA) CRL(n int64, entries []CRLEntry, thisUpdate time.Time) ([]byte, time.Time, error) {
	thisUpdate = thisUpdate.UTC().Truncate(time.Second)
	next := thisUpdate.Add(CRLValidity)
	revoked := make([]pkix.RevokedCertificate, 0, len(entries))
	for _, e := range entries {
		serial, ok := new(big.Int).SetString(e.SerialHex, 16)
		if !ok {
			return nil, time.Time{}, fmt.Errorf("ca: CRL entry: serial %q is not hex", e.SerialHex)
		}
		code, ok := crlReasons[e.Reason]
		if !ok {
			return nil, time.Time{}, fmt.Errorf("ca: CRL entry %s: unknown reason %q", e.SerialHex, e.Reason)
		}
		v, err := asn1.Marshal(asn1.Enumerated(code))
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("ca: CRL reason: %w", err)
		}
		revoked = append(revoked, pkix.RevokedCertificate{SerialNumber: serial, RevocationTime: e.At.UTC().Truncate(time.Second),
			Extensions: []pkix.Extension{{Id: oidCRLReason, Value: v}}})
	}
	der, err := smx509.CreateRevocationList(c.rand, &x509.RevocationList{
		RevokedCertificates: revoked, Number: big.NewInt(n), ThisUpdate: thisUpdate, NextUpdate: next,
	}, c.cert, c.key)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("ca: signing the CRL: %w", err)
	}
	return der, next, nil
}
