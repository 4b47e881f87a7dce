package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"eportid/app/model"
)

// Every JSON body is read strictly: a wrong type names the field, an
// unknown, miscased or repeated key is refused, null is no value, and a
// body over the limit is a 413.
func TestStrictBodies(t *testing.T) {
	filingsEach(t, nil, func(t *testing.T, e *fenv) {
		anon := e.client()
		login := func(body string) answer { return anon.doRaw(http.MethodPost, "/api/session", []byte(body)) }
		wantField(t, "wrong type", login(`{"username":1,"password":"x"}`), "username", "应为文本")
		if p := login(`{"username":1,"password":"x"}`).problem(t); !strings.Contains(p.Message, "username") {
			t.Errorf("the message does not name the field: %q", p.Message)
		}
		wantField(t, "unknown key", login(`{"username":"a","password":"b","remember":true}`), "remember", "不是可接受的字段")
		wantField(t, "miscased key", login(`{"USERNAME":"a","password":"b"}`), "USERNAME", "不是可接受的字段")
		wantField(t, "repeated key", login(`{"username":"a","username":"b","password":"c"}`), "username", "字段重复")
		wantField(t, "null field", login(`{"username":null,"password":"c"}`), "username", "不能为 null")
		for _, body := range []string{`null`, ``, `[]`, `"x"`, `{"username":"a","password":"b"} {}`, `{"username":"a"`} {
			if a := login(body); a.status != http.StatusUnprocessableEntity || a.problem(t).Code != model.ErrInvalid {
				t.Errorf("body %q: %d %s", body, a.status, a.body)
			}
		}
		if p := login(`null`).problem(t); !strings.Contains(p.Message, "null") {
			t.Errorf("null body: %q", p.Message)
		}
		big := `{"username":"a","password":"` + strings.Repeat("x", 70<<10) + `"}`
		wantProblem(t, login(big), http.StatusRequestEntityTooLarge, model.ErrTooLarge, "过大")

		admin, ent := e.enterprise()
		lp := createRec(admin, model.FilingLegalPerson, lpFields(ent.CreditCode))
		huge := saveReq(lp.Version, with(lp.Fields, "address", strings.Repeat("路", 30<<10)))
		wantProblem(t, admin.do(http.MethodPut, recPath(lp.RecordMeta), huge), http.StatusRequestEntityTooLarge, model.ErrTooLarge)
		wantField(t, "filing repeated key", admin.doRaw(http.MethodPut, recPath(lp.RecordMeta),
			[]byte(`{"version":1,"address":"甲","address":"乙"}`)), "address", "字段重复")

		// A decision of null is not one of version 0.
		admin.call(http.MethodPost, recPath(lp.RecordMeta)+"/declare", saveReq(lp.Version, lp.Fields), http.StatusOK, &lp)
		rv, _ := e.reviewer("FJ01")
		path := "/api/review/" + lp.Ref().Name() + "/" + itoa(lp.ID) + "/approve"
		for _, c := range []struct{ body, key, rule string }{
			{`null`, "", "null"},
			{`{"version":null}`, "version", "不能为 null"},
			{`{"version":"` + itoa(int64(lp.Version)) + `"}`, "version", "应为整数"},
			{`{"version":1.5}`, "version", "应为整数"},
			{`{"version":1,"Reason":"x"}`, "Reason", "不是可接受的字段"},
		} {
			a := rv.doRaw(http.MethodPost, path, []byte(c.body))
			if c.key == "" {
				wantProblem(t, a, http.StatusUnprocessableEntity, model.ErrInvalid, c.rule)
				continue
			}
			wantField(t, c.body, a, c.key, c.rule)
		}
		decide(rv, lp.RecordMeta, true, "", http.StatusOK)
	})
}
