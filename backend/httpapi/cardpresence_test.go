package httpapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"eportid/app/model"
	"eportid/backend/ca"
	"eportid/backend/httpapi"
	"eportid/backend/store"
)

// Tests of card presence: what ends a card session.

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
		refused(t, "no presence", c.do(http.MethodGet, lpPath(0), nil), http.StatusUnauthorized, model.ErrCardEnded, "未检测到 IC 卡")
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
