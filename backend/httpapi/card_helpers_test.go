package httpapi_test

import (
	"context"
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

// Helpers of the card tests: an API with a CA, soft cards issued by it,
// card logins and refused answers.

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
