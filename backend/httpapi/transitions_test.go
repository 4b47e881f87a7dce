package httpapi_test

import (
	"net/http"
	"strconv"
	"testing"

	"eportid/app/model"
	"eportid/backend/store"
)

// X1 over HTTP, for every kind, filings and changes: in each state, what
// the enterprise (save, declare, delete) and the reviewer (approve,
// return) may do, and what they are refused.
func TestRecordTransitions(t *testing.T) {
	filingsEach(t, nil, func(t *testing.T, e *fenv) {
		rv, _ := e.reviewer("FJ01")
		for _, change := range []bool{false, true} {
			for _, kind := range model.FilingKinds {
				if change && kind.Spec().NoChanges {
					continue
				}
				transitions(t, e, rv, kind, change)
			}
		}
	})
}

// recordIn makes a record of the kind of a new enterprise (whose
// legal-person filing is declared to FJ01): a filing, or a change of the
// approved filing, brought to st by its card holder and the reviewer rv.
func recordIn(e *fenv, rv *client, kind model.FilingKind, change bool, st model.State) (*holder, model.Record) {
	e.t.Helper()
	var ent store.Enterprise
	if kind == model.FilingLegalPerson {
		_, ent = e.enterprise()
	} else {
		_, ent, _ = e.lpDeclared()
	}
	h := e.cardHolder(ent)
	fields := sampleFields(kind, ent.CreditCode)
	if kind == model.FilingOperator {
		att, _ := upload(h.client, "申请表.pdf", pdf, http.StatusCreated)
		fields = operatorFields(att.ID)
	}
	rec := createRec(h.client, kind, fields)
	if change {
		rec, _ = declareRec(h, rec, http.StatusOK)
		decide(rv, rec.RecordMeta, true, "", http.StatusOK)
		rec = getRec(h.client, rec.RecordMeta)
		ch := createChange(h.client, rec, rec.Fields)
		if !ch.Change || ch.FilingID != rec.ID || ch.State != model.StateDraft {
			e.t.Fatalf("change %+v", ch.RecordMeta)
		}
		rec = ch
	}
	switch st {
	case model.StateDeclared:
		rec, _ = declareRec(h, rec, http.StatusOK)
	case model.StateReturned:
		rec, _ = declareRec(h, rec, http.StatusOK)
		decide(rv, rec.RecordMeta, false, "材料不全，请补充", http.StatusOK)
		rec = getRec(h.client, rec.RecordMeta)
	case model.StateApproved:
		rec, _ = declareRec(h, rec, http.StatusOK)
		decide(rv, rec.RecordMeta, true, "", http.StatusOK)
		rec = getRec(h.client, rec.RecordMeta)
	}
	if rec.State != st {
		e.t.Fatalf("%s: state %s, want %s", rec.Ref(), rec.State, st)
	}
	return h, rec
}

func transitions(t *testing.T, e *fenv, rv *client, kind model.FilingKind, change bool) {
	t.Helper()
	what := string(kind) + " change=" + strconv.FormatBool(change)
	refused := func(h *holder, r model.Record, st model.State) {
		t.Helper()
		_, a := saveRec(h.client, r, http.StatusConflict)
		wantProblem(t, a, http.StatusConflict, model.ErrState)
		_, a = declareRec(h, r, http.StatusConflict)
		wantProblem(t, a, http.StatusConflict, model.ErrState)
		wantProblem(t, h.do(http.MethodDelete, recPath(r.RecordMeta), nil), http.StatusConflict, model.ErrState)
		if now := getRec(h.client, r.RecordMeta); now.Version != r.Version || now.State != st {
			t.Errorf("%s: refused operations changed %+v", what, now.RecordMeta)
		}
	}
	deleted := func(h *holder, r model.Record) {
		t.Helper()
		h.call(http.MethodDelete, recPath(r.RecordMeta), nil, http.StatusNoContent, nil)
		wantProblem(t, h.do(http.MethodGet, recPath(r.RecordMeta), nil), http.StatusNotFound, model.ErrNotFound)
		hist := recHistory(h.client, r.RecordMeta)
		if last := hist[len(hist)-1]; last.Action != model.ActionDelete || last.FromState != r.State || last.ToState != "" {
			t.Errorf("%s: delete row %+v", what, last)
		}
	}

	// Draft: saved, deleted, declared; the reviewer does not see it.
	h, r := recordIn(e, rv, kind, change, model.StateDraft)
	decide(rv, r.RecordMeta, true, "", http.StatusNotFound)
	decide(rv, r.RecordMeta, false, "不见", http.StatusNotFound)
	s, _ := saveRec(h.client, r, http.StatusOK)
	if s.State != model.StateDraft || s.Version != r.Version+1 {
		t.Errorf("%s: saved draft %+v", what, s.RecordMeta)
	}
	deleted(h, s)
	h, r = recordIn(e, rv, kind, change, model.StateDraft)
	if d, _ := declareRec(h, r, http.StatusOK); d.State != model.StateDeclared {
		t.Errorf("%s: declared draft %+v", what, d.RecordMeta)
	}

	// Declared: nothing for the enterprise; the reviewer approves or
	// returns (with a reason), at the version read.
	h, r = recordIn(e, rv, kind, change, model.StateDeclared)
	refused(h, r, model.StateDeclared)
	stale := r.RecordMeta
	stale.Version--
	decide(rv, stale, true, "", http.StatusConflict)
	a := rv.do(http.MethodPost, "/api/review/"+r.Ref().Name()+"/"+itoa(r.ID)+"/return", model.ReviewDecision{Version: r.Version, Reason: "  "})
	if p := wantProblem(t, a, http.StatusUnprocessableEntity, model.ErrInvalid); p.Fields["reason"] == "" {
		t.Errorf("%s: return without a reason: %+v", what, p)
	}
	if m := decide(rv, r.RecordMeta, false, "请补充材料", http.StatusOK); m.State != model.StateReturned || m.ReturnReason != "请补充材料" {
		t.Errorf("%s: returned %+v", what, m)
	}
	_, r = recordIn(e, rv, kind, change, model.StateDeclared)
	if m := decide(rv, r.RecordMeta, true, "", http.StatusOK); m.State != model.StateApproved {
		t.Errorf("%s: approved %+v", what, m)
	}

	// Returned: the enterprise sees the reason, edits, deletes or
	// declares again; the reviewer has nothing to decide.
	h, r = recordIn(e, rv, kind, change, model.StateReturned)
	if r.ReturnReason != "材料不全，请补充" {
		t.Errorf("%s: reason %q", what, r.ReturnReason)
	}
	decide(rv, r.RecordMeta, true, "", http.StatusConflict)
	decide(rv, r.RecordMeta, false, "再退", http.StatusConflict)
	s, _ = saveRec(h.client, r, http.StatusOK)
	if s.State != model.StateReturned || s.ReturnReason == "" {
		t.Errorf("%s: saved returned %+v", what, s.RecordMeta)
	}
	deleted(h, s)
	h, r = recordIn(e, rv, kind, change, model.StateReturned)
	if d, _ := declareRec(h, r, http.StatusOK); d.State != model.StateDeclared || d.ReturnReason != "" {
		t.Errorf("%s: declared again %+v", what, d.RecordMeta)
	}

	// Approved: viewed, never changed (a change is its own record).
	h, r = recordIn(e, rv, kind, change, model.StateApproved)
	refused(h, r, model.StateApproved)
	decide(rv, r.RecordMeta, true, "", http.StatusConflict)
	decide(rv, r.RecordMeta, false, "晚了", http.StatusConflict)
}
