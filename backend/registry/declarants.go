package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"eportid/app/model"
	"eportid/backend/store"
)

// Customs' registry of declarants (报关人员, SPEC L11): the declarants
// customs records for an enterprise. As the filing registries, two
// implementations: the database's table (NewDBDeclarants, filled with
// made-up declarants by store.LoadRegistryFixtures) and an HTTP endpoint
// with a timeout (NewHTTPDeclarants). A lookup that fails is an *Error
// (Registry DeclarantRegistry) wrapping ErrUnavailable or ErrBadResponse;
// an enterprise customs knows no declarant of is an empty list, not an
// error.

// DeclarantRegistry names the declarant registry in an *Error.
const DeclarantRegistry model.FilingKind = "declarants"

// Declarants is customs' registry of declarants.
type Declarants interface {
	// Of returns the declarants of the enterprise of a credit code.
	Of(ctx context.Context, creditCode string) ([]model.Declarant, error)
}

// NewDBDeclarants returns the declarant registry reading the store's
// registry_declarants table.
func NewDBDeclarants(s *store.Store) Declarants { return dbDeclarants{s} }

type dbDeclarants struct{ s *store.Store }

func (d dbDeclarants) Of(ctx context.Context, creditCode string) ([]model.Declarant, error) {
	out, err := d.s.RegistryDeclarants(ctx, creditCode)
	if err != nil {
		return nil, &Error{Registry: DeclarantRegistry, CreditCode: creditCode, Err: fmt.Errorf("%w: %w", ErrUnavailable, err)}
	}
	return out, nil
}

// The HTTP declarant registry. A lookup is
//
//	GET <endpoint>?credit_code=<code>   Accept: application/json
//
// answered with 200 and a JSON array of declarants (model.Declarant's
// JSON: declarant_no, name, id_type, id_number, credit_code, state
// "normal" or "cancelled"), each of the credit code asked for and valid
// (model.Declarant.Check), or 404 for an enterprise customs has no
// declarant of (an empty list). The whole lookup ends within the timeout.

// NewHTTPDeclarants returns the declarant registry at endpoint; timeout
// bounds each lookup (DefaultTimeout if 0); client nil takes a client of
// its own.
func NewHTTPDeclarants(endpoint string, timeout time.Duration, client *http.Client) Declarants {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if client == nil {
		client = &http.Client{}
	}
	return httpDeclarants{url: endpoint, timeout: timeout, client: client}
}

type httpDeclarants struct {
	url     string
	timeout time.Duration
	client  *http.Client
}

func (h httpDeclarants) Of(ctx context.Context, creditCode string) ([]model.Declarant, error) {
	fail := func(sentinel error, format string, a ...any) ([]model.Declarant, error) {
		return nil, &Error{Registry: DeclarantRegistry, CreditCode: creditCode, Err: fmt.Errorf("%w: "+format, append([]any{sentinel}, a...)...)}
	}
	body, found, err := get(ctx, h.url, h.timeout, h.client, creditCode)
	if err != nil {
		return nil, &Error{Registry: DeclarantRegistry, CreditCode: creditCode, Err: err}
	}
	if !found {
		return []model.Declarant{}, nil
	}
	if len(body) == 0 || body[0] != '[' {
		return fail(ErrBadResponse, "not a JSON array: %.40q", body)
	}
	var list []model.Declarant
	if err := json.Unmarshal(body, &list); err != nil {
		return fail(ErrBadResponse, "not JSON declarants: %v", err)
	}
	seen := map[string]bool{}
	for _, d := range list {
		if d.CreditCode != creditCode {
			return fail(ErrBadResponse, "declarant %s is of credit code %q", d.DeclarantNo, d.CreditCode)
		}
		if err := d.Check(); err != nil {
			return fail(ErrBadResponse, "%v", err)
		}
		if seen[d.DeclarantNo] {
			return fail(ErrBadResponse, "declarant %s twice", d.DeclarantNo)
		}
		seen[d.DeclarantNo] = true
	}
	if list == nil {
		list = []model.Declarant{}
	}
	return list, nil
}

// DeclarantMessage is the sentence to show when customs' declarants could
// not be read.
func DeclarantMessage(err error) string {
	if errors.Is(err, ErrBadResponse) {
		return "海关报关人员信息系统返回的数据无法识别，暂时无法办理报关人员绑定，请稍后再试。"
	}
	return "海关报关人员信息系统暂时无法访问，暂时无法办理报关人员绑定，请稍后再试。"
}
