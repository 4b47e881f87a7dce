package main

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"eportid/backend/auth"
	"eportid/backend/server"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// TestSoakChecksDeclarations runs the mix briefly against a server on
// PostgreSQL: every answer is a 2xx, every acknowledged declaration is
// found with its audit row, and a declaration the database does not hold
// is reported missing.
func TestSoakChecksDeclarations(t *testing.T) {
	st := storetest.Open(t, store.Postgres)
	ctx := context.Background()
	key := make([]byte, store.SecretKeyLen)
	rand.Read(key)
	if err := st.UseSecretKey(ctx, key); err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{Addr: "127.0.0.1:0", Store: st, NoJanitor: true,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Stdout: io.Discard})
	if err := srv.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })

	hasher := auth.NewHasher(auth.DefaultParams, 2)
	users, err := makeUsers(ctx, st, hasher, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	revs, err := makeReviewers(ctx, st, hasher, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	l := &load{base: srv.URL(), rec: rec, tr: tr, inflight: make(chan struct{}, 32)}
	if err := l.setup(ctx, st, users, revs); err != nil {
		t.Fatal(err)
	}
	lctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	l.run(lctx, Mix{Logins: 1, Lists: 10, Saves: 5, Declarations: 5, Reviews: 5})

	if n := rec.count(func(s int) bool { return s < 200 || s > 299 }); n > 0 || rec.errors > 0 || len(l.failed) > 0 {
		t.Fatalf("%d answers not 2xx, %d without an answer: %v", n, rec.errors, l.failed)
	}
	if len(l.acks) == 0 {
		t.Fatal("no declaration acknowledged")
	}
	db := st.DB().DB
	found, missing, err := checkDeclarations(ctx, db, l.acks)
	if err != nil || found != len(l.acks) || len(missing) > 0 {
		t.Fatalf("found %d of %d acknowledged declarations, missing %v: %v", found, len(l.acks), missing, err)
	}
	forged := append([]ack{{EnterpriseID: l.acks[0].EnterpriseID, RecordID: l.acks[0].RecordID, Address: "从未申报的地址"}}, l.acks[0])
	found, missing, err = checkDeclarations(ctx, db, forged)
	if err != nil || found != 1 || len(missing) != 1 || missing[0].Address != "从未申报的地址" {
		t.Fatalf("a declaration never made: found %d, missing %v, %v", found, missing, err)
	}
}
