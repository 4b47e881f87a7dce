package bridge

import (
	"context"
	"errors"

	"eportid/cardbridge/pcsc"
	"eportid/cardbridge/protocol"
)

// status: the readers and whether a card is in one. No reader is a result
// (an empty list), a missing PC/SC service is no_reader.
func handleStatus(ctx context.Context, c *client, _ *protocol.Request) (any, error) {
	st, err := c.s.cards.Status(ctx)
	if err != nil && !errors.Is(err, pcsc.ErrNoReader) {
		return nil, err
	}
	res := protocol.StatusResult{Readers: []protocol.ReaderStatus{}}
	for _, r := range st {
		res.Readers = append(res.Readers, protocol.ReaderStatus{Name: r.Name, CardPresent: r.CardPresent})
		res.CardPresent = res.CardPresent || r.CardPresent
	}
	return res, nil
}
