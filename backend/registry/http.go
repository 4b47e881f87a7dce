package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"eportid/app/model"
)

// The HTTP registries. A lookup is
//
//	GET <endpoint>?credit_code=<code>   Accept: application/json
//
// answered with 200 and a JSON object whose keys are the field keys of the
// registry's kind (model.KindSpec.Keys; string values; unknown keys are
// ignored), or 404 when the registry has no record. A grey field the
// registry fills that is a choice (e.g. the forex bureau's state) must be
// one of its options, or the answer is ErrBadResponse. The whole lookup,
// connection and body included, ends within the timeout: past it the
// lookup fails with ErrUnavailable.

// DefaultTimeout is the timeout of a lookup when none is configured.
const DefaultTimeout = 3 * time.Second

// maxBody is the most bytes of an answer read: a record is a few hundred.
const maxBody = 1 << 20

// HTTPConfig configures NewHTTP.
type HTTPConfig struct {
	// URLs are the endpoints of the registries by kind; a kind with a
	// registry and no endpoint fails every lookup with ErrUnavailable.
	URLs map[model.FilingKind]string
	// Timeout bounds each lookup, body included; DefaultTimeout if 0.
	Timeout time.Duration
	// Client does the requests; a client of its own if nil.
	Client *http.Client
}

// NewHTTP returns the registries calling the configured endpoints, one
// per kind with a registry.
func NewHTTP(cfg HTTPConfig) Registries {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{}
	}
	out := Registries{}
	for _, k := range model.Kinds {
		if k.Registry != "" {
			out[k.Kind] = HTTP{kind: k, url: cfg.URLs[k.Kind], timeout: cfg.Timeout, client: cfg.Client}
		}
	}
	return out
}

// HTTP is a registry answering over HTTP.
type HTTP struct {
	kind    *model.KindSpec
	url     string
	timeout time.Duration
	client  *http.Client
}

// Lookup asks the endpoint for the credit code's record.
func (e HTTP) Lookup(ctx context.Context, creditCode string) (model.Fields, error) {
	kind := e.kind.Kind
	fail := func(sentinel error, format string, a ...any) (model.Fields, error) {
		return nil, &Error{Registry: kind, CreditCode: creditCode, Err: fmt.Errorf("%w: "+format, append([]any{sentinel}, a...)...)}
	}
	body, found, err := get(ctx, e.url, e.timeout, e.client, creditCode)
	if err != nil {
		return nil, &Error{Registry: kind, CreditCode: creditCode, Err: err}
	}
	if !found {
		return nil, &Error{Registry: kind, CreditCode: creditCode, Err: ErrNotFound}
	}
	if len(body) == 0 || body[0] != '{' {
		return fail(ErrBadResponse, "not a JSON object: %.40q", body)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return fail(ErrBadResponse, "not JSON: %v", err)
	}
	vals := model.Fields{}
	for _, k := range e.kind.Keys() {
		vals[k] = ""
		v, ok := raw[k]
		if !ok || string(v) == "null" {
			continue
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return fail(ErrBadResponse, "%s is not a string", k)
		}
		vals[k] = strings.TrimSpace(s)
	}
	if got := vals["credit_code"]; got != creditCode {
		return fail(ErrBadResponse, "answer is of credit code %q", got)
	}
	for _, k := range e.kind.RegistryKeys {
		if e.kind.RegistryRequired && vals[k] == "" {
			return fail(ErrBadResponse, "no %s", k)
		}
		f, _ := e.kind.Form.Field(k)
		if opts := model.StaticOptions(f.Options); opts != nil && vals[k] != "" && model.OptionName(opts, vals[k]) == "" {
			return fail(ErrBadResponse, "%s %q is not one of its choices", k, vals[k])
		}
	}
	return vals, nil
}

// get asks endpoint for the record of creditCode: the answer's body
// (trimmed), or found false for a 404; errors wrap ErrUnavailable or
// ErrBadResponse. The whole lookup ends within timeout.
func get(ctx context.Context, endpoint string, timeout time.Duration, client *http.Client, creditCode string) (body []byte, found bool, err error) {
	fail := func(sentinel error, format string, a ...any) ([]byte, bool, error) {
		return nil, false, fmt.Errorf("%w: "+format, append([]any{sentinel}, a...)...)
	}
	if endpoint == "" {
		return fail(ErrUnavailable, "no endpoint configured")
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return fail(ErrUnavailable, "endpoint: %v", err)
	}
	q := u.Query()
	q.Set("credit_code", creditCode)
	u.RawQuery = q.Encode()

	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fail(ErrUnavailable, "request: %v", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fail(ErrUnavailable, "%v", timeoutOr(ctx, err, timeout))
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, false, nil
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return fail(ErrUnavailable, "status %s", resp.Status)
	case resp.StatusCode != http.StatusOK:
		return fail(ErrBadResponse, "status %s", resp.Status)
	}
	body, err = io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return fail(ErrUnavailable, "reading the answer: %v", timeoutOr(ctx, err, timeout))
	}
	if len(body) > maxBody {
		return fail(ErrBadResponse, "answer longer than %d bytes", maxBody)
	}
	return bytes.TrimSpace(body), true, nil
}

// timeoutOr says "timed out after …" when the lookup's deadline passed.
func timeoutOr(ctx context.Context, err error, timeout time.Duration) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("no answer within %v: %w", timeout, err)
	}
	return err
}
