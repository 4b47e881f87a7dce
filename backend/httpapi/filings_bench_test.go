package httpapi_test

import (
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"eportid/app/model"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// BenchmarkDeclareAuditHTTP measures 申报 + its audit row over HTTP on
// PostgreSQL with 8 concurrent clients, each declaration of its own
// enterprise: the customs filing's card holder sends the signed
// declaration (session and card checks, the registry lookup, the field
// rules, the signature's verification, one transaction with the audit row,
// the signature kept). The enterprises, their drafts and the signatures
// are made before the clock starts. decl/s is of all clients together.
func BenchmarkDeclareAuditHTTP(b *testing.B) {
	const clients = 8
	st := storetest.Open(b, store.Postgres)
	e := newFenv(b, st, nil)
	tr := &http.Transport{MaxIdleConnsPerHost: 2 * clients}
	b.Cleanup(tr.CloseIdleConnections)

	type job struct {
		h    *holder
		path string
		body map[string]any
	}
	jobs := make([]job, b.N)
	for i := range jobs {
		_, ent, _ := e.lpDeclared()
		h := e.cardHolder(ent)
		h.hc.Transport = tr
		rec := createRec(h.client, model.FilingCustoms, sampleFields(model.FilingCustoms, ent.CreditCode))
		jobs[i] = job{h: h, path: recPath(rec.RecordMeta) + "/declare", body: declareBody(h, rec)}
	}

	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		mu    sync.Mutex
		lat   = make([]time.Duration, 0, b.N)
		fails atomic.Int64
	)
	b.ResetTimer()
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(jobs) {
					return
				}
				t0 := time.Now()
				a := jobs[i].h.do(http.MethodPost, jobs[i].path, jobs[i].body)
				d := time.Since(t0)
				if a.status != http.StatusOK {
					fails.Add(1)
					b.Errorf("declare: %d %s", a.status, a.body)
					return
				}
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if fails.Load() > 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "decl/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
