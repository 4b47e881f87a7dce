package e2e

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/emmansun/gmsm/smx509"

	"eportid/app/model"
	"eportid/backend/ca"
	"eportid/backend/cardtest"
	"eportid/backend/httpapi"
	"eportid/backend/store"
	"eportid/cardbridge/cardapp"
	"eportid/cardbridge/pcsc"
)

const (
	cmOpName   = "孙操作"
	cmOpNumber = "8000000000000088"
	cmNewPIN   = "246810"
)

// operatorNearExpiry registers an operator card of the world's enterprise
// whose certificate ends in 20 days.
func operatorNearExpiry(t *testing.T, w *filingsWorld) *cardtest.Card {
	t.Helper()
	op := cardtest.New(t, w.ca, cardtest.Options{CreditCode: fwCredit, Kind: ca.CardOperator, CardNumber: cmOpNumber,
		HolderName: cmOpName, EnterpriseName: fwName, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(20*24*time.Hour + time.Hour)})
	id := op.Identity
	if _, _, _, err := w.srv.Store.RegisterCard(context.Background(), store.CardRegistration{
		CardNumber: id.CardNumber, Kind: model.CardOperator, HolderName: id.HolderName,
		Certificate: op.CertDER, Serial: id.SerialHex, NotAfter: id.NotAfter, CreditCode: fwCredit,
	}); err != nil {
		t.Fatalf("operator card fixture: %v", err)
	}
	return op
}

// httpCardSession logs the card in over HTTP, as another PC with its own
// reader would, and returns a client of its session.
func httpCardSession(t *testing.T, base string, card *cardtest.Card) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	post := func(path string, in, out any) {
		b, _ := json.Marshal(in)
		req, _ := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", base)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatal(err)
		}
	}
	var begin model.CardLoginBegin
	post("/api/card-login/begin", struct{}{}, &begin)
	nonce, err := base64.RawURLEncoding.DecodeString(begin.Nonce)
	if err != nil {
		t.Fatal(err)
	}
	var s model.Session
	post("/api/card-login/finish", model.CardLoginProof{Attempt: begin.Attempt, Nonce: begin.Nonce, Certificate: card.CertDER,
		Signature: card.SignLogin(t, base, nonce)}, &s)
	if s.CardNumber != card.Identity.CardNumber {
		t.Fatalf("HTTP card session %+v", s)
	}
	return hc
}

func getStatus(t *testing.T, hc *http.Client, url string) int {
	t.Helper()
	resp, err := hc.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// cardLoginWith logs in with the card in the reader and pin.
func cardLoginWith(t *testing.T, ctx context.Context, base, pin string) {
	t.Helper()
	run(t, ctx, "log in with the IC card and its PIN",
		chromedp.Navigate(base+"/"),
		visible(css("#mode-card")),
		click(css("#mode-card")),
		visible(css("#login-pin")),
		waitJS(`!document.querySelector("#btn-card-login").disabled`),
		typeInto(css("#login-pin"), pin),
		click(css("#btn-card-login")),
		visible(css("#btn-logout")),
	)
}

// cardLoginRefused tries a card login and wants the refusal want.
func cardLoginRefused(t *testing.T, ctx context.Context, base, pin, want string) {
	t.Helper()
	run(t, ctx, "the card login is refused: "+want,
		chromedp.Navigate(base+"/"),
		visible(css("#mode-card")),
		click(css("#mode-card")),
		visible(css("#login-pin")),
		waitJS(`!document.querySelector("#btn-card-login").disabled`),
		typeInto(css("#login-pin"), pin),
		click(css("#btn-card-login")),
		waitText(css("#login-error"), want),
	)
}

func logout(t *testing.T, ctx context.Context) {
	t.Helper()
	run(t, ctx, "【退出】", click(css("#btn-logout")), visible(css("#mode-card")))
}

// openManagedCard opens 企业操作员 IC 卡管理 and the card's detail.
func openManagedCard(t *testing.T, ctx context.Context, number string) {
	t.Helper()
	run(t, ctx, "企业操作员 IC 卡管理: open card "+number,
		click(css(`[data-menu="card-manage"]`)),
		visible(panel(`#cm-list tr[data-card="`+number+`"]`)),
		click(panel(`#cm-list tr[data-card="`+number+`"] .cm-open`)),
		waitText(panel("#cm-d-number"), number),
	)
}

// signAction confirms and signs an action with the legal-person card.
func signAction(t *testing.T, ctx context.Context, what, button, status string) {
	t.Helper()
	run(t, ctx, what,
		waitJS(`!document.querySelector(".tab-panel.active `+button+`").disabled`),
		click(panel(button)),
		visible(css("#confirm-ok")),
		click(css("#confirm-ok")),
		visible(css("#pin-input")),
		typeInto(css("#pin-input"), cardtest.PIN),
		click(css("#pin-ok")),
		waitText(panel("#status"), status),
	)
}

// TestCardManagement is 企业操作员 IC 卡管理 (L9) in the browser: the
// legal-person card freezes an operator card (its open session ends, its
// login is refused naming the state), unfreezes it (it logs in, warned
// that its certificate ends within 30 days), unlocks its blocked PIN with a
// new one (the card swapped into the reader; it logs in with the new
// PIN), extends its certificate (written to the card; the new validity
// shows and it logs in), and reports it lost (refused for good; the CRL
// from the certificate's distribution point lists its serial as
// keyCompromise).
func TestCardManagement(t *testing.T) {
	ctx := newBrowser(t)
	w := newFilingsWorld(t, worldOptions{})
	base := w.base
	op := operatorNearExpiry(t, w)
	legal := w.card.Soft

	// The operator is logged in at another PC.
	opHTTP := httpCardSession(t, base, op)
	if st := getStatus(t, opHTTP, base+"/api/my-card"); st != http.StatusOK {
		t.Fatalf("operator session: %d", st)
	}

	// ---- 冻结 ----
	cardLoginWith(t, ctx, base, cardtest.PIN)
	run(t, ctx, "the query lists the enterprise's cards, 查询 by holder, 重置",
		click(css(`[data-menu="card-manage"]`)),
		visible(panel(`#cm-list tr[data-card="`+cmOpNumber+`"]`)),
		visible(panel(`#cm-list tr[data-card="`+w.card.Identity.CardNumber+`"]`)),
		typeInto(panel("#cm-q-holder"), "孙"),
		click(panel("#btn-cm-query")),
		waitJS(`document.querySelectorAll(".tab-panel.active #cm-list tbody tr").length === 1`),
		choose(panel("#cm-q-state"), "frozen"),
		click(panel("#btn-cm-query")),
		visible(panel("#cm-empty")),
		click(panel("#btn-cm-reset")),
		waitJS(`document.querySelectorAll(".tab-panel.active #cm-list tbody tr").length === 2`),
	)
	checkPage(t, ctx, "企业操作员 IC 卡管理")
	openManagedCard(t, ctx, cmOpNumber)
	run(t, ctx, "the card's detail: holder, kind, serial, validity, state, declarant; 解冻 disabled",
		waitText(panel("#cm-d-holder"), cmOpName),
		waitText(panel("#cm-d-kind"), "操作员卡"),
		waitText(panel("#cm-d-serial"), op.Identity.SerialHex),
		waitText(panel("#cm-d-validity"), op.Identity.NotAfter.Local().Format("2006-01-02")),
		waitText(panel("#cm-d-state"), "正常"),
		waitText(panel("#cm-d-declarant"), "未绑定"),
		waitJS(`document.querySelector(".tab-panel.active #btn-cm-unfreeze").disabled`),
	)
	signAction(t, ctx, "冻结, signed", "#btn-cm-freeze", "冻结成功")
	run(t, ctx, "the card is frozen", waitText(panel("#cm-d-state"), "冻结"))
	if st := getStatus(t, opHTTP, base+"/api/my-card"); st != http.StatusUnauthorized {
		t.Fatalf("the frozen card's open session: %d, want 401", st)
	}
	logout(t, ctx)
	w.reader.insert(op.Soft)
	cardLoginRefused(t, ctx, base, cardtest.PIN, "已冻结")

	// ---- 解冻 ----
	w.reader.insert(legal)
	cardLoginWith(t, ctx, base, cardtest.PIN)
	openManagedCard(t, ctx, cmOpNumber)
	signAction(t, ctx, "解冻, signed", "#btn-cm-unfreeze", "解冻成功")
	logout(t, ctx)
	w.reader.insert(op.Soft)
	cardLoginWith(t, ctx, base, cardtest.PIN)
	run(t, ctx, "the unfrozen card logs in, warned of its expiry",
		waitText(css("#card-notice"), "还有 21 天到期"))
	logout(t, ctx)

	// ---- 解锁 ----
	blockPIN(t, op)
	cardLoginRefused(t, ctx, base, cardtest.PIN, "锁定")
	w.reader.insert(legal)
	cardLoginWith(t, ctx, base, cardtest.PIN)
	openManagedCard(t, ctx, cmOpNumber)
	run(t, ctx, "解锁: signed by the legal-person card, then the blocked card in the reader with a new PIN",
		click(panel("#btn-cm-unlock")),
		visible(css("#pin-input")),
		typeInto(css("#pin-input"), cardtest.PIN),
		click(css("#pin-ok")),
		visible(panel("#cm-swap")),
		waitText(panel("#cm-swap-msg"), "插入待解锁的 IC 卡 "+cmOpNumber),
	)
	w.reader.insert(op.Soft)
	run(t, ctx, "the new PIN, 【解锁】",
		typeInto(panel("#cm-new-pin"), cmNewPIN),
		typeInto(panel("#cm-new-pin2"), cmNewPIN),
		click(panel("#btn-cm-swap-go")),
		waitText(panel("#cm-swap-msg"), "解锁成功"),
		click(panel("#btn-cm-swap-done")),
		waitText(panel("#cm-swap-msg"), "插回读卡器"),
	)
	w.reader.insert(legal)
	run(t, ctx, "the legal-person card back, 【完成】",
		click(panel("#btn-cm-swap-done")),
		waitText(panel("#status"), "解锁成功"),
	)
	logout(t, ctx)
	w.reader.insert(op.Soft)
	cardLoginWith(t, ctx, base, cmNewPIN)
	logout(t, ctx)

	// ---- 证书延期 ----
	w.reader.insert(legal)
	cardLoginWith(t, ctx, base, cardtest.PIN)
	openManagedCard(t, ctx, cmOpNumber)
	newEnd := op.Identity.NotAfter.AddDate(2, 0, 0).Local().Format("2006-01-02")
	run(t, ctx, "证书延期: signed, the new certificate written to the operator card with its PIN",
		click(panel("#btn-cm-extend")),
		visible(css("#confirm-ok")),
		click(css("#confirm-ok")),
		visible(css("#pin-input")),
		typeInto(css("#pin-input"), cardtest.PIN),
		click(css("#pin-ok")),
		visible(panel("#cm-swap")),
		waitText(panel("#cm-swap-msg"), "有效期至 "+newEnd),
	)
	w.reader.insert(op.Soft)
	run(t, ctx, "the operator card's PIN, 【写入证书】",
		typeInto(panel("#cm-card-pin"), cmNewPIN),
		click(panel("#btn-cm-swap-go")),
		waitText(panel("#cm-swap-msg"), "新证书已写入"),
	)
	w.reader.insert(legal)
	run(t, ctx, "【完成】: the new validity shows",
		click(panel("#btn-cm-swap-done")),
		waitText(panel("#status"), "证书延期成功"),
		waitText(panel("#cm-d-validity"), newEnd),
	)
	newCert, err := smx509.ParseCertificate(op.Soft.Certificate())
	if err != nil {
		t.Fatal(err)
	}
	if newCert.SerialNumber.Text(16) == op.Identity.SerialHex || newCert.NotAfter.Local().Format("2006-01-02") != newEnd {
		t.Fatalf("the card holds serial %s until %v", newCert.SerialNumber.Text(16), newCert.NotAfter)
	}
	logout(t, ctx)
	w.reader.insert(op.Soft)
	cardLoginWith(t, ctx, base, cmNewPIN)
	run(t, ctx, "no expiry warning any more", waitJS(`!document.querySelector("#card-notice")`))
	logout(t, ctx)

	// ---- 挂失 ----
	w.reader.insert(legal)
	cardLoginWith(t, ctx, base, cardtest.PIN)
	openManagedCard(t, ctx, cmOpNumber)
	signAction(t, ctx, "挂失, signed", "#btn-cm-lose", "挂失成功")
	run(t, ctx, "lost: no action is left",
		waitText(panel("#cm-d-state"), "挂失"),
		waitJS(`["#btn-cm-freeze","#btn-cm-unfreeze","#btn-cm-lose","#btn-cm-unlock","#btn-cm-extend"].every(s => document.querySelector(".tab-panel.active " + s).disabled)`),
	)
	logout(t, ctx)
	w.reader.insert(op.Soft)
	cardLoginRefused(t, ctx, base, cmNewPIN, "已挂失")

	// The CRL at the certificate's distribution point lists it.
	if len(newCert.CRLDistributionPoints) != 1 || newCert.CRLDistributionPoints[0] != base+httpapi.CRLPath {
		t.Fatalf("CRL distribution points %v", newCert.CRLDistributionPoints)
	}
	resp, err := http.Get(newCert.CRLDistributionPoints[0])
	if err != nil {
		t.Fatal(err)
	}
	der, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	rl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.ca.Certificate().CheckSignature(smx509.SM2WithSM3, rl.RawTBSRevocationList, rl.Signature); err != nil {
		t.Fatalf("CRL signature: %v", err)
	}
	reasons := map[string]int{}
	for _, e := range rl.RevokedCertificateEntries {
		reasons[e.SerialNumber.Text(16)] = e.ReasonCode
	}
	if reasons[newCert.SerialNumber.Text(16)] != 1 || reasons[op.Identity.SerialHex] != 4 {
		t.Fatalf("CRL reasons %v: want keyCompromise (1) for %s and superseded (4) for %s", reasons,
			newCert.SerialNumber.Text(16), op.Identity.SerialHex)
	}
}

// blockPIN spends every PIN try of the card with a wrong PIN.
func blockPIN(t *testing.T, card *cardtest.Card) {
	t.Helper()
	card.Soft.Reset()
	defer card.Soft.Reset()
	cl := pcsc.NewClient(card.Soft)
	if err := cl.SelectApp(); err != nil {
		t.Fatal(err)
	}
	for range cardapp.DefaultTries {
		if _, _, _, err := cl.VerifyPIN([]byte("000000")); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, blocked, _ := cl.VerifyPIN([]byte(cardtest.PIN)); !blocked {
		t.Fatal("the PIN is not blocked")
	}
}

// TestCardHistory is IC 卡综合查询 (L10): every card of the enterprise
// with conditions, and a card's operation records: issued, frozen,
// unfrozen, reported lost, unlocked, extended, declarant bound and
// unbound — who, when and the signature.
func TestCardHistory(t *testing.T) {
	ctx := newBrowser(t)
	w := newFilingsWorld(t, worldOptions{})
	base := w.base
	op := operatorNearExpiry(t, w)
	st := w.srv.Store
	bg := context.Background()
	ent := store.CardScope{EnterpriseID: w.ent.ID}
	legal := store.Actor{Name: fwLegalRep, Role: model.RoleLegalCard, Signature: "TEVHQUwtQ0FSRC1TSUdOQVRVUkU="}
	v := 0
	step := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		v++
	}
	// The records of every action, as the actions make them.
	step("issued", addEvent(t, st, store.CardEvent{CardNumber: cmOpNumber, Action: model.CardActionIssued, By: "qhreviewer", Role: model.RoleReviewer,
		Detail: "代理点 " + w.agentPoint + " 制卡"}))
	_, err := st.ChangeCardState(bg, ent, store.StateChange{CardNumber: cmOpNumber, Version: v, Action: model.StateFreeze, Who: legal})
	step("frozen", err)
	_, err = st.ChangeCardState(bg, ent, store.StateChange{CardNumber: cmOpNumber, Version: v, Action: model.StateUnfreeze, Who: legal})
	step("unfrozen", err)
	step("unlocked", st.RecordUnlock(bg, ent, cmOpNumber, v, bytes.Repeat([]byte{1}, 16), legal))
	cert, der, err := w.ca.Extend(mustCert(t, op.CertDER), op.Identity.NotAfter.AddDate(2, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.ExtendCard(bg, ent, store.Extension{CardNumber: cmOpNumber, Version: v, Certificate: der,
		Serial: cert.SerialNumber.Text(16), NotAfter: cert.NotAfter, Who: legal}, nil)
	step("extended", err)
	step("bound", addEvent(t, st, store.CardEvent{CardNumber: cmOpNumber, Action: model.CardActionBound, By: fwLegalRep, Role: model.RoleLegalCard,
		Signature: legal.Signature, Detail: "报关人员 王报关"}))
	step("unbound", addEvent(t, st, store.CardEvent{CardNumber: cmOpNumber, Action: model.CardActionUnbound, By: fwLegalRep, Role: model.RoleLegalCard,
		Signature: legal.Signature, Detail: "报关人员 王报关"}))
	_, err = st.ChangeCardState(bg, ent, store.StateChange{CardNumber: cmOpNumber, Version: v, Action: model.StateLose, Who: legal})
	step("lost", err)

	// The agent point freezes the legal-person card for a caller, with a
	// reason, and unfreezes it.
	legalNo := w.card.Identity.CardNumber
	run(t, ctx, "the reviewer logs in; the agent point's cards",
		chromedp.Navigate(base+"/review"),
		typeInto(css("#rv-username"), w.reviewer),
		typeInto(css("#rv-password"), w.reviewerPassword),
		typeInto(css("#rv-totp"), w.totp()),
		click(css("#btn-rv-login")),
		visible(css(`#rc-list tr[data-card="`+legalNo+`"]`)),
	)
	run(t, ctx, "冻结 needs a reason",
		click(css(`#rc-list tr[data-card="`+legalNo+`"] .rc-freeze`)),
		visible(css("#rc-reason")),
		click(css("#rc-ok")),
		waitText(css("#rc-reason-err"), "请填写办理原因"),
		typeInto(css("#rc-reason"), "持卡人来电"),
		click(css("#rc-ok")),
		waitText(css("#review-cards .status"), "冻结成功"),
		waitText(css(`#rc-list tr[data-card="`+legalNo+`"] .rc-state`), "冻结"),
	)
	run(t, ctx, "解冻 with a reason",
		click(css(`#rc-list tr[data-card="`+legalNo+`"] .rc-unfreeze`)),
		typeInto(css("#rc-reason"), "持卡人确认"),
		click(css("#rc-ok")),
		waitText(css(`#rc-list tr[data-card="`+legalNo+`"] .rc-state`), "正常"),
		click(css("#btn-logout")),
	)

	cardLoginWith(t, ctx, base, cardtest.PIN)
	run(t, ctx, "IC 卡综合查询 lists the legal-person and the operator card",
		click(css(`[data-menu="card-inquiry"]`)),
		visible(panel(`#ci-list tr[data-card="`+cmOpNumber+`"]`)),
		visible(panel(`#ci-list tr[data-card="`+w.card.Identity.CardNumber+`"]`)),
		waitText(panel(`#ci-list tr[data-card="`+cmOpNumber+`"] .ci-state`), "挂失"),
		choose(panel("#ci-q-kind"), "legal_person"),
		click(panel("#btn-ci-query")),
		waitJS(`document.querySelectorAll(".tab-panel.active #ci-list tbody tr").length === 1`),
		click(panel("#btn-ci-reset")),
		waitJS(`document.querySelectorAll(".tab-panel.active #ci-list tbody tr").length === 2`),
	)
	checkPage(t, ctx, "IC 卡综合查询")
	run(t, ctx, "the operator card's records: every action, who and the signature",
		click(panel(`#ci-list tr[data-card="`+cmOpNumber+`"] .ci-open`)),
		visible(panel("#ci-events")),
		waitJS(`document.querySelectorAll(".tab-panel.active #ci-events tbody tr").length === 8`),
	)
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll(".tab-panel.active #ci-events tbody tr")].map(r => r.innerText)`))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"制卡", "冻结", "解冻", "解锁", "证书延期", "报关人员绑定", "报关人员解绑", "挂失"}
	for i, r := range rows {
		if !strings.Contains(r, want[i]) {
			t.Errorf("record %d %q, want %s", i+1, r, want[i])
		}
		if i > 0 && (!strings.Contains(r, fwLegalRep) || !strings.Contains(r, legal.Signature[:12])) {
			t.Errorf("record %d %q lacks who or the signature", i+1, r)
		}
	}
	run(t, ctx, "the legal-person card's records: the agent point's freeze with its reason",
		click(panel(`#ci-list tr[data-card="`+w.card.Identity.CardNumber+`"] .ci-open`)),
		waitJS(`document.querySelectorAll(".tab-panel.active #ci-events tbody tr").length === 2`),
		waitText(panel("#ci-events tbody tr:first-child"), "持卡人来电"),
		waitText(panel("#ci-events tbody tr:first-child"), "审批人员"),
	)
}

func mustCert(t *testing.T, der []byte) *smx509.Certificate {
	t.Helper()
	c, err := smx509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// addEvent writes a card event as the operation that makes it does.
func addEvent(t *testing.T, st *store.Store, ev store.CardEvent) error {
	t.Helper()
	tx, err := st.DB().Beginx()
	if err != nil {
		return err
	}
	if err := st.AddCardEvent(context.Background(), tx, ev); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
