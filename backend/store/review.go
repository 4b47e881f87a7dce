package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"eportid/app/model"
)

// The review side (SPEC "Who uses it", reviewer): a declaration goes to the
// agent point its enterprise's legal-person filing names (agent_point), and
// the reviewers of that agent point see it, approve it (审批通过) or return
// it with a reason (退单). Every other agent point's reviewer gets
// ErrNotFound. An approved change replaces the filing's values in the same
// transaction, the old values going to filing_history.

// scopedToAgentPoint is the condition that the record t belongs to an
// enterprise whose legal-person filing names the agent point (one "?").
const scopedToAgentPoint = `EXISTS (SELECT 1 FROM legal_person_filings l
	WHERE l.enterprise_id = t.enterprise_id AND l.agent_point = ?)`

// queueStates is the condition of a record in the queue: declared; an
// operator application also once approved until its card is issued
// (待制卡).
func queueStates(sp *spec) string {
	if sp.kind.Kind == model.FilingOperator && !sp.change {
		return `(t.state = 'declared' OR t.state = 'approved' AND NOT EXISTS (SELECT 1 FROM cards c WHERE c.application_id = t.id))`
	}
	return `t.state = 'declared'`
}

// ReviewQueue returns the declarations (state declared) of every kind,
// filings and changes, sent to the agent point, oldest declaration first,
// and the approved operator applications whose card is still to be made.
func (s *Store) ReviewQueue(ctx context.Context, agentPoint string) ([]model.QueueItem, error) {
	var parts []string
	var args []any
	for _, k := range model.FilingKinds {
		for _, change := range []bool{false, true} {
			sp := specs[specKey{k, change}]
			if sp == nil {
				continue // a kind without changes
			}
			filingID, isChange := "t.id", "FALSE"
			if change {
				filingID, isChange = "t.filing_id", "TRUE"
			}
			parts = append(parts, `SELECT '`+string(k)+`' AS kind, `+isChange+` AS is_change,
				t.id AS id, `+filingID+` AS filing_id, t.enterprise_id AS enterprise_id, t.state AS state,
				t.version AS version, t.created_by AS created_by, t.updated_by AS updated_by,
				t.created_at AS created_at, t.updated_at AS updated_at, t.declared_at AS declared_at,
				t.return_reason AS return_reason, e.name_cn AS name_cn, e.credit_code AS credit_code
				FROM `+sp.table+` t JOIN enterprises e ON e.id = t.enterprise_id
				WHERE `+queueStates(sp)+` AND `+scopedToAgentPoint)
			args = append(args, agentPoint)
		}
	}
	rows, err := s.db.QueryxContext(ctx, s.q(strings.Join(parts, "\nUNION ALL\n")+`
		ORDER BY declared_at, kind, is_change, id`), args...)
	if err != nil {
		return nil, fmt.Errorf("store: review queue: %w", err)
	}
	defer rows.Close()
	out := []model.QueueItem{}
	for rows.Next() {
		var (
			it       model.QueueItem
			kind     string
			state    string
			declared sql.NullTime
		)
		m := &it.RecordMeta
		if err := rows.Scan(&kind, &m.Change, &m.ID, &m.FilingID, &m.EnterpriseID, &state, &m.Version,
			&m.CreatedBy, &m.UpdatedBy, &m.CreatedAt, &m.UpdatedAt, &declared, &m.ReturnReason,
			&it.EnterpriseName, &it.CreditCode); err != nil {
			return nil, fmt.Errorf("store: review queue: %w", err)
		}
		m.Kind, m.State = model.FilingKind(kind), model.State(state)
		m.CreatedAt, m.UpdatedAt = m.CreatedAt.UTC(), m.UpdatedAt.UTC()
		if declared.Valid {
			t := declared.Time.UTC()
			m.DeclaredAt = &t
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: review queue: %w", err)
	}
	return out, nil
}

// reviewRec reads a record declared to the agent point (any state but
// draft: declared, approved or returned); ErrNotFound otherwise.
func (s *Store) reviewRec(ctx context.Context, q sqlx.QueryerContext, sp *spec, agentPoint string, id int64, lock bool) (rec, error) {
	query := `SELECT ` + sp.columns("t.") + ` FROM ` + sp.table + ` t
		WHERE t.id = ? AND t.state <> 'draft' AND ` + scopedToAgentPoint
	if lock {
		query += s.forUpdate()
	}
	r, err := sp.scan(q.QueryRowxContext(ctx, s.q(query), id, agentPoint))
	if errors.Is(err, sql.ErrNoRows) {
		return rec{}, fmt.Errorf("%s %d: %w", sp.what(), id, ErrNotFound)
	}
	if err != nil {
		return rec{}, fmt.Errorf("store: read %s: %w", sp.what(), err)
	}
	return r, nil
}

// ReviewRecord returns a record declared to the agent point as its
// reviewer sees it (with, for a change, the approved filing's current
// values); ErrNotFound if it was not declared to that agent point.
func (s *Store) ReviewRecord(ctx context.Context, agentPoint string, ref model.RecordRef) (model.ReviewRecord, error) {
	sp, err := specOf(ref)
	if err != nil {
		return model.ReviewRecord{}, err
	}
	r, err := s.reviewRec(ctx, s.db, sp, agentPoint, ref.ID, false)
	if err != nil {
		return model.ReviewRecord{}, err
	}
	out := model.ReviewRecord{QueueItem: model.QueueItem{RecordMeta: r.meta}, Fields: r.vals}
	e, err := s.EnterpriseByID(ctx, r.meta.EnterpriseID)
	if err != nil {
		return model.ReviewRecord{}, err
	}
	out.EnterpriseName, out.CreditCode = e.NameCN, e.CreditCode
	if ref.Change {
		f, err := s.getRec(ctx, s.db, specFor(ref.Kind, false), r.meta.EnterpriseID, r.meta.FilingID, false)
		if err != nil {
			return model.ReviewRecord{}, err
		}
		out.Current = f.vals
	}
	return out, nil
}

// Approve approves a declared record (审批通过) of the agent point's queue:
// ErrNotFound unless it was declared to agentPoint, ErrState unless it is
// declared now, ErrConflict on a stale version. An approved change
// replaces its filing's values in the same transaction; the old values go
// to the history (PastVersions) and both steps to the audit trail.
func (s *Store) Approve(ctx context.Context, agentPoint string, ref model.RecordRef, version int, who Actor) (model.RecordMeta, error) {
	r, err := s.review(ctx, agentPoint, ref, version, who, true, "")
	return r.meta, err
}

// Return returns a declared record (退单) with the reason the enterprise
// will see; errors as Approve, and ErrReasonRequired for a blank reason.
// The enterprise may then edit and declare it again, or delete it.
func (s *Store) Return(ctx context.Context, agentPoint string, ref model.RecordRef, version int, who Actor, reason string) (model.RecordMeta, error) {
	r, err := s.review(ctx, agentPoint, ref, version, who, false, reason)
	return r.meta, err
}

func (s *Store) review(ctx context.Context, agentPoint string, ref model.RecordRef, version int, who Actor, approve bool, reason string) (rec, error) {
	if who.Role != "" && !who.Role.MayReview() {
		return rec{}, fmt.Errorf("%s may not review: %w", who.Role, ErrForbidden)
	}
	sp, err := specOf(ref)
	if err != nil {
		return rec{}, err
	}
	state, action, op := model.StateReturned, model.ActionReturn, "return"
	if approve {
		state, action, op, reason = model.StateApproved, model.ActionApprove, "approve", ""
	} else if reason = strings.TrimSpace(reason); reason == "" {
		return rec{}, ErrReasonRequired
	}
	var out rec
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		old, err := s.reviewRec(ctx, tx, sp, agentPoint, ref.ID, true)
		if err != nil {
			return err
		}
		if err := checkState(sp, old, version, func(st model.State) bool { return st == model.StateDeclared }, op); err != nil {
			return err
		}
		r, err := s.writeAudited(ctx, tx, sp, `UPDATE `+sp.table+`
			SET state = ?, return_reason = ?, version = version + 1, updated_by = ?, updated_at = ?
			WHERE id = ? AND version = ? AND state = 'declared'
			RETURNING `+sp.columns(""),
			[]any{string(state), reason, who.Name, s.nowUTC(), ref.ID, version},
			auditRow{action: action, from: old.meta.State, to: state, who: who, reason: reason})
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%s %d changed meanwhile: %w", sp.what(), ref.ID, ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("store: %s %s: %w", op, sp.what(), err)
		}
		out = r
		if approve && sp.change {
			return s.applyChange(ctx, tx, sp, r, who)
		}
		return nil
	})
	return out, err
}

// applyChange puts an approved change's values in its filing: the old
// values to filing_history, the filing's version bumped, an audit row.
func (s *Store) applyChange(ctx context.Context, tx *sqlx.Tx, csp *spec, change rec, who Actor) error {
	fsp := specFor(csp.kind.Kind, false)
	old, err := s.getRec(ctx, tx, fsp, change.meta.EnterpriseID, change.meta.FilingID, true)
	if err != nil {
		return err
	}
	if old.meta.State != model.StateApproved {
		return fmt.Errorf("%s %d is %s, not approved: %w", fsp.what(), old.meta.ID, old.meta.State, ErrState)
	}
	b, err := json.Marshal(old.vals)
	if err != nil {
		return fmt.Errorf("store: history: %w", err)
	}
	now := s.nowUTC()
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO filing_history
		(kind, filing_id, enterprise_id, change_id, version, fields, replaced_at) VALUES (?, ?, ?, ?, ?, ?, ?)`),
		string(fsp.kind.Kind), old.meta.ID, old.meta.EnterpriseID, change.meta.ID, old.meta.Version, string(b), now); err != nil {
		return fmt.Errorf("store: history: %w", err)
	}
	args := append(fsp.args(change.vals), who.Name, now, old.meta.ID, old.meta.Version)
	_, err = s.writeAudited(ctx, tx, fsp, `UPDATE `+fsp.table+`
		SET `+strings.Join(fsp.cols, " = ?, ")+` = ?, version = version + 1, updated_by = ?, updated_at = ?
		WHERE id = ? AND version = ? AND state = 'approved'
		RETURNING `+fsp.columns(""), args, auditRow{
		action: model.ActionApply, from: model.StateApproved, to: model.StateApproved, who: who,
		fields: model.Diff(fsp.form, old.vals, change.vals),
	})
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s %d changed meanwhile: %w", fsp.what(), old.meta.ID, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("store: apply change to %s: %w", fsp.what(), err)
	}
	return nil
}
