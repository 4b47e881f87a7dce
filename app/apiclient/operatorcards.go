package apiclient

import (
	"context"
	"net/http"
	"net/url"

	"eportid/app/model"
)

// The card holder's own card and the operator cards' authorisations
// (app/model/operatorcard.go).

// MyCard is the session's own card (GET /api/my-card).
func (c *Client) MyCard(ctx context.Context) (model.MyCard, error) {
	var out model.MyCard
	err := c.do(ctx, http.MethodGet, "/api/my-card", nil, &out)
	return out, err
}

// MyCardEvents are the operation records of the session's card, oldest
// first (GET /api/my-card/events).
func (c *Client) MyCardEvents(ctx context.Context) ([]model.CardEvent, error) {
	var out []model.CardEvent
	err := c.do(ctx, http.MethodGet, "/api/my-card/events", nil, &out)
	return out, err
}

// PINChanged records the change of the card's PIN, signed
// (POST /api/my-card/pin-changed, 204).
func (c *Client) PINChanged(ctx context.Context, req model.PINChangedRequest) error {
	return c.do(ctx, http.MethodPost, "/api/my-card/pin-changed", req, nil)
}

// OperatorCards are the enterprise's operator cards (GET /api/operator-cards).
func (c *Client) OperatorCards(ctx context.Context) ([]model.OperatorCard, error) {
	var out []model.OperatorCard
	err := c.do(ctx, http.MethodGet, "/api/operator-cards", nil, &out)
	return out, err
}

// SetAuthorisations sets the kinds an operator card is authorised for,
// signed (PUT /api/operator-cards/{card}/authorisations).
func (c *Client) SetAuthorisations(ctx context.Context, card string, req model.CardAuthorisationRequest) (model.OperatorCard, error) {
	var out model.OperatorCard
	err := c.do(ctx, http.MethodPut, "/api/operator-cards/"+url.PathEscape(card)+"/authorisations", req, &out)
	return out, err
}
