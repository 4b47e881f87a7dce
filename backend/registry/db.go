package registry

import (
	"context"
	"errors"
	"fmt"

	"eportid/app/model"
	"eportid/backend/store"
)

// NewDB returns the registries reading the registry tables of the store.
func NewDB(s *store.Store) Registries {
	return Registries{Commerce: dbCommerce{s}, Customs: dbCustoms{s}, Forex: dbForex{s}}
}

type (
	dbCommerce struct{ s *store.Store }
	dbCustoms  struct{ s *store.Store }
	dbForex    struct{ s *store.Store }
)

func (d dbCommerce) Lookup(ctx context.Context, creditCode string) (model.Commerce, error) {
	r, err := d.s.CommerceRegistryRecord(ctx, creditCode)
	return r, dbError(model.FilingCommerce, creditCode, err)
}

func (d dbCustoms) Lookup(ctx context.Context, creditCode string) (model.Customs, error) {
	r, err := d.s.CustomsRegistryRecord(ctx, creditCode)
	return r, dbError(model.FilingCustoms, creditCode, err)
}

func (d dbForex) Lookup(ctx context.Context, creditCode string) (model.Forex, error) {
	r, err := d.s.ForexRegistryRecord(ctx, creditCode)
	return r, dbError(model.FilingForex, creditCode, err)
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
