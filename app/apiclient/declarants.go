package apiclient

import (
	"context"
	"net/http"
	"net/url"

	"eportid/app/model"
)

// Declarants is GET /api/declarants: customs' declarants of the enterprise
// and its operator cards with their bindings (L11).
func (c *Client) Declarants(ctx context.Context) (model.DeclarantOverview, error) {
	var out model.DeclarantOverview
	err := c.do(ctx, http.MethodGet, "/api/declarants", nil, &out)
	return out, err
}

// BindDeclarant is 【绑定】.
func (c *Client) BindDeclarant(ctx context.Context, req model.BindRequest) (model.DeclarantOverview, error) {
	var out model.DeclarantOverview
	err := c.do(ctx, http.MethodPost, "/api/declarants/bind", req, &out)
	return out, err
}

// UnbindDeclarant is 【解绑】.
func (c *Client) UnbindDeclarant(ctx context.Context, req model.UnbindRequest) (model.DeclarantOverview, error) {
	var out model.DeclarantOverview
	err := c.do(ctx, http.MethodPost, "/api/declarants/unbind", req, &out)
	return out, err
}

// BindingLog is the binding log of the enterprise, of one card when
// cardNumber is set.
func (c *Client) BindingLog(ctx context.Context, cardNumber string) ([]model.BindingEvent, error) {
	path := "/api/declarants/log"
	if cardNumber != "" {
		path += "?card_number=" + url.QueryEscape(cardNumber)
	}
	var out []model.BindingEvent
	err := c.do(ctx, http.MethodGet, path, nil, &out)
	return out, err
}
