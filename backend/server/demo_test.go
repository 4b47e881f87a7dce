package server_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"eportid/app/model"
	"eportid/backend/auth"
	"eportid/backend/registry"
	"eportid/backend/server"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

func TestParseConfigDemoAndRegistries(t *testing.T) {
	none := func(string) string { return "" }
	c, err := server.ParseConfig(nil, none)
	if err != nil || !c.DemoData || c.RegistryTimeout != registry.DefaultTimeout || c.RegistryForexURL != "" {
		t.Fatalf("SQLite defaults: %+v %v", c, err)
	}
	env := map[string]string{
		"DATABASE_URL":                 "postgres://u@db/eportid",
		"EPORTID_REGISTRY_FOREX_URL":   "https://forex.example.cn/lookup",
		"EPORTID_REGISTRY_TIMEOUT":     "1500ms",
		"EPORTID_REGISTRY_CUSTOMS_URL": "https://customs.example.cn/lookup",
	}
	c, err = server.ParseConfig(nil, func(k string) string { return env[k] })
	if err != nil || c.DemoData || c.RegistryTimeout != 1500*time.Millisecond ||
		c.RegistryForexURL != env["EPORTID_REGISTRY_FOREX_URL"] || c.RegistryCustomsURL == "" || c.RegistryCommerceURL != "" {
		t.Fatalf("PostgreSQL: %+v %v", c, err)
	}
	env["EPORTID_DEMO_DATA"] = "true"
	if c, err = server.ParseConfig(nil, func(k string) string { return env[k] }); err != nil || !c.DemoData {
		t.Fatalf("demo data on: %+v %v", c, err)
	}
	if c, err = server.ParseConfig([]string{"-demo-data=false"}, none); err != nil || c.DemoData {
		t.Fatalf("demo data off: %+v %v", c, err)
	}
	for _, bad := range [][]string{{"-registry-timeout", "soon"}, {"-registry-timeout", "-1s"}, {"-demo-data", "maybe"}} {
		if _, err := server.ParseConfig(bad, none); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

var (
	passwordRe = regexp.MustCompile(`password:\s+(\S+)`)
	secretRe   = regexp.MustCompile(`TOTP secret:\s+(\S+)`)
)

// With demo data the registry tables hold the fixtures and a reviewer of
// FJ01 is made, whose printed credentials log in to the review console; a
// second start keeps its password and TOTP secret, and prints the secret
// but not the password.
func TestDemoData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		fast := auth.NewHasher(auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 0)
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
		srv, out := start()
		pw, secret := passwordRe.FindStringSubmatch(out), secretRe.FindStringSubmatch(out)
		if pw == nil || secret == nil || !strings.Contains(out, server.DemoReviewer) || !strings.Contains(out, "otpauth://totp/") {
			t.Fatalf("start output:\n%s", out)
		}
		if _, err := st.RegistryRecord(ctx, model.FilingForex, "91440300MA5F3K2L57"); err != nil {
			t.Errorf("registry fixtures: %v", err)
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
			t.Errorf("demo reviewer login: %d", resp.StatusCode)
		}
		srv.Close()
		_, out2 := start()
		if s := secretRe.FindStringSubmatch(out2); s == nil || s[1] != secret[1] || strings.Contains(out2, pw[1]) {
			t.Errorf("second start:\n%s", out2)
		}
	})
}

// The HTTP registries of the configuration are the API's.
func TestRegistriesFromConfig(t *testing.T) {
	hits := 0
	reg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		http.NotFound(w, r)
	}))
	defer reg.Close()
	srv := server.New(server.Config{Addr: "127.0.0.1:0", Store: storetest.Open(t, store.SQLite), Log: quiet,
		Stdout: &bytes.Buffer{}, NoJanitor: true, RegistryForexURL: reg.URL})
	if err := srv.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	r := srv.API.Registries
	if _, err := r[model.FilingForex].Lookup(context.Background(), "91440300MA5F3K2L57"); err == nil || hits != 1 {
		t.Errorf("forex over HTTP: %v, %d hits", err, hits)
	}
	// Commerce reads the (empty) registry tables.
	if _, err := r[model.FilingCommerce].Lookup(context.Background(), "91440300MA5F3K2L57"); err == nil || hits != 1 {
		t.Errorf("commerce: %v, %d hits", err, hits)
	}
}
