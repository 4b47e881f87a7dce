package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
	kind   *model.KindSpec
	change bool
	table  string // e.g. "customs_filings", "customs_changes"
	cols   []string
	form   model.Form // for the diffs of the audit trail
}

func (sp *spec) what() string {
	if sp.change {
		return strings.ReplaceAll(string(sp.kind.Kind), "_", "-") + " change"
	}
	return strings.ReplaceAll(string(sp.kind.Kind), "_", " ") + " filing"
}

type specKey struct {
	kind   model.FilingKind
	change bool
}

// specs are the tables of model.Kinds: <kind>_filings and <kind>_changes,
// one column per field key.
var specs = func() map[specKey]*spec {
	m := map[specKey]*spec{}
	for _, k := range model.Kinds {
		cols := k.Keys()
		m[specKey{k.Kind, false}] = &spec{kind: k, table: string(k.Kind) + "_filings", cols: cols, form: k.Form}
		if !k.NoChanges {
			m[specKey{k.Kind, true}] = &spec{kind: k, change: true, table: string(k.Kind) + "_changes", cols: cols, form: k.ChangeForm}
		}
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
	type key struct {
		sp     *spec
		prefix string
	}
	return memo(key{sp, prefix}, func() string { return sp.columnsText(prefix) })
}

func (sp *spec) columnsText(prefix string) string {
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
	vals model.Fields
}

func (r rec) record() model.Record { return model.Record{RecordMeta: r.meta, Fields: r.vals} }

func records(rs []rec) []model.Record {
	out := make([]model.Record, len(rs))
	for i, r := range rs {
		out[i] = r.record()
	}
	return out
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
	sp.fill(&r, state, declared, vals)
	return r, nil
}

// fill completes r, whose meta holds the columns scanned as they are:
// its kind, state and declaration time, its times in UTC, and its fields
// from vals (in column order).
func (sp *spec) fill(r *rec, state string, declared sql.NullTime, vals []string) {
	m := &r.meta
	m.Kind, m.Change, m.State = sp.kind.Kind, sp.change, model.State(state)
	m.CreatedAt, m.UpdatedAt = m.CreatedAt.UTC(), m.UpdatedAt.UTC()
	if declared.Valid {
		t := declared.Time.UTC()
		m.DeclaredAt = &t
	}
	r.vals = make(model.Fields, len(vals))
	for i, c := range sp.cols {
		r.vals[c] = vals[i]
	}
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

// context is what the system fills a record's grey fields from, read in
// the record's transaction: the enterprise's registered credit code, its
// declared legal-person filing (for a kind that needs one), and for a
// change the approved filing it changes.
type fillContext struct {
	creditCode string       // the enterprise's registered credit code
	lp         model.Fields // the declared legal-person filing; nil if never declared
	filing     *rec         // a change's approved filing
	// others are the fields the kind takes from the enterprise's filings
	// of other kinds (model.FromFiling), by kind.
	others map[model.FilingKind]model.Fields
}

// readOthers reads the fields sp takes from the enterprise's filings of
// other kinds (model.FromFiling).
func (s *Store) readOthers(ctx context.Context, tx conn, sp *spec, enterpriseID int64, fc *fillContext) error {
	for _, f := range sp.kind.Fills {
		if f.From != model.FromFiling || fc.others[f.Filing] != nil {
			continue
		}
		osp := specFor(f.Filing, false)
		r, err := osp.scan(tx.QueryRowxContext(ctx, s.q(`SELECT `+osp.columns("")+` FROM `+osp.table+`
			WHERE enterprise_id = ? ORDER BY id LIMIT 1`), enterpriseID))
		if errors.Is(err, sql.ErrNoRows) {
			r.vals = model.Fields{}
		} else if err != nil {
			return fmt.Errorf("store: read %s: %w", osp.what(), err)
		}
		if fc.others == nil {
			fc.others = map[model.FilingKind]model.Fields{}
		}
		fc.others[f.Filing] = r.vals
	}
	return nil
}

// lockRec reads a record of the enterprise before changing it, locked in a
// transaction (FOR UPDATE on PostgreSQL; SQLite's write transaction holds
// the database; on the pool, atomically's, the write checks the version
// read instead), with the enterprise's credit code and, for a kind that needs
// it, the enterprise's declared legal-person filing in the same statement.
// ErrNotFound when the enterprise has no record of that id.
func (s *Store) lockRec(ctx context.Context, tx conn, sp *spec, enterpriseID, id int64) (rec, *fillContext, error) {
	_, locked := tx.(*sqlx.Tx)
	locked = locked && s.dialect == Postgres
	fc := &fillContext{}
	extra := []any{&fc.creditCode}
	var lp *lpRead
	if sp.fillsFromLP() {
		lp = newLPRead()
		extra = append(extra, lp.dest()...)
	}
	type key struct {
		sp     *spec
		locked bool
	}
	query := memo(key{sp, locked}, func() string {
		query := `SELECT ` + sp.columns("t.") + `, COALESCE((SELECT e.credit_code FROM enterprises e WHERE e.id = t.enterprise_id), '')` +
			sp.lpColumns() + ` FROM ` + sp.table + ` t` + sp.lpJoin("t.enterprise_id") +
			` WHERE t.id = ? AND t.enterprise_id = ?`
		if locked {
			query += ` FOR UPDATE OF t`
		}
		return query
	})
	r, err := sp.scan(s.queryRowTx(ctx, tx, s.q(query), id, enterpriseID), extra...)
	if errors.Is(err, sql.ErrNoRows) {
		return rec{}, nil, fmt.Errorf("%s %d: %w", sp.what(), id, ErrNotFound)
	}
	if err != nil {
		return rec{}, nil, fmt.Errorf("store: read %s: %w", sp.what(), err)
	}
	if lp != nil {
		fc.lp = lp.fields()
	}
	return r, fc, nil
}

var lpSpec = func() *spec { return specFor(model.FilingLegalPerson, false) }

// RecordRead is a record as a save or a declaration reads it before its
// write (lockRec's row, fill context and all), read ahead with the
// request's session (SessionContext's want), so that the write does not
// read it again. Only a write on the pool uses it: there the record is
// read without a lock in any case, and the write checks the version and
// state read. A write in a transaction (SQLite; an operator card's) reads
// inside it.
type RecordRead struct {
	sp           *spec
	enterpriseID int64
	id           int64
	found        bool
	r            rec
	fc           fillContext
}

// fillsFromLP: sp's records take fields from the enterprise's declared
// legal-person filing (a kind that NeedsLegalPerson, not its changes).
func (sp *spec) fillsFromLP() bool { return !sp.change && sp.kind.NeedsLegalPerson }

// lpJoin joins, where sp fillsFromLP, the declared legal-person filing
// (as l) of the enterprise whose id is the column enterpriseID; nothing
// otherwise.
func (sp *spec) lpJoin(enterpriseID string) string {
	if !sp.fillsFromLP() {
		return ""
	}
	return ` LEFT JOIN legal_person_filings l ON l.enterprise_id = ` + enterpriseID + ` AND l.declared_at IS NOT NULL`
}

// lpColumns are the columns a read of sp's record takes, where sp
// fillsFromLP, of the enterprise's declared legal-person filing (lpJoin):
// whether there is one, and its fields; none otherwise. lpRead scans them.
func (sp *spec) lpColumns() string {
	if !sp.fillsFromLP() {
		return ""
	}
	var b strings.Builder
	b.WriteString(", l.id IS NOT NULL")
	for _, c := range lpSpec().cols {
		b.WriteString(", COALESCE(l." + c + ", '')")
	}
	return b.String()
}

// lpRead is what a row's lpColumns say.
type lpRead struct {
	ok bool
	v  []string
}

func newLPRead() *lpRead { return &lpRead{v: make([]string, len(lpSpec().cols))} }

func (l *lpRead) dest() []any {
	d := []any{&l.ok}
	for i := range l.v {
		d = append(d, &l.v[i])
	}
	return d
}

// fields are the declared legal-person filing's; nil without one.
func (l *lpRead) fields() model.Fields {
	if !l.ok {
		return nil
	}
	f := make(model.Fields, len(l.v))
	for i, c := range lpSpec().cols {
		f[c] = l.v[i]
	}
	return f
}

// recordDest scans sp.columns of a row that may have none (a LEFT JOIN
// that matched nothing), then sp.lpColumns.
type recordDest struct {
	dest     []any
	id, ent  sql.NullInt64
	state    sql.NullString
	version  sql.NullInt64
	by, upBy sql.NullString
	at, upAt sql.NullTime
	declared sql.NullTime
	reason   sql.NullString
	filingID sql.NullInt64
	vals     []sql.NullString
	lp       *lpRead // nil unless sp fillsFromLP
}

func (sp *spec) nullableDest() *recordDest {
	d := &recordDest{vals: make([]sql.NullString, len(sp.cols))}
	d.dest = []any{&d.id, &d.ent, &d.state, &d.version, &d.by, &d.upBy, &d.at, &d.upAt, &d.declared, &d.reason, &d.filingID}
	for i := range d.vals {
		d.dest = append(d.dest, &d.vals[i])
	}
	if sp.fillsFromLP() {
		d.lp = newLPRead()
		d.dest = append(d.dest, d.lp.dest()...)
	}
	return d
}

// read is the RecordRead of the scanned row: of record id of the
// enterprise, whose credit code is creditCode.
func (d *recordDest) read(sp *spec, enterpriseID, id int64, creditCode string) *RecordRead {
	out := &RecordRead{sp: sp, enterpriseID: enterpriseID, id: id, found: d.id.Valid}
	if !out.found {
		return out
	}
	m := &out.r.meta
	m.ID, m.EnterpriseID, m.Version = d.id.Int64, d.ent.Int64, int(d.version.Int64)
	m.CreatedBy, m.UpdatedBy, m.ReturnReason, m.FilingID = d.by.String, d.upBy.String, d.reason.String, d.filingID.Int64
	m.CreatedAt, m.UpdatedAt = d.at.Time, d.upAt.Time
	vals := make([]string, len(d.vals))
	for i, v := range d.vals {
		vals[i] = v.String
	}
	sp.fill(&out.r, d.state.String, d.declared, vals)
	out.fc.creditCode = creditCode
	if d.lp != nil {
		out.fc.lp = d.lp.fields()
	}
	return out
}

// readForWrite is lockRec, or the record read ahead (in.Read) when it is
// of this record and the write is on the pool.
func (s *Store) readForWrite(ctx context.Context, tx conn, sp *spec, enterpriseID, id int64, ahead *RecordRead) (rec, *fillContext, error) {
	if _, inTx := tx.(*sqlx.Tx); inTx || ahead == nil || ahead.sp != sp || ahead.enterpriseID != enterpriseID || ahead.id != id {
		return s.lockRec(ctx, tx, sp, enterpriseID, id)
	}
	if !ahead.found {
		return rec{}, nil, fmt.Errorf("%s %d: %w", sp.what(), id, ErrNotFound)
	}
	fc := ahead.fc
	return ahead.r, &fc, nil
}

// readFillContext reads what a new record's grey fields are filled from.
func (s *Store) readFillContext(ctx context.Context, tx *sqlx.Tx, sp *spec, enterpriseID int64) (*fillContext, error) {
	fc := &fillContext{}
	err := tx.GetContext(ctx, &fc.creditCode, s.q(`SELECT credit_code FROM enterprises WHERE id = ?`), enterpriseID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("enterprise %d: %w", enterpriseID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: read enterprise: %w", err)
	}
	if err := s.readOthers(ctx, tx, sp, enterpriseID, fc); err != nil {
		return nil, err
	}
	if !sp.fillsFromLP() {
		return fc, nil
	}
	lsp := lpSpec()
	r, err := lsp.scan(tx.QueryRowxContext(ctx, s.q(`SELECT `+lsp.columns("")+` FROM legal_person_filings
		WHERE enterprise_id = ? AND declared_at IS NOT NULL`), enterpriseID))
	if errors.Is(err, sql.ErrNoRows) {
		return fc, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: read legal person filing: %w", err)
	}
	fc.lp = r.vals
	return fc, nil
}

// prepare makes the values to store from what the caller sent: the
// kind's fields only, normalized, with every grey field set by the system
// (model.KindSpec): the card holder's CardFixed fields from the
// enterprise; a change's FixedInChange from the approved filing; the
// fields of the declared legal-person filing (ErrLegalPersonNotDeclared
// without one); the registry's from its answer (none: ErrNoRegistryRecord
// for a kind that needs one; not asked: the values old had, or the
// approved filing's). Then the kind's Blocked is asked (*BlockedError).
// old is the record as stored (nil on create).
func prepare(sp *spec, who Actor, in Input, fc *fillContext, old *rec, declare bool) (model.Fields, error) {
	k := sp.kind
	sent := in.Fields
	if !sp.change && who.Role.Card() && len(k.CardFixed) > 0 {
		// Before Normalize, so that the codes cut from the credit code are
		// cut from the enterprise's.
		sent = sent.Clone()
		for _, key := range k.CardFixed {
			sent[key] = fc.creditCode
		}
	}
	vals := k.Normalize(sent, sp.change)
	if sp.change {
		model.Keep(vals, fc.filing.vals, k.FixedInChange)
	}
	if sp.fillsFromLP() {
		if fc.lp == nil {
			return nil, ErrLegalPersonNotDeclared
		}
		k.FillFromLegalPerson(vals, fc.lp)
	}
	k.FillFromFilings(vals, func(kind model.FilingKind) model.Fields { return fc.others[kind] })
	if keys := k.RegistryKeysOf(sp.change); len(keys) > 0 {
		switch {
		case in.Registry != nil && in.Registry.Found:
			model.Keep(vals, in.Registry.Fields, keys)
		case in.Registry != nil:
			if k.RegistryRequired {
				return nil, &NoRegistryRecordError{Message: k.NoRegistryRecordMessage()}
			}
			model.Keep(vals, model.Fields{}, keys)
		default:
			var keep model.Fields
			switch {
			case old != nil:
				keep = old.vals
			case sp.change:
				keep = fc.filing.vals
			}
			if k.RegistryRequired && (declare || keep == nil) {
				return nil, fmt.Errorf("%s: %w", k.Registry, ErrRegistryUnavailable)
			}
			model.Keep(vals, keep, keys)
		}
	}
	if msg := k.BlockedMessage(vals); msg != "" {
		return nil, &BlockedError{Message: msg}
	}
	return vals, nil
}

// createRec inserts a record in state draft, version 1. For a change,
// filingID is the approved filing it changes.
func (s *Store) createRec(ctx context.Context, sp *spec, enterpriseID, filingID int64, who Actor, in Input) (rec, error) {
	kind := sp.kind.Kind
	if sp.change {
		if err := who.may(model.Role.MayChange, kind, "change"); err != nil {
			return rec{}, err
		}
	} else if err := who.may(model.Role.MaySave, kind, "save"); err != nil {
		return rec{}, err
	}
	var out rec
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.checkAuthorised(ctx, tx, sp, enterpriseID, who); err != nil {
			return err
		}
		fc, err := s.readFillContext(ctx, tx, sp, enterpriseID)
		if err != nil {
			return err
		}
		if sp.change {
			fsp := specFor(kind, false)
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
			fc.filing = &f
		}
		vals, err := prepare(sp, who, in, fc, nil, false)
		if err != nil {
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
			return fmt.Errorf("%s %d: %w", specFor(kind, false).what(), filingID, ErrOpenChange)
		case uniqueViolation(err, sp.table, "enterprise_id") || sp.kind.UniqueKey != "" && isUniqueViolation(err):
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
func (s *Store) updateRec(ctx context.Context, sp *spec, enterpriseID, id int64, version int, who Actor, in Input, declare bool) (rec, error) {
	kind := sp.kind.Kind
	op, allowed, action := "save", model.State.CanEdit, model.ActionSave
	switch {
	case declare && sp.change:
		op, allowed, action = "declare", model.State.CanDeclare, model.ActionDeclare
		if err := who.may(model.Role.MayChange, kind, "declare"); err != nil {
			return rec{}, err
		}
	case declare:
		op, allowed, action = "declare", model.State.CanDeclare, model.ActionDeclare
		if err := who.may(model.Role.MayDeclare, kind, "declare"); err != nil {
			return rec{}, err
		}
	case sp.change:
		if err := who.may(model.Role.MayChange, kind, "change"); err != nil {
			return rec{}, err
		}
	default:
		if err := who.may(model.Role.MaySave, kind, "save"); err != nil {
			return rec{}, err
		}
	}
	var out rec
	// The UPDATE below checks the version and state read: the record
	// needs no lock. An operator card's authorisation does (FOR SHARE,
	// until the write), so that its revocation waits for the write.
	err := s.atomically(ctx, who.Role == model.RoleOperatorCard, func(tx conn) error {
		if err := s.checkAuthorised(ctx, tx, sp, enterpriseID, who); err != nil {
			return err
		}
		old, fc, err := s.readForWrite(ctx, tx, sp, enterpriseID, id, in.Read)
		if err != nil {
			return err
		}
		if err := checkState(sp, old, version, allowed, op); err != nil {
			return err
		}
		if err := s.readOthers(ctx, tx, sp, enterpriseID, fc); err != nil {
			return err
		}
		if sp.change {
			f, err := s.getRec(ctx, tx, specFor(kind, false), enterpriseID, old.meta.FilingID, false)
			if err != nil {
				return err
			}
			fc.filing = &f
		}
		vals, err := prepare(sp, who, in, fc, &old, declare)
		if err != nil {
			return err
		}
		var sig *RecordSignature
		if declare && in.Sign != nil {
			if who, sig, err = in.Sign(vals, version+1); err != nil {
				return err
			}
		}
		now := s.nowUTC()
		args := append(sp.args(vals), who.Name, now)
		to := old.meta.State
		if declare {
			args = append(args, string(model.StateDeclared), now)
			to = model.StateDeclared
		}
		args = append(args, id, enterpriseID, version)
		type key struct {
			sp      *spec
			declare bool
		}
		update := memo(key{sp, declare}, func() string {
			set := strings.Join(sp.cols, " = ?, ") + " = ?, version = version + 1, updated_by = ?, updated_at = ?"
			if declare {
				set += ", state = ?, declared_at = ?, return_reason = ''"
			}
			return `UPDATE ` + sp.table + ` SET ` + set + `
			WHERE id = ? AND enterprise_id = ? AND version = ? AND state IN (` + stateList(allowed) + `)
			RETURNING ` + sp.columns("")
		})
		r, err := s.writeAudited(ctx, tx, sp, update, args, auditRow{
			action: action, from: old.meta.State, to: to, who: who,
			fields: model.Diff(sp.form, old.vals, vals), sig: sig,
		})
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%s %d changed meanwhile: %w", sp.what(), id, ErrConflict)
		}
		if sp.kind.UniqueKey != "" && isUniqueViolation(err) {
			return fmt.Errorf("%s %d: %s taken: %w", sp.what(), id, sp.kind.UniqueKey, ErrDuplicate)
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
		if err := who.may(model.Role.MayChange, sp.kind.Kind, "delete"); err != nil {
			return err
		}
	} else if err := who.may(model.Role.MayDelete, sp.kind.Kind, "delete"); err != nil {
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

var deletableStates = stateList(model.State.CanDelete)
