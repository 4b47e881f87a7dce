package store

import (
	"context"
	"database/sql"
	"runtime"
	"sync"
	"time"
	"weak"

	"github.com/jmoiron/sqlx"
)

// Prepared statements of the hot paths (the locked read and the audited
// write of every change of state), per store and query text. On
// PostgreSQL a prepared statement runs in one round trip, where lib/pq
// otherwise parses and describes each statement first, and it is planned
// once per connection: with 8 clients this takes a declaration from about
// 760 to about 1,200 per second on the development machine (see
// BenchmarkDeclareAudit). SQLite runs the text directly.
//
// The cache is keyed by a weak pointer to the store's pool, so a closed
// and forgotten store's statements are closed and dropped when the pool is
// collected (Store.Close needs no hook).
var (
	stmtCache  sync.Map // stmtKey → *sqlx.Stmt
	stmtOwners sync.Map // weak.Pointer[sqlx.DB] → struct{}: cleanup registered
)

type stmtKey struct {
	db    weak.Pointer[sqlx.DB]
	query string
}

// prepared returns the cached prepared statement of query, preparing it on
// first use.
func (s *Store) prepared(ctx context.Context, query string) (*sqlx.Stmt, error) {
	wp := weak.Make(s.db)
	k := stmtKey{wp, query}
	if st, ok := stmtCache.Load(k); ok {
		return st.(*sqlx.Stmt), nil
	}
	if _, loaded := stmtOwners.LoadOrStore(wp, struct{}{}); !loaded {
		runtime.AddCleanup(s.db, dropStatements, wp)
	}
	p, err := s.db.PreparexContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := stmtCache.LoadOrStore(k, p); loaded {
		_ = p.Close()
		return prev.(*sqlx.Stmt), nil
	}
	return p, nil
}

// preparedForTx returns the cached prepared statement of query for a
// transaction's use. Preparing takes a connection of the pool, which a
// transaction must not wait for (with every connection in a transaction
// that waits, none would come): the first use runs the text directly and
// prepares the statement in the background for the next.
func (s *Store) preparedForTx(query string) (*sqlx.Stmt, bool) {
	if st, ok := stmtCache.Load(stmtKey{weak.Make(s.db), query}); ok {
		return st.(*sqlx.Stmt), true
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = s.prepared(ctx, query)
	}()
	return nil, false
}

// dropStatements closes and forgets the statements of a collected pool.
func dropStatements(wp weak.Pointer[sqlx.DB]) {
	stmtCache.Range(func(k, v any) bool {
		if k.(stmtKey).db == wp {
			_ = v.(*sqlx.Stmt).Close()
			stmtCache.Delete(k)
		}
		return true
	})
	stmtOwners.Delete(wp)
}

// queryRowTx runs a one-row query in tx: through a cached prepared
// statement on PostgreSQL, directly on SQLite (or if preparing fails, so
// that the statement's own error is returned).
func (s *Store) queryRowTx(ctx context.Context, c conn, query string, args ...any) *sqlx.Row {
	if s.dialect == Postgres {
		switch c := c.(type) {
		case *sqlx.Tx:
			if st, ok := s.preparedForTx(query); ok {
				return c.StmtxContext(ctx, st).QueryRowxContext(ctx, args...)
			}
		case *sqlx.DB:
			if st, err := s.prepared(ctx, query); err == nil {
				return st.QueryRowxContext(ctx, args...)
			}
		}
	}
	return c.QueryRowxContext(ctx, query, args...)
}

// queryRow runs a one-row query on the pool as queryRowTx does in a
// transaction.
func (s *Store) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if s.dialect == Postgres {
		if st, err := s.prepared(ctx, query); err == nil {
			return st.QueryRowContext(ctx, args...)
		}
	}
	return s.db.QueryRowContext(ctx, query, args...)
}

// exec runs a statement on the pool, prepared on PostgreSQL.
func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s.dialect == Postgres {
		if st, err := s.prepared(ctx, query); err == nil {
			return st.ExecContext(ctx, args...)
		}
	}
	return s.db.ExecContext(ctx, query, args...)
}

// execTx runs a statement in tx, prepared on PostgreSQL.
func (s *Store) execTx(ctx context.Context, tx *sqlx.Tx, query string, args ...any) (sql.Result, error) {
	if s.dialect == Postgres {
		if st, ok := s.preparedForTx(query); ok {
			return tx.StmtxContext(ctx, st).ExecContext(ctx, args...)
		}
	}
	return tx.ExecContext(ctx, query, args...)
}

// get is sqlx's GetContext on the pool, prepared on PostgreSQL.
func (s *Store) get(ctx context.Context, dest any, query string, args ...any) error {
	if s.dialect == Postgres {
		if st, err := s.prepared(ctx, query); err == nil {
			return st.GetContext(ctx, dest, args...)
		}
	}
	return s.db.GetContext(ctx, dest, query, args...)
}

// getTx is sqlx's GetContext in tx, prepared on PostgreSQL.
func (s *Store) getTx(ctx context.Context, tx *sqlx.Tx, dest any, query string, args ...any) error {
	if s.dialect == Postgres {
		if st, ok := s.preparedForTx(query); ok {
			return tx.StmtxContext(ctx, st).GetContext(ctx, dest, args...)
		}
	}
	return tx.GetContext(ctx, dest, query, args...)
}
