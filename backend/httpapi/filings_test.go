package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"eportid/app/model"
)

// wantProblem checks an answer's status and Problem code, and that its
// message holds each of msgs.
func wantProblem(t testing.TB, a answer, status int, code string, msgs ...string) model.Problem {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a.body)
	}
	p := a.problem(t)
	if p.Code != code {
		t.Errorf("code %q, want %q (%s)", p.Code, code, p.Message)
	}
	for _, m := range msgs {
		if !strings.Contains(p.Message, m) {
			t.Errorf("message %q lacks %q", p.Message, m)
		}
	}
	return p
}

// N2–N4 and L1–L3: the no-card administrator pre-enters (暂存 only), not
// before the legal-person filing is declared; the card holder takes the
// pre-entry over and declares it, once.
func TestQualificationPreEntryAndTakeOver(t *testing.T) {
	filingsEach(t, nil, func(t *testing.T, e *fenv) {
		// One env per dialect: the helpers fail e.t, so no subtests.
		for _, kind := range []model.FilingKind{model.FilingCommerce, model.FilingCustoms, model.FilingForex} {
			preEntryAndTakeOver(t, e, kind)
		}
	})
}

func preEntryAndTakeOver(t *testing.T, e *fenv, kind model.FilingKind) {
	sp := kind.Spec()
	base := "/api/filings/" + string(kind)
	admin, ent := e.enterprise()
	fields := sampleFields(kind, ent.CreditCode)

	// Refused until the legal-person filing is declared, saved or not.
	wantProblem(t, admin.do(http.MethodPost, base, saveReq(0, fields)),
		http.StatusConflict, model.ErrLegalPersonFirst, model.MsgLegalPersonFirst)
	wantProblem(t, admin.do(http.MethodGet, base+"/backfill", nil), http.StatusConflict, model.ErrLegalPersonFirst)
	lp := createRec(admin, model.FilingLegalPerson, lpFields(ent.CreditCode))
	wantProblem(t, admin.do(http.MethodPost, base, saveReq(0, fields)),
		http.StatusConflict, model.ErrLegalPersonFirst, "请先申报法人信息")
	admin.call(http.MethodPost, recPath(lp.RecordMeta)+"/declare", saveReq(lp.Version, lp.Fields), http.StatusOK, &lp)

	// The pre-entry: the grey fields are the system's.
	rec := createRec(admin, kind, fields)
	if rec.State != model.StateDraft || rec.Version != 1 || rec.Fields["credit_code"] != ent.CreditCode ||
		rec.CreatedBy != strings.ToLower(rec.CreatedBy) || rec.Kind != kind || rec.Change {
		t.Fatalf("created %+v", rec)
	}
	for _, k := range sp.RegistryKeys {
		if rec.Fields[k] == "" {
			t.Errorf("registry field %s not back-filled", k)
		}
	}
	tampered := with(rec.Fields, "credit_code", creditCode(999999))
	for _, k := range sp.RegistryKeys {
		tampered[k] = "FORGED"
	}
	rec.Fields = tampered
	saved, _ := saveRec(admin, rec, http.StatusOK)
	if saved.Version != 2 || saved.Fields["credit_code"] != ent.CreditCode {
		t.Errorf("saved %+v", saved)
	}
	for _, k := range sp.RegistryKeys {
		if saved.Fields[k] == "FORGED" {
			t.Errorf("grey field %s taken from the page", k)
		}
	}

	// No 申报, 删除 or change for the no-card administrator.
	wantProblem(t, admin.do(http.MethodPost, recPath(saved.RecordMeta)+"/declare",
		saveReq(saved.Version, saved.Fields)), http.StatusForbidden, model.ErrForbidden, "预录入只能暂存")
	wantProblem(t, admin.do(http.MethodDelete, recPath(saved.RecordMeta), nil), http.StatusForbidden, model.ErrForbidden)
	wantProblem(t, admin.do(http.MethodPost, "/api/changes/"+string(kind),
		changeReq(saved.ID, saved.Fields)), http.StatusForbidden, model.ErrForbidden, "法人卡")
	if got := getRec(admin, saved.RecordMeta); got.Version != 2 || got.State != model.StateDraft {
		t.Errorf("after the refusals: %+v", got.RecordMeta)
	}

	// The card holder finds the pre-entry, takes it over and declares it.
	h := e.cardHolder(ent)
	var bf model.Backfill
	h.call(http.MethodGet, base+"/backfill", nil, http.StatusOK, &bf)
	if bf.Source != model.BackfillPreEntry || bf.RecordID != saved.ID || bf.Registry != model.RegistryOK ||
		bf.Fields["credit_code"] != ent.CreditCode || bf.Message != "" {
		t.Errorf("backfill %+v", bf)
	}
	var list []model.Record
	h.call(http.MethodGet, base, nil, http.StatusOK, &list)
	if len(list) != 1 || list[0].ID != saved.ID {
		t.Fatalf("list %+v", list)
	}
	mine, _ := saveRec(h.client, list[0], http.StatusOK)
	if mine.UpdatedBy != h.name {
		t.Errorf("updated by %q", mine.UpdatedBy)
	}
	declared, _ := declareRec(h, mine, http.StatusOK)
	if declared.State != model.StateDeclared || declared.DeclaredAt == nil || declared.Version != mine.Version+1 {
		t.Errorf("declared %+v", declared.RecordMeta)
	}
	// The record shows the card signature of its declaration (X3).
	var signed struct {
		Sig *model.RecordSignature `json:"card_signature"`
	}
	h.call(http.MethodGet, recPath(declared.RecordMeta), nil, http.StatusOK, &signed)
	if signed.Sig == nil || !signed.Sig.Verified || signed.Sig.HolderName != h.name || signed.Sig.Version != declared.Version {
		t.Errorf("signature %+v", signed.Sig)
	}
	// A double click: the second declaration is refused, nothing
	// declared twice.
	_, a := declareRec(h, mine, http.StatusConflict)
	wantProblem(t, a, http.StatusConflict, model.ErrState, "已申报")

	hist := recHistory(h.client, declared.RecordMeta)
	if got := actions(hist); !slices.Equal(got, []string{"create", "save", "save", "declare"}) {
		t.Fatalf("history %v", got)
	}
	if hist[0].Role != model.RoleNoCardAdmin || hist[0].UserID == 0 || hist[0].ToState != model.StateDraft {
		t.Errorf("create row %+v", hist[0])
	}
	d := hist[3]
	if d.Role != model.RoleLegalCard || d.UserName != h.name || d.Signature == "" || d.Certificate == "" ||
		d.FromState != model.StateDraft || d.ToState != model.StateDeclared {
		t.Errorf("declare row %+v", d)
	}
	// The legal-person filing's own rows carry who did it too.
	lph := recHistory(admin, model.RecordMeta{Kind: model.FilingLegalPerson, ID: lp.ID})
	if len(lph) != 2 || lph[0].UserID == 0 || lph[0].Role != model.RoleNoCardAdmin {
		t.Errorf("legal-person history %+v", lph)
	}
}

// Two tabs save the same version: the second is refused, never silently
// overwriting; two 申报 at once declare once.
func TestFilingConcurrency(t *testing.T) {
	filingsEach(t, nil, func(t *testing.T, e *fenv) {
		_, ent, _ := e.lpDeclared()
		h := e.cardHolder(ent)
		rec := createRec(h.client, model.FilingCustoms, sampleFields(model.FilingCustoms, ent.CreditCode))
		tab1, tab2 := rec, rec
		tab1.Fields, tab2.Fields = with(rec.Fields, "name_en", "Tab One"), with(rec.Fields, "name_en", "Tab Two")
		saveRec(h.client, tab1, http.StatusOK)
		_, a := saveRec(h.client, tab2, http.StatusConflict)
		wantProblem(t, a, http.StatusConflict, model.ErrConflict, "该记录已被他人修改，请刷新后再试")
		now := getRec(h.client, rec.RecordMeta)
		if now.Fields["name_en"] != "Tab One" || now.Version != 2 {
			t.Errorf("after two tabs: %+v", now)
		}

		// Two declarations of the same version at once.
		body := declareBody(h, now)
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for i := range statuses {
			wg.Go(func() {
				statuses[i] = h.do(http.MethodPost, recPath(now.RecordMeta)+"/declare", body).status
			})
		}
		wg.Wait()
		slices.Sort(statuses)
		if statuses[0] != http.StatusOK || statuses[1] != http.StatusConflict {
			t.Errorf("two declarations: %v", statuses)
		}
		n := 0
		for _, x := range recHistory(h.client, now.RecordMeta) {
			if x.Action == model.ActionDeclare {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d declarations in the history", n)
		}
	})
}

// Every enterprise sees only its own records.
func TestFilingOtherEnterprise(t *testing.T) {
	filingsEach(t, nil, func(t *testing.T, e *fenv) {
		_, ent, _ := e.lpDeclared()
		h := e.cardHolder(ent)
		rec := createRec(h.client, model.FilingCustoms, sampleFields(model.FilingCustoms, ent.CreditCode))
		_, other, _ := e.lpDeclared()
		o := e.cardHolder(other)
		for _, m := range []string{http.MethodGet, http.MethodDelete} {
			wantProblem(t, o.do(m, recPath(rec.RecordMeta), nil), http.StatusNotFound, model.ErrNotFound)
		}
		wantProblem(t, o.do(http.MethodGet, recPath(rec.RecordMeta)+"/history", nil), http.StatusNotFound, model.ErrNotFound)
		_, a := saveRec(o.client, rec, http.StatusNotFound)
		_ = a
		_, _ = declareRec(o, rec, http.StatusNotFound)
		var list []model.Record
		o.call(http.MethodGet, "/api/filings/customs", nil, http.StatusOK, &list)
		if len(list) != 0 {
			t.Errorf("other enterprise lists %d", len(list))
		}
		wantProblem(t, o.do(http.MethodGet, "/api/filings/nosuch", nil), http.StatusNotFound, model.ErrNotFound)
		// Nobody logged in: 401; a reviewer: 403.
		wantProblem(t, e.client().do(http.MethodGet, "/api/filings/customs", nil), http.StatusUnauthorized, model.ErrUnauthorized)
		rv, _ := e.reviewer("FJ01")
		wantProblem(t, rv.do(http.MethodGet, "/api/filings/customs", nil), http.StatusForbidden, model.ErrForbidden)
	})
}
