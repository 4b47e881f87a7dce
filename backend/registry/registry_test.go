package registry_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"eportid/app/model"
	"eportid/backend/registry"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

const (
	shenzhen  = "91440300MA5F3K2L57" // in all three registries, forex normal
	fuzhou    = "91350100MA2Y4N6P92" // forex cancelled (注销), no customs record
	guangzhou = "91440100MA59C1D21G" // forex revoked (吊销)
	nowhere   = "91350100M000100Y43" // in none
)

func TestDB(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.LoadRegistryFixtures(ctx); err != nil {
			t.Fatal(err)
		}
		r := registry.NewDB(s)
		c, err := r[model.FilingCommerce].Lookup(ctx, shenzhen)
		if err != nil || c["credit_code"] != shenzhen || c["name_cn"] == "" || c["imp_exp_code"] == "" {
			t.Errorf("commerce %v %v", c, err)
		}
		cu, err := r[model.FilingCustoms].Lookup(ctx, shenzhen)
		if err != nil || cu["supervising_customs"] != "5300" || cu["unified_no"] == "" {
			t.Errorf("customs %v %v", cu, err)
		}
		for code, st := range map[string]model.ForexStatus{shenzhen: model.ForexNormal, fuzhou: model.ForexCancelled, guangzhou: model.ForexRevoked} {
			f, err := r[model.FilingForex].Lookup(ctx, code)
			if err != nil || f["bureau_status"] != string(st) || f["classification"] == "" || f["published_on"] == "" {
				t.Errorf("forex %s: %v %v", code, f, err)
			}
		}
		_, err = r[model.FilingCustoms].Lookup(ctx, fuzhou)
		var re *registry.Error
		if !errors.Is(err, registry.ErrNotFound) || !errors.As(err, &re) || re.Registry != model.FilingCustoms || re.CreditCode != fuzhou {
			t.Errorf("not found: %v", err)
		}
		if _, err := r[model.FilingCommerce].Lookup(ctx, nowhere); !errors.Is(err, registry.ErrNotFound) {
			t.Errorf("commerce of nowhere: %v", err)
		}
		// A closed database is unavailable, not "not found".
		s2 := storetest.Open(t, s.Dialect())
		s2.Close()
		if _, err := registry.NewDB(s2)[model.FilingForex].Lookup(ctx, shenzhen); !errors.Is(err, registry.ErrUnavailable) || errors.Is(err, registry.ErrNotFound) {
			t.Errorf("closed store: %v", err)
		}
	})
}

// urls are the endpoints of the three registries.
func urls(commerce, customs, forex string) map[model.FilingKind]string {
	return map[model.FilingKind]string{model.FilingCommerce: commerce, model.FilingCustoms: customs, model.FilingForex: forex}
}

func serve(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestHTTP(t *testing.T) {
	ctx := context.Background()
	var gotQuery, gotAccept string
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		gotQuery, gotAccept = r.URL.Query().Get("credit_code"), r.Header.Get("Accept")
		code := r.URL.Query().Get("credit_code")
		switch {
		case code == nowhere:
			http.NotFound(w, r)
		case strings.HasSuffix(r.URL.Path, "/forex"):
			fmt.Fprintf(w, `{"credit_code": %q, "org_code": "MA5F3K2L5", "classification": "A",
				"published_on": "2024-01-15", "bureau_status": "revoked", "extra": {"ignored": true}}`, code)
		case strings.HasSuffix(r.URL.Path, "/customs"):
			fmt.Fprintf(w, `{"credit_code": %q, "unified_no": "53002016000001", "customs_reg_no": " 4403960001 ", "name_en": null}`, code)
		default:
			fmt.Fprintf(w, `{"credit_code": %q, "imp_exp_code": %q, "name_cn": "深圳市示例"}`, code, code)
		}
	})
	r := registry.NewHTTP(registry.HTTPConfig{
		URLs:    urls(srv.URL+"/commerce", srv.URL+"/customs", srv.URL+"/forex?token=abc"),
		Timeout: time.Second,
	})
	c, err := r[model.FilingCommerce].Lookup(ctx, shenzhen)
	if err != nil || c["name_cn"] != "深圳市示例" || c["imp_exp_code"] != shenzhen || gotQuery != shenzhen || gotAccept != "application/json" {
		t.Errorf("commerce %+v %v (query %q accept %q)", c, err, gotQuery, gotAccept)
	}
	cu, err := r[model.FilingCustoms].Lookup(ctx, shenzhen)
	if err != nil || cu["customs_reg_no"] != "4403960001" || cu["name_en"] != "" {
		t.Errorf("customs %v %v", cu, err)
	}
	f, err := r[model.FilingForex].Lookup(ctx, shenzhen)
	if err != nil || f["bureau_status"] != "revoked" || !model.ForexStatus(f["bureau_status"]).Blocks() {
		t.Errorf("forex %v %v", f, err)
	}
	_, err = r[model.FilingCustoms].Lookup(ctx, nowhere)
	if !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("404: %v", err)
	}
	if !strings.Contains(registry.Message(err), "海关") || !strings.Contains(registry.Message(err), "直接录入") {
		t.Errorf("message %q", registry.Message(err))
	}
	// Nothing configured: unavailable at once.
	if _, err := registry.NewHTTP(registry.HTTPConfig{})[model.FilingForex].Lookup(ctx, shenzhen); !errors.Is(err, registry.ErrUnavailable) {
		t.Errorf("no endpoint: %v", err)
	}
}

// A registry that hangs, before answering or in the middle of its answer,
// fails the lookup at the timeout with ErrUnavailable.
func TestHTTPHangs(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	hang := serve(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	hangBody := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, `{"credit_code": "`)
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	const timeout = 300 * time.Millisecond
	for name, url := range map[string]string{"no answer": hang.URL, "half an answer": hangBody.URL} {
		r := registry.NewHTTP(registry.HTTPConfig{URLs: urls(url, url, url), Timeout: timeout})
		start := time.Now()
		_, err := r[model.FilingForex].Lookup(context.Background(), shenzhen)
		elapsed := time.Since(start)
		var re *registry.Error
		if !errors.Is(err, registry.ErrUnavailable) || !errors.As(err, &re) || re.Registry != model.FilingForex {
			t.Errorf("%s: error %v", name, err)
		}
		if elapsed < timeout || elapsed > timeout+500*time.Millisecond {
			t.Errorf("%s: returned after %v, timeout %v", name, elapsed, timeout)
		}
		if !strings.Contains(err.Error(), "within") {
			t.Errorf("%s: error does not say it timed out: %v", name, err)
		}
		if msg := registry.Message(err); !strings.Contains(msg, "外汇管理局") || !strings.Contains(msg, "暂时无法访问") {
			t.Errorf("%s: message %q", name, msg)
		}
		// A caller's shorter deadline wins.
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		start = time.Now()
		_, err = r[model.FilingCommerce].Lookup(ctx, shenzhen)
		cancel()
		if !errors.Is(err, registry.ErrUnavailable) || time.Since(start) > 400*time.Millisecond {
			t.Errorf("%s: caller's deadline: %v after %v", name, err, time.Since(start))
		}
	}
	// A registry that cannot be reached at all.
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	r := registry.NewHTTP(registry.HTTPConfig{URLs: urls("", closed.URL, ""), Timeout: timeout})
	if _, err := r[model.FilingCustoms].Lookup(context.Background(), shenzhen); !errors.Is(err, registry.ErrUnavailable) {
		t.Errorf("closed server: %v", err)
	}
}

// A registry that answers garbage fails the lookup at once with
// ErrBadResponse (or ErrUnavailable for a server error).
func TestHTTPGarbage(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		want   error
	}{
		{"html", 200, "<html><body>维护中</body></html>", registry.ErrBadResponse},
		{"empty", 200, "", registry.ErrBadResponse},
		{"array", 200, `[{"credit_code": "` + shenzhen + `"}]`, registry.ErrBadResponse},
		{"truncated", 200, `{"credit_code": "` + shenzhen, registry.ErrBadResponse},
		{"number", 200, `{"credit_code": "` + shenzhen + `", "bureau_status": 3}`, registry.ErrBadResponse},
		{"another enterprise", 200, `{"credit_code": "` + fuzhou + `", "bureau_status": "normal"}`, registry.ErrBadResponse},
		{"no credit code", 200, `{"bureau_status": "normal"}`, registry.ErrBadResponse},
		{"unknown state", 200, `{"credit_code": "` + shenzhen + `", "bureau_status": "吊销了"}`, registry.ErrBadResponse},
		{"huge", 200, `{"credit_code": "` + shenzhen + `", "x": "` + strings.Repeat("x", 2<<20) + `"}`, registry.ErrBadResponse},
		{"bad request", 400, `{}`, registry.ErrBadResponse},
		{"server error", 502, "Bad Gateway", registry.ErrUnavailable},
		{"throttled", 429, "", registry.ErrUnavailable},
	}
	for _, c := range cases {
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(c.status)
			fmt.Fprint(w, c.body)
		})
		r := registry.NewHTTP(registry.HTTPConfig{URLs: urls("", "", srv.URL), Timeout: 2 * time.Second})
		start := time.Now()
		_, err := r[model.FilingForex].Lookup(context.Background(), shenzhen)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.want)
		}
		if time.Since(start) > time.Second {
			t.Errorf("%s: took %v", c.name, time.Since(start))
		}
		if c.want == registry.ErrBadResponse && !strings.Contains(registry.Message(err), "无法识别") {
			t.Errorf("%s: message %q", c.name, registry.Message(err))
		}
	}
}
