package store

import (
	"context"
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
	// ErrForexBlocked: the forex bureau's record of the enterprise is
	// cancelled (注销) or revoked (吊销): no forex filing or change (L3). The
	// error is a *ForexBlockedError, which says which.
	ErrForexBlocked = errors.New("store: the forex bureau's record blocks the forex filing")
	// ErrOpenChange: the filing has a change that is not yet approved (at
	// most one at a time). It is also an ErrDuplicate.
	ErrOpenChange = fmt.Errorf("store: the filing has an open change: %w", ErrDuplicate)
	// ErrForbidden: the actor's role may not do this (model.Role.MaySave,
	// MayDeclare, MayDelete, MayChange, MayReview).
	ErrForbidden = errors.New("store: role may not do this")
	// ErrReasonRequired: a return (退单) needs a reason.
	ErrReasonRequired = errors.New("store: a return needs a reason")
)

// ForexBlockedError is ErrForexBlocked with the state of the forex
// bureau's record.
type ForexBlockedError struct {
	Status model.ForexStatus
}

func (e *ForexBlockedError) Error() string {
	return fmt.Sprintf("store: the forex bureau's record is %s (%s): no forex filing", e.Status, e.Status.Label())
}

// Is makes errors.Is(err, ErrForexBlocked) hold.
func (e *ForexBlockedError) Is(target error) bool { return target == ErrForexBlocked }

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
}

type actorKey struct{}

// WithActor returns a context that carries the actor. The legal-person
// methods that take only a user name (CreateLegalPerson, SaveLegalPerson,
// DeclareLegalPerson, DeleteLegalPerson, ReviewLegalPerson) record the
// context's actor in the audit trail when there is one, so the HTTP layer
// can give them the user id, role and signature without a change of their
// signatures.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor WithActor put in ctx.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}

// actorFor is the actor of ctx, or one of the given name.
func actorFor(ctx context.Context, by string) Actor {
	if a, ok := ActorFrom(ctx); ok {
		if a.Name == "" {
			a.Name = by
		}
		return a
	}
	return Actor{Name: by}
}

// may checks the actor's role when it has one.
func (a Actor) may(ok func(model.Role, model.FilingKind) bool, k model.FilingKind, what string) error {
	if a.Role == "" || ok(a.Role, k) {
		return nil
	}
	return fmt.Errorf("%s may not %s a %s: %w", a.Role, what, k.Label(), ErrForbidden)
}
