package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"eportid/app/model"
	"eportid/backend/auth"
	"eportid/backend/store"
)

// The mix: each operation is sent at its own fixed rate (open loop: a
// slow answer does not slow the arrivals), at most maxInFlight at once.
// An enterprise does one thing at a time, as its user would:
//
//	login        POST /api/session (a new session in place of its old one)
//	list         GET /api/filings/legal_person (the enterprise's list);
//	             one in ten is a reviewer's GET /api/review/queue
//	save         PUT /api/filings/legal_person/{id} (暂存 of a draft or a
//	             returned record, a new address each time)
//	declaration  POST /api/filings/legal_person/{id}/declare (申报 with a
//	             new address: the acknowledged ones are checked at the end)
//	review       GET /api/review/legal_person/{id} then POST …/return (退单
//	             of a declared record, which makes it editable again, so
//	             the same enterprises serve the whole soak)

// Mix is the peak rate of each operation, per second.
type Mix struct {
	Logins, Lists, Saves, Declarations, Reviews float64
}

func (m Mix) scale(f float64) Mix {
	return Mix{m.Logins * f, m.Lists * f, m.Saves * f, m.Declarations * f, m.Reviews * f}
}

func (m Mix) String() string {
	return fmt.Sprintf("logins %g/s, lists %g/s, saves %g/s, declarations %g/s, reviews %g/s",
		m.Logins, m.Lists, m.Saves, m.Declarations, m.Reviews)
}

// ent is one enterprise of the soak and its user's browser.
type ent struct {
	mu   sync.Mutex // one operation at a time
	u    fixtureUser
	c    *client
	id   int64 // its legal-person filing
	ver  int
	path string
}

// reviewer is a logged-in reviewer's browser.
type reviewer struct {
	c *client
}

// ack is an acknowledged declaration: the record and the address it
// declared, which its audit row must hold.
type ack struct {
	EnterpriseID, RecordID int64
	Address                string
}

type load struct {
	base      string
	rec       *recorder
	tr        http.RoundTripper
	ents      []*ent
	editable  chan *ent // enterprises whose filing can be saved or declared
	declared  chan *ent // declared, waiting for a reviewer
	reviewers []*reviewer
	seq       atomic.Int64
	inflight  chan struct{}
	wg        sync.WaitGroup
	// addrs is how many client addresses the enterprises' users come
	// from (offices behind one NAT address share one); 0: one each.
	addrs int

	mu     sync.Mutex
	acks   []ack
	failed []string // the first few unexpected answers, for the summary
}

func (l *load) fail(err error) {
	l.mu.Lock()
	if len(l.failed) < 10 {
		l.failed = append(l.failed, err.Error())
	}
	l.mu.Unlock()
}

func (l *load) address() string {
	return "福州市鼓楼区五四路" + strconv.FormatInt(l.seq.Add(1), 10) + "号"
}

// setup gives every enterprise's user a session (made through the store:
// the soak's logins are those of the mix) and its legal-person draft, and
// logs the reviewers in.
func (l *load) setup(ctx context.Context, st *store.Store, users []fixtureUser, revs []fixtureReviewer) error {
	l.editable = make(chan *ent, len(users))
	l.declared = make(chan *ent, len(users))
	errs := make(chan error, len(users))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i, u := range users {
		e := &ent{u: u, c: newClient(l.base, l.tr, l.rec)}
		a := i
		if l.addrs > 0 {
			a = i % l.addrs
		}
		e.c.addr = fmt.Sprintf("10.%d.%d.%d", 1+a>>16&0xff, a>>8&0xff, a&0xff)
		l.ents = append(l.ents, e)
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			token, hash := auth.NewToken()
			csrf, _ := auth.NewToken()
			if _, err := st.CreateSession(ctx, store.Session{TokenHash: hash, UserID: u.UserID, CSRFToken: csrf}); err != nil {
				errs <- err
				return
			}
			if err := e.c.useSession(token, csrf); err != nil {
				errs <- err
				return
			}
			var m model.RecordMeta
			if err := e.c.do(ctx, "POST /api/filings/{kind}", http.MethodPost, "/api/filings/legal_person",
				model.SaveRequest{Fields: legalPerson(u, l.address())}, &m); err != nil {
				errs <- err
				return
			}
			e.id, e.ver = m.ID, m.Version
			e.path = "/api/filings/legal_person/" + strconv.FormatInt(m.ID, 10)
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	for _, e := range l.ents {
		l.editable <- e
	}
	for i, r := range revs {
		c := newClient(l.base, l.tr, l.rec)
		c.addr = fmt.Sprintf("10.200.0.%d", 1+i)
		var s model.Session
		err := c.do(ctx, "POST /api/review/session", http.MethodPost, "/api/review/session", model.ReviewLoginRequest{
			Username: r.Username, Password: Password, TOTP: auth.TOTP(r.Secret, time.Now()),
		}, &s)
		if err != nil {
			return fmt.Errorf("setup: reviewer %s: %w", r.Username, err)
		}
		c.csrf = s.CSRFToken
		l.reviewers = append(l.reviewers, &reviewer{c: c})
	}
	return nil
}

// run sends the mix until ctx ends, then waits for the requests in flight.
func (l *load) run(ctx context.Context, mix Mix) {
	var tickers sync.WaitGroup
	every := func(rate float64, name string, op func(context.Context)) {
		if rate <= 0 {
			return
		}
		tickers.Go(func() {
			interval := time.Duration(float64(time.Second) / rate)
			// Spread the operations' first ticks so they do not all fall
			// on the same instant.
			select {
			case <-time.After(time.Duration(rand.Int64N(int64(interval)))):
			case <-ctx.Done():
				return
			}
			t := time.NewTicker(interval)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
				select {
				case l.inflight <- struct{}{}:
				default:
					l.rec.skip(name + ": generator at its limit of requests in flight")
					continue
				}
				l.wg.Go(func() {
					defer func() { <-l.inflight }()
					// The request in flight finishes even when the soak's
					// time is up: its answer is counted and checked.
					op(context.WithoutCancel(ctx))
				})
			}
		})
	}
	every(mix.Logins, "login", l.login)
	every(mix.Lists, "list", l.list)
	every(mix.Saves, "save", l.save)
	every(mix.Declarations, "declaration", l.declare)
	every(mix.Reviews, "review", l.review)
	tickers.Wait()
	l.wg.Wait()
}

// anyEnt is an enterprise not busy, or nil after a few tries.
func (l *load) anyEnt() *ent {
	for range 8 {
		e := l.ents[rand.IntN(len(l.ents))]
		if e.mu.TryLock() {
			return e
		}
	}
	return nil
}

func (l *load) login(ctx context.Context) {
	e := l.anyEnt()
	if e == nil {
		l.rec.skip("login: every enterprise tried was busy")
		return
	}
	defer e.mu.Unlock()
	if err := e.c.login(ctx, e.u.Username, Password); err != nil {
		l.fail(err)
	}
}

func (l *load) list(ctx context.Context) {
	if rand.IntN(10) == 0 {
		r := l.reviewers[rand.IntN(len(l.reviewers))]
		var q []model.QueueItem
		if err := r.c.do(ctx, "GET /api/review/queue", http.MethodGet, "/api/review/queue", nil, &q); err != nil {
			l.fail(err)
		}
		return
	}
	e := l.anyEnt()
	if e == nil {
		l.rec.skip("list: every enterprise tried was busy")
		return
	}
	defer e.mu.Unlock()
	var list []model.RecordMeta
	if err := e.c.do(ctx, "GET /api/filings/{kind}", http.MethodGet, "/api/filings/legal_person", nil, &list); err != nil {
		l.fail(err)
	}
}

func (l *load) takeEditable(op string) *ent {
	select {
	case e := <-l.editable:
		e.mu.Lock()
		return e
	default:
		l.rec.skip(op + ": no enterprise with an editable filing")
		return nil
	}
}

func (l *load) save(ctx context.Context) {
	e := l.takeEditable("save")
	if e == nil {
		return
	}
	defer func() { e.mu.Unlock(); l.editable <- e }()
	var m model.RecordMeta
	err := e.c.do(ctx, "PUT /api/filings/{kind}/{id}", http.MethodPut, e.path,
		model.SaveRequest{Version: e.ver, Fields: legalPerson(e.u, l.address())}, &m)
	if err != nil {
		l.fail(err)
		return
	}
	e.ver = m.Version
}

func (l *load) declare(ctx context.Context) {
	e := l.takeEditable("declaration")
	if e == nil {
		return
	}
	addr := l.address()
	var m model.RecordMeta
	err := e.c.do(ctx, "POST /api/filings/{kind}/{id}/declare", http.MethodPost, e.path+"/declare",
		model.SaveRequest{Version: e.ver, Fields: legalPerson(e.u, addr)}, &m)
	if err != nil {
		l.fail(err)
		e.mu.Unlock()
		l.editable <- e
		return
	}
	e.ver = m.Version
	l.mu.Lock()
	l.acks = append(l.acks, ack{EnterpriseID: e.u.EnterpriseID, RecordID: e.id, Address: addr})
	l.mu.Unlock()
	e.mu.Unlock()
	l.declared <- e
}

func (l *load) review(ctx context.Context) {
	var e *ent
	select {
	case e = <-l.declared:
	default:
		l.rec.skip("review: no declaration waiting")
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	r := l.reviewers[rand.IntN(len(l.reviewers))]
	path := "/api/review/legal_person/" + strconv.FormatInt(e.id, 10)
	var d model.ReviewDetail
	if err := r.c.do(ctx, "GET /api/review/{ref}/{id}", http.MethodGet, path, nil, &d); err != nil {
		l.fail(err)
		l.declared <- e
		return
	}
	var m model.RecordMeta
	err := r.c.do(ctx, "POST /api/review/{ref}/{id}/return", http.MethodPost, path+"/return",
		model.ReviewDecision{Version: d.Version, Reason: "压力测试退单"}, &m)
	if err != nil {
		var ae *answerError
		if !errors.As(err, &ae) || ae.status != http.StatusConflict {
			l.fail(err)
		}
		l.declared <- e
		return
	}
	e.ver = m.Version
	l.editable <- e
}
