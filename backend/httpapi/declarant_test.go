package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"eportid/app/model"
	"eportid/backend/ca"
	"eportid/backend/cardtest"
	"eportid/backend/registry"
	"eportid/backend/store"
)

// Enterprises of the declarant fixtures (backend/refdata/registry-declarants.tsv).
const (
	declShenzhen = "91440300MA5F3K2L57" // 赵一鸣 5300190001, 钱晓红 5300190002, 孙立新 5300200003 (注销)
	declShanghai = "91310115MA1H7Q3R3M" // 周海燕 2200190001, ...
)

// declEnv: an enterprise's legal-person card holder, logged in, and its
// operator cards.
type declEnv struct {
	*cardEnv
	lp   *cardtest.Card
	c    *client
	ent  store.Enterprise
	seen model.DeclarantOverview
}

func newDeclEnv(t *testing.T, e *cardEnv, cc, lpNumber string) *declEnv {
	t.Helper()
	if err := e.st.LoadRegistryFixtures(context.Background()); err != nil {
		t.Fatal(err)
	}
	lp := e.card(cc, ca.CardLegalPerson, lpNumber)
	card := e.register(lp)
	ent, err := e.st.EnterpriseByID(context.Background(), card.EnterpriseID)
	if err != nil {
		t.Fatal(err)
	}
	c := e.client()
	c.cardLogin(lp)
	return &declEnv{cardEnv: e, lp: lp, c: c, ent: ent}
}

// operator registers an operator card of the enterprise, its holder's ID
// number kept with it (none when idNumber is "").
func (d *declEnv) operator(number, holder, idNumber string) {
	d.t.Helper()
	d.register(d.card(d.ent.CreditCode, ca.CardOperator, number, func(o *cardtest.Options) { o.HolderName = holder }))
	if idNumber != "" {
		if err := d.st.SetCardHolderID(context.Background(), number, model.IDTypeResident, idNumber); err != nil {
			d.t.Fatal(err)
		}
	}
}

func (d *declEnv) overview() model.DeclarantOverview {
	d.t.Helper()
	d.c.call(http.MethodGet, "/api/declarants", nil, http.StatusOK, &d.seen)
	return d.seen
}

func (d *declEnv) declarant(no string) model.Declarant {
	for _, x := range d.seen.Declarants {
		if x.DeclarantNo == no {
			return x
		}
	}
	return model.Declarant{DeclarantNo: no}
}

func (d *declEnv) sign(version int, action, card string, decl model.Declarant) *model.CardSignature {
	dg := model.SignedDigest(model.BindingCanonical(d.ent.ID, version, action, card, decl))
	return &model.CardSignature{Signature: d.lp.SignData(d.t, dg[:]), Certificate: d.lp.CertDER}
}

func (d *declEnv) bind(card, no string) answer {
	v := d.seen.Version + 1
	return d.c.do(http.MethodPost, "/api/declarants/bind", model.BindRequest{CardNumber: card, DeclarantNo: no, Version: v,
		CardSignature: d.sign(v, model.BindingBind, card, d.declarant(no))})
}

func cardOf(ov model.DeclarantOverview, number string) model.OperatorCardBinding {
	for _, c := range ov.Cards {
		if c.CardNumber == number {
			return c
		}
	}
	return model.OperatorCardBinding{}
}

func TestDeclarantBindingAPI(t *testing.T) {
	eachCard(t, func(t *testing.T, e *cardEnv) {
		d := newDeclEnv(t, e, declShenzhen, "8000000000000101")
		d.operator("8100000000000001", "赵一鸣", "440305199003151236")
		d.operator("8100000000000002", "钱晓红", "440305199003151236") // not her ID number
		d.operator("8100000000000003", "孙立新", "44030519920808345X")
		d.operator("8100000000000004", "赵一鸣", "")

		ov := d.overview()
		if len(ov.Declarants) != 3 || len(ov.Cards) != 4 || ov.Version != 0 || ov.RegistryMessage != "" {
			t.Fatalf("overview %+v", ov)
		}
		for _, r := range []struct{ card, no, msg string }{
			{"8100000000000002", "5300190002", "报关人员证件号码与操作员卡 8100000000000002 持卡人证件号码不一致"},
			{"8100000000000002", "5300190001", "报关人员姓名（赵一鸣）与操作员卡 8100000000000002 持卡人姓名（钱晓红）不一致"},
			{"8100000000000003", "5300200003", "状态为注销：只能绑定状态正常的报关人员"},
			{"8100000000000004", "5300190001", "未登记持卡人证件号码"},
			{"8100000000000001", "2200190001", "不是本企业在海关登记的报关人员"}, // Shanghai's
		} {
			refused(t, "bind "+r.card+" "+r.no, d.bind(r.card, r.no), http.StatusConflict, model.ErrDeclarantMismatch, r.msg)
		}
		// Unsigned, or signed over something else, or for an old version.
		refused(t, "unsigned", d.c.do(http.MethodPost, "/api/declarants/bind", model.BindRequest{CardNumber: "8100000000000001",
			DeclarantNo: "5300190001", Version: 1}), http.StatusForbidden, model.ErrForbidden, "法人卡签名")
		refused(t, "signed for another card", d.c.do(http.MethodPost, "/api/declarants/bind", model.BindRequest{CardNumber: "8100000000000001",
			DeclarantNo: "5300190001", Version: 1, CardSignature: d.sign(1, model.BindingBind, "8100000000000004", d.declarant("5300190001"))}),
			http.StatusForbidden, model.ErrForbidden, "签名与绑定内容不符")
		refused(t, "stale version", d.c.do(http.MethodPost, "/api/declarants/bind", model.BindRequest{CardNumber: "8100000000000001",
			DeclarantNo: "5300190001", Version: 5, CardSignature: d.sign(5, model.BindingBind, "8100000000000001", d.declarant("5300190001"))}),
			http.StatusConflict, model.ErrConflict, "请刷新")

		// The match binds.
		var after model.DeclarantOverview
		d.c.call(http.MethodPost, "/api/declarants/bind", model.BindRequest{CardNumber: "8100000000000001", DeclarantNo: "5300190001",
			Version: 1, CardSignature: d.sign(1, model.BindingBind, "8100000000000001", d.declarant("5300190001"))}, http.StatusOK, &after)
		if b := cardOf(after, "8100000000000001"); b.Declarant == nil || b.Declarant.Name != "赵一鸣" || after.Version != 1 {
			t.Fatalf("after bind %+v", after)
		}
		d.seen = after
		refused(t, "the card's second declarant", d.bind("8100000000000001", "5300190002"), http.StatusConflict, model.ErrDeclarantMismatch,
			"已绑定报关人员 赵一鸣（5300190001）")
		refused(t, "the declarant's second card", d.bind("8100000000000004", "5300190001"), http.StatusConflict, model.ErrDeclarantMismatch,
			"未登记持卡人证件号码")
		d.operator("8100000000000005", "赵一鸣", "440305199003151236")
		refused(t, "the declarant's second card", d.bind("8100000000000005", "5300190001"), http.StatusConflict, model.ErrDeclarantMismatch,
			"一个报关人员只能绑定一张操作员卡")
		// A replay of the bind's signature after an unbind fails: it was for version 1.
		bound := *cardOf(after, "8100000000000001").Declarant
		after = model.DeclarantOverview{}
		d.c.call(http.MethodPost, "/api/declarants/unbind", model.UnbindRequest{CardNumber: "8100000000000001", Version: 2,
			CardSignature: d.sign(2, model.BindingUnbind, "8100000000000001", bound)}, http.StatusOK, &after)
		if b := cardOf(after, "8100000000000001"); b.Declarant != nil || after.Version != 2 {
			t.Fatalf("after unbind %+v", after)
		}
		refused(t, "replayed bind", d.c.do(http.MethodPost, "/api/declarants/bind", model.BindRequest{CardNumber: "8100000000000001",
			DeclarantNo: "5300190001", Version: 3, CardSignature: d.sign(1, model.BindingBind, "8100000000000001", d.declarant("5300190001"))}),
			http.StatusForbidden, model.ErrForbidden, "签名与绑定内容不符")
		refused(t, "unbind of an unbound card", d.c.do(http.MethodPost, "/api/declarants/unbind", model.UnbindRequest{CardNumber: "8100000000000001",
			Version: 3, CardSignature: d.sign(3, model.BindingUnbind, "8100000000000001", bound)}), http.StatusConflict, model.ErrState, "没有绑定报关人员")

		var log []model.BindingEvent
		d.c.call(http.MethodGet, "/api/declarants/log?card_number=8100000000000001", nil, http.StatusOK, &log)
		if len(log) != 2 || log[0].Action != model.BindingBind || log[1].Action != model.BindingUnbind || !log[0].Signed || !log[1].Signed ||
			log[0].SignerCard != "8000000000000101" || log[0].DeclarantName != "赵一鸣" || log[0].UserName != "王五" {
			t.Fatalf("log %+v", log)
		}

		// Another enterprise sees none of it and touches none of it.
		o := newDeclEnv(t, e, declShanghai, "8000000000000102")
		ov = o.overview()
		if len(ov.Cards) != 0 || ov.Version != 0 || len(ov.Declarants) != 3 || ov.Declarants[0].CreditCode != declShanghai {
			t.Fatalf("other's overview %+v", ov)
		}
		refused(t, "other binds our card", o.bind("8100000000000001", "2200190001"), http.StatusNotFound, model.ErrNotFound, "没有这张操作员卡")
		refused(t, "other unbinds our card", o.c.do(http.MethodPost, "/api/declarants/unbind", model.UnbindRequest{CardNumber: "8100000000000001",
			Version: 1, CardSignature: o.sign(1, model.BindingUnbind, "8100000000000001", bound)}), http.StatusNotFound, model.ErrNotFound, "没有这张操作员卡")
		refused(t, "other reads our card's log", o.c.do(http.MethodGet, "/api/declarants/log?card_number=8100000000000001", nil),
			http.StatusNotFound, model.ErrNotFound, "没有这张操作员卡")
		o.c.call(http.MethodGet, "/api/declarants/log", nil, http.StatusOK, &log)
		if len(log) != 0 {
			t.Fatalf("other's log %+v", log)
		}

		// Only the legal-person card holder: a no-card administrator is refused every route.
		admin, _ := e.enterprise()
		for _, r := range []struct{ method, path string }{
			{http.MethodGet, "/api/declarants"}, {http.MethodPost, "/api/declarants/bind"},
			{http.MethodPost, "/api/declarants/unbind"}, {http.MethodGet, "/api/declarants/log"},
		} {
			if a := admin.do(r.method, r.path, map[string]any{}); a.status != http.StatusForbidden {
				t.Errorf("no-card %s %s: %d %s", r.method, r.path, a.status, a.body)
			}
			if a := e.client().do(r.method, r.path, map[string]any{}); a.status != http.StatusUnauthorized && a.status != http.StatusForbidden {
				t.Errorf("no session %s %s: %d %s", r.method, r.path, a.status, a.body)
			}
		}
	})
}

// A registry that does not answer leaves the list usable with a message,
// and refuses 绑定 with 503, never a 500.
func TestDeclarantRegistryDown(t *testing.T) {
	eachCard(t, func(t *testing.T, e *cardEnv) {
		e.api.Declarants = downDeclarants{}
		d := newDeclEnv(t, e, declShenzhen, "8000000000000103")
		d.operator("8100000000000011", "赵一鸣", "440305199003151236")
		ov := d.overview()
		if !strings.Contains(ov.RegistryMessage, "暂时无法访问") || len(ov.Cards) != 1 || len(ov.Declarants) != 0 {
			t.Fatalf("overview %+v", ov)
		}
		refused(t, "bind while down", d.bind("8100000000000011", "5300190001"), http.StatusServiceUnavailable, model.ErrRegistryUnavailable, "暂时无法访问")
	})
}

// downDeclarants is customs' registry not answering.
type downDeclarants struct{}

func (downDeclarants) Of(_ context.Context, cc string) ([]model.Declarant, error) {
	return nil, &registry.Error{Registry: registry.DeclarantRegistry, CreditCode: cc, Err: registry.ErrUnavailable}
}
