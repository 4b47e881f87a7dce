// Package storetest gives tests a fresh store on each dialect: a SQLite
// file in a temporary directory, or a PostgreSQL schema of its own
// (CREATE SCHEMA t_<random>, dropped at the end).
//
// PostgreSQL is EPORTID_TEST_POSTGRES, by default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable. Where the
// environment variable CI is set, PostgreSQL being unreachable fails the
// test; elsewhere the PostgreSQL half is skipped with a message.
//
//	func TestX(t *testing.T) {
//		storetest.Each(t, func(t *testing.T, s *store.Store) { … })
//	}
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"

	"eportid/backend/store"
)

// DefaultPostgres is the PostgreSQL of the tests unless
// EPORTID_TEST_POSTGRES says otherwise.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Dialects are the dialects Each runs on.
var Dialects = []string{store.SQLite, store.Postgres}

// PostgresURL is the base URL of the test PostgreSQL.
func PostgresURL() string {
	if u := os.Getenv("EPORTID_TEST_POSTGRES"); u != "" {
		return u
	}
	return DefaultPostgres
}

// Each runs fn as a subtest per dialect, each with a fresh store (Open).
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(d, func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// Open returns a fresh, migrated store of the dialect with the reference
// data loaded, closed when the test ends.
func Open(t testing.TB, dialect string) *store.Store {
	t.Helper()
	s := OpenEmpty(t, dialect)
	if err := s.LoadRefData(context.Background()); err != nil {
		t.Fatalf("load refdata: %v", err)
	}
	return s
}

// OpenEmpty is Open without the reference data.
func OpenEmpty(t testing.TB, dialect string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), URL(t, dialect))
	if err != nil {
		t.Fatalf("open %s store: %v", dialect, err)
	}
	if err := s.UseSecretKey(context.Background(), SecretKey(t)); err != nil {
		t.Fatalf("%s store: %v", dialect, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// SecretKey is a new random secret key for Store.UseSecretKey.
func SecretKey(t testing.TB) []byte {
	t.Helper()
	k := make([]byte, store.SecretKeyLen)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

// URL returns the URL of a fresh, empty database of the dialect for
// store.Open: a SQLite file path in t.TempDir(), or the PostgreSQL URL with
// search_path set to a new schema, dropped when the test ends (after the
// stores opened later are closed: cleanups run last-in first-out).
func URL(t testing.TB, dialect string) string {
	t.Helper()
	switch dialect {
	case store.SQLite:
		return filepath.Join(t.TempDir(), "eportid.db")
	case store.Postgres:
	default:
		t.Fatalf("storetest: unknown dialect %q", dialect)
	}
	admin := adminDB(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("storetest: create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("storetest: drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(PostgresURL())
	if err != nil {
		t.Fatalf("storetest: EPORTID_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

var (
	adminOnce sync.Once
	admin     *sqlx.DB
	adminErr  error
)

// adminDB is the shared connection that creates and drops the schemas; it
// skips or fails the test when PostgreSQL does not answer.
func adminDB(t testing.TB) *sqlx.DB {
	t.Helper()
	adminOnce.Do(func() {
		u, err := url.Parse(PostgresURL())
		if err != nil {
			adminErr = err
			return
		}
		q := u.Query()
		if q.Get("connect_timeout") == "" {
			q.Set("connect_timeout", "5")
		}
		u.RawQuery = q.Encode()
		db, err := sqlx.Open("postgres", u.String())
		if err != nil {
			adminErr = err
			return
		}
		db.SetMaxOpenConns(2)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			adminErr = err
			return
		}
		admin = db
	})
	if adminErr != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("storetest: PostgreSQL at %s is unreachable and CI is set: %v", PostgresURL(), adminErr)
		}
		t.Skipf("storetest: PostgreSQL at %s is unreachable, skipping (set CI to make this a failure): %v", PostgresURL(), adminErr)
	}
	return admin
}
