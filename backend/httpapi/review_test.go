package httpapi_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"eportid/app/model"
	"eportid/backend/auth"
	"eportid/backend/server"
)

func queueHas(q []model.QueueItem, ref model.RecordRef) bool {
	return slices.ContainsFunc(q, func(it model.QueueItem) bool { return it.Ref() == ref })
}

// The story over HTTP: a no-card pre-entry of the customs filing,
// taken over and declared by the card holder, returned by the agent
// point's reviewer with a reason the enterprise sees, fixed, declared and
// approved; then a change of it, approved, whose new values take the
// filing's place while the old stay in its past versions; the history
// shows every step. Another agent point's reviewer sees none of it.
func TestReviewFlow(t *testing.T) {
	filingsEach(t, nil, func(t *testing.T, e *fenv) {
		admin, ent, lp := e.lpDeclared()
		rv, _ := e.reviewer("FJ01")
		other, _ := e.reviewer("SZ01")
		lpRef := model.RecordRef{Kind: model.FilingLegalPerson, ID: lp.ID}

		var q []model.QueueItem
		rv.call(http.MethodGet, "/api/review/queue", nil, http.StatusOK, &q)
		if !queueHas(q, lpRef) {
			t.Fatalf("FJ01 queue %+v lacks the legal-person filing", q)
		}
		for _, it := range q {
			if it.Ref() == lpRef && (it.EnterpriseName != ent.NameCN || it.CreditCode != ent.CreditCode) {
				t.Errorf("queue item %+v", it)
			}
		}
		other.call(http.MethodGet, "/api/review/queue", nil, http.StatusOK, &q)
		if queueHas(q, lpRef) {
			t.Errorf("SZ01 sees FJ01's declaration")
		}

		// Pre-entry, take-over, declaration.
		pre := createRec(admin, model.FilingCustoms, sampleFields(model.FilingCustoms, ent.CreditCode))
		h := e.cardHolder(ent)
		mine, _ := saveRec(h.client, getRec(h.client, pre.RecordMeta), http.StatusOK)
		dec, _ := declareRec(h, mine, http.StatusOK)
		rv.call(http.MethodGet, "/api/review/queue", nil, http.StatusOK, &q)
		if !queueHas(q, dec.Ref()) {
			t.Fatalf("queue lacks %s", dec.Ref())
		}

		// Another agent point: not found, whatever it tries.
		path := "/api/review/customs/" + itoa(dec.ID)
		wantProblem(t, other.do(http.MethodGet, path, nil), http.StatusNotFound, model.ErrNotFound)
		decide(other, dec.RecordMeta, true, "", http.StatusNotFound)
		decide(other, dec.RecordMeta, false, "不是我的", http.StatusNotFound)
		wantProblem(t, rv.do(http.MethodGet, "/api/review/nosuch/"+itoa(dec.ID), nil), http.StatusNotFound, model.ErrNotFound)
		// The enterprise cannot review.
		wantProblem(t, h.do(http.MethodGet, "/api/review/queue", nil), http.StatusForbidden, model.ErrForbidden)
		decide(h.client, dec.RecordMeta, true, "", http.StatusForbidden)

		var d model.ReviewDetail
		rv.call(http.MethodGet, path, nil, http.StatusOK, &d)
		if d.Fields["credit_code"] != ent.CreditCode || d.EnterpriseName != ent.NameCN || d.State != model.StateDeclared ||
			!slices.Equal(actions(d.History), []string{"create", "save", "declare"}) {
			t.Errorf("review detail %+v", d)
		}

		// 退单 with a reason; the enterprise sees it, fixes, declares.
		const reason = "海关注册编号与海关登记不符，请核对"
		decide(rv, dec.RecordMeta, false, reason, http.StatusOK)
		back := getRec(h.client, dec.RecordMeta)
		if back.State != model.StateReturned || back.ReturnReason != reason {
			t.Fatalf("returned record %+v", back.RecordMeta)
		}
		back.Fields["customs_reg_no"] = "3501960002"
		fixed, _ := saveRec(h.client, back, http.StatusOK)
		again, _ := declareRec(h, fixed, http.StatusOK)
		decide(rv, again.RecordMeta, true, "", http.StatusOK)
		approved := getRec(h.client, again.RecordMeta)
		if approved.State != model.StateApproved || approved.Fields["customs_reg_no"] != "3501960002" {
			t.Fatalf("approved %+v", approved)
		}

		// A change: grey fields kept from the approved filing, which
		// stays as it is until the change is approved.
		chf := with(approved.Fields, "name_en", "Fuzhou Example Trading", "unified_no", "FORGED", "credit_code", creditCode(999997))
		ch := createChange(h.client, approved, chf)
		if ch.Fields["unified_no"] != approved.Fields["unified_no"] || ch.Fields["credit_code"] != ent.CreditCode ||
			ch.Fields["name_en"] != "Fuzhou Example Trading" || ch.FilingID != approved.ID {
			t.Errorf("change %+v", ch)
		}
		wantProblem(t, h.do(http.MethodPost, "/api/changes/customs", changeReq(approved.ID, chf)),
			http.StatusConflict, model.ErrOpenChange)
		var changes []model.Record
		h.call(http.MethodGet, "/api/changes/customs", nil, http.StatusOK, &changes)
		if len(changes) != 1 || changes[0].ID != ch.ID {
			t.Errorf("changes %+v", changes)
		}
		chd, _ := declareRec(h, ch, http.StatusOK)
		if f := getRec(h.client, approved.RecordMeta); f.Fields["name_en"] != approved.Fields["name_en"] || f.Version != approved.Version {
			t.Errorf("filing changed before the change's approval: %+v", f)
		}
		rv.call(http.MethodGet, "/api/review/customs_change/"+itoa(chd.ID), nil, http.StatusOK, &d)
		if d.Current["name_en"] != approved.Fields["name_en"] || d.Fields["name_en"] != "Fuzhou Example Trading" {
			t.Errorf("change as reviewed: %+v / %+v", d.Fields, d.Current)
		}
		decide(rv, chd.RecordMeta, true, "", http.StatusOK)

		now := getRec(h.client, approved.RecordMeta)
		if now.Fields["name_en"] != "Fuzhou Example Trading" || now.State != model.StateApproved || now.Version != approved.Version+1 {
			t.Errorf("filing after the change: %+v", now)
		}
		var vs []model.PastVersion
		h.call(http.MethodGet, recPath(approved.RecordMeta)+"/versions", nil, http.StatusOK, &vs)
		if len(vs) != 1 || vs[0].Fields["name_en"] != approved.Fields["name_en"] || vs[0].ChangeID != ch.ID {
			t.Errorf("past versions %+v", vs)
		}
		hist := recHistory(h.client, approved.RecordMeta)
		want := []string{"create", "save", "declare", "return", "save", "declare", "approve",
			"change:create", "change:declare", "change:approve", "apply"}
		if got := actions(hist); !slices.Equal(got, want) {
			t.Errorf("history %v,\nwant %v", got, want)
		}
		for _, x := range hist {
			switch x.Action {
			case model.ActionReturn:
				if x.Reason != reason || x.Role != model.RoleReviewer || x.UserID == 0 {
					t.Errorf("return row %+v", x)
				}
			case model.ActionApprove, model.ActionApply:
				if x.Role != model.RoleReviewer {
					t.Errorf("%s row %+v", x.Action, x)
				}
			}
		}
		if ch := recHistory(h.client, chd.RecordMeta); !slices.Equal(actions(ch), []string{"change:create", "change:declare", "change:approve"}) {
			t.Errorf("change history %v", actions(ch))
		}
		rv.call(http.MethodGet, "/api/review/queue", nil, http.StatusOK, &q)
		if queueHas(q, dec.Ref()) || queueHas(q, chd.Ref()) {
			t.Errorf("decided records still queued")
		}
	})
}

// The reviewers' login: password and a TOTP code, each code once, one
// answer to every mistake, throttled as the enterprise login; a reviewer
// cannot log in with the password alone.
func TestReviewLogin(t *testing.T) {
	filingsEach(t, nil, func(t *testing.T, e *fenv) {
		ctx := context.Background()
		cred, err := server.AddReviewer(ctx, e.st, e.api.Hasher, "FJ01", "fj01-login")
		if err != nil {
			t.Fatal(err)
		}
		login := func(c *client, user, pw, code string) answer {
			return c.do(http.MethodPost, "/api/review/session", model.ReviewLoginRequest{Username: user, Password: pw, TOTP: code})
		}
		bad := func(a answer) {
			t.Helper()
			wantProblem(t, a, http.StatusUnauthorized, model.ErrBadLogin, "用户名、密码或动态口令错误")
		}
		now := e.clock.Now()
		code := auth.TOTP(cred.TOTPSecret, now)
		wrong := []byte(code)
		wrong[5] = '0' + (wrong[5]-'0'+1)%10
		c := e.client()
		bad(login(c, cred.Username, cred.Password, string(wrong)))
		bad(login(c, cred.Username, "wrong password", code))
		bad(login(c, "nobody-here", cred.Password, code))
		old := auth.HOTP(cred.TOTPSecret, uint64(auth.TOTPStep(now)-2), 6)
		bad(login(c, cred.Username, cred.Password, old))
		if p := login(c, cred.Username, cred.Password, ""); p.status != http.StatusUnprocessableEntity || p.problem(t).Fields["totp"] == "" {
			t.Errorf("no code: %d %s", p.status, p.body)
		}

		var s model.Session
		c.call(http.MethodPost, "/api/review/session", model.ReviewLoginRequest{Username: "FJ01-Login", Password: cred.Password, TOTP: code},
			http.StatusOK, &s)
		if s.Role != model.RoleReviewer || s.AgentPoint != "FJ01" || s.EnterpriseID != 0 || s.CSRFToken == "" {
			t.Errorf("session %+v", s)
		}
		c.call(http.MethodGet, "/api/session", nil, http.StatusOK, &s)
		if s.AgentPoint != "FJ01" {
			t.Errorf("GET session %+v", s)
		}
		// The same code again, and the step before it: refused.
		bad(login(e.client(), cred.Username, cred.Password, code))
		bad(login(e.client(), cred.Username, cred.Password, auth.HOTP(cred.TOTPSecret, uint64(auth.TOTPStep(now)-1), 6)))
		// The next step's code works.
		e.clock.Add(auth.TOTPPeriod * time.Second)
		if a := login(e.client(), cred.Username, cred.Password, auth.TOTP(cred.TOTPSecret, e.clock.Now())); a.status != http.StatusOK {
			t.Errorf("next step: %d %s", a.status, a.body)
		}

		// The password alone at the enterprise login: the uniform answer.
		wantProblem(t, e.client().do(http.MethodPost, "/api/session", model.LoginRequest{Username: cred.Username, Password: cred.Password}),
			http.StatusUnauthorized, model.ErrBadLogin)
		// An enterprise user at the review login: the same.
		admin, _ := e.enterprise()
		var as model.Session
		admin.call(http.MethodGet, "/api/session", nil, http.StatusOK, &as)
		bad(login(e.client(), as.Username, password, auth.TOTP(cred.TOTPSecret, e.clock.Now())))
		wantProblem(t, admin.do(http.MethodGet, "/api/review/queue", nil), http.StatusForbidden, model.ErrForbidden)

		// Throttled after AccountPolicy.Free failures in a row.
		thr, err := server.AddReviewer(ctx, e.st, e.api.Hasher, "FJ01", "fj01-throttle")
		if err != nil {
			t.Fatal(err)
		}
		for range 5 {
			bad(login(e.client(), thr.Username, "wrong password", "000000"))
		}
		p := wantProblem(t, login(e.client(), thr.Username, thr.Password, auth.TOTP(thr.TOTPSecret, e.clock.Now())),
			http.StatusTooManyRequests, model.ErrThrottled)
		if p.RetryAfter <= 0 {
			t.Errorf("throttled %+v", p)
		}
	})
}
