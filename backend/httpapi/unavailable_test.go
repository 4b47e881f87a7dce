package httpapi_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/http"
	"net/url"
	"testing"

	_ "github.com/lib/pq"

	"eportid/app/apiclient"
	"eportid/app/model"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// A database that cannot be reached answers 503 "unavailable" with
// Retry-After, not 500 "internal": a SQLite store closed under the
// server, and a PostgreSQL database dropped under it.
func TestDatabaseUnavailable(t *testing.T) {
	outage := map[string]func(t *testing.T) (*store.Store, func()){
		store.SQLite: func(t *testing.T) (*store.Store, func()) {
			st := storetest.Open(t, store.SQLite)
			return st, func() { st.Close() }
		},
		store.Postgres: func(t *testing.T) (*store.Store, func()) {
			admin, err := sql.Open("postgres", storetest.PostgresURL())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { admin.Close() })
			if err := admin.Ping(); err != nil {
				storetest.Open(t, store.Postgres) // skips, or fails under CI, as the other tests
				t.Fatal(err)
			}
			var b [6]byte
			_, _ = rand.Read(b[:])
			name := "eportid_down_" + hex.EncodeToString(b[:])
			if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
				t.Fatal(err)
			}
			drop := func() {
				if _, err := admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`); err != nil {
					t.Errorf("drop %s: %v", name, err)
				}
			}
			t.Cleanup(drop)
			u, _ := url.Parse(storetest.PostgresURL())
			u.Path = "/" + name
			st, err := store.Open(context.Background(), u.String())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			if err := st.LoadRefData(context.Background()); err != nil {
				t.Fatal(err)
			}
			return st, drop
		},
	}
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			st, down := outage[d](t)
			e := newEnv(t, st, nil)
			admin, ent := e.enterprise()
			lp := createRec(admin, model.FilingLegalPerson, lpFields(ent.CreditCode))
			down()

			for _, a := range []answer{
				e.client().do(http.MethodPost, "/api/session", model.LoginRequest{Username: "someone", Password: password}),
				admin.do(http.MethodPut, recPath(lp.RecordMeta), saveReq(lp.Version, with(lp.Fields, "address", "福州市台江区"))),
			} {
				p := wantProblem(t, a, http.StatusServiceUnavailable, model.ErrUnavailable, "暂时不可用")
				if a.header.Get("Retry-After") == "" || p.RetryAfter <= 0 {
					t.Errorf("no Retry-After: %v %+v", a.header, p)
				}
			}
			// The page's client sees it as such, with the wait.
			_, err := apiclient.New(e.srv.URL).Login(context.Background(), model.LoginRequest{Username: "someone", Password: password})
			if e, ok := apiclient.AsError(err); !apiclient.IsUnavailable(err) || !ok || e.Problem.RetryAfter <= 0 || e.Status != 503 {
				t.Errorf("client: %#v", err)
			}
		})
	}
}
