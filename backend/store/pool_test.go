package store_test

import (
	"context"
	"sync"
	"testing"

	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// TestPoolKeepsItsConnections: after a burst of concurrent requests the
// PostgreSQL pool keeps the connections it opened for the next burst
// (go_sql_max_idle_closed_total stays 0): a pool that closed them as load
// dipped would open new backends, each a fork with cold caches and every
// statement prepared again, over and over under a steady load.
func TestPoolKeepsItsConnections(t *testing.T) {
	s := storetest.Open(t, store.Postgres)
	ctx := context.Background()
	for range 3 {
		var wg sync.WaitGroup
		for range 12 {
			wg.Go(func() {
				if _, err := s.DB().ExecContext(ctx, `SELECT pg_sleep(0.05)`); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	st := s.DB().Stats()
	if st.MaxIdleClosed != 0 || st.OpenConnections < 12 {
		t.Errorf("pool after three bursts of 12: %+v", st)
	}
}
