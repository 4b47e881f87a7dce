// Package protocol defines the messages between a web page and the local
// card bridge (cardbridge/bridge) over a websocket: a closed set of
// commands, their results, pushed events and fixed error codes, plus the
// strict decoder the bridge uses and the digest a login signature covers.
// Standard library only, so both the bridge and the server import it.
//
// A request:
//
//	{"id":"7","command":"sign_login","params":{"pin":"123456","nonce":"<base64>"}}
//
// A response carries the same id and either "result" or "error":
//
//	{"id":"7","result":{"signature":"<base64>","certificate":"<base64>",...}}
//	{"id":"7","error":{"code":"wrong_pin","message":"...","tries_left":3}}
//
// An event has no id:
//
//	{"event":"card_removed","reader":"Virtual PCD 00 00"}
//
// Byte strings are standard base64 (encoding/json's []byte). A PIN is a
// JSON string of 6 to 16 ASCII digits.
package protocol

import (
	"encoding/json"
	"errors"
)

// MaxMessageSize caps every message in either direction, in bytes. A
// request above it is refused with bad_request.
const MaxMessageSize = 8 << 10

// Limits of request parameters.
const (
	MaxIDLen = 64
	// SignDataSize is the size of "data" in sign: the SM3 digest of a
	// record's canonical form (app/model.SignedDigest), the only thing the
	// server verifies a sign signature over (backend/cardauth.RecordMessage).
	SignDataSize = 32
	// NonceSize is the size of "nonce" in sign_login: the server's login
	// nonce, 32 random bytes (backend/cardauth.NonceBytes, sent to the page
	// as 43 characters of unpadded base64url and decoded by the page).
	NonceSize     = 32
	pinMinDigits  = 6
	pinMaxDigits  = 16
	signAlgorithm = "SM2-SM3"
)

// SignAlgorithm names the signature scheme of sign and sign_login results:
// SM2 (GB/T 32918.2) over e = SM3(Z_A || M) with the default user id
// "1234567812345678", DER SEQUENCE {r, s} as in GM/T 0009.
const SignAlgorithm = signAlgorithm

// Command is a request command. The set is closed.
type Command string

// Commands.
const (
	// CmdStatus: readers and whether a card is in one. No params.
	CmdStatus Command = "status"
	// CmdReadCertificate: the card certificate and card info. No params.
	CmdReadCertificate Command = "read_certificate"
	// CmdVerifyPIN: check the PIN (spends a try when wrong).
	CmdVerifyPIN Command = "verify_pin"
	// CmdSign: sign a record digest (a declaration) with the card key.
	CmdSign Command = "sign"
	// CmdSignLogin: sign a server nonce bound to the page's origin.
	CmdSignLogin Command = "sign_login"
	// CmdChangePIN: replace the PIN (the old one counts as a try).
	CmdChangePIN Command = "change_pin"
	// CmdPersonaliseKeygen: have a blank card generate its SM2 key pair
	// and return the public key. Issuer origins only, with an issuance
	// token.
	CmdPersonaliseKeygen Command = "personalise_keygen"
	// CmdPersonaliseWrite: write the token's card info, the certificate,
	// the admin key and the initial PIN to a blank card and finalise it.
	// Issuer origins only, with an issuance token used once.
	CmdPersonaliseWrite Command = "personalise_write"
	// CmdUnblock: 解锁 in two steps on one held card session: without
	// params the card's challenge (GET CHALLENGE) and card number; then
	// with the server's cryptogram and the new PIN, UNBLOCK.
	CmdUnblock Command = "unblock"
	// CmdWriteCertificate: replace the certificate of a personalised card
	// (证书延期) with one of the card's own key, after the PIN.
	CmdWriteCertificate Command = "write_certificate"
)

// Commands lists every command.
var Commands = []Command{CmdStatus, CmdReadCertificate, CmdVerifyPIN, CmdSign, CmdSignLogin,
	CmdChangePIN, CmdPersonaliseKeygen, CmdPersonaliseWrite, CmdUnblock, CmdWriteCertificate}

// Valid reports whether c is one of Commands.
func (c Command) Valid() bool {
	for _, k := range Commands {
		if c == k {
			return true
		}
	}
	return false
}

// EventName names a pushed event.
type EventName string

// Events.
const (
	EventCardInserted EventName = "card_inserted"
	EventCardRemoved  EventName = "card_removed"
)

// ErrorCode is a fixed error code.
type ErrorCode string

// Error codes.
const (
	CodeNoReader      ErrorCode = "no_reader"      // no reader, or no PC/SC service
	CodeNoCard        ErrorCode = "no_card"        // reader empty, or card pulled mid-command
	CodeWrongPIN      ErrorCode = "wrong_pin"      // tries_left > 0 tells how many remain
	CodeCardBlocked   ErrorCode = "card_blocked"   // PIN blocked: 解锁 needed
	CodeCancelled     ErrorCode = "cancelled"      // connection closed or bridge stopping
	CodeTimeout       ErrorCode = "timeout"        // the card did not answer in time
	CodeBadRequest    ErrorCode = "bad_request"    // malformed, oversized, unknown field or command
	CodeBusy          ErrorCode = "busy"           // too many requests waiting for the card service: retry later
	CodeOriginRefused ErrorCode = "origin_refused" // page origin not allowed (HTTP 403 body)
	CodeInternal      ErrorCode = "internal"       // anything else (not an eportid card, ...)
	CodeBlankCard     ErrorCode = "blank_card"     // the card is blank: nothing to read, verify or sign with yet
	CodeNotIssuer     ErrorCode = "not_issuer"     // personalise_* from an origin that is not an issuer origin
	CodeNotBlank      ErrorCode = "not_blank"      // personalise_* on a card that is already personalised
	CodeBadToken      ErrorCode = "bad_token"      // issuance token missing, malformed, not the CA's, expired, for another origin, or used
)

// Request is a decoded, validated request. Exactly one params pointer is
// set for the commands that take params.
type Request struct {
	ID                string
	Command           Command
	VerifyPIN         *VerifyPINParams
	Sign              *SignParams
	SignLogin         *SignLoginParams
	ChangePIN         *ChangePINParams
	PersonaliseKeygen *PersonaliseKeygenParams
	PersonaliseWrite  *PersonaliseWriteParams
	// Unblock is nil for the challenge step of unblock.
	Unblock          *UnblockParams
	WriteCertificate *WriteCertificateParams
}

// Wipe zeroes the PINs and admin keys the request holds.
func (r *Request) Wipe() {
	if r == nil {
		return
	}
	if r.VerifyPIN != nil {
		r.VerifyPIN.PIN.Wipe()
	}
	if r.Sign != nil {
		r.Sign.PIN.Wipe()
	}
	if r.SignLogin != nil {
		r.SignLogin.PIN.Wipe()
	}
	if r.ChangePIN != nil {
		r.ChangePIN.OldPIN.Wipe()
		r.ChangePIN.NewPIN.Wipe()
	}
	if r.PersonaliseWrite != nil {
		r.PersonaliseWrite.PIN.Wipe()
		wipe(r.PersonaliseWrite.AdminKey)
	}
	if r.Unblock != nil {
		r.Unblock.NewPIN.Wipe()
	}
	if r.WriteCertificate != nil {
		r.WriteCertificate.PIN.Wipe()
	}
}

// WireRequest is the JSON form of a request, for clients that send one.
type WireRequest struct {
	ID      string          `json:"id"`
	Command Command         `json:"command"`
	Params  json.RawMessage `json:"params,omitempty"`
}

// VerifyPINParams are the params of verify_pin.
type VerifyPINParams struct {
	PIN PIN `json:"pin"`
}

// SignParams are the params of sign. Data is the SignDataSize-byte SM3
// digest of a record's canonical form; the card signs the SM2 message
// SignedMessage(Data).
type SignParams struct {
	PIN  PIN    `json:"pin"`
	Data []byte `json:"data"`
}

// SignLoginParams are the params of sign_login. Nonce is the server's
// NonceSize raw bytes. The card signs the SM2 message LoginDigest(origin,
// Nonce), origin being the page's (the websocket Origin header), never a
// parameter.
type SignLoginParams struct {
	PIN   PIN    `json:"pin"`
	Nonce []byte `json:"nonce"`
}

// ChangePINParams are the params of change_pin.
type ChangePINParams struct {
	OldPIN PIN `json:"old_pin"`
	NewPIN PIN `json:"new_pin"`
}

// PersonaliseKeygenParams are the params of personalise_keygen. Token is
// an issuance token (ParseIssuanceToken).
type PersonaliseKeygenParams struct {
	Token string `json:"token"`
}

// PersonaliseWriteParams are the params of personalise_write. The card
// info written is the token's; Certificate (DER, at most
// MaxCertificateSize bytes) must certify the key the card generated;
// AdminKey has AdminKeyMinLen..AdminKeyMaxLen bytes; PIN is the initial
// PIN.
type PersonaliseWriteParams struct {
	Token       string `json:"token"`
	Certificate []byte `json:"certificate"`
	AdminKey    []byte `json:"admin_key"`
	PIN         PIN    `json:"pin"`
}

// UnblockParams are the params of unblock's second step: the cryptogram
// the server made over the first step's challenge and the new PIN
// (cardapp.UnblockCryptogram), CryptogramSize bytes.
type UnblockParams struct {
	Cryptogram []byte `json:"cryptogram"`
	NewPIN     PIN    `json:"new_pin"`
}

// CryptogramSize is the size of an unblock cryptogram (HMAC-SM3).
const CryptogramSize = 32

// UnblockChallengeResult is the result of unblock's first step: the
// card's challenge, and the card number it is bound to. The card stays
// held for the second step for UnblockHold.
type UnblockChallengeResult struct {
	Challenge  []byte `json:"challenge"`
	CardNumber string `json:"card_number"`
}

// UnblockResult is the result of unblock's second step.
type UnblockResult struct {
	CardNumber string `json:"card_number"`
}

// WriteCertificateParams are the params of write_certificate: the card's
// PIN and the new certificate (DER, at most MaxCertificateSize bytes),
// which must certify the card's own key and name its card number.
type WriteCertificateParams struct {
	PIN         PIN    `json:"pin"`
	Certificate []byte `json:"certificate"`
}

// WriteCertificateResult is the result of write_certificate.
type WriteCertificateResult struct {
	CardNumber string `json:"card_number"`
}

// Limits of the personalisation params.
const (
	MaxCertificateSize = 4096 // DER; a card certificate is about 600 bytes
	AdminKeyMinLen     = 16
	AdminKeyMaxLen     = 64
)

// PIN is a card PIN: 6 to 16 ASCII digits. It never prints (String gives
// "******") and Wipe zeroes it.
type PIN []byte

// String hides the PIN from fmt and loggers.
func (p PIN) String() string { return "******" }

// GoString hides the PIN from %#v.
func (p PIN) GoString() string { return "protocol.PIN(******)" }

// Wipe zeroes the PIN.
func (p PIN) Wipe() {
	for i := range p {
		p[i] = 0
	}
}

// Valid reports whether p is 6 to 16 ASCII digits.
func (p PIN) Valid() bool {
	if len(p) < pinMinDigits || len(p) > pinMaxDigits {
		return false
	}
	for _, b := range p {
		if b < '0' || b > '9' {
			return false
		}
	}
	return true
}

var errPINFormat = errors.New("pin must be a string of 6 to 16 digits")

// UnmarshalJSON accepts only a JSON string of 6..16 digits (so no escapes
// can hide anything) and copies it; the input buffer is the caller's to
// wipe.
func (p *PIN) UnmarshalJSON(b []byte) error {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return errPINFormat
	}
	in := PIN(b[1 : len(b)-1])
	if !in.Valid() {
		return errPINFormat
	}
	if *p != nil {
		p.Wipe()
		return errors.New("pin given twice")
	}
	*p = append(PIN(nil), in...)
	return nil
}

// MarshalJSON writes the PIN as a JSON string (for clients).
func (p PIN) MarshalJSON() ([]byte, error) {
	if !p.Valid() {
		return nil, errPINFormat
	}
	b := make([]byte, 0, len(p)+2)
	b = append(b, '"')
	b = append(b, p...)
	return append(b, '"'), nil
}

// Response is a bridge's answer to one request.
type Response struct {
	ID     string          `json:"id"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  *Error          `json:"error,omitempty"`
}

// Error is the error of a failed request.
type Error struct {
	Code      ErrorCode `json:"code"`
	Message   string    `json:"message,omitempty"`
	TriesLeft int       `json:"tries_left,omitempty"` // wrong_pin only
}

func (e *Error) Error() string {
	if e.Message == "" {
		return string(e.Code)
	}
	return string(e.Code) + ": " + e.Message
}

// Event is a message the bridge pushes unasked.
type Event struct {
	Event  EventName `json:"event"`
	Reader string    `json:"reader"`
}

// ReaderStatus is one reader in a status result.
type ReaderStatus struct {
	Name        string `json:"name"`
	CardPresent bool   `json:"card_present"`
}

// StatusResult is the result of status.
type StatusResult struct {
	Readers     []ReaderStatus `json:"readers"`
	CardPresent bool           `json:"card_present"` // in any reader
}

// CardInfo is the card's own data (its info file, not the certificate).
type CardInfo struct {
	CardNumber string `json:"card_number"`
	HolderName string `json:"holder_name"`
	CreditCode string `json:"credit_code"`
	Kind       string `json:"kind"` // legal_person | operator
}

// ReadCertificateResult is the result of read_certificate.
type ReadCertificateResult struct {
	Certificate []byte   `json:"certificate"` // DER
	Card        CardInfo `json:"card"`
}

// VerifyPINResult is the result of a verify_pin that succeeded (a wrong
// PIN is the error wrong_pin or card_blocked).
type VerifyPINResult struct {
	Verified bool `json:"verified"`
}

// SignResult is the result of sign.
type SignResult struct {
	Signature   []byte `json:"signature"`   // DER SEQUENCE {r, s}
	Certificate []byte `json:"certificate"` // DER, the signer's
	Algorithm   string `json:"algorithm"`   // SignAlgorithm
}

// SignLoginResult is the result of sign_login.
type SignLoginResult struct {
	Signature   []byte `json:"signature"`
	Certificate []byte `json:"certificate"`
	Algorithm   string `json:"algorithm"`
	Origin      string `json:"origin"` // the origin the signature is bound to
}

// ChangePINResult is the result of change_pin: nothing (a wrong old PIN is
// the error wrong_pin or card_blocked).
type ChangePINResult struct{}

// PersonaliseKeygenResult is the result of personalise_keygen.
type PersonaliseKeygenResult struct {
	PublicKey []byte `json:"public_key"` // 65 bytes, 04 || X || Y (SM2)
}

// PersonaliseWriteResult is the result of personalise_write.
type PersonaliseWriteResult struct {
	CardNumber string `json:"card_number"`
}
