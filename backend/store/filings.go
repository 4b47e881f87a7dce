package store

import (
	"context"

	"eportid/app/model"
)

// Filings are the filings of one kind (法人信息, 商务部, 海关, 外汇资质备案):
// one per enterprise, in the states of X1. A no-card pre-entry (预录入) is
// the same record as the card holder's filing: a draft the no-card
// administrator saved, which the card holder opens (List), edits and
// declares. The three qualification filings are refused
// (ErrLegalPersonNotDeclared) while the enterprise's legal-person filing
// has never been declared; a forex filing whose bureau_status is cancelled
// or revoked is refused with a *ForexBlockedError.
//
// The store does not check the fields' formats (the caller does, with
// model.ValidateFields); it fills the grey fields that come from the
// legal-person filing (model.FillFromLegalPerson) over whatever the caller
// sent. The grey fields back-filled from the outside registry
// (FilingKind.RegistryKeys) are the caller's to set from its lookup.
//
// Errors: ErrNotFound (no such record of this enterprise), ErrState (the
// state forbids it), ErrConflict (stale version), ErrDuplicate (the
// enterprise has a filing of this kind), ErrForbidden (the actor's role
// may not), and the two above. Every change of state writes an audit row
// in its transaction.
type Filings[F model.Fields] struct {
	s  *Store
	sp *spec
}

// LegalPersonFilings are the legal-person filings (N1) with an explicit
// actor; the older *LegalPerson methods are the same with a user name.
func (s *Store) LegalPersonFilings() Filings[model.LegalPerson] { return filings[model.LegalPerson](s) }

// CommerceFilings are the commerce qualification filings (N2, L1).
func (s *Store) CommerceFilings() Filings[model.Commerce] { return filings[model.Commerce](s) }

// CustomsFilings are the customs qualification filings (N3, L2).
func (s *Store) CustomsFilings() Filings[model.Customs] { return filings[model.Customs](s) }

// ForexFilings are the forex qualification filings (N4, L3).
func (s *Store) ForexFilings() Filings[model.Forex] { return filings[model.Forex](s) }

func filings[F model.Fields](s *Store) Filings[F] {
	return Filings[F]{s: s, sp: specFor(model.KindOf[F](), false)}
}

func typed[F model.Fields](r rec) model.Record[F] {
	var f F
	model.SetValues(&f, r.vals)
	return model.Record[F]{RecordMeta: r.meta, Fields: f}
}

func typedList[F model.Fields](rs []rec, err error) ([]model.Record[F], error) {
	if err != nil {
		return nil, err
	}
	out := make([]model.Record[F], len(rs))
	for i, r := range rs {
		out[i] = typed[F](r)
	}
	return out, nil
}

func typedOne[F model.Fields](r rec, err error) (model.Record[F], error) {
	if err != nil {
		return model.Record[F]{}, err
	}
	return typed[F](r), nil
}

func values[F model.Fields](f F) map[string]string { return model.Values(&f) }

// Kind is the filing kind.
func (f Filings[F]) Kind() model.FilingKind { return f.sp.kind }

// List returns the enterprise's filings of the kind (at most one), oldest
// first; empty, not nil, when there is none.
func (f Filings[F]) List(ctx context.Context, enterpriseID int64) ([]model.Record[F], error) {
	return typedList[F](f.s.listRecs(ctx, f.sp, enterpriseID))
}

// Get returns a filing of the enterprise; ErrNotFound when there is none of
// that id, or it belongs to another enterprise.
func (f Filings[F]) Get(ctx context.Context, enterpriseID, id int64) (model.Record[F], error) {
	return typedOne[F](f.s.getRec(ctx, f.s.db, f.sp, enterpriseID, id, false))
}

// Create inserts the enterprise's filing of the kind as a draft, version 1
// (新增 + 暂存); ErrDuplicate if it has one already.
func (f Filings[F]) Create(ctx context.Context, enterpriseID int64, who Actor, fields F) (model.Record[F], error) {
	return typedOne[F](f.s.createRec(ctx, f.sp, enterpriseID, 0, who, values(fields)))
}

// Save saves the fields (暂存) of a draft or returned filing read at
// version, and bumps the version. A returned filing stays returned, with
// its reason, until it is declared again.
func (f Filings[F]) Save(ctx context.Context, enterpriseID, id int64, version int, who Actor, fields F) (model.Record[F], error) {
	return typedOne[F](f.s.updateRec(ctx, f.sp, enterpriseID, id, version, who, values(fields), false))
}

// Declare saves the fields and declares the filing (申报) in one
// transaction: state declared, declared_at now, the return reason
// cleared. Declaring twice with the version read before the first
// declares once: the second gets ErrState.
func (f Filings[F]) Declare(ctx context.Context, enterpriseID, id int64, version int, who Actor, fields F) (model.Record[F], error) {
	return typedOne[F](f.s.updateRec(ctx, f.sp, enterpriseID, id, version, who, values(fields), true))
}

// Delete deletes a draft or returned filing for good (删除). Its audit rows
// stay.
func (f Filings[F]) Delete(ctx context.Context, enterpriseID, id int64, who Actor) error {
	return f.s.deleteRec(ctx, f.sp, enterpriseID, id, who)
}

// Changes are the changes (变更, L4–L7) of the filings of one kind. A change
// is a record of its own of an approved filing, with the filing's fields
// as they shall be and a state of its own (X1); the filing keeps its values
// until the change is approved (Store.Approve), which puts them in the
// filing and the old ones in the history, in one transaction. At most one
// change of a filing is open (not approved) at a time (ErrOpenChange). The
// fields model.FilingKind.FixedInChange are kept from the filing whatever
// the caller sends. Only model.RoleLegalCard may change (ErrForbidden).
type Changes[F model.Fields] struct {
	s  *Store
	sp *spec
}

// LegalPersonChanges are 法人信息变更 (L4).
func (s *Store) LegalPersonChanges() Changes[model.LegalPerson] { return changes[model.LegalPerson](s) }

// CommerceChanges are 企业商务部资质变更 (L5).
func (s *Store) CommerceChanges() Changes[model.Commerce] { return changes[model.Commerce](s) }

// CustomsChanges are 企业海关资质变更 (L6).
func (s *Store) CustomsChanges() Changes[model.Customs] { return changes[model.Customs](s) }

// ForexChanges are 企业外汇资质变更 (L7).
func (s *Store) ForexChanges() Changes[model.Forex] { return changes[model.Forex](s) }

func changes[F model.Fields](s *Store) Changes[F] {
	return Changes[F]{s: s, sp: specFor(model.KindOf[F](), true)}
}

// Kind is the filing kind the changes change.
func (c Changes[F]) Kind() model.FilingKind { return c.sp.kind }

// List returns the enterprise's changes of the kind, newest first.
func (c Changes[F]) List(ctx context.Context, enterpriseID int64) ([]model.Record[F], error) {
	return typedList[F](c.s.listRecs(ctx, c.sp, enterpriseID))
}

// Get returns a change of the enterprise; ErrNotFound otherwise.
func (c Changes[F]) Get(ctx context.Context, enterpriseID, id int64) (model.Record[F], error) {
	return typedOne[F](c.s.getRec(ctx, c.s.db, c.sp, enterpriseID, id, false))
}

// Create starts a change of the enterprise's filing filingID as a draft:
// ErrNotFound if the enterprise has no such filing, ErrState unless it is
// approved, ErrOpenChange if it has an open change.
func (c Changes[F]) Create(ctx context.Context, enterpriseID, filingID int64, who Actor, fields F) (model.Record[F], error) {
	return typedOne[F](c.s.createRec(ctx, c.sp, enterpriseID, filingID, who, values(fields)))
}

// Save saves a draft or returned change (暂存), as Filings.Save.
func (c Changes[F]) Save(ctx context.Context, enterpriseID, id int64, version int, who Actor, fields F) (model.Record[F], error) {
	return typedOne[F](c.s.updateRec(ctx, c.sp, enterpriseID, id, version, who, values(fields), false))
}

// Declare saves and declares a change (申报), as Filings.Declare.
func (c Changes[F]) Declare(ctx context.Context, enterpriseID, id int64, version int, who Actor, fields F) (model.Record[F], error) {
	return typedOne[F](c.s.updateRec(ctx, c.sp, enterpriseID, id, version, who, values(fields), true))
}

// Delete deletes a draft or returned change for good; the filing is
// untouched.
func (c Changes[F]) Delete(ctx context.Context, enterpriseID, id int64, who Actor) error {
	return c.s.deleteRec(ctx, c.sp, enterpriseID, id, who)
}
