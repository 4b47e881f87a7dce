package httpapi

import (
	"net/http"
	"strings"

	"eportid/app/model"
)

// filers are the roles that keep the enterprise's filings and changes.
var filers = []model.Role{model.RoleNoCardAdmin, model.RoleLegalCard}

// filingRoles are those of the filings: the filers, and an operator card
// for the kinds it is authorised for (mayOperate).
var filingRoles = append(append([]model.Role{}, filers...), model.RoleOperatorCard)

// routes is every route of the site (app/model/api.go).
func (a *API) routes() *http.ServeMux {
	mux := http.NewServeMux()

	// Session (P1).
	mux.HandleFunc("GET /api/session", a.authed(a.getSession))
	mux.HandleFunc("POST /api/session", a.plain(a.login))
	mux.HandleFunc("DELETE /api/session", a.plain(a.logout))
	// The page's probe while it cannot reach the server: no session, no
	// database.
	mux.HandleFunc("GET /api/ping", ping)
	mux.HandleFunc("POST /api/session/activity", a.authed(a.sessionActivity))

	// Kiosk terminals at the agent points (kiosk.go).
	mux.HandleFunc("GET /api/kiosk", a.plain(a.getKiosk))
	mux.HandleFunc("POST /api/kiosk/enrol", a.plain(a.kioskEnrol))
	mux.HandleFunc("GET /api/review/kiosks", a.authed(a.reviewKiosks, model.RoleReviewer))
	mux.HandleFunc("POST /api/review/kiosks", a.authed(a.reviewNewKiosk, model.RoleReviewer))
	mux.HandleFunc("POST /api/review/kiosks/{id}/revoke", a.authed(a.reviewRevokeKiosk, model.RoleReviewer))

	// Card login (P1), card registration (R3) and the card session's
	// presence: cardlogin.go, cardregistration.go, cardpresence.go.
	mux.HandleFunc("GET /api/card/config", a.plain(a.cardConfig))
	mux.HandleFunc("POST /api/card-login/begin", a.plain(a.cardLoginBegin))
	mux.HandleFunc("POST /api/card-login/finish", a.plain(a.cardLoginFinish))
	mux.HandleFunc("POST /api/card-registrations", a.plain(a.cardRegister))
	mux.HandleFunc("POST /api/card-session/presence", a.authed(a.cardPresence, model.RoleLegalCard, model.RoleOperatorCard))

	// Registration (R2).
	mux.HandleFunc("POST /api/registrations", a.plain(a.register))
	mux.HandleFunc("POST /api/registrations/activate", a.plain(a.activate))

	// Filings of every kind (N1–N4, L1–L3) and their changes (L4–L7):
	// filings.go, one set of handlers over model.Kinds.
	mux.HandleFunc("GET /api/filings/{kind}", a.authed(a.filing(listRecords), filingRoles...))
	mux.HandleFunc("POST /api/filings/{kind}", a.authed(a.filing(createRecord), filingRoles...))
	mux.HandleFunc("GET /api/filings/{kind}/backfill", a.authed(a.filing(backfill), filingRoles...))
	mux.HandleFunc("GET /api/filings/{kind}/{id}", a.authed(a.filing(getRecord), filingRoles...))
	mux.HandleFunc("PUT /api/filings/{kind}/{id}", a.authedWriting(recordOfPath(false), a.filing(saveRecord), filingRoles...))
	mux.HandleFunc("DELETE /api/filings/{kind}/{id}", a.authed(a.filing(removeRecord), filingRoles...))
	mux.HandleFunc("POST /api/filings/{kind}/{id}/declare", a.authedWriting(recordOfPath(false), a.declared(a.filing(declareRecord), false), filingRoles...))
	mux.HandleFunc("GET /api/filings/{kind}/{id}/history", a.authed(a.filing(recordHistory), filingRoles...))
	mux.HandleFunc("GET /api/filings/{kind}/{id}/versions", a.authed(a.filing(recordVersions), filingRoles...))
	mux.HandleFunc("GET /api/changes/{kind}", a.authed(a.change(listRecords), filingRoles...))
	mux.HandleFunc("POST /api/changes/{kind}", a.authed(a.change(createRecord), filingRoles...))
	mux.HandleFunc("GET /api/changes/{kind}/{id}", a.authed(a.change(getRecord), filingRoles...))
	mux.HandleFunc("PUT /api/changes/{kind}/{id}", a.authedWriting(recordOfPath(true), a.change(saveRecord), filingRoles...))
	mux.HandleFunc("DELETE /api/changes/{kind}/{id}", a.authed(a.change(removeRecord), filingRoles...))
	mux.HandleFunc("POST /api/changes/{kind}/{id}/declare", a.authedWriting(recordOfPath(true), a.declared(a.change(declareRecord), true), filingRoles...))
	mux.HandleFunc("GET /api/changes/{kind}/{id}/history", a.authed(a.change(recordHistory), filingRoles...))

	// The card holder's own card and the operator cards' authorisations
	// (operatorcards.go).
	mux.HandleFunc("GET /api/my-card", a.authed(a.myCard, model.RoleLegalCard, model.RoleOperatorCard))
	mux.HandleFunc("GET /api/my-card/events", a.authed(a.myCardEvents, model.RoleLegalCard, model.RoleOperatorCard))
	mux.HandleFunc("POST /api/my-card/pin-changed", a.authed(a.pinChanged, model.RoleLegalCard, model.RoleOperatorCard))
	mux.HandleFunc("GET /api/operator-cards", a.authed(a.operatorCards, model.RoleLegalCard))
	mux.HandleFunc("PUT /api/operator-cards/{card}/authorisations", a.authed(a.setAuthorisations, model.RoleLegalCard))

	// IC card management and inquiry (L9, L10), the agent point's side,
	// and the CA's CRL (cardmanagement.go).
	mux.HandleFunc("GET /api/cards", a.authed(a.cards, model.RoleLegalCard))
	mux.HandleFunc("GET /api/cards/{card}", a.authed(a.card, model.RoleLegalCard))
	mux.HandleFunc("GET /api/cards/{card}/events", a.authed(a.cardEvents, model.RoleLegalCard))
	mux.HandleFunc("POST /api/cards/{card}/state", a.authed(a.setCardState, model.RoleLegalCard))
	mux.HandleFunc("POST /api/cards/{card}/unlock", a.authed(a.unlockCard, model.RoleLegalCard))
	mux.HandleFunc("POST /api/cards/{card}/extend", a.authed(a.extendCard, model.RoleLegalCard))
	mux.HandleFunc("GET /api/review/cards", a.authed(a.reviewCards, model.RoleReviewer))
	mux.HandleFunc("GET /api/review/cards/{card}/events", a.authed(a.reviewCardEvents, model.RoleReviewer))
	mux.HandleFunc("POST /api/review/cards/{card}/state", a.authed(a.reviewCardState, model.RoleReviewer))
	mux.HandleFunc("GET "+CRLPath, a.plain(a.crl))

	// Attachments of the operator applications (attachment.go).
	mux.HandleFunc("POST /api/attachments", a.authed(a.uploadAttachment, filers...))
	mux.HandleFunc("GET /api/attachments/{id}", a.authed(a.getAttachment, filers...))
	mux.HandleFunc("GET /api/attachments/{id}/info", a.authed(a.attachmentInfo, filers...))
	mux.HandleFunc("GET /api/review/attachments/{id}", a.authed(a.reviewAttachment, model.RoleReviewer))

	// 制卡: issuing an approved operator application's card (issuance.go).
	mux.HandleFunc("POST /api/review/operator/{id}/issuance", a.authed(a.beginIssuance, model.RoleReviewer))
	mux.HandleFunc("POST /api/review/operator/{id}/card", a.authed(a.issueCard, model.RoleReviewer))

	// 报关人员绑定 / 解绑 (L11): declarant.go, the legal-person card holder.
	mux.HandleFunc("GET /api/declarants", a.authed(a.declarantOverview, model.RoleLegalCard))
	mux.HandleFunc("POST /api/declarants/bind", a.authed(a.bindDeclarant, model.RoleLegalCard))
	mux.HandleFunc("POST /api/declarants/unbind", a.authed(a.unbindDeclarant, model.RoleLegalCard))
	mux.HandleFunc("GET /api/declarants/log", a.authed(a.bindingLog, model.RoleLegalCard))

	// The review console (review.go, reviewsession.go).
	mux.HandleFunc("POST /api/review/session", a.plain(a.reviewLogin))
	mux.HandleFunc("GET /api/review/queue", a.authed(a.reviewQueue, model.RoleReviewer))
	mux.HandleFunc("GET /api/review/{ref}/{id}", a.authed(a.reviewRecord, model.RoleReviewer))
	mux.HandleFunc("POST /api/review/{ref}/{id}/approve", a.authed(a.reviewApprove, model.RoleReviewer))
	mux.HandleFunc("POST /api/review/{ref}/{id}/return", a.authed(a.reviewReturn, model.RoleReviewer))

	// Reference data (N6 and the lists of the forms): public.
	mux.HandleFunc("GET /api/ref/agent-points", a.plain(a.agentPoints))
	mux.HandleFunc("GET /api/ref/divisions", a.plain(a.divisions))
	mux.HandleFunc("GET /api/ref/departments", a.plain(a.departments))
	mux.HandleFunc("GET /api/ref/customs-districts", a.plain(a.customsDistricts))

	// Anything else under /api/ is an API 404, never the page.
	mux.HandleFunc("/api/", a.plain(func(w http.ResponseWriter, r *http.Request) error {
		return &Error{Code: model.ErrNotFound, Message: "没有这个接口"}
	}))

	// The WASM app and its files.
	mux.Handle("/web/", getOnly(a.webFiles()))
	mux.Handle("/", getOnly(noStorePages(a.UI)))
	return mux
}

// noStorePages marks the pages' HTML (a path whose last element has no
// dot) Cache-Control: no-store, over the UI handler's own header: the
// browser then keeps no page of a logged-in user in its back/forward
// cache, so the back button after a logout (a kiosk's above all) shows
// nothing of the last user. The service worker still keeps the app shell.
func noStorePages(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		last := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		if strings.Contains(last, ".") {
			h.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(noStoreWriter{w}, r)
	})
}

// noStoreWriter sets Cache-Control: no-store as the answer's header is
// written.
type noStoreWriter struct{ http.ResponseWriter }

func (w noStoreWriter) WriteHeader(code int) {
	w.Header().Set("Cache-Control", "no-store")
	w.ResponseWriter.WriteHeader(code)
}

func (w noStoreWriter) Write(b []byte) (int, error) {
	if w.Header().Get("Cache-Control") != "no-store" {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w noStoreWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// declared counts a declaration h made (a kind of model.Kinds: h refuses
// any other) in the metrics.
func (a *API) declared(h handlerFunc, change bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *current) error {
		err := h(w, r, c)
		if err == nil {
			a.Metrics.Declared(r.PathValue("kind"), change)
		}
		return err
	}
}

// getOnly answers 405 to anything but GET and HEAD (the pages and their
// files are read-only; "GET /" would conflict with "/api/" in the mux).
func getOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
			return
		}
		h.ServeHTTP(w, r)
	})
}
