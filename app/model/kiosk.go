package model

import "time"

// Kiosk terminals (自助终端) at the agent points: a browser the agent point
// enrolled with a one-time link (KioskTerminal.EnrolURL). The server knows
// it by a long-lived HttpOnly cookie; every session begun on it is a kiosk
// session (Session.Kiosk), ended after a short idle time, and at every
// logout the page removes all of the user's data from the browser.

// KioskStatus: GET /api/kiosk, and the answer of an enrolment: whether this
// browser is an enrolled kiosk terminal, and which.
type KioskStatus struct {
	Kiosk       bool   `json:"kiosk"`
	Name        string `json:"name,omitempty"`
	AgentPoint  string `json:"agent_point,omitempty"`
	IdleSeconds int    `json:"idle_seconds,omitempty"`
}

// KioskEnrolRequest: POST /api/kiosk/enrol, the token of an enrolment link.
type KioskEnrolRequest struct {
	Token string `json:"token"`
}

// KioskTerminalRequest: POST /api/review/kiosks, a new terminal's name.
type KioskTerminalRequest struct {
	Name string `json:"name"`
}

// KioskTerminal is a kiosk terminal as the review console lists it.
type KioskTerminal struct {
	ID             int64      `json:"id"`
	AgentPoint     string     `json:"agent_point"`
	Name           string     `json:"name"`
	CreatedBy      string     `json:"created_by"`
	CreatedAt      time.Time  `json:"created_at"`
	EnrolExpiresAt time.Time  `json:"enrol_expires_at"`
	EnrolledAt     *time.Time `json:"enrolled_at,omitempty"`
	RevokedAt      *time.Time `json:"revoked_at,omitempty"`
	// EnrolURL is the one-time enrolment link, in the answer that made
	// the terminal only (the server keeps only its token's hash).
	EnrolURL string `json:"enrol_url,omitempty"`
}

// KioskEnrolPath is the page that enrols the browser it is opened in; the
// link carries the token in its fragment (KioskEnrolPath + "#" + token),
// which no server or proxy log sees.
const KioskEnrolPath = "/kiosk/enrol"

// KioskNameMax is the longest name of a terminal, in characters.
const KioskNameMax = 40
