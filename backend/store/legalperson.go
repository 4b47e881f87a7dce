package store

import (
	"context"
	"strings"

	"eportid/app/model"
)

// The legal-person filing (N1) and its states (X1), by the methods of the
// first slice, which take the user's name where the newer API takes an
// Actor. They run on the engine of records.go (LegalPersonFilings): the
// state rules are in the statements themselves, and every change of state
// writes its audit row in the same transaction, with the Actor of the
// context (WithActor) when there is one.

// allStates are the states of X1, in order.
var allStates = []model.State{model.StateDraft, model.StateDeclared, model.StateApproved, model.StateReturned}

// stateList is the SQL list of the states for which ok holds, e.g.
// "'draft', 'returned'": the rules are model.State's, written once.
func stateList(ok func(model.State) bool) string {
	var q []string
	for _, st := range allStates {
		if ok(st) {
			q = append(q, "'"+string(st)+"'")
		}
	}
	return strings.Join(q, ", ")
}

var deletableStates = stateList(model.State.CanDelete)

func lpRecord(r model.Record[model.LegalPerson]) model.LegalPersonRecord {
	return model.LegalPersonRecord{
		ID:           r.ID,
		State:        r.State,
		Version:      r.Version,
		CreatedBy:    r.CreatedBy,
		CreatedAt:    r.CreatedAt,
		UpdatedAt:    r.UpdatedAt,
		DeclaredAt:   r.DeclaredAt,
		ReturnReason: r.ReturnReason,
		LegalPerson:  r.Fields,
	}
}

func lpOne(r model.Record[model.LegalPerson], err error) (model.LegalPersonRecord, error) {
	if err != nil {
		return model.LegalPersonRecord{}, err
	}
	return lpRecord(r), nil
}

// ListLegalPersons returns the filings of an enterprise (at most one today),
// oldest first.
func (s *Store) ListLegalPersons(ctx context.Context, enterpriseID int64) ([]model.LegalPersonRecord, error) {
	list, err := s.LegalPersonFilings().List(ctx, enterpriseID)
	if err != nil {
		return nil, err
	}
	out := make([]model.LegalPersonRecord, len(list))
	for i, r := range list {
		out[i] = lpRecord(r)
	}
	return out, nil
}

// GetLegalPerson returns a filing of the enterprise; ErrNotFound when there
// is none of that id, or it belongs to another enterprise.
func (s *Store) GetLegalPerson(ctx context.Context, enterpriseID, id int64) (model.LegalPersonRecord, error) {
	return lpOne(s.LegalPersonFilings().Get(ctx, enterpriseID, id))
}

// CreateLegalPerson inserts a new filing of the enterprise in state draft,
// version 1; ErrDuplicate if the enterprise has one already, ErrNotFound if
// the enterprise does not exist.
func (s *Store) CreateLegalPerson(ctx context.Context, enterpriseID int64, by string, p model.LegalPerson) (model.LegalPersonRecord, error) {
	return lpOne(s.LegalPersonFilings().Create(ctx, enterpriseID, actorFor(ctx, by), p))
}

// SaveLegalPerson saves the fields of a filing (暂存) and bumps its version:
// ErrNotFound if the enterprise has no such filing, ErrState unless its
// state allows editing (model.State.CanEdit), ErrConflict if its version is
// not version.
func (s *Store) SaveLegalPerson(ctx context.Context, enterpriseID, id int64, version int, by string, p model.LegalPerson) (model.LegalPersonRecord, error) {
	return lpOne(s.LegalPersonFilings().Save(ctx, enterpriseID, id, version, actorFor(ctx, by), p))
}

// DeclareLegalPerson saves the fields and declares the filing (申报), in
// one transaction: state declared, declared_at now, the return reason
// cleared, version bumped. Errors as SaveLegalPerson, by
// model.State.CanDeclare. Declaring twice with the version read before the
// first declaration declares once: the second gets ErrState.
func (s *Store) DeclareLegalPerson(ctx context.Context, enterpriseID, id int64, version int, by string, p model.LegalPerson) (model.LegalPersonRecord, error) {
	return lpOne(s.LegalPersonFilings().Declare(ctx, enterpriseID, id, version, actorFor(ctx, by), p))
}

// DeleteLegalPerson deletes a filing for good; ErrNotFound if the
// enterprise has no such filing, ErrState unless its state allows deleting
// (draft or returned). The audit trail records the deletion with the
// context's actor (WithActor), or none.
func (s *Store) DeleteLegalPerson(ctx context.Context, enterpriseID, id int64) error {
	return s.LegalPersonFilings().Delete(ctx, enterpriseID, id, actorFor(ctx, ""))
}

// ReviewLegalPerson is the agent point's decision on a declared filing:
// approved, or returned with a reason (ErrReasonRequired when blank). Only
// filings declared to agentPoint are seen (else ErrNotFound); ErrState
// unless declared; ErrConflict on a stale version. It is Approve or Return
// of the filing, by a reviewer of the given name unless the context has an
// actor.
func (s *Store) ReviewLegalPerson(ctx context.Context, agentPoint string, id int64, version int, by string, approve bool, reason string) (model.LegalPersonRecord, error) {
	who := actorFor(ctx, by)
	if _, ok := ActorFrom(ctx); !ok {
		who.Role = model.RoleReviewer
	}
	ref := model.RecordRef{Kind: model.FilingLegalPerson, ID: id}
	r, err := s.review(ctx, agentPoint, ref, version, who, approve, reason)
	if err != nil {
		return model.LegalPersonRecord{}, err
	}
	return lpRecord(typed[model.LegalPerson](r)), nil
}
