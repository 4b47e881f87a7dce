package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"eportid/app/model"
)

func TestLegalPersonLifecycle(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		c, ent := e.enterprise()
		var list []model.LegalPersonRecord
		c.call(http.MethodGet, "/api/legal-person", nil, http.StatusOK, &list)
		if len(list) != 0 {
			t.Fatalf("list: %+v", list)
		}

		// 新增: an empty draft is fine (X2).
		var rec model.LegalPersonRecord
		a := c.call(http.MethodPost, "/api/legal-person", model.LegalPerson{NameCN: " 草稿 "}, http.StatusCreated, &rec)
		if rec.State != model.StateDraft || rec.Version != 1 || rec.NameCN != "草稿" || a.header.Get("Location") != "/api/legal-person/"+itoa(rec.ID) {
			t.Fatalf("created: %+v %v", rec, a.header)
		}
		if a := c.do(http.MethodPost, "/api/legal-person", model.LegalPerson{}); a.status != http.StatusConflict {
			t.Fatalf("second filing: %d %s", a.status, a.body)
		}
		path := "/api/legal-person/" + itoa(rec.ID)

		// 暂存 checks every filled field, and the server's own rules.
		bad := filing(creditCode(next())) // not the enterprise's
		bad.Email = "not-an-address"
		bad.MarketDept = "M440300" // not FJ01's
		bad.City = "440300"        // not in 350000
		a = c.do(http.MethodPut, path, model.SaveLegalPerson{Version: rec.Version, LegalPerson: bad})
		p := a.problem(t)
		if a.status != http.StatusUnprocessableEntity || p.Code != model.ErrInvalid {
			t.Fatalf("bad save: %d %s", a.status, a.body)
		}
		if p.Fields["credit_code"] != "统一社会信用代码：须与注册时填写的统一社会信用代码一致" ||
			!strings.HasPrefix(p.Fields["email"], "电子邮箱：") ||
			!strings.HasPrefix(p.Fields["market_dept"], "主管市场监管部门：") ||
			!strings.HasPrefix(p.Fields["city"], "所在城市：") {
			t.Fatalf("fields: %v", p.Fields)
		}
		bad = model.LegalPerson{AgentPoint: "NOPE", Province: "990000"}
		p = c.do(http.MethodPut, path, model.SaveLegalPerson{Version: rec.Version, LegalPerson: bad}).problem(t)
		if p.Fields["agent_point"] == "" || p.Fields["province"] == "" {
			t.Fatalf("unknown agent point / province: %v", p.Fields)
		}
		// Drafts may leave fields empty; the subject code is cut by the server.
		draft := model.LegalPerson{CreditCode: strings.ToLower(ent.CreditCode), SubjectCode: "IGNORED", AgentPoint: "FJ01", TaxDept: "T350100"}
		c.call(http.MethodPut, path, model.SaveLegalPerson{Version: rec.Version, LegalPerson: draft}, http.StatusOK, &rec)
		if rec.Version != 2 || rec.CreditCode != ent.CreditCode || rec.SubjectCode != model.SubjectCode(ent.CreditCode) || rec.TaxDept != "T350100" {
			t.Fatalf("saved: %+v", rec)
		}
		// A stale version is refused.
		a = c.do(http.MethodPut, path, model.SaveLegalPerson{Version: 1, LegalPerson: draft})
		if p := a.problem(t); a.status != http.StatusConflict || p.Code != model.ErrConflict || p.Message != "该记录已被他人修改，请刷新后再试" {
			t.Fatalf("stale save: %d %s", a.status, a.body)
		}

		// 申报 requires every required field.
		a = c.do(http.MethodPost, path+"/declare", model.SaveLegalPerson{Version: rec.Version, LegalPerson: draft})
		if p := a.problem(t); a.status != http.StatusUnprocessableEntity || p.Fields["name_cn"] != "企业中文名称：必填，不能为空" {
			t.Fatalf("incomplete declare: %d %s", a.status, a.body)
		}
		full := filing(ent.CreditCode)
		if a := c.do(http.MethodPost, path+"/declare", model.SaveLegalPerson{Version: 1, LegalPerson: full}); a.status != http.StatusConflict {
			t.Fatalf("stale declare: %d %s", a.status, a.body)
		}
		c.call(http.MethodPost, path+"/declare", model.SaveLegalPerson{Version: rec.Version, LegalPerson: full}, http.StatusOK, &rec)
		if rec.State != model.StateDeclared || rec.DeclaredAt == nil || rec.Version != 3 {
			t.Fatalf("declared: %+v", rec)
		}

		// Declared: viewable, never changed (X1).
		for _, r := range []struct {
			method, path string
			body         any
			msg          string
		}{
			{http.MethodPut, path, model.SaveLegalPerson{Version: rec.Version, LegalPerson: full}, "该记录已申报，不能修改"},
			{http.MethodPost, path + "/declare", model.SaveLegalPerson{Version: rec.Version, LegalPerson: full}, "该记录已申报，不能再次申报"},
			{http.MethodDelete, path, nil, "该记录已申报，不能删除"},
		} {
			a := c.do(r.method, r.path, r.body)
			if p := a.problem(t); a.status != http.StatusConflict || p.Code != model.ErrState || !strings.HasPrefix(p.Message, r.msg) {
				t.Errorf("%s %s on a declared record: %d %s", r.method, r.path, a.status, a.body)
			}
		}
		c.call(http.MethodGet, path, nil, http.StatusOK, &rec)
		if rec.State != model.StateDeclared {
			t.Fatalf("state %s", rec.State)
		}

		// Returned by the agent point: editable, declarable, deletable again.
		ctx := context.Background()
		ret, err := e.st.ReviewLegalPerson(ctx, "FJ01", rec.ID, rec.Version, "reviewer", false, "地址不全")
		if err != nil {
			t.Fatal(err)
		}
		c.call(http.MethodGet, path, nil, http.StatusOK, &rec)
		if rec.State != model.StateReturned || rec.ReturnReason != "地址不全" || rec.Version != ret.Version {
			t.Fatalf("returned: %+v", rec)
		}
		full.Address = "福州市鼓楼区五四路1号201室"
		c.call(http.MethodPut, path, model.SaveLegalPerson{Version: rec.Version, LegalPerson: full}, http.StatusOK, &rec)
		v := rec.Version
		rec = model.LegalPersonRecord{} // return_reason is omitted when empty
		c.call(http.MethodPost, path+"/declare", model.SaveLegalPerson{Version: v, LegalPerson: full}, http.StatusOK, &rec)
		if rec.State != model.StateDeclared || rec.ReturnReason != "" {
			t.Fatalf("declared again: %+v", rec)
		}

		// Approved: never changed, never deleted.
		if _, err := e.st.ReviewLegalPerson(ctx, "FJ01", rec.ID, rec.Version, "reviewer", true, ""); err != nil {
			t.Fatal(err)
		}
		c.call(http.MethodGet, path, nil, http.StatusOK, &rec)
		a = c.do(http.MethodPut, path, model.SaveLegalPerson{Version: rec.Version, LegalPerson: full})
		if p := a.problem(t); a.status != http.StatusConflict || p.Message != "该记录已审批通过，不能修改" {
			t.Fatalf("save approved: %d %s", a.status, a.body)
		}
		if a := c.do(http.MethodDelete, path, nil); a.status != http.StatusConflict {
			t.Fatalf("delete approved: %d %s", a.status, a.body)
		}
	})
}

func TestLegalPersonDelete(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		c, ent := e.enterprise()
		var rec model.LegalPersonRecord
		c.call(http.MethodPost, "/api/legal-person", filing(ent.CreditCode), http.StatusCreated, &rec)
		path := "/api/legal-person/" + itoa(rec.ID)
		c.call(http.MethodDelete, path, nil, http.StatusNoContent, nil)
		if a := c.do(http.MethodGet, path, nil); a.status != http.StatusNotFound {
			t.Fatalf("deleted record: %d", a.status)
		}
		if a := c.do(http.MethodDelete, path, nil); a.status != http.StatusNotFound {
			t.Fatalf("delete twice: %d", a.status)
		}
		// Deleting a returned record is allowed; the enterprise may file anew.
		c.call(http.MethodPost, "/api/legal-person", filing(ent.CreditCode), http.StatusCreated, &rec)
		path = "/api/legal-person/" + itoa(rec.ID)
		c.call(http.MethodPost, path+"/declare", model.SaveLegalPerson{Version: rec.Version, LegalPerson: filing(ent.CreditCode)}, http.StatusOK, &rec)
		if _, err := e.st.ReviewLegalPerson(context.Background(), "FJ01", rec.ID, rec.Version, "reviewer", false, "重新填写"); err != nil {
			t.Fatal(err)
		}
		c.call(http.MethodDelete, path, nil, http.StatusNoContent, nil)
		for _, p := range []string{"/api/legal-person/0", "/api/legal-person/abc", "/api/legal-person/99999999"} {
			if a := c.do(http.MethodGet, p, nil); a.status != http.StatusNotFound {
				t.Errorf("GET %s: %d", p, a.status)
			}
		}
	})
}

func TestLegalPersonOtherEnterprise(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		owner, ent := e.enterprise()
		var rec model.LegalPersonRecord
		owner.call(http.MethodPost, "/api/legal-person", filing(ent.CreditCode), http.StatusCreated, &rec)
		path := "/api/legal-person/" + itoa(rec.ID)

		intruder, other := e.enterprise()
		var list []model.LegalPersonRecord
		intruder.call(http.MethodGet, "/api/legal-person", nil, http.StatusOK, &list)
		if len(list) != 0 {
			t.Fatalf("another enterprise's list shows %+v", list)
		}
		// A body valid for the intruder's own enterprise, so that only the
		// scope can refuse it.
		body := model.SaveLegalPerson{Version: rec.Version, LegalPerson: filing(other.CreditCode)}
		for _, r := range []struct {
			method, path string
			body         any
		}{
			{http.MethodGet, path, nil},
			{http.MethodPut, path, body},
			{http.MethodPost, path + "/declare", body},
			{http.MethodDelete, path, nil},
		} {
			a := intruder.do(r.method, r.path, r.body)
			if p := a.problem(t); a.status != http.StatusNotFound || p.Code != model.ErrNotFound {
				t.Errorf("%s %s by another enterprise: %d %s", r.method, r.path, a.status, a.body)
			}
		}
		// Same answer as for an id that does not exist.
		ghost := intruder.do(http.MethodGet, "/api/legal-person/99999999", nil)
		real := intruder.do(http.MethodGet, path, nil)
		if string(ghost.body) != string(real.body) {
			t.Errorf("answers differ: %s / %s", ghost.body, real.body)
		}
		owner.call(http.MethodGet, path, nil, http.StatusOK, &rec)
		if rec.State != model.StateDraft || rec.Version != 1 {
			t.Fatalf("record changed by another enterprise: %+v", rec)
		}
	})
}

func TestLegalPersonNeedsSessionAndRole(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		anon := e.client()
		if a := anon.do(http.MethodGet, "/api/legal-person", nil); a.status != http.StatusUnauthorized {
			t.Fatalf("no session: %d", a.status)
		}
		if a := anon.do(http.MethodPost, "/api/legal-person", model.LegalPerson{}); a.status != http.StatusUnauthorized {
			t.Fatalf("no session: %d", a.status)
		}
	})
}
