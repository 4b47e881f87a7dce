package httpapi

import (
	"context"
	"errors"
	"slices"
	"sync"

	"eportid/app/model"
	"eportid/backend/store"
)

// refCache remembers the answers of the reference-data checks. The store
// loads the reference data once, on start (store.LoadRefData), so within a
// process an answer never changes; remembering them saves a filing's
// checks half a dozen queries. Only successful answers are kept.
type refCache struct {
	provinces sync.Map // "" → []model.Option
	cities    sync.Map // province → []model.Option
	agents    sync.Map // code → bool (exists)
	depts     sync.Map // kind+"\x00"+agent point+"\x00"+dept → bool
	customs   sync.Map // "" → []model.Option (the customs districts)
}

func (a *API) provinces(ctx context.Context) ([]model.Option, error) {
	if v, ok := a.ref.provinces.Load(""); ok {
		return v.([]model.Option), nil
	}
	list, err := a.Store.Provinces(ctx)
	if err == nil {
		a.ref.provinces.Store("", list)
	}
	return list, err
}

func (a *API) cities(ctx context.Context, province string) ([]model.Option, error) {
	if v, ok := a.ref.cities.Load(province); ok {
		return v.([]model.Option), nil
	}
	list, err := a.Store.Cities(ctx, province)
	if err == nil {
		a.ref.cities.Store(province, list)
	}
	return list, err
}

func (a *API) agentPointExists(ctx context.Context, code string) (bool, error) {
	if v, ok := a.ref.agents.Load(code); ok {
		return v.(bool), nil
	}
	_, err := a.Store.AgentPoint(ctx, code)
	ok := err == nil
	if errors.Is(err, store.ErrNotFound) {
		err = nil
	}
	if err == nil {
		a.ref.agents.Store(code, ok)
	}
	return ok, err
}

func (a *API) departmentAllowed(ctx context.Context, kind, agentPoint, dept string) (bool, error) {
	key := kind + "\x00" + agentPoint + "\x00" + dept
	if v, ok := a.ref.depts.Load(key); ok {
		return v.(bool), nil
	}
	ok, err := a.Store.DepartmentAllowed(ctx, kind, agentPoint, dept)
	if err == nil {
		a.ref.depts.Store(key, ok)
	}
	return ok, err
}

func (a *API) customsDistrictList(ctx context.Context) ([]model.Option, error) {
	if v, ok := a.ref.customs.Load(""); ok {
		return v.([]model.Option), nil
	}
	list, err := a.Store.CustomsDistricts(ctx)
	if err == nil {
		a.ref.customs.Store("", list)
	}
	return list, err
}

func hasOption(opts []model.Option, code string) bool {
	return slices.ContainsFunc(opts, func(o model.Option) bool { return o.Code == code })
}
