package httpapi_test

import (
	"net/http"
	"testing"

	"eportid/app/model"
)

// Tests of the reference-data routes (/api/ref/…).

func TestRefData(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		anon := e.client() // public: no session
		var aps []model.AgentPoint
		anon.call(http.MethodGet, "/api/ref/agent-points", nil, http.StatusOK, &aps)
		if len(aps) == 0 || aps[0].Code == "" || aps[0].Phone == "" {
			t.Fatalf("agent points: %+v", aps)
		}
		var provinces, cities, depts, customs []model.Option
		anon.call(http.MethodGet, "/api/ref/divisions", nil, http.StatusOK, &provinces)
		anon.call(http.MethodGet, "/api/ref/divisions?parent=350000", nil, http.StatusOK, &cities)
		anon.call(http.MethodGet, "/api/ref/departments?kind=market&agent_point=FJ01", nil, http.StatusOK, &depts)
		anon.call(http.MethodGet, "/api/ref/customs-districts", nil, http.StatusOK, &customs)
		if model.OptionName(provinces, "350000") == "" || model.OptionName(cities, "350100") == "" ||
			model.OptionName(depts, "M350000") == "" || len(customs) == 0 {
			t.Fatalf("lists: %d provinces, %d cities, %d departments, %d customs", len(provinces), len(cities), len(depts), len(customs))
		}
		if model.OptionName(depts, "M440300") != "" {
			t.Error("FJ01's market departments include Shenzhen's")
		}
		if a := anon.do(http.MethodGet, "/api/ref/departments?kind=foo", nil); a.status != http.StatusUnprocessableEntity {
			t.Errorf("bad kind: %d", a.status)
		}
		if a := anon.do(http.MethodGet, "/api/ref/departments?kind=tax&agent_point=NOPE", nil); a.status != http.StatusNotFound {
			t.Errorf("unknown agent point: %d", a.status)
		}
	})
}
