package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"eportid/app/model"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// registerManaged registers a legal-person card and an operator card of
// one enterprise (serials s-L, s-O) and opens a session of the operator
// card.
func registerManaged(t *testing.T, s *store.Store, code string) (store.Card, store.Card, store.Session) {
	t.Helper()
	ctx := context.Background()
	legal, ent, _ := must3(s.RegisterCard(ctx, cardRegistration("L"+code[14:], code)))(t)
	r := cardRegistration("O"+code[14:], ent.CreditCode)
	r.Kind, r.Serial, r.HolderName = model.CardOperator, "s-O"+code[14:], "李四"
	op, _, _ := must3(s.RegisterCard(ctx, r))(t)
	now := time.Now()
	sess := must(s.CreateCardSession(ctx, store.Session{TokenHash: []byte("tok" + code), UserID: op.UserID, CSRFToken: "c",
		CreatedAt: now, LastSeenAt: now}, op.Number))(t)
	return legal, op, sess
}

func TestCardStateTransitions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		legal, op, sess := registerManaged(t, s, "91440300MGMT000001")
		sc := store.CardScope{EnterpriseID: legal.EnterpriseID}
		who := store.Actor{Name: "张三", Role: model.RoleLegalCard, Signature: "c2ln"}
		change := func(v int, a model.CardStateAction) (store.Card, error) {
			return s.ChangeCardState(ctx, sc, store.StateChange{CardNumber: op.Number, Version: v, Action: a, Who: who})
		}

		before := time.Now()
		time.Sleep(10 * time.Millisecond)
		// Unfreeze of an active card: refused, nothing written.
		_, err := change(0, model.StateUnfreeze)
		wantErr(t, err, store.ErrCardState, "unfreeze active")
		// Freeze: frozen, the session ended, the serial held.
		c := must(change(0, model.StateFreeze))(t)
		if c.State != store.CardFrozen {
			t.Fatalf("after freeze %s", c.State)
		}
		if _, err := s.SessionByTokenHash(ctx, sess.TokenHash); err == nil {
			t.Fatal("the frozen card's session survived")
		}
		crl := must(s.CRLEntries(ctx, time.Now().Add(-time.Hour)))(t)
		if len(crl) != 1 || crl[0].Serial != op.Serial || crl[0].Reason != store.ReasonHold {
			t.Fatalf("CRL after freeze %+v", crl)
		}
		// A stale version: conflict.
		_, err = change(0, model.StateUnfreeze)
		wantErr(t, err, store.ErrConflict, "stale version")
		_, err = change(1, model.StateFreeze)
		wantErr(t, err, store.ErrCardState, "freeze frozen")
		// Unfreeze: active; the hold is listed as removeFromCRL for a
		// while, then not at all.
		c = must(change(1, model.StateUnfreeze))(t)
		if c.State != store.CardActive {
			t.Fatalf("after unfreeze %s", c.State)
		}
		crl = must(s.CRLEntries(ctx, time.Now().Add(-time.Hour)))(t)
		if len(crl) != 1 || crl[0].Reason != store.ReasonRemoveFromCRL {
			t.Fatalf("CRL after unfreeze %+v", crl)
		}
		if crl := must(s.CRLEntries(ctx, time.Now().Add(time.Hour)))(t); len(crl) != 0 {
			t.Fatalf("CRL long after unfreeze %+v", crl)
		}
		// Freeze again, then lost (from frozen): final, keyCompromise.
		must(change(2, model.StateFreeze))(t)
		c = must(change(3, model.StateLose))(t)
		if c.State != store.CardLost {
			t.Fatalf("after loss %s", c.State)
		}
		crl = must(s.CRLEntries(ctx, time.Now().Add(time.Hour)))(t)
		if len(crl) != 1 || crl[0].Reason != store.ReasonKeyCompromise {
			t.Fatalf("CRL after loss %+v", crl)
		}
		for _, a := range []model.CardStateAction{model.StateFreeze, model.StateUnfreeze, model.StateLose} {
			_, err = change(4, a)
			wantErr(t, err, store.ErrCardState, "after loss: "+string(a))
		}
		evs := must(s.CardEvents(ctx, op.Number))(t)
		// The state at the time of each event, and before the first.
		if st := must(s.CardStateAt(ctx, op.Number, before))(t); st != store.CardActive {
			t.Fatalf("state before the freeze %s", st)
		}
		for i, want := range []store.CardState{store.CardFrozen, store.CardActive, store.CardFrozen, store.CardLost} {
			if st := must(s.CardStateAt(ctx, op.Number, evs[i].At))(t); st != want {
				t.Fatalf("state at event %d: %s, want %s", i+1, st, want)
			}
		}
		want := []model.CardAction{model.CardActionFrozen, model.CardActionUnfrozen, model.CardActionFrozen, model.CardActionLost}
		if len(evs) != len(want) {
			t.Fatalf("events %+v", evs)
		}
		for i, e := range evs {
			if e.Action != want[i] || e.Seq != i+1 || e.Signature != "c2ln" || e.By != "张三" {
				t.Fatalf("event %d: %+v", i, e)
			}
		}
		// Another enterprise's scope does not find the card.
		_, err = s.ChangeCardState(ctx, store.CardScope{EnterpriseID: legal.EnterpriseID + 1000},
			store.StateChange{CardNumber: legal.Number, Action: model.StateFreeze, Who: who})
		wantErr(t, err, store.ErrNotFound, "other enterprise")
		// Lost directly from active, with the agent point's reason.
		c = must(s.ChangeCardState(ctx, sc, store.StateChange{CardNumber: legal.Number, Action: model.StateLose,
			Reason: "持卡人来电挂失", Who: store.Actor{Name: "reviewer", Role: model.RoleReviewer}}))(t)
		if c.State != store.CardLost {
			t.Fatalf("legal card %s", c.State)
		}
		if evs := must(s.CardEvents(ctx, legal.Number))(t); len(evs) != 1 || evs[0].Detail != "持卡人来电挂失" {
			t.Fatalf("legal card events %+v", evs)
		}
	})
}

func TestCardStateConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		legal, op, _ := registerManaged(t, s, "91440300MGMT000002")
		sc := store.CardScope{EnterpriseID: legal.EnterpriseID}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = s.ChangeCardState(ctx, sc, store.StateChange{CardNumber: op.Number, Version: 0,
					Action: []model.CardStateAction{model.StateFreeze, model.StateLose}[i], Who: store.Actor{Name: "张三"}})
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			if err == nil {
				won++
			} else if !errorsIsConflict(err) {
				t.Fatalf("loser's error %v, want a conflict", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d of two concurrent actions won: %v", won, errs)
		}
		if evs := must(s.CardEvents(ctx, op.Number))(t); len(evs) != 1 {
			t.Fatalf("events %+v", evs)
		}
	})
}

func TestCardUnlockAndExtend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		legal, op, _ := registerManaged(t, s, "91440300MGMT000003")
		sc := store.CardScope{EnterpriseID: legal.EnterpriseID}
		who := store.Actor{Name: "张三", Role: model.RoleLegalCard, Signature: "c2ln"}
		ch := []byte("0123456789abcdef")
		if err := s.RecordUnlock(ctx, sc, op.Number, 0, ch, who); err != nil {
			t.Fatal(err)
		}
		wantErr(t, s.RecordUnlock(ctx, sc, op.Number, 1, ch, who), store.ErrUnlockUsed, "challenge twice")
		// The same challenge of another card is another challenge.
		if err := s.RecordUnlock(ctx, sc, legal.Number, 0, ch, who); err != nil {
			t.Fatal(err)
		}
		end := time.Now().AddDate(2, 0, 0).UTC().Truncate(time.Second)
		c := must(s.ExtendCard(ctx, sc, store.Extension{CardNumber: op.Number, Version: 1, Certificate: []byte{0x30, 0x01},
			Serial: "s-new", NotAfter: end, Who: who}, nil))(t)
		if c.Serial != "s-new" || !c.NotAfter.Equal(end) {
			t.Fatalf("extended %+v", c)
		}
		got := must(s.CardByNumber(ctx, op.Number))(t)
		if got.Serial != "s-new" || string(got.Certificate) != "\x30\x01" || !got.NotAfter.Equal(end) {
			t.Fatalf("stored %+v", got)
		}
		crl := must(s.CRLEntries(ctx, time.Now()))(t)
		if len(crl) != 1 || crl[0].Serial != op.Serial || crl[0].Reason != store.ReasonSuperseded {
			t.Fatalf("CRL after extension %+v", crl)
		}
		evs := must(s.CardEvents(ctx, op.Number))(t)
		if len(evs) != 2 || evs[0].Action != model.CardActionUnlocked || evs[1].Action != model.CardActionExtended {
			t.Fatalf("events %+v", evs)
		}
		// A frozen card is neither unlocked nor extended.
		must(s.ChangeCardState(ctx, sc, store.StateChange{CardNumber: op.Number, Version: 2, Action: model.StateFreeze, Who: who}))(t)
		wantErr(t, s.RecordUnlock(ctx, sc, op.Number, 3, []byte("fedcba9876543210"), who), store.ErrCardState, "unlock frozen")
		_, err := s.ExtendCard(ctx, sc, store.Extension{CardNumber: op.Number, Version: 3, Certificate: []byte{0x30}, Serial: "x",
			NotAfter: end, Who: who}, nil)
		wantErr(t, err, store.ErrCardState, "extend frozen")
	})
}

func TestPublishCRL(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_, err := s.LatestCRL(ctx)
		wantErr(t, err, store.ErrNotFound, "no CRL yet")
		var wg sync.WaitGroup
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.PublishCRL(ctx, func(n int64) (store.CRL, error) {
					now := time.Now()
					return store.CRL{Number: n, ThisUpdate: now, NextUpdate: now.Add(time.Hour), DER: []byte{byte(n)}}, nil
				})
				if err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		c := must(s.LatestCRL(ctx))(t)
		if c.Number != 3 || len(c.DER) != 1 || c.DER[0] != 3 {
			t.Fatalf("latest CRL %+v", c)
		}
	})
}

func errorsIsConflict(err error) bool { return errors.Is(err, store.ErrConflict) }
