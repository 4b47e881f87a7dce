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

// The records of the outside registries (migration 0004; customs'
// declarants 0007, declarant.go), read by the database implementation of
// backend/registry. LoadRegistryFixtures fills them from refdata's made-up
// fixtures for development (make run) and tests; a deployment that mirrors the real registries into these tables
// would skip it.

// registryTable is the table of a kind's registry.
func registryTable(k *model.KindSpec) string { return "registry_" + string(k.Kind) }

// LoadRegistryFixtures upserts the registry fixtures embedded in package
// refdata, keyed by credit code, in one transaction, like LoadRefData:
// idempotent; rows the files no longer hold are marked inactive; each
// set's revision is recorded in refdata_sets.
func (s *Store) LoadRegistryFixtures(ctx context.Context) error {
	regs, err := refdata.LoadRegistries()
	if err != nil {
		return err
	}
	decl, err := refdata.LoadDeclarants()
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		now := s.nowUTC()
		var sets [][]any
		for _, g := range regs {
			if err := loadRegistry(ctx, s, tx, g); err != nil {
				return err
			}
			sets = append(sets, []any{g.Set.Name, g.Set.Revision, g.Set.Source, len(g.Records), now})
		}
		if err := loadDeclarantFixtures(ctx, s, tx, decl); err != nil {
			return err
		}
		sets = append(sets, []any{decl.Set.Name, decl.Set.Revision, decl.Set.Source, len(decl.Records), now})
		return s.upsert(ctx, tx, "refdata_sets", []string{"name", "revision", "source", "row_count", "loaded_at"}, sets)
	})
}

func loadRegistry(ctx context.Context, s *Store, tx *sqlx.Tx, g refdata.Registry) error {
	table := registryTable(g.Kind)
	keys := g.Kind.Keys()
	cols := append(append([]string{}, keys...), "revision", "active")
	rows := make([][]any, len(g.Records))
	for i, vals := range g.Records {
		row := make([]any, 0, len(cols))
		for _, c := range keys {
			row = append(row, vals[c])
		}
		rows[i] = append(row, g.Set.Revision, true)
	}
	if err := s.upsert(ctx, tx, table, cols, rows); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE `+table+` SET active = FALSE WHERE revision <> ? AND active`), g.Set.Revision); err != nil {
		return fmt.Errorf("store: %s: %w", table, err)
	}
	return nil
}

// RegistryRecord returns the record the registry of kind k holds of a
// credit code, from the registry tables; ErrNotFound when it has none (or
// the kind has no registry).
func (s *Store) RegistryRecord(ctx context.Context, k model.FilingKind, creditCode string) (model.Fields, error) {
	sp := k.Spec()
	if sp == nil || sp.Registry == "" {
		return nil, fmt.Errorf("registry of %s: %w", k, ErrNotFound)
	}
	table := registryTable(sp)
	cols := sp.Keys()
	vals := make([]string, len(cols))
	dest := make([]any, len(cols))
	for i := range vals {
		dest[i] = &vals[i]
	}
	err := s.db.QueryRowxContext(ctx, s.q(`SELECT `+strings.Join(cols, ", ")+` FROM `+table+`
		WHERE credit_code = ? AND active`), creditCode).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%s record of %s: %w", table, creditCode, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", table, err)
	}
	out := make(model.Fields, len(cols))
	for i, c := range cols {
		out[c] = vals[i]
	}
	return out, nil
}
