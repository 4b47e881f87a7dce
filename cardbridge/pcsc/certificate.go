package pcsc

import (
	"fmt"

	"eportid/cardbridge/cardapp"
)

// ReplaceCertificate replaces the certificate of a personalised card
// (证书延期; CARDAPP.md "Replacing the certificate"): with the PIN verified
// in this session, PUT CERTIFICATE (P1 bit 8 set) writes der into the
// card's replacement buffer and INSTALL CERTIFICATE puts it in place. ErrNotVerified without
// the PIN, ErrCertificateMismatch when der does not certify the card's
// key, ErrBlank on a blank card.
func (c *Client) ReplaceCertificate(der []byte) error {
	if len(der) == 0 || len(der) > cardapp.MaxCertSize {
		return fmt.Errorf("pcsc: certificate of %d bytes (1..%d)", len(der), cardapp.MaxCertSize)
	}
	c.pinLeft = true // it needs the PIN verified, and leaves it so
	c.wrote()
	for off := 0; off < len(der); off += cardapp.WriteChunk {
		end := min(off+cardapp.WriteChunk, len(der))
		r, err := Exchange(c.t, cardapp.Command{
			CLA: cardapp.CLAProprietary, INS: cardapp.INSPutCertificate,
			P1: cardapp.P1ReplaceCertificate | byte(off>>8), P2: byte(off), Data: der[off:end],
		})
		if err := replaceResult("put certificate", r, err); err != nil {
			return err
		}
	}
	r, err := Exchange(c.t, cardapp.Command{
		CLA: cardapp.CLAProprietary, INS: cardapp.INSActivate, P1: cardapp.P1InstallCertificate, P2: cardapp.P2PIN,
	})
	return replaceResult("install certificate", r, err)
}

func replaceResult(op string, r cardapp.Response, err error) error {
	switch {
	case err != nil:
		return err
	case r.SW == cardapp.SWOK:
		return nil
	case r.SW == cardapp.SWSecurityNotSatisfied:
		return ErrNotVerified
	case r.SW == cardapp.SWIncorrectData:
		return ErrCertificateMismatch
	case r.SW == cardapp.SWRefDataNotFound:
		return ErrBlank
	case r.SW == cardapp.SWConditionsNotSatisfy:
		return ErrIncomplete
	}
	return &StatusError{Op: op, SW: r.SW}
}
