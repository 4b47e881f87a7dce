package store_test

import (
	"context"
	"testing"
	"time"

	"eportid/app/model"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

func cardRegistration(number, creditCode string) store.CardRegistration {
	return store.CardRegistration{
		CardNumber: number, Kind: model.CardLegalPerson, HolderName: "张三", Certificate: []byte{0x30, 0x00},
		Serial: "abc-" + number, NotAfter: time.Now().Add(time.Hour), CreditCode: creditCode,
		NewEnterprise: store.Enterprise{NameCN: "持卡企业"},
	}
}

func TestCards(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		// A new enterprise, then a second card of it.
		card, ent, created := func() (store.Card, store.Enterprise, bool) {
			c, e, n, err := s.RegisterCard(ctx, cardRegistration("C1", "91440300CARD000001"))
			if err != nil {
				t.Fatal(err)
			}
			return c, e, n
		}()
		if !created || ent.NameCN != "持卡企业" || card.State != store.CardActive || card.EnterpriseID != ent.ID {
			t.Fatalf("card %+v enterprise %+v created %v", card, ent, created)
		}
		u := must(s.UserByID(ctx, card.UserID))(t)
		if u.Role != model.RoleLegalCard || u.Username != "card:c1" || u.EnterpriseID != ent.ID {
			t.Fatalf("card account %+v", u)
		}
		r := cardRegistration("C2", ent.CreditCode)
		r.Kind = model.CardOperator
		c2, ent2, created, err := s.RegisterCard(ctx, r)
		if err != nil || created || ent2.ID != ent.ID {
			t.Fatalf("second card: %+v %v %v", ent2, created, err)
		}
		if u := must(s.UserByID(ctx, c2.UserID))(t); u.Role != model.RoleOperatorCard {
			t.Fatalf("operator account %+v", u)
		}
		_, _, _, err = s.RegisterCard(ctx, cardRegistration("C1", ent.CreditCode))
		wantErr(t, err, store.ErrCardRegistered, "card twice")
		noName := cardRegistration("C3", "91440300CARD000003")
		noName.NewEnterprise.NameCN = ""
		if _, _, _, err := s.RegisterCard(ctx, noName); err == nil {
			t.Fatal("new enterprise without a name accepted")
		}
		if _, err := s.CardByNumber(ctx, "C3"); err == nil {
			t.Fatal("card of a refused registration stored")
		}
		got := must(s.CardByNumber(ctx, "C1"))(t)
		if string(got.Certificate) != "\x30\x00" || got.Serial != "abc-C1" || got.Kind != model.CardLegalPerson {
			t.Fatalf("CardByNumber %+v", got)
		}
		if by := must(s.CardByUserID(ctx, card.UserID))(t); by.Number != "C1" {
			t.Fatalf("CardByUserID %+v", by)
		}
		if l := must(s.EnterpriseCards(ctx, ent.ID))(t); len(l) != 2 || l[0].Number != "C1" || l[1].Number != "C2" {
			t.Fatalf("EnterpriseCards %+v", l)
		}

		// A card session, its presence, and freezing the card ending it.
		sess := must(s.CreateCardSession(ctx, store.Session{TokenHash: []byte("h1"), UserID: card.UserID, CSRFToken: "x"}, "C1"))(t)
		cs := must(s.CardSessionOf(ctx, sess.ID))(t)
		if cs.CardNumber != "C1" || !cs.LastPresenceAt.Equal(sess.CreatedAt) {
			t.Fatalf("card session %+v", cs)
		}
		later := time.Now().Add(time.Minute)
		if err := s.TouchCardPresence(ctx, sess.ID, later); err != nil {
			t.Fatal(err)
		}
		sameTime(t, must(s.CardSessionOf(ctx, sess.ID))(t).LastPresenceAt, later.UTC(), "presence")
		if err := s.SetCardState(ctx, "C1", store.CardFrozen); err != nil {
			t.Fatal(err)
		}
		_, err = s.SessionByTokenHash(ctx, []byte("h1"))
		wantErr(t, err, store.ErrNotFound, "session of a frozen card")
		_, err = s.CardSessionOf(ctx, sess.ID)
		wantErr(t, err, store.ErrNotFound, "binding of an ended session")
		wantErr(t, s.TouchCardPresence(ctx, sess.ID, later), store.ErrNotFound, "presence of an ended session")
		wantErr(t, s.SetCardState(ctx, "nope", store.CardLost), store.ErrNotFound, "state of no card")
		_, err = s.CreateCardSession(ctx, store.Session{TokenHash: []byte("h2"), UserID: card.UserID, CSRFToken: "x"}, "nope")
		wantErr(t, err, store.ErrNotFound, "session of no card")
		if _, err := s.SessionByTokenHash(ctx, []byte("h2")); err == nil {
			t.Fatal("session kept though its card binding failed")
		}

		// Expiry, and a new certificate bringing the card back.
		if err := s.SetCardState(ctx, "C1", store.CardActive); err != nil {
			t.Fatal(err)
		}
		n := must(s.ExpireCards(ctx, time.Now().Add(2*time.Hour)))(t)
		if n != 2 || must(s.CardByNumber(ctx, "C1"))(t).State != store.CardExpired {
			t.Fatalf("ExpireCards: %d", n)
		}
		if err := s.UpdateCardCertificate(ctx, "C1", []byte{0x30, 0x01}, "def", time.Now().Add(24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if c := must(s.CardByNumber(ctx, "C1"))(t); c.State != store.CardActive || c.Serial != "def" {
			t.Fatalf("after a new certificate %+v", c)
		}
	})
}
