package httpapi_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"

	"eportid/app/model"
	"eportid/backend/auth"
	"eportid/backend/ca"
	"eportid/backend/cardauth"
	"eportid/backend/httpapi"
	"eportid/backend/registry"
	"eportid/backend/server"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// Helpers of the filings, changes and review tests: an env with a card CA
// and fake registries, enterprises whose legal-person filing is declared,
// the legal-person card holder of an enterprise (the issue's "test role":
// a card registered straight in the store and a session bound to it, whose
// declarations are signed with the card's key) and reviewers.

// fakeRegistries answer for any credit code, with a forex state per
// credit code (normal unless set), except the credit codes a registry was
// told it has no record of.
type fakeRegistries struct {
	mu        sync.Mutex
	forex     map[string]model.ForexStatus
	none      map[model.FilingKind]map[string]bool
	published string
}

func (f *fakeRegistries) setForex(code string, st model.ForexStatus) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.forex[code] = st
}

func (f *fakeRegistries) setPublished(d string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.published = d
}

// setNone makes the registry of kind have no record of the credit code.
func (f *fakeRegistries) setNone(kind model.FilingKind, code string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.none[kind] == nil {
		f.none[kind] = map[string]bool{}
	}
	f.none[kind][code] = true
}

// fakeRegistry is the registry of one kind.
type fakeRegistry struct {
	*fakeRegistries
	kind model.FilingKind
}

func (f fakeRegistry) Lookup(_ context.Context, code string) (model.Fields, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.none[f.kind][code] {
		return nil, &registry.Error{Registry: f.kind, CreditCode: code, Err: registry.ErrNotFound}
	}
	switch f.kind {
	case model.FilingCommerce:
		return model.Fields{"credit_code": code, "imp_exp_code": "IE" + code[8:17], "name_cn": "福州示例贸易有限公司",
			"address_cn": "福州市鼓楼区五四路1号", "legal_rep_name": "张三", "legal_rep_id_number": "11010519491231002X",
			"phone": "0591-87654321", "operator_type": "4"}, nil
	case model.FilingCustoms:
		return model.Fields{"credit_code": code, "unified_no": "3501" + code[8:17], "supervising_customs": "3500",
			"filing_customs": "3500", "customs_reg_no": "3501960001"}, nil
	case model.FilingForex:
		st := f.forex[code]
		if st == "" {
			st = model.ForexNormal
		}
		return model.Fields{"credit_code": code, "org_code": model.SubjectCode(code), "classification": "A",
			"published_on": f.published, "bureau_status": string(st)}, nil
	}
	return nil, &registry.Error{Registry: f.kind, CreditCode: code, Err: registry.ErrNotFound}
}

// fenv is an env for the filings: a card CA, fake registries.
type fenv struct {
	*env
	ca  *ca.CA
	reg *fakeRegistries
}

// filingsEach runs fn on SQLite and PostgreSQL with a fresh fenv;
// configure may change the API further (e.g. other registries).
func filingsEach(t *testing.T, configure func(*httpapi.API), fn func(t *testing.T, e *fenv)) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		fn(t, newFenv(t, st, configure))
	})
}

func newFenv(t testing.TB, st *store.Store, configure func(*httpapi.API)) *fenv {
	t.Helper()
	authority, err := ca.OpenOrCreate(filepath.Join(t.TempDir(), "ca"), ca.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	reg := &fakeRegistries{forex: map[string]model.ForexStatus{}, none: map[model.FilingKind]map[string]bool{},
		published: "2024-01-15"}
	e := newEnv(t, st, func(a *httpapi.API) {
		a.CA = authority
		a.Registries = registry.Registries{}
		for _, sp := range model.Kinds {
			if sp.Registry != "" {
				a.Registries[sp.Kind] = fakeRegistry{reg, sp.Kind}
			}
		}
		if configure != nil {
			configure(a)
		}
	})
	return &fenv{env: e, ca: authority, reg: reg}
}

// lpDeclared makes an enterprise with a no-card administrator (logged in
// as admin) whose legal-person filing the administrator declared, to
// agent point FJ01.
func (e *fenv) lpDeclared() (admin *client, ent store.Enterprise, lp model.Record) {
	e.t.Helper()
	admin, ent = e.enterprise()
	lp = createRec(admin, model.FilingLegalPerson, lpFields(ent.CreditCode))
	admin.call(http.MethodPost, recPath(lp.RecordMeta)+"/declare", saveReq(lp.Version, lp.Fields), http.StatusOK, &lp)
	return admin, ent, lp
}

// holder is the legal-person card holder of an enterprise, logged in.
type holder struct {
	*client
	key  *sm2.PrivateKey
	cert []byte
	name string
}

var cardSeq struct {
	sync.Mutex
	n int
}

// cardHolder registers a legal-person card of the enterprise in the store
// and opens a card session for it.
func (e *fenv) cardHolder(ent store.Enterprise) *holder {
	e.t.Helper()
	return e.cardSession(ent, ca.CardLegalPerson, "89350000", "张三")
}

// cardSession registers a card of kind of the enterprise, held by name,
// its number prefix then a sequence number, and opens a card session for it.
func (e *fenv) cardSession(ent store.Enterprise, kind ca.CardKind, prefix, name string) *holder {
	e.t.Helper()
	cardSeq.Lock()
	cardSeq.n++
	number := fmt.Sprintf("%s%08d", prefix, cardSeq.n)
	cardSeq.Unlock()
	key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		e.t.Fatal(err)
	}
	cert, der, err := e.ca.Issue(ca.IssueRequest{PublicKey: &key.PublicKey, CreditCode: ent.CreditCode,
		CardKind: kind, CardNumber: number, HolderName: name, NotBefore: e.clock.Now().Add(-time.Hour)})
	if err != nil {
		e.t.Fatal(err)
	}
	mkind := model.CardLegalPerson
	if kind == ca.CardOperator {
		mkind = model.CardOperator
	}
	ctx := context.Background()
	card, _, _, err := e.st.RegisterCard(ctx, store.CardRegistration{CardNumber: number, Kind: mkind,
		HolderName: name, Certificate: der, Serial: cert.SerialNumber.Text(16), NotAfter: cert.NotAfter,
		CreditCode: ent.CreditCode})
	if err != nil {
		e.t.Fatal(err)
	}
	token, hash := auth.NewToken()
	csrf, _ := auth.NewToken()
	now := e.clock.Now()
	if _, err := e.st.CreateCardSession(ctx, store.Session{TokenHash: hash, UserID: card.UserID, CSRFToken: csrf,
		CreatedAt: now, LastSeenAt: now}, number); err != nil {
		e.t.Fatal(err)
	}
	c := e.client()
	u, _ := url.Parse(e.srv.URL)
	c.hc.Jar.SetCookies(u, []*http.Cookie{{Name: auth.CookieName, Value: token, Path: "/"}})
	c.csrf = csrf
	return &holder{client: c, key: key, cert: der, name: name}
}

// sign is the card's signature of a declaration of ref as version with
// the fields as stored.
func (h *holder) sign(ref model.RecordRef, version int, fields map[string]string) *model.CardSignature {
	h.e.t.Helper()
	msg := cardauth.RecordMessage(model.CanonicalRecord(ref.Name(), ref.ID, version, fields))
	sig, err := h.key.SignWithSM2(rand.Reader, nil, msg)
	if err != nil {
		h.e.t.Fatal(err)
	}
	return &model.CardSignature{Signature: sig, Certificate: h.cert}
}

// declareBody is a signed 申报 of a record read as rec.
func declareBody(h *holder, rec model.Record) map[string]any {
	h.e.t.Helper()
	body := map[string]any{"version": rec.Version}
	for k, v := range rec.Fields {
		body[k] = v
	}
	body["card_signature"] = h.sign(rec.Ref(), rec.Version+1, rec.Fields)
	return body
}

// declareRec declares rec as read, signed, and wants status.
func declareRec(h *holder, rec model.Record, want int) (model.Record, answer) {
	h.e.t.Helper()
	var out model.Record
	a := h.do(http.MethodPost, recPath(rec.RecordMeta)+"/declare", declareBody(h, rec))
	if a.status != want {
		h.e.t.Fatalf("declare %s: status %d, want %d: %s", rec.Ref(), a.status, want, a.body)
	}
	if want == http.StatusOK {
		if err := json.Unmarshal(a.body, &out); err != nil {
			h.e.t.Fatal(err)
		}
	}
	return out, a
}

// recPath is the URL of a record.
func recPath(m model.RecordMeta) string {
	base := "/api/filings/"
	if m.Change {
		base = "/api/changes/"
	}
	return base + string(m.Kind) + "/" + strconv.FormatInt(m.ID, 10)
}

// saveRec saves rec's fields as read (暂存) and wants status.
func saveRec(c *client, rec model.Record, want int) (model.Record, answer) {
	c.e.t.Helper()
	var out model.Record
	a := c.do(http.MethodPut, recPath(rec.RecordMeta), saveReq(rec.Version, rec.Fields))
	if a.status != want {
		c.e.t.Fatalf("save %s: status %d, want %d: %s", rec.Ref(), a.status, want, a.body)
	}
	if want == http.StatusOK {
		if err := json.Unmarshal(a.body, &out); err != nil {
			c.e.t.Fatal(err)
		}
	}
	return out, a
}

// createRec creates a filing of kind with fields (201).
func createRec(c *client, kind model.FilingKind, fields model.Fields) model.Record {
	c.e.t.Helper()
	var out model.Record
	c.call(http.MethodPost, "/api/filings/"+string(kind), saveReq(0, fields), http.StatusCreated, &out)
	return out
}

// createChange creates a change of the approved filing with fields (201).
func createChange(c *client, filing model.Record, fields model.Fields) model.Record {
	c.e.t.Helper()
	var out model.Record
	c.call(http.MethodPost, "/api/changes/"+string(filing.Kind), changeReq(filing.ID, fields), http.StatusCreated, &out)
	return out
}

// changeReq is the body of a new change of the filing filingID.
func changeReq(filingID int64, fields model.Fields) model.SaveRequest {
	req := saveReq(0, fields)
	req.FilingID = filingID
	return req
}

// getRec reads a record.
func getRec(c *client, m model.RecordMeta) model.Record {
	c.e.t.Helper()
	var out model.Record
	c.call(http.MethodGet, recPath(m), nil, http.StatusOK, &out)
	return out
}

// history reads a record's audit trail as "action from→to by" lines.
func recHistory(c *client, m model.RecordMeta) []model.AuditEntry {
	c.e.t.Helper()
	var out []model.AuditEntry
	c.call(http.MethodGet, recPath(m)+"/history", nil, http.StatusOK, &out)
	return out
}

func actions(h []model.AuditEntry) []string {
	out := make([]string, len(h))
	for i, e := range h {
		s := string(e.Action)
		if e.Change {
			s = "change:" + s
		}
		out[i] = s
	}
	return out
}

// sampleFields is a filing of the kind as a page would send it (grey
// fields empty: the server fills them).
func sampleFields(kind model.FilingKind, creditCode string) model.Fields {
	switch kind {
	case model.FilingLegalPerson:
		return lpFields(creditCode)
	case model.FilingCommerce:
		return model.Fields{"name_cn": "福州示例贸易有限公司", "address_cn": "福州市鼓楼区五四路1号", "legal_rep_name": "张三",
			"legal_rep_id_number": "11010519491231002X", "phone": "0591-87654321", "operator_type": "4"}
	case model.FilingCustoms:
		return model.Fields{"name_en": "Example", "supervising_customs": "3500", "filing_customs": "3500", "customs_reg_no": "3501960001"}
	}
	return model.Fields{}
}

// reviewer creates a reviewer of the agent point and logs it in.
func (e *fenv) reviewer(agentPoint string) (*client, server.ReviewerCredentials) {
	e.t.Helper()
	name := fmt.Sprintf("rv%s-%d", agentPoint, next())
	cred, err := server.AddReviewer(context.Background(), e.st, e.api.Hasher, agentPoint, name)
	if err != nil {
		e.t.Fatal(err)
	}
	c := e.client()
	var s model.Session
	c.call(http.MethodPost, "/api/review/session", model.ReviewLoginRequest{Username: name, Password: cred.Password,
		TOTP: auth.TOTP(cred.TOTPSecret, e.clock.Now())}, http.StatusOK, &s)
	if s.Role != model.RoleReviewer || s.AgentPoint != agentPoint {
		e.t.Fatalf("reviewer session %+v", s)
	}
	c.csrf = s.CSRFToken
	return c, cred
}

// decide approves or returns a record as a reviewer, wanting status.
func decide(c *client, m model.RecordMeta, approve bool, reason string, want int) model.RecordMeta {
	c.e.t.Helper()
	op := "return"
	if approve {
		op = "approve"
	}
	var out model.RecordMeta
	a := c.do(http.MethodPost, "/api/review/"+m.Ref().Name()+"/"+strconv.FormatInt(m.ID, 10)+"/"+op,
		model.ReviewDecision{Version: m.Version, Reason: reason})
	if a.status != want {
		c.e.t.Fatalf("%s %s: status %d, want %d: %s", op, m.Ref(), a.status, want, a.body)
	}
	if want == http.StatusOK {
		_ = json.Unmarshal(a.body, &out)
	}
	return out
}
