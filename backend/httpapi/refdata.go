package httpapi

import (
	"errors"
	"net/http"

	"eportid/app/model"
	"eportid/backend/store"
)

// Reference data: public (the portal shows the agent points, N6), the
// same for everyone, and changed only by a restart, so caches may keep it a
// few minutes.

func cacheable(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "public, max-age=300")
}

// agentPoints: GET /api/ref/agent-points.
func (a *API) agentPoints(w http.ResponseWriter, r *http.Request) error {
	list, err := a.Store.AgentPoints(r.Context())
	if err != nil {
		return err
	}
	if list == nil {
		list = []model.AgentPoint{}
	}
	cacheable(w)
	writeJSON(w, http.StatusOK, list)
	return nil
}

// divisions: GET /api/ref/divisions[?parent=CODE]: the provinces, or the
// cities of a province.
func (a *API) divisions(w http.ResponseWriter, r *http.Request) error {
	var list []model.Option
	parent, err := param(r, "parent")
	if err != nil {
		return err
	}
	if parent != "" {
		list, err = a.Store.Cities(r.Context(), parent)
	} else {
		list, err = a.Store.Provinces(r.Context())
	}
	if err != nil {
		return err
	}
	return writeOptions(w, list)
}

// departments: GET /api/ref/departments?kind=market|tax[&agent_point=CODE].
func (a *API) departments(w http.ResponseWriter, r *http.Request) error {
	kind, err := param(r, "kind")
	if err != nil {
		return err
	}
	if kind != store.DeptMarket && kind != store.DeptTax {
		return paramInvalid("kind", "应为 market 或 tax")
	}
	ap, err := param(r, "agent_point")
	if err != nil {
		return err
	}
	list, err := a.Store.Departments(r.Context(), kind, ap)
	if errors.Is(err, store.ErrNotFound) {
		return &Error{Code: model.ErrNotFound, Message: "没有这个制卡代理点", Err: err}
	}
	if err != nil {
		return err
	}
	return writeOptions(w, list)
}

// customsDistricts: GET /api/ref/customs-districts.
func (a *API) customsDistricts(w http.ResponseWriter, r *http.Request) error {
	list, err := a.Store.CustomsDistricts(r.Context())
	if err != nil {
		return err
	}
	return writeOptions(w, list)
}

func writeOptions(w http.ResponseWriter, list []model.Option) error {
	if list == nil {
		list = []model.Option{}
	}
	cacheable(w)
	writeJSON(w, http.StatusOK, list)
	return nil
}
