package e2e

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"eportid/app/model"
	"eportid/app/ui"
	"eportid/backend/cardauth"
	"eportid/backend/cardtest"
	"eportid/backend/server"
	"eportid/backend/store"
	"eportid/cardbridge/bridge"
	"eportid/cardbridge/pcsc"
	"eportid/cardbridge/testenv"
)

// TestCardHolderSignsDeclaration is the card side in the browser, through
// the real stack: headless Chromium ↔ websocket ↔ the card bridge ↔ pcsc-lite
// ↔ pcscd ↔ vpcd ↔ a soft card whose certificate the server's CA issued.
// The holder logs in with the card (a wrong PIN first: tries left shown),
// declares the legal-person filing signed with the card, sees 已签名 with
// the signer and the signed declaration in the history, and pulling the
// card out ends the session and returns the page to the login.
//
// Without Chromium, web/app.wasm, pcscd or vpcd it skips, under CI it
// fails (newBrowser, testenv.Start).
func TestCardHolderSignsDeclaration(t *testing.T) {
	ctx := newBrowser(t)
	authority := cardtest.NewCA(t, nil)
	const (
		credit = "91350100M000100Y43"
		name   = "福州卡示例贸易有限公司"
		holder = "赵六"
		number = "8000000000000909"
	)
	card := cardtest.New(t, authority, cardtest.Options{CreditCode: credit, CardNumber: number, HolderName: holder,
		EnterpriseName: name, File: filepath.Join(t.TempDir(), "card.json")})
	env := testenv.Start(t, card.Soft)

	// The bridge's address goes into the server's CSP and pages, the
	// server's origin into the bridge's allowlist: reserve the first.
	bln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{
		Addr:          "127.0.0.1:0",
		DatabaseURL:   filepath.Join(t.TempDir(), "e2e.db"),
		WebDir:        filepath.Join(repoRoot(), "web"),
		UI:            ui.Handler(),
		Stdout:        io.Discard,
		NoJanitor:     true,
		CA:            authority,
		CardBridgeURL: "ws://" + bln.Addr().String(),
	})
	if err := srv.Open(context.Background()); err != nil {
		bln.Close()
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	base := srv.URL()

	br, err := bridge.New(bridge.Config{Origins: []string{base}, Cards: pcsc.NewService(env.Reader), OpTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	bctx, stopBridge := context.WithCancel(context.Background())
	bdone := make(chan error, 1)
	go func() { bdone <- br.Serve(bctx, bln) }()
	t.Cleanup(func() {
		stopBridge()
		select {
		case <-bdone:
		case <-time.After(5 * time.Second):
			t.Error("the bridge did not stop")
		}
	})

	run(t, ctx, "【注册】 → 企业用户注册 → 有卡注册: the enterprise comes from the card's certificate",
		chromedp.Navigate(base+"/"),
		click(css("#link-register")),
		visible(css("#btn-enterprise")),
		click(css("#btn-enterprise")),
		visible(css("#btn-card")),
		click(css("#btn-card")),
		waitText(css("#card-status"), "已插入法人卡 "+number+"（"+holder+"）"),
		typeInto(css("#reg-pin"), cardtest.PIN),
		click(css("#btn-register-card")),
		waitText(css("#result"), "有卡注册成功"),
		waitText(css("#result"), name),
	)
	if e, err := srv.Store.EnterpriseByCreditCode(context.Background(), credit); err != nil || e.NameCN != name || e.LegalRepName != holder {
		t.Fatalf("enterprise of the card registration: %+v %v", e, err)
	}

	run(t, ctx, "【IC 卡登录】 shows the card in the reader",
		click(css("#link-login")),
		visible(css("#mode-card")),
		click(css("#mode-card")),
		waitText(css("#card-status"), "已插入法人卡 "+number+"（"+holder+"）"),
	)
	run(t, ctx, "a wrong PIN is refused by the card, with the tries left",
		typeInto(css("#login-pin"), "654321"),
		click(css("#btn-card-login")),
		waitText(css("#login-error"), "IC 卡密码错误，还可以尝试 4 次"),
	)
	run(t, ctx, "the right PIN logs in",
		typeInto(css("#login-pin"), cardtest.PIN),
		click(css("#btn-card-login")),
		visible(css("#btn-logout")),
		waitText(css("#header-user"), holder+"（法人卡 "+number+"）"),
		waitText(css("#header-enterprise"), name),
	)
	if n := card.Soft.TriesLeft(); n != 5 {
		t.Errorf("tries left after the right PIN: %d", n)
	}
	run(t, ctx, "open 法人信息录入 and fill the filing",
		click(css(`[data-menu="legal-person"]`)),
		visible(panel("#btn-new")),
		waitJS(`document.querySelector(".tab-panel.active #f-credit_code").value === "`+credit+`"`),
		typeInto(panel("#f-name_cn"), name),
		choose(panel("#f-enterprise_type"), "1100"),
		choose(panel("#f-province"), "350000"),
		choose(panel("#f-city"), "350100"),
		typeInto(panel("#f-address"), "福州市鼓楼区五四路1号"),
		typeInto(panel("#f-legal_rep_name"), holder),
		choose(panel("#f-legal_rep_id_type"), "1"),
		typeInto(panel("#f-legal_rep_id_number"), "11010519491231002X"),
		typeInto(panel("#f-phone"), "0591-87654321"),
		choose(panel("#f-agent_point"), agentPointWithDepts(t, srv)),
	)
	market, tax := firstDepts(t, srv)
	run(t, ctx, "申报, signed with the card's PIN",
		choose(panel("#f-market_dept"), market),
		choose(panel("#f-tax_dept"), tax),
		click(panel("#btn-declare")),
		visible(css("#confirm-ok")),
		click(css("#confirm-ok")),
		visible(css("#pin-input")),
		typeInto(css("#pin-input"), cardtest.PIN),
		click(css("#pin-ok")),
		waitText(panel("#status"), "申报成功"),
		waitText(panel("#state"), "已申报"),
		waitText(panel("#signature"), "已签名 · "+holder+"（法人卡 "+number+"）"),
		waitText(panel(`#history tr[data-action="declare"]`), "已签名"),
		waitText(panel(`#history tr[data-action="declare"]`), holder),
	)

	// The server kept the signature with the record, and it verifies.
	recs, err := srv.Store.Filings(model.FilingLegalPerson).List(context.Background(), enterpriseOf(t, srv, credit))
	if err != nil || len(recs) != 1 || recs[0].State != model.StateDeclared {
		t.Fatalf("records %+v %v", recs, err)
	}
	rs, err := srv.Store.LatestRecordSignature(context.Background(), enterpriseOf(t, srv, credit),
		model.RecordRef{Kind: model.FilingLegalPerson, ID: recs[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	canonical := model.CanonicalRecord("legal_person", recs[0].ID, rs.Version, recs[0].Fields)
	if err := cardauth.VerifyRecordSignature(rs.Certificate, canonical, rs.Signature); err != nil || rs.CardNumber != number {
		t.Fatalf("stored signature of card %s: %v", rs.CardNumber, err)
	}

	// Pulling the card out ends the session, in the page and on the server.
	card.Soft.Remove()
	run(t, ctx, "the page returns to the login when the card is pulled",
		waitJS(`location.pathname === "/"`),
		waitText(css("#login-error"), "IC 卡已拔出"),
		visible(css("#card-status")),
	)
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch("/api/session", {credentials: "same-origin"}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusUnauthorized {
		t.Fatalf("GET /api/session after the card was pulled = %d, want 401", status)
	}
}

func enterpriseOf(t *testing.T, srv *server.Main, credit string) int64 {
	t.Helper()
	e, err := srv.Store.EnterpriseByCreditCode(context.Background(), credit)
	if errors.Is(err, store.ErrNotFound) || err != nil {
		t.Fatalf("enterprise %s: %v", credit, err)
	}
	return e.ID
}

// TestCardLoginWithoutBridge: with no card bridge running, 【IC 卡登录】 says
// to start it.
func TestCardLoginWithoutBridge(t *testing.T) {
	ctx := newBrowser(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close() // nothing listens there now
	srv := server.New(server.Config{
		Addr: "127.0.0.1:0", DatabaseURL: filepath.Join(t.TempDir(), "e2e.db"), WebDir: filepath.Join(repoRoot(), "web"),
		UI: ui.Handler(), Stdout: io.Discard, NoJanitor: true, CA: cardtest.NewCA(t, nil), CardBridgeURL: "ws://" + closed,
	})
	if err := srv.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	run(t, ctx, "【IC 卡登录】 without a bridge",
		chromedp.Navigate(srv.URL()+"/"),
		visible(css("#mode-card")),
		click(css("#mode-card")),
		waitText(css("#card-status"), "请先启动读卡服务 cardbridge"),
		waitJS(`document.querySelector("#btn-card-login").disabled && document.querySelector("#login-pin").disabled`),
	)
}
