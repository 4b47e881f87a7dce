package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"

	"eportid/app/model"
	"eportid/backend/auth"
)

// client is one browser: its own cookie jar (the session) and CSRF token,
// over the soak's shared transport.
type client struct {
	base string
	hc   *http.Client
	csrf string
	rec  *recorder
	// addr is the browser's address, sent as X-Forwarded-For: the soak
	// plays the load balancer in front of the server (which trusts it),
	// so the login throttle per client address sees many clients, as in
	// a deployment.
	addr string
}

func newClient(base string, tr http.RoundTripper, rec *recorder) *client {
	jar, _ := cookiejar.New(nil)
	return &client{base: base, hc: &http.Client{Jar: jar, Transport: tr, Timeout: time.Minute}, rec: rec}
}

// answerError is an answer other than 2xx, or none.
type answerError struct {
	route  string
	status int
	body   string
	err    error
}

func (e *answerError) Error() string {
	if e.status == 0 {
		return fmt.Sprintf("%s: no answer: %v", e.route, e.err)
	}
	return fmt.Sprintf("%s: %d %s", e.route, e.status, e.body)
}

// do sends one request (in: JSON body or nil), records its status and
// time under route, and decodes a 2xx answer into out (unless nil).
func (c *client) do(ctx context.Context, route, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.addr != "" {
		req.Header.Set("X-Forwarded-For", c.addr)
	}
	if c.csrf != "" && method != http.MethodGet {
		req.Header.Set(model.CSRFHeader, c.csrf)
	}
	t0 := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			c.rec.add(route, 0, time.Since(t0))
		}
		return &answerError{route: route, err: err}
	}
	defer resp.Body.Close()
	var data []byte
	data, err = io.ReadAll(resp.Body)
	d := time.Since(t0)
	if err != nil {
		c.rec.add(route, 0, d)
		return &answerError{route: route, err: err}
	}
	c.rec.add(route, resp.StatusCode, d)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		if len(data) > 300 {
			data = data[:300]
		}
		return &answerError{route: route, status: resp.StatusCode, body: strings.TrimSpace(string(data))}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s: answer: %w", route, err)
		}
	}
	return nil
}

// useSession makes the client's requests those of a session made through
// the store.
func (c *client) useSession(token, csrf string) error {
	u, err := url.Parse(c.base)
	if err != nil {
		return err
	}
	c.hc.Jar.SetCookies(u, []*http.Cookie{{Name: auth.CookieName, Value: token, Path: "/"}})
	c.csrf = csrf
	return nil
}

// login logs the client in (POST /api/session) and keeps the CSRF token.
func (c *client) login(ctx context.Context, username, password string) error {
	var s model.Session
	if err := c.do(ctx, "POST /api/session", http.MethodPost, "/api/session",
		model.LoginRequest{Username: username, Password: password}, &s); err != nil {
		return err
	}
	c.csrf = s.CSRFToken
	return nil
}
