package httpapi_test

import (
	"crypto/x509"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"eportid/app/model"
	"eportid/backend/httpapi"
	"eportid/cardbridge/cardapp"
)

func cardPath(card string, tail string) string { return "/api/cards/" + card + tail }

// setState has the legal-person card freeze, unfreeze or report lost a
// card, signed.
func setState(h *holder, card string, version int, a model.CardStateAction) answer {
	return h.do(http.MethodPost, cardPath(card, "/state"), model.CardStateRequest{Action: a, Version: version,
		CardSignature: h.signBytes(model.CardStateCanonical(card, version+1, a))})
}

// Card management over HTTP: the legal-person card lists and freezes an
// operator card (its session ends, the CRL holds its serial), a second
// action on the same version is a conflict, unfreeze, a single-use
// unblock cryptogram that the card application accepts, the agent
// point's freeze with a required reason, and the loss, whose serial the
// CRL lists as keyCompromise.
func TestCardManagementHTTP(t *testing.T) {
	filingsEach(t, nil, func(t *testing.T, e *fenv) {
		_, ent, _ := e.lpDeclared()
		legal := e.cardHolder(ent)
		op := e.operator(ent, "孙操作")
		number := op.number()

		var cards []model.ManagedCard
		legal.call(http.MethodGet, "/api/cards", nil, http.StatusOK, &cards)
		if len(cards) != 2 {
			t.Fatalf("cards %+v", cards)
		}
		legal.call(http.MethodGet, "/api/cards?kind=operator&holder=孙", nil, http.StatusOK, &cards)
		if len(cards) != 1 || cards[0].CardNumber != number || !cards[0].MayFreeze || cards[0].MayUnfreeze || cards[0].Version != 0 {
			t.Fatalf("operator cards %+v", cards)
		}
		refused(t, "bad state condition", legal.do(http.MethodGet, "/api/cards?state=gone", nil),
			http.StatusUnprocessableEntity, model.ErrInvalid, "")
		refused(t, "operator may not manage", op.do(http.MethodGet, "/api/cards", nil), http.StatusForbidden, model.ErrForbidden, "无权")
		refused(t, "unsigned", legal.do(http.MethodPost, cardPath(number, "/state"), model.CardStateRequest{Action: model.StateFreeze}),
			http.StatusForbidden, model.ErrForbidden, "须使用 IC 卡签名")

		// Two sessions of the legal-person card act on version 0 at once:
		// one wins, the other is a conflict.
		legal2 := &holder{client: legal.client, key: legal.key, cert: legal.cert}
		var wg sync.WaitGroup
		answers := make([]answer, 2)
		for i, h := range []*holder{legal, legal2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				answers[i] = setState(h, number, 0, model.StateFreeze)
			}()
		}
		wg.Wait()
		won := 0
		for _, a := range answers {
			switch a.status {
			case http.StatusOK:
				won++
			case http.StatusConflict:
				refused(t, "the loser", a, http.StatusConflict, model.ErrConflict, "已被他人更新")
			default:
				t.Fatalf("concurrent action: %d %s", a.status, a.body)
			}
		}
		if won != 1 {
			t.Fatalf("%d winners", won)
		}
		var mc model.ManagedCard
		legal.call(http.MethodGet, cardPath(number, ""), nil, http.StatusOK, &mc)
		if mc.State != model.CardStateFrozen || !mc.MayUnfreeze || mc.MayFreeze || mc.Version != 1 {
			t.Fatalf("after freeze %+v", mc)
		}
		refused(t, "frozen card's session", op.do(http.MethodGet, "/api/my-card", nil), http.StatusUnauthorized, model.ErrUnauthorized, "登录")
		rl := fetchCRL(t, e)
		if code, ok := crlReason(rl, mc.Serial); !ok || code != 6 {
			t.Fatalf("CRL after freeze: reason %d listed %v", code, ok)
		}
		refused(t, "freeze again", setState(legal, number, 1, model.StateFreeze), http.StatusConflict, model.ErrState, "不允许")
		if a := setState(legal, number, 1, model.StateUnfreeze); a.status != http.StatusOK {
			t.Fatalf("unfreeze: %d %s", a.status, a.body)
		}
		if code, ok := crlReason(fetchCRL(t, e), mc.Serial); !ok || code != 8 {
			t.Fatalf("CRL after unfreeze: reason %d listed %v", code, ok)
		}

		// Unlock: a cryptogram for the card's challenge and new PIN, once.
		ch := []byte("0123456789abcdef")
		unlock := func(version int, pin string) answer {
			return legal.do(http.MethodPost, cardPath(number, "/unlock"), model.CardUnlockRequest{Version: version, Challenge: ch,
				NewPIN: pin, CardSignature: legal.signBytes(model.CardUnlockCanonical(number, version+1))})
		}
		refused(t, "bad new PIN", unlock(2, "12ab"), http.StatusUnprocessableEntity, model.ErrInvalid, "")
		var ua model.CardUnlockAnswer
		if a := unlock(2, "246810"); a.status != http.StatusOK {
			t.Fatalf("unlock: %d %s", a.status, a.body)
		} else if err := json.Unmarshal(a.body, &ua); err != nil {
			t.Fatal(err)
		}
		want, _ := cardapp.UnblockCryptogram(e.ca.AdminKey(number), number, ch, []byte("246810"))
		if string(ua.Cryptogram) != string(want) {
			t.Fatal("the cryptogram is not the card's")
		}
		refused(t, "challenge twice", unlock(3, "246810"), http.StatusConflict, model.ErrConflict, "已使用")

		// The agent point freezes the legal-person card, with a reason.
		rv, _ := e.reviewer("FJ01")
		var rc []model.ManagedCard
		rv.call(http.MethodGet, "/api/review/cards", nil, http.StatusOK, &rc)
		if len(rc) != 1 || rc[0].Kind != model.CardLegalPerson {
			t.Fatalf("agent point's cards %+v", rc)
		}
		refused(t, "no reason", rv.do(http.MethodPost, "/api/review/cards/"+rc[0].CardNumber+"/state",
			model.ReviewCardStateRequest{Action: model.StateFreeze}), http.StatusUnprocessableEntity, model.ErrInvalid, "")
		rv.call(http.MethodPost, "/api/review/cards/"+rc[0].CardNumber+"/state", model.ReviewCardStateRequest{Action: model.StateFreeze,
			Version: rc[0].Version, Reason: "持卡人来电"}, http.StatusOK, &mc)
		if mc.State != model.CardStateFrozen {
			t.Fatalf("reviewer's freeze %+v", mc)
		}
		var evs []model.CardEvent
		rv.call(http.MethodGet, "/api/review/cards/"+rc[0].CardNumber+"/events", nil, http.StatusOK, &evs)
		if len(evs) != 1 || evs[0].Action != model.CardActionFrozen || evs[0].Detail != "持卡人来电" || evs[0].Signed {
			t.Fatalf("reviewer's events %+v", evs)
		}
		other, _ := e.reviewer("SH01")
		refused(t, "another agent point", other.do(http.MethodPost, "/api/review/cards/"+rc[0].CardNumber+"/state",
			model.ReviewCardStateRequest{Action: model.StateUnfreeze, Version: 1, Reason: "x"}), http.StatusNotFound, model.ErrNotFound, "")
	})
}

func fetchCRL(t *testing.T, e *fenv) *x509.RevocationList {
	t.Helper()
	resp, err := http.Get(e.srv.URL + httpapi.CRLPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pkix-crl" {
		t.Fatalf("CRL: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	der := make([]byte, 0, 1024)
	buf := make([]byte, 512)
	for {
		n, err := resp.Body.Read(buf)
		der = append(der, buf[:n]...)
		if err != nil {
			break
		}
	}
	rl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.ca.Certificate().CheckSignature(smx509.SM2WithSM3, rl.RawTBSRevocationList, rl.Signature); err != nil {
		t.Fatal(err)
	}
	if rl.NextUpdate.Before(time.Now()) {
		t.Fatal("CRL past its nextUpdate")
	}
	return rl
}

func crlReason(rl *x509.RevocationList, serial string) (int, bool) {
	for _, e := range rl.RevokedCertificateEntries {
		if e.SerialNumber.Text(16) == serial {
			return e.ReasonCode, true
		}
	}
	return 0, false
}
