package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"net/url"
	"strings"
	"time"
)

// The reviewers' second factor: time-based one-time passwords (RFC 6238)
// over HOTP (RFC 4226) with HMAC-SHA1, 30-second steps and 6 digits, as
// every authenticator app does. A code is accepted in its own step and
// one step either side (clock drift); that each step is used once is the
// store's (store.UseTOTPStep).

// TOTP parameters.
const (
	TOTPPeriod    = 30 // seconds per step
	TOTPDigits    = 6
	TOTPSkew      = 1  // steps accepted either side of now
	TOTPSecretLen = 20 // bytes of a new secret (160 bits, RFC 4226's advice)
)

// totpEncoding is base32 without padding, as otpauth:// URIs carry it.
var totpEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTOTPSecret returns a new random secret.
func NewTOTPSecret() []byte {
	b := make([]byte, TOTPSecretLen)
	if _, err := rand.Read(b); err != nil {
		panic("auth: crypto/rand: " + err.Error())
	}
	return b
}

// TOTPSecretText is the secret in base32, as an authenticator app takes it.
func TOTPSecretText(secret []byte) string { return totpEncoding.EncodeToString(secret) }

// ParseTOTPSecret reads a base32 secret (spaces, case and padding ignored).
func ParseTOTPSecret(s string) ([]byte, error) {
	s = strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "=", "").Replace(s))
	return totpEncoding.DecodeString(s)
}

// TOTPURI is the otpauth:// URI of the secret (the QR code's content).
func TOTPURI(issuer, account string, secret []byte) string {
	label := url.PathEscape(issuer) + ":" + url.PathEscape(account)
	q := url.Values{}
	q.Set("secret", TOTPSecretText(secret))
	q.Set("issuer", issuer)
	q.Set("algorithm", "SHA1")
	q.Set("digits", "6")
	q.Set("period", "30")
	return "otpauth://totp/" + label + "?" + q.Encode()
}

// TOTPStep is the RFC 6238 time step of t.
func TOTPStep(t time.Time) int64 { return t.Unix() / TOTPPeriod }

// HOTP is the RFC 4226 code of the counter, of the given number of digits
// (6 to 9), zero-padded.
func HOTP(secret []byte, counter uint64, digits int) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac := hmac.New(sha1.New, secret)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	code := bin % mod
	out := make([]byte, digits)
	for i := digits - 1; i >= 0; i-- {
		out[i] = byte('0' + code%10)
		code /= 10
	}
	return string(out)
}

// TOTP is the 6-digit code of secret at time t.
func TOTP(secret []byte, t time.Time) string {
	return HOTP(secret, uint64(TOTPStep(t)), TOTPDigits)
}

// VerifyTOTP checks a 6-digit code against the steps around now (TOTPSkew
// either side) and returns the step it belongs to. Every candidate is
// compared in constant time; the caller must still record the step
// (store.UseTOTPStep) so a code is accepted once.
func VerifyTOTP(secret []byte, code string, now time.Time) (step int64, ok bool) {
	code = strings.TrimSpace(code)
	if len(code) != TOTPDigits || len(secret) == 0 {
		return 0, false
	}
	cur := TOTPStep(now)
	for s := cur - TOTPSkew; s <= cur+TOTPSkew; s++ {
		if s < 0 {
			continue
		}
		if subtle.ConstantTimeCompare([]byte(HOTP(secret, uint64(s), TOTPDigits)), []byte(code)) == 1 && !ok {
			step, ok = s, true
		}
	}
	return step, ok
}
