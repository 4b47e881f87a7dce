package pcsc

import (
	"encoding/asn1"
	"errors"
	"fmt"

	"eportid/cardbridge/cardapp"
)

// Transmitter sends one command APDU and returns the response APDU. *Card
// is one; so is *softcard.Card (in-process, no pcscd).
type Transmitter interface {
	Transmit(apdu []byte) ([]byte, error)
}

// Limits of Exchange.
const (
	maxResponse     = 64 << 10
	maxGetResponses = 300
)

// Exchange sends cmd and returns the complete response: on 61xx it
// fetches the rest with GET RESPONSE (Le = xx, 00 meaning 256) and on 6Cxx
// it resends cmd once with Le = xx. The encoded command is wiped after
// transmission, as it may carry a PIN.
func Exchange(t Transmitter, cmd cardapp.Command) (cardapp.Response, error) {
	raw, err := transmit(t, cmd)
	if err != nil {
		return cardapp.Response{}, err
	}
	if raw.SW&0xFF00 == cardapp.SWWrongLe {
		cmd.Ne = int(raw.SW2())
		if cmd.Ne == 0 {
			cmd.Ne = 256
		}
		if raw, err = transmit(t, cmd); err != nil {
			return cardapp.Response{}, err
		}
	}
	data := append([]byte(nil), raw.Data...)
	for i := 0; raw.SW&0xFF00 == cardapp.SWBytesRemaining; i++ {
		if i == maxGetResponses || len(data) > maxResponse {
			return cardapp.Response{}, errors.New("pcsc: card response too long")
		}
		ne := int(raw.SW2())
		if ne == 0 {
			ne = 256
		}
		raw, err = transmit(t, cardapp.Command{CLA: 0x00, INS: cardapp.INSGetResponse, Ne: ne})
		if err != nil {
			return cardapp.Response{}, err
		}
		data = append(data, raw.Data...)
	}
	return cardapp.Response{Data: data, SW: raw.SW}, nil
}

func transmit(t Transmitter, cmd cardapp.Command) (cardapp.Response, error) {
	b, err := cmd.Bytes()
	if err != nil {
		return cardapp.Response{}, err
	}
	r, err := t.Transmit(b)
	cardapp.Wipe(b)
	if err != nil {
		return cardapp.Response{}, err
	}
	return cardapp.ParseResponse(r)
}

// ErrPINFormat: the PIN is not 6..16 digits; nothing was sent to the card.
var ErrPINFormat = errors.New("pcsc: a PIN is 6 to 16 digits")

// Client speaks the eportid card application over a Transmitter.
type Client struct {
	t Transmitter
	// cache, when set, keeps the card info and certificate read from the
	// card for later clients of the same connection (Service). Any command
	// that writes to the card drops it.
	cache *cardCache
	// usedCache: an answer came from cache instead of the card.
	usedCache bool
	// pinLeft: the PIN may be verified on the card (by VERIFY or CHANGE
	// PIN since the last SELECT or SIGN); stateLeft: other session state
	// may be (a challenge, a replacement certificate being written).
	pinLeft, stateLeft bool
}

// cardCache is what a connection has read from its card and not changed
// since.
type cardCache struct {
	info *cardapp.CardInfo
	cert []byte
}

// NewClient returns a client over t.
func NewClient(t Transmitter) *Client { return &Client{t: t} }

// leftState reports whether the card may hold session state this client
// put there (a verified PIN, a challenge, a replacement being written),
// which a SELECT clears.
func (c *Client) leftState() bool { return c.pinLeft || c.stateLeft }

// wrote notes a command that changes the card's session state or what it
// stores.
func (c *Client) wrote() {
	c.stateLeft = true
	if c.cache != nil {
		*c.cache = cardCache{}
	}
}

func (c *Client) do(op string, cmd cardapp.Command) ([]byte, error) {
	r, err := Exchange(c.t, cmd)
	if err != nil {
		return nil, err
	}
	switch r.SW {
	case cardapp.SWOK:
		return r.Data, nil
	case cardapp.SWRefDataNotFound:
		return nil, ErrBlank
	case cardapp.SWNotAllowed:
		return nil, ErrNotBlank
	}
	return nil, &StatusError{Op: op, SW: r.SW}
}

// SelectApp selects the eportid application; ErrNotOurCard if absent.
func (c *Client) SelectApp() error {
	r, err := Exchange(c.t, cardapp.Command{
		CLA: cardapp.CLAISO, INS: cardapp.INSSelect, P1: cardapp.P1SelectByAID, P2: 0x0C,
		Data: cardapp.AID,
	})
	switch {
	case err != nil:
		return err
	case r.SW == cardapp.SWNotFound:
		return ErrNotOurCard
	case r.SW != cardapp.SWOK:
		return &StatusError{Op: "select", SW: r.SW}
	}
	c.pinLeft, c.stateLeft = false, false // SELECT cleared the session state
	return nil
}

// ReadInfo reads the card info (card number, holder, credit code, kind).
func (c *Client) ReadInfo() (cardapp.CardInfo, error) {
	if c.cache != nil && c.cache.info != nil {
		c.usedCache = true
		return *c.cache.info, nil
	}
	d, err := c.do("read info", cardapp.Command{
		CLA: cardapp.CLAProprietary, INS: cardapp.INSGetData, P2: cardapp.InfoTag, Ne: 256,
	})
	if err != nil {
		return cardapp.CardInfo{}, err
	}
	info, err := cardapp.ParseCardInfo(d)
	if err == nil && c.cache != nil {
		c.cache.info = &info
	}
	return info, err
}

// ReadCertificate reads the card certificate (DER) in chunks of up to 256
// bytes at increasing offsets; the DER header of the first chunk gives the
// total length.
func (c *Client) ReadCertificate() ([]byte, error) {
	if c.cache != nil && c.cache.cert != nil {
		c.usedCache = true
		return append([]byte(nil), c.cache.cert...), nil
	}
	var cert []byte
	total := -1
	for total < 0 || len(cert) < total {
		off := len(cert)
		if off > 0x7FFF {
			return nil, errors.New("pcsc: certificate larger than 32 KiB")
		}
		ne := cardapp.ReadChunk
		if total > 0 {
			ne = min(ne, total-off)
		}
		r, err := Exchange(c.t, cardapp.Command{
			CLA: cardapp.CLAProprietary, INS: cardapp.INSReadCertificate,
			P1: byte(off >> 8), P2: byte(off), Ne: ne,
		})
		if err != nil {
			return nil, err
		}
		if r.SW == cardapp.SWRefDataNotFound {
			return nil, ErrBlank
		}
		if r.SW != cardapp.SWOK && r.SW != cardapp.SWWarnEOF {
			return nil, &StatusError{Op: "read certificate", SW: r.SW}
		}
		cert = append(cert, r.Data...)
		if total < 0 {
			if total, err = derLength(cert); err != nil {
				return nil, err
			}
		}
		if len(r.Data) < ne || r.SW == cardapp.SWWarnEOF {
			break
		}
	}
	if len(cert) != total {
		return nil, fmt.Errorf("pcsc: certificate is %d bytes, its DER header says %d", len(cert), total)
	}
	if c.cache != nil {
		c.cache.cert = append([]byte(nil), cert...)
	}
	return cert, nil
}

// derLength returns the total length of the DER SEQUENCE that b starts.
func derLength(b []byte) (int, error) {
	if len(b) < 2 || b[0] != 0x30 {
		return 0, errors.New("pcsc: certificate is not a DER SEQUENCE")
	}
	switch l := b[1]; {
	case l < 0x80:
		return 2 + int(l), nil
	case l == 0x81 && len(b) >= 3:
		return 3 + int(b[2]), nil
	case l == 0x82 && len(b) >= 4:
		return 4 + (int(b[2])<<8 | int(b[3])), nil
	}
	return 0, errors.New("pcsc: certificate length not understood")
}

// PINState is what the card says about the PIN.
type PINState struct {
	Verified  bool
	TriesLeft int // meaningful when neither verified nor blocked
	Blocked   bool
}

func pinState(sw uint16) (PINState, bool) {
	switch {
	case sw == cardapp.SWOK:
		return PINState{Verified: true}, true
	case sw == cardapp.SWAuthBlocked:
		return PINState{Blocked: true}, true
	case sw&0xFFF0 == cardapp.SWVerifyFailedTriesMask:
		n := int(sw & 0x0F)
		return PINState{TriesLeft: n, Blocked: n == 0}, true
	}
	return PINState{}, false
}

// PINStatus asks the retry counter without spending a try (VERIFY with no
// data).
func (c *Client) PINStatus() (PINState, error) {
	r, err := Exchange(c.t, cardapp.Command{CLA: cardapp.CLAISO, INS: cardapp.INSVerify, P2: cardapp.P2PIN})
	if err != nil {
		return PINState{}, err
	}
	st, ok := pinState(r.SW)
	if r.SW == cardapp.SWRefDataNotFound {
		return PINState{}, ErrBlank
	}
	if !ok {
		return PINState{}, &StatusError{Op: "PIN status", SW: r.SW}
	}
	return st, nil
}

// VerifyPIN presents the PIN. A wrong PIN is no error: ok is false and
// triesLeft / blocked say what is left. pin is not kept; the caller wipes
// its own copy.
func (c *Client) VerifyPIN(pin []byte) (ok bool, triesLeft int, blocked bool, err error) {
	if !cardapp.ValidPIN(pin) {
		return false, 0, false, ErrPINFormat
	}
	c.pinLeft = true
	r, err := Exchange(c.t, cardapp.Command{
		CLA: cardapp.CLAISO, INS: cardapp.INSVerify, P2: cardapp.P2PIN, Data: pin,
	})
	if err != nil {
		return false, 0, false, err
	}
	st, known := pinState(r.SW)
	if r.SW == cardapp.SWRefDataNotFound {
		return false, 0, false, ErrBlank
	}
	if !known {
		return false, 0, false, &StatusError{Op: "verify PIN", SW: r.SW}
	}
	return st.Verified, st.TriesLeft, st.Blocked, nil
}

// ChangePIN replaces the PIN; the old one counts as a PIN try.
func (c *Client) ChangePIN(oldPIN, newPIN []byte) (ok bool, triesLeft int, blocked bool, err error) {
	if !cardapp.ValidPIN(oldPIN) || !cardapp.ValidPIN(newPIN) {
		return false, 0, false, ErrPINFormat
	}
	data := make([]byte, 0, 2+len(oldPIN)+len(newPIN))
	data = append(data, byte(len(oldPIN)))
	data = append(data, oldPIN...)
	data = append(data, byte(len(newPIN)))
	data = append(data, newPIN...)
	defer cardapp.Wipe(data)
	c.pinLeft = true
	c.wrote()
	r, err := Exchange(c.t, cardapp.Command{
		CLA: cardapp.CLAISO, INS: cardapp.INSChangeRefData, P2: cardapp.P2PIN, Data: data,
	})
	if err != nil {
		return false, 0, false, err
	}
	st, known := pinState(r.SW)
	if r.SW == cardapp.SWRefDataNotFound {
		return false, 0, false, ErrBlank
	}
	if !known {
		return false, 0, false, &StatusError{Op: "change PIN", SW: r.SW}
	}
	return st.Verified, st.TriesLeft, st.Blocked, nil
}

// GetChallenge returns a fresh 16-byte card challenge (for Unblock).
func (c *Client) GetChallenge() ([]byte, error) {
	c.stateLeft = true
	d, err := c.do("get challenge", cardapp.Command{
		CLA: cardapp.CLAISO, INS: cardapp.INSGetChallenge, Ne: cardapp.ChallengeSize,
	})
	if err != nil {
		return nil, err
	}
	if len(d) != cardapp.ChallengeSize {
		return nil, fmt.Errorf("pcsc: challenge of %d bytes", len(d))
	}
	return d, nil
}

// Unblock (解锁) resets the retry counter with a cryptogram over the last
// GetChallenge, made by the holder of the admin key
// (cardapp.UnblockCryptogram). With newPIN the PIN is replaced too;
// without, it is kept. ErrBadCryptogram if the card refuses.
func (c *Client) Unblock(cryptogram, newPIN []byte) error {
	if len(newPIN) > 0 && !cardapp.ValidPIN(newPIN) {
		return ErrPINFormat
	}
	p1 := byte(cardapp.P1UnblockOnly)
	if len(newPIN) > 0 {
		p1 = cardapp.P1UnblockNewPIN
	}
	data := append(append([]byte(nil), cryptogram...), newPIN...)
	defer cardapp.Wipe(data)
	c.wrote()
	r, err := Exchange(c.t, cardapp.Command{
		CLA: cardapp.CLAISO, INS: cardapp.INSResetRetryCounter, P1: p1, P2: cardapp.P2PIN, Data: data,
	})
	switch {
	case err != nil:
		return err
	case r.SW == cardapp.SWOK:
		return nil
	case r.SW == cardapp.SWSecurityNotSatisfied:
		return ErrBadCryptogram
	}
	return &StatusError{Op: "unblock", SW: r.SW}
}

// Sign has the card sign a 32-byte digest e with its SM2 key; the PIN must
// have been verified just before: a SIGN, whatever its outcome, uses the
// verification up, so each signature needs its own VERIFY. The host
// computes e = SM3(Z_A || M) (see cardbridge/cardsig). It returns the DER
// SEQUENCE {r, s}.
func (c *Client) Sign(digest []byte) ([]byte, error) {
	if len(digest) != cardapp.DigestSize {
		return nil, fmt.Errorf("pcsc: digest must be %d bytes", cardapp.DigestSize)
	}
	r, err := Exchange(c.t, cardapp.Command{
		CLA: cardapp.CLAISO, INS: cardapp.INSPerformSecurityOp,
		P1: cardapp.P1P2SignHi, P2: cardapp.P1P2SignLo, Data: digest, Ne: 256,
	})
	if err == nil {
		c.pinLeft = false // the card answered: the verification is used up
	}
	switch {
	case err != nil:
		return nil, err
	case r.SW == cardapp.SWSecurityNotSatisfied:
		return nil, ErrNotVerified
	case r.SW == cardapp.SWAuthBlocked:
		return nil, ErrBlocked
	case r.SW == cardapp.SWRefDataNotFound:
		return nil, ErrBlank
	case r.SW != cardapp.SWOK:
		return nil, &StatusError{Op: "sign", SW: r.SW}
	}
	var sig struct{ R, S asn1.RawValue }
	if rest, err := asn1.Unmarshal(r.Data, &sig); err != nil || len(rest) != 0 ||
		sig.R.Tag != asn1.TagInteger || sig.S.Tag != asn1.TagInteger {
		return nil, errors.New("pcsc: card signature is not a DER SEQUENCE of two INTEGERs")
	}
	return r.Data, nil
}
