package store_test

import (
	"context"
	"errors"
	"fmt"

	"sync/atomic"
	"testing"
	"time"

	"eportid/app/model"
	"eportid/backend/store"
)

var seq atomic.Int64

// newEnterprise creates an enterprise with a credit code of its own.
func newEnterprise(t testing.TB, s *store.Store) store.Enterprise {
	t.Helper()
	e, err := s.CreateEnterprise(context.Background(), store.Enterprise{
		CreditCode: fmt.Sprintf("91440300TEST%06d", seq.Add(1)),
		NameCN:     "测试企业",
		Province:   "440000",
		City:       "440300",
	})
	if err != nil {
		t.Fatalf("create enterprise: %v", err)
	}
	return e
}

func wantErr(t testing.TB, err, want error, what string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: error %v, want %v", what, err, want)
	}
}

// must(f())(t) is f's value, the test failing on f's error.
func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// sameTime compares times to the microsecond, both in UTC.
func sameTime(t testing.TB, got, want time.Time, what string) {
	t.Helper()
	if got.Location() != time.UTC {
		t.Errorf("%s: location %v, want UTC", what, got.Location())
	}
	if !got.Equal(want.Truncate(time.Microsecond)) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// lpFields is a legal-person filing as the no-card administrator's page
// sends it (the format checks are the caller's, not the store's).
func lpFields() model.Fields {
	return model.Fields{
		"credit_code":    "91440300MA5FXXXX1X",
		"subject_code":   "MA5FXXXX1",
		"name_cn":        "深圳市示例贸易有限公司",
		"province":       "440000",
		"city":           "440300",
		"address":        "深圳市南山区示例路1号",
		"legal_rep_name": "张三",
		"phone":          "0755-87654321",
		"email":          "lp@example.com",
		"agent_point":    "SZ01",
		"market_dept":    "M440300",
		"tax_dept":       "T440300",
	}
}

var timeUTC = time.UTC
