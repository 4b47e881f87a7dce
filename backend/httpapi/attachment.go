package httpapi

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"eportid/app/model"
)

// Attachments of the operator applications (上传附件, N5): uploaded by the
// enterprise, kept in the database, downloaded by the enterprise and by
// the reviewers of the agent point the application was declared to. The
// type is sniffed from the bytes; a download is always an attachment
// (Content-Disposition), with nosniff and a sandboxing CSP, so no file is
// ever run as a page.

const (
	msgAttachmentType = "上传附件：只接受 PDF、JPEG 或 PNG 文件（按文件内容判断，与文件名无关）"
	msgAttachmentSize = "上传附件：文件不能超过 2 MB"
)

// uploadAttachment: POST /api/attachments, the file's bytes as the body,
// its name in X-File-Name (URL-encoded).
func (a *API) uploadAttachment(w http.ResponseWriter, r *http.Request, c *current) error {
	if c.user.EnterpriseID == 0 {
		return &Error{Code: model.ErrForbidden, Message: msgForbidden}
	}
	name, err := url.PathUnescape(r.Header.Get("X-File-Name"))
	if err != nil || !utf8.ValidString(name) {
		name = ""
	}
	// A file name is not typed: what model.CheckText refuses (controls,
	// bidi overrides that turn "x\u202efdp.exe" into "xexe.pdf") is dropped.
	name = strings.TrimSpace(strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == '"' || model.CheckText(string(r), false) != nil {
			return -1
		}
		return r
	}, name))
	if name == "" {
		name = "附件"
	}
	if utf8.RuneCountInString(name) > 100 {
		name = string([]rune(name)[:100])
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, model.MaxAttachmentBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return &Error{Code: model.ErrTooLarge, Message: msgAttachmentSize, Fields: model.FieldErrors{"attachment": msgAttachmentSize}, Err: err}
	case err != nil:
		return &Error{Code: model.ErrInvalid, Message: "上传附件：文件读取失败，请重试", Err: err}
	case len(body) == 0:
		return &Error{Code: model.ErrInvalid, Message: "上传附件：文件是空的", Fields: model.FieldErrors{"attachment": "上传附件：文件是空的"}}
	}
	typ := model.AttachmentType(body)
	if typ == "" {
		return &Error{Code: model.ErrInvalid, Message: msgAttachmentType, Fields: model.FieldErrors{"attachment": msgAttachmentType}}
	}
	att, err := a.Store.AddAttachment(r.Context(), c.user.EnterpriseID, c.user.Username, name, typ, body)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/attachments/"+strconv.FormatInt(att.ID, 10))
	writeJSON(w, http.StatusCreated, att.Model())
	return nil
}

// getAttachment: GET /api/attachments/{id}, the enterprise's own.
func (a *API) getAttachment(w http.ResponseWriter, r *http.Request, c *current) error {
	id, err := recordID(r)
	if err != nil {
		return err
	}
	att, data, err := a.Store.AttachmentData(r.Context(), c.user.EnterpriseID, id)
	if err != nil {
		return err
	}
	serveAttachment(w, att.Name, att.ContentType, data)
	return nil
}

// attachmentInfo: GET /api/attachments/{id}/info, name, type and size.
func (a *API) attachmentInfo(w http.ResponseWriter, r *http.Request, c *current) error {
	id, err := recordID(r)
	if err != nil {
		return err
	}
	att, err := a.Store.AttachmentOf(r.Context(), c.user.EnterpriseID, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, att.Model())
	return nil
}

// reviewAttachment: GET /api/review/attachments/{id}, of a record declared
// to the reviewer's agent point.
func (a *API) reviewAttachment(w http.ResponseWriter, r *http.Request, c *current) error {
	id, err := recordID(r)
	if err != nil {
		return err
	}
	rv, err := a.reviewerOf(r.Context(), c)
	if err != nil {
		return err
	}
	att, data, err := a.Store.ReviewAttachment(r.Context(), rv.AgentPoint, id)
	if err != nil {
		return err
	}
	serveAttachment(w, att.Name, att.ContentType, data)
	return nil
}

// serveAttachment writes a file to be saved, never shown as a page.
func serveAttachment(w http.ResponseWriter, name, contentType string, data []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}
