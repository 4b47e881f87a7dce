package httpapi_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"testing"

	"eportid/app/model"
	"eportid/backend/ca"
	"eportid/backend/cardauth"
	"eportid/backend/cardtest"
	"eportid/backend/store"
)

// Tests of record signatures: a card holder's signed declaration, a
// no-card administrator's unsigned one.

// TestSignedDeclaration: a card holder declares the legal-person filing
// with the card's signature over the canonical form of what is stored; the
// server verifies it, keeps it with the record and in the audit trail.
func TestSignedDeclaration(t *testing.T) {
	eachCard(t, func(t *testing.T, e *cardEnv) {
		_, ent := e.enterprise()
		card := e.card(ent.CreditCode, ca.CardLegalPerson, "8200000000000001")
		e.register(card)
		other := e.card(ent.CreditCode, ca.CardOperator, "8200000000000002") // same enterprise, not the session's
		c := e.client()
		c.cardLogin(card)

		var rec model.Record
		c.call(http.MethodPost, lpPath(0), saveReq(0, lpFields(ent.CreditCode)), http.StatusCreated, &rec)
		if rec.CreatedBy != "王五" {
			t.Errorf("created_by %q, want the holder", rec.CreatedBy)
		}
		// The values as stored: normalized, the subject code cut.
		fields := model.FilingLegalPerson.Spec().Normalize(lpFields(ent.CreditCode), false)
		path := lpPath(rec.ID)
		body := func(sig *model.CardSignature) model.SaveRequest {
			return model.SaveRequest{Version: rec.Version, Fields: lpFields(ent.CreditCode), CardSignature: sig}
		}
		declare := func(sig *model.CardSignature) answer {
			return c.do(http.MethodPost, path+"/declare", body(sig))
		}
		signed := func(k *cardtest.Card, version int, f map[string]string) *model.CardSignature {
			return &model.CardSignature{Certificate: k.CertDER, Signature: k.SignRecord(t, "legal_person", rec.ID, version, f)}
		}

		refused(t, "unsigned", declare(nil), http.StatusForbidden, model.ErrForbidden, "须使用 IC 卡签名")
		refused(t, "signed the version read", declare(signed(card, rec.Version, fields)), http.StatusForbidden, model.ErrForbidden, "签名与申报内容不符")
		changed := map[string]string{}
		for k, v := range fields {
			changed[k] = v
		}
		changed["address"] = "别处"
		refused(t, "signed other values", declare(signed(card, rec.Version+1, changed)), http.StatusForbidden, model.ErrForbidden, "签名与申报内容不符")
		refused(t, "another card", declare(signed(other, rec.Version+1, fields)), http.StatusForbidden, model.ErrForbidden, "不是当前登录所用的卡")
		if got := mustGet(t, c, path); got.State != model.StateDraft {
			t.Fatalf("declared after refusals: %+v", got)
		}

		good := signed(card, rec.Version+1, fields)
		var out model.Record
		c.call(http.MethodPost, path+"/declare", body(good), http.StatusOK, &out)
		sig := out.Signature
		if out.State != model.StateDeclared || sig == nil || !sig.Verified || sig.CardNumber != "8200000000000001" ||
			sig.HolderName != "王五" || sig.Version != out.Version || sig.CardKind != model.CardLegalPerson {
			t.Fatalf("declared %+v signature %+v", out, sig)
		}
		got := mustGet(t, c, path)
		if got.Signature == nil || !got.Signature.Verified || !got.Signature.SignedAt.Equal(*got.DeclaredAt) {
			t.Fatalf("GET: signature %+v", got.Signature)
		}
		var list []model.Record
		c.call(http.MethodGet, lpPath(0), nil, http.StatusOK, &list)
		if len(list) != 1 || list[0].Signature == nil || !list[0].Signature.Verified {
			t.Fatalf("list: %+v", list)
		}

		// The audit trail has the declaration with its signature.
		var hist []model.AuditEntry
		c.call(http.MethodGet, fmt.Sprintf("/api/filings/legal_person/%d/history", rec.ID), nil, http.StatusOK, &hist)
		var decl *model.AuditEntry
		for i := range hist {
			if hist[i].Action == model.ActionDeclare {
				decl = &hist[i]
			}
		}
		if decl == nil || decl.Signature != base64.StdEncoding.EncodeToString(good.Signature) ||
			decl.Certificate != base64.StdEncoding.EncodeToString(card.CertDER) || decl.Role != model.RoleLegalCard || decl.UserName != "王五" {
			t.Fatalf("history %+v", hist)
		}
		// The stored signature verifies on its own.
		rs, err := e.st.LatestRecordSignature(context.Background(), ent.ID, model.RecordRef{Kind: model.FilingLegalPerson, ID: rec.ID})
		if err != nil {
			t.Fatal(err)
		}
		if err := cardauth.VerifyRecordSignature(rs.Certificate, model.CanonicalRecord("legal_person", rec.ID, rs.Version, got.Fields), rs.Signature); err != nil {
			t.Fatal(err)
		}
		// The table is append-only.
		if _, err := e.st.DB().Exec(`DELETE FROM record_signatures`); err == nil {
			t.Error("record_signatures accepted a DELETE")
		}
	})
}

// TestUnsignedDeclarationOfNoCardAdmin: a no-card administrator declares
// without a signature; the record shows none.
func TestUnsignedDeclarationOfNoCardAdmin(t *testing.T) {
	eachCard(t, func(t *testing.T, e *cardEnv) {
		c, ent := e.enterprise()
		var rec model.Record
		c.call(http.MethodPost, lpPath(0), saveReq(0, lpFields(ent.CreditCode)), http.StatusCreated, &rec)
		c.call(http.MethodPost, lpPath(rec.ID)+"/declare", saveReq(rec.Version, lpFields(ent.CreditCode)), http.StatusOK, &rec)
		if rec.State != model.StateDeclared || rec.Signature != nil {
			t.Fatalf("%+v", rec)
		}
	})
}

func mustGet(t *testing.T, c *client, path string) model.Record {
	t.Helper()
	var r model.Record
	c.call(http.MethodGet, path, nil, http.StatusOK, &r)
	return r
}

// TestSignatureAfterFreeze: a signature made before the card is frozen
// stays valid and verifiable, showing the card's state when it signed and
// now; after the freeze the card can sign nothing (its session ended).
func TestSignatureAfterFreeze(t *testing.T) {
	eachCard(t, func(t *testing.T, e *cardEnv) {
		admin, ent := e.enterprise()
		card := e.card(ent.CreditCode, ca.CardLegalPerson, "8200000000000011")
		e.register(card)
		c := e.client()
		c.cardLogin(card)
		var rec model.Record
		c.call(http.MethodPost, lpPath(0), saveReq(0, lpFields(ent.CreditCode)), http.StatusCreated, &rec)
		fields := model.FilingLegalPerson.Spec().Normalize(lpFields(ent.CreditCode), false)
		c.call(http.MethodPost, lpPath(rec.ID)+"/declare", model.SaveRequest{Version: rec.Version, Fields: lpFields(ent.CreditCode),
			CardSignature: &model.CardSignature{Certificate: card.CertDER, Signature: card.SignRecord(t, "legal_person", rec.ID, rec.Version+1, fields)}},
			http.StatusOK, &rec)
		if _, err := e.st.ChangeCardState(context.Background(), store.CardScope{EnterpriseID: ent.ID},
			store.StateChange{CardNumber: "8200000000000011", Action: model.StateFreeze, Who: store.Actor{Name: "代理点"}}); err != nil {
			t.Fatal(err)
		}
		got := mustGet(t, admin, lpPath(rec.ID))
		if s := got.Signature; s == nil || !s.Verified || s.CardStateAtSigning != "正常" || s.CardStateNow != "冻结" {
			t.Fatalf("signature after the freeze %+v", got.Signature)
		}
		refused(t, "the frozen card's session ended", c.do(http.MethodGet, lpPath(rec.ID), nil), http.StatusUnauthorized, model.ErrUnauthorized, "登录")
	})
}
