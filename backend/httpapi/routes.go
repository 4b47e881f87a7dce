package httpapi

import (
	"net/http"

	"eportid/app/model"
)

// filers are the roles that keep the legal-person filing (N1).
var filers = []model.Role{model.RoleNoCardAdmin, model.RoleLegalCard}

// routes is every route of the site (app/model/api.go).
func (a *API) routes() *http.ServeMux {
	mux := http.NewServeMux()

	// Session (P1).
	mux.HandleFunc("GET /api/session", a.authed(a.getSession))
	mux.HandleFunc("POST /api/session", a.plain(a.login))
	mux.HandleFunc("DELETE /api/session", a.plain(a.logout))

	// Registration (R2).
	mux.HandleFunc("POST /api/registrations", a.plain(a.register))
	mux.HandleFunc("POST /api/registrations/activate", a.plain(a.activate))

	// Legal-person filing (N1, X1, X2).
	mux.HandleFunc("GET /api/legal-person", a.authed(a.listLegalPersons, filers...))
	mux.HandleFunc("POST /api/legal-person", a.authed(a.createLegalPerson, filers...))
	mux.HandleFunc("GET /api/legal-person/{id}", a.authed(a.getLegalPerson, filers...))
	mux.HandleFunc("PUT /api/legal-person/{id}", a.authed(a.saveLegalPerson, filers...))
	mux.HandleFunc("POST /api/legal-person/{id}/declare", a.authed(a.declareLegalPerson, filers...))
	mux.HandleFunc("DELETE /api/legal-person/{id}", a.authed(a.deleteLegalPerson, filers...))

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
	mux.Handle("/", getOnly(a.UI))
	return mux
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
