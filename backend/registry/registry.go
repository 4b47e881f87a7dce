// Package registry looks up an enterprise's record in the outside
// registries (SPEC L1–L3): the commerce ministry's qualification filings
// (商务部), customs' general qualification filings (海关) and the forex
// bureau's records (外汇管理局). A record back-fills the grey fields of a
// filing (model.FilingKind.RegistryKeys) and the editable ones as a
// proposal.
//
// Two implementations: one reading the registry tables of the database
// (NewDB; store.LoadRegistryFixtures fills them with made-up enterprises
// for development), and one calling an HTTP endpoint (NewHTTP) with a
// timeout it never exceeds. A lookup that fails says why with a typed error
// (*Error wrapping ErrUnavailable or ErrBadResponse); the caller then lets
// the user save the draft without the back-fill and tells them.
package registry

import (
	"context"
	"errors"
	"fmt"

	"eportid/app/model"
)

// Errors of a lookup; test with errors.Is.
var (
	// ErrNotFound: the registry has no record of the credit code. Not a
	// failure: the enterprise enters the filing from scratch.
	ErrNotFound = errors.New("registry: no record of this credit code")
	// ErrUnavailable: the registry did not answer in time, could not be
	// reached, or answered with a server error.
	ErrUnavailable = errors.New("registry: unavailable")
	// ErrBadResponse: the registry answered something that is not a record
	// (not JSON, not an object, another credit code, an unknown state).
	ErrBadResponse = errors.New("registry: bad response")
)

// Registry is one outside registry: the record it holds of a credit code,
// keyed by the fields of its kind (model.KindSpec.Keys); the caller takes
// the kind's RegistryKeys from it as grey fields and the rest as a
// proposal. A forex record's bureau_status says whether the bureau's
// record is normal, cancelled (注销) or revoked (吊销).
type Registry interface {
	Lookup(ctx context.Context, creditCode string) (model.Fields, error)
}

// Registries are the registries by kind: one for every kind of
// model.Kinds with a Registry.
type Registries map[model.FilingKind]Registry

// Error is a failed lookup: which registry, which credit code, and why
// (Err wraps ErrNotFound, ErrUnavailable or ErrBadResponse).
type Error struct {
	Registry   model.FilingKind
	CreditCode string
	Err        error
}

func (e *Error) Error() string {
	return fmt.Sprintf("registry %s: lookup %s: %v", e.Registry, e.CreditCode, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Message is the sentence to show the user when the back-fill failed.
func Message(err error) string {
	kind := "外部备案系统"
	var e *Error
	if errors.As(err, &e) {
		if sp := e.Registry.Spec(); sp != nil && sp.RegistrySystem != "" {
			kind = sp.RegistrySystem
		}
	}
	switch {
	case errors.Is(err, ErrNotFound):
		return kind + "中没有本企业的备案信息，请直接录入。"
	case errors.Is(err, ErrBadResponse):
		return kind + "返回的数据无法识别，未能反填，请直接录入后暂存。"
	default:
		return kind + "暂时无法访问，未能反填，请直接录入后暂存，稍后可再试。"
	}
}
