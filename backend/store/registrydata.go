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

// The records of the outside registries (migration 0004), read by the
// database implementation of backend/registry. LoadRegistryFixtures fills
// them from refdata's made-up fixtures for development (make run) and
// tests; a deployment that mirrors the real registries into these tables
// would skip it.

// registry tables by kind.
var registryTables = map[model.FilingKind]string{
	model.FilingCommerce: "registry_commerce",
	model.FilingCustoms:  "registry_customs",
	model.FilingForex:    "registry_forex",
}

// LoadRegistryFixtures upserts the registry fixtures embedded in package
// refdata, keyed by credit code, in one transaction, like LoadRefData:
// idempotent; rows the files no longer hold are marked inactive; each
// set's revision is recorded in refdata_sets.
func (s *Store) LoadRegistryFixtures(ctx context.Context) error {
	r, err := refdata.LoadRegistries()
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := loadRegistry(ctx, s, tx, r.Commerce, r.CommerceSet); err != nil {
			return err
		}
		if err := loadRegistry(ctx, s, tx, r.Customs, r.CustomsSet); err != nil {
			return err
		}
		if err := loadRegistry(ctx, s, tx, r.Forex, r.ForexSet); err != nil {
			return err
		}
		now := s.nowUTC()
		rows := [][]any{
			{r.CommerceSet.Name, r.CommerceSet.Revision, r.CommerceSet.Source, len(r.Commerce), now},
			{r.CustomsSet.Name, r.CustomsSet.Revision, r.CustomsSet.Source, len(r.Customs), now},
			{r.ForexSet.Name, r.ForexSet.Revision, r.ForexSet.Source, len(r.Forex), now},
		}
		return s.upsert(ctx, tx, "refdata_sets", []string{"name", "revision", "source", "row_count", "loaded_at"}, rows)
	})
}

func loadRegistry[F model.Fields](ctx context.Context, s *Store, tx *sqlx.Tx, recs []F, set refdata.Set) error {
	table := registryTables[model.KindOf[F]()]
	cols := append(refdata.Columns[F](), "revision", "active")
	rows := make([][]any, len(recs))
	for i := range recs {
		vals := model.Values(&recs[i])
		row := make([]any, 0, len(cols))
		for _, c := range cols[:len(cols)-2] {
			row = append(row, vals[c])
		}
		rows[i] = append(row, set.Revision, true)
	}
	if err := s.upsert(ctx, tx, table, cols, rows); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE `+table+` SET active = FALSE WHERE revision <> ? AND active`), set.Revision); err != nil {
		return fmt.Errorf("store: %s: %w", table, err)
	}
	return nil
}

func registryLookup[F model.Fields](ctx context.Context, s *Store, creditCode string) (F, error) {
	var f F
	table := registryTables[model.KindOf[F]()]
	cols := refdata.Columns[F]()
	vals := make([]string, len(cols))
	dest := make([]any, len(cols))
	for i := range vals {
		dest[i] = &vals[i]
	}
	err := s.db.QueryRowxContext(ctx, s.q(`SELECT `+strings.Join(cols, ", ")+` FROM `+table+`
		WHERE credit_code = ? AND active`), creditCode).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return f, fmt.Errorf("%s record of %s: %w", table, creditCode, ErrNotFound)
	}
	if err != nil {
		return f, fmt.Errorf("store: %s: %w", table, err)
	}
	m := make(map[string]string, len(cols))
	for i, c := range cols {
		m[c] = vals[i]
	}
	model.SetValues(&f, m)
	return f, nil
}

// CommerceRegistryRecord returns the commerce ministry's record of a credit
// code from the registry tables, or ErrNotFound.
func (s *Store) CommerceRegistryRecord(ctx context.Context, creditCode string) (model.Commerce, error) {
	return registryLookup[model.Commerce](ctx, s, creditCode)
}

// CustomsRegistryRecord returns customs' record of a credit code, or
// ErrNotFound.
func (s *Store) CustomsRegistryRecord(ctx context.Context, creditCode string) (model.Customs, error) {
	return registryLookup[model.Customs](ctx, s, creditCode)
}

// ForexRegistryRecord returns the forex bureau's record of a credit code
// (with its bureau_status), or ErrNotFound.
func (s *Store) ForexRegistryRecord(ctx context.Context, creditCode string) (model.Forex, error) {
	return registryLookup[model.Forex](ctx, s, creditCode)
}
