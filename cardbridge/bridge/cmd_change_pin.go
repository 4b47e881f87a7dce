package bridge

import (
	"context"

	"eportid/cardbridge/cardapp"
	"eportid/cardbridge/pcsc"
	"eportid/cardbridge/protocol"
)

// change_pin: replace the PIN; the old one is checked under the retry
// counter (wrong_pin with tries_left, card_blocked), as verify_pin.
func handleChangePIN(ctx context.Context, c *client, req *protocol.Request) (any, error) {
	oldBox, newBox := newPINBox(req.ChangePIN.OldPIN), newPINBox(req.ChangePIN.NewPIN)
	defer oldBox.drop()
	defer newBox.drop()
	err := c.s.cards.Session(ctx, func(cl *pcsc.Client) error {
		oldPIN, ok1 := oldBox.take()
		newPIN, ok2 := newBox.take()
		defer cardapp.Wipe(oldPIN)
		defer cardapp.Wipe(newPIN)
		if !ok1 || !ok2 {
			return errAbandoned
		}
		return pinResult(cl.ChangePIN(oldPIN, newPIN))
	})
	if err != nil {
		return nil, err
	}
	return protocol.ChangePINResult{}, nil
}
