package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"eportid/app/model"
	"eportid/backend/httpapi"
	"eportid/backend/registry"
)

// A registry that hangs and one that answers garbage: the back-fill
// answers within the timeout and says why it failed, and drafts still
// save. The forex filing is the bureau's record: without an answer there
// is no new forex draft (the back-fill says so, Blocked) and no forex
// 申报; a forex draft saved while the bureau answered still saves.
func TestRegistryDownDraftsSave(t *testing.T) {
	var forexUp atomic.Bool // the forex endpoint answers a normal record
	up := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if forexUp.Load() && r.URL.Path == "/forex" {
				cc := r.URL.Query().Get("credit_code")
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"credit_code":%q,"org_code":%q,"classification":"A","published_on":"2024-01-15","bureau_status":"normal"}`,
					cc, model.SubjectCode(cc))
				return
			}
			h(w, r)
		}
	}
	release := make(chan struct{})
	hang := httptest.NewServer(up(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(release) })
	garbage := httptest.NewServer(up(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, "<html><body>502 Bad Gateway</body></html>")
	}))
	t.Cleanup(garbage.Close)

	const timeout = 100 * time.Millisecond
	for _, tc := range []struct {
		name, url, says string
	}{
		{"hangs", hang.URL, "暂时无法访问"},
		{"garbage", garbage.URL, "无法识别"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			configure := func(a *httpapi.API) {
				a.Registries = registry.NewHTTP(registry.HTTPConfig{URLs: registryURLs(tc.url), Timeout: timeout})
			}
			filingsEach(t, configure, func(t *testing.T, e *fenv) {
				forexUp.Store(false)
				admin, ent, _ := e.lpDeclared()
				h := e.cardHolder(ent)
				for _, kind := range registryKinds() {
					start := time.Now()
					var bf model.Backfill
					h.call(http.MethodGet, "/api/filings/"+string(kind)+"/backfill", nil, http.StatusOK, &bf)
					if took := time.Since(start); took > timeout+time.Second {
						t.Errorf("%s back-fill took %v", kind, took)
					}
					if bf.Registry != model.RegistryFailed || bf.Source != model.BackfillLegalPerson ||
						bf.Fields["credit_code"] != ent.CreditCode || bf.Message == "" {
						t.Errorf("%s back-fill %+v", kind, bf)
					}
					want := registry.Message(&registry.Error{Registry: kind, Err: errFor(tc.name)})
					if kind.Spec().RegistryRequired {
						want += "外汇资质须按外汇管理局的备案信息办理，请稍后点击【重新检查】。"
					}
					if bf.Message != want || bf.Blocked != kind.Spec().RegistryRequired {
						t.Errorf("%s message %q (blocked %v), want %q", kind, bf.Message, bf.Blocked, want)
					}
				}
				// The drafts save: the pre-entry, and the holder's.
				cm := createRec(admin, model.FilingCommerce, sampleFields(model.FilingCommerce, ent.CreditCode))
				cm, _ = saveRec(h.client, cm, http.StatusOK)
				if cm.Fields["credit_code"] != ent.CreditCode || cm.Fields["imp_exp_code"] != "" {
					t.Errorf("commerce draft %+v", cm.Fields)
				}
				// No new forex draft without the bureau's record; nothing saved.
				wantProblem(t, h.do(http.MethodPost, "/api/filings/forex", saveReq(0, nil)),
					http.StatusServiceUnavailable, model.ErrRegistryUnavailable, tc.says)
				var none []model.Record
				if h.call(http.MethodGet, "/api/filings/forex", nil, http.StatusOK, &none); len(none) != 0 {
					t.Errorf("forex filings after the refusal: %+v", none)
				}
				forexUp.Store(true)
				fx := createRec(h.client, model.FilingForex, nil)
				forexUp.Store(false)
				fx, _ = saveRec(h.client, fx, http.StatusOK)
				if fx.Fields["bureau_status"] != string(model.ForexNormal) || fx.Fields["classification"] != "A" {
					t.Errorf("forex draft saved while the bureau is down lost the bureau's fields: %+v", fx.Fields)
				}
				cu := createRec(h.client, model.FilingCustoms, sampleFields(model.FilingCustoms, ent.CreditCode))
				// Declared without the registry's fields…
				if d, _ := declareRec(h, cu, http.StatusOK); d.State != model.StateDeclared {
					t.Errorf("customs %+v", d.RecordMeta)
				}
				// …but a forex filing needs the bureau's state now.
				_, a := declareRec(h, fx, http.StatusServiceUnavailable)
				wantProblem(t, a, http.StatusServiceUnavailable, model.ErrRegistryUnavailable, tc.says, "暂存")
				if now := getRec(h.client, fx.RecordMeta); now.State != model.StateDraft || now.Version != fx.Version {
					t.Errorf("forex after the refusal %+v", now.RecordMeta)
				}
			})
		})
	}
}

// registryKinds are the kinds with an outside registry.
func registryKinds() []model.FilingKind {
	var out []model.FilingKind
	for _, sp := range model.Kinds {
		if sp.Registry != "" {
			out = append(out, sp.Kind)
		}
	}
	return out
}

// registryURLs are endpoints under base for every registry: base/commerce, …
func registryURLs(base string) map[model.FilingKind]string {
	out := map[model.FilingKind]string{}
	for _, k := range registryKinds() {
		out[k] = base + "/" + string(k)
	}
	return out
}

func errFor(name string) error {
	if name == "hangs" {
		return registry.ErrUnavailable
	}
	return registry.ErrBadResponse
}

// L3: a forex bureau record in 注销 or 吊销 state blocks the forex filing,
// with a message that says which; the other filings go on.
func TestForexBlocked(t *testing.T) {
	filingsEach(t, nil, func(t *testing.T, e *fenv) {
		for _, st := range []model.ForexStatus{model.ForexCancelled, model.ForexRevoked} {
			admin, ent, _ := e.lpDeclared()
			e.reg.setForex(ent.CreditCode, st)
			var bf model.Backfill
			admin.call(http.MethodGet, "/api/filings/forex/backfill", nil, http.StatusOK, &bf)
			if !bf.Blocked || bf.Fields["bureau_status"] != string(st) {
				t.Errorf("%s back-fill %+v", st, bf)
			}
			wantProblem(t, admin.do(http.MethodPost, "/api/filings/forex", saveReq(0, nil)),
				http.StatusConflict, model.ErrForexBlocked, st.Label(), "外汇")
			createRec(admin, model.FilingCustoms, sampleFields(model.FilingCustoms, ent.CreditCode))

			// Saved while normal, blocked when the bureau's state changes.
			_, ent2, _ := e.lpDeclared()
			h := e.cardHolder(ent2)
			fx := createRec(h.client, model.FilingForex, nil)
			if fx.Fields["bureau_status"] != string(model.ForexNormal) || fx.Fields["classification"] != "A" {
				t.Errorf("forex %+v", fx.Fields)
			}
			e.reg.setForex(ent2.CreditCode, st)
			_, a := declareRec(h, fx, http.StatusConflict)
			wantProblem(t, a, http.StatusConflict, model.ErrForexBlocked, st.Label())
		}
	})
}

// A change carries the forex bureau's record anew; commerce and customs
// keep the registry's fields from the approved filing.
func TestChangeGreyFields(t *testing.T) {
	filingsEach(t, nil, func(t *testing.T, e *fenv) {
		rv, _ := e.reviewer("FJ01")
		_, ent, _ := e.lpDeclared()
		h := e.cardHolder(ent)
		fx := createRec(h.client, model.FilingForex, nil)
		fx, _ = declareRec(h, fx, http.StatusOK)
		decide(rv, fx.RecordMeta, true, "", http.StatusOK)
		e.reg.setPublished("2025-06-30")
		ch := createChange(h.client, fx, nil)
		if ch.Fields["published_on"] != "2025-06-30" || ch.Fields["credit_code"] != ent.CreditCode || ch.Fields["org_code"] == "" {
			t.Errorf("forex change %+v", ch.Fields)
		}
		// A change of a filing that is not approved, or of none.
		cm := createRec(h.client, model.FilingCommerce, sampleFields(model.FilingCommerce, ent.CreditCode))
		wantProblem(t, h.do(http.MethodPost, "/api/changes/commerce", changeReq(cm.ID, cm.Fields)),
			http.StatusConflict, model.ErrState, "审批通过")
		wantProblem(t, h.do(http.MethodPost, "/api/changes/commerce", changeReq(99999999, nil)),
			http.StatusNotFound, model.ErrNotFound)
		// The registry's import-export code stays the approved filing's.
		cm, _ = declareRec(h, cm, http.StatusOK)
		decide(rv, cm.RecordMeta, true, "", http.StatusOK)
		cm = getRec(h.client, cm.RecordMeta)
		cc := createChange(h.client, cm, with(cm.Fields, "imp_exp_code", "FORGED", "name_en", "New English Name"))
		if cc.Fields["imp_exp_code"] != cm.Fields["imp_exp_code"] || cc.Fields["name_en"] != "New English Name" {
			t.Errorf("commerce change %+v", cc.Fields)
		}
	})
}

// 暂存 does not wait out a slow registry's whole timeout: the back-fill has
// already told the user, and the draft keeps what it had.
func TestDraftSaveDoesNotWaitForSlowRegistry(t *testing.T) {
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(release) })
	configure := func(a *httpapi.API) {
		a.Registries = registry.NewHTTP(registry.HTTPConfig{URLs: registryURLs(hang.URL), Timeout: 20 * time.Second})
	}
	filingsEach(t, configure, func(t *testing.T, e *fenv) {
		_, ent, _ := e.lpDeclared()
		h := e.cardHolder(ent)
		start := time.Now()
		cu := createRec(h.client, model.FilingCustoms, sampleFields(model.FilingCustoms, ent.CreditCode))
		cu, _ = saveRec(h.client, cu, http.StatusOK)
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("create and 暂存 with a hanging registry took %v", took)
		}
		if cu.State != model.StateDraft {
			t.Errorf("customs draft %+v", cu.RecordMeta)
		}
	})
}
