package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"eportid/app/model"
	"eportid/backend/server"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

func TestCardConfig(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := server.ParseConfig(nil, env(nil))
	if err != nil || c.CADir != server.DefaultCADir || !c.CACreate || c.CardBridgeURL != "ws://127.0.0.1:34567" {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	// A CA directory given is production's: it must exist, unless asked.
	c, _ = server.ParseConfig(nil, env(map[string]string{"EPORTID_CA_DIR": "/etc/eportid/ca"}))
	if c.CADir != "/etc/eportid/ca" || c.CACreate {
		t.Fatalf("EPORTID_CA_DIR: %+v", c)
	}
	c, _ = server.ParseConfig(nil, env(map[string]string{"EPORTID_CA_DIR": "/x", "EPORTID_CA_CREATE": "true",
		"EPORTID_CARDBRIDGE_URL": "ws://127.0.0.1:4000"}))
	if !c.CACreate || c.CardBridgeURL != "ws://127.0.0.1:4000" {
		t.Fatalf("EPORTID_CA_CREATE: %+v", c)
	}
	c, _ = server.ParseConfig([]string{"-ca-dir", "/y", "-cardbridge-url", "wss://bridge.local:1"}, env(nil))
	if c.CADir != "/y" || c.CardBridgeURL != "wss://bridge.local:1" {
		t.Fatalf("flags: %+v", c)
	}

	// Open makes the development CA and serves the card settings.
	dir := filepath.Join(t.TempDir(), "ca")
	srv := server.New(server.Config{Addr: "127.0.0.1:0", Store: storetest.Open(t, store.SQLite), Log: quiet,
		Stdout: io.Discard, NoJanitor: true, CADir: dir, CACreate: true, CardBridgeURL: "ws://127.0.0.1:4000"})
	if err := srv.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if srv.CA == nil {
		t.Fatal("no CA")
	}
	if _, err := os.Stat(filepath.Join(dir, "ca.key")); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(srv.URL() + "/api/card/config")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var cfg model.CardConfig
	if err := json.NewDecoder(resp.Body).Decode(&cfg); err != nil || cfg.BridgeURL != "ws://127.0.0.1:4000" || cfg.Origin != srv.URL() {
		t.Fatalf("config %+v %v", cfg, err)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self' ws://127.0.0.1:4000;") {
		t.Fatalf("CSP %q", csp)
	}

	// Without Create, a missing CA stops the server.
	bad := server.New(server.Config{Addr: "127.0.0.1:0", Store: storetest.Open(t, store.SQLite), Log: quiet,
		Stdout: io.Discard, NoJanitor: true, CADir: filepath.Join(t.TempDir(), "none")})
	if err := bad.Open(context.Background()); err == nil {
		bad.Close()
		t.Fatal("opened without a CA")
	}
}

func TestJanitorCards(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	now := time.Now()
	srv := server.New(server.Config{Addr: "127.0.0.1:0", Store: st, Log: quiet, Stdout: io.Discard, NoJanitor: true,
		Now: func() time.Time { return now }})
	if err := srv.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()
	if err := st.LoginNonces().Put(ctx, "old", "a", now.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := st.RegisterCard(ctx, store.CardRegistration{CardNumber: "J1", Kind: model.CardLegalPerson, HolderName: "张三",
		Certificate: []byte{0x30, 0}, Serial: "1", NotAfter: now.Add(-time.Minute), CreditCode: "91350100M000100Y43",
		NewEnterprise: store.Enterprise{NameCN: "甲"}}); err != nil {
		t.Fatal(err)
	}
	srv.Clean(ctx)
	if _, ok, _ := st.LoginNonces().Take(ctx, "old", now.Add(-time.Hour)); ok {
		t.Error("expired nonce kept")
	}
	if c, err := st.CardByNumber(ctx, "J1"); err != nil || c.State != store.CardExpired {
		t.Errorf("card %+v %v", c, err)
	}
}
