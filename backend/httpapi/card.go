package httpapi

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emmansun/gmsm/smx509"

	"eportid/app/model"
	"eportid/backend/auth"
	"eportid/backend/ca"
	"eportid/backend/cardauth"
	"eportid/backend/store"
)

// The IC card side of the API (issue #4): card login (P1), card
// registration (R3), the card session's presence and the checks of a
// signed declaration (X3). app/model/card.go is the contract.
//
// # Card sessions and the card leaving the reader
//
// A card session is a session of the card's account (store.Card.UserID)
// bound to the card (store.CardSession). Every request of such a session
// checks, besides the usual timeouts, that the card is still active in the
// database (a card frozen, reported lost or expired meanwhile ends the
// session) and that its page reported the card in the reader within
// CardPresenceTimeout.
//
// The page watches the card through the bridge: when the bridge pushes
// card_removed it ends the session at once (DELETE /api/session) and goes
// back to the login page; while the card stays it reports the card's
// number every PresenceEvery seconds (POST /api/card-session/presence). A
// page that is closed, or whose bridge stopped, stops reporting, and the
// server ends the session after CardPresenceTimeout. The report is the
// page's word that the card is there, not a cryptographic proof (that would
// need the PIN each time): what a card holder declares is proved by the
// card's signature over the record, made with the card and PIN at that
// moment and checked here.

// Defaults of the card settings of API.
const (
	DefaultCardBridgeURL       = "ws://127.0.0.1:34567"
	DefaultCardPresenceTimeout = 2 * time.Minute
)

// Messages of the card answers.
const (
	msgNoCA            = "服务器未配置 IC 卡证书服务（CA），暂不能使用 IC 卡"
	msgCardNonce       = "登录请求已失效或已使用，请重新登录"
	msgCardSignature   = "IC 卡签名验证失败，请确认通过本系统网址访问后重新登录"
	msgCardExpired     = "该 IC 卡证书已过期，请到制卡代理点办理证书延期"
	msgCardNotYet      = "该 IC 卡证书尚未生效"
	msgCardIssuer      = "该 IC 卡的证书不是本系统签发的，不能使用"
	msgCardNotCard     = "无法识别该 IC 卡的证书，请确认插入的是电子口岸 IC 卡"
	msgCardUnknown     = "该 IC 卡尚未在本系统注册，法人卡请先进行【有卡注册】"
	msgCardMismatch    = "该 IC 卡的证书与本系统登记的卡信息不符，请联系制卡代理点"
	msgCardPresence    = "未检测到 IC 卡（卡已拔出或读卡服务已停止），已退出登录，请重新登录"
	msgCardOther       = "读卡器中的 IC 卡不是登录所用的卡，已退出登录，请重新登录"
	msgSignatureNeeded = "持卡用户申报须使用 IC 卡签名，请插入 IC 卡后重新申报"
)

// cardStateMessage is why a card in state st may not log in.
func cardStateMessage(st store.CardState) string {
	switch st {
	case store.CardFrozen:
		return "该 IC 卡已冻结，不能使用。请联系本企业法人卡持有人或制卡代理点解冻"
	case store.CardLost:
		return "该 IC 卡已挂失，不能使用"
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

func (a *API) presenceEvery() time.Duration {
	every := a.CardPresenceTimeout / 4
	if every < time.Second {
		every = time.Second
	}
	return every
}

// cardConfig: GET /api/card/config (public).
func (a *API) cardConfig(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, model.CardConfig{
		BridgeURL:       a.CardBridgeURL,
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

// cardLoginBegin: POST /api/card-login/begin. A nonce for one login attempt
// (or one card registration), valid cardauth.NonceTTL.
func (a *API) cardLoginBegin(w http.ResponseWriter, r *http.Request) error {
	au, err := a.authenticator()
	if err != nil {
		return err
	}
	ctx, now := r.Context(), a.now()
	if err := a.cardThrottled(ctx, r, now); err != nil {
		return err
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
	// A new session, never the one the request came with (fixation).
	if old := auth.SessionToken(r); old != "" {
		if s, err := a.Store.SessionByTokenHash(ctx, auth.HashToken(old)); err == nil {
			_ = a.Store.DeleteSession(ctx, s.ID)
		}
	}
	token, hash := auth.NewToken()
	csrf, _ := auth.NewToken()
	sess, err := a.Store.CreateCardSession(ctx, store.Session{
		TokenHash: hash, UserID: user.ID, CSRFToken: csrf, CreatedAt: now, LastSeenAt: now,
	}, card.Number)
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

// cardOfSession loads the card of a card session into c and ends the
// session (ErrCardEnded) when the card may no longer be used or its page
// has not reported it in the reader for CardPresenceTimeout.
func (a *API) cardOfSession(ctx context.Context, w http.ResponseWriter, r *http.Request, c *current, now time.Time) error {
	end := func(msg string, cause error) error {
		if err := a.Store.DeleteSession(ctx, c.session.ID); err != nil {
			return err
		}
		auth.ClearSessionCookie(w, a.secure(r))
		return &Error{Code: model.ErrCardEnded, Message: msg, Err: cause}
	}
	cs, err := a.Store.CardSessionOf(ctx, c.session.ID)
	if errors.Is(err, store.ErrNotFound) {
		return end(msgUnauthorized, err)
	}
	if err != nil {
		return err
	}
	card, err := a.Store.CardByNumber(ctx, cs.CardNumber)
	if err != nil {
		return err
	}
	if card.State != store.CardActive {
		return end(cardStateMessage(card.State)+"；已退出登录", nil)
	}
	if now.Sub(cs.LastPresenceAt) > a.CardPresenceTimeout {
		return end(msgCardPresence, nil)
	}
	c.card = &card
	return nil
}

// cardPresence: POST /api/card-session/presence. The page read the card
// in the reader: the session's card keeps the session; another card ends
// it.
func (a *API) cardPresence(w http.ResponseWriter, r *http.Request, c *current) error {
	if c.card == nil {
		return &Error{Code: model.ErrForbidden, Message: msgForbidden}
	}
	var req model.CardPresence
	if err := decode(w, r, &req); err != nil {
		return err
	}
	ctx := r.Context()
	if req.CardNumber != c.card.Number {
		if err := a.Store.DeleteSession(ctx, c.session.ID); err != nil {
			return err
		}
		auth.ClearSessionCookie(w, a.secure(r))
		return &Error{Code: model.ErrCardEnded, Message: msgCardOther}
	}
	if err := a.Store.TouchCardPresence(ctx, c.session.ID, a.now()); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return errNoSession
		}
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// cardRegister: POST /api/card-registrations (有卡注册, R3). A legal-person
// card proves possession (PIN, signed nonce); its certificate names the
// enterprise, which is created if new; the card is bound to it.
func (a *API) cardRegister(w http.ResponseWriter, r *http.Request) error {
	var req model.CardRegistrationRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	ctx, now := r.Context(), a.now()
	id, err := a.checkProof(ctx, r, req.CardLoginProof, now)
	if err != nil {
		return err
	}
	if id.CardKind != ca.CardLegalPerson {
		return &Error{Code: model.ErrForbidden, Message: "有卡注册须使用企业法人卡；操作员卡由本企业法人卡持有人申请"}
	}
	cert, err := smx509.ParseCertificate(req.Certificate)
	if err != nil { // checked by checkProof already
		return certError(fmt.Errorf("%w: %v", cardauth.ErrNotCardCertificate, err))
	}
	name := strings.TrimSpace(req.NameCN)
	if name == "" && len(cert.Subject.Organization) > 0 {
		name = strings.TrimSpace(cert.Subject.Organization[0])
	}
	if _, err := a.Store.EnterpriseByCreditCode(ctx, id.CreditCode); errors.Is(err, store.ErrNotFound) {
		switch {
		case name == "":
			return invalid(model.FieldErrors{"name_cn": "企业中文名称：必填，不能为空（IC 卡证书中没有企业名称）"})
		case utf8.RuneCountInString(name) > 100:
			return invalid(model.FieldErrors{"name_cn": "企业中文名称：最多100个字符"})
		}
	} else if err != nil {
		return err
	}
	card, ent, created, err := a.Store.RegisterCard(ctx, store.CardRegistration{
		CardNumber: id.CardNumber, Kind: model.CardKind(id.CardKind), HolderName: id.HolderName,
		Certificate: req.Certificate, Serial: id.SerialHex, NotAfter: id.NotAfter,
		CreditCode:    id.CreditCode,
		NewEnterprise: store.Enterprise{NameCN: name, LegalRepName: id.HolderName},
	})
	if errors.Is(err, store.ErrCardRegistered) {
		return &Error{Code: model.ErrConflict, Message: "该 IC 卡已注册，请直接使用【IC 卡登录】", Err: err}
	}
	if err != nil {
		return err
	}
	a.Log.InfoContext(ctx, "card registered", "card", card.Number, "enterprise_id", ent.ID, "new_enterprise", created)
	msg := "有卡注册成功：IC 卡 " + card.Number + "（" + card.HolderName + "）已绑定企业“" + ent.NameCN + "”。请使用【IC 卡登录】。"
	writeJSON(w, http.StatusCreated, model.Accepted{Message: msg})
	return nil
}

// ---- signed declarations (X3) ----


// signedRecord is a declaration's card signature, verified.
type signedRecord struct {
	ref     model.RecordRef
	version int
	fields  map[string]string
	sig     model.CardSignature
	signer  ca.Identity
}

// The audit trail keeps the signature and the certificate (DER) in
// standard base64.
func (s *signedRecord) signatureText() string {
	return base64.StdEncoding.EncodeToString(s.sig.Signature)
}
func (s *signedRecord) certificateText() string {
	return base64.StdEncoding.EncodeToString(s.sig.Certificate)
}

// verifyDeclaration checks the card signature a card holder sent with a
// declaration: over model.CanonicalRecord(ref.Name(), ref.ID, version,
// fields), fields being what will be stored; by a certificate of our CA,
// valid now, of the session's own card and enterprise. Without a card
// session it returns nil (no-card users declare unsigned).
func (a *API) verifyDeclaration(c *current, ent store.Enterprise, ref model.RecordRef, version int, fields map[string]string, sig *model.CardSignature) (*signedRecord, error) {
	if c.card == nil {
		return nil, nil
	}
	if sig == nil || len(sig.Signature) == 0 || len(sig.Certificate) == 0 {
		return nil, &Error{Code: model.ErrForbidden, Message: msgSignatureNeeded}
	}
	if a.CA == nil {
		return nil, &Error{Code: model.ErrInternal, Message: msgNoCA}
	}
	canonical := model.CanonicalRecord(ref.Name(), ref.ID, version, fields)
	id, err := cardauth.VerifyRecord(a.CA, sig.Certificate, canonical, sig.Signature, a.now())
	if errors.Is(err, cardauth.ErrBadSignature) {
		return nil, &Error{Code: model.ErrForbidden, Message: "IC 卡签名与申报内容不符，请刷新后重新申报", Err: err}
	}
	if err != nil {
		return nil, certError(err)
	}
	if id.CardNumber != c.card.Number || id.CreditCode != ent.CreditCode {
		return nil, &Error{Code: model.ErrForbidden, Message: "签名所用的 IC 卡不是当前登录所用的卡，请插入登录所用的 IC 卡",
			Err: fmt.Errorf("signed by card %s of %s, session card %s of %s", id.CardNumber, id.CreditCode, c.card.Number, ent.CreditCode)}
	}
	return &signedRecord{ref: ref, version: version, fields: fields, sig: *sig, signer: id}, nil
}

// keepSignature stores the verified signature of a declaration the store
// accepted as version with values stored, at declaredAt. The audit row of
// the declaration (written in its transaction) holds the signature too.
func (a *API) keepSignature(ctx context.Context, enterpriseID int64, s *signedRecord, version int, stored map[string]string, declaredAt *time.Time) (*model.RecordSignature, error) {
	if version != s.version || !sameValues(stored, s.fields) {
		// The store kept something else than what was signed: never
		// show it as signed.
		return nil, fmt.Errorf("httpapi: %s stored as version %d with other values than signed (version %d)", s.ref, version, s.version)
	}
	at := a.now()
	if declaredAt != nil {
		at = *declaredAt
	}
	rs, err := a.Store.AddRecordSignature(detached(ctx), store.RecordSignature{
		EnterpriseID: enterpriseID, Kind: s.ref.Kind, Change: s.ref.Change, RecordID: s.ref.ID,
		Version: version, Action: model.ActionDeclare, CardNumber: s.signer.CardNumber,
		HolderName: s.signer.HolderName, CertSerial: s.signer.SerialHex,
		Signature: s.sig.Signature, Certificate: s.sig.Certificate, SignedAt: at,
	})
	if err != nil {
		return nil, err
	}
	return recordSignatureJSON(rs, true), nil
}

func sameValues(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func recordSignatureJSON(rs store.RecordSignature, verified bool) *model.RecordSignature {
	kind := model.CardLegalPerson
	if cert, err := smx509.ParseCertificate(rs.Certificate); err == nil {
		if id, err := ca.CardIdentity(cert); err == nil {
			kind = model.CardKind(id.CardKind)
		}
	}
	return &model.RecordSignature{
		Action: rs.Action, Version: rs.Version, CardNumber: rs.CardNumber, CardKind: kind,
		HolderName: rs.HolderName, CertSerial: rs.CertSerial, SignedAt: rs.SignedAt, Verified: verified,
	}
}

// signatureOf is the card signature of a record's current declaration:
// only a declared or approved record has one, and only the signature made
// when it was declared (at DeclaredAt); it is verified again against the
// record's current values.
func (a *API) signatureOf(ctx context.Context, enterpriseID int64, ref model.RecordRef, st model.State, declaredAt *time.Time, values map[string]string) (*model.RecordSignature, error) {
	if declaredAt == nil || (st != model.StateDeclared && st != model.StateApproved) {
		return nil, nil
	}
	rs, err := a.Store.LatestRecordSignature(ctx, enterpriseID, ref)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !rs.SignedAt.Equal(declaredAt.UTC()) {
		return nil, nil // a signature of an earlier declaration
	}
	canonical := model.CanonicalRecord(ref.Name(), ref.ID, rs.Version, values)
	ok := cardauth.VerifyRecordSignature(rs.Certificate, canonical, rs.Signature) == nil
	if !ok {
		// An approved change replaces a filing's values after its
		// declaration was signed: that signature is over the old values
		// (kept in the history), and the change carries its own.
		replaced, err := a.changedSince(ctx, enterpriseID, ref, rs.SignedAt)
		if err != nil {
			return nil, err
		}
		if replaced {
			return nil, nil
		}
		a.Log.ErrorContext(ctx, "stored record signature does not verify", "record", ref.String(), "card", rs.CardNumber)
	}
	return recordSignatureJSON(rs, ok), nil
}

// changedSince reports whether an approved change replaced the record's
// values after t.
func (a *API) changedSince(ctx context.Context, enterpriseID int64, ref model.RecordRef, t time.Time) (bool, error) {
	if ref.Change {
		return false, nil
	}
	hist, err := a.Store.History(ctx, enterpriseID, ref)
	if err != nil {
		return false, err
	}
	for _, e := range hist {
		if e.Action == model.ActionApply && !e.At.Before(t) {
			return true, nil
		}
	}
	return false, nil
}


// The database's nonce store is a cardauth.NonceStore.
var _ cardauth.NonceStore = store.LoginNonces{}
