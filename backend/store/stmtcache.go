package store

import (
	"context"
	"runtime"
	"sync"
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
func (s *Store) queryRowTx(ctx context.Context, tx *sqlx.Tx, query string, args ...any) *sqlx.Row {
	if s.dialect == Postgres {
		if st, err := s.prepared(ctx, query); err == nil {
			return tx.StmtxContext(ctx, st).QueryRowxContext(ctx, args...)
		}
	}
	return tx.QueryRowxContext(ctx, query, args...)
}
