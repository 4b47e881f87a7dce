package bridge

import (
	"context"

	"eportid/cardbridge/cardapp"
	"eportid/cardbridge/pcsc"
	"eportid/cardbridge/protocol"
)

// verify_pin: check the PIN. Wrong: wrong_pin with tries_left; blocked:
// card_blocked. The card session ends with a SELECT, which clears the
// verification, so a verified PIN does not linger for the next request or
// other programs.
func handleVerifyPIN(ctx context.Context, c *client, req *protocol.Request) (any, error) {
	box := newPINBox(req.VerifyPIN.PIN)
	defer box.drop()
	err := c.s.cards.Session(ctx, func(cl *pcsc.Client) error {
		pin, ok := box.take()
		if !ok {
			return errAbandoned
		}
		defer cardapp.Wipe(pin)
		return verifyPIN(cl, pin)
	})
	if err != nil {
		return nil, err
	}
	return protocol.VerifyPINResult{Verified: true}, nil
}
