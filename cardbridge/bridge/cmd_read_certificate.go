package bridge

import (
	"context"

	"eportid/cardbridge/pcsc"
	"eportid/cardbridge/protocol"
)

// read_certificate: the card certificate (DER) and the card info. No PIN.
func handleReadCertificate(ctx context.Context, c *client, _ *protocol.Request) (any, error) {
	var res protocol.ReadCertificateResult
	err := c.s.cards.Session(ctx, func(cl *pcsc.Client) error {
		info, err := cl.ReadInfo()
		if err != nil {
			return err
		}
		cert, err := cl.ReadCertificate()
		if err != nil {
			return err
		}
		res = protocol.ReadCertificateResult{
			Certificate: cert,
			Card: protocol.CardInfo{
				CardNumber: info.CardNumber, HolderName: info.HolderName,
				CreditCode: info.CreditCode, Kind: info.Kind.String(),
			},
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}
