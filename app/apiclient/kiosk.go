package apiclient

import (
	"context"
	"net/http"
	"strconv"

	"eportid/app/model"
)

// Kiosk says whether this browser is an enrolled kiosk terminal (GET /api/kiosk).
func (c *Client) Kiosk(ctx context.Context) (model.KioskStatus, error) {
	var s model.KioskStatus
	err := c.do(ctx, http.MethodGet, "/api/kiosk", nil, &s)
	return s, err
}

// KioskEnrol enrols this browser with an enrolment link's token (POST /api/kiosk/enrol).
func (c *Client) KioskEnrol(ctx context.Context, token string) (model.KioskStatus, error) {
	var s model.KioskStatus
	err := c.do(ctx, http.MethodPost, "/api/kiosk/enrol", model.KioskEnrolRequest{Token: token}, &s)
	return s, err
}

// SessionActivity tells the server the user is at the page (POST
// /api/session/activity): a kiosk session's idle clock starts again.
func (c *Client) SessionActivity(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/api/session/activity", nil, nil)
}

// ReviewKiosks lists the reviewer's agent point's terminals (GET /api/review/kiosks).
func (c *Client) ReviewKiosks(ctx context.Context) ([]model.KioskTerminal, error) {
	var l []model.KioskTerminal
	err := c.do(ctx, http.MethodGet, "/api/review/kiosks", nil, &l)
	return l, err
}

// NewKiosk makes a terminal and its enrolment link (POST /api/review/kiosks).
func (c *Client) NewKiosk(ctx context.Context, name string) (model.KioskTerminal, error) {
	var k model.KioskTerminal
	err := c.do(ctx, http.MethodPost, "/api/review/kiosks", model.KioskTerminalRequest{Name: name}, &k)
	return k, err
}

// RevokeKiosk revokes a terminal (POST /api/review/kiosks/{id}/revoke).
func (c *Client) RevokeKiosk(ctx context.Context, id int64) (model.KioskTerminal, error) {
	var k model.KioskTerminal
	err := c.do(ctx, http.MethodPost, "/api/review/kiosks/"+strconv.FormatInt(id, 10)+"/revoke", nil, &k)
	return k, err
}
