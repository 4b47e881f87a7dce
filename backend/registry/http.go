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
// answered with 200 and a JSON object whose keys are the JSON keys of
// model.Commerce, model.Customs or model.Forex (string values; unknown keys
// are ignored), or 404 when the registry has no record. The whole lookup,
// connection and body included, ends within the timeout: past it the
// lookup fails with ErrUnavailable.

// DefaultTimeout is the timeout of a lookup when none is configured.
const DefaultTimeout = 3 * time.Second

// maxBody is the most bytes of an answer read: a record is a few hundred.
const maxBody = 1 << 20

// HTTPConfig configures NewHTTP.
type HTTPConfig struct {
	// The endpoints of the three registries; an empty one makes every
	// lookup of that registry fail with ErrUnavailable.
	CommerceURL, CustomsURL, ForexURL string
	// Timeout bounds each lookup, body included; DefaultTimeout if 0.
	Timeout time.Duration
	// Client does the requests; a client of its own if nil.
	Client *http.Client
}

// NewHTTP returns the registries calling the configured endpoints.
func NewHTTP(cfg HTTPConfig) Registries {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{}
	}
	return Registries{
		Commerce: HTTPCommerce{endpoint{cfg.CommerceURL, cfg.Timeout, cfg.Client}},
		Customs:  HTTPCustoms{endpoint{cfg.CustomsURL, cfg.Timeout, cfg.Client}},
		Forex:    HTTPForex{endpoint{cfg.ForexURL, cfg.Timeout, cfg.Client}},
	}
}

type endpoint struct {
	url     string
	timeout time.Duration
	client  *http.Client
}

// HTTPCommerce is the commerce ministry's registry over HTTP.
type HTTPCommerce struct{ e endpoint }

// HTTPCustoms is customs' registry over HTTP.
type HTTPCustoms struct{ e endpoint }

// HTTPForex is the forex bureau's registry over HTTP.
type HTTPForex struct{ e endpoint }

// Lookup asks the commerce ministry's registry.
func (h HTTPCommerce) Lookup(ctx context.Context, creditCode string) (model.Commerce, error) {
	return lookup[model.Commerce](ctx, h.e, creditCode, nil)
}

// Lookup asks customs' registry.
func (h HTTPCustoms) Lookup(ctx context.Context, creditCode string) (model.Customs, error) {
	return lookup[model.Customs](ctx, h.e, creditCode, nil)
}

// Lookup asks the forex bureau's registry; an answer without a known
// bureau_status is a bad response.
func (h HTTPForex) Lookup(ctx context.Context, creditCode string) (model.Forex, error) {
	return lookup[model.Forex](ctx, h.e, creditCode, func(f *model.Forex) error {
		if !model.ForexStatus(f.BureauStatus).Valid() {
			return fmt.Errorf("bureau_status %q is not one of normal, cancelled, revoked", f.BureauStatus)
		}
		return nil
	})
}

func lookup[F model.Fields](ctx context.Context, e endpoint, creditCode string, check func(*F) error) (F, error) {
	var zero F
	kind := model.KindOf[F]()
	fail := func(sentinel error, format string, a ...any) (F, error) {
		return zero, &Error{Registry: kind, CreditCode: creditCode, Err: fmt.Errorf("%w: "+format, append([]any{sentinel}, a...)...)}
	}
	if e.url == "" {
		return fail(ErrUnavailable, "no endpoint configured")
	}
	u, err := url.Parse(e.url)
	if err != nil {
		return fail(ErrUnavailable, "endpoint: %v", err)
	}
	q := u.Query()
	q.Set("credit_code", creditCode)
	u.RawQuery = q.Encode()

	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fail(ErrUnavailable, "request: %v", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := e.client.Do(req)
	if err != nil {
		return fail(ErrUnavailable, "%v", timeoutOr(ctx, err, e.timeout))
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return zero, &Error{Registry: kind, CreditCode: creditCode, Err: ErrNotFound}
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return fail(ErrUnavailable, "status %s", resp.Status)
	case resp.StatusCode != http.StatusOK:
		return fail(ErrBadResponse, "status %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return fail(ErrUnavailable, "reading the answer: %v", timeoutOr(ctx, err, e.timeout))
	}
	if len(body) > maxBody {
		return fail(ErrBadResponse, "answer longer than %d bytes", maxBody)
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return fail(ErrBadResponse, "not a JSON object: %.40q", body)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return fail(ErrBadResponse, "not JSON: %v", err)
	}
	vals := map[string]string{}
	for k := range model.Values(&zero) {
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
	var f F
	model.SetValues(&f, vals)
	if check != nil {
		if err := check(&f); err != nil {
			return fail(ErrBadResponse, "%v", err)
		}
	}
	return f, nil
}

// timeoutOr says "timed out after …" when the lookup's deadline passed.
func timeoutOr(ctx context.Context, err error, timeout time.Duration) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("no answer within %v: %w", timeout, err)
	}
	return err
}
