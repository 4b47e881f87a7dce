package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"eportid/app/model"
	"eportid/backend/cardtest"
	"eportid/cardbridge/softcard"
)

// TestOperatorPreEntryToCard: an operator card from the pre-entry to the
// operator's first login (SPEC N5, L8, the agent point's 制卡): the no-card
// administrator pre-enters an operator with an attachment (a file of
// another type and an oversized one are refused with their messages
// first, and the form keeps what was typed); the legal-person card holder
// finds it in 企业操作员信息录入, completes and declares it, signed; the
// reviewer, in the review console at its own origin, sees the attachment,
// approves, and personalises a blank soft card (key made on the card,
// certificate from the CA, PIN shown once); the operator logs in with the
// new card and that PIN.
func TestOperatorPreEntryToCard(t *testing.T) {
	ctx := newBrowser(t)
	w := newFilingsWorld(t, worldOptions{Review: true})
	base := w.base
	const (
		opName = "林操作"
		opID   = "11010519491231002X"
	)
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	notPDF := write("身份证复印件.pdf", []byte("<html><script>alert(1)</script></html>")) // a name that lies
	big := write("太大.pdf", append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("0"), model.MaxAttachmentBytes+1)...))
	good := write("操作员申请表.pdf", []byte("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"))

	run(t, ctx, "no-card administrator logs in",
		chromedp.Navigate(base+"/"),
		typeInto(css("#login-username"), w.admin),
		typeInto(css("#login-password"), w.adminPassword),
		click(css("#btn-login")),
		visible(css(`[data-menu="operator-pre"]`)),
	)
	run(t, ctx, "操作员信息预录入: the grey fields come from the declared legal-person filing; the rule of the attachment is said before upload",
		click(css(`[data-menu="operator-pre"]`)),
		visible(panel("#f-name")),
		waitJS(valueIs("#f-credit_code", fwCredit)),
		waitJS(valueIs("#f-card_kind", model.CardKindOperatorLabel)),
		waitText(panel(`.field[data-key="attachment"]`), model.AttachmentRule),
		waitJS(`!document.querySelector(".tab-panel.active #btn-declare")`),
		typeInto(panel("#f-name"), opName),
		choose(panel("#f-id_type"), model.IDTypeResident),
		typeInto(panel("#f-id_number"), opID),
		typeInto(panel("#f-mobile"), "13800138002"),
	)
	run(t, ctx, "a file that is not a PDF, JPEG or PNG is refused, whatever its name",
		chromedp.SetUploadFiles(panel("#f-attachment"), []string{notPDF}),
		waitText(panel("#err-attachment"), "只接受 PDF、JPEG 或 PNG"),
		waitJS(valueIs("#f-name", opName)),
	)
	run(t, ctx, "a file over 2 MB is refused before it is sent",
		chromedp.SetUploadFiles(panel("#f-attachment"), []string{big}),
		waitText(panel("#err-attachment"), "不能超过 2 MB"),
		waitJS(valueIs("#f-id_number", opID)),
	)
	run(t, ctx, "a PDF uploads; 暂存",
		chromedp.SetUploadFiles(panel("#f-attachment"), []string{good}),
		waitText(panel("#f-attachment-current"), "已上传：操作员申请表.pdf"),
		waitJS(`!document.querySelector(".tab-panel.active #err-attachment")`),
		click(panel("#btn-save")),
		waitText(panel("#status"), "暂存成功"),
		waitText(panel("#rec-list"), opName),
	)
	run(t, ctx, "【退出】",
		click(css("#btn-logout")),
		visible(css("#mode-card")),
	)

	cardLogin(t, ctx, base)
	run(t, ctx, "企业操作员信息录入 lists the pre-entry; open it with 修改",
		visible(css(`[data-menu="operator"]`)),
		click(css(`[data-menu="operator"]`)),
		waitText(panel("#rec-list"), opName),
		click(panel(`#rec-list .act-edit`)),
		waitJS(valueIs("#f-name", opName)),
		waitText(panel("#f-attachment-current"), "操作员申请表.pdf"),
		typeInto(panel("#f-email"), "lin@qh-example.cn"),
	)
	declareWithCard(t, ctx, "申报 it, signed with the legal-person card")

	rctx := newTab(t, ctx)
	run(t, rctx, "the reviewer logs in to the review console at its own origin",
		chromedp.Navigate(w.review+"/review"),
		typeInto(css("#rv-username"), w.reviewer),
		typeInto(css("#rv-password"), w.reviewerPassword),
		typeInto(css("#rv-totp"), w.totp()),
		click(css("#btn-rv-login")),
		visible(css(`.queue-row[data-ref="operator"]`)),
	)
	run(t, rctx, "the application shows its attachment, which downloads as the PDF it is",
		click(css(`.queue-row[data-ref="operator"]`)),
		waitText(css(".review-detail"), opName),
		visible(css("#f-attachment-current")),
		waitJS(`(async () => { const a = document.querySelector("#f-attachment-current");
			if (!a || !a.href.includes("/api/review/attachments/")) return false;
			const r = await fetch(a.href, {credentials: "same-origin"});
			return r.status === 200 && r.headers.get("Content-Type") === "application/pdf" &&
				r.headers.get("Content-Disposition").startsWith("attachment") && r.headers.get("X-Content-Type-Options") === "nosniff"; })()`),
	)
	run(t, rctx, "审批通过",
		click(css("#btn-approve")),
		visible(css("#confirm-ok")),
		click(css("#confirm-ok")),
		waitText(css("#rv-status"), "已审批通过"),
		visible(css("#btn-issue")),
	)

	// A blank card goes into the agent point's reader.
	blank, err := softcard.NewBlank("")
	if err != nil {
		t.Fatal(err)
	}
	w.reader.insert(blank)
	run(t, rctx, "制卡: key made on the blank card, certificate written, the initial PIN shown once",
		click(css("#btn-issue")),
		visible(css("#issued-pin")),
		waitText(css("#issued-card"), "已制卡：操作员卡 "),
	)
	pin := strings.TrimSpace(evalJS[string](t, rctx, `document.querySelector("#issued-pin").textContent`))
	if !regexp.MustCompile(`^[0-9]{6}$`).MatchString(pin) {
		t.Fatalf("initial PIN %q", pin)
	}
	if blank.Blank() {
		t.Fatal("the card is still blank after 制卡")
	}
	cards, err := w.srv.Store.EnterpriseCards(context.Background(), w.ent.ID)
	if err != nil {
		t.Fatal(err)
	}
	var number string
	for _, c := range cards {
		if c.Kind == model.CardOperator && c.HolderName == opName {
			number = c.Number
		}
	}
	if number == "" {
		t.Fatalf("no operator card of %s among %v", opName, cards)
	}
	run(t, rctx, "the PIN is shown once: 已记录 takes it away",
		click(css("#btn-pin-noted")),
		waitJS(`!document.querySelector("#issued-pin")`),
	)

	run(t, ctx, "the operator logs in with the new card and its PIN",
		click(css("#btn-logout")),
		visible(css("#mode-card")),
		click(css("#mode-card")),
		visible(css("#login-pin")),
		waitJS(`!document.querySelector("#btn-card-login").disabled`),
		typeInto(css("#login-pin"), pin),
		click(css("#btn-card-login")),
		visible(css("#btn-logout")),
		waitText(css("#header-user"), opName),
		waitText(css("#header-user"), number),
	)
	if pin == cardtest.PIN {
		t.Log("the initial PIN happens to equal the test card's")
	}
}
