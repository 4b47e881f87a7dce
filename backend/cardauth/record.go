package cardauth

import (
	"fmt"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"eportid/app/model"
	"eportid/backend/ca"
	"eportid/cardbridge/protocol"
)

// RecordMessage is the SM2 message a card signs for a record: the bridge's
// sign command over the 32-byte digest of its canonical form,
// protocol.SignedMessage(model.SignedDigest(canonical)). The page sends
// model.SignedDigest(canonical) as the sign command's data.
func RecordMessage(canonical []byte) []byte {
	d := model.SignedDigest(canonical)
	return protocol.SignedMessage(d[:])
}

// VerifyRecordSignature checks that signature is the SM2 signature of the
// certificate's key (DER) over the record whose canonical form
// (model.CanonicalRecord) is canonical. It checks neither issuer nor
// validity: use it to re-check a stored signature; VerifyRecord is what
// accepting a declaration calls.
func VerifyRecordSignature(certDER, canonical, signature []byte) error {
	cert, err := smx509.ParseCertificate(certDER)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotCardCertificate, err)
	}
	if !verifySM2(cert.PublicKey, RecordMessage(canonical), signature) {
		return fmt.Errorf("%w: record signature", ErrBadSignature)
	}
	return nil
}

// VerifyRecord checks a declaration's signature when it is made: the
// certificate was issued by authority and is valid at now, and the
// signature covers canonical. It returns the signer; the caller checks
// that it is the session's card and that the card's state allows it.
// stored is the certificate the database holds for the session's card
// (ca.CA.VerifyCardAgainst: the same certificate sent again is not
// verified against the root again).
func VerifyRecord(authority *ca.CA, certDER, stored, canonical, signature []byte, now time.Time) (ca.Identity, error) {
	cert, id, err := authority.VerifyCardAgainst(certDER, stored, now)
	if err != nil {
		return ca.Identity{}, err
	}
	if !verifySM2(cert.PublicKey, RecordMessage(canonical), signature) {
		return ca.Identity{}, fmt.Errorf("%w: record signature of card %s", ErrBadSignature, id.CardNumber)
	}
	return id, nil
}
