package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// DecodeError is why a request was refused; the bridge answers it with
// bad_request. ID is the request id when it could be read.
type DecodeError struct {
	ID       string
	Msg      string
	TooLarge bool
}

func (e *DecodeError) Error() string { return "bad request: " + e.Msg }

func badRequest(id, format string, a ...any) *DecodeError {
	return &DecodeError{ID: id, Msg: fmt.Sprintf(format, a...)}
}

// DecodeRequest reads one request of at most MaxMessageSize bytes from r
// and validates it strictly: a single JSON object whose field names are
// exactly the protocol's (same letter case, no escapes, none twice, none
// unknown, at every level), a known command with exactly its params, an
// id of 1..64 printable ASCII characters. Every
// buffer it fills along the way is wiped before it returns, as requests
// carry PINs; the caller wipes the returned Request (Request.Wipe).
func DecodeRequest(r io.Reader) (*Request, error) {
	buf := make([]byte, MaxMessageSize+1)
	defer wipe(buf)
	n, err := io.ReadFull(r, buf)
	switch {
	case err == nil: // filled: more than MaxMessageSize
		return nil, &DecodeError{Msg: fmt.Sprintf("message over %d bytes", MaxMessageSize), TooLarge: true}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
	default:
		return nil, err
	}
	return decodeRequest(buf[:n])
}

func decodeRequest(msg []byte) (*Request, error) {
	var w WireRequest
	if json.Valid(msg) {
		if err := checkKeys(msg, "request", "id", "command", "params"); err != nil {
			return nil, badRequest(peekID(msg), "%v", err)
		}
	}
	if err := strictUnmarshal(msg, &w); err != nil {
		return nil, badRequest(peekID(msg), "%v", err)
	}
	defer wipe(w.Params)
	if !validID(w.ID) {
		return nil, badRequest("", "id must be 1 to %d printable ASCII characters", MaxIDLen)
	}
	if !w.Command.Valid() {
		// The text is never echoed: a PIN typed into the wrong place must
		// not come back in the answer or go into the log.
		return nil, badRequest(w.ID, "unknown command (known: %s)", commandList())
	}
	req := &Request{ID: w.ID, Command: w.Command}
	params := bytes.TrimSpace(w.Params)
	noParams := len(params) == 0 || string(params) == "null"
	var target any
	switch w.Command {
	case CmdStatus, CmdReadCertificate:
		if !noParams {
			if err := checkKeys(params, "params", paramNames[w.Command]...); err != nil {
				return nil, badRequest(w.ID, "%s takes no params: %v", w.Command, err)
			}
		}
		return req, nil
	case CmdVerifyPIN:
		req.VerifyPIN = &VerifyPINParams{}
		target = req.VerifyPIN
	case CmdSign:
		req.Sign = &SignParams{}
		target = req.Sign
	case CmdSignLogin:
		req.SignLogin = &SignLoginParams{}
		target = req.SignLogin
	case CmdChangePIN:
		req.ChangePIN = &ChangePINParams{}
		target = req.ChangePIN
	case CmdPersonaliseKeygen:
		req.PersonaliseKeygen = &PersonaliseKeygenParams{}
		target = req.PersonaliseKeygen
	case CmdPersonaliseWrite:
		req.PersonaliseWrite = &PersonaliseWriteParams{}
		target = req.PersonaliseWrite
	case CmdUnblock:
		if noParams {
			return req, nil // the challenge step
		}
		req.Unblock = &UnblockParams{}
		target = req.Unblock
	case CmdWriteCertificate:
		req.WriteCertificate = &WriteCertificateParams{}
		target = req.WriteCertificate
	}
	if noParams {
		return nil, badRequest(w.ID, "%s needs params", w.Command)
	}
	if err := checkKeys(params, "params", paramNames[w.Command]...); err != nil {
		return nil, badRequest(w.ID, "%v", err)
	}
	if err := strictUnmarshal(params, target); err != nil {
		req.Wipe()
		return nil, badRequest(w.ID, "params: %v", err)
	}
	if err := req.check(); err != nil {
		req.Wipe()
		return nil, badRequest(w.ID, "%v", err)
	}
	return req, nil
}

func (r *Request) check() error {
	switch {
	case r.VerifyPIN != nil:
		if r.VerifyPIN.PIN == nil {
			return errors.New("pin is required")
		}
	case r.Sign != nil:
		if r.Sign.PIN == nil {
			return errors.New("pin is required")
		}
		if len(r.Sign.Data) != SignDataSize {
			return fmt.Errorf("data must be the %d-byte SM3 digest of a canonical record (app/model.SignedDigest), got %d bytes", SignDataSize, len(r.Sign.Data))
		}
	case r.SignLogin != nil:
		if r.SignLogin.PIN == nil {
			return errors.New("pin is required")
		}
		if n := len(r.SignLogin.Nonce); n != NonceSize {
			return fmt.Errorf("nonce must be the server's %d random bytes, got %d bytes", NonceSize, n)
		}
	case r.ChangePIN != nil:
		if r.ChangePIN.OldPIN == nil {
			return errors.New("old_pin is required")
		}
		if r.ChangePIN.NewPIN == nil {
			return errors.New("new_pin is required")
		}
	case r.Unblock != nil:
		if n := len(r.Unblock.Cryptogram); n != CryptogramSize {
			return fmt.Errorf("cryptogram must be %d bytes, got %d bytes", CryptogramSize, n)
		}
		if r.Unblock.NewPIN == nil {
			return errors.New("new_pin is required")
		}
	case r.WriteCertificate != nil:
		if n := len(r.WriteCertificate.Certificate); n == 0 || n > MaxCertificateSize {
			return fmt.Errorf("certificate must be 1 to %d bytes of DER, got %d bytes", MaxCertificateSize, n)
		}
		if r.WriteCertificate.PIN == nil {
			return errors.New("pin is required")
		}
	case r.PersonaliseWrite != nil:
		// The token, even a missing one, is the bridge's to judge
		// (bad_token); the rest is checked here.
		p := r.PersonaliseWrite
		if n := len(p.Certificate); n == 0 || n > MaxCertificateSize {
			return fmt.Errorf("certificate must be 1 to %d bytes of DER, got %d bytes", MaxCertificateSize, n)
		}
		if n := len(p.AdminKey); n < AdminKeyMinLen || n > AdminKeyMaxLen {
			return fmt.Errorf("admin_key must be %d to %d bytes, got %d bytes", AdminKeyMinLen, AdminKeyMaxLen, n)
		}
		if p.PIN == nil {
			return errors.New("pin is required")
		}
	}
	return nil
}

// strictUnmarshal decodes exactly one JSON value into v, refusing unknown
// fields and trailing data. The json.Decoder copies its input into a
// buffer of its own; wipingReader hands it the input and afterwards zeroes
// every slice of that buffer it was handed, so no PIN copy is left behind
// (a deliberate exception to io.Reader's "do not retain p": the decoder
// is dropped before the wipe).
func strictUnmarshal(data []byte, v any) error {
	wr := &wipingReader{src: data}
	defer wr.wipe()
	return strictDecode(wr, v)
}

func strictDecode(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return cleanJSONError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}

type wipingReader struct {
	src  []byte
	seen [][]byte
}

func (w *wipingReader) Read(p []byte) (int, error) {
	if len(w.src) == 0 {
		return 0, io.EOF
	}
	n := copy(p, w.src)
	w.src = w.src[n:]
	w.seen = append(w.seen, p[:cap(p)])
	return n, nil
}

func (w *wipingReader) wipe() {
	for _, p := range w.seen {
		wipe(p)
	}
}

func wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}

// cleanJSONError keeps json's message but never echoes a value.
func cleanJSONError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("malformed JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Errorf("field %q has the wrong type", te.Field)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("truncated JSON")
	}
	if strings.HasPrefix(err.Error(), "json: unknown field") {
		return errors.New("unknown field") // its name may be a mistyped PIN
	}
	return err // a field's own message (e.g. the PIN format)
}

// peekID extracts the id of a request that failed strict decoding, so the
// error can still be matched to it. Best effort.
func peekID(msg []byte) string {
	var v struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(msg, &v) != nil {
		return ""
	}
	var id string
	if json.Unmarshal(v.ID, &id) != nil || !validID(id) {
		return ""
	}
	return id
}

// paramNames are the exact param names of each command.
var paramNames = map[Command][]string{
	CmdStatus:            nil,
	CmdReadCertificate:   nil,
	CmdVerifyPIN:         {"pin"},
	CmdSign:              {"pin", "data"},
	CmdSignLogin:         {"pin", "nonce"},
	CmdChangePIN:         {"old_pin", "new_pin"},
	CmdPersonaliseKeygen: {"token"},
	CmdPersonaliseWrite:  {"token", "certificate", "admin_key", "pin"},
	CmdUnblock:           {"cryptogram", "new_pin"},
	CmdWriteCertificate:  {"pin", "certificate"},
}

func commandList() string {
	s := make([]string, len(Commands))
	for i, c := range Commands {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

func validID(id string) bool {
	if len(id) == 0 || len(id) > MaxIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x20 || id[i] > 0x7E {
			return false
		}
	}
	return true
}

// NewResult builds a success response.
func NewResult(id string, result any) (*Response, error) {
	raw, err := json.Marshal(result)
	if err != nil {
		return nil, err
	}
	return &Response{ID: id, Result: raw}, nil
}

// NewError builds an error response.
func NewError(id string, code ErrorCode, msg string) *Response {
	return &Response{ID: id, Error: &Error{Code: code, Message: msg}}
}

// ServerMessage is a decoded message from the bridge: a response or an
// event.
type ServerMessage struct {
	Response *Response
	Event    *Event
}

// DecodeServerMessage decodes what a bridge sends, strictly (for Go
// clients and tests).
func DecodeServerMessage(b []byte) (ServerMessage, error) {
	if len(b) > MaxMessageSize {
		return ServerMessage{}, errors.New("protocol: server message too large")
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(b, &probe); err != nil {
		return ServerMessage{}, err
	}
	if _, ok := probe["event"]; ok {
		var e Event
		if err := strictUnmarshal(b, &e); err != nil {
			return ServerMessage{}, err
		}
		return ServerMessage{Event: &e}, nil
	}
	var r Response
	if err := strictUnmarshal(b, &r); err != nil {
		return ServerMessage{}, err
	}
	if (r.Error == nil) == (r.Result == nil) {
		return ServerMessage{}, errors.New("protocol: a response has exactly one of result and error")
	}
	return ServerMessage{Response: &r}, nil
}
