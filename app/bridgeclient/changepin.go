package bridgeclient

import (
	"context"
	"time"

	"eportid/cardbridge/protocol"
)

// changePINParams are the params of the bridge's change_pin.
type changePINParams struct {
	OldPIN protocol.PIN `json:"old_pin"`
	NewPIN protocol.PIN `json:"new_pin"`
}

// changePINWait bounds a change_pin (the bridge's own limit is 15 s).
const changePINWait = 25 * time.Second

// ChangePIN changes the card's PIN from old to new (change_pin): a wrong
// old PIN spends a try (*protocol.Error wrong_pin with TriesLeft, or
// card_blocked).
func (c *Client) ChangePIN(old, new []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), changePINWait)
	defer cancel()
	return c.call(ctx, protocol.Command("change_pin"), changePINParams{OldPIN: protocol.PIN(old), NewPIN: protocol.PIN(new)}, nil)
}
