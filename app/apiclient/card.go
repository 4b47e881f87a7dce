package apiclient

import (
	"context"
	"net/http"

	"eportid/app/model"
)

// The card routes of app/model/card.go.

// CardConfig returns where the card bridge is (GET /api/card/config).
func (c *Client) CardConfig(ctx context.Context) (model.CardConfig, error) {
	var out model.CardConfig
	err := c.do(ctx, http.MethodGet, "/api/card/config", nil, &out)
	return out, err
}

// CardLoginBegin asks for a login nonce (POST /api/card-login/begin).
func (c *Client) CardLoginBegin(ctx context.Context) (model.CardLoginBegin, error) {
	var out model.CardLoginBegin
	err := c.do(ctx, http.MethodPost, "/api/card-login/begin", nil, &out)
	return out, err
}

// CardLoginFinish logs in with the card's proof
// (POST /api/card-login/finish) and keeps the session's CSRF token.
func (c *Client) CardLoginFinish(ctx context.Context, p model.CardLoginProof) (model.Session, error) {
	var s model.Session
	err := c.do(ctx, http.MethodPost, "/api/card-login/finish", p, &s)
	if err == nil {
		c.SetCSRF(s.CSRFToken)
	}
	return s, err
}

// CardRegister is 有卡注册 (POST /api/card-registrations, 201).
func (c *Client) CardRegister(ctx context.Context, req model.CardRegistrationRequest) (model.Accepted, error) {
	var a model.Accepted
	err := c.do(ctx, http.MethodPost, "/api/card-registrations", req, &a)
	return a, err
}

// CardPresence reports the session's card in the reader
// (POST /api/card-session/presence, 204).
func (c *Client) CardPresence(ctx context.Context, cardNumber string) error {
	return c.do(ctx, http.MethodPost, "/api/card-session/presence", model.CardPresence{CardNumber: cardNumber}, nil)
}
