package model

import "time"

// This file holds the JSON shapes of the HTTP API, shared by app/apiclient
// and backend/httpapi. All routes are under /api/.
//
//   GET    /api/session                     → Session (401 when none)
//   POST   /api/session         LoginRequest → Session (sets the cookie)
//   DELETE /api/session                     → 204 (ends it on the server)
//   GET    /api/ping                        → 204 (the server is reachable)
//   POST   /api/registrations   RegistrationRequest → 202 Accepted
//   POST   /api/registrations/activate ActivateRequest → 200 Accepted
//   GET    /api/ref/agent-points            → []AgentPoint
//   GET    /api/ref/divisions?parent=CODE   → []Option (provinces when no parent)
//   GET    /api/ref/departments?kind=market|tax&agent_point=CODE → []Option
//   GET    /api/ref/customs-districts       → []Option
//   (filings of every kind, changes and the review console: api_filings.go)
//   (card login, 有卡注册, the card session's presence: card.go; a card
//   holder's 申报 carries SaveRequest.CardSignature)
//
// Unsafe methods need the session's CSRF token in the X-CSRF-Token header
// (except POST /api/session and /api/registrations*, which have no session
// and are guarded by the cross-origin check). Errors come as Problem.

// CSRFHeader is the request header that carries Session.CSRFToken.
const CSRFHeader = "X-CSRF-Token"

// Problem is the body of every error answer.
type Problem struct {
	// Code is a fixed machine-readable word: see the Err* constants.
	Code string `json:"code"`
	// Message is the Chinese sentence to show the user.
	Message string `json:"message"`
	// Fields holds per-field messages for Code "invalid".
	Fields FieldErrors `json:"fields,omitempty"`
	// RetryAfter is the seconds to wait, for Codes "throttled" and
	// "unavailable".
	RetryAfter int `json:"retry_after,omitempty"`
}

// Error codes of Problem.Code.
const (
	ErrInvalid      = "invalid"      // 422: field rules broken, see Fields
	ErrUnauthorized = "unauthorized" // 401: no session or it ended
	ErrBadLogin     = "bad_login"    // 401: user name or password wrong (never says which)
	ErrForbidden    = "forbidden"    // 403: role may not do this / CSRF
	ErrNotFound     = "not_found"    // 404: no such record of this enterprise
	ErrConflict     = "conflict"     // 409: record changed by someone else (version)
	ErrState        = "state"        // 409: the record's state does not allow it
	ErrThrottled    = "throttled"    // 429: too many failed logins, wait RetryAfter
	ErrInternal     = "internal"     // 500
	ErrTooLarge     = "too_large"    // 413: the body (an upload) is over its limit
	// ErrUnavailable (503): the service cannot reach its database for a
	// moment; try again after RetryAfter seconds (the Retry-After header).
	ErrUnavailable = "unavailable"
	// ErrCardEnded (401): a card session ended because its card left the
	// reader, or was frozen, reported lost or expired; Message says which.
	ErrCardEnded = "card_ended"
)

// LoginRequest is the password login (P1).
type LoginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// Session describes the logged-in user to the page.
type Session struct {
	Username       string    `json:"username"`
	Role           Role      `json:"role"`
	EnterpriseID   int64     `json:"enterprise_id"`
	EnterpriseName string    `json:"enterprise_name"`
	CreditCode     string    `json:"credit_code"`
	CSRFToken      string    `json:"csrf_token"`
	ExpiresAt      time.Time `json:"expires_at"`
	// Card sessions (roles legal_card, operator_card): the card the
	// session was opened with and its holder.
	CardNumber string   `json:"card_number,omitempty"`
	CardKind   CardKind `json:"card_kind,omitempty"`
	HolderName string   `json:"holder_name,omitempty"`
	// AuthorisedKinds are the filing kinds an operator card session may
	// 暂存 and 申报 (经法人卡授权登记), as the session was loaded.
	AuthorisedKinds []FilingKind `json:"authorised_kinds,omitempty"`
	// CardNotice is the card login's warning of a certificate that ends
	// soon ("还有 N 天到期", ExpiryNotice); "" otherwise.
	CardNotice string `json:"card_notice,omitempty"`
	// AgentPoint is a reviewer's agent point (role reviewer).
	AgentPoint string `json:"agent_point,omitempty"`
	// Kiosk: the session was begun on a kiosk terminal (KioskStatus); it
	// ends after IdleSeconds without a key or a touch on the page, which
	// tells the server of them (POST /api/session/activity).
	Kiosk       bool `json:"kiosk,omitempty"`
	IdleSeconds int  `json:"idle_seconds,omitempty"`
}

// Accepted is the uniform answer to a registration and its activation.
type Accepted struct {
	Message string `json:"message"`
}

// ActivateRequest carries the token from the confirmation e-mail.
type ActivateRequest struct {
	Token string `json:"token"`
}

// AgentPoint is a card agent point (制卡代理点) with its contact details and
// its preset departments (N1, N6).
type AgentPoint struct {
	Code        string   `json:"code"`
	Name        string   `json:"name"`
	Province    string   `json:"province"` // GB/T 2260 code
	Address     string   `json:"address"`
	Phone       string   `json:"phone"`
	Hours       string   `json:"hours"`
	MarketDepts []Option `json:"market_depts"` // preset; empty = choose from all
	TaxDepts    []Option `json:"tax_depts"`    // preset; empty = choose from all
}
