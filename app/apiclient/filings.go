package apiclient

import (
	"context"
	"net/http"
	"strconv"

	"eportid/app/model"
)

// The routes of app/model/api_filings.go: filings and changes of every
// kind, their history, and the review console. The page handles a record
// of any kind as a Rec (its fields by key), so one set of components
// serves the four kinds without a copy per field type.

// Rec is a filing or a change of any kind as the page handles it: its
// meta, its fields by key and its card signature.
type Rec = model.Record

// recPath is the route of the records of a kind (change: /api/changes),
// with the id when it is not 0.
func recPath(kind model.FilingKind, change bool, id int64) string {
	p := "/api/filings/"
	if change {
		p = "/api/changes/"
	}
	p += string(kind)
	if id != 0 {
		p += "/" + strconv.FormatInt(id, 10)
	}
	return p
}

// Records lists the enterprise's filings (change false, GET
// /api/filings/{kind}) or changes (GET /api/changes/{kind}) of a kind.
func (c *Client) Records(ctx context.Context, kind model.FilingKind, change bool) ([]Rec, error) {
	var out []Rec
	err := c.do(ctx, http.MethodGet, recPath(kind, change, 0), nil, &out)
	return out, err
}

// Record reads one filing or change.
func (c *Client) Record(ctx context.Context, ref model.RecordRef) (Rec, error) {
	var out Rec
	err := c.do(ctx, http.MethodGet, recPath(ref.Kind, ref.Change, ref.ID), nil, &out)
	return out, err
}

// CreateRecord saves a new draft (新增 + 暂存): a filing (POST
// /api/filings/{kind}) or, with filingID not 0, a change of that approved
// filing (POST /api/changes/{kind}).
func (c *Client) CreateRecord(ctx context.Context, kind model.FilingKind, filingID int64, fields model.Fields) (Rec, error) {
	var out Rec
	req := model.SaveRequest{FilingID: filingID, Fields: fields}
	err := c.do(ctx, http.MethodPost, recPath(kind, filingID != 0, 0), req, &out)
	return out, err
}

// SaveRecord saves a draft or returned record again, 暂存 (PUT).
func (c *Client) SaveRecord(ctx context.Context, ref model.RecordRef, version int, fields model.Fields) (Rec, error) {
	var out Rec
	req := model.SaveRequest{Version: version, Fields: fields}
	err := c.do(ctx, http.MethodPut, recPath(ref.Kind, ref.Change, ref.ID), req, &out)
	return out, err
}

// DeclareRecord saves and declares, 申报 (POST …/declare); sig is the card
// signature of a card holder's declaration (X3), nil for none.
func (c *Client) DeclareRecord(ctx context.Context, ref model.RecordRef, version int, fields model.Fields, sig *model.CardSignature) (Rec, error) {
	var out Rec
	req := model.SaveRequest{Version: version, Fields: fields, CardSignature: sig}
	err := c.do(ctx, http.MethodPost, recPath(ref.Kind, ref.Change, ref.ID)+"/declare", req, &out)
	return out, err
}

// DeleteRecord deletes a draft or returned record, 删除 (DELETE).
func (c *Client) DeleteRecord(ctx context.Context, ref model.RecordRef) error {
	return c.do(ctx, http.MethodDelete, recPath(ref.Kind, ref.Change, ref.ID), nil, nil)
}

// History is the audit trail of a record, oldest first (GET …/history):
// of a filing, its own entries and those of its changes.
func (c *Client) History(ctx context.Context, ref model.RecordRef) ([]model.AuditEntry, error) {
	var out []model.AuditEntry
	err := c.do(ctx, http.MethodGet, recPath(ref.Kind, ref.Change, ref.ID)+"/history", nil, &out)
	return out, err
}

// PastVersions are a filing's values before each approved change replaced
// them (GET /api/filings/{kind}/{id}/versions).
func (c *Client) PastVersions(ctx context.Context, kind model.FilingKind, id int64) ([]model.PastVersion, error) {
	var out []model.PastVersion
	err := c.do(ctx, http.MethodGet, recPath(kind, false, id)+"/versions", nil, &out)
	return out, err
}

// Backfill is the values to start a new filing's form with (GET
// /api/filings/{kind}/backfill).
func (c *Client) Backfill(ctx context.Context, kind model.FilingKind) (model.Backfill, error) {
	var out model.Backfill
	err := c.do(ctx, http.MethodGet, recPath(kind, false, 0)+"/backfill", nil, &out)
	return out, err
}

// ---- the review console ----

// ReviewLogin logs a reviewer in with password and TOTP code (POST
// /api/review/session) and keeps the session's CSRF token.
func (c *Client) ReviewLogin(ctx context.Context, req model.ReviewLoginRequest) (model.Session, error) {
	var s model.Session
	err := c.do(ctx, http.MethodPost, "/api/review/session", req, &s)
	if err == nil {
		c.SetCSRF(s.CSRFToken)
	}
	return s, err
}

// ReviewQueue lists the declarations sent to the reviewer's agent point.
func (c *Client) ReviewQueue(ctx context.Context) ([]model.QueueItem, error) {
	var out []model.QueueItem
	err := c.do(ctx, http.MethodGet, "/api/review/queue", nil, &out)
	return out, err
}

func reviewPath(ref model.RecordRef) string {
	return "/api/review/" + ref.Name() + "/" + strconv.FormatInt(ref.ID, 10)
}

// ReviewDetail reads a declared record with its history.
func (c *Client) ReviewDetail(ctx context.Context, ref model.RecordRef) (model.ReviewDetail, error) {
	var out model.ReviewDetail
	err := c.do(ctx, http.MethodGet, reviewPath(ref), nil, &out)
	return out, err
}

// Approve approves a declared record (审批通过).
func (c *Client) Approve(ctx context.Context, ref model.RecordRef, version int) (model.RecordMeta, error) {
	var out model.RecordMeta
	err := c.do(ctx, http.MethodPost, reviewPath(ref)+"/approve", model.ReviewDecision{Version: version}, &out)
	return out, err
}

// Return returns a declared record with the reason the enterprise will see
// (退单).
func (c *Client) Return(ctx context.Context, ref model.RecordRef, version int, reason string) (model.RecordMeta, error) {
	var out model.RecordMeta
	err := c.do(ctx, http.MethodPost, reviewPath(ref)+"/return", model.ReviewDecision{Version: version, Reason: reason}, &out)
	return out, err
}
