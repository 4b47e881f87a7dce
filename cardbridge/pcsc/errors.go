package pcsc

import (
	"errors"
	"fmt"

	"eportid/cardbridge/cardapp"
)

// Errors of the PC/SC layer. Errors returned by this package wrap one of
// these (test with errors.Is) and the underlying PC/SC error.
var (
	ErrNoService = errors.New("pcsc: the smart-card service (pcscd / SCardSvr) is not running")
	ErrNoReader  = errors.New("pcsc: no smart-card reader")
	ErrNoCard    = errors.New("pcsc: no card in the reader")
	ErrCancelled = errors.New("pcsc: cancelled")
	ErrTimeout   = errors.New("pcsc: timed out")
	ErrBusy      = errors.New("pcsc: the card is in use by another program")
	// ErrOverloaded: a Service has MaxWaiting calls waiting for one of its
	// MaxContexts PC/SC contexts already; retry later.
	ErrOverloaded = errors.New("pcsc: too many requests waiting for the smart-card service")
)

// Errors of the card application.
var (
	// ErrBlocked: the PIN is blocked (69 83 or 63 C0); only 解锁 with
	// the admin key helps.
	ErrBlocked = errors.New("pcsc: the card's PIN is blocked")
	// ErrNotVerified: the operation needs the PIN verified first (69 82).
	ErrNotVerified = errors.New("pcsc: PIN not verified")
	// ErrBadCryptogram: RESET RETRY COUNTER refused the cryptogram (69 82).
	ErrBadCryptogram = errors.New("pcsc: unblock cryptogram refused")
	// ErrNotOurCard: the card has no eportid application (6A 82).
	ErrNotOurCard = errors.New("pcsc: not an eportid card (application not found)")
	// ErrBlank: the card is blank (not personalised): it has no card
	// info, certificate, PIN or key to use yet (6A 88).
	ErrBlank = errors.New("pcsc: the card is blank (not personalised yet)")
	// ErrNotBlank: a personalisation command reached a personalised card
	// (69 86).
	ErrNotBlank = errors.New("pcsc: the card is already personalised")
	// ErrIncomplete: finalising was refused because the card info, the
	// admin key, the key pair or the certificate is missing (69 85).
	ErrIncomplete = errors.New("pcsc: personalisation incomplete")
	// ErrCertificateMismatch: the certificate does not certify the card's
	// generated key, or is malformed (6A 80 on finalising).
	ErrCertificateMismatch = errors.New("pcsc: the certificate does not certify the card's key")
)

// WrongPINError is a wrong PIN that did not block the card (63 Cx, x > 0).
type WrongPINError struct{ TriesLeft int }

func (e *WrongPINError) Error() string {
	return fmt.Sprintf("pcsc: wrong PIN, %d tries left", e.TriesLeft)
}

// StatusError is any other unexpected status word.
type StatusError struct {
	Op string
	SW uint16
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("pcsc: %s: card answered %04X (%s)", e.Op, e.SW, cardapp.SWText(e.SW))
}

// wrapped carries both a sentinel and the PC/SC error under it.
type wrapped struct {
	kind error
	err  error
}

func (w *wrapped) Error() string   { return w.kind.Error() + ": " + w.err.Error() }
func (w *wrapped) Unwrap() []error { return []error{w.kind, w.err} }
