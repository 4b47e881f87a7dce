package apiclient_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"eportid/app/apiclient"
	"eportid/app/model"
)

// A record of any kind decodes into Rec: its meta, and its fields by key.
func TestRecDecodesAnyKind(t *testing.T) {
	in := model.Record{
		RecordMeta: model.RecordMeta{ID: 4, Kind: model.FilingCustoms, Change: true, FilingID: 2, State: model.StateReturned,
			Version: 3, CreatedBy: "甲", ReturnReason: "请核对"},
		Fields: model.Fields{"credit_code": "91440300MA5F3K2L57", "name_cn": "示例", "customs_reg_no": "4403960001"},
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var r apiclient.Rec
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if r.RecordMeta.Ref() != in.Ref() || r.State != model.StateReturned || r.ReturnReason != "请核对" || r.Version != 3 {
		t.Errorf("meta = %+v", r.RecordMeta)
	}
	want := in.Fields
	for k, v := range want {
		if r.Fields[k] != v {
			t.Errorf("field %s = %q, want %q", k, r.Fields[k], v)
		}
	}
	for _, k := range []string{"state", "kind", "created_by", "return_reason"} {
		if _, ok := r.Fields[k]; ok {
			t.Errorf("meta key %s taken as a field", k)
		}
	}
}

// The routes and bodies of the filings, changes and review calls.
func TestFilingRoutes(t *testing.T) {
	type call struct {
		method, path string
		body         map[string]any
	}
	var calls []call
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		calls = append(calls, call{r.Method, r.URL.Path, body})
		switch {
		case r.Method == http.MethodDelete:
			w.WriteHeader(http.StatusNoContent)
		case r.URL.Path == "/api/review/queue" || r.URL.Path == "/api/changes/customs" && r.Method == http.MethodGet:
			w.Write([]byte(`[]`))
		default:
			w.Write([]byte(`{"id":9,"kind":"customs","state":"draft","version":1,"name_cn":"示例"}`))
		}
	}))
	defer srv.Close()
	c := apiclient.New(srv.URL)
	ctx := context.Background()
	ref := model.RecordRef{Kind: model.FilingCustoms, ID: 9}
	chg := model.RecordRef{Kind: model.FilingCustoms, Change: true, ID: 5}
	fields := map[string]string{"name_en": "Example"}

	if r, err := c.CreateRecord(ctx, model.FilingCustoms, 0, fields); err != nil || r.ID != 9 || r.Fields["name_cn"] != "示例" {
		t.Fatalf("create filing: %+v %v", r, err)
	}
	c.CreateRecord(ctx, model.FilingCustoms, 2, fields)
	c.SaveRecord(ctx, chg, 3, fields)
	c.DeclareRecord(ctx, ref, 4, fields, &model.CardSignature{Signature: []byte{1}, Certificate: []byte{2}})
	c.DeleteRecord(ctx, chg)
	c.Records(ctx, model.FilingCustoms, true)
	c.Backfill(ctx, model.FilingForex)
	c.Approve(ctx, chg, 6)
	c.Return(ctx, ref, 7, "理由")

	want := []struct{ method, path string }{
		{"POST", "/api/filings/customs"},
		{"POST", "/api/changes/customs"},
		{"PUT", "/api/changes/customs/5"},
		{"POST", "/api/filings/customs/9/declare"},
		{"DELETE", "/api/changes/customs/5"},
		{"GET", "/api/changes/customs"},
		{"GET", "/api/filings/forex/backfill"},
		{"POST", "/api/review/customs_change/5/approve"},
		{"POST", "/api/review/customs/9/return"},
	}
	if len(calls) != len(want) {
		t.Fatalf("calls = %+v", calls)
	}
	for i, w := range want {
		if calls[i].method != w.method || calls[i].path != w.path {
			t.Errorf("call %d = %s %s, want %s %s", i, calls[i].method, calls[i].path, w.method, w.path)
		}
	}
	if b := calls[1].body; b["filing_id"] != float64(2) || b["name_en"] != "Example" {
		t.Errorf("create change body = %v", b)
	}
	if b := calls[2].body; b["version"] != float64(3) || b["name_en"] != "Example" {
		t.Errorf("save body = %v", b)
	}
	if b := calls[3].body; b["version"] != float64(4) || b["card_signature"] == nil {
		t.Errorf("declare body = %v", b)
	}
	if b := calls[8].body; b["version"] != float64(7) || b["reason"] != "理由" {
		t.Errorf("return body = %v", b)
	}
}
