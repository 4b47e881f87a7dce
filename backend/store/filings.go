package store

import (
	"context"

	"eportid/app/model"
)

// Records are the filings (备案) of one kind, or the changes (变更) of that
// kind's filings, on the engine of records.go. The kind's entry in
// model.Kinds says everything kind-specific: the forms, which grey fields
// the system fills and from where, the registry, the gates.
//
// Filings: one per enterprise and kind, in the states of X1. A no-card
// pre-entry (预录入) is the same record as the card holder's filing: a draft
// the no-card administrator saved, which the card holder opens (List),
// edits and declares. A kind with NeedsLegalPerson is refused
// (ErrLegalPersonNotDeclared) while the enterprise's legal-person filing
// has never been declared; a record its kind's Blocked refuses is a
// *BlockedError.
//
// Changes: a change is a record of its own of an approved filing, with the
// filing's fields as they shall be and a state of its own; the filing keeps
// its values until the change is approved (Store.Approve), which puts them
// in the filing and the old ones in the history, in one transaction. At
// most one change of a filing is open (not approved) at a time
// (ErrOpenChange). Only model.RoleLegalCard may change (ErrForbidden).
//
// The system-filled (grey) fields have one owner: the store sets them in
// the transaction of every create, save and declare, whatever the caller
// sent (see Input). The caller checks the format of the fields it was sent
// (model.KindSpec.Validate and the reference data).
//
// Errors: ErrNotFound (no such record of this enterprise), ErrState (the
// state forbids it), ErrConflict (stale version), ErrDuplicate (the
// enterprise has a filing of this kind), ErrForbidden (the actor's role
// may not), ErrNoRegistryRecord, ErrRegistryUnavailable, and those above.
// Every change of state writes an audit row in its transaction.
type Records struct {
	s  *Store
	sp *spec
}

// Filings are the filings of kind k.
func (s *Store) Filings(k model.FilingKind) Records { return Records{s: s, sp: specFor(k, false)} }

// Changes are the changes of the filings of kind k.
func (s *Store) Changes(k model.FilingKind) Records { return Records{s: s, sp: specFor(k, true)} }

// RecordsOf are the filings or the changes of a reference's kind;
// ErrNotFound for an unknown kind.
func (s *Store) RecordsOf(ref model.RecordRef) (Records, error) {
	sp, err := specOf(ref)
	if err != nil {
		return Records{}, err
	}
	return Records{s: s, sp: sp}, nil
}

// Input is what the caller gives a create, save or declare.
type Input struct {
	// Fields are the record's values as sent; the grey ones are replaced.
	Fields model.Fields
	// Registry is the registry's answer for a kind with a registry: nil
	// when it could not be asked (the record keeps the registry's values
	// it had, or a change the approved filing's).
	Registry *RegistryAnswer
	// Sign, on a declaration by a card holder, checks the card's signature
	// over the values as they will be stored and the version the
	// declaration makes (X3), inside the transaction; the Actor it returns
	// (with the signature) is the one the audit row records, and the
	// signature is kept (record_signatures) in the declaration's statement
	// (its enterprise, record, version and time are the declaration's).
	Sign func(vals model.Fields, version int) (Actor, *RecordSignature, error)
	// Read, on a save or a declaration, is the record as read with the
	// request's session (Context.Read); nil: the write reads it.
	Read *RecordRead
}

// RegistryAnswer is a registry lookup that answered: the record, or none.
type RegistryAnswer struct {
	Found  bool
	Fields model.Fields
}

// Kind is the filing kind.
func (r Records) Kind() model.FilingKind { return r.sp.kind.Kind }

// List returns the enterprise's records: filings (at most one) oldest
// first, changes newest first; empty, not nil, when there is none.
func (r Records) List(ctx context.Context, enterpriseID int64) ([]model.Record, error) {
	return recordsErr(r.s.listRecs(ctx, r.sp, enterpriseID))
}

// Get returns a record of the enterprise; ErrNotFound when there is none
// of that id, or it belongs to another enterprise.
func (r Records) Get(ctx context.Context, enterpriseID, id int64) (model.Record, error) {
	return recordErr(r.s.getRec(ctx, r.s.db, r.sp, enterpriseID, id, false))
}

// Create inserts a draft, version 1 (新增 + 暂存): a filing (ErrDuplicate if
// the enterprise has one of the kind already), or, with filingID, a change
// of that approved filing (ErrNotFound if the enterprise has no such
// filing, ErrState unless it is approved, ErrOpenChange if it has an open
// change).
func (r Records) Create(ctx context.Context, enterpriseID, filingID int64, who Actor, in Input) (model.Record, error) {
	return recordErr(r.s.createRec(ctx, r.sp, enterpriseID, filingID, who, in))
}

// Save saves the fields (暂存) of a draft or returned record read at
// version, and bumps the version. A returned record stays returned, with
// its reason, until it is declared again.
func (r Records) Save(ctx context.Context, enterpriseID, id int64, version int, who Actor, in Input) (model.Record, error) {
	return recordErr(r.s.updateRec(ctx, r.sp, enterpriseID, id, version, who, in, false))
}

// Declare saves the fields and declares the record (申报) in one
// transaction: state declared, declared_at now, the return reason cleared.
// Declaring twice with the version read before the first declares once:
// the second gets ErrState.
func (r Records) Declare(ctx context.Context, enterpriseID, id int64, version int, who Actor, in Input) (model.Record, error) {
	return recordErr(r.s.updateRec(ctx, r.sp, enterpriseID, id, version, who, in, true))
}

// Delete deletes a draft or returned record for good (删除). Its audit rows
// stay; a change's filing is untouched.
func (r Records) Delete(ctx context.Context, enterpriseID, id int64, who Actor) error {
	return r.s.deleteRec(ctx, r.sp, enterpriseID, id, who)
}

func recordErr(r rec, err error) (model.Record, error) {
	if err != nil {
		return model.Record{}, err
	}
	return r.record(), nil
}

func recordsErr(rs []rec, err error) ([]model.Record, error) {
	if err != nil {
		return nil, err
	}
	return records(rs), nil
}
