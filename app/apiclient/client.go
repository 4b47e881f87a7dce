// Package apiclient is the page's typed client of the HTTP API described in
// app/model/api.go. In the browser it calls fetch directly (through
// syscall/js: net/http's client would add about 5 MB to app.wasm); on other
// platforms it uses net/http, so tests can drive the API with it.
//
// Every call takes a context and is bounded by Client.Timeout. GETs, which
// are idempotent, are retried on network failure. Unsafe methods carry the
// session's CSRF token in model.CSRFHeader. Every error answer is decoded
// into a model.Problem inside an *Error.
package apiclient

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"eportid/app/model"
)

// Codes of Problem.Code set by the client itself (never sent by the server).
const (
	// ErrNetwork: the request did not reach the server or its answer was
	// lost (offline, connection dropped, timeout).
	ErrNetwork = "network"
	// ErrBadAnswer: the server answered something that is not the API's.
	ErrBadAnswer = "bad_answer"
)

// Default settings of a Client.
const (
	DefaultTimeout = 20 * time.Second
	DefaultRetries = 2
)

// Client calls the API. The zero value is not usable: use New.
type Client struct {
	// Base is the origin the API lives on, e.g. "https://host:8080"; the
	// routes ("/api/...") are appended to it.
	Base string
	// Timeout bounds each attempt of a call.
	Timeout time.Duration
	// Retries is how many times a GET is tried again after a network
	// failure (with a growing pause).
	Retries int
	// HTTP is the client used outside the browser (nil: http.DefaultClient);
	// in js/wasm requests go through fetch and HTTP is not used.
	HTTP *http.Client

	mu   sync.Mutex
	csrf string
}

// New returns a client of the API at base (an origin, no trailing slash).
func New(base string) *Client {
	return &Client{
		Base:    strings.TrimRight(base, "/"),
		Timeout: DefaultTimeout,
		Retries: DefaultRetries,
	}
}

// SetCSRF sets the token sent with unsafe methods. Session and Login set it;
// Logout clears it.
func (c *Client) SetCSRF(token string) {
	c.mu.Lock()
	c.csrf = token
	c.mu.Unlock()
}

// CSRF returns the token sent with unsafe methods ("" when no session).
func (c *Client) CSRF() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.csrf
}

// Error is an error answer of the API, or a failure to reach it.
type Error struct {
	// Status is the HTTP status; 0 for a network failure.
	Status int
	// Problem is the decoded body; for a network failure its Code is
	// ErrNetwork and its Message a sentence for the user.
	Problem model.Problem
	// Err is the underlying transport error, if any.
	Err error
}

func (e *Error) Error() string {
	if e.Problem.Message != "" {
		return e.Problem.Message
	}
	return "请求失败（HTTP " + strconv.Itoa(e.Status) + "）"
}

func (e *Error) Unwrap() error { return e.Err }

// AsError returns err as an *Error when it is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Code returns the Problem code of err, or "" when err is nil or not an
// *Error.
func Code(err error) string {
	if e, ok := AsError(err); ok {
		return e.Problem.Code
	}
	return ""
}

// IsNetwork reports whether err is a failure to reach the server.
func IsNetwork(err error) bool { return Code(err) == ErrNetwork }

// IsUnavailable reports whether err says the service is briefly
// unavailable (its database cannot be reached): the same call may succeed
// after Problem.RetryAfter seconds.
func IsUnavailable(err error) bool { return Code(err) == model.ErrUnavailable }

// IsUnauthorized reports whether err says the session is missing or over
// (not a wrong password: that is model.ErrBadLogin).
func IsUnauthorized(err error) bool {
	e, ok := AsError(err)
	return ok && e.Status == http.StatusUnauthorized && e.Problem.Code != model.ErrBadLogin
}

// FieldErrors returns the per-field messages of a 422 answer, or nil.
func FieldErrors(err error) model.FieldErrors {
	if e, ok := AsError(err); ok {
		return e.Problem.Fields
	}
	return nil
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// do sends one call: in (if not nil) as the JSON body, out (if not nil)
// decoded from a 2xx answer.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return &Error{Problem: model.Problem{Code: model.ErrInternal, Message: "无法编码请求"}, Err: err}
		}
		body = b
	}
	attempts := 1
	if method == http.MethodGet {
		attempts += c.Retries
	}
	var err error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			pause := time.Duration(400*(1<<(i-1))) * time.Millisecond
			select {
			case <-ctx.Done():
				return networkError(ctx.Err())
			case <-time.After(pause):
			}
		}
		err = c.once(ctx, method, path, body, out)
		if !IsNetwork(err) || ctx.Err() != nil {
			return err
		}
	}
	return err
}

func (c *Client) once(ctx context.Context, method, path string, body []byte, out any) error {
	return c.onceWith(ctx, method, path, "application/json", nil, body, out)
}

// onceWith is once with a body of contentType and extra headers.
func (c *Client) onceWith(ctx context.Context, method, path, contentType string, extra map[string]string, body []byte, out any) error {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	hdr := map[string]string{"Accept": "application/json"}
	if body != nil {
		hdr["Content-Type"] = contentType
	}
	for k, v := range extra {
		hdr[k] = v
	}
	if unsafeMethod(method) {
		if t := c.CSRF(); t != "" {
			hdr[model.CSRFHeader] = t
		}
	}
	res, err := c.send(ctx, method, c.Base+path, hdr, body)
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return networkError(err)
	}
	if res.status >= 200 && res.status < 300 {
		if out == nil || res.status == http.StatusNoContent || len(res.body) == 0 {
			return nil
		}
		if err := json.Unmarshal(res.body, out); err != nil {
			return &Error{Status: res.status, Problem: model.Problem{Code: ErrBadAnswer, Message: "服务器返回的数据无法识别"}, Err: err}
		}
		return nil
	}
	return problemError(res)
}

// response is what a transport brings back.
type response struct {
	status     int
	retryAfter string // the Retry-After header
	body       []byte
}

func problemError(res response) error {
	e := &Error{Status: res.status}
	if json.Unmarshal(res.body, &e.Problem) != nil || e.Problem.Code == "" {
		e.Problem = model.Problem{Code: statusCode(res.status), Message: statusMessage(res.status)}
	}
	if e.Problem.Message == "" {
		e.Problem.Message = statusMessage(res.status)
	}
	if (e.Problem.Code == model.ErrThrottled || e.Problem.Code == model.ErrUnavailable) && e.Problem.RetryAfter == 0 {
		if n, err := strconv.Atoi(res.retryAfter); err == nil {
			e.Problem.RetryAfter = n
		}
	}
	return e
}

func networkError(err error) error {
	msg := "网络连接失败，请检查网络后重试"
	if errors.Is(err, context.DeadlineExceeded) {
		msg = "服务器响应超时，请稍后重试"
	}
	return &Error{Problem: model.Problem{Code: ErrNetwork, Message: msg}, Err: err}
}

func statusCode(status int) string {
	switch status {
	case http.StatusUnprocessableEntity:
		return model.ErrInvalid
	case http.StatusUnauthorized:
		return model.ErrUnauthorized
	case http.StatusForbidden:
		return model.ErrForbidden
	case http.StatusNotFound:
		return model.ErrNotFound
	case http.StatusConflict:
		return model.ErrConflict
	case http.StatusTooManyRequests:
		return model.ErrThrottled
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		// A proxy in front of the server answered: the server is unreachable.
		return ErrNetwork
	}
	return model.ErrInternal
}

func statusMessage(status int) string {
	switch status {
	case http.StatusUnprocessableEntity:
		return "填写内容不符合要求"
	case http.StatusUnauthorized:
		return "会话已过期，请重新登录"
	case http.StatusForbidden:
		return "无权进行此操作"
	case http.StatusNotFound:
		return "记录不存在或已被删除"
	case http.StatusConflict:
		return "记录已被修改，请刷新后重试"
	case http.StatusTooManyRequests:
		return "操作过于频繁，请稍后再试"
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return "服务器暂时无法访问，请稍后重试"
	}
	return "服务器内部错误（HTTP " + strconv.Itoa(status) + "），请稍后重试"
}

// ---- the routes of app/model/api.go ----

// Session returns the current session (GET /api/session) and keeps its
// CSRF token. A missing session is an *Error with status 401.
func (c *Client) Session(ctx context.Context) (model.Session, error) {
	var s model.Session
	err := c.do(ctx, http.MethodGet, "/api/session", nil, &s)
	if err == nil {
		c.SetCSRF(s.CSRFToken)
	}
	return s, err
}

// Login logs in with user name and password (POST /api/session).
func (c *Client) Login(ctx context.Context, req model.LoginRequest) (model.Session, error) {
	var s model.Session
	err := c.do(ctx, http.MethodPost, "/api/session", req, &s)
	if err == nil {
		c.SetCSRF(s.CSRFToken)
	}
	return s, err
}

// Ping asks whether the server can be reached (GET /api/ping), once: the
// caller paces its own retries.
func (c *Client) Ping(ctx context.Context) error {
	return c.once(ctx, http.MethodGet, "/api/ping", nil, nil)
}

// Logout ends the session on the server (DELETE /api/session). The token
// is forgotten whatever the answer.
func (c *Client) Logout(ctx context.Context) error {
	err := c.do(ctx, http.MethodDelete, "/api/session", nil, nil)
	c.SetCSRF("")
	return err
}

// Register sends a no-card registration (POST /api/registrations, 202).
func (c *Client) Register(ctx context.Context, req model.RegistrationRequest) (model.Accepted, error) {
	var a model.Accepted
	err := c.do(ctx, http.MethodPost, "/api/registrations", req, &a)
	return a, err
}

// Activate confirms a registration with the e-mailed token
// (POST /api/registrations/activate).
func (c *Client) Activate(ctx context.Context, token string) (model.Accepted, error) {
	var a model.Accepted
	err := c.do(ctx, http.MethodPost, "/api/registrations/activate", model.ActivateRequest{Token: token}, &a)
	return a, err
}

// AgentPoints lists every agent point with its contact details
// (GET /api/ref/agent-points).
func (c *Client) AgentPoints(ctx context.Context) ([]model.AgentPoint, error) {
	var out []model.AgentPoint
	err := c.do(ctx, http.MethodGet, "/api/ref/agent-points", nil, &out)
	return out, err
}

// Divisions lists the provinces (parent "") or the cities of a province
// (GET /api/ref/divisions?parent=CODE).
func (c *Client) Divisions(ctx context.Context, parent string) ([]model.Option, error) {
	p := "/api/ref/divisions"
	if parent != "" {
		p += "?parent=" + url.QueryEscape(parent)
	}
	var out []model.Option
	err := c.do(ctx, http.MethodGet, p, nil, &out)
	return out, err
}

// Department kinds of Departments.
const (
	DeptMarket = "market"
	DeptTax    = "tax"
)

// Departments lists the market-supervision (kind "market") or tax ("tax")
// departments to choose from for an agent point: its preset ones, or all
// (GET /api/ref/departments?kind=K&agent_point=CODE).
func (c *Client) Departments(ctx context.Context, kind, agentPoint string) ([]model.Option, error) {
	q := url.Values{}
	q.Set("kind", kind)
	if agentPoint != "" {
		q.Set("agent_point", agentPoint)
	}
	var out []model.Option
	err := c.do(ctx, http.MethodGet, "/api/ref/departments?"+q.Encode(), nil, &out)
	return out, err
}

// CustomsDistricts lists the customs districts (GET /api/ref/customs-districts).
func (c *Client) CustomsDistricts(ctx context.Context) ([]model.Option, error) {
	var out []model.Option
	err := c.do(ctx, http.MethodGet, "/api/ref/customs-districts", nil, &out)
	return out, err
}
