// Package storetest gives tests a fresh store on each dialect: a SQLite
// file in a temporary directory, or a PostgreSQL schema of its own
// (CREATE SCHEMA t_<random>, dropped at the end).
//
// PostgreSQL is EPORTID_TEST_POSTGRES, by default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable, a superuser
// that creates the two roles of a deployment where they are missing
// (OwnerRole, AppRole: LOGIN, no password, for trust authentication): each
// schema belongs to OwnerRole, which migrates it, and the store of Open
// connects as AppRole, as the server does. Where the
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

// The PostgreSQL roles of the tests, as README's deployment names them.
const (
	OwnerRole = "eportid_owner"
	AppRole   = "eportid_app"
)

// OpenEmpty is Open without the reference data.
func OpenEmpty(t testing.TB, dialect string) *store.Store {
	t.Helper()
	app, owner := URLs(t, dialect)
	s, err := store.Open(context.Background(), app, store.WithMigrationURL(owner))
	if err != nil {
		t.Fatalf("open %s store: %v", dialect, err)
	}
	if err := s.UseSecretKey(context.Background(), SecretKey(t)); err != nil {
		t.Fatalf("%s store: %v", dialect, err)
	}
	ownerURLs.Store(s, owner)
	t.Cleanup(func() { s.Close(); ownerURLs.Delete(s) })
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

var ownerURLs sync.Map // *store.Store → the URL of its owner role

// OwnerDB is a connection to s's database as the role that owns its
// tables (PostgreSQL; SQLite has no roles: s.DB()), closed when the test
// ends: what a migration, or someone with the owner's password, can do.
func OwnerDB(t testing.TB, s *store.Store) *sqlx.DB {
	t.Helper()
	if s.Dialect() != store.Postgres {
		return s.DB()
	}
	u, ok := ownerURLs.Load(s)
	if !ok {
		t.Fatal("storetest: OwnerDB of a store not opened by storetest")
	}
	return openDB(t, u.(string))
}

// SuperuserDB is a connection to s's database as EPORTID_TEST_POSTGRES's
// superuser (PostgreSQL; SQLite: s.DB()), closed when the test ends.
func SuperuserDB(t testing.TB, s *store.Store) *sqlx.DB {
	t.Helper()
	if s.Dialect() != store.Postgres {
		return s.DB()
	}
	u, ok := ownerURLs.Load(s)
	if !ok {
		t.Fatal("storetest: SuperuserDB of a store not opened by storetest")
	}
	ou, _ := url.Parse(u.(string))
	pu, err := url.Parse(PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	ou.User = pu.User
	return openDB(t, ou.String())
}

func openDB(t testing.TB, u string) *sqlx.DB {
	t.Helper()
	db, err := sqlx.Open("postgres", u)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// URL returns the URL of a fresh, empty database of the dialect for
// store.Open: a SQLite file path in t.TempDir(), or the PostgreSQL URL, as
// OwnerRole, with search_path set to a new schema of that role's, dropped
// when the test ends (after the stores opened later are closed: cleanups
// run last-in first-out).
func URL(t testing.TB, dialect string) string {
	t.Helper()
	_, owner := URLs(t, dialect)
	return owner
}

// URLs returns the URLs of a fresh, empty database as URL does: the
// application role's and the owner role's (the same path for SQLite), for
// store.Open(app, store.WithMigrationURL(owner)).
func URLs(t testing.TB, dialect string) (app, owner string) {
	t.Helper()
	switch dialect {
	case store.SQLite:
		p := filepath.Join(t.TempDir(), "eportid.db")
		return p, p
	case store.Postgres:
	default:
		t.Fatalf("storetest: unknown dialect %q", dialect)
	}
	admin := adminDB(t)
	ensureRoles(t, admin)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema + ` AUTHORIZATION ` + OwnerRole); err != nil {
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
	u.User = url.User(AppRole)
	app = u.String()
	u.User = url.User(OwnerRole)
	return app, u.String()
}

var (
	rolesOnce sync.Once
	rolesErr  error
)

// ensureRoles creates OwnerRole and AppRole where the cluster lacks them
// (test packages run at once: a role made meanwhile by another is fine).
func ensureRoles(t testing.TB, admin *sqlx.DB) {
	t.Helper()
	rolesOnce.Do(func() {
		for _, r := range []string{OwnerRole, AppRole} {
			_, err := admin.Exec(`DO $$ BEGIN
				IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '` + r + `') THEN
					CREATE ROLE ` + r + ` LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
				END IF;
			EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
			END $$`)
			if err != nil {
				rolesErr = err
				return
			}
		}
	})
	if rolesErr != nil {
		t.Fatalf("storetest: create the roles %s and %s (EPORTID_TEST_POSTGRES must be a superuser or have CREATEROLE): %v", OwnerRole, AppRole, rolesErr)
	}
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
