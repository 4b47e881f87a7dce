package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"

	"eportid/app/model"
)

// Attachments (上传附件, migration 0005_operators): files an enterprise
// uploads for its operator applications, kept in the database so that
// every server instance serves them. They are immutable; their type is
// the one the caller sniffed from the bytes.

// Attachment is an uploaded file without its bytes.
type Attachment struct {
	ID           int64  `db:"id"`
	EnterpriseID int64  `db:"enterprise_id"`
	Name         string `db:"name"`
	ContentType  string `db:"content_type"`
	Size         int64  `db:"size"`
	SHA256       string `db:"sha256"`
}

// Model is the attachment as the API shows it.
func (a Attachment) Model() model.Attachment {
	return model.Attachment{ID: a.ID, Name: a.Name, ContentType: a.ContentType, Size: a.Size}
}

const attachmentColumns = `id, enterprise_id, name, content_type, size, sha256`

// AddAttachment keeps an enterprise's upload.
func (s *Store) AddAttachment(ctx context.Context, enterpriseID int64, by, name, contentType string, data []byte) (Attachment, error) {
	sum := sha256.Sum256(data)
	a := Attachment{EnterpriseID: enterpriseID, Name: name, ContentType: contentType, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
	err := s.db.QueryRowxContext(ctx, s.q(`INSERT INTO attachments (enterprise_id, name, content_type, size, sha256, data, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`), enterpriseID, name, contentType, a.Size, a.SHA256, data, by, s.nowUTC()).Scan(&a.ID)
	if foreignKeyViolation(err) {
		return Attachment{}, fmt.Errorf("enterprise %d: %w", enterpriseID, ErrNotFound)
	}
	if err != nil {
		return Attachment{}, fmt.Errorf("store: add attachment: %w", err)
	}
	return a, nil
}

// AttachmentOf returns an attachment of the enterprise, without its bytes;
// ErrNotFound when the enterprise has none of that id.
func (s *Store) AttachmentOf(ctx context.Context, enterpriseID, id int64) (Attachment, error) {
	var a Attachment
	err := s.db.GetContext(ctx, &a, s.q(`SELECT `+attachmentColumns+` FROM attachments WHERE id = ? AND enterprise_id = ?`), id, enterpriseID)
	return a, noRows(err, "attachment")
}

// AttachmentData returns an attachment of the enterprise with its bytes.
func (s *Store) AttachmentData(ctx context.Context, enterpriseID, id int64) (Attachment, []byte, error) {
	var (
		a    Attachment
		data []byte
	)
	err := s.db.QueryRowxContext(ctx, s.q(`SELECT `+attachmentColumns+`, data FROM attachments WHERE id = ? AND enterprise_id = ?`), id, enterpriseID).
		Scan(&a.ID, &a.EnterpriseID, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return Attachment{}, nil, fmt.Errorf("attachment %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Attachment{}, nil, fmt.Errorf("store: attachment: %w", err)
	}
	return a, data, nil
}

// ReviewAttachment returns an attachment with its bytes as the reviewers
// of agentPoint see it: only one that a record declared to the agent
// point (not a draft) names; ErrNotFound otherwise.
func (s *Store) ReviewAttachment(ctx context.Context, agentPoint string, id int64) (Attachment, []byte, error) {
	var enterpriseID int64
	err := s.db.GetContext(ctx, &enterpriseID, s.q(`SELECT t.enterprise_id FROM operator_filings t
		WHERE t.attachment = ? AND t.state <> 'draft' AND `+scopedToAgentPoint+` LIMIT 1`), fmt.Sprint(id), agentPoint)
	if errors.Is(err, sql.ErrNoRows) {
		return Attachment{}, nil, fmt.Errorf("attachment %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Attachment{}, nil, fmt.Errorf("store: review attachment: %w", err)
	}
	return s.AttachmentData(ctx, enterpriseID, id)
}
