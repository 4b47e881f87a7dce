package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"eportid/app/model"
)

// doRaw sends body as it is (bytes that json.Marshal would have mended).
func (c *client) doRaw(method, path string, body []byte) answer {
	c.e.t.Helper()
	req, err := http.NewRequest(method, c.e.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		c.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.csrf != "" {
		req.Header.Set(model.CSRFHeader, c.csrf)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

// wantField wants a 422 whose Fields name key with a message holding rule.
func wantField(t *testing.T, what string, a answer, key, rule string) {
	t.Helper()
	if a.status != http.StatusUnprocessableEntity {
		t.Errorf("%s: status %d, want 422: %s", what, a.status, a.body)
		return
	}
	p := a.problem(t)
	if p.Code != model.ErrInvalid || !strings.Contains(p.Fields[key], rule) {
		t.Errorf("%s: want fields[%q] to say %q: %+v", what, key, rule, p)
	}
}

// Bytes PostgreSQL refuses (NUL, invalid UTF-8) and characters that make a
// name read otherwise than stored (controls, bidi overrides) are refused at
// the edge with a 422 naming the field and the rule, in bodies, user names,
// return reasons and query parameters; nothing of it reaches the database.
func TestRefusedBytes(t *testing.T) {
	filingsEach(t, nil, func(t *testing.T, e *fenv) {
		anon := e.client()
		for _, q := range []struct{ path, key string }{
			{"/api/ref/divisions?parent=%FF", "parent"},
			{"/api/ref/divisions?parent=%00", "parent"},
			{"/api/ref/divisions?parent=35%0A0000", "parent"},
			{"/api/ref/divisions?parent=350000&parent=110000", "parent"},
			{"/api/ref/departments?kind=market&agent_point=%00", "agent_point"},
			{"/api/ref/departments?kind=market&agent_point=%FF", "agent_point"},
			{"/api/ref/departments?kind=%00&agent_point=FJ01", "kind"},
		} {
			wantField(t, q.path, anon.do(http.MethodGet, q.path, nil), q.key, "参数 "+q.key)
		}
		var cities []model.Option
		anon.call(http.MethodGet, "/api/ref/divisions?parent=350000", nil, http.StatusOK, &cities)
		if len(cities) == 0 {
			t.Errorf("no cities of 350000")
		}

		// User names: of a login and of a registration.
		wantField(t, "login NUL", anon.do(http.MethodPost, "/api/session",
			model.LoginRequest{Username: "adm\x00in", Password: password}), "username", "控制字符（U+0000）")
		reg := registration(creditCode(next()), "bell\x07user", "bell@example.com")
		wantField(t, "registration BEL", anon.do(http.MethodPost, "/api/registrations", reg), "admin.username", "控制字符（U+0007）")
		reg = registration(creditCode(next()), "plainuser", "plain@example.com")
		reg.Enterprise.NameCN = "福州\u202e司公限有易贸"
		wantField(t, "registration bidi", anon.do(http.MethodPost, "/api/registrations", reg), "enterprise.name_cn", "文字方向控制字符（U+202E）")
		wantField(t, "registration invalid UTF-8", anon.doRaw(http.MethodPost, "/api/registrations",
			[]byte(`{"enterprise":{"name_cn":"福州`+"\xff\xfe"+`"},"admin":{}}`)), "enterprise.name_cn", "UTF-8")

		// Text fields of a filing: every control and bidi character, and
		// bytes that are not UTF-8, named by the field's label.
		admin, ent := e.enterprise()
		fields := lpFields(ent.CreditCode)
		for _, bad := range []struct{ key, value, rule string }{
			{"name_cn", "福州\x00示例", "控制字符（U+0000）"},
			{"name_cn", "福州\x1b[31m示例", "控制字符（U+001B）"},
			{"address", "福州市\u202e路四五", "文字方向控制字符（U+202E）"},
			{"address", "福州市\u0085鼓楼区", "控制字符（U+0085）"},
			{"legal_rep_name", "张\x07三", "控制字符（U+0007）"},
			{"address", "福州市\n鼓楼区", "不能换行"},
		} {
			a := admin.do(http.MethodPost, lpPath(0), saveReq(0, with(fields, bad.key, bad.value)))
			wantField(t, bad.key+" "+bad.rule, a, bad.key, bad.rule)
		}
		raw, _ := json.Marshal(saveReq(0, fields))
		raw = bytes.Replace(raw, []byte("五四路"), []byte("五\xff四路"), 1)
		wantField(t, "filing invalid UTF-8", admin.doRaw(http.MethodPost, lpPath(0), raw), "address", "UTF-8")
		// Said with the field's label, as the page says it.
		if p := admin.do(http.MethodPost, lpPath(0), saveReq(0, with(fields, "address", "福州\x00"))).problem(t); p.Fields["address"] != "注册地址：不能含有控制字符（U+0000）" {
			t.Errorf("address NUL: %+v", p)
		}
		lp := createRec(admin, model.FilingLegalPerson, fields)
		if got := getRec(admin, lp.RecordMeta).Fields["address"]; got != fields["address"] {
			t.Errorf("address stored %q", got)
		}

		// A return reason.
		admin.call(http.MethodPost, recPath(lp.RecordMeta)+"/declare", saveReq(lp.Version, lp.Fields), http.StatusOK, &lp)
		rv, _ := e.reviewer("FJ01")
		path := "/api/review/" + lp.Ref().Name() + "/" + itoa(lp.ID) + "/return"
		wantField(t, "reason NUL", rv.do(http.MethodPost, path, model.ReviewDecision{Version: lp.Version, Reason: "缺\x00材料"}), "reason", "控制字符（U+0000）")
		wantField(t, "reason RLO", rv.do(http.MethodPost, path, model.ReviewDecision{Version: lp.Version, Reason: "缺\u202e材料"}), "reason", "U+202E")
		decide(rv, lp.RecordMeta, false, "缺少材料：\n1. 营业执照", http.StatusOK)
	})
}

// An attachment's file name (not typed, so mended rather than refused)
// loses what model.CheckText refuses: a bidi override that makes
// "发票\u202efdp.exe" read "发票exe.pdf", C1 controls, NUL.
func TestAttachmentNameCleaned(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin, _ := e.enterprise()
		att, _ := upload(admin, "发票\u202efdp\u0085.e\x00xe", pdf, http.StatusCreated)
		if att.Name != "发票fdp.exe" {
			t.Errorf("stored name %q", att.Name)
		}
	})
}
