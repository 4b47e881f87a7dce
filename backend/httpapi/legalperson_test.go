package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"eportid/app/model"
	"eportid/backend/store"
)

// The legal-person filing (N1) on the route of every kind,
// /api/filings/legal_person.

// lpRef is the reference of the legal-person filing id.
func lpRef(id int64) model.RecordRef { return model.RecordRef{Kind: model.FilingLegalPerson, ID: id} }

// reviewerActor is the agent point's reviewer as the store's review sees it.
var reviewerActor = store.Actor{Name: "reviewer"}

func TestLegalPersonLifecycle(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		c, ent := e.enterprise()
		var list []model.Record
		c.call(http.MethodGet, lpPath(0), nil, http.StatusOK, &list)
		if len(list) != 0 {
			t.Fatalf("list: %+v", list)
		}

		// 新增: an empty draft is fine (X2).
		var rec model.Record
		a := c.call(http.MethodPost, lpPath(0), saveReq(0, model.Fields{"name_cn": " 草稿 "}), http.StatusCreated, &rec)
		if rec.State != model.StateDraft || rec.Version != 1 || rec.Fields["name_cn"] != "草稿" || a.header.Get("Location") != lpPath(rec.ID) {
			t.Fatalf("created: %+v %v", rec, a.header)
		}
		if a := c.do(http.MethodPost, lpPath(0), saveReq(0, nil)); a.status != http.StatusConflict {
			t.Fatalf("second filing: %d %s", a.status, a.body)
		}
		path := lpPath(rec.ID)

		// 暂存 checks every filled field, and the server's own rules.
		bad := with(lpFields(creditCode(next())), // not the enterprise's
			"email", "not-an-address",
			"market_dept", "M440300", // not FJ01's
			"city", "440300") // not in 350000
		a = c.do(http.MethodPut, path, saveReq(rec.Version, bad))
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
		bad = model.Fields{"agent_point": "NOPE", "province": "990000"}
		p = c.do(http.MethodPut, path, saveReq(rec.Version, bad)).problem(t)
		if p.Fields["agent_point"] == "" || p.Fields["province"] == "" {
			t.Fatalf("unknown agent point / province: %v", p.Fields)
		}
		// Drafts may leave fields empty; the subject code is cut by the server.
		draft := model.Fields{"credit_code": strings.ToLower(ent.CreditCode), "subject_code": "IGNORED", "agent_point": "FJ01", "tax_dept": "T350100"}
		c.call(http.MethodPut, path, saveReq(rec.Version, draft), http.StatusOK, &rec)
		if rec.Version != 2 || rec.Fields["credit_code"] != ent.CreditCode || rec.Fields["subject_code"] != model.SubjectCode(ent.CreditCode) ||
			rec.Fields["tax_dept"] != "T350100" {
			t.Fatalf("saved: %+v", rec)
		}
		// A stale version is refused.
		a = c.do(http.MethodPut, path, saveReq(1, draft))
		if p := a.problem(t); a.status != http.StatusConflict || p.Code != model.ErrConflict || p.Message != "该记录已被他人修改，请刷新后再试" {
			t.Fatalf("stale save: %d %s", a.status, a.body)
		}

		// 申报 requires every required field.
		a = c.do(http.MethodPost, path+"/declare", saveReq(rec.Version, draft))
		if p := a.problem(t); a.status != http.StatusUnprocessableEntity || p.Fields["name_cn"] != "企业中文名称：必填，不能为空" {
			t.Fatalf("incomplete declare: %d %s", a.status, a.body)
		}
		full := lpFields(ent.CreditCode)
		if a := c.do(http.MethodPost, path+"/declare", saveReq(1, full)); a.status != http.StatusConflict {
			t.Fatalf("stale declare: %d %s", a.status, a.body)
		}
		c.call(http.MethodPost, path+"/declare", saveReq(rec.Version, full), http.StatusOK, &rec)
		if rec.State != model.StateDeclared || rec.DeclaredAt == nil || rec.Version != 3 {
			t.Fatalf("declared: %+v", rec)
		}

		// Declared: viewable, never changed (X1).
		for _, r := range []struct {
			method, path string
			body         any
			msg          string
		}{
			{http.MethodPut, path, saveReq(rec.Version, full), "该记录已申报，不能修改"},
			{http.MethodPost, path + "/declare", saveReq(rec.Version, full), "该记录已申报，不能再次申报"},
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
		ret, err := e.st.Return(ctx, "FJ01", lpRef(rec.ID), rec.Version, reviewerActor, "地址不全")
		if err != nil {
			t.Fatal(err)
		}
		c.call(http.MethodGet, path, nil, http.StatusOK, &rec)
		if rec.State != model.StateReturned || rec.ReturnReason != "地址不全" || rec.Version != ret.Version {
			t.Fatalf("returned: %+v", rec)
		}
		full["address"] = "福州市鼓楼区五四路1号201室"
		c.call(http.MethodPut, path, saveReq(rec.Version, full), http.StatusOK, &rec)
		v := rec.Version
		rec = model.Record{} // return_reason is omitted when empty
		c.call(http.MethodPost, path+"/declare", saveReq(v, full), http.StatusOK, &rec)
		if rec.State != model.StateDeclared || rec.ReturnReason != "" {
			t.Fatalf("declared again: %+v", rec)
		}

		// Approved: never changed, never deleted.
		if _, err := e.st.Approve(ctx, "FJ01", lpRef(rec.ID), rec.Version, reviewerActor); err != nil {
			t.Fatal(err)
		}
		c.call(http.MethodGet, path, nil, http.StatusOK, &rec)
		a = c.do(http.MethodPut, path, saveReq(rec.Version, full))
		if p := a.problem(t); a.status != http.StatusConflict || p.Message != "该记录已审批通过，不能修改；如需修改，请办理法人信息变更" {
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
		rec := createRec(c, model.FilingLegalPerson, lpFields(ent.CreditCode))
		path := lpPath(rec.ID)
		c.call(http.MethodDelete, path, nil, http.StatusNoContent, nil)
		if a := c.do(http.MethodGet, path, nil); a.status != http.StatusNotFound {
			t.Fatalf("deleted record: %d", a.status)
		}
		if a := c.do(http.MethodDelete, path, nil); a.status != http.StatusNotFound {
			t.Fatalf("delete twice: %d", a.status)
		}
		// Deleting a returned record is allowed; the enterprise may file anew.
		rec = createRec(c, model.FilingLegalPerson, lpFields(ent.CreditCode))
		path = lpPath(rec.ID)
		c.call(http.MethodPost, path+"/declare", saveReq(rec.Version, lpFields(ent.CreditCode)), http.StatusOK, &rec)
		if _, err := e.st.Return(context.Background(), "FJ01", lpRef(rec.ID), rec.Version, reviewerActor, "重新填写"); err != nil {
			t.Fatal(err)
		}
		c.call(http.MethodDelete, path, nil, http.StatusNoContent, nil)
		for _, p := range []string{lpPath(0) + "/0", lpPath(0) + "/abc", lpPath(99999999)} {
			if a := c.do(http.MethodGet, p, nil); a.status != http.StatusNotFound {
				t.Errorf("GET %s: %d", p, a.status)
			}
		}
	})
}

func TestLegalPersonOtherEnterprise(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		owner, ent := e.enterprise()
		rec := createRec(owner, model.FilingLegalPerson, lpFields(ent.CreditCode))
		path := lpPath(rec.ID)

		intruder, other := e.enterprise()
		var list []model.Record
		intruder.call(http.MethodGet, lpPath(0), nil, http.StatusOK, &list)
		if len(list) != 0 {
			t.Fatalf("another enterprise's list shows %+v", list)
		}
		// A body valid for the intruder's own enterprise, so that only the
		// scope can refuse it.
		body := saveReq(rec.Version, lpFields(other.CreditCode))
		for _, r := range []struct {
			method, path string
			body         any
		}{
			{http.MethodGet, path, nil},
			{http.MethodPut, path, body},
			{http.MethodPost, path + "/declare", body},
			{http.MethodDelete, path, nil},
			{http.MethodGet, path + "/history", nil},
			{http.MethodGet, path + "/versions", nil},
		} {
			a := intruder.do(r.method, r.path, r.body)
			if p := a.problem(t); a.status != http.StatusNotFound || p.Code != model.ErrNotFound {
				t.Errorf("%s %s by another enterprise: %d %s", r.method, r.path, a.status, a.body)
			}
		}
		// Same answer as for an id that does not exist.
		ghost := intruder.do(http.MethodGet, lpPath(99999999), nil)
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
		if a := anon.do(http.MethodGet, lpPath(0), nil); a.status != http.StatusUnauthorized {
			t.Fatalf("no session: %d", a.status)
		}
		if a := anon.do(http.MethodPost, lpPath(0), saveReq(0, nil)); a.status != http.StatusUnauthorized {
			t.Fatalf("no session: %d", a.status)
		}
	})
}
