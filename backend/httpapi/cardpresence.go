package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"eportid/app/model"
	"eportid/backend/auth"
	"eportid/backend/store"
)

// Card presence: a card session lasts while its card is in the reader.
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
// moment and checked by verifyDeclaration (recordsignature.go).

// DefaultCardPresenceTimeout is the default of API.CardPresenceTimeout.
const DefaultCardPresenceTimeout = 2 * time.Minute

// Messages of a card session that ends.
const (
	msgCardPresence = "未检测到 IC 卡（卡已拔出或读卡服务已停止），已退出登录，请重新登录"
	msgCardOther    = "读卡器中的 IC 卡不是登录所用的卡，已退出登录，请重新登录"
)

// presenceEvery is how often the page reports the card: a quarter of
// CardPresenceTimeout, at least a second.
func (a *API) presenceEvery() time.Duration {
	every := a.CardPresenceTimeout / 4
	if every < time.Second {
		every = time.Second
	}
	return every
}

// cardOfSession puts the card of a card session (read with the session,
// sc) into c and ends the session (ErrCardEnded) when the card may no
// longer be used or its page has not reported it in the reader for
// CardPresenceTimeout.
func (a *API) cardOfSession(ctx context.Context, w http.ResponseWriter, r *http.Request, c *current, sc store.Context, now time.Time) error {
	end := func(msg string, cause error) error {
		if err := a.Store.DeleteSession(ctx, c.session.ID); err != nil {
			return err
		}
		auth.ClearSessionCookie(w, a.secure(r))
		return &Error{Code: model.ErrCardEnded, Message: msg, Err: cause}
	}
	cs, card := sc.CardSession, sc.Card
	if cs == nil || card == nil {
		return end(msgUnauthorized, fmt.Errorf("session %d of a card's account: %w", c.session.ID, store.ErrNotFound))
	}
	if card.State != store.CardActive {
		return end(cardStateMessage(card.State)+"；已退出登录", nil)
	}
	if now.Sub(cs.LastPresenceAt) > a.CardPresenceTimeout {
		return end(msgCardPresence, nil)
	}
	c.card = card
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
