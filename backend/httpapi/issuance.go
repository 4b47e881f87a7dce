package httpapi

import (
	"crypto/ecdsa"
	"crypto/rand"
	"errors"
	"math/big"
	"net/http"
	"time"

	"eportid/app/model"
	"eportid/backend/auth"
	"eportid/backend/ca"
	"eportid/backend/store"
	"eportid/cardbridge/cardsig"
	"eportid/cardbridge/protocol"
)

// 制卡 at the agent point: the reviewer of the agent point an operator
// application was declared to, once it is approved, issues its card at
// the agent point's PC. The console asks here for an issuance (a token
// the CA signs, single-use, for one application, bound to the review
// console's origin), has the card bridge generate the key on the blank
// card, sends its public key here for the certificate, and has the bridge
// write certificate, admin key and initial PIN. The bridge accepts the
// token only from the review console's origin, so an enterprise page can
// never write a card; the store spends it once.

// IssuanceValidity is how long an issuance token may be used.
const IssuanceValidity = 10 * time.Minute

const (
	msgNoIssuer      = "本服务器未配置制卡所需的 CA，不能制卡"
	msgIssuanceSpent = "制卡授权无效或已过期，请重新点击【制卡】"
	msgCardIssued    = "该操作员申请已制卡，不能重复制卡"
)

// beginIssuance: POST /api/review/operator/{id}/issuance.
func (a *API) beginIssuance(w http.ResponseWriter, r *http.Request, c *current) error {
	id, err := recordID(r)
	if err != nil {
		return err
	}
	if a.CA == nil {
		return &Error{Code: model.ErrInternal, Message: msgNoIssuer}
	}
	ctx := r.Context()
	rv, err := a.reviewerOf(ctx, c)
	if err != nil {
		return err
	}
	tokenID, _ := auth.NewToken() // an opaque, random id: the signed token is what proves it
	expires := a.now().Add(IssuanceValidity).UTC().Truncate(time.Second)
	var is store.Issuance
	for try := 0; ; try++ {
		is, err = a.Store.BeginIssuance(ctx, rv.AgentPoint, id, reviewActor(c, rv), tokenID, newCardNumber(), expires)
		if err == nil || try == 3 || !errors.Is(err, store.ErrDuplicate) {
			break
		}
	}
	switch {
	case errors.Is(err, store.ErrCardIssued):
		return &Error{Code: model.ErrState, Message: msgCardIssued, Err: err}
	case errors.Is(err, store.ErrState):
		return &Error{Code: model.ErrState, Message: "只有审批通过的操作员申请可以制卡", Err: err}
	case err != nil:
		return err
	}
	tok := protocol.IssuanceToken{ID: is.TokenID, CardNumber: is.CardNumber, HolderName: is.HolderName,
		CreditCode: is.CreditCode, Kind: string(ca.CardOperator), Origin: a.reviewOrigin(), Expires: is.Expires.Unix()}
	payload, err := tok.Payload()
	if err != nil {
		return err
	}
	sig, err := a.CA.SignIssuance(payload)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, model.IssuanceStart{Token: protocol.EncodeIssuanceToken(payload, sig),
		CardNumber: is.CardNumber, HolderName: is.HolderName, Expires: is.Expires})
	return nil
}

// issueCard: POST /api/review/operator/{id}/card IssueCardRequest: the
// certificate for the key the blank card generated.
func (a *API) issueCard(w http.ResponseWriter, r *http.Request, c *current) error {
	id, err := recordID(r)
	if err != nil {
		return err
	}
	if a.CA == nil {
		return &Error{Code: model.ErrInternal, Message: msgNoIssuer}
	}
	var req model.IssueCardRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	tok, payload, sig, err := protocol.ParseIssuanceToken(req.Token)
	if err != nil || !cardsig.VerifyIssuance(a.CA.Certificate().PublicKey.(*ecdsa.PublicKey), payload, sig) {
		return &Error{Code: model.ErrInvalid, Message: msgIssuanceSpent, Fields: model.FieldErrors{"token": msgIssuanceSpent}, Err: err}
	}
	pub, err := cardsig.ParsePoint(req.PublicKey)
	if err != nil {
		return &Error{Code: model.ErrInvalid, Message: "卡片公钥格式不正确", Fields: model.FieldErrors{"public_key": "卡片公钥：应为 65 字节的 SM2 公钥"}, Err: err}
	}
	ctx := r.Context()
	rv, err := a.reviewerOf(ctx, c)
	if err != nil {
		return err
	}
	cert, der, err := a.CA.Issue(ca.IssueRequest{PublicKey: pub, CreditCode: tok.CreditCode, CardKind: ca.CardOperator,
		CardNumber: tok.CardNumber, HolderName: tok.HolderName})
	if err != nil {
		return &Error{Code: model.ErrInvalid, Message: "证书签发失败：" + err.Error(), Err: err}
	}
	card, err := a.Store.FinishIssuance(ctx, rv.AgentPoint, id, tok.ID, reviewActor(c, rv), der, cert.SerialNumber.Text(16), cert.NotAfter)
	switch {
	case errors.Is(err, store.ErrIssuanceSpent):
		return &Error{Code: model.ErrConflict, Message: msgIssuanceSpent, Err: err}
	case errors.Is(err, store.ErrCardIssued):
		return &Error{Code: model.ErrState, Message: msgCardIssued, Err: err}
	case err != nil:
		return err
	}
	a.Log.InfoContext(ctx, "operator card issued", "card", card.Number, "application", id, "agent_point", rv.AgentPoint)
	writeJSON(w, http.StatusCreated, model.IssuedCard{CardNumber: card.Number, Certificate: der,
		AdminKey: a.CA.AdminKey(card.Number), PIN: initialPIN(), NotAfter: card.NotAfter})
	return nil
}

// reviewActor is the reviewer as the audit trail records them.
func reviewActor(c *current, rv store.Reviewer) store.Actor {
	return store.Actor{UserID: c.user.ID, Name: rv.Username, Role: model.RoleReviewer}
}

// reviewOrigin is the review console's origin, which issuance tokens are
// bound to.
func (a *API) reviewOrigin() string {
	if a.ReviewOrigin != "" {
		return a.ReviewOrigin
	}
	return origin(a.BaseURL)
}

// newCardNumber is a fresh operator card number: "82" and 14 random digits.
func newCardNumber() string { return "82" + randomDigits(14) }

// initialPIN is a card's first PIN: 6 random digits, for the PIN envelope.
func initialPIN() string { return randomDigits(6) }

// randomDigits is n random decimal digits.
func randomDigits(n int) string {
	out := make([]byte, n)
	for i := range out {
		d, err := rand.Int(rand.Reader, big.NewInt(10))
		if err != nil {
			panic(err)
		}
		out[i] = byte('0' + d.Int64())
	}
	return string(out)
}
