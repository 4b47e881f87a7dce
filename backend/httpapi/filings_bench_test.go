package httpapi_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
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
// generator's, not the server's; for the same reason each client is a
// keep-alive HTTP/1.1 connection that writes requests written out before
// the clock starts and reads each answer whole with http.ReadResponse,
// where net/http's Client took a sixth of the process's CPU). decl/s is
// of all clients together.
func BenchmarkDeclareAuditHTTP(b *testing.B) {
	const clients = 8
	st := storetest.Open(b, store.Postgres)
	e := newFenv(b, st, nil)
	host := strings.TrimPrefix(e.srv.URL, "http://")
	u, _ := url.Parse(e.srv.URL)

	jobs := make([][]byte, b.N)
	for i := range jobs {
		_, ent, _ := e.lpDeclared()
		h := e.cardHolder(ent)
		rec := createRec(h.client, model.FilingCustoms, sampleFields(model.FilingCustoms, ent.CreditCode))
		body, err := json.Marshal(declareBody(h, rec))
		if err != nil {
			b.Fatal(err)
		}
		var req bytes.Buffer
		fmt.Fprintf(&req, "POST %s/declare HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n%s: %s\r\n",
			recPath(rec.RecordMeta), host, model.CSRFHeader, h.csrf)
		for _, c := range h.hc.Jar.Cookies(u) {
			fmt.Fprintf(&req, "Cookie: %s\r\n", c.String())
		}
		fmt.Fprintf(&req, "Content-Length: %d\r\n\r\n%s", len(body), body)
		jobs[i] = req.Bytes()
	}
	conns := make([]net.Conn, clients)
	for i := range conns {
		c, err := net.Dial("tcp", host)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
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
	for _, conn := range conns {
		wg.Go(func() {
			br := bufio.NewReader(conn)
			for {
				i := int(next.Add(1)) - 1
				if i >= len(jobs) {
					return
				}
				t0 := time.Now()
				status, answer, err := roundTrip(conn, br, jobs[i])
				d := time.Since(t0)
				if err != nil || status != http.StatusOK {
					fails.Add(1)
					b.Errorf("declare: %d %s %v", status, answer, err)
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

// roundTrip writes req on conn and reads the answer whole from br.
func roundTrip(conn net.Conn, br *bufio.Reader, req []byte) (int, []byte, error) {
	if _, err := conn.Write(req); err != nil {
		return 0, nil, err
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return 0, nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, body, err
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
