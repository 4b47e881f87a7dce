package ca

import "github.com/emmansun/gmsm/sm2"

// SignCheckpoint signs a checkpoint of the audit trail (the text the store
// makes, which begins "eportid audit checkpoint\n", so that it is never
// taken for a certificate or an issuance token): SM2 with SM3 and the
// default user id, DER. The store verifies it with the root certificate's
// key (store.VerifyAudit).
func (c *CA) SignCheckpoint(text []byte) ([]byte, error) {
	return sm2.SignASN1(c.rand, c.key, text, sm2.NewSM2SignerOption(true, nil))
}
