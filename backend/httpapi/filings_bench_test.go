package httpapi_test

import (
	"encoding/json"
	"net/http"
	"os"
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
// are made, and the requests' bodies encoded, before the clock starts
// (the clients share the server's two cores: what they spend is the load
// generator's, not the server's). decl/s is of all clients together.
func BenchmarkDeclareAuditHTTP(b *testing.B) {
	const clients = 8
	st := storetest.Open(b, store.Postgres)
	e := newFenv(b, st, nil)
	tr := &http.Transport{MaxIdleConnsPerHost: 2 * clients}
	b.Cleanup(tr.CloseIdleConnections)

	type job struct {
		h    *holder
		path string
		body []byte
	}
	jobs := make([]job, b.N)
	for i := range jobs {
		_, ent, _ := e.lpDeclared()
		h := e.cardHolder(ent)
		h.hc.Transport = tr
		rec := createRec(h.client, model.FilingCustoms, sampleFields(model.FilingCustoms, ent.CreditCode))
		body, err := json.Marshal(declareBody(h, rec))
		if err != nil {
			b.Fatal(err)
		}
		jobs[i] = job{h: h, path: recPath(rec.RecordMeta) + "/declare", body: body}
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
				a := jobs[i].h.doRaw(http.MethodPost, jobs[i].path, jobs[i].body)
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

// BenchmarkRoundTrips counts the database round trips of one request of
// each kind on the hot path (trips/op; exact, whatever the machine's
// load), one client after the other on PostgreSQL: a password login
// (POST /api/session), a 暂存 of a customs filing by its card holder (PUT
// …/{id}), an unsigned 申报 of a legal-person filing by a no-card
// administrator, and the card holder's signed 申报 of a customs filing
// (as BenchmarkDeclareAuditHTTP sends). Each request's records are made
// before the count starts, and one request of the kind runs first, so
// that the pool's connections and prepared statements are warm. With
// EPORTID_TRACE_TRIPS set, the trips of the first counted request are
// logged (the messages each sent).
func BenchmarkRoundTrips(b *testing.B) {
	st, trips := storetest.OpenCounting(b)
	e := newFenv(b, st, nil)
	measure := func(b *testing.B, prep func() func()) {
		ops := make([]func(), b.N+1)
		for i := range ops {
			ops[i] = prep()
		}
		ops[0]()
		b.ResetTimer()
		before := trips.Count()
		trips.Trace(os.Getenv("EPORTID_TRACE_TRIPS") != "")
		ops[1]()
		for i, t := range trips.Trace(false) {
			b.Logf("trip %d: %s", i+1, t)
		}
		for _, op := range ops[2:] {
			op()
		}
		b.StopTimer()
		b.ReportMetric(float64(trips.Count()-before)/float64(b.N), "trips/op")
	}
	b.Run("login", func(b *testing.B) {
		measure(b, func() func() {
			admin, _ := e.enterprise()
			name := ""
			var s model.Session
			admin.call(http.MethodGet, "/api/session", nil, http.StatusOK, &s)
			name = s.Username
			c := e.client()
			return func() { c.login(name, password) }
		})
	})
	b.Run("save", func(b *testing.B) {
		measure(b, func() func() {
			_, ent, _ := e.lpDeclared()
			h := e.cardHolder(ent)
			rec := createRec(h.client, model.FilingCustoms, sampleFields(model.FilingCustoms, ent.CreditCode))
			return func() { saveRec(h.client, rec, http.StatusOK) }
		})
	})
	b.Run("declare", func(b *testing.B) {
		measure(b, func() func() {
			admin, ent := e.enterprise()
			lp := createRec(admin, model.FilingLegalPerson, lpFields(ent.CreditCode))
			return func() {
				admin.call(http.MethodPost, recPath(lp.RecordMeta)+"/declare", saveReq(lp.Version, lp.Fields), http.StatusOK, nil)
			}
		})
	})
	b.Run("declare-signed", func(b *testing.B) {
		measure(b, func() func() {
			_, ent, _ := e.lpDeclared()
			h := e.cardHolder(ent)
			rec := createRec(h.client, model.FilingCustoms, sampleFields(model.FilingCustoms, ent.CreditCode))
			body := declareBody(h, rec)
			return func() { h.call(http.MethodPost, recPath(rec.RecordMeta)+"/declare", body, http.StatusOK, nil) }
		})
	})
}
