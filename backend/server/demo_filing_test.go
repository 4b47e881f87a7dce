package server_test

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"eportid/app/model"
	"eportid/backend/auth"
	"eportid/backend/server"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// Two starts with demo data on one database (make run twice on ./var):
// the demo card's enterprise has exactly one legal-person filing, approved
// at FJ01 with valid values, whose audit trail names the demo data and the
// demo reviewer; the reviewer's password of the first start still logs in.
func TestDemoDataTwice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		fast := auth.NewHasher(auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 0)
		// The demo card registers the enterprise before the server starts.
		ent, err := st.CreateEnterprise(ctx, server.DemoEnterprise)
		if err != nil {
			t.Fatal(err)
		}
		start := func() (*server.Main, string) {
			var out bytes.Buffer
			srv := server.New(server.Config{Addr: "127.0.0.1:0", Store: st, Log: quiet, Stdout: &out, NoJanitor: true,
				DemoData: true, Hasher: fast})
			if err := srv.Open(ctx); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Close() })
			return srv, out.String()
		}
		first, out1 := start()
		pw, secret := passwordRe.FindStringSubmatch(out1), secretRe.FindStringSubmatch(out1)
		if pw == nil || secret == nil || !strings.Contains(out1, "法人信息 "+model.StateApproved.Label()) {
			t.Fatalf("first start:\n%s", out1)
		}
		first.Close()
		srv, out2 := start()
		if strings.Contains(out2, pw[1]) || !strings.Contains(out2, "reset-password -username "+server.DemoReviewer) ||
			!strings.Contains(out2, secret[1]) || !strings.Contains(out2, "法人信息 "+model.StateApproved.Label()) {
			t.Errorf("second start:\n%s", out2)
		}

		list, err := st.Filings(model.FilingLegalPerson).List(ctx, ent.ID)
		if err != nil || len(list) != 1 {
			t.Fatalf("legal-person filings after two starts: %d, %v", len(list), err)
		}
		r := list[0]
		if r.State != model.StateApproved || r.Fields["agent_point"] != server.DemoAgentPoint || r.Fields["credit_code"] != ent.CreditCode ||
			r.Fields["name_cn"] != ent.NameCN {
			t.Errorf("filing: %+v", r)
		}
		if errs := model.FilingLegalPerson.Spec().Validate(r.Fields, false, model.RoleNoCardAdmin, model.Declare); len(errs) > 0 {
			t.Errorf("filing's values break the form's rules: %v", errs)
		}
		cities, err := st.Cities(ctx, r.Fields["province"])
		if err != nil || !slices.ContainsFunc(cities, func(o model.Option) bool { return o.Code == r.Fields["city"] }) {
			t.Errorf("city %s is not one of province %s's: %v", r.Fields["city"], r.Fields["province"], err)
		}
		for _, d := range []struct{ kind, code string }{{store.DeptMarket, r.Fields["market_dept"]}, {store.DeptTax, r.Fields["tax_dept"]}} {
			if ok, err := st.DepartmentAllowed(ctx, d.kind, r.Fields["agent_point"], d.code); !ok || err != nil {
				t.Errorf("%s department %s not among %s's presets: %v", d.kind, d.code, r.Fields["agent_point"], err)
			}
		}
		queue, err := st.ReviewQueue(ctx, server.DemoAgentPoint)
		if err != nil || len(queue) != 0 {
			t.Errorf("review queue of FJ01: %v %v", queue, err)
		}

		rv, err := st.ReviewerByUsername(ctx, server.DemoReviewer)
		if err != nil {
			t.Fatal(err)
		}
		hist, err := st.History(ctx, ent.ID, r.Ref())
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range hist {
			got = append(got, string(h.Action)+" by "+h.UserName)
		}
		want := []string{"create by " + server.DemoSeeder, "declare by " + server.DemoSeeder, "approve by " + server.DemoReviewer}
		if !slices.Equal(got, want) {
			t.Fatalf("audit trail %q, want %q", got, want)
		}
		if a := hist[2]; a.UserID != rv.ID || a.Role != model.RoleReviewer || a.ToState != model.StateApproved {
			t.Errorf("approval's audit row: %+v", a)
		}

		key, err := auth.ParseTOTPSecret(secret[1])
		if err != nil {
			t.Fatal(err)
		}
		body := `{"username":"` + server.DemoReviewer + `","password":"` + pw[1] + `","totp":"` + auth.TOTP(key, time.Now()) + `"}`
		resp, err := http.Post(srv.URL()+"/api/review/session", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("first start's password after the second start: %d", resp.StatusCode)
		}
	})
}

// Without the demo card's enterprise (make run without the card side)
// demo data makes no enterprise and no filing, and says so.
func TestDemoDataWithoutDemoCard(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	var out bytes.Buffer
	srv := server.New(server.Config{Addr: "127.0.0.1:0", Store: st, Log: quiet, Stdout: &out, NoJanitor: true,
		DemoData: true, Hasher: auth.NewHasher(auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 0)})
	if err := srv.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if !strings.Contains(out.String(), server.DemoCreditCode+") not registered") {
		t.Errorf("start output:\n%s", out.String())
	}
	if _, err := st.EnterpriseByCreditCode(context.Background(), server.DemoCreditCode); err == nil {
		t.Error("demo enterprise made without the demo card")
	}
}
