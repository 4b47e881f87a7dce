package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"eportid/app/model"
	"eportid/backend/auth"
	"eportid/backend/ca"
	"eportid/backend/cardauth"
	"eportid/backend/store"
)

// Card login (P1): the card settings the pages read (GET /api/card/config),
// a nonce for one attempt (POST /api/card-login/begin), and the card's
// signed proof that opens a session bound to the card (POST
// /api/card-login/finish). The proof check and the wording of refused
// card certificates serve card registration and signed declarations too.
// app/model/card.go is the contract.

// DefaultCardBridgeURL is the default card bridge the pages use.
const DefaultCardBridgeURL = "ws://127.0.0.1:34567"

// Messages of the card answers.
const (
	msgNoCA          = "服务器未配置 IC 卡证书服务（CA），暂不能使用 IC 卡"
	msgCardNonce     = "登录请求已失效或已使用，请重新登录"
	msgCardSignature = "IC 卡签名验证失败，请确认通过本系统网址访问后重新登录"
	msgCardExpired   = "该 IC 卡证书已过期，不能登录。请持卡到本企业的制卡代理点办理"
	msgCardNotYet    = "该 IC 卡证书尚未生效"
	msgCardIssuer    = "该 IC 卡的证书不是本系统签发的，不能使用"
	msgCardNotCard   = "无法识别该 IC 卡的证书，请确认插入的是电子口岸 IC 卡"
	msgCardUnknown   = "该 IC 卡尚未在本系统注册，法人卡请先进行【有卡注册】"
	msgCardMismatch  = "该 IC 卡的证书与本系统登记的卡信息不符，请联系制卡代理点"
	// msgCardSuperseded: the card holds a certificate that 证书延期
	// replaced (the new one was not written to it).
	msgCardSuperseded = "该 IC 卡中的证书已被延期后的新证书取代，请由法人卡持有人在“IC 卡管理”中重新写入证书，或到制卡代理点办理"
)

// cardStateMessage is why a card in state st may not log in.
func cardStateMessage(st store.CardState) string {
	switch st {
	case store.CardFrozen:
		return "该 IC 卡已冻结，不能使用。请联系本企业法人卡持有人或制卡代理点解冻"
	case store.CardLost:
		return "该 IC 卡已挂失，不能再使用。如需用卡，请重新申请制卡"
	case store.CardExpired:
		return msgCardExpired
	}
	return "该 IC 卡当前状态为“" + st.Label() + "”，不能使用"
}

// bridgeSource checks the bridge URL for the CSP: ws:// or wss://, a host,
// nothing that could end the directive.
func bridgeSource(bridgeURL string) (string, error) {
	u, err := url.Parse(bridgeURL)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(bridgeURL, " ;,'\"\t\r\n") {
		return "", fmt.Errorf("httpapi: card bridge URL %q is not a ws:// or wss:// URL", bridgeURL)
	}
	return u.Scheme + "://" + u.Host, nil
}

// cardOrigin is the origin card logins are bound to: the server's own.
func (a *API) cardOrigin() string { return origin(a.BaseURL) }

// cardConfig: GET /api/card/config (public).
func (a *API) cardConfig(w http.ResponseWriter, r *http.Request) error {
	bridge := a.CardBridgeURL
	if a.ReviewCardBridgeURL != "" && a.ReviewOrigin != "" && ("http://"+r.Host == a.ReviewOrigin || "https://"+r.Host == a.ReviewOrigin) {
		bridge = a.ReviewCardBridgeURL // the agent point's reader
	}
	writeJSON(w, http.StatusOK, model.CardConfig{
		BridgeURL:       bridge,
		Origin:          a.cardOrigin(),
		PresenceEvery:   int(a.presenceEvery() / time.Second),
		PresenceTimeout: int(a.CardPresenceTimeout / time.Second),
	})
	return nil
}

func (a *API) authenticator() (*cardauth.Authenticator, error) {
	if a.CA == nil {
		return nil, &Error{Code: model.ErrInternal, Message: msgNoCA}
	}
	return &cardauth.Authenticator{CA: a.CA, Nonces: a.Nonces}, nil
}

// cardThrottled refuses a client address that failed card logins too
// often (the same policy as password logins per address).
func (a *API) cardThrottled(ctx context.Context, r *http.Request, now time.Time) error {
	wait, err := a.throttle.Wait(ctx, a.addrKey("cardlogin:ip:", r), a.AddrPolicy, now)
	if err != nil {
		return err
	}
	if wait > 0 {
		s := auth.RetryAfter(wait)
		return &Error{Code: model.ErrThrottled, RetryAfter: s, Message: "IC 卡登录失败次数过多，请" + waitText(s) + "后再试"}
	}
	return nil
}

// cardFailed counts a failed card login of the client address and returns
// err.
func (a *API) cardFailed(ctx context.Context, r *http.Request, now time.Time, err error) error {
	if cerr := a.throttle.Count(detached(ctx), a.addrKey("cardlogin:ip:", r), a.AddrPolicy, now); cerr != nil {
		return cerr
	}
	return err
}

// cardBeginKey is the throttle key of the card-login nonces an address
// asked for.
func (a *API) cardBeginKey(r *http.Request) string { return a.addrKey("cardbegin:ip:", r) }

// cardLoginBegin: POST /api/card-login/begin. A nonce for one login attempt
// (or one card registration), valid cardauth.NonceTTL. Each nonce is
// counted against the client address before it is written, atomically
// (CardBeginPolicy), so unauthenticated calls cannot fill the table; a
// successful card login takes its nonce back from the count.
func (a *API) cardLoginBegin(w http.ResponseWriter, r *http.Request) error {
	au, err := a.authenticator()
	if err != nil {
		return err
	}
	ctx, now := r.Context(), a.now()
	if err := a.cardThrottled(ctx, r, now); err != nil {
		return err
	}
	wait, err := a.throttle.Reserve(detached(ctx), a.cardBeginKey(r), a.CardBeginPolicy, now)
	if err != nil {
		return err
	}
	if wait > 0 {
		s := auth.RetryAfter(wait)
		return &Error{Code: model.ErrThrottled, RetryAfter: s, Message: "IC 卡登录请求过于频繁，请" + waitText(s) + "后再试"}
	}
	attempt, _ := auth.NewToken()
	nonce, err := au.Begin(ctx, attempt, now)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, model.CardLoginBegin{Attempt: attempt, Nonce: nonce, ExpiresAt: now.Add(cardauth.NonceTTL).UTC()})
	return nil
}

// proofError words a refused login proof.
func proofError(err error) error {
	switch {
	case errors.Is(err, cardauth.ErrNonce):
		return &Error{Code: model.ErrBadLogin, Message: msgCardNonce, Err: err}
	case errors.Is(err, cardauth.ErrBadSignature):
		return &Error{Code: model.ErrBadLogin, Message: msgCardSignature, Err: err}
	}
	return certError(err)
}

// certError words a refused card certificate; other errors pass.
func certError(err error) error {
	switch {
	case errors.Is(err, cardauth.ErrCertExpired):
		return &Error{Code: model.ErrForbidden, Message: msgCardExpired, Err: err}
	case errors.Is(err, cardauth.ErrCertNotYetValid):
		return &Error{Code: model.ErrForbidden, Message: msgCardNotYet, Err: err}
	case errors.Is(err, cardauth.ErrUnknownIssuer):
		return &Error{Code: model.ErrForbidden, Message: msgCardIssuer, Err: err}
	case errors.Is(err, cardauth.ErrNotCardCertificate):
		return &Error{Code: model.ErrForbidden, Message: msgCardNotCard, Err: err}
	}
	return err
}

// checkProof consumes the proof's nonce and checks the login signature
// against the server's own origin (never one the page or the bridge
// names). Failures are counted against the client address.
func (a *API) checkProof(ctx context.Context, r *http.Request, p model.CardLoginProof, now time.Time) (ca.Identity, error) {
	au, err := a.authenticator()
	if err != nil {
		return ca.Identity{}, err
	}
	if err := a.cardThrottled(ctx, r, now); err != nil {
		return ca.Identity{}, err
	}
	id, err := au.Finish(ctx, a.cardOrigin(), cardauth.LoginProof{
		AttemptID: p.Attempt, Nonce: p.Nonce, Certificate: p.Certificate, Signature: p.Signature,
	}, now)
	if err != nil {
		return ca.Identity{}, a.cardFailed(ctx, r, now, proofError(err))
	}
	return id, nil
}

// cardLoginFinish: POST /api/card-login/finish. The card's proof, then the
// card's state in the database, then a new session bound to the card.
func (a *API) cardLoginFinish(w http.ResponseWriter, r *http.Request) error {
	var req model.CardLoginProof
	if err := decode(w, r, &req); err != nil {
		return err
	}
	ctx, now := r.Context(), a.now()
	id, err := a.checkProof(ctx, r, req, now)
	if err != nil {
		return err
	}
	card, err := a.Store.CardByNumber(ctx, id.CardNumber)
	if errors.Is(err, store.ErrNotFound) {
		return a.cardFailed(ctx, r, now, &Error{Code: model.ErrForbidden, Message: msgCardUnknown, Err: err})
	}
	if err != nil {
		return err
	}
	ent, err := a.Store.EnterpriseByID(ctx, card.EnterpriseID)
	if err != nil {
		return err
	}
	if ent.CreditCode != id.CreditCode || string(card.Kind) != string(id.CardKind) {
		return a.cardFailed(ctx, r, now, &Error{Code: model.ErrForbidden, Message: msgCardMismatch,
			Err: fmt.Errorf("card %s: certificate says %s/%s, database %s/%s", card.Number, id.CreditCode, id.CardKind, ent.CreditCode, card.Kind)})
	}
	if card.State != store.CardActive {
		return a.cardFailed(ctx, r, now, &Error{Code: model.ErrForbidden, Message: cardStateMessage(card.State)})
	}
	if id.SerialHex != card.Serial {
		return a.cardFailed(ctx, r, now, &Error{Code: model.ErrForbidden, Message: msgCardSuperseded,
			Err: fmt.Errorf("card %s: certificate %s, the card's is %s", card.Number, id.SerialHex, card.Serial)})
	}
	user, err := a.Store.UserByID(ctx, card.UserID)
	if err != nil {
		return err
	}
	if user.Disabled {
		return &Error{Code: model.ErrForbidden, Message: "该 IC 卡的帐号已停用，如有疑问请联系制卡代理点"}
	}
	if err := a.throttle.Clear(ctx, a.addrKey("cardlogin:ip:", r)); err != nil {
		return err
	}
	if err := a.throttle.Release(ctx, a.cardBeginKey(r)); err != nil {
		return err
	}
	// A new session, never the one the request came with (fixation).
	if old := auth.SessionToken(r); old != "" {
		if s, err := a.Store.SessionByTokenHash(ctx, auth.HashToken(old)); err == nil {
			_ = a.Store.DeleteSession(ctx, s.ID)
		}
	}
	token, hash := auth.NewToken()
	csrf, _ := auth.NewToken()
	sess := store.Session{TokenHash: hash, UserID: user.ID, CSRFToken: csrf, CreatedAt: now, LastSeenAt: now}
	if err := a.kioskSession(w, r, &sess); err != nil {
		return err
	}
	sess, err = a.Store.CreateCardSession(ctx, sess, card.Number)
	if err != nil {
		return err
	}
	s, err := a.sessionJSON(r, &current{session: sess, user: user, card: &card})
	if err != nil {
		return err
	}
	a.Log.InfoContext(ctx, "card login", "card", card.Number, "kind", card.Kind, "enterprise_id", card.EnterpriseID)
	auth.SetSessionCookie(w, token, a.secure(r))
	writeJSON(w, http.StatusOK, s)
	return nil
}

// The database's nonce store is a cardauth.NonceStore.
var _ cardauth.NonceStore = store.LoginNonces{}
