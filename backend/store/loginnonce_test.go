package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

func TestLoginNonces(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		n := s.LoginNonces()
		now := time.Now()
		if err := n.Put(ctx, "nonce-1", "attempt-1", now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		wantErr(t, n.Put(ctx, "nonce-1", "attempt-2", now.Add(time.Minute)), store.ErrDuplicate, "nonce twice")
		var stored []byte
		if err := s.DB().Get(&stored, `SELECT nonce_hash FROM card_login_nonces`); err != nil || len(stored) != 32 {
			t.Fatalf("stored %x %v", stored, err)
		}
		// Of many concurrent takes, one wins.
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a, ok, err := n.Take(ctx, "nonce-1", now)
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					wins++
					mu.Unlock()
					if a != "attempt-1" {
						t.Errorf("attempt %q", a)
					}
				}
			}()
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("%d takes won", wins)
		}
		// Expired: refused (and gone).
		if err := n.Put(ctx, "nonce-2", "a", now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := n.Take(ctx, "nonce-2", now.Add(time.Minute)); ok {
			t.Fatal("expired nonce taken")
		}
		if _, ok, _ := n.Take(ctx, "unknown", now); ok {
			t.Fatal("unknown nonce taken")
		}
		if err := n.Put(ctx, "nonce-3", "a", now.Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		if d := must(s.DeleteLoginNoncesBefore(ctx, now))(t); d != 1 {
			t.Fatalf("janitor deleted %d", d)
		}
	})
}
