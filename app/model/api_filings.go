package model

// The JSON shapes of the filings, changes and review routes (SPEC N1–N4,
// L1–L7, X1–X4). The record types themselves (Record, SaveRequest,
// ReviewDecision, QueueItem, ReviewRecord, AuditEntry, PastVersion) are in
// filing.go. Errors come as Problem (api.go).
//
// {kind} is a FilingKind of Kinds (kinds.go): legal_person | commerce |
// customs | forex. Another enterprise's id, and an unknown kind, are 404.
//
// Filings (备案, one per kind and enterprise):
//
//   GET    /api/filings/{kind}                → []Record (own enterprise's; [] when none)
//   POST   /api/filings/{kind}   SaveRequest (version ignored) → 201 Record (新增 + 暂存)
//   GET    /api/filings/{kind}/backfill       → Backfill (the values to start the form with)
//   GET    /api/filings/{kind}/{id}           → Record
//   PUT    /api/filings/{kind}/{id} SaveRequest → Record (暂存)
//   POST   /api/filings/{kind}/{id}/declare SaveRequest → Record (申报: saved and declared at once)
//   DELETE /api/filings/{kind}/{id}           → 204 (删除, draft or returned only)
//   GET    /api/filings/{kind}/{id}/history   → []AuditEntry (the filing's and its changes', oldest first)
//   GET    /api/filings/{kind}/{id}/versions  → []PastVersion (values replaced by approved changes)
//
// Changes (变更, of an approved filing; legal-person card holder only):
//
//   GET    /api/changes/{kind}                → []Record (newest first)
//   POST   /api/changes/{kind}   SaveRequest (with filing_id) → 201 Record (draft; FilingID = the approved filing)
//   GET    /api/changes/{kind}/{id}           → Record
//   PUT    /api/changes/{kind}/{id} SaveRequest → Record (暂存)
//   POST   /api/changes/{kind}/{id}/declare SaveRequest → Record (申报)
//   DELETE /api/changes/{kind}/{id}           → 204 (draft or returned only)
//   GET    /api/changes/{kind}/{id}/history   → []AuditEntry
//
// Review console (agent-point reviewers; password + TOTP):
//
//   POST   /api/review/session  ReviewLoginRequest → Session (role reviewer, sets the cookie)
//   GET    /api/review/queue                  → []QueueItem (declared to the reviewer's agent point)
//   GET    /api/review/{ref}/{id}             → ReviewDetail
//   POST   /api/review/{ref}/{id}/approve  ReviewDecision{version} → RecordMeta (审批通过)
//   POST   /api/review/{ref}/{id}/return   ReviewDecision{version, reason} → RecordMeta (退单)
//
// {ref} is RecordRef.Name(): the kind, with "_change" for a change
// ("customs", "customs_change", "legal_person_change"). A record not
// declared to the reviewer's agent point is 404. GET /api/session and
// DELETE /api/session (退出) serve reviewers as everyone; a reviewer
// account cannot log in through POST /api/session (uniform bad_login).
//
// Who may do what (server-side, whatever the page shows):
//   - nocard_admin: every filing route but declare and delete of the kinds
//     without NoCardDeclares (预录入 = 暂存 only: 403 "forbidden" with a
//     message saying 申报 needs the legal-person card); the legal_person
//     kind fully; no change route (403).
//   - legal_card: everything above (takes over the pre-entry: it is the same
//     record, listed by GET /api/filings/{kind}), and the changes.
//   - reviewer: the review routes only.
//
// The server sets the grey fields whatever the page sends: from the
// enterprise's declared legal-person filing (credit code, names, …), from
// the outside registry (KindSpec.RegistryKeys: looked up again on every
// save; when the registry fails, a draft still saves and keeps the values
// it had), and in a change from the approved filing
// (KindSpec.FixedInChange). The page shows them read-only.
//
// Card signatures (X3): on 申报 by a card session (legal_card) the body of
// .../declare carries "card_signature" (CardSignature, card.go); the card
// signs
// CanonicalRecord(ref.Name(), id, version+1, fields) where fields are the
// values as they will be stored: normalized, with the grey fields as the
// record / Backfill showed them. No-card sessions declare unsigned. The
// record answers (GET, list, PUT, declare) carry "card_signature"
// (RecordSignature) when the current declaration was signed.
//
// Errors beyond those of api.go (Problem.Code, status):
//   - ErrLegalPersonFirst (409): a qualification filing before the
//     legal-person filing was ever declared: "请先申报法人信息，再进行商务部、海关和外汇资质备案".
//   - ErrForexBlocked (409): the forex bureau's record is 注销 or 吊销; the
//     message names which.
//   - ErrOpenChange (409): the filing already has a change not yet approved.
//   - ErrRegistryUnavailable (503): only on 申报 of a forex filing or
//     change, when the forex bureau cannot be asked (its state must be
//     current); drafts always save.
//   - ErrState (409) for a state that forbids it (declared twice: the second
//     申报 gets this and nothing is declared again), ErrConflict (409,
//     "该记录已被他人修改，请刷新后再试") for a stale version, ErrInvalid (422)
//     with Fields for field rules (and "reason" on a 退单 without one),
//     ErrForbidden (403) for the role.
//
// Demo data (development only): with EPORTID_DEMO_DATA on (default for the
// SQLite default database), the registry tables hold made-up enterprises
// (see backend/refdata) and a reviewer of agent point FJ01 is created at
// the first start, its password printed then (eportid-admin reviewer
// reset-password gives a new one); its TOTP secret is printed at every start.

// Error codes of the filings, changes and review routes (Problem.Code).
const (
	ErrLegalPersonFirst    = "legal_person_first"   // 409
	ErrForexBlocked        = "forex_blocked"        // 409
	ErrOpenChange          = "open_change"          // 409
	ErrRegistryUnavailable = "registry_unavailable" // 503
	// ErrNoRegistryRecord (409): a kind with RegistryRequired (forex) whose
	// registry has no record of the enterprise: nothing to file.
	ErrNoRegistryRecord = "no_registry_record"
)

// MsgLegalPersonFirst is the answer to a qualification filing before the
// legal-person filing was declared (N2–N4).
const MsgLegalPersonFirst = "请先申报法人信息，再进行商务部、海关和外汇资质备案"

// BackfillSource says where the values of a Backfill came from.
type BackfillSource string

const (
	// BackfillPreEntry: the enterprise already has a filing of the kind
	// (e.g. the no-card administrator's pre-entry); Fields are its values
	// and RecordID its id: open it (GET /api/filings/{kind}/{id}) and save
	// over it rather than POST a new one.
	BackfillPreEntry BackfillSource = "pre_entry"
	// BackfillRegistry: the outside registry's record, with the grey
	// fields of the legal-person filing over it.
	BackfillRegistry BackfillSource = "registry"
	// BackfillLegalPerson: only the grey fields taken from the declared
	// legal-person filing (the registry has no record, or failed: see
	// Message). The user enters the rest.
	BackfillLegalPerson BackfillSource = "legal_person"
	// BackfillEnterprise: the legal_person kind: the values the
	// enterprise gave when it registered (credit code, name, legal
	// representative, province, city, address, phone).
	BackfillEnterprise BackfillSource = "enterprise"
)

// RegistryOutcome is how the registry lookup of a Backfill went.
type RegistryOutcome string

const (
	RegistryOK       RegistryOutcome = "ok"
	RegistryNotFound RegistryOutcome = "not_found" // no record: enter from scratch
	RegistryFailed   RegistryOutcome = "failed"    // down, slow or garbage: see Message
	RegistryNone     RegistryOutcome = ""          // not asked (legal_person, pre_entry)
)

// Backfill is the answer of GET /api/filings/{kind}/backfill (L1–L3): the
// values to start a new filing's form with, by field key. It always
// answers 200 within the registry timeout (EPORTID_REGISTRY_TIMEOUT,
// default 3 s), and a failed registry never stops the user: they enter
// the fields and 暂存. A qualification kind before the legal-person
// filing was declared is ErrLegalPersonFirst (409).
type Backfill struct {
	Fields   Fields          `json:"fields"`
	Source   BackfillSource  `json:"source"`
	RecordID int64           `json:"record_id,omitempty"` // Source pre_entry
	Registry RegistryOutcome `json:"registry,omitempty"`
	// Message is the sentence to show when the back-fill did not work
	// (registry.Message), or why a forex filing is blocked; "" otherwise.
	Message string `json:"message,omitempty"`
	// Blocked is set when nothing can be filed: a forex record in 注销 or
	// 吊销 state, or a kind with RegistryRequired whose registry has no
	// record or cannot be asked (Message says why).
	Blocked bool `json:"blocked,omitempty"`
}

// ReviewLoginRequest is the reviewer's login: password and the current
// 6-digit TOTP code (RFC 6238, 30-second steps; a code is accepted once).
// A wrong user name, password or code gets the one bad_login answer, and
// failures are throttled as the enterprise login's.
type ReviewLoginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	TOTP     string `json:"totp"`
}

// ReviewDetail is GET /api/review/{ref}/{id}: the record as the reviewer
// sees it, and its audit trail (oldest first).
type ReviewDetail struct {
	ReviewRecord
	History []AuditEntry `json:"history"`
}
