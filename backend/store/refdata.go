package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"eportid/app/model"
	"eportid/backend/refdata"
)

// Department kinds, as Departments and DepartmentAllowed take them.
const (
	DeptMarket = refdata.KindMarket // 市场监督管理局
	DeptTax    = refdata.KindTax    // 国家税务总局…税务局
)

// RefDataSet is what LoadRefData recorded of one set.
type RefDataSet struct {
	Name     string `db:"name"`
	Revision string `db:"revision"`
	Source   string `db:"source"`
	Rows     int    `db:"row_count"`
}

// LoadRefData upserts the reference data embedded in package refdata
// (GB/T 2260 divisions, customs districts, departments, agent points and
// their presets), keyed by code, in one transaction; call it on every
// start. It is idempotent. Rows that are no longer in the files are kept
// (old filings may name them) but marked inactive, and no list shows them.
// The revision of each set is recorded (RefDataSets).
func (s *Store) LoadRefData(ctx context.Context) error {
	d, err := refdata.Load()
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		// Divisions.
		rows := make([][]any, len(d.Divisions))
		for i, dv := range d.Divisions {
			rows[i] = []any{dv.Code, dv.Name, dv.Level, dv.Province, dv.IsCity, d.GB2260.Revision, true}
		}
		if err := s.upsert(ctx, tx, "divisions", []string{"code", "name", "level", "province", "is_city", "revision", "active"}, rows); err != nil {
			return err
		}
		// Customs districts.
		rows = make([][]any, len(d.CustomsDistricts))
		for i, c := range d.CustomsDistricts {
			rows[i] = []any{c.Code, c.Name, d.Customs.Revision, true}
		}
		if err := s.upsert(ctx, tx, "customs_districts", []string{"code", "name", "revision", "active"}, rows); err != nil {
			return err
		}
		// Departments.
		rows = make([][]any, len(d.Departments))
		for i, dep := range d.Departments {
			rows[i] = []any{dep.Code, dep.Kind, dep.Name, dep.Division, dep.Province, d.Depts.Revision, true}
		}
		if err := s.upsert(ctx, tx, "departments", []string{"code", "kind", "name", "division", "province", "revision", "active"}, rows); err != nil {
			return err
		}
		// Agent points, in file order.
		rows = make([][]any, len(d.AgentPoints))
		for i, ap := range d.AgentPoints {
			rows[i] = []any{ap.Code, ap.Name, ap.Province, ap.Address, ap.Phone, ap.Hours, i + 1, d.Points.Revision, true}
		}
		if err := s.upsert(ctx, tx, "agent_points", []string{"code", "name", "province", "address", "phone", "hours", "position", "revision", "active"}, rows); err != nil {
			return err
		}
		// Mark what the files no longer hold.
		for table, rev := range map[string]string{
			"divisions": d.GB2260.Revision, "customs_districts": d.Customs.Revision,
			"departments": d.Depts.Revision, "agent_points": d.Points.Revision,
		} {
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE `+table+` SET active = FALSE WHERE revision <> ? AND active`), rev); err != nil {
				return fmt.Errorf("store: refdata %s: %w", table, err)
			}
		}
		// Presets: replaced whole; they have no identity of their own.
		if _, err := tx.ExecContext(ctx, `DELETE FROM agent_point_departments`); err != nil {
			return fmt.Errorf("store: refdata presets: %w", err)
		}
		rows = rows[:0]
		for _, ap := range d.AgentPoints {
			for _, dep := range d.Presets[ap.Code] {
				rows = append(rows, []any{ap.Code, dep})
			}
		}
		if err := s.upsert(ctx, tx, "agent_point_departments", []string{"agent_point", "department"}, rows); err != nil {
			return err
		}
		// What was loaded.
		counts := map[string]int{
			d.GB2260.Name: len(d.Divisions), d.Customs.Name: len(d.CustomsDistricts),
			d.Depts.Name: len(d.Departments), d.Points.Name: len(d.AgentPoints),
		}
		rows = rows[:0]
		now := s.nowUTC()
		for _, set := range d.Sets() {
			rows = append(rows, []any{set.Name, set.Revision, set.Source, counts[set.Name], now})
		}
		return s.upsert(ctx, tx, "refdata_sets", []string{"name", "revision", "source", "row_count", "loaded_at"}, rows)
	})
}

// upsert inserts rows into table, updating every column but the first
// (the key; for a table whose columns are all key, nothing) on conflict,
// in batches of multi-row INSERTs.
func (s *Store) upsert(ctx context.Context, tx *sqlx.Tx, table string, cols []string, rows [][]any) error {
	const batch = 400
	conflict := " ON CONFLICT DO NOTHING"
	if table != "agent_point_departments" {
		var set []string
		for _, c := range cols[1:] {
			set = append(set, c+" = excluded."+c)
		}
		conflict = " ON CONFLICT (" + cols[0] + ") DO UPDATE SET " + strings.Join(set, ", ")
	}
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	for len(rows) > 0 {
		n := min(batch, len(rows))
		var args []any
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		query := `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES ` +
			strings.TrimSuffix(strings.Repeat(tuple+", ", n), ", ") + conflict
		if _, err := tx.ExecContext(ctx, s.q(query), args...); err != nil {
			return fmt.Errorf("store: refdata %s: %w", table, err)
		}
		rows = rows[n:]
	}
	return nil
}

// RefDataSets returns what LoadRefData recorded, by name.
func (s *Store) RefDataSets(ctx context.Context) ([]RefDataSet, error) {
	var out []RefDataSet
	if err := s.db.SelectContext(ctx, &out, `SELECT name, revision, source, row_count FROM refdata_sets ORDER BY name`); err != nil {
		return nil, fmt.Errorf("store: refdata sets: %w", err)
	}
	return out, nil
}

type agentPointRow struct {
	Code     string `db:"code"`
	Name     string `db:"name"`
	Province string `db:"province"`
	Address  string `db:"address"`
	Phone    string `db:"phone"`
	Hours    string `db:"hours"`
}

type presetRow struct {
	AgentPoint string `db:"agent_point"`
	Kind       string `db:"kind"`
	Code       string `db:"code"`
	Name       string `db:"name"`
}

// AgentPoints returns the active agent points in their file's order, each
// with its preset departments (empty, not nil, where it has none).
func (s *Store) AgentPoints(ctx context.Context) ([]model.AgentPoint, error) {
	return s.agentPoints(ctx, "")
}

// AgentPoint returns one active agent point with its presets, or
// ErrNotFound.
func (s *Store) AgentPoint(ctx context.Context, code string) (model.AgentPoint, error) {
	if code == "" {
		return model.AgentPoint{}, fmt.Errorf("agent point %q: %w", code, ErrNotFound)
	}
	aps, err := s.agentPoints(ctx, code)
	if err != nil {
		return model.AgentPoint{}, err
	}
	if len(aps) == 0 {
		return model.AgentPoint{}, fmt.Errorf("agent point %q: %w", code, ErrNotFound)
	}
	return aps[0], nil
}

// agentPoints returns all agent points, or the one of code.
func (s *Store) agentPoints(ctx context.Context, code string) ([]model.AgentPoint, error) {
	var (
		aps     []agentPointRow
		presets []presetRow
	)
	apQuery := `SELECT code, name, province, address, phone, hours FROM agent_points WHERE active`
	pQuery := `SELECT p.agent_point, d.kind, d.code, d.name
		FROM agent_point_departments p JOIN departments d ON d.code = p.department
		WHERE d.active`
	var args []any
	if code != "" {
		apQuery += ` AND code = ?`
		pQuery += ` AND p.agent_point = ?`
		args = append(args, code)
	}
	if err := s.db.SelectContext(ctx, &aps, s.q(apQuery+` ORDER BY position, code`), args...); err != nil {
		return nil, fmt.Errorf("store: agent points: %w", err)
	}
	if err := s.db.SelectContext(ctx, &presets, s.q(pQuery+` ORDER BY d.code`), args...); err != nil {
		return nil, fmt.Errorf("store: agent point presets: %w", err)
	}
	out := make([]model.AgentPoint, len(aps))
	index := map[string]int{}
	for i, a := range aps {
		out[i] = model.AgentPoint{
			Code: a.Code, Name: a.Name, Province: a.Province, Address: a.Address, Phone: a.Phone, Hours: a.Hours,
			MarketDepts: []model.Option{}, TaxDepts: []model.Option{},
		}
		index[a.Code] = i
	}
	for _, p := range presets {
		i, ok := index[p.AgentPoint]
		if !ok {
			continue
		}
		o := model.Option{Code: p.Code, Name: p.Name}
		if p.Kind == DeptMarket {
			out[i].MarketDepts = append(out[i].MarketDepts, o)
		} else {
			out[i].TaxDepts = append(out[i].TaxDepts, o)
		}
	}
	return out, nil
}

// Provinces returns the province-level divisions to choose from, by code
// (not 71 台湾省, 81 香港, 82 澳门: no divisions below them in GB/T 2260).
func (s *Store) Provinces(ctx context.Context) ([]model.Option, error) {
	var out []model.Option
	err := s.db.SelectContext(ctx, &out, `SELECT code, name FROM divisions
		WHERE active AND level = 1 AND code NOT IN ('710000', '810000', '820000') ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("store: provinces: %w", err)
	}
	return nonNil(out), nil
}

// Cities returns the cities of a province, by code: its prefecture-level
// divisions; for the municipalities 11, 12, 31 and 50 their districts and
// counties; and the county-level units the province administers directly
// (refdata.CityRule). Empty for an unknown province.
func (s *Store) Cities(ctx context.Context, provinceCode string) ([]model.Option, error) {
	var out []model.Option
	err := s.db.SelectContext(ctx, &out, s.q(`SELECT code, name FROM divisions
		WHERE active AND is_city AND province = ? ORDER BY code`), provinceCode)
	if err != nil {
		return nil, fmt.Errorf("store: cities: %w", err)
	}
	return nonNil(out), nil
}

// DivisionName returns the name of a division code (active or not), or
// ErrNotFound.
func (s *Store) DivisionName(ctx context.Context, code string) (string, error) {
	var name string
	err := s.db.GetContext(ctx, &name, s.q(`SELECT name FROM divisions WHERE code = ?`), code)
	return name, noRows(err, "division "+code)
}

// CustomsDistricts returns the customs districts (关区), by code.
func (s *Store) CustomsDistricts(ctx context.Context) ([]model.Option, error) {
	var out []model.Option
	err := s.db.SelectContext(ctx, &out, `SELECT code, name FROM customs_districts WHERE active ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("store: customs districts: %w", err)
	}
	return nonNil(out), nil
}

// Departments returns the departments of a kind (DeptMarket or DeptTax) to
// choose from for an agent point (N1): its preset list, or all of that kind
// where it has no preset of that kind or agentPointCode is "". ErrNotFound
// for an unknown kind or agent point.
func (s *Store) Departments(ctx context.Context, kind, agentPointCode string) ([]model.Option, error) {
	preset, err := s.usesPresets(ctx, kind, agentPointCode)
	if err != nil {
		return nil, err
	}
	var out []model.Option
	if preset {
		err = s.db.SelectContext(ctx, &out, s.q(`SELECT d.code, d.name
			FROM agent_point_departments p JOIN departments d ON d.code = p.department
			WHERE p.agent_point = ? AND d.kind = ? AND d.active ORDER BY d.code`), agentPointCode, kind)
	} else {
		err = s.db.SelectContext(ctx, &out, s.q(`SELECT code, name FROM departments
			WHERE kind = ? AND active ORDER BY code`), kind)
	}
	if err != nil {
		return nil, fmt.Errorf("store: departments: %w", err)
	}
	return nonNil(out), nil
}

// DepartmentAllowed reports whether deptCode is among Departments(kind,
// agentPointCode). An unknown kind or agent point is not an error here:
// nothing is allowed.
func (s *Store) DepartmentAllowed(ctx context.Context, kind, agentPointCode, deptCode string) (bool, error) {
	preset, err := s.usesPresets(ctx, kind, agentPointCode)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var n int
	if preset {
		err = s.db.GetContext(ctx, &n, s.q(`SELECT COUNT(*)
			FROM agent_point_departments p JOIN departments d ON d.code = p.department
			WHERE p.agent_point = ? AND d.kind = ? AND d.code = ? AND d.active`), agentPointCode, kind, deptCode)
	} else {
		err = s.db.GetContext(ctx, &n, s.q(`SELECT COUNT(*) FROM departments
			WHERE kind = ? AND code = ? AND active`), kind, deptCode)
	}
	if err != nil {
		return false, fmt.Errorf("store: department allowed: %w", err)
	}
	return n > 0, nil
}

// DepartmentName returns the name of a department code (active or not), or
// ErrNotFound.
func (s *Store) DepartmentName(ctx context.Context, code string) (string, error) {
	var name string
	err := s.db.GetContext(ctx, &name, s.q(`SELECT name FROM departments WHERE code = ?`), code)
	return name, noRows(err, "department "+code)
}

// usesPresets reports whether the agent point has preset departments of
// kind; ErrNotFound for an unknown kind or agent point.
func (s *Store) usesPresets(ctx context.Context, kind, agentPointCode string) (bool, error) {
	if kind != DeptMarket && kind != DeptTax {
		return false, fmt.Errorf("department kind %q: %w", kind, ErrNotFound)
	}
	if agentPointCode == "" {
		return false, nil
	}
	var n sql.NullInt64
	err := s.db.GetContext(ctx, &n, s.q(`SELECT (SELECT COUNT(*)
			FROM agent_point_departments p JOIN departments d ON d.code = p.department
			WHERE p.agent_point = a.code AND d.kind = ? AND d.active)
		FROM agent_points a WHERE a.code = ? AND a.active`), kind, agentPointCode)
	if err := noRows(err, "agent point "+agentPointCode); err != nil {
		return false, err
	}
	return n.Int64 > 0, nil
}

func nonNil(o []model.Option) []model.Option {
	if o == nil {
		return []model.Option{}
	}
	return o
}
