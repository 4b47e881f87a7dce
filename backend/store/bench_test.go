package store_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"eportid/app/model"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// clients is the number of concurrent clients of the benchmarks (the
// issue's measure: 8 concurrent clients on PostgreSQL).
const clients = 8

// runClients runs fn(0) … fn(n-1) on `clients` goroutines, each taking the
// next index, and fails the benchmark on the first error.
func runClients(b *testing.B, n int, fn func(i int) error) {
	b.Helper()
	var (
		next atomic.Int64
		wg   sync.WaitGroup
		errs = make(chan error, clients)
	)
	for range clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

func benchEnterprise(ctx context.Context, s *store.Store) (store.Enterprise, error) {
	return s.CreateEnterprise(ctx, store.Enterprise{
		CreditCode: fmt.Sprintf("91440300BENCH%05d", seq.Add(1)),
		NameCN:     "基准企业", Province: "440000", City: "440300",
	})
}

// BenchmarkDeclare measures 暂存 + 申报 of the legal-person filing by 8
// concurrent clients: per iteration, a new enterprise's filing is created,
// saved and declared (three transactions, three audit rows). decl/s is
// declarations (each with its create and save) per second of all clients
// together.
func BenchmarkDeclare(b *testing.B) {
	for _, d := range []string{store.Postgres, store.SQLite} {
		b.Run(d, func(b *testing.B) {
			s := storetest.OpenEmpty(b, d)
			ctx := context.Background()
			lpf := s.Filings(model.FilingLegalPerson)
			bench := store.Actor{Name: "bench", Role: model.RoleNoCardAdmin}
			p := store.Input{Fields: lpFields()}
			ents := make([]store.Enterprise, b.N)
			runClients(b, b.N, func(i int) (err error) {
				ents[i], err = benchEnterprise(ctx, s)
				return err
			})
			b.ResetTimer()
			start := time.Now()
			runClients(b, b.N, func(i int) error {
				e := ents[i]
				r, err := lpf.Create(ctx, e.ID, 0, bench, p)
				if err != nil {
					return err
				}
				r, err = lpf.Save(ctx, e.ID, r.ID, r.Version, bench, p)
				if err != nil {
					return err
				}
				_, err = lpf.Declare(ctx, e.ID, r.ID, r.Version, bench, p)
				return err
			})
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "decl/s")
			b.ReportMetric(clients, "clients")
		})
	}
}

// BenchmarkDeclareAudit measures 申报 alone, with its audit row, of a
// qualification filing (the commerce one: the statement that locks the
// record also reads the enterprise's declared legal-person filing, whose
// fields it fills in) by 8 concurrent clients.
// Each iteration declares a different enterprise's draft, prepared before
// the timer starts. decl/s is declarations per second of all clients.
func BenchmarkDeclareAudit(b *testing.B) {
	for _, d := range []string{store.Postgres, store.SQLite} {
		b.Run(d, func(b *testing.B) {
			s := storetest.Open(b, d)
			ctx := context.Background()
			k := model.FilingCommerce
			lpf, cf := s.Filings(model.FilingLegalPerson), s.Filings(k)
			c := in(k, sample(k))
			type todo struct {
				enterprise int64
				rec        model.Record
			}
			work := make([]todo, b.N)
			runClients(b, b.N, func(i int) error {
				e, err := benchEnterprise(ctx, s)
				if err != nil {
					return err
				}
				p := store.Input{Fields: lpFields()}
				lp, err := lpf.Create(ctx, e.ID, 0, noCard, p)
				if err != nil {
					return err
				}
				if _, err := lpf.Declare(ctx, e.ID, lp.ID, lp.Version, noCard, p); err != nil {
					return err
				}
				r, err := cf.Create(ctx, e.ID, 0, noCard, c)
				work[i] = todo{e.ID, r}
				return err
			})
			before := auditRows(b, s)
			b.ResetTimer()
			start := time.Now()
			runClients(b, b.N, func(i int) error {
				w := work[i]
				_, err := cf.Declare(ctx, w.enterprise, w.rec.ID, w.rec.Version, holder, in(k, w.rec.Fields))
				return err
			})
			elapsed := time.Since(start)
			b.StopTimer()
			if n := auditRows(b, s) - before; n != b.N {
				b.Fatalf("%d audit rows for %d declarations", n, b.N)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "decl/s")
			b.ReportMetric(clients, "clients")
		})
	}
}

func auditRows(b *testing.B, s *store.Store) int {
	var n int
	if err := s.DB().Get(&n, `SELECT COUNT(*) FROM audit_log WHERE action = 'declare'`); err != nil {
		b.Fatal(err)
	}
	return n
}
