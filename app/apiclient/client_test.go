package apiclient_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"eportid/app/apiclient"
	"eportid/app/model"
)

func problem(w http.ResponseWriter, status int, p model.Problem) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(p)
}

func TestCSRFAndSession(t *testing.T) {
	var sawToken atomic.Value
	sawToken.Store("")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/api/session":
			if r.Header.Get(model.CSRFHeader) != "" {
				t.Errorf("login sent a CSRF token")
			}
			json.NewEncoder(w).Encode(model.Session{Username: "u", CSRFToken: "tok"})
		case r.Method == http.MethodPut && r.URL.Path == "/api/filings/legal_person/7":
			sawToken.Store(r.Header.Get(model.CSRFHeader))
			var body map[string]any
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body["version"] != float64(3) || body["name_cn"] != "甲" {
				t.Errorf("body %+v, %v", body, err)
			}
			json.NewEncoder(w).Encode(model.Record{RecordMeta: model.RecordMeta{ID: 7, Version: 4, State: model.StateDraft}})
		case r.Method == http.MethodDelete && r.URL.Path == "/api/session":
			w.WriteHeader(http.StatusNoContent)
		default:
			problem(w, 404, model.Problem{Code: model.ErrNotFound, Message: "无"})
		}
	}))
	defer srv.Close()
	c := apiclient.New(srv.URL)
	ctx := context.Background()
	if _, err := c.Login(ctx, model.LoginRequest{Username: "u", Password: "p"}); err != nil {
		t.Fatal(err)
	}
	rec, err := c.SaveRecord(ctx, model.RecordRef{Kind: model.FilingLegalPerson, ID: 7}, 3, model.Fields{"name_cn": "甲"})
	if err != nil || rec.Version != 4 {
		t.Fatalf("save: %+v %v", rec, err)
	}
	if got := sawToken.Load(); got != "tok" {
		t.Errorf("CSRF header %q, want tok", got)
	}
	if err := c.Logout(ctx); err != nil || c.CSRF() != "" {
		t.Errorf("logout: %v, token %q", err, c.CSRF())
	}
}

func TestProblems(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/session":
			if r.Method == http.MethodGet {
				problem(w, 401, model.Problem{Code: model.ErrUnauthorized, Message: "未登录"})
				return
			}
			w.Header().Set("Retry-After", "42")
			problem(w, 429, model.Problem{Code: model.ErrThrottled, Message: "太多"})
		case "/api/registrations":
			problem(w, 422, model.Problem{Code: model.ErrInvalid, Message: "不符合", Fields: model.FieldErrors{"admin.username": "用户名：已被使用"}})
		case "/api/filings/legal_person":
			http.Error(w, "<html>bad gateway</html>", http.StatusBadGateway)
		}
	}))
	defer srv.Close()
	c := apiclient.New(srv.URL)
	c.Retries = 0
	ctx := context.Background()

	_, err := c.Session(ctx)
	if !apiclient.IsUnauthorized(err) || err.Error() != "未登录" {
		t.Errorf("session: %v", err)
	}
	_, err = c.Login(ctx, model.LoginRequest{})
	if e, ok := apiclient.AsError(err); !ok || e.Problem.Code != model.ErrThrottled || e.Problem.RetryAfter != 42 || apiclient.IsUnauthorized(err) {
		t.Errorf("throttled: %#v", err)
	}
	_, err = c.Register(ctx, model.RegistrationRequest{})
	if fe := apiclient.FieldErrors(err); fe["admin.username"] == "" || apiclient.Code(err) != model.ErrInvalid {
		t.Errorf("invalid: %#v", err)
	}
	_, err = c.Records(ctx, model.FilingLegalPerson, false)
	if !apiclient.IsNetwork(err) {
		t.Errorf("502 without a problem should count as unreachable: %#v", err)
	}
}

func TestRetryAndTimeout(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		if r.URL.Path == "/api/ref/agent-points" && n == 1 {
			// Drop the connection: a network failure.
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close()
			return
		}
		if r.URL.Path == "/api/slow" || r.Method == http.MethodPost {
			time.Sleep(300 * time.Millisecond)
		}
		json.NewEncoder(w).Encode([]model.AgentPoint{{Code: "A"}})
	}))
	defer srv.Close()
	c := apiclient.New(srv.URL)
	ctx := context.Background()

	aps, err := c.AgentPoints(ctx)
	if err != nil || len(aps) != 1 || calls.Load() != 2 {
		t.Fatalf("GET not retried: %v %v calls=%d", aps, err, calls.Load())
	}

	c.Timeout = 50 * time.Millisecond
	calls.Store(10)
	_, err = c.CreateRecord(ctx, model.FilingLegalPerson, 0, model.Fields{})
	if !apiclient.IsNetwork(err) || calls.Load() != 11 {
		t.Errorf("POST timeout: %v (calls %d; a POST is never retried)", err, calls.Load()-10)
	}
}

// A 503 of the service's database being unavailable is told apart from a
// failure to reach the server, with the wait of its Retry-After header.
func TestUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "5")
		problem(w, http.StatusServiceUnavailable, model.Problem{Code: model.ErrUnavailable, Message: "服务暂时不可用，请稍后再试"})
	}))
	defer srv.Close()
	c := apiclient.New(srv.URL)
	c.Retries = 0
	_, err := c.Records(context.Background(), model.FilingLegalPerson, false)
	e, ok := apiclient.AsError(err)
	if !apiclient.IsUnavailable(err) || apiclient.IsNetwork(err) || !ok || e.Problem.RetryAfter != 5 || err.Error() != "服务暂时不可用，请稍后再试" {
		t.Errorf("%#v", err)
	}
}
