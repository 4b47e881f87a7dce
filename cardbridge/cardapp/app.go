package cardapp

import "fmt"

// AID is the application identifier of the eportid card application: a
// proprietary (unregistered, first nibble F) AID spelling "EPORTID" and
// version 01.
var AID = []byte{0xF0, 0x45, 0x50, 0x4F, 0x52, 0x54, 0x49, 0x44, 0x01}

// ATR is the answer-to-reset of the soft card: direct convention, T=1 only,
// historical bytes "EPORTID" (a first historical byte of 0x45 is a
// proprietary category indicator in ISO 7816-4 8.1.1), TCK included. Real
// cards have their own ATR; the host never relies on it.
var ATR = buildATR([]byte("EPORTID"))

func buildATR(hist []byte) []byte {
	// T0: TD1 follows, K historical bytes. TD1 = 0x81: TD2 follows, T=1.
	// TD2 = 0x01: T=1, nothing follows. TCK: XOR of T0..last byte.
	atr := []byte{0x3B, 0x80 | byte(len(hist)), 0x81, 0x01}
	atr = append(atr, hist...)
	var tck byte
	for _, b := range atr[1:] {
		tck ^= b
	}
	return append(atr, tck)
}

// Class bytes.
const (
	CLAISO         = 0x00 // inter-industry commands
	CLAProprietary = 0x80 // this application's own commands
)

// Instruction bytes (see CARDAPP.md for the full command table).
const (
	INSSelect            = 0xA4 // 00 A4 04 00 <AID> 00
	INSGetData           = 0xCA // 80 CA 00 70 00: card info TLV
	INSReadCertificate   = 0xB0 // 80 B0 <offset hi> <offset lo> <Le>
	INSVerify            = 0x20 // 00 20 00 81 [<PIN>]
	INSChangeRefData     = 0x24 // 00 24 00 81 <Lold old Lnew new>
	INSResetRetryCounter = 0x2C // 00 2C 00|01 81 <cryptogram [new PIN]>
	INSGetChallenge      = 0x84 // 00 84 00 00 10
	INSPerformSecurityOp = 0x2A // 00 2A 9E 9A 20 <SM3 digest> 00
	INSGetResponse       = 0xC0 // 00 C0 00 00 <Le>

	// Personalisation (a blank card only; see CARDAPP.md).
	INSGenerateKeyPair = 0x46 // 80 46 80|81 00 00: generate / read the SM2 key pair
	INSPutData         = 0xDA // 80 DA 00 70|71 <card info TLV | admin key>
	INSPutCertificate  = 0xD6 // 80 D6 <offset hi> <offset lo> <chunk>
	INSActivate        = 0x44 // 80 44 00 81 <initial PIN>: finalise
)

// Parameters.
const (
	P1SelectByAID   = 0x04
	P2PIN           = 0x81 // reference of the card holder PIN
	InfoTag         = 0x70 // P2 of GET DATA and outer tag of the card info
	P1P2SignHi      = 0x9E // PSO: COMPUTE DIGITAL SIGNATURE = 9E 9A
	P1P2SignLo      = 0x9A
	P1UnblockNewPIN = 0x00 // RESET RETRY COUNTER: cryptogram + new PIN
	P1UnblockOnly   = 0x01 // RESET RETRY COUNTER: cryptogram only, PIN kept
	P2LifeCycle     = 0x8A // GET DATA: the life cycle status byte
	P2AdminKey      = 0x71 // PUT DATA: the admin key
	P1KeyGenerate   = 0x80 // GENERATE KEY PAIR: make a new key pair
	P1KeyRead       = 0x81 // GENERATE KEY PAIR: read the public key made before
	// P1InstallCertificate: 80 44 01 81, INSTALL CERTIFICATE on a
	// personalised card (the replacement PUT CERTIFICATE wrote).
	P1InstallCertificate = 0x01
	// P1ReplaceCertificate: bit 8 of PUT CERTIFICATE's P1 on a
	// personalised card, a chunk of the replacement (offset in the other
	// 15 bits).
	P1ReplaceCertificate = 0x80
)

// Life cycle status bytes (ISO 7816-4 5.3.3.2), as GET DATA 8A returns.
const (
	LifeCycleBlank        = 0x03 // initialisation state: personalisation commands allowed
	LifeCyclePersonalised = 0x05 // operational (activated): personalisation refused
)

// Sizes and limits.
const (
	DigestSize     = 32 // SM3
	ChallengeSize  = 16
	CryptogramSize = 32 // HMAC-SM3
	PINMinLen      = 6
	PINMaxLen      = 16
	DefaultTries   = 5
	ReadChunk      = 256 // READ CERTIFICATE reads at most this per command
	MaxCertSize    = 0x7FFF
	WriteChunk     = 255 // PUT CERTIFICATE writes at most this per command (short Lc)
	PublicKeySize  = 65  // 04 || X || Y, uncompressed SM2 point
)

// Status words (ISO 7816-4 section 5.6).
const (
	SWOK                    = 0x9000
	SWBytesRemaining        = 0x6100 // 61xx: xx more bytes, use GET RESPONSE
	SWWarnEOF               = 0x6282 // end of file reached before Ne bytes
	SWMemoryFailure         = 0x6581
	SWWrongLength           = 0x6700
	SWSecurityNotSatisfied  = 0x6982 // PIN not verified / bad cryptogram
	SWAuthBlocked           = 0x6983 // PIN blocked
	SWConditionsNotSatisfy  = 0x6985 // app not selected / no challenge / personalisation incomplete
	SWNotAllowed            = 0x6986 // personalisation command on a personalised card
	SWIncorrectData         = 0x6A80
	SWNotFound              = 0x6A82 // application not found
	SWIncorrectP1P2         = 0x6A86
	SWRefDataNotFound       = 0x6A88 // blank card: no card info / certificate / PIN / key yet
	SWWrongP1P2             = 0x6B00 // offset beyond the end of the data
	SWWrongLe               = 0x6C00 // 6Cxx: resend with Le = xx
	SWINSNotSupported       = 0x6D00
	SWCLANotSupported       = 0x6E00
	SWNoPreciseDiagnosis    = 0x6F00
	SWVerifyFailedTriesMask = 0x63C0 // 63Cx: wrong PIN, x tries left
)

// SWText names a status word for error messages.
func SWText(sw uint16) string {
	switch {
	case sw == SWOK:
		return "ok"
	case sw&0xFF00 == SWBytesRemaining:
		return fmt.Sprintf("%d bytes remaining", sw&0xFF)
	case sw&0xFFF0 == SWVerifyFailedTriesMask:
		return fmt.Sprintf("wrong PIN, %d tries left", sw&0x0F)
	case sw&0xFF00 == SWWrongLe:
		return fmt.Sprintf("wrong Le, %d bytes available", sw&0xFF)
	}
	switch sw {
	case SWWarnEOF:
		return "end of data reached"
	case SWMemoryFailure:
		return "memory failure"
	case SWWrongLength:
		return "wrong length"
	case SWSecurityNotSatisfied:
		return "security status not satisfied"
	case SWAuthBlocked:
		return "PIN blocked"
	case SWConditionsNotSatisfy:
		return "conditions of use not satisfied"
	case SWNotAllowed:
		return "command not allowed (card already personalised)"
	case SWIncorrectData:
		return "incorrect data"
	case SWNotFound:
		return "application not found"
	case SWIncorrectP1P2:
		return "incorrect P1-P2"
	case SWRefDataNotFound:
		return "referenced data not found"
	case SWWrongP1P2:
		return "wrong parameters P1-P2"
	case SWINSNotSupported:
		return "instruction not supported"
	case SWCLANotSupported:
		return "class not supported"
	}
	return "unknown status"
}

// ValidPIN reports whether pin has the length and alphabet this application
// accepts: 6 to 16 ASCII digits.
func ValidPIN(pin []byte) bool {
	if len(pin) < PINMinLen || len(pin) > PINMaxLen {
		return false
	}
	for _, b := range pin {
		if b < '0' || b > '9' {
			return false
		}
	}
	return true
}

// Wipe overwrites b with zeros. Use it on every buffer that held a PIN.
func Wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}
