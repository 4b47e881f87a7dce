package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"eportid/app/model"
	"eportid/backend/auth"
	"eportid/backend/ca"
	"eportid/backend/cardtest"
	"eportid/backend/httpapi"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// enrolKiosk makes a terminal as a reviewer of FJ01 and enrols a new
// browser with its link; it returns that browser.
func (e *fenv) enrolKiosk(t *testing.T, rv *client, name string) (*client, model.KioskTerminal) {
	t.Helper()
	var k model.KioskTerminal
	rv.call(http.MethodPost, "/api/review/kiosks", model.KioskTerminalRequest{Name: name}, http.StatusCreated, &k)
	prefix := e.srv.URL + model.KioskEnrolPath + "#"
	if k.AgentPoint != "FJ01" || k.Name != name || !strings.HasPrefix(k.EnrolURL, prefix) || k.EnrolledAt != nil {
		t.Fatalf("new terminal %+v", k)
	}
	term := e.client()
	var st model.KioskStatus
	term.call(http.MethodGet, "/api/kiosk", nil, http.StatusOK, &st)
	if st.Kiosk {
		t.Fatalf("a browser not enrolled: %+v", st)
	}
	token := strings.TrimPrefix(k.EnrolURL, prefix)
	a := term.call(http.MethodPost, "/api/kiosk/enrol", model.KioskEnrolRequest{Token: token}, http.StatusOK, &st)
	set := a.header.Get("Set-Cookie")
	if !strings.HasPrefix(set, auth.KioskCookieName+"=") || !strings.Contains(set, "HttpOnly") ||
		!strings.Contains(set, "SameSite=Strict") || !strings.Contains(set, "Max-Age=34560000") {
		t.Errorf("kiosk cookie %q", set)
	}
	if !st.Kiosk || st.Name != name || st.AgentPoint != "FJ01" || st.IdleSeconds != 30 {
		t.Fatalf("enrolled: %+v", st)
	}
	// The link works once.
	wantProblem(t, e.client().do(http.MethodPost, "/api/kiosk/enrol", model.KioskEnrolRequest{Token: token}),
		http.StatusNotFound, model.ErrNotFound)
	return term, k
}

// TestKioskTerminals: a reviewer enrols a terminal; sessions begun there
// are kiosk sessions that end after the kiosk idle time without the
// user's activity (the page's presence reports do not count), a revoked
// terminal's sessions end, and an expired link enrols nothing.
func TestKioskTerminals(t *testing.T) {
	filingsEach(t, func(a *httpapi.API) { a.KioskIdle = 30 * time.Second }, func(t *testing.T, e *fenv) {
		rv, _ := e.reviewer("FJ01")
		term, k := e.enrolKiosk(t, rv, "大厅 1 号机")
		a := term.do(http.MethodPost, "/api/kiosk/enrol", model.KioskEnrolRequest{Token: "x"})
		wantProblem(t, a, http.StatusNotFound, model.ErrNotFound)

		// A password login on the terminal is a kiosk session.
		admin, ent := e.enterprise()
		users, err := e.st.EnterpriseUsers(context.Background(), ent.ID)
		if err != nil || len(users) != 1 {
			t.Fatalf("users %v %v", users, err)
		}
		s := term.login(users[0].Username, password)
		if !s.Kiosk || s.IdleSeconds != 30 {
			t.Fatalf("session on the terminal %+v", s)
		}
		if !s.ExpiresAt.Equal(e.clock.Now().Add(30 * time.Second).Truncate(time.Microsecond)) {
			t.Errorf("kiosk session expires %v, now %v", s.ExpiresAt, e.clock.Now())
		}
		// Elsewhere the same user's session is not.
		other := e.client()
		if s := other.login(users[0].Username, password); s.Kiosk || s.IdleSeconds != 0 {
			t.Fatalf("session elsewhere %+v", s)
		}

		// The page's own requests do not keep it; the user's activity does.
		e.clock.Add(20 * time.Second)
		term.call(http.MethodGet, "/api/session", nil, http.StatusOK, nil)
		e.clock.Add(5 * time.Second)
		term.call(http.MethodPost, "/api/session/activity", nil, http.StatusNoContent, nil)
		e.clock.Add(25 * time.Second)
		term.call(http.MethodGet, "/api/session", nil, http.StatusOK, nil)
		e.clock.Add(6 * time.Second)
		a = term.do(http.MethodGet, "/api/session", nil)
		wantProblem(t, a, http.StatusUnauthorized, model.ErrUnauthorized)
		if n := sessionsOf(t, e, users[0].ID); n != 2 {
			t.Errorf("sessions of the user after the kiosk one timed out: %d, want 2 (the other browsers')", n)
		}
		other.call(http.MethodGet, "/api/session", nil, http.StatusOK, nil)

		// A card session on the terminal: its presence reports do not
		// keep it either.
		cc := cardtest.New(t, e.ca, cardtest.Options{CreditCode: ent.CreditCode, Kind: ca.CardLegalPerson,
			CardNumber: "8935000099990001", HolderName: "张三", NotBefore: e.clock.Now().Add(-time.Hour)})
		id := cc.Identity
		if _, _, _, err := e.st.RegisterCard(context.Background(), store.CardRegistration{CardNumber: id.CardNumber,
			Kind: model.CardLegalPerson, HolderName: id.HolderName, Certificate: cc.CertDER, Serial: id.SerialHex,
			NotAfter: id.NotAfter, CreditCode: ent.CreditCode}); err != nil {
			t.Fatal(err)
		}
		s = term.cardLogin(cc)
		if !s.Kiosk || s.CardNumber == "" {
			t.Fatalf("card session on the terminal %+v", s)
		}
		for range 2 {
			e.clock.Add(10 * time.Second)
			term.call(http.MethodPost, "/api/card-session/presence", model.CardPresence{CardNumber: s.CardNumber}, http.StatusNoContent, nil)
		}
		e.clock.Add(10 * time.Second)
		wantProblem(t, term.do(http.MethodGet, "/api/session", nil), http.StatusUnauthorized, model.ErrUnauthorized)

		// Revoking the terminal ends its sessions and its cookie's worth.
		s = term.login(users[0].Username, password)
		if !s.Kiosk {
			t.Fatal("second login on the terminal is not a kiosk session")
		}
		var revoked model.KioskTerminal
		rv.call(http.MethodPost, "/api/review/kiosks/"+itoa(k.ID)+"/revoke", nil, http.StatusOK, &revoked)
		if revoked.RevokedAt == nil {
			t.Fatalf("revoked %+v", revoked)
		}
		wantProblem(t, term.do(http.MethodGet, "/api/session", nil), http.StatusUnauthorized, model.ErrUnauthorized)
		var st model.KioskStatus
		term.call(http.MethodGet, "/api/kiosk", nil, http.StatusOK, &st)
		if st.Kiosk {
			t.Fatalf("a revoked terminal: %+v", st)
		}
		if s := term.login(users[0].Username, password); s.Kiosk {
			t.Fatalf("login on a revoked terminal %+v", s)
		}

		// Another agent point neither sees nor revokes FJ01's terminals.
		sz, _ := e.reviewer("SZ01")
		var list []model.KioskTerminal
		sz.call(http.MethodGet, "/api/review/kiosks", nil, http.StatusOK, &list)
		if len(list) != 0 {
			t.Fatalf("SZ01 lists %+v", list)
		}
		wantProblem(t, sz.do(http.MethodPost, "/api/review/kiosks/"+itoa(k.ID)+"/revoke", nil), http.StatusNotFound, model.ErrNotFound)
		rv.call(http.MethodGet, "/api/review/kiosks", nil, http.StatusOK, &list)
		if len(list) != 1 || list[0].ID != k.ID || list[0].EnrolledAt == nil || list[0].RevokedAt == nil {
			t.Fatalf("FJ01 lists %+v", list)
		}

		// A name is required; a link past its hour enrols nothing.
		a = rv.do(http.MethodPost, "/api/review/kiosks", model.KioskTerminalRequest{Name: " "})
		wantProblem(t, a, http.StatusUnprocessableEntity, model.ErrInvalid)
		if p := a.problem(t); !strings.Contains(p.Fields["name"], "终端名称") {
			t.Errorf("problem %+v", p)
		}
		a = rv.do(http.MethodPost, "/api/review/kiosks", model.KioskTerminalRequest{Name: "大厅\n2"})
		if p := wantProblem(t, a, http.StatusUnprocessableEntity, model.ErrInvalid); !strings.Contains(p.Fields["name"], "不能换行") {
			t.Errorf("problem %+v", p)
		}
		a = rv.do(http.MethodPost, "/api/review/kiosks", model.KioskTerminalRequest{Name: strings.Repeat("机", model.KioskNameMax+1)})
		wantProblem(t, a, http.StatusUnprocessableEntity, model.ErrInvalid)
		wantProblem(t, rv.do(http.MethodPost, "/api/review/kiosks/x/revoke", nil), http.StatusNotFound, model.ErrNotFound)
		wantProblem(t, e.client().do(http.MethodPost, "/api/kiosk/enrol", map[string]any{"token": 1}), http.StatusUnprocessableEntity, model.ErrInvalid)
		wantProblem(t, admin.do(http.MethodGet, "/api/review/kiosks", nil), http.StatusForbidden, model.ErrForbidden)
		var late model.KioskTerminal
		rv.call(http.MethodPost, "/api/review/kiosks", model.KioskTerminalRequest{Name: "大厅 2 号机"}, http.StatusCreated, &late)
		e.clock.Add(httpapi.KioskEnrolValidity)
		token := late.EnrolURL[strings.Index(late.EnrolURL, "#")+1:]
		wantProblem(t, e.client().do(http.MethodPost, "/api/kiosk/enrol", model.KioskEnrolRequest{Token: token}),
			http.StatusNotFound, model.ErrNotFound)
	})
}

func sessionsOf(t *testing.T, e *fenv, userID int64) int {
	t.Helper()
	var n int
	if err := e.st.DB().Get(&n, e.st.DB().Rebind(`SELECT COUNT(*) FROM sessions WHERE user_id = ?`), userID); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPagesNotStored: the pages' HTML is Cache-Control: no-store (no page
// of a user stays in the back/forward cache after a logout); static files
// keep their own caching.
func TestPagesNotStored(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, nil)
		c := e.client()
		for _, p := range []string{"/"} {
			if a := c.do(http.MethodGet, p, nil); a.status != http.StatusOK || a.header.Get("Cache-Control") != "no-store" {
				t.Errorf("GET %s: %d, Cache-Control %q", p, a.status, a.header.Get("Cache-Control"))
			}
		}
	})
}
