package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"runtime"
	"strconv"
	"testing"

	"eportid/app/model"
	"eportid/backend/auth"
	"eportid/backend/server"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// benchServer runs a server on PostgreSQL with the real argon2id
// parameters and an enterprise whose administrator is "bench".
func benchServer(b *testing.B) (*server.Main, store.Enterprise) {
	b.Helper()
	st := storetest.Open(b, store.Postgres)
	srv := server.New(server.Config{Addr: "127.0.0.1:0", Store: st, Log: quiet, Stdout: io.Discard, NoJanitor: true})
	if err := srv.Open(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	ctx := context.Background()
	ent, err := st.CreateEnterprise(ctx, store.Enterprise{CreditCode: "91350100M000100Y43", NameCN: "基准测试有限公司"})
	if err != nil {
		b.Fatal(err)
	}
	hash, err := srv.API.Hasher.Hash(ctx, "bench password")
	if err != nil {
		b.Fatal(err)
	}
	if p, _, _, _ := auth.Decode(hash); p != auth.DefaultParams {
		b.Fatalf("not the real parameters: %+v", p)
	}
	if _, err := st.CreateUser(ctx, store.User{EnterpriseID: ent.ID, Username: "bench", PasswordHash: hash, Role: model.RoleNoCardAdmin}); err != nil {
		b.Fatal(err)
	}
	return srv, ent
}

func post(b *testing.B, hc *http.Client, method, url, csrf string, in, out any) {
	body, _ := json.Marshal(in)
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if csrf != "" {
		req.Header.Set(model.CSRFHeader, csrf)
	}
	resp, err := hc.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		msg, _ := io.ReadAll(resp.Body)
		b.Fatalf("%s %s: %d %s", method, url, resp.StatusCode, msg)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			b.Fatal(err)
		}
	} else {
		io.Copy(io.Discard, resp.Body)
	}
}

// BenchmarkLogin measures password logins over HTTP (argon2id m=19 MiB,
// t=2, p=1; a session row each) with as many clients as cores.
func BenchmarkLogin(b *testing.B) {
	srv, _ := benchServer(b)
	url := srv.URL() + "/api/session"
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		hc := &http.Client{}
		for pb.Next() {
			post(b, hc, http.MethodPost, url, "", model.LoginRequest{Username: "bench", Password: "bench password"}, nil)
		}
	})
	perSec := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(perSec, "logins/s")
	b.ReportMetric(perSec/float64(runtime.NumCPU()), "logins/s/core")
}

// BenchmarkSaveDeclare measures 暂存 then 申报 of the legal-person filing
// over HTTP on PostgreSQL (the agent point's return, which makes the
// record editable again, is not timed).
func BenchmarkSaveDeclare(b *testing.B) {
	srv, ent := benchServer(b)
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	var s model.Session
	post(b, hc, http.MethodPost, srv.URL()+"/api/session", "", model.LoginRequest{Username: "bench", Password: "bench password"}, &s)
	p := benchLegalPerson(ent.CreditCode, "基准测试有限公司")
	var rec model.Record
	post(b, hc, http.MethodPost, srv.URL()+"/api/filings/legal_person", s.CSRFToken, model.SaveRequest{Fields: p}, &rec)
	path := srv.URL() + "/api/filings/legal_person/" + strconv.FormatInt(rec.ID, 10)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p["address"] = "福州市鼓楼区五四路" + strconv.Itoa(i) + "号"
		post(b, hc, http.MethodPut, path, s.CSRFToken, model.SaveRequest{Version: rec.Version, Fields: p}, &rec)
		post(b, hc, http.MethodPost, path+"/declare", s.CSRFToken, model.SaveRequest{Version: rec.Version, Fields: p}, &rec)
		b.StopTimer()
		r, err := srv.Store.Return(ctx, "FJ01", rec.Ref(), rec.Version, benchReviewer, "基准")
		if err != nil {
			b.Fatal(err)
		}
		rec.Version = r.Version
		b.StartTimer()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "save+declare/s")
}

// BenchmarkDeclareConcurrent measures 申报 over HTTP on PostgreSQL with 8
// clients at once, each its own enterprise, as agent points see them on a
// busy day. Each declaration (fields saved and state changed in one
// transaction) is followed by the agent point's return so the record can be
// declared again; that return is inside the timing, so the figure is a
// floor.
func BenchmarkDeclareConcurrent(b *testing.B) {
	const clients = 8
	srv, _ := benchServer(b)
	ctx := context.Background()
	type client struct {
		hc   *http.Client
		csrf string
		path string
		p    model.Fields
		ver  int
	}
	pool := make(chan *client, clients)
	for i := 0; i < clients; i++ {
		c17 := fmt.Sprintf("913501%011d", 10+i)
		ch, err := model.CreditCodeCheckChar(c17)
		if err != nil {
			b.Fatal(err)
		}
		ent, err := srv.Store.CreateEnterprise(ctx, store.Enterprise{CreditCode: c17 + string(ch), NameCN: "并发基准" + strconv.Itoa(i)})
		if err != nil {
			b.Fatal(err)
		}
		hash, _ := srv.API.Hasher.Hash(ctx, "bench password")
		name := "bench" + strconv.Itoa(i)
		if _, err := srv.Store.CreateUser(ctx, store.User{EnterpriseID: ent.ID, Username: name, PasswordHash: hash, Role: model.RoleNoCardAdmin}); err != nil {
			b.Fatal(err)
		}
		jar, _ := cookiejar.New(nil)
		c := &client{hc: &http.Client{Jar: jar}}
		var s model.Session
		post(b, c.hc, http.MethodPost, srv.URL()+"/api/session", "", model.LoginRequest{Username: name, Password: "bench password"}, &s)
		c.csrf = s.CSRFToken
		c.p = benchLegalPerson(ent.CreditCode, ent.NameCN)
		var rec model.Record
		post(b, c.hc, http.MethodPost, srv.URL()+"/api/filings/legal_person", c.csrf, model.SaveRequest{Fields: c.p}, &rec)
		c.path = srv.URL() + "/api/filings/legal_person/" + strconv.FormatInt(rec.ID, 10)
		c.ver = rec.Version
		pool <- c
	}
	b.SetParallelism((clients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := <-pool
		defer func() { pool <- c }()
		for pb.Next() {
			var rec model.Record
			post(b, c.hc, http.MethodPost, c.path+"/declare", c.csrf, model.SaveRequest{Version: c.ver, Fields: c.p}, &rec)
			r, err := srv.Store.Return(ctx, "FJ01", rec.Ref(), rec.Version, benchReviewer, "基准")
			if err != nil {
				b.Error(err)
				return
			}
			c.ver = r.Version
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "declarations/s")
}

// benchReviewer returns the benchmarks' declarations.
var benchReviewer = store.Actor{Name: "reviewer", Role: model.RoleReviewer}

// benchLegalPerson is a legal-person filing of the credit code that
// declares at agent point FJ01.
func benchLegalPerson(creditCode, name string) model.Fields {
	return model.Fields{
		"credit_code": creditCode, "name_cn": name, "enterprise_type": "1100",
		"province": "350000", "city": "350100", "address": "福州市鼓楼区五四路1号",
		"legal_rep_name": "张三", "legal_rep_id_type": model.IDTypeResident, "legal_rep_id_number": "11010519491231002X",
		"phone": "0591-87654321", "agent_point": "FJ01", "market_dept": "M350000", "tax_dept": "T350000",
	}
}
