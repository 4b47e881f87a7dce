package httpapi

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"eportid/app/model"
	"eportid/backend/ca"
	"eportid/backend/cardauth"
	"eportid/backend/store"
)

// Record signatures (X3): the card signature a card holder sends with a
// declaration, checked against what will be stored and kept with the
// record and in the audit trail; the signature a record shows, verified
// again against its current values.

// msgSignatureNeeded refuses an unsigned declaration of a card holder.
const msgSignatureNeeded = "持卡用户申报须使用 IC 卡签名，请插入 IC 卡后重新申报"

// signedRecord is a declaration's card signature, verified.
type signedRecord struct {
	ref     model.RecordRef
	version int
	fields  map[string]string
	sig     model.CardSignature
	signer  ca.Identity
}

// The audit trail keeps the signature and the certificate (DER) in
// standard base64.
func (s *signedRecord) signatureText() string {
	return base64.StdEncoding.EncodeToString(s.sig.Signature)
}
func (s *signedRecord) certificateText() string {
	return base64.StdEncoding.EncodeToString(s.sig.Certificate)
}

// verifyDeclaration checks the card signature a card holder sent with a
// declaration: over model.CanonicalRecord(ref.Name(), ref.ID, version,
// fields), fields being what will be stored; by a certificate of our CA,
// valid now, of the session's own card and enterprise. Without a card
// session it returns nil (no-card users declare unsigned).
func (a *API) verifyDeclaration(c *current, ent store.Enterprise, ref model.RecordRef, version int, fields map[string]string, sig *model.CardSignature) (*signedRecord, error) {
	if c.card == nil {
		return nil, nil
	}
	if sig == nil || len(sig.Signature) == 0 || len(sig.Certificate) == 0 {
		return nil, &Error{Code: model.ErrForbidden, Message: msgSignatureNeeded}
	}
	if a.CA == nil {
		return nil, &Error{Code: model.ErrInternal, Message: msgNoCA}
	}
	canonical := model.CanonicalRecord(ref.Name(), ref.ID, version, fields)
	id, err := cardauth.VerifyRecord(a.CA, sig.Certificate, c.card.Certificate, canonical, sig.Signature, a.now())
	if errors.Is(err, cardauth.ErrBadSignature) {
		return nil, &Error{Code: model.ErrForbidden, Message: "IC 卡签名与申报内容不符，请刷新后重新申报", Err: err}
	}
	if err != nil {
		return nil, certError(err)
	}
	if id.CardNumber != c.card.Number || id.CreditCode != ent.CreditCode {
		return nil, &Error{Code: model.ErrForbidden, Message: "签名所用的 IC 卡不是当前登录所用的卡，请插入登录所用的 IC 卡",
			Err: fmt.Errorf("signed by card %s of %s, session card %s of %s", id.CardNumber, id.CreditCode, c.card.Number, ent.CreditCode)}
	}
	if id.SerialHex != c.card.Serial {
		return nil, &Error{Code: model.ErrForbidden, Message: msgCardSuperseded,
			Err: fmt.Errorf("card %s signed with certificate %s, the card's is %s", id.CardNumber, id.SerialHex, c.card.Serial)}
	}
	return &signedRecord{ref: ref, version: version, fields: fields, sig: *sig, signer: id}, nil
}

// kept is the signature as the store keeps it with the declaration (the
// store sets the enterprise, record, version and time).
func (s *signedRecord) kept() *store.RecordSignature {
	return &store.RecordSignature{CardNumber: s.signer.CardNumber, HolderName: s.signer.HolderName,
		CertSerial: s.signer.SerialHex, Signature: s.sig.Signature, Certificate: s.sig.Certificate}
}

// shown is the signature of a declaration the store accepted as rec, as
// the answer shows it: only if rec is what was signed.
func (s *signedRecord) shown(rec model.Record) (*model.RecordSignature, error) {
	if rec.Version != s.version || !sameValues(rec.Fields, s.fields) {
		// The store kept something else than what was signed: never
		// show it as signed.
		return nil, fmt.Errorf("httpapi: %s stored as version %d with other values than signed (version %d)", s.ref, rec.Version, s.version)
	}
	rs := store.RecordSignature{Version: rec.Version, Action: model.ActionDeclare, CardNumber: s.signer.CardNumber,
		HolderName: s.signer.HolderName, CertSerial: s.signer.SerialHex, Signature: s.sig.Signature,
		Certificate: s.sig.Certificate}
	if rec.DeclaredAt != nil {
		rs.SignedAt = *rec.DeclaredAt
	}
	return signatureJSON(rs, model.CardKind(s.signer.CardKind), true), nil
}

func sameValues(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func recordSignatureJSON(rs store.RecordSignature, verified bool) *model.RecordSignature {
	kind := model.CardLegalPerson
	if cert, err := smx509.ParseCertificate(rs.Certificate); err == nil {
		if id, err := ca.CardIdentity(cert); err == nil {
			kind = model.CardKind(id.CardKind)
		}
	}
	return signatureJSON(rs, kind, verified)
}

// signatureJSON is recordSignatureJSON of a signature whose card's kind is
// known (a declaration's own answer: the signer was just verified).
func signatureJSON(rs store.RecordSignature, kind model.CardKind, verified bool) *model.RecordSignature {
	return &model.RecordSignature{
		Action: rs.Action, Version: rs.Version, CardNumber: rs.CardNumber, CardKind: kind,
		HolderName: rs.HolderName, CertSerial: rs.CertSerial, SignedAt: rs.SignedAt, Verified: verified,
	}
}

// signatureOf is the card signature of a record's current declaration:
// only a declared or approved record has one, and only the signature made
// when it was declared (at DeclaredAt); it is verified again against the
// record's current values.
func (a *API) signatureOf(ctx context.Context, enterpriseID int64, ref model.RecordRef, st model.State, declaredAt *time.Time, values map[string]string) (*model.RecordSignature, error) {
	if declaredAt == nil || (st != model.StateDeclared && st != model.StateApproved) {
		return nil, nil
	}
	rs, err := a.Store.LatestRecordSignature(ctx, enterpriseID, ref)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !rs.SignedAt.Equal(declaredAt.UTC()) {
		return nil, nil // a signature of an earlier declaration
	}
	canonical := model.CanonicalRecord(ref.Name(), ref.ID, rs.Version, values)
	ok := cardauth.VerifyRecordSignature(rs.Certificate, canonical, rs.Signature) == nil
	if !ok {
		// An approved change replaces a filing's values after its
		// declaration was signed: that signature is over the old values
		// (kept in the history), and the change carries its own.
		replaced, err := a.changedSince(ctx, enterpriseID, ref, rs.SignedAt)
		if err != nil {
			return nil, err
		}
		if replaced {
			return nil, nil
		}
		a.Log.ErrorContext(ctx, "stored record signature does not verify", "record", ref.String(), "card", rs.CardNumber)
	}
	out := recordSignatureJSON(rs, ok)
	if at, err := a.Store.CardStateAt(ctx, rs.CardNumber, rs.SignedAt); err != nil {
		return nil, err
	} else {
		out.CardStateAtSigning = at.Label()
	}
	if card, err := a.Store.CardByNumber(ctx, rs.CardNumber); err == nil {
		out.CardStateNow = card.State.Label()
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return out, nil
}

// changedSince reports whether an approved change replaced the record's
// values after t.
func (a *API) changedSince(ctx context.Context, enterpriseID int64, ref model.RecordRef, t time.Time) (bool, error) {
	if ref.Change {
		return false, nil
	}
	hist, err := a.Store.History(ctx, enterpriseID, ref)
	if err != nil {
		return false, err
	}
	for _, e := range hist {
		if e.Action == model.ActionApply && !e.At.Before(t) {
			return true, nil
		}
	}
	return false, nil
}
