package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"eportid/backend/auth"
	"eportid/backend/store"
)

// The memory mode: n live sessions (store.MaxSessionsPerUser per user,
// made through the store: a login's argon2id would cost minutes for
// 10,000), every one of which makes requests — its session and its
// enterprise's list — in rounds, while the server's memory is sampled.

// liveSession is one session's cookie and CSRF token.
type liveSession struct {
	cookie *http.Cookie
	csrf   string
}

// makeSessions creates store.MaxSessionsPerUser sessions for each user.
func makeSessions(ctx context.Context, st *store.Store, users []fixtureUser) ([]liveSession, error) {
	out := make([]liveSession, len(users)*store.MaxSessionsPerUser)
	err := forEach(ctx, len(out), 4, func(i int) error {
		token, hash := auth.NewToken()
		csrf, _ := auth.NewToken()
		_, err := st.CreateSession(ctx, store.Session{TokenHash: hash, UserID: users[i/store.MaxSessionsPerUser].UserID, CSRFToken: csrf})
		out[i] = liveSession{cookie: &http.Cookie{Name: auth.CookieName, Value: token}, csrf: csrf}
		return err
	})
	return out, err
}

// sessionRounds has every session send GET /api/session and GET
// /api/filings/legal_person, rounds times, with conc requests at once.
func sessionRounds(ctx context.Context, base string, tr http.RoundTripper, rec *recorder, sessions []liveSession, rounds, conc int) error {
	hc := &http.Client{Transport: tr, Timeout: time.Minute}
	if _, err := url.Parse(base); err != nil {
		return err
	}
	get := func(route, path string, s liveSession) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		if err != nil {
			return err
		}
		req.AddCookie(s.cookie)
		t0 := time.Now()
		resp, err := hc.Do(req)
		if err != nil {
			rec.add(route, 0, time.Since(t0))
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		rec.add(route, resp.StatusCode, time.Since(t0))
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %d", route, resp.StatusCode)
		}
		return err
	}
	var first error
	var mu sync.Mutex
	for round := range rounds {
		next := make(chan liveSession)
		var wg sync.WaitGroup
		for range conc {
			wg.Go(func() {
				for s := range next {
					for _, r := range [][2]string{{"GET /api/session", "/api/session"}, {"GET /api/filings/{kind}", "/api/filings/legal_person"}} {
						if err := get(r[0], r[1], s); err != nil {
							mu.Lock()
							if first == nil {
								first = fmt.Errorf("round %d: %w", round+1, err)
							}
							mu.Unlock()
						}
					}
				}
			})
		}
		for _, s := range sessions {
			if ctx.Err() != nil {
				break
			}
			next <- s
		}
		close(next)
		wg.Wait()
	}
	return first
}
