package httpapi_test

import (
	"context"
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
)

// Tests of card login: the card settings, the login and its refusals, the
// card endpoints without a CA, the bridge in the CSP.

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
		c.call(http.MethodGet, lpPath(0), nil, http.StatusOK, nil)

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
		refused(t, "operator and the filing", oc.do(http.MethodGet, lpPath(0), nil), http.StatusForbidden, model.ErrForbidden, "")

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
