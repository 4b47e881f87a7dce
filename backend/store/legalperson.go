package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"eportid/app/model"
)

// The legal-person filing (N1) and its states (X1). The store does not
// check the fields (the caller does, with model.LegalPerson.Validate), but
// it enforces the state rules in the statements themselves, so that no
// caller can bypass them: every change is one UPDATE or DELETE whose WHERE
// clause holds the enterprise, the version the caller read and the states
// that allow it; when it matches no row, a second query says why.

// allStates are the states of X1, in order.
var allStates = []model.State{model.StateDraft, model.StateDeclared, model.StateApproved, model.StateReturned}

// stateList is the SQL list of the states for which ok holds, e.g.
// "'draft', 'returned'": the rules are model.State's, written once.
func stateList(ok func(model.State) bool) string {
	var q []string
	for _, st := range allStates {
		if ok(st) {
			q = append(q, "'"+string(st)+"'")
		}
	}
	return strings.Join(q, ", ")
}

var (
	editableStates   = stateList(model.State.CanEdit)
	declarableStates = stateList(model.State.CanDeclare)
	deletableStates  = stateList(model.State.CanDelete)
)

// lpColumns are the columns of model.LegalPerson's fields, from its db
// tags, in field order; lpValues gives the values in the same order.
var lpColumns = func() []string {
	t := reflect.TypeFor[model.LegalPerson]()
	cols := make([]string, t.NumField())
	for i := range cols {
		f := t.Field(i)
		tag := f.Tag.Get("db")
		if f.Type.Kind() != reflect.String || tag == "" {
			panic("store: model.LegalPerson." + f.Name + " must be a string with a db tag")
		}
		cols[i] = tag
	}
	return cols
}()

func lpValues(p model.LegalPerson) []any {
	v := reflect.ValueOf(p)
	out := make([]any, v.NumField())
	for i := range out {
		out[i] = v.Field(i).String()
	}
	return out
}

var (
	lpRecordColumns = `id, enterprise_id, state, version, created_by, created_at, updated_at,
		declared_at, return_reason, ` + strings.Join(lpColumns, ", ")
	// lpSet is "credit_code = ?, subject_code = ?, …".
	lpSet = strings.Join(lpColumns, " = ?, ") + " = ?"
)

// lpRow is a row of legal_person_filings as scanned.
type lpRow struct {
	ID           int64       `db:"id"`
	EnterpriseID int64       `db:"enterprise_id"`
	State        model.State `db:"state"`
	Version      int         `db:"version"`
	CreatedBy    string      `db:"created_by"`
	CreatedAt    time.Time   `db:"created_at"`
	UpdatedAt    time.Time   `db:"updated_at"`
	DeclaredAt   *time.Time  `db:"declared_at"`
	ReturnReason string      `db:"return_reason"`
	model.LegalPerson
}

func (r lpRow) record() model.LegalPersonRecord {
	return model.LegalPersonRecord{
		ID:           r.ID,
		State:        r.State,
		Version:      r.Version,
		CreatedBy:    r.CreatedBy,
		CreatedAt:    r.CreatedAt.UTC(),
		UpdatedAt:    r.UpdatedAt.UTC(),
		DeclaredAt:   utcPtr(r.DeclaredAt),
		ReturnReason: r.ReturnReason,
		LegalPerson:  r.LegalPerson,
	}
}

// ListLegalPersons returns the filings of an enterprise (at most one today),
// oldest first.
func (s *Store) ListLegalPersons(ctx context.Context, enterpriseID int64) ([]model.LegalPersonRecord, error) {
	var rows []lpRow
	err := s.db.SelectContext(ctx, &rows, s.q(`SELECT `+lpRecordColumns+` FROM legal_person_filings
		WHERE enterprise_id = ? ORDER BY id`), enterpriseID)
	if err != nil {
		return nil, fmt.Errorf("store: list legal persons: %w", err)
	}
	out := make([]model.LegalPersonRecord, len(rows))
	for i, r := range rows {
		out[i] = r.record()
	}
	return out, nil
}

// GetLegalPerson returns a filing of the enterprise; ErrNotFound when there
// is none of that id, or it belongs to another enterprise.
func (s *Store) GetLegalPerson(ctx context.Context, enterpriseID, id int64) (model.LegalPersonRecord, error) {
	var r lpRow
	err := s.db.GetContext(ctx, &r, s.q(`SELECT `+lpRecordColumns+` FROM legal_person_filings
		WHERE id = ? AND enterprise_id = ?`), id, enterpriseID)
	if err := noRows(err, "legal person filing"); err != nil {
		return model.LegalPersonRecord{}, err
	}
	return r.record(), nil
}

// CreateLegalPerson inserts a new filing of the enterprise in state draft,
// version 1; ErrDuplicate if the enterprise has one already, ErrNotFound if
// the enterprise does not exist.
func (s *Store) CreateLegalPerson(ctx context.Context, enterpriseID int64, by string, p model.LegalPerson) (model.LegalPersonRecord, error) {
	now := s.nowUTC()
	args := append([]any{enterpriseID, string(model.StateDraft), by, by, now, now}, lpValues(p)...)
	var r lpRow
	err := s.db.GetContext(ctx, &r, s.q(`INSERT INTO legal_person_filings
		(enterprise_id, state, version, created_by, updated_by, created_at, updated_at, `+strings.Join(lpColumns, ", ")+`)
		VALUES (?, ?, 1, ?, ?, ?, ?`+strings.Repeat(", ?", len(lpColumns))+`)
		RETURNING `+lpRecordColumns), args...)
	switch {
	case uniqueViolation(err, "legal_person_filings", "enterprise_id"):
		return model.LegalPersonRecord{}, fmt.Errorf("legal person filing of enterprise %d: %w", enterpriseID, ErrDuplicate)
	case foreignKeyViolation(err):
		return model.LegalPersonRecord{}, fmt.Errorf("enterprise %d: %w", enterpriseID, ErrNotFound)
	case err != nil:
		return model.LegalPersonRecord{}, fmt.Errorf("store: create legal person: %w", err)
	}
	return r.record(), nil
}

// SaveLegalPerson saves the fields of a filing (暂存) and bumps its version:
// ErrNotFound if the enterprise has no such filing, ErrState unless its
// state allows editing (model.State.CanEdit), ErrConflict if its version is
// not version.
func (s *Store) SaveLegalPerson(ctx context.Context, enterpriseID, id int64, version int, by string, p model.LegalPerson) (model.LegalPersonRecord, error) {
	args := append(lpValues(p), by, s.nowUTC(), id, enterpriseID, version)
	var r lpRow
	err := s.db.GetContext(ctx, &r, s.q(`UPDATE legal_person_filings
		SET `+lpSet+`, version = version + 1, updated_by = ?, updated_at = ?
		WHERE id = ? AND enterprise_id = ? AND version = ? AND state IN (`+editableStates+`)
		RETURNING `+lpRecordColumns), args...)
	if errors.Is(err, sql.ErrNoRows) {
		return model.LegalPersonRecord{}, s.whyNot(ctx, enterpriseID, id, version, model.State.CanEdit, "save")
	}
	if err != nil {
		return model.LegalPersonRecord{}, fmt.Errorf("store: save legal person: %w", err)
	}
	return r.record(), nil
}

// DeclareLegalPerson saves the fields and declares the filing (申报), in
// one statement: state declared, declared_at now, the return reason
// cleared, version bumped. Errors as SaveLegalPerson, by
// model.State.CanDeclare. Declaring twice with the version read before the
// first declaration declares once: the second gets ErrState.
func (s *Store) DeclareLegalPerson(ctx context.Context, enterpriseID, id int64, version int, by string, p model.LegalPerson) (model.LegalPersonRecord, error) {
	now := s.nowUTC()
	args := append(lpValues(p), string(model.StateDeclared), now, by, now, id, enterpriseID, version)
	var r lpRow
	err := s.db.GetContext(ctx, &r, s.q(`UPDATE legal_person_filings
		SET `+lpSet+`, state = ?, declared_at = ?, return_reason = '',
			version = version + 1, updated_by = ?, updated_at = ?
		WHERE id = ? AND enterprise_id = ? AND version = ? AND state IN (`+declarableStates+`)
		RETURNING `+lpRecordColumns), args...)
	if errors.Is(err, sql.ErrNoRows) {
		return model.LegalPersonRecord{}, s.whyNot(ctx, enterpriseID, id, version, model.State.CanDeclare, "declare")
	}
	if err != nil {
		return model.LegalPersonRecord{}, fmt.Errorf("store: declare legal person: %w", err)
	}
	return r.record(), nil
}

// DeleteLegalPerson deletes a filing for good; ErrNotFound if the
// enterprise has no such filing, ErrState unless its state allows deleting
// (draft or returned).
func (s *Store) DeleteLegalPerson(ctx context.Context, enterpriseID, id int64) error {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM legal_person_filings
		WHERE id = ? AND enterprise_id = ? AND state IN (`+deletableStates+`)`), id, enterpriseID)
	if err != nil {
		return fmt.Errorf("store: delete legal person: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: delete legal person: %w", err)
	} else if n == 0 {
		return s.whyNot(ctx, enterpriseID, id, -1, model.State.CanDelete, "delete")
	}
	return nil
}

// ReviewLegalPerson is the agent point's decision on a declared filing:
// approved, or returned with a reason. Only filings declared to agentPoint
// are seen (else ErrNotFound); ErrState unless declared; ErrConflict on a
// stale version. (The reviewer side is provisional: SPEC "Who uses it".)
func (s *Store) ReviewLegalPerson(ctx context.Context, agentPoint string, id int64, version int, by string, approve bool, reason string) (model.LegalPersonRecord, error) {
	state := model.StateReturned
	if approve {
		state, reason = model.StateApproved, ""
	}
	var r lpRow
	err := s.db.GetContext(ctx, &r, s.q(`UPDATE legal_person_filings
		SET state = ?, return_reason = ?, version = version + 1, updated_by = ?, updated_at = ?
		WHERE id = ? AND agent_point = ? AND version = ? AND state = ?
		RETURNING `+lpRecordColumns),
		string(state), reason, by, s.nowUTC(), id, agentPoint, version, string(model.StateDeclared))
	if errors.Is(err, sql.ErrNoRows) {
		var cur struct {
			State   model.State `db:"state"`
			Version int         `db:"version"`
		}
		err := s.db.GetContext(ctx, &cur, s.q(`SELECT state, version FROM legal_person_filings
			WHERE id = ? AND agent_point = ? AND state <> ?`), id, agentPoint, string(model.StateDraft))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return model.LegalPersonRecord{}, fmt.Errorf("legal person filing %d: %w", id, ErrNotFound)
		case err != nil:
			return model.LegalPersonRecord{}, fmt.Errorf("store: review legal person: %w", err)
		case cur.State != model.StateDeclared:
			return model.LegalPersonRecord{}, fmt.Errorf("legal person filing %d is %s: %w", id, cur.State, ErrState)
		default:
			return model.LegalPersonRecord{}, fmt.Errorf("legal person filing %d is at version %d, not %d: %w", id, cur.Version, version, ErrConflict)
		}
	}
	if err != nil {
		return model.LegalPersonRecord{}, fmt.Errorf("store: review legal person: %w", err)
	}
	return r.record(), nil
}

// whyNot says why a guarded change of a filing matched no row: not the
// enterprise's (ErrNotFound), a state that forbids it (ErrState, checked
// before the version so that a repeated declaration reads as such), or a
// stale version (ErrConflict; version < 0 skips that check).
func (s *Store) whyNot(ctx context.Context, enterpriseID, id int64, version int, allowed func(model.State) bool, op string) error {
	var cur struct {
		State   model.State `db:"state"`
		Version int         `db:"version"`
	}
	err := s.db.GetContext(ctx, &cur, s.q(`SELECT state, version FROM legal_person_filings
		WHERE id = ? AND enterprise_id = ?`), id, enterpriseID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("legal person filing %d: %w", id, ErrNotFound)
	case err != nil:
		return fmt.Errorf("store: %s legal person: %w", op, err)
	case !allowed(cur.State):
		return fmt.Errorf("cannot %s legal person filing %d in state %s: %w", op, id, cur.State, ErrState)
	case version >= 0 && cur.Version != version:
		return fmt.Errorf("legal person filing %d is at version %d, not %d: %w", id, cur.Version, version, ErrConflict)
	default:
		// It matched in between: changed by someone else meanwhile.
		return fmt.Errorf("legal person filing %d changed meanwhile: %w", id, ErrConflict)
	}
}
