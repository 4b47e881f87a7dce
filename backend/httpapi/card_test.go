package httpapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"eportid/app/model"
	"eportid/backend/ca"
	"eportid/backend/cardauth"
	"eportid/backend/cardtest"
	"eportid/backend/httpapi"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// cardEnv is an env whose API has a CA.
type cardEnv struct {
	*env
	ca *ca.CA
}

func eachCard(t *testing.T, fn func(t *testing.T, e *cardEnv)) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		authority := cardtest.NewCA(t, nil)
		e := newEnv(t, st, func(a *httpapi.API) { a.CA = authority })
		fn(t, &cardEnv{env: e, ca: authority})
	})
}

// card issues a card of the enterprise (of credit code cc) valid from half
// an hour before the test clock.
func (e *cardEnv) card(cc string, kind ca.CardKind, number string, mod ...func(*cardtest.Options)) *cardtest.Card {
	e.t.Helper()
	o := cardtest.Options{CreditCode: cc, Kind: kind, CardNumber: number, HolderName: "王五",
		NotBefore: e.clock.Now().Add(-30 * time.Minute)}
	for _, m := range mod {
		m(&o)
	}
	return cardtest.New(e.t, e.ca, o)
}

// register puts a card into the database, for the enterprise of its
// certificate (created when new).
func (e *cardEnv) register(c *cardtest.Card) store.Card {
	e.t.Helper()
	id := c.Identity
	card, _, _, err := e.st.RegisterCard(context.Background(), store.CardRegistration{
		CardNumber: id.CardNumber, Kind: model.CardKind(id.CardKind), HolderName: id.HolderName,
		Certificate: c.CertDER, Serial: id.SerialHex, NotAfter: id.NotAfter, CreditCode: id.CreditCode,
		NewEnterprise: store.Enterprise{NameCN: "卡注册示例有限公司"},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return card
}

// begin asks for a nonce.
func (c *client) begin() model.CardLoginBegin {
	c.e.t.Helper()
	var b model.CardLoginBegin
	c.call(http.MethodPost, "/api/card-login/begin", nil, http.StatusOK, &b)
	return b
}

// proof is what the page sends after the bridge's sign_login at origin.
func proof(t testing.TB, card *cardtest.Card, b model.CardLoginBegin, origin string) model.CardLoginProof {
	t.Helper()
	raw, err := cardauth.DecodeNonce(b.Nonce)
	if err != nil {
		t.Fatal(err)
	}
	return model.CardLoginProof{Attempt: b.Attempt, Nonce: b.Nonce, Certificate: card.CertDER,
		Signature: card.SignLogin(t, origin, raw)}
}

// cardLogin logs in with the card and keeps the CSRF token.
func (c *client) cardLogin(card *cardtest.Card) model.Session {
	c.e.t.Helper()
	var s model.Session
	c.call(http.MethodPost, "/api/card-login/finish", proof(c.e.t, card, c.begin(), c.e.srv.URL), http.StatusOK, &s)
	c.csrf = s.CSRFToken
	return s
}

// refused wants a problem of status, code and a message containing msg.
func refused(t *testing.T, what string, a answer, status int, code, msg string) {
	t.Helper()
	if a.status != status {
		t.Errorf("%s: status %d, want %d: %s", what, a.status, status, a.body)
		return
	}
	p := a.problem(t)
	if p.Code != code || !strings.Contains(p.Message, msg) {
		t.Errorf("%s: %s %q, want %s containing %q", what, p.Code, p.Message, code, msg)
	}
}

func TestCardLogin(t *testing.T) {
	eachCard(t, func(t *testing.T, e *cardEnv) {
		_, ent := e.enterprise()
		card := e.card(ent.CreditCode, ca.CardLegalPerson, "8000000000000101")
		e.register(card)

		var cfg model.CardConfig
		e.client().call(http.MethodGet, "/api/card/config", nil, http.StatusOK, &cfg)
		if cfg.BridgeURL != httpapi.DefaultCardBridgeURL || cfg.Origin != e.srv.URL || cfg.PresenceEvery <= 0 ||
			cfg.PresenceTimeout <= cfg.PresenceEvery {
			t.Errorf("config %+v", cfg)
		}

		c := e.client()
		s := c.cardLogin(card)
		if s.Role != model.RoleLegalCard || s.EnterpriseID != ent.ID || s.CreditCode != ent.CreditCode ||
			s.CardNumber != "8000000000000101" || s.CardKind != model.CardLegalPerson || s.HolderName != "王五" {
			t.Fatalf("session %+v", s)
		}
		c.call(http.MethodGet, "/api/session", nil, http.StatusOK, &s)
		if s.CardNumber != "8000000000000101" {
			t.Fatalf("GET session %+v", s)
		}
		// The card holder keeps the legal-person filing.
		c.call(http.MethodGet, "/api/legal-person", nil, http.StatusOK, nil)

		// Presence keeps the session past the presence timeout.
		c.call(http.MethodPost, "/api/card-session/presence", model.CardPresence{CardNumber: "8000000000000101"}, http.StatusNoContent, nil)
		e.clock.Add(httpapi.DefaultCardPresenceTimeout - time.Second)
		c.call(http.MethodPost, "/api/card-session/presence", model.CardPresence{CardNumber: "8000000000000101"}, http.StatusNoContent, nil)
		e.clock.Add(httpapi.DefaultCardPresenceTimeout - time.Second)
		c.call(http.MethodGet, "/api/session", nil, http.StatusOK, nil)

		// 【退出】 ends it on the server.
		c.call(http.MethodDelete, "/api/session", nil, http.StatusNoContent, nil)
		refused(t, "after logout", c.do(http.MethodGet, "/api/session", nil), http.StatusUnauthorized, model.ErrUnauthorized, "")

		// An operator card logs in as such, and may not keep the filing.
		op := e.card(ent.CreditCode, ca.CardOperator, "8000000000000102")
		e.register(op)
		oc := e.client()
		if s := oc.cardLogin(op); s.Role != model.RoleOperatorCard || s.CardKind != model.CardOperator {
			t.Fatalf("operator session %+v", s)
		}
		refused(t, "operator and the filing", oc.do(http.MethodGet, "/api/legal-person", nil), http.StatusForbidden, model.ErrForbidden, "")

		// The card's account has no password.
		a := e.client().do(http.MethodPost, "/api/session", model.LoginRequest{Username: "card:8000000000000101", Password: "!card"})
		refused(t, "password login as the card", a, http.StatusUnauthorized, model.ErrBadLogin, "用户名或密码错误")
	})
}

func TestCardLoginRefused(t *testing.T) {
	eachCard(t, func(t *testing.T, e *cardEnv) {
		ctx := context.Background()
		_, ent := e.enterprise()
		cc := ent.CreditCode
		good := e.card(cc, ca.CardLegalPerson, "8000000000000201")
		e.register(good)
		finish := func(p model.CardLoginProof) answer {
			return e.client().do(http.MethodPost, "/api/card-login/finish", p)
		}
		c := e.client()

		// A signature made for another origin (a page elsewhere that got
		// the bridge to sign) does not verify for ours.
		for _, o := range []string{"http://evil.example", strings.Replace(e.srv.URL, "127.0.0.1", "localhost", 1), e.srv.URL + "/"} {
			refused(t, "origin "+o, finish(proof(t, good, c.begin(), o)), http.StatusUnauthorized, model.ErrBadLogin, "签名验证失败")
		}

		// A nonce is good once.
		b := c.begin()
		p := proof(t, good, b, e.srv.URL)
		e.client().call(http.MethodPost, "/api/card-login/finish", p, http.StatusOK, nil)
		refused(t, "reused nonce", finish(p), http.StatusUnauthorized, model.ErrBadLogin, "已失效或已使用")

		// A nonce of another attempt, an unknown one, an expired one.
		p = proof(t, good, c.begin(), e.srv.URL)
		p.Attempt = "another-attempt"
		refused(t, "other attempt", finish(p), http.StatusUnauthorized, model.ErrBadLogin, "已失效或已使用")
		p = proof(t, good, model.CardLoginBegin{Attempt: "x", Nonce: cardauth.NewNonce()}, e.srv.URL)
		refused(t, "unknown nonce", finish(p), http.StatusUnauthorized, model.ErrBadLogin, "已失效或已使用")
		p = proof(t, good, c.begin(), e.srv.URL)
		e.clock.Add(cardauth.NonceTTL + time.Second)
		refused(t, "expired nonce", finish(p), http.StatusUnauthorized, model.ErrBadLogin, "已失效或已使用")

		// Frozen, lost, expired in the database.
		for i, st := range []store.CardState{store.CardFrozen, store.CardLost, store.CardExpired} {
			k := e.card(cc, ca.CardOperator, fmt.Sprintf("80000000000003%02d", i))
			e.register(k)
			if err := e.st.SetCardState(ctx, k.Identity.CardNumber, st); err != nil {
				t.Fatal(err)
			}
			want := map[store.CardState]string{store.CardFrozen: "已冻结", store.CardLost: "已挂失", store.CardExpired: "证书已过期"}[st]
			refused(t, string(st), finish(proof(t, k, c.begin(), e.srv.URL)), http.StatusForbidden, model.ErrForbidden, want)
		}

		// A certificate past its end, though active in the database.
		old := e.card(cc, ca.CardLegalPerson, "8000000000000401", func(o *cardtest.Options) {
			o.NotAfter = e.clock.Now().Add(time.Hour)
		})
		e.register(old)
		e.clock.Add(2 * time.Hour)
		refused(t, "certificate expired", finish(proof(t, old, c.begin(), e.srv.URL)), http.StatusForbidden, model.ErrForbidden, "证书已过期")

		// A card of another CA, a card not registered.
		other := cardtest.New(t, cardtest.NewCA(t, nil), cardtest.Options{CreditCode: cc, CardNumber: "8000000000000501",
			NotBefore: e.clock.Now().Add(-10 * time.Minute)})
		refused(t, "foreign CA", finish(proof(t, other, c.begin(), e.srv.URL)), http.StatusForbidden, model.ErrForbidden, "不是本系统签发")
		unknown := e.card(cc, ca.CardLegalPerson, "8000000000000601")
		refused(t, "not registered", finish(proof(t, unknown, c.begin(), e.srv.URL)), http.StatusForbidden, model.ErrForbidden, "尚未在本系统注册")

		// The right card still logs in.
		e.client().cardLogin(good)
	})
}

func TestCardSessionEnds(t *testing.T) {
	eachCard(t, func(t *testing.T, e *cardEnv) {
		ctx := context.Background()
		_, ent := e.enterprise()
		card := e.card(ent.CreditCode, ca.CardLegalPerson, "8000000000000701")
		e.register(card)

		// No presence for the timeout: the session ends.
		c := e.client()
		c.cardLogin(card)
		e.clock.Add(httpapi.DefaultCardPresenceTimeout + time.Second)
		refused(t, "no presence", c.do(http.MethodGet, "/api/legal-person", nil), http.StatusUnauthorized, model.ErrCardEnded, "未检测到 IC 卡")
		refused(t, "then", c.do(http.MethodGet, "/api/session", nil), http.StatusUnauthorized, model.ErrUnauthorized, "")

		// Another card in the reader ends it.
		c = e.client()
		c.cardLogin(card)
		refused(t, "other card", c.do(http.MethodPost, "/api/card-session/presence", model.CardPresence{CardNumber: "9"}),
			http.StatusUnauthorized, model.ErrCardEnded, "不是登录所用的卡")
		refused(t, "then", c.do(http.MethodGet, "/api/session", nil), http.StatusUnauthorized, model.ErrUnauthorized, "")

		// Freezing the card ends its sessions.
		c = e.client()
		c.cardLogin(card)
		if err := e.st.SetCardState(ctx, card.Identity.CardNumber, store.CardFrozen); err != nil {
			t.Fatal(err)
		}
		refused(t, "frozen", c.do(http.MethodGet, "/api/session", nil), http.StatusUnauthorized, model.ErrUnauthorized, "")

		// A password session has nothing to report.
		admin, _ := e.enterprise()
		refused(t, "presence of a password session", admin.do(http.MethodPost, "/api/card-session/presence", model.CardPresence{CardNumber: "1"}),
			http.StatusForbidden, model.ErrForbidden, "")
	})
}

func TestCardRegistration(t *testing.T) {
	eachCard(t, func(t *testing.T, e *cardEnv) {
		ctx := context.Background()
		cc := creditCode(next())
		card := e.card(cc, ca.CardLegalPerson, "8100000000000001", func(o *cardtest.Options) {
			o.EnterpriseName = "厦门卡注册贸易有限公司"
		})
		c := e.client()
		reg := func(k *cardtest.Card, name string) answer {
			return c.do(http.MethodPost, "/api/card-registrations",
				model.CardRegistrationRequest{CardLoginProof: proof(t, k, c.begin(), e.srv.URL), NameCN: name})
		}
		var acc model.Accepted
		a := reg(card, "")
		if a.status != http.StatusCreated {
			t.Fatalf("registration: %d %s", a.status, a.body)
		}
		_ = jsonInto(a, &acc)
		if !strings.Contains(acc.Message, "有卡注册成功") {
			t.Errorf("message %q", acc.Message)
		}
		ent, err := e.st.EnterpriseByCreditCode(ctx, cc)
		if err != nil || ent.NameCN != "厦门卡注册贸易有限公司" || ent.LegalRepName != "王五" {
			t.Fatalf("enterprise %+v %v", ent, err)
		}
		refused(t, "twice", reg(card, ""), http.StatusConflict, model.ErrConflict, "已注册")

		// The registered card logs in to that enterprise.
		s := e.client().cardLogin(card)
		if s.EnterpriseID != ent.ID || s.Role != model.RoleLegalCard {
			t.Fatalf("session %+v", s)
		}

		// An operator card cannot register; a new enterprise needs a name
		// when the certificate has none; a proof for another origin fails.
		op := e.card(creditCode(next()), ca.CardOperator, "8100000000000002")
		refused(t, "operator card", reg(op, "某公司"), http.StatusForbidden, model.ErrForbidden, "法人卡")
		anon := e.card(creditCode(next()), ca.CardLegalPerson, "8100000000000003")
		refused(t, "no name", reg(anon, ""), http.StatusUnprocessableEntity, model.ErrInvalid, "")
		a = c.do(http.MethodPost, "/api/card-registrations", model.CardRegistrationRequest{
			CardLoginProof: proof(t, anon, c.begin(), "http://evil.example"), NameCN: "某公司"})
		refused(t, "foreign origin", a, http.StatusUnauthorized, model.ErrBadLogin, "签名验证失败")
		if a := reg(anon, "漳州卡注册有限公司"); a.status != http.StatusCreated {
			t.Fatalf("with a name: %d %s", a.status, a.body)
		}
		// A second legal-person card of an enterprise that exists binds to it.
		second := e.card(cc, ca.CardLegalPerson, "8100000000000004")
		if a := reg(second, ""); a.status != http.StatusCreated {
			t.Fatalf("second card: %d %s", a.status, a.body)
		}
		if k, err := e.st.CardByNumber(ctx, "8100000000000004"); err != nil || k.EnterpriseID != ent.ID {
			t.Fatalf("second card %+v %v", k, err)
		}
	})
}

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

		var rec model.LegalPersonRecord
		c.call(http.MethodPost, "/api/legal-person", filing(ent.CreditCode), http.StatusCreated, &rec)
		if rec.CreatedBy != "王五" {
			t.Errorf("created_by %q, want the holder", rec.CreatedBy)
		}
		lp := filing(ent.CreditCode)
		lp.Normalize()
		fields := model.Values(&lp)
		path := fmt.Sprintf("/api/legal-person/%d", rec.ID)
		declare := func(sig *model.CardSignature) answer {
			return c.do(http.MethodPost, path+"/declare", model.SaveLegalPerson{Version: rec.Version, LegalPerson: filing(ent.CreditCode), CardSignature: sig})
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
		var out model.LegalPersonRecord
		c.call(http.MethodPost, path+"/declare", model.SaveLegalPerson{Version: rec.Version, LegalPerson: filing(ent.CreditCode), CardSignature: good}, http.StatusOK, &out)
		sig := out.Signature
		if out.State != model.StateDeclared || sig == nil || !sig.Verified || sig.CardNumber != "8200000000000001" ||
			sig.HolderName != "王五" || sig.Version != out.Version || sig.CardKind != model.CardLegalPerson {
			t.Fatalf("declared %+v signature %+v", out, sig)
		}
		got := mustGet(t, c, path)
		if got.Signature == nil || !got.Signature.Verified || !got.Signature.SignedAt.Equal(*got.DeclaredAt) {
			t.Fatalf("GET: signature %+v", got.Signature)
		}
		var list []model.LegalPersonRecord
		c.call(http.MethodGet, "/api/legal-person", nil, http.StatusOK, &list)
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
		if err := cardauth.VerifyRecordSignature(rs.Certificate, model.CanonicalRecord("legal_person", rec.ID, rs.Version, model.Values(&got.LegalPerson)), rs.Signature); err != nil {
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
		var rec model.LegalPersonRecord
		c.call(http.MethodPost, "/api/legal-person", filing(ent.CreditCode), http.StatusCreated, &rec)
		c.call(http.MethodPost, fmt.Sprintf("/api/legal-person/%d/declare", rec.ID),
			model.SaveLegalPerson{Version: rec.Version, LegalPerson: filing(ent.CreditCode)}, http.StatusOK, &rec)
		if rec.State != model.StateDeclared || rec.Signature != nil {
			t.Fatalf("%+v", rec)
		}
	})
}

func TestCardEndpointsWithoutCA(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.client().do(http.MethodPost, "/api/card-login/begin", nil)
		refused(t, "no CA", a, http.StatusInternalServerError, model.ErrInternal, "CA")
	})
}

func TestCSPAllowsTheBridge(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.client().do(http.MethodGet, "/api/card/config", nil)
		csp := a.header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "connect-src 'self' ws://127.0.0.1:34567;") {
			t.Fatalf("CSP %q", csp)
		}
	})
	for _, bad := range []string{"http://127.0.0.1:1", "ws://x; script-src *", "ws://"} {
		if _, err := httpapi.ContentSecurityPolicyFor(bad); err == nil {
			t.Errorf("bridge URL %q accepted", bad)
		}
	}
}

func mustGet(t *testing.T, c *client, path string) model.LegalPersonRecord {
	t.Helper()
	var r model.LegalPersonRecord
	c.call(http.MethodGet, path, nil, http.StatusOK, &r)
	return r
}

func jsonInto(a answer, v any) error {
	if len(a.body) == 0 {
		return errors.New("empty body")
	}
	return json.Unmarshal(a.body, v)
}
