package apiclient

import (
	"context"
	"net/http"
	"net/url"

	"eportid/app/model"
)

// Card management and inquiry (L9, L10) and the agent point's side
// (app/model/cardmanagement.go).

// CardQuery are the conditions of a card list; empty ones match all.
type CardQuery struct {
	CardNumber, Holder, State string
	Kind                      model.CardKind
}

func (q CardQuery) values() string {
	v := url.Values{}
	for k, s := range map[string]string{"card_number": q.CardNumber, "holder": q.Holder, "state": q.State, "kind": string(q.Kind)} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

func cardPath(card, tail string) string { return "/api/cards/" + url.PathEscape(card) + tail }

// Cards lists the enterprise's cards (GET /api/cards).
func (c *Client) Cards(ctx context.Context, q CardQuery) ([]model.ManagedCard, error) {
	var out []model.ManagedCard
	err := c.do(ctx, http.MethodGet, "/api/cards"+q.values(), nil, &out)
	return out, err
}

// Card is one card of the enterprise (GET /api/cards/{card}).
func (c *Client) Card(ctx context.Context, card string) (model.ManagedCard, error) {
	var out model.ManagedCard
	err := c.do(ctx, http.MethodGet, cardPath(card, ""), nil, &out)
	return out, err
}

// CardEvents are a card's operation records (GET /api/cards/{card}/events).
func (c *Client) CardEvents(ctx context.Context, card string) ([]model.CardEvent, error) {
	var out []model.CardEvent
	err := c.do(ctx, http.MethodGet, cardPath(card, "/events"), nil, &out)
	return out, err
}

// SetCardState freezes, unfreezes or reports lost a card, signed.
func (c *Client) SetCardState(ctx context.Context, card string, req model.CardStateRequest) (model.ManagedCard, error) {
	var out model.ManagedCard
	err := c.do(ctx, http.MethodPost, cardPath(card, "/state"), req, &out)
	return out, err
}

// UnlockCard asks for the unblock cryptogram of a card's challenge.
func (c *Client) UnlockCard(ctx context.Context, card string, req model.CardUnlockRequest) (model.CardUnlockAnswer, error) {
	var out model.CardUnlockAnswer
	err := c.do(ctx, http.MethodPost, cardPath(card, "/unlock"), req, &out)
	return out, err
}

// ExtendCard extends a card's certificate (证书延期).
func (c *Client) ExtendCard(ctx context.Context, card string, req model.CardExtendRequest) (model.CardExtendAnswer, error) {
	var out model.CardExtendAnswer
	err := c.do(ctx, http.MethodPost, cardPath(card, "/extend"), req, &out)
	return out, err
}

// ReviewCards lists the cards of the reviewer's agent point.
func (c *Client) ReviewCards(ctx context.Context, q CardQuery) ([]model.ManagedCard, error) {
	var out []model.ManagedCard
	err := c.do(ctx, http.MethodGet, "/api/review/cards"+q.values(), nil, &out)
	return out, err
}

// ReviewCardEvents are a card's operation records, for the agent point.
func (c *Client) ReviewCardEvents(ctx context.Context, card string) ([]model.CardEvent, error) {
	var out []model.CardEvent
	err := c.do(ctx, http.MethodGet, "/api/review/cards/"+url.PathEscape(card)+"/events", nil, &out)
	return out, err
}

// ReviewCardState is the agent point's freeze, unfreeze or loss of a card.
func (c *Client) ReviewCardState(ctx context.Context, card string, req model.ReviewCardStateRequest) (model.ManagedCard, error) {
	var out model.ManagedCard
	err := c.do(ctx, http.MethodPost, "/api/review/cards/"+url.PathEscape(card)+"/state", req, &out)
	return out, err
}
