package bridge

import (
	"context"
	"errors"

	"eportid/cardbridge/pcsc"
	"eportid/cardbridge/protocol"
)

// toProtocolError maps a card-side error to its fixed code. Messages are
// written for the page and never carry request data.
func toProtocolError(err error) *protocol.Error {
	var wrong *pcsc.WrongPINError
	var bad *tokenError
	switch {
	case errors.As(err, &bad):
		return &protocol.Error{Code: protocol.CodeBadToken, Message: "issuance token refused: " + bad.why}
	case errors.Is(err, errNotIssuer):
		return &protocol.Error{Code: protocol.CodeNotIssuer, Message: "only the agent point's review console may personalise cards"}
	case errors.Is(err, pcsc.ErrNotBlank):
		return &protocol.Error{Code: protocol.CodeNotBlank, Message: "the card in the reader is not blank"}
	case errors.Is(err, pcsc.ErrBlank):
		return &protocol.Error{Code: protocol.CodeBlankCard, Message: "the card in the reader is blank (not personalised yet)"}
	case errors.Is(err, errNoKeyPair):
		return &protocol.Error{Code: protocol.CodeBadRequest, Message: "the card has no key pair yet: personalise_keygen first"}
	case errors.Is(err, errCertMismatch), errors.Is(err, pcsc.ErrCertificateMismatch):
		return &protocol.Error{Code: protocol.CodeBadRequest, Message: "the certificate does not certify the key this card generated"}
	case errors.Is(err, errNoUnblock):
		return &protocol.Error{Code: protocol.CodeBadRequest, Message: "no unblock pending: call unblock without params first"}
	case errors.Is(err, errUnblockRefuse):
		return &protocol.Error{Code: protocol.CodeBadRequest, Message: "the card refused the unblock cryptogram (another card, challenge or PIN)"}
	case errors.Is(err, errCertOtherCard):
		return &protocol.Error{Code: protocol.CodeBadRequest, Message: "the certificate names another card"}
	case errors.Is(err, errCertNotCA):
		return &protocol.Error{Code: protocol.CodeBadRequest, Message: "the certificate is not an SM2 certificate issued by the bridge's CA"}
	case errors.As(err, &wrong):
		return &protocol.Error{Code: protocol.CodeWrongPIN, Message: "wrong PIN", TriesLeft: wrong.TriesLeft}
	case errors.Is(err, pcsc.ErrBlocked):
		return &protocol.Error{Code: protocol.CodeCardBlocked, Message: "the PIN is blocked; the card must be unlocked (解锁)"}
	case errors.Is(err, pcsc.ErrNoService):
		return &protocol.Error{Code: protocol.CodeNoReader, Message: "the smart-card service is not running"}
	case errors.Is(err, pcsc.ErrNoReader):
		return &protocol.Error{Code: protocol.CodeNoReader, Message: "no card reader"}
	case errors.Is(err, pcsc.ErrNoCard):
		return &protocol.Error{Code: protocol.CodeNoCard, Message: "no card in the reader"}
	case errors.Is(err, pcsc.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return &protocol.Error{Code: protocol.CodeTimeout, Message: "the card did not answer in time"}
	case errors.Is(err, pcsc.ErrCancelled), errors.Is(err, context.Canceled), errors.Is(err, errAbandoned):
		return &protocol.Error{Code: protocol.CodeCancelled, Message: "cancelled"}
	case errors.Is(err, pcsc.ErrPINFormat):
		return &protocol.Error{Code: protocol.CodeBadRequest, Message: "a PIN is 6 to 16 digits"}
	case errors.Is(err, pcsc.ErrNotOurCard):
		return &protocol.Error{Code: protocol.CodeInternal, Message: "this card is not an eportid card"}
	case errors.Is(err, pcsc.ErrOverloaded), errors.Is(err, errQueueFull):
		return &protocol.Error{Code: protocol.CodeBusy, Message: "too many requests are waiting for the card; retry later"}
	case errors.Is(err, pcsc.ErrBusy):
		return &protocol.Error{Code: protocol.CodeInternal, Message: "the card is in use by another program"}
	}
	return &protocol.Error{Code: protocol.CodeInternal, Message: "card error"}
}

// pinResult turns the answer to a PIN check into an error.
func pinResult(ok bool, tries int, blocked bool, err error) error {
	switch {
	case err != nil:
		return err
	case blocked:
		return pcsc.ErrBlocked
	case !ok:
		return &pcsc.WrongPINError{TriesLeft: tries}
	}
	return nil
}

// verifyPIN presents the PIN and turns a refusal into an error.
func verifyPIN(cl *pcsc.Client, pin []byte) error {
	ok, tries, blocked, err := cl.VerifyPIN(pin)
	switch {
	case err != nil:
		return err
	case blocked:
		return pcsc.ErrBlocked
	case !ok:
		return &pcsc.WrongPINError{TriesLeft: tries}
	}
	return nil
}
