package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestDatabaseOutageKeepsInput: the database goes away while the
// administrator types a pre-entry. 【暂存】 says the service is briefly
// unavailable and that the input is kept (not 服务器内部错误), and the input
// is in the browser's local storage.
func TestDatabaseOutageKeepsInput(t *testing.T) {
	ctx := newBrowser(t)
	w := newFilingsWorld(t, worldOptions{Credit: "91350100M000100Y43", Name: "福州示例贸易有限公司"})
	run(t, ctx, "no-card administrator logs in",
		chromedp.Navigate(w.base+"/"),
		typeInto(css("#login-username"), w.admin),
		typeInto(css("#login-password"), w.adminPassword),
		click(css("#btn-login")),
		visible(css(`[data-menu="customs-pre"]`)),
	)
	run(t, ctx, "海关资质备案（预录入）: type the registration number",
		click(css(`[data-menu="customs-pre"]`)),
		visible(panel("#f-customs_reg_no")),
		visible(panel("#backfill-note")), // loaded: typing is not overtaken by the back-fill
		typeInto(panel("#f-customs_reg_no"), "3501960001"),
	)
	if err := w.srv.Store.Close(); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "【暂存】 with the database gone",
		click(panel("#btn-save")),
		waitText(panel("#status"), "服务暂时不可用"),
		waitText(panel("#status"), "录入的内容已保存在本机"),
		waitJS(`!document.querySelector(".tab-panel.active #status").textContent.includes("内部错误")`),
		waitJS(valueIs("#f-customs_reg_no", "3501960001")),
		waitJS(`Object.keys(localStorage).some(k => k.startsWith("eportid.draft.") && k.includes(".customs.") && localStorage.getItem(k).includes("3501960001"))`),
	)
}
