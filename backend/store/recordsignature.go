package store

import (
	"context"
	"fmt"
	"time"

	"eportid/app/model"
)

// Record signatures: the card signatures of declared records, append-only.

// RecordSignature is the card signature of a record as kept: the canonical
// form model.CanonicalRecord(Kind, RecordID, Version, fields) of the
// record's fields at Version was signed by the card.
type RecordSignature struct {
	ID           int64             `db:"id"`
	EnterpriseID int64             `db:"enterprise_id"`
	Kind         model.FilingKind  `db:"kind"`
	Change       bool              `db:"is_change"`
	RecordID     int64             `db:"record_id"`
	Version      int               `db:"version"`
	Action       model.AuditAction `db:"action"`
	CardNumber   string            `db:"card_number"`
	HolderName   string            `db:"holder_name"`
	CertSerial   string            `db:"cert_serial"`
	Signature    []byte            `db:"signature"`
	Certificate  []byte            `db:"certificate"`
	SignedAt     time.Time         `db:"signed_at"`
}

const recordSignatureColumns = `id, enterprise_id, kind, is_change, record_id, version, action, card_number,
	holder_name, cert_serial, signature, certificate, signed_at`

const recordSignatureInsertColumns = `(enterprise_id, kind, is_change, record_id, version, action,
	card_number, holder_name, cert_serial, signature, certificate, signed_at)`

// AddRecordSignature keeps the signature of a record (SignedAt defaults to
// now) and returns it with its id.
func (s *Store) AddRecordSignature(ctx context.Context, r RecordSignature) (RecordSignature, error) {
	if r.SignedAt.IsZero() {
		r.SignedAt = s.now()
	}
	r.SignedAt = ts(r.SignedAt)
	err := s.db.GetContext(ctx, &r.ID, s.q(`INSERT INTO record_signatures `+recordSignatureInsertColumns+`
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		r.EnterpriseID, string(r.Kind), r.Change, r.RecordID, r.Version, string(r.Action), r.CardNumber,
		r.HolderName, r.CertSerial, r.Signature, r.Certificate, r.SignedAt)
	if err != nil {
		return RecordSignature{}, fmt.Errorf("store: add record signature: %w", err)
	}
	return r, nil
}

// LatestRecordSignature returns the newest signature of a record of the
// enterprise, or ErrNotFound.
func (s *Store) LatestRecordSignature(ctx context.Context, enterpriseID int64, ref model.RecordRef) (RecordSignature, error) {
	var r RecordSignature
	err := s.db.GetContext(ctx, &r, s.q(`SELECT `+recordSignatureColumns+` FROM record_signatures
		WHERE enterprise_id = ? AND kind = ? AND is_change = ? AND record_id = ?
		ORDER BY id DESC LIMIT 1`), enterpriseID, string(ref.Kind), ref.Change, ref.ID)
	r.SignedAt = r.SignedAt.UTC()
	return r, noRows(err, "record signature")
}
