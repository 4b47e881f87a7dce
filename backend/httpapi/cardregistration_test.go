package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"eportid/app/model"
	"eportid/backend/ca"
	"eportid/backend/cardtest"
)

// Tests of card registration (有卡注册).

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

func jsonInto(a answer, v any) error {
	if len(a.body) == 0 {
		return errors.New("empty body")
	}
	return json.Unmarshal(a.body, v)
}
