package apiclient

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"eportid/app/model"
)

// UploadAttachment sends a file of an operator application (POST
// /api/attachments): its bytes as the body, its name in X-File-Name. The
// server decides its type from the bytes.
func (c *Client) UploadAttachment(ctx context.Context, name string, data []byte) (model.Attachment, error) {
	var out model.Attachment
	err := c.onceWith(ctx, http.MethodPost, "/api/attachments", "application/octet-stream",
		map[string]string{"X-File-Name": url.PathEscape(name)}, data, &out)
	return out, err
}

// AttachmentInfo is an attachment's name, type and size (GET
// /api/attachments/{id}/info).
func (c *Client) AttachmentInfo(ctx context.Context, id int64) (model.Attachment, error) {
	var out model.Attachment
	err := c.do(ctx, http.MethodGet, "/api/attachments/"+strconv.FormatInt(id, 10)+"/info", nil, &out)
	return out, err
}

// AttachmentURL is where the enterprise downloads an attachment; the
// reviewer's is under /api/review/attachments/.
func AttachmentURL(id int64, review bool) string {
	if review {
		return "/api/review/attachments/" + strconv.FormatInt(id, 10)
	}
	return "/api/attachments/" + strconv.FormatInt(id, 10)
}

// BeginIssuance starts 制卡 of an approved operator application (POST
// /api/review/operator/{id}/issuance).
func (c *Client) BeginIssuance(ctx context.Context, applicationID int64) (model.IssuanceStart, error) {
	var out model.IssuanceStart
	err := c.do(ctx, http.MethodPost, "/api/review/operator/"+strconv.FormatInt(applicationID, 10)+"/issuance", struct{}{}, &out)
	return out, err
}

// IssueCard has the CA certify the key the blank card generated (POST
// /api/review/operator/{id}/card).
func (c *Client) IssueCard(ctx context.Context, applicationID int64, token string, publicKey []byte) (model.IssuedCard, error) {
	var out model.IssuedCard
	err := c.do(ctx, http.MethodPost, "/api/review/operator/"+strconv.FormatInt(applicationID, 10)+"/card",
		model.IssueCardRequest{Token: token, PublicKey: publicKey}, &out)
	return out, err
}
