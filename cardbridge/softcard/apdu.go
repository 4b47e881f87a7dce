package softcard

import (
	"bytes"
	"crypto/hmac"
	"io"

	"github.com/emmansun/gmsm/sm2"

	"eportid/cardbridge/cardapp"
)

// Transmit answers one command APDU; it lets cardbridge/pcsc's Client talk
// to the card in-process (no pcscd), as pcsc.Transmitter.
func (c *Card) Transmit(apdu []byte) ([]byte, error) {
	return c.Process(apdu), nil
}

// Reset clears the session state (selection, PIN verified, challenge), as a
// power cycle or warm reset of a real card does.
func (c *Card) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.resetSession()
}

func (c *Card) resetSession() {
	c.selected = false
	c.verified = false
	c.challenge = nil
	c.pending = nil
	c.newCert = nil
}

// Process answers one command APDU with a response APDU. It never panics
// on malformed input.
func (c *Card) Process(apdu []byte) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()

	pending := c.pending
	c.pending = nil

	cmd, err := cardapp.ParseCommand(apdu)
	if err != nil {
		return sw(cardapp.SWWrongLength)
	}
	if cmd.CLA != cardapp.CLAISO && cmd.CLA != cardapp.CLAProprietary {
		return sw(cardapp.SWCLANotSupported)
	}
	if cmd.CLA == cardapp.CLAISO && cmd.INS == cardapp.INSGetResponse {
		return c.getResponse(cmd, pending)
	}
	if cmd.CLA == cardapp.CLAISO && cmd.INS == cardapp.INSSelect {
		return c.selectApp(cmd)
	}
	if !c.selected {
		return sw(cardapp.SWConditionsNotSatisfy)
	}
	if cmd.CLA == cardapp.CLAProprietary {
		switch cmd.INS {
		case cardapp.INSGenerateKeyPair:
			return c.generateKeyPair(cmd)
		case cardapp.INSPutData:
			return c.putData(cmd)
		case cardapp.INSPutCertificate:
			return c.putCertificate(cmd)
		case cardapp.INSActivate:
			return c.activate(cmd)
		}
	}
	if cmd.CLA == cardapp.CLAProprietary && cmd.INS == cardapp.INSGetData && cmd.P1 == 0 && cmd.P2 == cardapp.P2LifeCycle {
		return c.lifeCycle(cmd)
	}
	if c.blank { // nothing to read, verify or sign with yet
		switch {
		case cmd.CLA == cardapp.CLAProprietary && (cmd.INS == cardapp.INSGetData || cmd.INS == cardapp.INSReadCertificate),
			cmd.CLA == cardapp.CLAISO && (cmd.INS == cardapp.INSVerify || cmd.INS == cardapp.INSChangeRefData ||
				cmd.INS == cardapp.INSGetChallenge || cmd.INS == cardapp.INSResetRetryCounter ||
				cmd.INS == cardapp.INSPerformSecurityOp):
			return sw(cardapp.SWRefDataNotFound)
		}
		return sw(cardapp.SWINSNotSupported)
	}
	switch {
	case cmd.CLA == cardapp.CLAProprietary && cmd.INS == cardapp.INSGetData:
		return c.getData(cmd)
	case cmd.CLA == cardapp.CLAProprietary && cmd.INS == cardapp.INSReadCertificate:
		return c.readCertificate(cmd)
	case cmd.CLA == cardapp.CLAISO && cmd.INS == cardapp.INSVerify:
		return c.verify(cmd)
	case cmd.CLA == cardapp.CLAISO && cmd.INS == cardapp.INSChangeRefData:
		return c.changePIN(cmd)
	case cmd.CLA == cardapp.CLAISO && cmd.INS == cardapp.INSGetChallenge:
		return c.getChallenge(cmd)
	case cmd.CLA == cardapp.CLAISO && cmd.INS == cardapp.INSResetRetryCounter:
		return c.unblock(cmd)
	case cmd.CLA == cardapp.CLAISO && cmd.INS == cardapp.INSPerformSecurityOp:
		return c.sign(cmd)
	}
	return sw(cardapp.SWINSNotSupported)
}

func sw(s uint16) []byte { return cardapp.AppendSW(nil, s) }

// respond returns data under the ISO length rules: with no Le field the
// data waits for GET RESPONSE behind 61xx (what a T=0 card does); with Le
// shorter than the data, Le bytes come now and the rest behind 61xx.
func (c *Card) respond(cmd cardapp.Command, data []byte) []byte {
	if len(data) == 0 {
		return sw(cardapp.SWOK)
	}
	if cmd.Ne >= len(data) {
		return cardapp.AppendSW(append([]byte(nil), data...), cardapp.SWOK)
	}
	now := data[:cmd.Ne]
	c.pending = append([]byte(nil), data[cmd.Ne:]...)
	return cardapp.AppendSW(append([]byte(nil), now...), remainingSW(len(c.pending)))
}

func remainingSW(n int) uint16 {
	if n >= 256 {
		return cardapp.SWBytesRemaining // 6100: 256 or more
	}
	return cardapp.SWBytesRemaining | uint16(n)
}

func (c *Card) getResponse(cmd cardapp.Command, pending []byte) []byte {
	if cmd.P1 != 0 || cmd.P2 != 0 {
		return sw(cardapp.SWIncorrectP1P2)
	}
	if len(pending) == 0 {
		return sw(cardapp.SWConditionsNotSatisfy)
	}
	if cmd.Ne == 0 || len(cmd.Data) != 0 {
		return sw(cardapp.SWWrongLength)
	}
	return c.respond(cmd, pending)
}

func (c *Card) selectApp(cmd cardapp.Command) []byte {
	c.resetSession()
	if cmd.P1 != cardapp.P1SelectByAID || (cmd.P2 != 0x00 && cmd.P2 != 0x0C) {
		return sw(cardapp.SWIncorrectP1P2)
	}
	if !bytes.Equal(cmd.Data, cardapp.AID) {
		return sw(cardapp.SWNotFound)
	}
	c.selected = true
	if cmd.P2 == 0x0C { // no FCI wanted
		return sw(cardapp.SWOK)
	}
	// FCI: 6F { 84 <AID> }
	fci := append([]byte{0x6F, byte(2 + len(cardapp.AID)), 0x84, byte(len(cardapp.AID))}, cardapp.AID...)
	return c.respond(cmd, fci)
}

func (c *Card) getData(cmd cardapp.Command) []byte {
	if cmd.P1 != 0 || cmd.P2 != cardapp.InfoTag {
		return sw(cardapp.SWIncorrectP1P2)
	}
	if len(cmd.Data) != 0 {
		return sw(cardapp.SWWrongLength)
	}
	tlv, err := c.info.MarshalTLV()
	if err != nil {
		return sw(cardapp.SWNoPreciseDiagnosis)
	}
	return c.respond(cmd, tlv)
}

// readCertificate: P1-P2 = offset (15 bits), returns min(Ne, rest) bytes;
// 6282 when fewer than Ne bytes were left, 6B00 past the end.
func (c *Card) readCertificate(cmd cardapp.Command) []byte {
	if cmd.P1&0x80 != 0 {
		return sw(cardapp.SWIncorrectP1P2)
	}
	if len(cmd.Data) != 0 {
		return sw(cardapp.SWWrongLength)
	}
	if len(c.cert) == 0 {
		return sw(cardapp.SWRefDataNotFound)
	}
	off := int(cmd.P1)<<8 | int(cmd.P2)
	if off > len(c.cert) {
		return sw(cardapp.SWWrongP1P2)
	}
	rest := c.cert[off:]
	if cmd.Ne == 0 { // T=0 style: data behind 61xx
		return c.respond(cmd, rest[:min(len(rest), cardapp.ReadChunk)])
	}
	if len(rest) < cmd.Ne {
		return cardapp.AppendSW(append([]byte(nil), rest...), cardapp.SWWarnEOF)
	}
	return cardapp.AppendSW(append([]byte(nil), rest[:cmd.Ne]...), cardapp.SWOK)
}

// triesSW is 63Cx: wrong PIN, x tries left (x = 0: now blocked).
func (c *Card) triesSW() []byte {
	return sw(cardapp.SWVerifyFailedTriesMask | uint16(c.triesLeft))
}

// checkPIN runs the retry-counter protocol. The counter is decremented and
// stored before the comparison, so pulling the card mid-check cannot give
// a free try. It returns nil on success, else the response to send.
func (c *Card) checkPIN(pin []byte) []byte {
	if c.triesLeft == 0 {
		return sw(cardapp.SWAuthBlocked)
	}
	if !cardapp.ValidPIN(pin) {
		return sw(cardapp.SWIncorrectData) // format error: no try consumed
	}
	c.triesLeft--
	if err := c.save(); err != nil {
		c.triesLeft++
		return sw(cardapp.SWMemoryFailure)
	}
	if !c.pinMatches(pin) {
		c.verified = false
		return c.triesSW()
	}
	c.triesLeft = c.maxTries
	if err := c.save(); err != nil {
		c.verified = false
		return sw(cardapp.SWMemoryFailure)
	}
	return nil
}

func (c *Card) verify(cmd cardapp.Command) []byte {
	if cmd.P1 != 0 || cmd.P2 != cardapp.P2PIN {
		return sw(cardapp.SWIncorrectP1P2)
	}
	if cmd.Ne != 0 {
		return sw(cardapp.SWWrongLength)
	}
	if len(cmd.Data) == 0 { // status query, no try consumed
		switch {
		case c.triesLeft == 0:
			return sw(cardapp.SWAuthBlocked)
		case c.verified:
			return sw(cardapp.SWOK)
		}
		return c.triesSW()
	}
	if r := c.checkPIN(cmd.Data); r != nil {
		return r
	}
	c.verified = true
	return sw(cardapp.SWOK)
}

// changePIN data: Lold || old PIN || Lnew || new PIN.
func (c *Card) changePIN(cmd cardapp.Command) []byte {
	if cmd.P1 != 0 || cmd.P2 != cardapp.P2PIN {
		return sw(cardapp.SWIncorrectP1P2)
	}
	d := cmd.Data
	if len(d) < 1 || len(d) < 1+int(d[0])+1 {
		return sw(cardapp.SWIncorrectData)
	}
	oldPIN := d[1 : 1+int(d[0])]
	d = d[1+int(d[0]):]
	if len(d) != 1+int(d[0]) {
		return sw(cardapp.SWIncorrectData)
	}
	newPIN := d[1:]
	if !cardapp.ValidPIN(newPIN) {
		return sw(cardapp.SWIncorrectData)
	}
	if r := c.checkPIN(oldPIN); r != nil {
		return r
	}
	oldSalt, oldHash := c.pinSalt, c.pinHash
	if err := c.setPIN(newPIN); err != nil {
		return sw(cardapp.SWNoPreciseDiagnosis)
	}
	if err := c.save(); err != nil {
		c.pinSalt, c.pinHash = oldSalt, oldHash
		return sw(cardapp.SWMemoryFailure)
	}
	c.verified = true
	return sw(cardapp.SWOK)
}

func (c *Card) getChallenge(cmd cardapp.Command) []byte {
	if cmd.P1 != 0 || cmd.P2 != 0 || len(cmd.Data) != 0 {
		return sw(cardapp.SWIncorrectP1P2)
	}
	if cmd.Ne != 0 && cmd.Ne < cardapp.ChallengeSize {
		return sw(cardapp.SWWrongLe | cardapp.ChallengeSize) // 6C10
	}
	ch := make([]byte, cardapp.ChallengeSize)
	if _, err := io.ReadFull(c.rand, ch); err != nil {
		return sw(cardapp.SWNoPreciseDiagnosis)
	}
	c.challenge = ch
	return c.respond(cmd, ch)
}

// unblock is RESET RETRY COUNTER with the admin cryptogram over the last
// challenge; the challenge is used up by any attempt.
func (c *Card) unblock(cmd cardapp.Command) []byte {
	if cmd.P2 != cardapp.P2PIN || (cmd.P1 != cardapp.P1UnblockNewPIN && cmd.P1 != cardapp.P1UnblockOnly) {
		return sw(cardapp.SWIncorrectP1P2)
	}
	ch := c.challenge
	c.challenge = nil
	if ch == nil {
		return sw(cardapp.SWConditionsNotSatisfy)
	}
	if len(cmd.Data) < cardapp.CryptogramSize {
		return sw(cardapp.SWWrongLength)
	}
	mac, newPIN := cmd.Data[:cardapp.CryptogramSize], cmd.Data[cardapp.CryptogramSize:]
	if cmd.P1 == cardapp.P1UnblockOnly && len(newPIN) != 0 {
		return sw(cardapp.SWWrongLength)
	}
	if cmd.P1 == cardapp.P1UnblockNewPIN && !cardapp.ValidPIN(newPIN) {
		return sw(cardapp.SWIncorrectData)
	}
	want, err := cardapp.UnblockCryptogram(c.adminKey, c.info.CardNumber, ch, newPIN)
	if err != nil || !hmac.Equal(want, mac) {
		return sw(cardapp.SWSecurityNotSatisfied)
	}
	oldSalt, oldHash, oldTries := c.pinSalt, c.pinHash, c.triesLeft
	if len(newPIN) > 0 {
		if err := c.setPIN(newPIN); err != nil {
			return sw(cardapp.SWNoPreciseDiagnosis)
		}
	}
	c.triesLeft = c.maxTries
	if err := c.save(); err != nil {
		c.pinSalt, c.pinHash, c.triesLeft = oldSalt, oldHash, oldTries
		return sw(cardapp.SWMemoryFailure)
	}
	c.verified = false
	return sw(cardapp.SWOK)
}

// sign is PSO: COMPUTE DIGITAL SIGNATURE over a 32-byte digest e (the
// host computed e = SM3(Z_A || M)); the result is the GM/T 0009 DER
// SEQUENCE { r INTEGER, s INTEGER }. Every SIGN uses the PIN verification
// up, whatever its outcome: one signature per VERIFY.
func (c *Card) sign(cmd cardapp.Command) []byte {
	verified := c.verified
	c.verified = false
	if cmd.P1 != cardapp.P1P2SignHi || cmd.P2 != cardapp.P1P2SignLo {
		return sw(cardapp.SWIncorrectP1P2)
	}
	if len(cmd.Data) != cardapp.DigestSize {
		return sw(cardapp.SWWrongLength)
	}
	if !verified {
		return sw(cardapp.SWSecurityNotSatisfied)
	}
	sig, err := sm2.SignASN1(c.rand, c.key, cmd.Data, nil)
	if err != nil {
		return sw(cardapp.SWNoPreciseDiagnosis)
	}
	return c.respond(cmd, sig)
}
