package cardauth_test

import (
	"testing"
	"time"

	"eportid/app/model"
	"eportid/backend/ca"
	"eportid/backend/cardauth"
	"eportid/cardbridge/cardsig"
)

func TestRecordSignature(t *testing.T) {
	authority := newCA(t)
	card := newCard(t, authority, ca.CardLegalPerson)
	fields := map[string]string{"name": "上海示例进出口有限公司", "address": "上海市浦东新区", "fax": ""}
	canonical := model.CanonicalRecord("legal_person", 42, 3, fields)
	digest := model.SignedDigest(canonical)
	// The page sends the digest as the bridge's sign data.
	sig := card.SignData(t, digest[:])
	now := t0.Add(time.Hour)

	if err := cardauth.VerifyRecordSignature(card.CertDER, canonical, sig); err != nil {
		t.Fatal(err)
	}
	id, err := cardauth.VerifyRecord(authority, card.CertDER, nil, canonical, sig, now)
	if err != nil || id != card.Identity {
		t.Fatalf("VerifyRecord: %v %+v", err, id)
	}
	// What the bridge itself checks agrees.
	if !cardsig.VerifySign(card.Soft.PublicKey(), digest[:], sig) {
		t.Fatal("cardsig.VerifySign disagrees")
	}

	changed := map[string]string{"name": "上海示例进出口有限公司", "address": "上海市浦东新区", "fax": "021"}
	others := map[string][]byte{
		"field changed":   model.CanonicalRecord("legal_person", 42, 3, changed),
		"other version":   model.CanonicalRecord("legal_person", 42, 4, fields),
		"other record":    model.CanonicalRecord("legal_person", 43, 3, fields),
		"other kind":      model.CanonicalRecord("legal_person_change", 42, 3, fields),
		"field dropped":   model.CanonicalRecord("legal_person", 42, 3, map[string]string{"name": fields["name"], "address": fields["address"]}),
		"digest not form": digest[:],
	}
	for what, c := range others {
		wantErr(t, what, cardauth.VerifyRecordSignature(card.CertDER, c, sig), cardauth.ErrBadSignature)
		_, err := cardauth.VerifyRecord(authority, card.CertDER, nil, c, sig, now)
		wantErr(t, what, err, cardauth.ErrBadSignature)
	}
	bad := append([]byte(nil), sig...)
	bad[len(bad)-1] ^= 0x80
	wantErr(t, "tampered", cardauth.VerifyRecordSignature(card.CertDER, canonical, bad), cardauth.ErrBadSignature)

	// A login signature over the same 32 bytes is not a record signature.
	e := card.SignLogin(t, testOrigin, digest[:])
	wantErr(t, "login signature", cardauth.VerifyRecordSignature(card.CertDER, canonical, e), cardauth.ErrBadSignature)

	// The stored signature still checks after the certificate expired;
	// accepting a new declaration does not.
	later := t0.AddDate(3, 0, 0)
	if err := cardauth.VerifyRecordSignature(card.CertDER, canonical, sig); err != nil {
		t.Fatal(err)
	}
	_, err = cardauth.VerifyRecord(authority, card.CertDER, nil, canonical, sig, later)
	wantErr(t, "expired card", err, cardauth.ErrCertExpired)
	foreign := newCard(t, newCA(t), ca.CardLegalPerson)
	fsig := foreign.SignData(t, digest[:])
	_, err = cardauth.VerifyRecord(authority, foreign.CertDER, nil, canonical, fsig, now)
	wantErr(t, "foreign card", err, cardauth.ErrUnknownIssuer)
}
