package store

import (
	"errors"
	"fmt"

	"eportid/app/model"
)

// Errors of the filings, changes and the review side (see also store.go).
var (
	// ErrLegalPersonNotDeclared: a qualification filing (N2–N4, L1–L3) is
	// refused while the enterprise's legal-person filing has never been
	// declared.
	ErrLegalPersonNotDeclared = errors.New("store: the legal-person filing has not been declared")
	// ErrBlocked: the record's values forbid the filing at all
	// (model.KindSpec.Blocked: a forex record the bureau cancelled or
	// revoked, L3). The error is a *BlockedError, which says why.
	ErrBlocked = errors.New("store: the record's values block the filing")
	// ErrNoRegistryRecord: a kind with RegistryRequired whose registry has
	// no record of the enterprise: nothing to file. A *NoRegistryRecordError.
	ErrNoRegistryRecord = errors.New("store: the registry has no record of the enterprise")
	// ErrRegistryUnavailable: a kind with RegistryRequired could not ask
	// its registry, on a declaration or a new record.
	ErrRegistryUnavailable = errors.New("store: the registry could not be asked")
	// ErrOpenChange: the filing has a change that is not yet approved (at
	// most one at a time). It is also an ErrDuplicate.
	ErrOpenChange = fmt.Errorf("store: the filing has an open change: %w", ErrDuplicate)
	// ErrForbidden: the actor's role may not do this (model.Role.MaySave,
	// MayDeclare, MayDelete, MayChange, MayReview).
	ErrForbidden = errors.New("store: role may not do this")
	// ErrReasonRequired: a return (退单) needs a reason.
	ErrReasonRequired = errors.New("store: a return needs a reason")
)

// BlockedError is ErrBlocked with the kind's message.
type BlockedError struct{ Message string }

func (e *BlockedError) Error() string { return "store: blocked: " + e.Message }

// Is makes errors.Is(err, ErrBlocked) hold.
func (e *BlockedError) Is(target error) bool { return target == ErrBlocked }

// NoRegistryRecordError is ErrNoRegistryRecord with the kind's message.
type NoRegistryRecordError struct{ Message string }

func (e *NoRegistryRecordError) Error() string { return "store: no registry record: " + e.Message }

// Is makes errors.Is(err, ErrNoRegistryRecord) hold.
func (e *NoRegistryRecordError) Is(target error) bool { return target == ErrNoRegistryRecord }

// Actor is who does an operation, as the audit trail records it (X4).
type Actor struct {
	// UserID is the user's id; 0 where there is none (a card holder before
	// the card issue, a tool).
	UserID int64
	// Name is the user name (or the card holder's name): records keep it as
	// created_by / updated_by.
	Name string
	// Role is the session's role. When set, the store refuses what the role
	// may not do (ErrForbidden), in addition to the HTTP layer's checks.
	Role model.Role
	// Signature and Certificate are the card signature of this operation
	// and the certificate that verified it (X3), kept in the audit row;
	// empty when the operation was not signed.
	Signature   string
	Certificate string
	// CardNumber is the card of a card session: the store checks an
	// operator card's authorisation by it (card_authorisations.go).
	CardNumber string
}

// may checks the actor's role when it has one. An operator card may
// "save" and "declare" a kind that can be authorised: whether its card is
// authorised for it is checked in the operation's transaction
// (Store.checkAuthorised); it may do nothing else.
func (a Actor) may(ok func(model.Role, model.FilingKind) bool, k model.FilingKind, what string) error {
	if a.Role == "" || ok(a.Role, k) {
		return nil
	}
	if a.Role == model.RoleOperatorCard && (what == "save" || what == "declare") && model.Authorisable(k) {
		return nil
	}
	return fmt.Errorf("%s may not %s a %s: %w", a.Role, what, k.Label(), ErrForbidden)
}
