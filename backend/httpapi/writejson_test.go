package httpapi

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"eportid/app/model"
)

// TestWriteJSONOfRecord: a record's answer is, byte for byte, what
// json.Marshal makes of it (HTML-escaped, compact), though writeJSON
// takes the record's own JSON without json.Marshal's second pass.
func TestWriteJSONOfRecord(t *testing.T) {
	at := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	rec := model.Record{
		RecordMeta: model.RecordMeta{ID: 7, Kind: model.FilingCustoms, State: model.StateDeclared, Version: 3,
			CreatedAt: at, UpdatedAt: at, DeclaredAt: &at, ReturnReason: "<b>&</b>"},
		Fields:    model.Fields{"name_cn": "深圳<示例>&公司", "name_en": "A \"quoted\" name\u2028"},
		Signature: &model.RecordSignature{CardNumber: "C1", HolderName: "张三"},
	}
	for _, v := range []model.Record{rec, {RecordMeta: rec.RecordMeta}} {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		writeJSON(w, 200, v)
		if got := w.Body.String(); got != string(want)+"\n" {
			t.Errorf("writeJSON wrote\n%s\njson.Marshal\n%s", got, want)
		}
	}
}
