package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"eportid/app/model"
)

// The audit trail (X4): the table audit_log, written in the transaction of
// every change of state of a filing or change (create, save, declare,
// approve, return, delete, and the filing's values replaced by an approved
// change). The database refuses every UPDATE and DELETE of its rows
// (triggers of migration 0003), so the store only ever inserts and reads;
// each row is chained to the one before it (auditchain.go).

// auditRow is what one audit row says. rec is the record as the statement
// returned it (for a delete, as it was); writeAudited fills it.
type auditRow struct {
	rec      model.RecordMeta
	action   model.AuditAction
	from, to model.State // "" for none (create: no from; delete: no to)
	who      Actor
	fields   []model.FieldChange
	reason   string
	// sig, when set, is the card signature of the operation, kept in
	// record_signatures with the record's enterprise, id, version and
	// declared_at as the statement returns them.
	sig *RecordSignature
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// auditArgs are the values of an audit row but the record's id, filing id
// and enterprise, in the order of auditInsert's placeholders.
func (s *Store) auditArgs(sp *spec, a auditRow) ([]any, error) {
	var fields any
	if len(a.fields) > 0 {
		b, err := json.Marshal(a.fields)
		if err != nil {
			return nil, fmt.Errorf("store: audit fields: %w", err)
		}
		fields = string(b)
	}
	var userID any
	if a.who.UserID != 0 {
		userID = a.who.UserID
	}
	return []any{s.nowUTC(), string(sp.kind.Kind), sp.change, string(a.action),
		nullString(string(a.from)), nullString(string(a.to)),
		userID, a.who.Name, string(a.who.Role), fields, a.reason,
		nullString(a.who.Signature), nullString(a.who.Certificate)}, nil
}

const auditInsertColumns = `(at, kind, is_change, action, from_state, to_state, user_id, user_name,
	user_role, fields, reason, signature, certificate, record_id, filing_id, enterprise_id)`

// writeAudited runs query, an INSERT, UPDATE or DELETE of sp's table
// ending in RETURNING sp.columns(""), and writes the audit row of the
// record it returns, in tx, and the operation's card signature (a.sig).
// On PostgreSQL all are one statement (a data-modifying WITH: one round
// trip per change of state); on SQLite one each. sql.ErrNoRows when the statement matched no row (and nothing is
// audited).
func (s *Store) writeAudited(ctx context.Context, tx conn, sp *spec, query string, args []any, a auditRow) (rec, error) {
	aargs, err := s.auditArgs(sp, a)
	if err != nil {
		return rec{}, err
	}
	if s.dialect == Postgres {
		args = append(args, aargs...)
		if g := a.sig; g != nil {
			args = append(args, string(sp.kind.Kind), sp.change, string(a.action), g.CardNumber, g.HolderName,
				g.CertSerial, g.Signature, g.Certificate)
		}
		type key struct {
			query string
			sig   bool
		}
		q := memo(key{query, a.sig != nil}, func() string {
			q := `WITH u AS (` + query + `), a AS (INSERT INTO audit_log ` + auditInsertColumns + `
			SELECT CAST(? AS TIMESTAMPTZ), CAST(? AS TEXT), CAST(? AS BOOLEAN), CAST(? AS TEXT),
				CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS TEXT),
				CAST(? AS JSONB), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT),
				u.id, u.filing_id, u.enterprise_id FROM u)`
			if a.sig != nil {
				q += `, g AS (INSERT INTO record_signatures ` + recordSignatureInsertColumns + `
				SELECT u.enterprise_id, CAST(? AS TEXT), CAST(? AS BOOLEAN), u.id, u.version, CAST(? AS TEXT),
					CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BYTEA), CAST(? AS BYTEA), u.declared_at
				FROM u)`
			}
			return q + ` SELECT * FROM u`
		})
		return sp.scan(s.queryRowTx(ctx, tx, s.q(q), args...))
	}
	r, err := sp.scan(tx.QueryRowxContext(ctx, s.q(query), args...))
	if err != nil {
		return rec{}, err
	}
	aargs = append(aargs, r.meta.ID, r.meta.FilingID, r.meta.EnterpriseID)
	if err := s.insertAudit(ctx, tx, aargs); err != nil {
		return rec{}, fmt.Errorf("store: audit: %w", err)
	}
	if g := a.sig; g != nil {
		at := r.meta.UpdatedAt
		if r.meta.DeclaredAt != nil {
			at = *r.meta.DeclaredAt
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO record_signatures `+recordSignatureInsertColumns+`
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.meta.EnterpriseID, string(sp.kind.Kind), sp.change, r.meta.ID, r.meta.Version, string(a.action),
			g.CardNumber, g.HolderName, g.CertSerial, g.Signature, g.Certificate, ts(at)); err != nil {
			return rec{}, fmt.Errorf("store: keep record signature: %w", err)
		}
	}
	return r, nil
}

type auditScan struct {
	ID           int64          `db:"id"`
	At           time.Time      `db:"at"`
	EnterpriseID int64          `db:"enterprise_id"`
	Kind         string         `db:"kind"`
	IsChange     bool           `db:"is_change"`
	RecordID     int64          `db:"record_id"`
	FilingID     int64          `db:"filing_id"`
	Action       string         `db:"action"`
	FromState    sql.NullString `db:"from_state"`
	ToState      sql.NullString `db:"to_state"`
	UserID       sql.NullInt64  `db:"user_id"`
	UserName     string         `db:"user_name"`
	UserRole     string         `db:"user_role"`
	Fields       []byte         `db:"fields"`
	Reason       string         `db:"reason"`
	Signature    sql.NullString `db:"signature"`
	Certificate  sql.NullString `db:"certificate"`
}

const auditColumns = `id, at, enterprise_id, kind, is_change, record_id, filing_id, action,
	from_state, to_state, user_id, user_name, user_role, fields, reason, signature, certificate`

func (a auditScan) entry() (model.AuditEntry, error) {
	e := model.AuditEntry{
		ID: a.ID, At: a.At.UTC(), Kind: model.FilingKind(a.Kind), Change: a.IsChange,
		RecordID: a.RecordID, FilingID: a.FilingID, EnterpriseID: a.EnterpriseID,
		Action: model.AuditAction(a.Action), FromState: model.State(a.FromState.String),
		ToState: model.State(a.ToState.String), UserID: a.UserID.Int64, UserName: a.UserName,
		Role: model.Role(a.UserRole), Reason: a.Reason,
		Signature: a.Signature.String, Certificate: a.Certificate.String,
	}
	if len(a.Fields) > 0 {
		if err := json.Unmarshal(a.Fields, &e.Fields); err != nil {
			return e, fmt.Errorf("store: audit row %d: fields: %w", a.ID, err)
		}
	}
	return e, nil
}

// History returns the audit trail of a record of the enterprise, oldest
// first: for a filing, its own rows and those of its changes; for a
// change, its own. Rows stay after the record is deleted. Another
// enterprise's record has no history here (an empty list).
func (s *Store) History(ctx context.Context, enterpriseID int64, ref model.RecordRef) ([]model.AuditEntry, error) {
	query := `SELECT ` + auditColumns + ` FROM audit_log WHERE enterprise_id = ? AND kind = ? AND `
	if ref.Change {
		query += `is_change AND record_id = ?`
	} else {
		query += `filing_id = ?`
	}
	var rows []auditScan
	if err := s.db.SelectContext(ctx, &rows, s.q(query+` ORDER BY id`), enterpriseID, string(ref.Kind), ref.ID); err != nil {
		return nil, fmt.Errorf("store: history: %w", err)
	}
	out := make([]model.AuditEntry, 0, len(rows))
	for _, r := range rows {
		e, err := r.entry()
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// PastVersions returns the values a filing of the enterprise had before
// each approved change replaced them, oldest first.
func (s *Store) PastVersions(ctx context.Context, enterpriseID int64, kind model.FilingKind, filingID int64) ([]model.PastVersion, error) {
	var rows []struct {
		FilingID   int64     `db:"filing_id"`
		Version    int       `db:"version"`
		ChangeID   int64     `db:"change_id"`
		ReplacedAt time.Time `db:"replaced_at"`
		Fields     []byte    `db:"fields"`
	}
	err := s.db.SelectContext(ctx, &rows, s.q(`SELECT filing_id, version, change_id, replaced_at, fields
		FROM filing_history WHERE enterprise_id = ? AND kind = ? AND filing_id = ? ORDER BY id`),
		enterpriseID, string(kind), filingID)
	if err != nil {
		return nil, fmt.Errorf("store: past versions: %w", err)
	}
	out := make([]model.PastVersion, len(rows))
	for i, r := range rows {
		out[i] = model.PastVersion{FilingID: r.FilingID, Version: r.Version, ChangeID: r.ChangeID, ReplacedAt: r.ReplacedAt.UTC()}
		if err := json.Unmarshal(r.Fields, &out[i].Fields); err != nil {
			return nil, fmt.Errorf("store: past version of %s filing %d: %w", kind, filingID, err)
		}
	}
	return out, nil
}
