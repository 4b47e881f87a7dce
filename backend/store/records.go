package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"eportid/app/model"
)

// The engine behind every filing and change (X1): one table per kind of
// record, one column per field (named by the field's JSON key), and the
// same statements for all eight tables. Every change of state runs in one
// transaction that
//
//  1. reads the record as it is, locked (FOR UPDATE on PostgreSQL; SQLite's
//     write transactions hold the database lock from BEGIN),
//  2. says why not when the state or the version forbid it (ErrState is
//     checked before ErrConflict, so a repeated declaration reads as such),
//  3. changes it with an UPDATE or DELETE whose WHERE clause holds the
//     enterprise, the version read and the states that allow it (the rule
//     is in the statement, whatever the Go code above it does), and
//  4. writes the audit row with the fields that changed (writeAudited: on
//     PostgreSQL in the same statement as the change).

// spec is the table of one kind of record.
type spec struct {
	kind   model.FilingKind
	change bool
	table  string // e.g. "customs_filings", "customs_changes"
	cols   []string
	form   model.Form // for the diffs of the audit trail
}

func (sp *spec) what() string {
	if sp.change {
		return strings.ReplaceAll(string(sp.kind), "_", "-") + " change"
	}
	return strings.ReplaceAll(string(sp.kind), "_", " ") + " filing"
}

type specKey struct {
	kind   model.FilingKind
	change bool
}

// fieldTypes are the field types of the kinds.
var fieldTypes = map[model.FilingKind]reflect.Type{
	model.FilingLegalPerson: reflect.TypeFor[model.LegalPerson](),
	model.FilingCommerce:    reflect.TypeFor[model.Commerce](),
	model.FilingCustoms:     reflect.TypeFor[model.Customs](),
	model.FilingForex:       reflect.TypeFor[model.Forex](),
}

// jsonColumns are the JSON keys of a field type, in field order: the
// column names of its tables.
func jsonColumns(t reflect.Type) []string {
	cols := make([]string, t.NumField())
	for i := range cols {
		f := t.Field(i)
		key, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Type.Kind() != reflect.String || key == "" || key == "-" {
			panic("store: " + t.Name() + "." + f.Name + " must be a string with a json tag")
		}
		cols[i] = key
	}
	return cols
}

var specs = func() map[specKey]*spec {
	m := map[specKey]*spec{}
	for _, k := range model.FilingKinds {
		cols := jsonColumns(fieldTypes[k])
		m[specKey{k, false}] = &spec{kind: k, table: string(k) + "_filings", cols: cols, form: k.Form()}
		m[specKey{k, true}] = &spec{kind: k, change: true, table: string(k) + "_changes", cols: cols, form: k.ChangeForm()}
	}
	return m
}()

func specFor(kind model.FilingKind, change bool) *spec {
	sp := specs[specKey{kind, change}]
	if sp == nil {
		panic("store: no table for " + string(kind))
	}
	return sp
}

// specOf is the spec of a reference; ErrNotFound for an unknown kind.
func specOf(ref model.RecordRef) (*spec, error) {
	sp := specs[specKey{ref.Kind, ref.Change}]
	if sp == nil {
		return nil, fmt.Errorf("%s: unknown kind: %w", ref, ErrNotFound)
	}
	return sp, nil
}

// columns is the select list of the table, each column prefixed with
// prefix ("t." or ""): the meta columns, the filing id, the fields.
func (sp *spec) columns(prefix string) string {
	var b strings.Builder
	for i, c := range []string{"id", "enterprise_id", "state", "version", "created_by", "updated_by",
		"created_at", "updated_at", "declared_at", "return_reason"} {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(prefix + c)
	}
	if sp.change {
		b.WriteString(", " + prefix + "filing_id")
	} else {
		b.WriteString(", " + prefix + "id AS filing_id")
	}
	for _, c := range sp.cols {
		b.WriteString(", " + prefix + c)
	}
	return b.String()
}

// rec is a row as read: its meta and its fields by key.
type rec struct {
	meta model.RecordMeta
	vals map[string]string
}

type rowScanner interface{ Scan(dest ...any) error }

// scan reads a row of sp.columns, then the extra destinations.
func (sp *spec) scan(sc rowScanner, extra ...any) (rec, error) {
	var (
		r        rec
		state    string
		declared sql.NullTime
		vals     = make([]string, len(sp.cols))
	)
	m := &r.meta
	dest := []any{&m.ID, &m.EnterpriseID, &state, &m.Version, &m.CreatedBy, &m.UpdatedBy,
		&m.CreatedAt, &m.UpdatedAt, &declared, &m.ReturnReason, &m.FilingID}
	for i := range vals {
		dest = append(dest, &vals[i])
	}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return rec{}, err
	}
	m.Kind, m.Change, m.State = sp.kind, sp.change, model.State(state)
	m.CreatedAt, m.UpdatedAt = m.CreatedAt.UTC(), m.UpdatedAt.UTC()
	if declared.Valid {
		t := declared.Time.UTC()
		m.DeclaredAt = &t
	}
	r.vals = make(map[string]string, len(vals))
	for i, c := range sp.cols {
		r.vals[c] = vals[i]
	}
	return r, nil
}

// args are the values of vals in column order.
func (sp *spec) args(vals map[string]string) []any {
	out := make([]any, len(sp.cols))
	for i, c := range sp.cols {
		out[i] = vals[c]
	}
	return out
}

// forUpdate is the locking clause of a read before a change.
func (s *Store) forUpdate() string {
	if s.dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// getRec reads a record of the enterprise (locked when lock is set, in a
// transaction); ErrNotFound when the enterprise has none of that id.
func (s *Store) getRec(ctx context.Context, q sqlx.QueryerContext, sp *spec, enterpriseID, id int64, lock bool) (rec, error) {
	query := `SELECT ` + sp.columns("") + ` FROM ` + sp.table + ` WHERE id = ? AND enterprise_id = ?`
	if lock {
		query += s.forUpdate()
	}
	r, err := sp.scan(q.QueryRowxContext(ctx, s.q(query), id, enterpriseID))
	if errors.Is(err, sql.ErrNoRows) {
		return rec{}, fmt.Errorf("%s %d: %w", sp.what(), id, ErrNotFound)
	}
	if err != nil {
		return rec{}, fmt.Errorf("store: read %s: %w", sp.what(), err)
	}
	return r, nil
}

// listRecs returns the records of the enterprise: filings oldest first,
// changes newest first.
func (s *Store) listRecs(ctx context.Context, sp *spec, enterpriseID int64) ([]rec, error) {
	order := "id"
	if sp.change {
		order = "id DESC"
	}
	rows, err := s.db.QueryxContext(ctx, s.q(`SELECT `+sp.columns("")+` FROM `+sp.table+`
		WHERE enterprise_id = ? ORDER BY `+order), enterpriseID)
	if err != nil {
		return nil, fmt.Errorf("store: list %ss: %w", sp.what(), err)
	}
	defer rows.Close()
	var out []rec
	for rows.Next() {
		r, err := sp.scan(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list %ss: %w", sp.what(), err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list %ss: %w", sp.what(), err)
	}
	return out, nil
}

// checkState says why a change of a record as read is refused: a state
// that forbids it (ErrState), or a stale version (ErrConflict; version < 0
// skips that check).
func checkState(sp *spec, r rec, version int, allowed func(model.State) bool, op string) error {
	switch {
	case !allowed(r.meta.State):
		return fmt.Errorf("cannot %s %s %d in state %s: %w", op, sp.what(), r.meta.ID, r.meta.State, ErrState)
	case version >= 0 && r.meta.Version != version:
		return fmt.Errorf("%s %d is at version %d, not %d: %w", sp.what(), r.meta.ID, r.meta.Version, version, ErrConflict)
	}
	return nil
}

// declaredLP is the enterprise's legal-person filing as a qualification
// filing needs it: ok when it has ever been declared.
type declaredLP struct {
	ok bool
	lp model.LegalPerson
}

var lpSpec = func() *spec { return specFor(model.FilingLegalPerson, false) }

// lockRec reads a record of the enterprise before changing it, locked
// (FOR UPDATE on PostgreSQL; SQLite's write transaction holds the database).
// For a qualification filing the same statement reads the enterprise's
// declared legal-person filing, which prepare needs. ErrNotFound when the
// enterprise has no record of that id.
func (s *Store) lockRec(ctx context.Context, tx *sqlx.Tx, sp *spec, enterpriseID, id int64) (rec, *declaredLP, error) {
	join := !sp.change && sp.kind.Qualification()
	query := `SELECT ` + sp.columns("t.")
	var (
		lp    *declaredLP
		extra []any
		lpv   []string
	)
	if join {
		lp = &declaredLP{}
		lpCols := lpSpec().cols
		lpv = make([]string, len(lpCols))
		extra = append(extra, &lp.ok)
		query += `, l.id IS NOT NULL`
		for i, c := range lpCols {
			query += `, COALESCE(l.` + c + `, '')`
			extra = append(extra, &lpv[i])
		}
		query += ` FROM ` + sp.table + ` t LEFT JOIN legal_person_filings l
			ON l.enterprise_id = t.enterprise_id AND l.declared_at IS NOT NULL`
	} else {
		query += ` FROM ` + sp.table + ` t`
	}
	query += ` WHERE t.id = ? AND t.enterprise_id = ?`
	if s.dialect == Postgres {
		query += ` FOR UPDATE OF t`
	}
	r, err := sp.scan(s.queryRowTx(ctx, tx, s.q(query), id, enterpriseID), extra...)
	if errors.Is(err, sql.ErrNoRows) {
		return rec{}, nil, fmt.Errorf("%s %d: %w", sp.what(), id, ErrNotFound)
	}
	if err != nil {
		return rec{}, nil, fmt.Errorf("store: read %s: %w", sp.what(), err)
	}
	if lp != nil && lp.ok {
		m := make(map[string]string, len(lpv))
		for i, c := range lpSpec().cols {
			m[c] = lpv[i]
		}
		model.SetValues(&lp.lp, m)
	}
	return r, lp, nil
}

// prepare sets the fields the system fills, whatever the caller sent:
// for a qualification filing those taken from the enterprise's declared
// legal-person filing (lp, or read here when nil; ErrLegalPersonNotDeclared
// when there is none); for a change the fields fixed in a change, from the
// approved filing; and it refuses a forex record the bureau has cancelled
// or revoked (*ForexBlockedError).
func (s *Store) prepare(ctx context.Context, tx *sqlx.Tx, sp *spec, enterpriseID, filingID int64, vals map[string]string, lp *declaredLP) error {
	switch {
	case sp.change:
		f, err := s.getRec(ctx, tx, specFor(sp.kind, false), enterpriseID, filingID, false)
		if err != nil {
			return err
		}
		for _, k := range sp.kind.FixedInChange() {
			vals[k] = f.vals[k]
		}
	case sp.kind.Qualification():
		if lp == nil {
			var err error
			if lp, err = s.declaredLegalPerson(ctx, tx, enterpriseID); err != nil {
				return err
			}
		}
		if !lp.ok {
			return fmt.Errorf("enterprise %d: %w", enterpriseID, ErrLegalPersonNotDeclared)
		}
		fillFromLegalPerson(sp.kind, vals, lp.lp)
	}
	if sp.kind == model.FilingForex {
		if st := model.ForexStatus(vals["bureau_status"]); st.Blocks() {
			return &ForexBlockedError{Status: st}
		}
	}
	return nil
}

// declaredLegalPerson reads the enterprise's legal-person filing if it has
// ever been declared (declared_at is kept through a return).
func (s *Store) declaredLegalPerson(ctx context.Context, tx *sqlx.Tx, enterpriseID int64) (*declaredLP, error) {
	sp := lpSpec()
	r, err := sp.scan(tx.QueryRowxContext(ctx, s.q(`SELECT `+sp.columns("")+` FROM legal_person_filings
		WHERE enterprise_id = ? AND declared_at IS NOT NULL`), enterpriseID))
	if errors.Is(err, sql.ErrNoRows) {
		return &declaredLP{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: read legal person filing: %w", err)
	}
	out := &declaredLP{ok: true}
	model.SetValues(&out.lp, r.vals)
	return out, nil
}

func fillFromLegalPerson(k model.FilingKind, vals map[string]string, lp model.LegalPerson) {
	switch k {
	case model.FilingCommerce:
		fill[model.Commerce](vals, lp)
	case model.FilingCustoms:
		fill[model.Customs](vals, lp)
	case model.FilingForex:
		fill[model.Forex](vals, lp)
	}
}

func fill[F model.Fields](vals map[string]string, lp model.LegalPerson) {
	var f F
	model.SetValues(&f, vals)
	model.FillFromLegalPerson(&f, lp)
	for k, v := range model.Values(&f) {
		vals[k] = v
	}
}

// createRec inserts a record in state draft, version 1. For a change,
// filingID is the approved filing it changes.
func (s *Store) createRec(ctx context.Context, sp *spec, enterpriseID, filingID int64, who Actor, vals map[string]string) (rec, error) {
	if sp.change {
		if err := who.may(model.Role.MayChange, sp.kind, "change"); err != nil {
			return rec{}, err
		}
	} else if err := who.may(model.Role.MaySave, sp.kind, "save"); err != nil {
		return rec{}, err
	}
	vals = cloneVals(sp, vals)
	var out rec
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if sp.change {
			fsp := specFor(sp.kind, false)
			f, err := s.getRec(ctx, tx, fsp, enterpriseID, filingID, true)
			if err != nil {
				return err
			}
			if f.meta.State != model.StateApproved {
				return fmt.Errorf("%s %d is %s, only an approved filing can be changed: %w", fsp.what(), filingID, f.meta.State, ErrState)
			}
			var open int
			if err := tx.GetContext(ctx, &open, s.q(`SELECT COUNT(*) FROM `+sp.table+`
				WHERE filing_id = ? AND state <> 'approved'`), filingID); err != nil {
				return fmt.Errorf("store: %s: %w", sp.what(), err)
			}
			if open > 0 {
				return fmt.Errorf("%s %d: %w", fsp.what(), filingID, ErrOpenChange)
			}
		}
		if err := s.prepare(ctx, tx, sp, enterpriseID, filingID, vals, nil); err != nil {
			return err
		}
		now := s.nowUTC()
		cols := "enterprise_id, state, version, created_by, updated_by, created_at, updated_at"
		args := []any{enterpriseID, string(model.StateDraft), who.Name, who.Name, now, now}
		if sp.change {
			cols += ", filing_id"
			args = append(args, filingID)
		}
		args = append(args, sp.args(vals)...)
		query := `INSERT INTO ` + sp.table + ` (` + cols + `, ` + strings.Join(sp.cols, ", ") + `)
			VALUES (?, ?, 1` + strings.Repeat(", ?", len(args)-2) + `)
			RETURNING ` + sp.columns("")
		r, err := s.writeAudited(ctx, tx, sp, query, args, auditRow{
			action: model.ActionCreate, to: model.StateDraft, who: who,
			fields: model.Diff(sp.form, nil, vals),
		})
		switch {
		case sp.change && isUniqueViolation(err):
			return fmt.Errorf("%s %d: %w", specFor(sp.kind, false).what(), filingID, ErrOpenChange)
		case uniqueViolation(err, sp.table, "enterprise_id"):
			return fmt.Errorf("%s of enterprise %d: %w", sp.what(), enterpriseID, ErrDuplicate)
		case foreignKeyViolation(err):
			return fmt.Errorf("enterprise %d: %w", enterpriseID, ErrNotFound)
		case err != nil:
			return fmt.Errorf("store: create %s: %w", sp.what(), err)
		}
		out = r
		return nil
	})
	return out, err
}

// updateRec saves the fields of a record (暂存), or saves and declares it
// (申报), bumping its version.
func (s *Store) updateRec(ctx context.Context, sp *spec, enterpriseID, id int64, version int, who Actor, vals map[string]string, declare bool) (rec, error) {
	op, allowed, action := "save", model.State.CanEdit, model.ActionSave
	switch {
	case declare && sp.change:
		op, allowed, action = "declare", model.State.CanDeclare, model.ActionDeclare
		if err := who.may(model.Role.MayChange, sp.kind, "declare"); err != nil {
			return rec{}, err
		}
	case declare:
		op, allowed, action = "declare", model.State.CanDeclare, model.ActionDeclare
		if err := who.may(model.Role.MayDeclare, sp.kind, "declare"); err != nil {
			return rec{}, err
		}
	case sp.change:
		if err := who.may(model.Role.MayChange, sp.kind, "change"); err != nil {
			return rec{}, err
		}
	default:
		if err := who.may(model.Role.MaySave, sp.kind, "save"); err != nil {
			return rec{}, err
		}
	}
	vals = cloneVals(sp, vals)
	var out rec
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		old, lp, err := s.lockRec(ctx, tx, sp, enterpriseID, id)
		if err != nil {
			return err
		}
		if err := checkState(sp, old, version, allowed, op); err != nil {
			return err
		}
		if err := s.prepare(ctx, tx, sp, enterpriseID, old.meta.FilingID, vals, lp); err != nil {
			return err
		}
		now := s.nowUTC()
		set := strings.Join(sp.cols, " = ?, ") + " = ?, version = version + 1, updated_by = ?, updated_at = ?"
		args := append(sp.args(vals), who.Name, now)
		to := old.meta.State
		if declare {
			set += ", state = ?, declared_at = ?, return_reason = ''"
			args = append(args, string(model.StateDeclared), now)
			to = model.StateDeclared
		}
		args = append(args, id, enterpriseID, version)
		r, err := s.writeAudited(ctx, tx, sp, `UPDATE `+sp.table+` SET `+set+`
			WHERE id = ? AND enterprise_id = ? AND version = ? AND state IN (`+stateList(allowed)+`)
			RETURNING `+sp.columns(""), args, auditRow{
			action: action, from: old.meta.State, to: to, who: who,
			fields: model.Diff(sp.form, old.vals, vals),
		})
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%s %d changed meanwhile: %w", sp.what(), id, ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("store: %s %s: %w", op, sp.what(), err)
		}
		out = r
		return nil
	})
	return out, err
}

// deleteRec deletes a record for good, in draft or returned state.
func (s *Store) deleteRec(ctx context.Context, sp *spec, enterpriseID, id int64, who Actor) error {
	if sp.change {
		if err := who.may(model.Role.MayChange, sp.kind, "delete"); err != nil {
			return err
		}
	} else if err := who.may(model.Role.MayDelete, sp.kind, "delete"); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		old, err := s.getRec(ctx, tx, sp, enterpriseID, id, true)
		if err != nil {
			return err
		}
		if err := checkState(sp, old, -1, model.State.CanDelete, "delete"); err != nil {
			return err
		}
		_, err = s.writeAudited(ctx, tx, sp, `DELETE FROM `+sp.table+`
			WHERE id = ? AND enterprise_id = ? AND state IN (`+deletableStates+`)
			RETURNING `+sp.columns(""), []any{id, enterpriseID},
			auditRow{action: model.ActionDelete, from: old.meta.State, who: who})
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%s %d changed meanwhile: %w", sp.what(), id, ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("store: delete %s: %w", sp.what(), err)
		}
		return nil
	})
}

// cloneVals copies the fields of vals that are columns of the table.
func cloneVals(sp *spec, vals map[string]string) map[string]string {
	out := make(map[string]string, len(sp.cols))
	for _, c := range sp.cols {
		out[c] = vals[c]
	}
	return out
}

// isUniqueViolation reports whether err is any unique-constraint violation.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	if pq.As(err, pqerror.UniqueViolation) != nil {
		return true
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		code := sqErr.Code()
		return code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}
