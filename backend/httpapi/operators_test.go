package httpapi_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"

	"eportid/app/model"
	"eportid/cardbridge/cardsig"
	"eportid/cardbridge/protocol"
)

var pdf = []byte("%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n")

// upload sends a file as the page does and wants status.
func upload(c *client, name string, data []byte, want int) (model.Attachment, answer) {
	c.e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.e.srv.URL+"/api/attachments", bytes.NewReader(data))
	if err != nil {
		c.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/pdf") // the browser's claim, never believed
	req.Header.Set("X-File-Name", url.PathEscape(name))
	req.Header.Set(model.CSRFHeader, c.csrf)
	resp, err := c.hc.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, body: b.Bytes()}
	if a.status != want {
		c.e.t.Fatalf("upload %s: status %d, want %d: %s", name, a.status, want, a.body)
	}
	var att model.Attachment
	if want == http.StatusCreated {
		if err := json.Unmarshal(a.body, &att); err != nil {
			c.e.t.Fatal(err)
		}
	}
	return att, a
}

func operatorFields(attachment int64) model.Fields {
	return model.Fields{"name": "林操作", "id_type": model.IDTypeResident, "id_number": "11010519491231002X",
		"mobile": "13800138002", "email": "lin@example.cn", "attachment": strconv.FormatInt(attachment, 10)}
}

// N5, L8: the attachment's rules, the operator application on the engine,
// one per person, the reviewer's download, and other enterprises seeing
// nothing of either.
func TestOperatorApplications(t *testing.T) {
	filingsEach(t, nil, func(t *testing.T, e *fenv) {
		admin, ent, _ := e.lpDeclared()

		// The type comes from the bytes, whatever the name and the claim.
		_, a := upload(admin, "证件.pdf", []byte("<html><script>alert(1)</script>"), http.StatusUnprocessableEntity)
		if p := a.problem(t); !strings.Contains(p.Fields["attachment"], "只接受 PDF、JPEG 或 PNG") {
			t.Errorf("html named .pdf: %+v", p)
		}
		_, a = upload(admin, "big.pdf", append([]byte("%PDF-"), bytes.Repeat([]byte("0"), model.MaxAttachmentBytes)...), http.StatusRequestEntityTooLarge)
		if p := a.problem(t); !strings.Contains(p.Message, "不能超过 2 MB") {
			t.Errorf("oversized: %+v", p)
		}
		att, _ := upload(admin, "申请表\r\n\"x\".pdf", pdf, http.StatusCreated)
		if att.ContentType != "application/pdf" || att.Size != int64(len(pdf)) || strings.ContainsAny(att.Name, "\r\n\"") {
			t.Errorf("attachment %+v", att)
		}
		got := admin.do(http.MethodGet, "/api/attachments/"+itoa(att.ID), nil)
		if got.status != http.StatusOK || !bytes.Equal(got.body, pdf) || got.header.Get("Content-Type") != "application/pdf" ||
			!strings.HasPrefix(got.header.Get("Content-Disposition"), "attachment") || got.header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.Contains(got.header.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("download: %d %v", got.status, got.header)
		}

		// The pre-entry: grey fields from the legal-person filing; no 申报.
		rec := createRec(admin, model.FilingOperator, operatorFields(att.ID))
		if rec.Fields["credit_code"] != ent.CreditCode || rec.Fields["agent_point"] != "FJ01" ||
			rec.Fields["card_kind"] != model.CardKindOperatorLabel || rec.Fields["name_cn"] == "" {
			t.Errorf("grey fields %v", rec.Fields)
		}
		if a := admin.do(http.MethodPost, recPath(rec.RecordMeta)+"/declare", saveReq(rec.Version, rec.Fields)); a.status != http.StatusForbidden {
			t.Errorf("no-card declare: %d", a.status)
		}
		// One application per person.
		dup := admin.do(http.MethodPost, "/api/filings/operator", saveReq(0, operatorFields(att.ID)))
		if p := dup.problem(t); dup.status != http.StatusConflict || !strings.Contains(p.Fields["id_number"], "同一人只能有一条") {
			t.Errorf("same person twice: %d %+v", dup.status, p)
		}
		// Another person's application with the same attachment, and one
		// naming an attachment that is not the enterprise's.
		other := operatorFields(att.ID)
		other["id_number"], other["name"] = "440524188001010014", "王操作"
		createRec(admin, model.FilingOperator, other)

		// Another enterprise sees nothing of it.
		stranger, sent, _ := e.lpDeclared()
		for _, p := range []string{"/api/attachments/" + itoa(att.ID), "/api/attachments/" + itoa(att.ID) + "/info",
			recPath(rec.RecordMeta), recPath(rec.RecordMeta) + "/history"} {
			if a := stranger.do(http.MethodGet, p, nil); a.status != http.StatusNotFound {
				t.Errorf("another enterprise GET %s: %d", p, a.status)
			}
		}
		var list []model.Record
		stranger.call(http.MethodGet, "/api/filings/operator", nil, http.StatusOK, &list)
		if len(list) != 0 {
			t.Errorf("another enterprise lists %d operator applications", len(list))
		}
		bad := stranger.do(http.MethodPost, "/api/filings/operator", saveReq(0, operatorFields(att.ID)))
		if p := bad.problem(t); bad.status != http.StatusUnprocessableEntity || !strings.Contains(p.Fields["attachment"], "附件不存在") {
			t.Errorf("another enterprise's attachment: %d %+v (%s)", bad.status, p, sent.CreditCode)
		}
		if a := stranger.do(http.MethodPut, recPath(rec.RecordMeta), saveReq(rec.Version, rec.Fields)); a.status != http.StatusNotFound {
			t.Errorf("another enterprise PUT: %d", a.status)
		}

		// The card holder declares it, signed; the reviewer of FJ01 sees
		// the attachment, one of another agent point does not.
		h := e.cardHolder(ent)
		rec, _ = declareRec(h, getRec(h.client, rec.RecordMeta), http.StatusOK)
		if rec.Signature == nil || !rec.Signature.Verified {
			t.Errorf("declared without a verified signature: %+v", rec.Signature)
		}
		rv, _ := e.reviewer("FJ01")
		if a := rv.do(http.MethodGet, "/api/review/attachments/"+itoa(att.ID), nil); a.status != http.StatusOK || !bytes.Equal(a.body, pdf) {
			t.Errorf("reviewer download: %d", a.status)
		}
		far, _ := e.reviewer("GD01")
		if a := far.do(http.MethodGet, "/api/review/attachments/"+itoa(att.ID), nil); a.status != http.StatusNotFound {
			t.Errorf("another agent point's reviewer: %d", a.status)
		}
		if a := admin.do(http.MethodGet, "/api/review/attachments/"+itoa(att.ID), nil); a.status != http.StatusForbidden {
			t.Errorf("the enterprise through the review route: %d", a.status)
		}
		if q := operatorQueue(rv); len(q) != 1 || q[0].ID != rec.ID || q[0].State != model.StateDeclared {
			t.Fatalf("operator applications in the queue: %+v", q)
		}
		// No changes of operator applications.
		if a := h.do(http.MethodGet, "/api/changes/operator", nil); a.status != http.StatusNotFound {
			t.Errorf("changes of operators: %d", a.status)
		}
	})
}

// 制卡: only an approved application, only its agent point's reviewer, a
// token spent once, a certificate for the key the card made.
func TestOperatorCardIssuance(t *testing.T) {
	filingsEach(t, nil, func(t *testing.T, e *fenv) {
		admin, ent, _ := e.lpDeclared()
		att, _ := upload(admin, "a.pdf", pdf, http.StatusCreated)
		rec := createRec(admin, model.FilingOperator, operatorFields(att.ID))
		h := e.cardHolder(ent)
		rec, _ = declareRec(h, getRec(h.client, rec.RecordMeta), http.StatusOK)
		rv, _ := e.reviewer("FJ01")
		path := "/api/review/operator/" + itoa(rec.ID)

		// Not before approval; not by another agent point; not by the
		// enterprise.
		if a := rv.do(http.MethodPost, path+"/issuance", struct{}{}); a.status != http.StatusConflict {
			t.Errorf("issuance of a declared application: %d", a.status)
		}
		decide(rv, rec.RecordMeta, true, "", http.StatusOK)
		far, _ := e.reviewer("GD01")
		if a := far.do(http.MethodPost, path+"/issuance", struct{}{}); a.status != http.StatusNotFound {
			t.Errorf("issuance by another agent point: %d", a.status)
		}
		if a := h.do(http.MethodPost, path+"/issuance", struct{}{}); a.status != http.StatusForbidden {
			t.Errorf("issuance by the enterprise: %d", a.status)
		}
		if q := operatorQueue(rv); len(q) != 1 || q[0].State != model.StateApproved {
			t.Errorf("an approved application waits for its card in the queue: %+v", q)
		}

		var start model.IssuanceStart
		rv.call(http.MethodPost, path+"/issuance", struct{}{}, http.StatusCreated, &start)
		tok, payload, sig, err := protocol.ParseIssuanceToken(start.Token)
		if err != nil || !cardsig.VerifyIssuance(e.ca.Certificate().PublicKey.(*ecdsa.PublicKey), payload, sig) {
			t.Fatalf("the token is not signed by the CA: %v", err)
		}
		if tok.CardNumber != start.CardNumber || tok.HolderName != "林操作" || tok.CreditCode != ent.CreditCode || tok.Kind != "operator" {
			t.Errorf("token %+v", tok)
		}
		key, _ := sm2.GenerateKey(rand.Reader)
		pub := cardsig.MarshalPoint(&key.PublicKey)
		// A token that is not the CA's is refused.
		forged := protocol.EncodeIssuanceToken(payload, []byte{0x30, 0x00})
		if a := rv.do(http.MethodPost, path+"/card", model.IssueCardRequest{Token: forged, PublicKey: pub}); a.status != http.StatusUnprocessableEntity {
			t.Errorf("forged token: %d", a.status)
		}
		var card model.IssuedCard
		rv.call(http.MethodPost, path+"/card", model.IssueCardRequest{Token: start.Token, PublicKey: pub}, http.StatusCreated, &card)
		if card.CardNumber != start.CardNumber || len(card.PIN) != 6 || len(card.AdminKey) != 16 {
			t.Errorf("issued %+v", card)
		}
		_, id, err := e.ca.VerifyCard(card.Certificate, time.Now().Add(time.Second))
		if err != nil || id.CardNumber != card.CardNumber || id.HolderName != "林操作" || id.CreditCode != ent.CreditCode {
			t.Errorf("certificate: %+v %v", id, err)
		}
		// The card's serial is kept as card login compares it (a serial
		// whose first byte is below 0x10 once differed by a leading 0).
		if stored, err := e.st.CardByNumber(context.Background(), card.CardNumber); err != nil || stored.Serial != id.SerialHex {
			t.Errorf("stored serial %q, the certificate's %q (%v)", stored.Serial, id.SerialHex, err)
		}
		// Spent: the same token again, or a second card of the application.
		if a := rv.do(http.MethodPost, path+"/card", model.IssueCardRequest{Token: start.Token, PublicKey: pub}); a.status != http.StatusConflict {
			t.Errorf("token used twice: %d", a.status)
		}
		if a := rv.do(http.MethodPost, path+"/issuance", struct{}{}); a.status != http.StatusConflict {
			t.Errorf("a second card: %d", a.status)
		}
		c, err := e.st.CardByNumber(t.Context(), card.CardNumber)
		if err != nil || c.Kind != model.CardOperator || c.EnterpriseID != ent.ID || c.HolderName != "林操作" {
			t.Errorf("card row %+v %v", c, err)
		}
		if q := operatorQueue(rv); len(q) != 0 {
			t.Errorf("the application stays in the queue after its card is made: %+v", q)
		}
		hist := recHistory(h.client, rec.RecordMeta)
		if acts := actions(hist); acts[len(acts)-1] != "issue" {
			t.Errorf("history %v", acts)
		}
	})
}

// operatorQueue is the reviewer's queue of operator applications.
func operatorQueue(rv *client) []model.QueueItem {
	var queue, out []model.QueueItem
	rv.call(http.MethodGet, "/api/review/queue", nil, http.StatusOK, &queue)
	for _, q := range queue {
		if q.Kind == model.FilingOperator {
			out = append(out, q)
		}
	}
	return out
}
