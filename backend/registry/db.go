package registry

import (
	"context"
	"errors"
	"fmt"

	"eportid/app/model"
	"eportid/backend/store"
)

// NewDB returns the registries reading the registry tables of the store,
// one per kind with a registry.
func NewDB(s *store.Store) Registries {
	out := Registries{}
	for _, k := range model.Kinds {
		if k.Registry != "" {
			out[k.Kind] = dbRegistry{s, k.Kind}
		}
	}
	return out
}

type dbRegistry struct {
	s    *store.Store
	kind model.FilingKind
}

func (d dbRegistry) Lookup(ctx context.Context, creditCode string) (model.Fields, error) {
	r, err := d.s.RegistryRecord(ctx, d.kind, creditCode)
	return r, dbError(d.kind, creditCode, err)
}

func dbError(kind model.FilingKind, creditCode string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return &Error{Registry: kind, CreditCode: creditCode, Err: ErrNotFound}
	default:
		return &Error{Registry: kind, CreditCode: creditCode, Err: fmt.Errorf("%w: %w", ErrUnavailable, err)}
	}
}
