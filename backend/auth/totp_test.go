package auth_test

import (
	"strings"
	"testing"
	"time"

	"eportid/backend/auth"
)

// RFC 6238 appendix B, SHA1 column (8 digits), key "12345678901234567890".
func TestTOTPRFC6238(t *testing.T) {
	secret := []byte("12345678901234567890")
	for _, v := range []struct {
		unix int64
		code string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	} {
		step := auth.TOTPStep(time.Unix(v.unix, 0))
		if got := auth.HOTP(secret, uint64(step), 8); got != v.code {
			t.Errorf("T=%d: %s, want %s", v.unix, got, v.code)
		}
		// The 6-digit code is the last six digits.
		if got := auth.TOTP(secret, time.Unix(v.unix, 0)); got != v.code[2:] {
			t.Errorf("T=%d: 6 digits %s, want %s", v.unix, got, v.code[2:])
		}
	}
}

// RFC 4226 appendix D: HOTP values of counters 0–9.
func TestHOTPRFC4226(t *testing.T) {
	secret := []byte("12345678901234567890")
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for i, w := range want {
		if got := auth.HOTP(secret, uint64(i), 6); got != w {
			t.Errorf("counter %d: %s, want %s", i, got, w)
		}
	}
}

func TestVerifyTOTP(t *testing.T) {
	secret := auth.NewTOTPSecret()
	now := time.Unix(1_700_000_015, 0)
	step := auth.TOTPStep(now)
	for d := int64(-1); d <= 1; d++ {
		code := auth.HOTP(secret, uint64(step+d), 6)
		if s, ok := auth.VerifyTOTP(secret, code, now); !ok || s != step+d {
			t.Errorf("step %+d: %d %v", d, s, ok)
		}
	}
	for _, d := range []int64{-2, 2} {
		if _, ok := auth.VerifyTOTP(secret, auth.HOTP(secret, uint64(step+d), 6), now); ok {
			t.Errorf("step %+d accepted", d)
		}
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef"} {
		if _, ok := auth.VerifyTOTP(secret, bad, now); ok {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, ok := auth.VerifyTOTP(nil, auth.TOTP(secret, now), now); ok {
		t.Error("no secret accepted")
	}
}

func TestTOTPSecretText(t *testing.T) {
	secret := auth.NewTOTPSecret()
	text := auth.TOTPSecretText(secret)
	if strings.Contains(text, "=") || len(text) != 32 {
		t.Errorf("secret text %q", text)
	}
	back, err := auth.ParseTOTPSecret(strings.ToLower(text[:4]) + " " + text[4:])
	if err != nil || string(back) != string(secret) {
		t.Errorf("parse: %v", err)
	}
	uri := auth.TOTPURI("eportid", "fj01-reviewer", secret)
	if !strings.HasPrefix(uri, "otpauth://totp/eportid:fj01-reviewer?") || !strings.Contains(uri, "secret="+text) ||
		!strings.Contains(uri, "issuer=eportid") || !strings.Contains(uri, "period=30") {
		t.Errorf("uri %s", uri)
	}
}
