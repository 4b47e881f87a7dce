package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"eportid/app/model"
	"eportid/backend/auth"
	"eportid/backend/store"
)

// Kiosk terminals (自助终端, store/kiosk.go): a reviewer of an agent point
// makes a one-time enrolment link (POST /api/review/kiosks) valid
// KioskEnrolValidity; the terminal's browser opens it (the page
// model.KioskEnrolPath posts its token to POST /api/kiosk/enrol) and gets
// the terminal's cookie (auth.KioskCookieName: HttpOnly, SameSite=Strict,
// Secure over https, 400 days, set again at every login on the terminal).
//
// A login (password, card or reviewer) from a browser with a live
// terminal's cookie begins a kiosk session. Its idle clock is the user's,
// not the page's: it moves only on POST /api/session/activity, which the
// page sends when a key, touch or pointer event happened (at most every
// sixth of the idle time), never on the page's own requests such as the
// card presence reports; the server ends the session KioskIdle after the
// last one, whatever the page does. The session answer says Kiosk and
// IdleSeconds, for the page's countdown.

// KioskEnrolValidity is how long an enrolment link works.
const KioskEnrolValidity = time.Hour

// kioskTerminal returns the live terminal whose cookie r carries, or
// ok false.
func (a *API) kioskTerminal(ctx context.Context, r *http.Request) (store.KioskTerminal, bool, error) {
	token := auth.KioskToken(r)
	if token == "" {
		return store.KioskTerminal{}, false, nil
	}
	k, err := a.Store.KioskTerminalByToken(ctx, auth.HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return store.KioskTerminal{}, false, nil
	}
	return k, err == nil, err
}

// kioskSession makes sess a kiosk session when r comes from a live
// terminal, and keeps the terminal's cookie for another
// auth.KioskCookieMaxAge.
func (a *API) kioskSession(w http.ResponseWriter, r *http.Request, sess *store.Session) error {
	k, ok, err := a.kioskTerminal(r.Context(), r)
	if err != nil || !ok {
		return err
	}
	sess.KioskTerminalID = k.ID
	auth.SetKioskCookie(w, auth.KioskToken(r), a.secure(r))
	return nil
}

// timeoutsOf are the timeouts of a session: the kiosk idle time for a
// kiosk session.
func (a *API) timeoutsOf(sess store.Session) auth.Timeouts {
	if sess.KioskTerminalID != 0 {
		return a.Timeouts.Kiosk(a.KioskIdle)
	}
	return a.Timeouts
}

func (a *API) kioskStatus(k store.KioskTerminal) model.KioskStatus {
	return model.KioskStatus{Kiosk: true, Name: k.Name, AgentPoint: k.AgentPoint, IdleSeconds: int(a.KioskIdle / time.Second)}
}

// getKiosk: GET /api/kiosk. Whether this browser is a kiosk terminal (the
// login page then turns the browser's password saving off and says so).
func (a *API) getKiosk(w http.ResponseWriter, r *http.Request) error {
	k, ok, err := a.kioskTerminal(r.Context(), r)
	if err != nil {
		return err
	}
	if !ok {
		writeJSON(w, http.StatusOK, model.KioskStatus{})
		return nil
	}
	writeJSON(w, http.StatusOK, a.kioskStatus(k))
	return nil
}

const msgKioskLink = "登记链接无效、已使用或已过期，请向制卡代理点重新获取"

// kioskEnrol: POST /api/kiosk/enrol. The enrolment link's token, once,
// makes this browser the link's terminal.
func (a *API) kioskEnrol(w http.ResponseWriter, r *http.Request) error {
	var req model.KioskEnrolRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	req.Token = strings.TrimSpace(req.Token)
	if req.Token == "" {
		return invalid(model.FieldErrors{"token": "登记链接：必填，不能为空"})
	}
	if len(req.Token) > 128 {
		return &Error{Code: model.ErrNotFound, Message: msgKioskLink}
	}
	token, hash := auth.NewToken()
	k, err := a.Store.EnrolKioskTerminal(r.Context(), auth.HashToken(req.Token), hash, a.now())
	if errors.Is(err, store.ErrNotFound) {
		return &Error{Code: model.ErrNotFound, Message: msgKioskLink, Err: err}
	}
	if err != nil {
		return err
	}
	a.Log.InfoContext(r.Context(), "kiosk terminal enrolled", "terminal", k.ID, "agent_point", k.AgentPoint)
	auth.SetKioskCookie(w, token, a.secure(r))
	writeJSON(w, http.StatusOK, a.kioskStatus(k))
	return nil
}

// sessionActivity: POST /api/session/activity. The user pressed a key or
// touched the page: a kiosk session's idle clock starts again. Other
// sessions are kept alive by their requests; for them it does nothing.
func (a *API) sessionActivity(w http.ResponseWriter, r *http.Request, c *current) error {
	if c.session.KioskTerminalID != 0 {
		err := a.Store.TouchSession(r.Context(), c.session.ID, a.now())
		if errors.Is(err, store.ErrNotFound) {
			return errNoSession
		}
		if err != nil {
			return err
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ---- the agent point's side (review console) ----

func kioskJSON(k store.KioskTerminal) model.KioskTerminal {
	return model.KioskTerminal{ID: k.ID, AgentPoint: k.AgentPoint, Name: k.Name, CreatedBy: k.CreatedBy,
		CreatedAt: k.CreatedAt, EnrolExpiresAt: k.EnrolExpiresAt, EnrolledAt: k.EnrolledAt, RevokedAt: k.RevokedAt}
}

// reviewKiosks: GET /api/review/kiosks, the agent point's terminals.
func (a *API) reviewKiosks(w http.ResponseWriter, r *http.Request, c *current) error {
	rv, err := a.reviewerOf(r.Context(), c)
	if err != nil {
		return err
	}
	list, err := a.Store.KioskTerminals(r.Context(), rv.AgentPoint)
	if err != nil {
		return err
	}
	out := make([]model.KioskTerminal, 0, len(list))
	for _, k := range list {
		out = append(out, kioskJSON(k))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// KioskEnrolURL is the enrolment link of token at the site base.
func KioskEnrolURL(base, token string) string {
	return strings.TrimRight(base, "/") + model.KioskEnrolPath + "#" + token
}

// reviewNewKiosk: POST /api/review/kiosks. A new terminal of the
// reviewer's agent point and its one-time enrolment link.
func (a *API) reviewNewKiosk(w http.ResponseWriter, r *http.Request, c *current) error {
	var req model.KioskTerminalRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	req.Name = strings.TrimSpace(req.Name)
	if err := model.CheckText(req.Name, false); err != nil {
		return invalid(model.FieldErrors{"name": "终端名称：" + err.Error()})
	}
	switch {
	case req.Name == "":
		return invalid(model.FieldErrors{"name": "终端名称：必填，不能为空"})
	case utf8.RuneCountInString(req.Name) > model.KioskNameMax:
		return invalid(model.FieldErrors{"name": "终端名称：最多 " + strconv.Itoa(model.KioskNameMax) + " 个字"})
	}
	rv, err := a.reviewerOf(r.Context(), c)
	if err != nil {
		return err
	}
	token, hash := auth.NewToken()
	k, err := a.Store.CreateKioskEnrolment(r.Context(), rv.AgentPoint, req.Name, rv.Username, hash, a.now().Add(KioskEnrolValidity))
	if err != nil {
		return err
	}
	out := kioskJSON(k)
	out.EnrolURL = KioskEnrolURL(a.BaseURL, token)
	writeJSON(w, http.StatusCreated, out)
	return nil
}

// reviewRevokeKiosk: POST /api/review/kiosks/{id}/revoke. The terminal is
// no longer a kiosk, and its sessions end.
func (a *API) reviewRevokeKiosk(w http.ResponseWriter, r *http.Request, c *current) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return &Error{Code: model.ErrNotFound, Message: "没有这个终端"}
	}
	rv, err := a.reviewerOf(r.Context(), c)
	if err != nil {
		return err
	}
	k, err := a.Store.RevokeKioskTerminal(r.Context(), rv.AgentPoint, id, a.now())
	if errors.Is(err, store.ErrNotFound) {
		return &Error{Code: model.ErrNotFound, Message: "没有这个终端", Err: err}
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, kioskJSON(k))
	return nil
}
