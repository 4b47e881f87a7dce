package store_test

import (
	"context"
	"errors"
	"net/url"
	"testing"

	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// Unavailable tells a database that cannot be used from a request it
// refused: a missing row or a broken rule is not an outage; a closed
// store, a refused connection and a database that does not exist are.
func TestUnavailable(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		_, err := s.UserByUsername(ctx, "nobody")
		if !errors.Is(err, store.ErrNotFound) || store.Unavailable(err) {
			t.Errorf("not found: %v, unavailable %v", err, store.Unavailable(err))
		}
		s.Close()
		_, err = s.UserByUsername(ctx, "nobody")
		if !store.Unavailable(err) {
			t.Errorf("closed store: %v", err)
		}
		if s.Dialect() != store.Postgres {
			return
		}
		// A server that refuses the connection, and a database that is not.
		u, _ := url.Parse(storetest.PostgresURL())
		refused, missing := *u, *u
		refused.Host = "127.0.0.1:1"
		missing.Path = "/eportid_no_such_database"
		for _, dsn := range []string{refused.String(), missing.String()} {
			if _, err := store.Open(ctx, dsn); !store.Unavailable(err) {
				t.Errorf("%s: %v is not an outage", dsn, err)
			}
		}
	})
	if store.Unavailable(nil) || store.Unavailable(errors.New("store: something")) {
		t.Errorf("nil or a plain error taken for an outage")
	}
}
