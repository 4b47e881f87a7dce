// Package store is the data layer of eportid: one Store with a file per
// entity, and all SQL of the application here (the HTTP layer holds none).
//
// One SQL text serves both dialects: queries are written with "?" and
// rebound to "$n" for PostgreSQL. Times are written in UTC, truncated to
// microseconds (PostgreSQL's precision) and read back in UTC, so a
// time.Time round-trips the same on both.
//
// Errors the HTTP layer maps are the Err* variables below; test them with
// errors.Is.
package store

import (
	"context"
	"crypto/cipher"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	migrations "eportid/sql"
)

// Errors of the store. Wrapped errors carry detail; compare with errors.Is.
var (
	// ErrNotFound: no such row, or it belongs to another enterprise.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: the record was changed since the caller read it (stale
	// version).
	ErrConflict = errors.New("store: record changed by someone else")
	// ErrState: the record's state does not allow the operation (X1).
	ErrState = errors.New("store: state does not allow it")
	// ErrCreditCodeTaken: an enterprise with this credit code exists.
	ErrCreditCodeTaken = errors.New("store: credit code already registered")
	// ErrUsernameTaken: a user with this name (in any case) exists.
	ErrUsernameTaken = errors.New("store: username taken")
	// ErrDuplicate: a unique row exists already (one filing per enterprise,
	// a token hash used twice).
	ErrDuplicate = errors.New("store: duplicate")

	// ErrSchemaTooOld: the database lacks migrations of this binary and
	// migrations are disabled.
	ErrSchemaTooOld = errors.New("store: database schema is older than this binary")
	// ErrSchemaTooNew: the database has migrations this binary does not
	// know: it was migrated by a newer release.
	ErrSchemaTooNew = errors.New("store: database schema is newer than this binary")
)

// The dialects.
const (
	Postgres = migrations.Postgres
	SQLite   = migrations.SQLite
)

func init() {
	// sqlx knows "sqlite3" (mattn) but not modernc's "sqlite".
	sqlx.BindDriver("sqlite", sqlx.QUESTION)
}

// Store is the database of eportid.
type Store struct {
	db      *sqlx.DB
	dialect string
	now     func() time.Time
	// sealer seals the secrets at rest (UseSecretKey); nil until set.
	sealer cipher.AEAD
}

// Option changes how Open works.
type Option func(*options)

type options struct {
	migrate    bool
	migrateURL string
}

// WithMigrationURL makes Open apply the migrations through migrateURL, a
// connection as the role that owns the schema (PostgreSQL), and then grant
// the role of databaseURL what the application does and nothing more
// (grantApp): the server then runs as a role that can neither change the
// schema nor turn its triggers off. "" is databaseURL itself.
func WithMigrationURL(migrateURL string) Option {
	return func(o *options) { o.migrateURL = migrateURL }
}

// WithoutMigrations makes Open apply no migration: it refuses a database
// whose schema lacks one of the binary's migrations (ErrSchemaTooOld).
func WithoutMigrations() Option { return func(o *options) { o.migrate = false } }

// Open connects to databaseURL: "postgres://…" or "postgresql://…" is
// PostgreSQL (a search_path parameter in the URL selects the schema);
// anything else is the path of a SQLite file, created with its parent
// directory if missing ("file:" prefix and query parameters allowed).
//
// Open applies the pending migrations, each in one transaction, unless
// WithoutMigrations is given; either way it refuses a database migrated by a
// newer binary (ErrSchemaTooNew) and, without migrations, one that lacks a
// migration (ErrSchemaTooOld).
// poolSize is the most connections to PostgreSQL one Store opens.
const poolSize = 20

func Open(ctx context.Context, databaseURL string, opts ...Option) (*Store, error) {
	o := options{migrate: true}
	for _, f := range opts {
		f(&o)
	}
	var (
		db  *sqlx.DB
		err error
		s   = &Store{now: time.Now}
	)
	if IsPostgresURL(databaseURL) {
		s.dialect = Postgres
		db, err = sqlx.Open("postgres", databaseURL)
		if err == nil {
			// Idle connections are kept up to the pool's size and closed
			// only after a while unused: a pool that keeps fewer idle
			// connections than it opens closes one whenever load dips
			// below its peak and opens another a moment later, and a new
			// connection is a new PostgreSQL backend (a fork, cold
			// caches, every statement prepared again).
			db.SetMaxOpenConns(poolSize)
			db.SetMaxIdleConns(poolSize)
			db.SetConnMaxIdleTime(5 * time.Minute)
		}
	} else {
		s.dialect = SQLite
		var dsn string
		dsn, err = sqliteDSN(databaseURL)
		if err == nil {
			db, err = sqlx.Open("sqlite", dsn)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	s.db = db
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect to %s database: %w", s.dialect, err)
	}
	if o.migrateURL != "" && o.migrateURL != databaseURL {
		if err := s.migrateAsOwner(ctx, o.migrateURL, o.migrate); err != nil {
			db.Close()
			return nil, err
		}
	}
	if err := s.migrate(ctx, o.migrate && (o.migrateURL == "" || o.migrateURL == databaseURL)); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// IsPostgresURL reports whether Open takes databaseURL for PostgreSQL.
func IsPostgresURL(databaseURL string) bool {
	return strings.HasPrefix(databaseURL, "postgres://") || strings.HasPrefix(databaseURL, "postgresql://")
}

// sqliteDSN turns a path into modernc's DSN with the settings the store
// relies on: WAL, a busy timeout, foreign keys, times written as SQLite
// text, and write transactions that take the lock at BEGIN (so two writers
// wait for each other instead of failing to upgrade a read lock).
func sqliteDSN(path string) (string, error) {
	path = strings.TrimPrefix(path, "file:")
	p, rawQuery, _ := strings.Cut(path, "?")
	if p == "" || p == ":memory:" {
		return "", errors.New("sqlite: a file path is required (an in-memory database is not shared between connections)")
	}
	if dir := filepath.Dir(p); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return "", fmt.Errorf("sqlite: create directory: %w", err)
		}
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "", fmt.Errorf("sqlite: %w", err)
	}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_time_format", "sqlite")
	q.Set("_txlock", "immediate")
	return "file:" + p + "?" + q.Encode(), nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Dialect is Postgres or SQLite.
func (s *Store) Dialect() string { return s.dialect }

// DB is the connection pool, for tests and tools only: the application's
// SQL belongs in this package.
func (s *Store) DB() *sqlx.DB { return s.db }

// Ping checks that the database answers (for a health check).
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// ts is a time as the store writes it: UTC, microseconds.
func ts(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// tsPtr is ts of an optional time.
func tsPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := ts(*t)
	return &u
}

// utcPtr puts a time read back into UTC.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// nowUTC is the store's clock, as written.
func (s *Store) nowUTC() time.Time { return ts(s.now()) }

// q rebinds a query written with "?" to the dialect.
func (s *Store) q(query string) string {
	if s.dialect != Postgres {
		return query // SQLite takes ? as it is
	}
	if r, ok := rebound.Load(query); ok {
		return r.(string)
	}
	r := s.db.Rebind(query)
	if reboundN.Add(1) <= reboundMax {
		rebound.Store(query, r)
	}
	return r
}

// rebound remembers q's answers: the texts of the hot paths are the same
// on every request, and rebinding a text of a few KB on each allocated as
// much again. Bounded, for texts built with a varying number of
// placeholders (they are rebound each time once it is full).
var (
	rebound  sync.Map // query → rebound query
	reboundN atomic.Int64
)

const reboundMax = 4096

// memo is the text build makes for key (a comparable value naming what
// the text depends on: a spec, a variant), built once per process. For the
// statements a store builds from a kind's columns on every request.
func memo(key any, build func() string) string {
	if t, ok := memoTexts.Load(key); ok {
		return t.(string)
	}
	t, _ := memoTexts.LoadOrStore(key, build())
	return t.(string)
}

var memoTexts sync.Map

// inTx runs fn in a transaction, committed if fn returns nil. fn may return
// a result error with commit (see commitWith).
func (s *Store) inTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	err = fn(tx)
	var cw commitWith
	if errors.As(err, &cw) {
		if cerr := tx.Commit(); cerr != nil {
			return fmt.Errorf("store: commit: %w", cerr)
		}
		return cw.err
	}
	if err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// conn is what the statements of one store operation run on: its
// transaction (*sqlx.Tx), or the pool (*sqlx.DB) where atomically runs
// the operation without one.
type conn interface {
	sqlx.QueryerContext
	sqlx.ExecerContext
}

// atomically runs fn, an operation that reads, then writes once with a
// statement that checks what it read is unchanged (a record's version and
// state), and writes nothing else. On PostgreSQL that one statement (the
// record, its audit row and its signature in one WITH) is atomic by
// itself: fn runs on the pool, without BEGIN and COMMIT, two round trips
// of the five of a declaration. A lock the reads must hold until the
// write (lock, as an operator card's authorisation is read FOR SHARE), and
// SQLite, whose writes are several statements, run fn in a transaction.
func (s *Store) atomically(ctx context.Context, lock bool, fn func(c conn) error) error {
	if s.dialect == Postgres && !lock {
		err := fn(s.db)
		var cw commitWith
		if errors.As(err, &cw) {
			return cw.err
		}
		return err
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error { return fn(tx) })
}

// commitWith, returned from an inTx function, commits the transaction and
// then returns err to the caller.
type commitWith struct{ err error }

func (c commitWith) Error() string { return c.err.Error() }

// noRows maps sql.ErrNoRows to ErrNotFound.
func noRows(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
}

// uniqueViolation reports whether err is a unique-constraint violation on
// column of table. Constraint names are PostgreSQL's defaults for a column
// UNIQUE or PRIMARY KEY (table_column_key, table_pkey).
func uniqueViolation(err error, table, column string) bool {
	if err == nil {
		return false
	}
	if pqErr := pq.As(err, pqerror.UniqueViolation); pqErr != nil {
		return pqErr.Constraint == table+"_"+column+"_key" || pqErr.Constraint == table+"_pkey" && column == "id"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		code := sqErr.Code()
		if code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
			return strings.Contains(sqErr.Error(), table+"."+column)
		}
	}
	return false
}

// foreignKeyViolation reports whether err is a foreign-key violation.
func foreignKeyViolation(err error) bool {
	if err == nil {
		return false
	}
	if pq.As(err, pqerror.ForeignKeyViolation) != nil {
		return true
	}
	var sqErr *sqlite.Error
	return errors.As(err, &sqErr) && sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// affectedOne maps an UPDATE or DELETE that matched no row to ErrNotFound.
func affectedOne(res sql.Result, err error, what string) error {
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return nil
}
