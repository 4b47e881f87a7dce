package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"eportid/app/model"
	"eportid/backend/registry"
)

// What every kind's routes refuse in a body, and what the system fills
// whatever the body says: the registry's answer (or its lack of one) and
// a card holder's credit code.

// A body with a key the kind does not have, or a value of the wrong JSON
// type, is refused with a 422 naming the key; nothing is saved.
func TestFilingBodyRefused(t *testing.T) {
	filingsEach(t, nil, func(t *testing.T, e *fenv) {
		admin, ent, lp := e.lpDeclared()
		raw := func(s string) json.RawMessage { return json.RawMessage(s) }
		for _, tc := range []struct {
			what, method, path string
			body               json.RawMessage
			key, says          string
		}{
			{"unknown key", http.MethodPost, "/api/filings/commerce", raw(`{"name_cn":"福州示例贸易有限公司","nickname":"x"}`),
				"nickname", "nickname：不是商务部资质备案的字段"},
			{"another kind's key", http.MethodPost, "/api/filings/commerce", raw(`{"address":"福州市鼓楼区五四路1号"}`),
				"address", "address：不是商务部资质备案的字段"},
			{"number for text", http.MethodPost, "/api/filings/commerce", raw(`{"name_cn":42}`),
				"name_cn", "企业中文名称：应为文本"},
			{"object for text", http.MethodPost, "/api/filings/customs", raw(`{"customs_reg_no":{"v":"3501960001"}}`),
				"customs_reg_no", "海关注册编号：应为文本"},
			{"text for version", http.MethodPut, recPath(lp.RecordMeta), raw(`{"version":"` + itoa(int64(lp.Version)) + `"}`),
				"version", "version：应为不小于0的整数"},
			{"negative version", http.MethodPut, recPath(lp.RecordMeta), raw(`{"version":-1}`),
				"version", "version：应为不小于0的整数"},
			{"signature not base64", http.MethodPost, recPath(lp.RecordMeta) + "/declare",
				raw(`{"version":` + itoa(int64(lp.Version)) + `,"card_signature":{"signature":"*","certificate":"*"}}`),
				"card_signature", "card_signature：格式不正确"},
			{"signature a string", http.MethodPost, recPath(lp.RecordMeta) + "/declare",
				raw(`{"version":` + itoa(int64(lp.Version)) + `, "card_signature" :  "x"}`),
				"card_signature", "card_signature：格式不正确"},
			{"unknown key on 申报", http.MethodPost, recPath(lp.RecordMeta) + "/declare",
				raw(`{"version":` + itoa(int64(lp.Version)) + `,"name_cn":"x","creditcode":"y"}`),
				"creditcode", "creditcode：不是法人信息备案的字段"},
		} {
			a := admin.do(tc.method, tc.path, tc.body)
			if a.status != http.StatusUnprocessableEntity {
				t.Errorf("%s: status %d, want 422: %s", tc.what, a.status, a.body)
				continue
			}
			p := a.problem(t)
			if p.Code != model.ErrInvalid || p.Fields[tc.key] != tc.says || !strings.Contains(p.Message, tc.says) {
				t.Errorf("%s: %+v, want %s: %q", tc.what, p, tc.key, tc.says)
			}
		}
		// Not one JSON object at all.
		for _, body := range []string{`[]`, `"x"`, `null`} {
			a := admin.do(http.MethodPost, "/api/filings/commerce", raw(body))
			if a.status != http.StatusUnprocessableEntity || a.problem(t).Code != model.ErrInvalid {
				t.Errorf("body %s: %d %s", body, a.status, a.body)
			}
		}
		// A change's filing_id is a number (the card holder makes changes).
		h := e.cardHolder(ent)
		a := h.do(http.MethodPost, "/api/changes/legal_person", raw(`{"filing_id":"`+itoa(lp.ID)+`"}`))
		if p := wantProblem(t, a, http.StatusUnprocessableEntity, model.ErrInvalid, "filing_id"); p.Fields["filing_id"] != "filing_id：应为正整数" {
			t.Errorf("text for filing_id: %+v", p)
		}
		// Nothing was saved, nothing changed.
		for _, kind := range []model.FilingKind{model.FilingCommerce, model.FilingCustoms} {
			var list []model.Record
			if admin.call(http.MethodGet, "/api/filings/"+string(kind), nil, http.StatusOK, &list); len(list) != 0 {
				t.Errorf("%s filings after the refusals: %+v", kind, list)
			}
		}
		if now := getRec(admin, lp.RecordMeta); now.Version != lp.Version || now.State != model.StateDeclared ||
			now.Fields["name_cn"] != lp.Fields["name_cn"] {
			t.Errorf("legal-person filing after the refusals: %+v", now)
		}
		// The same body with the kind's own keys is fine.
		createRec(admin, model.FilingCommerce, sampleFields(model.FilingCommerce, ent.CreditCode))
	})
}

// The forex filing is the bureau's record: where the bureau has none, the
// back-fill says there is nothing to file (Blocked), and a POST is refused
// with 409 no_registry_record, saving nothing. The other filings go on.
func TestForexNoRegistryRecord(t *testing.T) {
	filingsEach(t, nil, func(t *testing.T, e *fenv) {
		admin, ent, _ := e.lpDeclared()
		e.reg.setNone(model.FilingForex, ent.CreditCode)
		h := e.cardHolder(ent)
		msg := model.FilingForex.Spec().NoRegistryRecordMessage()
		if !strings.Contains(msg, "外汇管理局") {
			t.Fatalf("message %q does not name the bureau", msg)
		}
		for _, c := range []*client{admin, h.client} {
			var bf model.Backfill
			c.call(http.MethodGet, "/api/filings/forex/backfill", nil, http.StatusOK, &bf)
			if !bf.Blocked || bf.Message != msg || bf.Registry != model.RegistryNotFound ||
				bf.Fields["classification"] != "" || bf.Fields["bureau_status"] != "" {
				t.Errorf("back-fill %+v", bf)
			}
			p := wantProblem(t, c.do(http.MethodPost, "/api/filings/forex", saveReq(0, nil)),
				http.StatusConflict, model.ErrNoRegistryRecord, msg)
			if p.Message != msg {
				t.Errorf("message %q, want %q", p.Message, msg)
			}
			var list []model.Record
			if c.call(http.MethodGet, "/api/filings/forex", nil, http.StatusOK, &list); len(list) != 0 {
				t.Errorf("forex filings after the refusal: %+v", list)
			}
		}
		cu := createRec(h.client, model.FilingCustoms, sampleFields(model.FilingCustoms, ent.CreditCode))
		if d, _ := declareRec(h, cu, http.StatusOK); d.State != model.StateDeclared {
			t.Errorf("customs %+v", d.RecordMeta)
		}
	})
}

// Where the ministry has no record, the commerce back-fill proposes the
// declared legal-person filing's name, address (as address_cn) and legal
// representative, for the user to change; the filing is then entered and
// saved without the ministry's import-export code.
func TestCommerceBackfillProposesLegalPerson(t *testing.T) {
	filingsEach(t, nil, func(t *testing.T, e *fenv) {
		admin, ent := e.enterprise()
		lpf := with(lpFields(ent.CreditCode), "name_cn", "福州提议贸易有限公司", "address", "福州市台江区工业路2号",
			"legal_rep_name", "李四", "email", "lisi@example.com", "fax", "0591-87654322")
		lp := createRec(admin, model.FilingLegalPerson, lpf)
		admin.call(http.MethodPost, recPath(lp.RecordMeta)+"/declare", saveReq(lp.Version, lp.Fields), http.StatusOK, &lp)
		e.reg.setNone(model.FilingCommerce, ent.CreditCode)

		h := e.cardHolder(ent)
		for _, c := range []*client{admin, h.client} {
			var bf model.Backfill
			c.call(http.MethodGet, "/api/filings/commerce/backfill", nil, http.StatusOK, &bf)
			want := registry.Message(&registry.Error{Registry: model.FilingCommerce, Err: registry.ErrNotFound})
			if bf.Source != model.BackfillLegalPerson || bf.Registry != model.RegistryNotFound || bf.Blocked || bf.Message != want {
				t.Errorf("back-fill %+v, want message %q", bf, want)
			}
			for key, v := range map[string]string{
				"credit_code": ent.CreditCode, "imp_exp_code": "",
				"name_cn": "福州提议贸易有限公司", "address_cn": "福州市台江区工业路2号", "legal_rep_name": "李四",
				"legal_rep_id_number": lpf["legal_rep_id_number"], "phone": lpf["phone"],
				"email": "lisi@example.com", "fax": "0591-87654322", "operator_type": "",
			} {
				if bf.Fields[key] != v {
					t.Errorf("back-fill %s = %q, want %q", key, bf.Fields[key], v)
				}
			}
		}

		// The user keeps the proposal, changes a field, adds the rest.
		var bf model.Backfill
		h.call(http.MethodGet, "/api/filings/commerce/backfill", nil, http.StatusOK, &bf)
		rec := createRec(h.client, model.FilingCommerce, with(bf.Fields, "operator_type", "4", "name_en", "Fuzhou Proposal Trading"))
		if rec.Fields["name_cn"] != "福州提议贸易有限公司" || rec.Fields["address_cn"] != "福州市台江区工业路2号" ||
			rec.Fields["imp_exp_code"] != "" || rec.Fields["credit_code"] != ent.CreditCode || rec.Fields["name_en"] != "Fuzhou Proposal Trading" {
			t.Errorf("commerce filing %+v", rec.Fields)
		}
		if d, _ := declareRec(h, rec, http.StatusOK); d.State != model.StateDeclared {
			t.Errorf("declared %+v", d.RecordMeta)
		}
	})
}

// A card holder's legal-person filing is of the enterprise its card was
// issued to: the credit code is the enterprise's whatever the body says
// (a no-card administrator's other credit code is refused instead, 422).
func TestCardHolderLegalPersonCreditCode(t *testing.T) {
	filingsEach(t, nil, func(t *testing.T, e *fenv) {
		_, ent := e.enterprise()
		h := e.cardHolder(ent)
		subject := model.SubjectCode(ent.CreditCode)

		var bf model.Backfill
		h.call(http.MethodGet, lpPath(0)+"/backfill", nil, http.StatusOK, &bf)
		if bf.Fields["credit_code"] != ent.CreditCode {
			t.Errorf("back-fill %+v", bf)
		}
		other := creditCode(next())
		rec := createRec(h.client, model.FilingLegalPerson, lpFields(other))
		if rec.Fields["credit_code"] != ent.CreditCode || rec.Fields["subject_code"] != subject {
			t.Errorf("created with another credit code: %+v", rec.Fields)
		}
		rec.Fields = with(rec.Fields, "credit_code", "NOT-A-CREDIT-CODE")
		saved, _ := saveRec(h.client, rec, http.StatusOK)
		if saved.Fields["credit_code"] != ent.CreditCode || saved.Fields["subject_code"] != subject {
			t.Errorf("saved with a malformed credit code: %+v", saved.Fields)
		}
		// Declared with no credit code and with another: the signature is
		// over the enterprise's, as stored.
		body := declareBody(h, saved)
		delete(body, "credit_code")
		var dec model.Record
		h.call(http.MethodPost, recPath(saved.RecordMeta)+"/declare", body, http.StatusOK, &dec)
		if dec.State != model.StateDeclared || dec.Fields["credit_code"] != ent.CreditCode ||
			dec.Signature == nil || !dec.Signature.Verified {
			t.Errorf("declared %+v %+v", dec.Fields, dec.Signature)
		}

		// Returned, then declared again with another credit code in the body.
		rv, _ := e.reviewer("FJ01")
		decide(rv, dec.RecordMeta, false, "请核对", http.StatusOK)
		back := getRec(h.client, dec.RecordMeta)
		body = declareBody(h, back)
		body["credit_code"] = other
		h.call(http.MethodPost, recPath(back.RecordMeta)+"/declare", body, http.StatusOK, &dec)
		if dec.Fields["credit_code"] != ent.CreditCode || dec.Fields["subject_code"] != subject {
			t.Errorf("declared again %+v", dec.Fields)
		}

		// A no-card administrator's filing is refused instead.
		admin2, ent2 := e.enterprise()
		p := wantProblem(t, admin2.do(http.MethodPost, lpPath(0), saveReq(0, lpFields(other))),
			http.StatusUnprocessableEntity, model.ErrInvalid)
		if p.Fields["credit_code"] != "统一社会信用代码：须与注册时填写的统一社会信用代码一致" {
			t.Errorf("no-card administrator's other credit code: %+v", p)
		}
		if got := createRec(admin2, model.FilingLegalPerson, lpFields(ent2.CreditCode)); got.Fields["credit_code"] != ent2.CreditCode {
			t.Errorf("no-card administrator's own credit code: %+v", got.Fields)
		}
	})
}
