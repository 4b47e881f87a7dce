package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"eportid/app/model"
	"eportid/backend/httpapi"
	"eportid/backend/registry"
)

// A registry that hangs and one that answers garbage: the back-fill
// answers within the timeout and says why it failed, and drafts still
// save; only a forex 申报, which needs the bureau's current state, waits.
func TestRegistryDownDraftsSave(t *testing.T) {
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(release) })
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
				a.Registries = registry.NewHTTP(registry.HTTPConfig{CommerceURL: tc.url + "/commerce",
					CustomsURL: tc.url + "/customs", ForexURL: tc.url + "/forex", Timeout: timeout})
			}
			filingsEach(t, configure, func(t *testing.T, e *fenv) {
				admin, ent, _ := e.lpDeclared()
				h := e.cardHolder(ent)
				for _, kind := range model.QualificationKinds {
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
					if want := registry.Message(&registry.Error{Registry: kind, Err: errFor(tc.name)}); bf.Message != want {
						t.Errorf("%s message %q, want %q", kind, bf.Message, want)
					}
				}
				// The drafts save: the pre-entry, and the holder's.
				cm := createRec(admin, sampleFields[model.Commerce](ent.CreditCode))
				cm, _ = saveRec(h.client, cm, http.StatusOK)
				if cm.Fields.CreditCode != ent.CreditCode || cm.Fields.ImpExpCode != "" {
					t.Errorf("commerce draft %+v", cm.Fields)
				}
				fx := createRec(h.client, sampleFields[model.Forex](ent.CreditCode))
				fx, _ = saveRec(h.client, fx, http.StatusOK)
				cu := createRec(h.client, sampleFields[model.Customs](ent.CreditCode))
				// Declared without the registry's fields…
				if d, _ := declareRec(h, cu, http.StatusOK); d.State != model.StateDeclared {
					t.Errorf("customs %+v", d.RecordMeta)
				}
				// …but a forex filing needs the bureau's state now.
				_, a := declareRec(h, fx, http.StatusServiceUnavailable)
				wantProblem(t, a, http.StatusServiceUnavailable, model.ErrRegistryUnavailable, tc.says, "暂存")
				if now := getRec[model.Forex](h.client, fx.RecordMeta); now.State != model.StateDraft || now.Version != fx.Version {
					t.Errorf("forex after the refusal %+v", now.RecordMeta)
				}
			})
		})
	}
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
			wantProblem(t, admin.do(http.MethodPost, "/api/filings/forex", model.SaveRequest[model.Forex]{}),
				http.StatusConflict, model.ErrForexBlocked, st.Label(), "外汇")
			createRec(admin, sampleFields[model.Customs](ent.CreditCode))

			// Saved while normal, blocked when the bureau's state changes.
			_, ent2, _ := e.lpDeclared()
			h := e.cardHolder(ent2)
			fx := createRec(h.client, model.Forex{})
			if fx.Fields.BureauStatus != string(model.ForexNormal) || fx.Fields.Classification != "A" {
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
		fx := createRec(h.client, model.Forex{})
		fx, _ = declareRec(h, fx, http.StatusOK)
		decide(rv, fx.RecordMeta, true, "", http.StatusOK)
		e.reg.setPublished("2025-06-30")
		var ch model.Record[model.Forex]
		h.call(http.MethodPost, "/api/changes/forex", model.CreateChange[model.Forex]{FilingID: fx.ID}, http.StatusCreated, &ch)
		if ch.Fields.PublishedOn != "2025-06-30" || ch.Fields.CreditCode != ent.CreditCode || ch.Fields.OrgCode == "" {
			t.Errorf("forex change %+v", ch.Fields)
		}
		// A change of a filing that is not approved, or of none.
		cm := createRec(h.client, sampleFields[model.Commerce](ent.CreditCode))
		wantProblem(t, h.do(http.MethodPost, "/api/changes/commerce", model.CreateChange[model.Commerce]{FilingID: cm.ID, Fields: cm.Fields}),
			http.StatusConflict, model.ErrState, "审批通过")
		wantProblem(t, h.do(http.MethodPost, "/api/changes/commerce", model.CreateChange[model.Commerce]{FilingID: 99999999}),
			http.StatusNotFound, model.ErrNotFound)
		// The registry's import-export code stays the approved filing's.
		cm, _ = declareRec(h, cm, http.StatusOK)
		decide(rv, cm.RecordMeta, true, "", http.StatusOK)
		cm = getRec[model.Commerce](h.client, cm.RecordMeta)
		f := cm.Fields
		f.ImpExpCode, f.NameEN = "FORGED", "New English Name"
		var cc model.Record[model.Commerce]
		h.call(http.MethodPost, "/api/changes/commerce", model.CreateChange[model.Commerce]{FilingID: cm.ID, Fields: f}, http.StatusCreated, &cc)
		if cc.Fields.ImpExpCode != cm.Fields.ImpExpCode || cc.Fields.NameEN != "New English Name" {
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
		a.Registries = registry.NewHTTP(registry.HTTPConfig{CommerceURL: hang.URL + "/commerce",
			CustomsURL: hang.URL + "/customs", ForexURL: hang.URL + "/forex", Timeout: 20 * time.Second})
	}
	filingsEach(t, configure, func(t *testing.T, e *fenv) {
		_, ent, _ := e.lpDeclared()
		h := e.cardHolder(ent)
		start := time.Now()
		cu := createRec(h.client, sampleFields[model.Customs](ent.CreditCode))
		cu, _ = saveRec(h.client, cu, http.StatusOK)
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("create and 暂存 with a hanging registry took %v", took)
		}
		if cu.State != model.StateDraft {
			t.Errorf("customs draft %+v", cu.RecordMeta)
		}
	})
}
