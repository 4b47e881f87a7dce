package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"eportid/app/model"
	"eportid/backend/auth"
	"eportid/backend/server"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestOpenServeClose(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			var out bytes.Buffer
			srv := server.New(server.Config{
				Addr:        "127.0.0.1:0",
				DatabaseURL: storetest.URL(t, dialect),
				WebDir:      t.TempDir(),
				Log:         quiet,
				Stdout:      &out,
			})
			if err := srv.Open(context.Background()); err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			if !strings.HasPrefix(srv.URL(), "http://127.0.0.1:") || strings.HasSuffix(srv.URL(), ":0") {
				t.Fatalf("URL %q", srv.URL())
			}
			line := out.String()
			if !strings.HasPrefix(line, "eportid listening on "+srv.URL()+" (database: "+dialect+" ") {
				t.Errorf("listening line %q", line)
			}
			if strings.Contains(line, "password") {
				t.Errorf("listening line shows a password: %q", line)
			}
			resp, err := http.Get(srv.URL() + "/api/ref/agent-points")
			if err != nil {
				t.Fatal(err)
			}
			var aps []model.AgentPoint
			json.NewDecoder(resp.Body).Decode(&aps)
			resp.Body.Close()
			if resp.StatusCode != 200 || len(aps) == 0 {
				t.Fatalf("agent points: %d %d", resp.StatusCode, len(aps))
			}
			if err := srv.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := http.Get(srv.URL() + "/api/ref/agent-points"); err == nil {
				t.Error("still serving after Close")
			}
		})
	}
}

func TestJanitorDeletesExpiredSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		now := time.Now()
		srv := server.New(server.Config{Addr: "127.0.0.1:0", Store: st, Log: quiet, Stdout: io.Discard,
			NoJanitor: true, Now: func() time.Time { return now }})
		if err := srv.Open(context.Background()); err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		ctx := context.Background()
		u, err := st.CreateUser(ctx, store.User{Username: "reviewer1", PasswordHash: "x", Role: model.RoleReviewer})
		if err != nil {
			t.Fatal(err)
		}
		_, idle := auth.NewToken()
		_, abs := auth.NewToken()
		_, live := auth.NewToken()
		for _, s := range []store.Session{
			{TokenHash: idle, UserID: u.ID, CSRFToken: "a", CreatedAt: now.Add(-time.Hour), LastSeenAt: now.Add(-31 * time.Minute)},
			{TokenHash: abs, UserID: u.ID, CSRFToken: "b", CreatedAt: now.Add(-13 * time.Hour), LastSeenAt: now.Add(-time.Minute)},
			{TokenHash: live, UserID: u.ID, CSRFToken: "c", CreatedAt: now.Add(-time.Hour), LastSeenAt: now.Add(-time.Minute)},
		} {
			if _, err := st.CreateSession(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		srv.Clean(ctx)
		for h, want := range map[*[]byte]bool{&idle: false, &abs: false, &live: true} {
			_, err := st.SessionByTokenHash(ctx, *h)
			if (err == nil) != want {
				t.Errorf("session kept=%v, want %v", err == nil, want)
			}
		}
	})
}

func TestParseConfig(t *testing.T) {
	env := map[string]string{
		"EPORTID_ADDR":            "0.0.0.0:9000",
		"DATABASE_URL":            "postgres://u:p@db/eportid",
		"EPORTID_BASE_URL":        "https://eport.example.cn",
		"EPORTID_TRUSTED_PROXIES": "10.0.0.0/8",
	}
	c, err := server.ParseConfig([]string{"-web", "/srv/web"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "0.0.0.0:9000" || c.DatabaseURL != "postgres://u:p@db/eportid" || c.BaseURL != "https://eport.example.cn" ||
		c.WebDir != "/srv/web" || len(c.TrustedProxies) != 1 {
		t.Fatalf("config %+v", c)
	}
	c, err = server.ParseConfig(nil, func(string) string { return "" })
	if err != nil || c.Addr != server.DefaultAddr || c.DatabaseURL != server.DefaultDatabaseURL || c.WebDir != server.DefaultWebDir {
		t.Fatalf("defaults %+v %v", c, err)
	}
	if _, err := server.ParseConfig([]string{"-trusted-proxies", "x"}, func(string) string { return "" }); err == nil {
		t.Error("bad proxy list accepted")
	}
}
