package model

import (
	"strings"
	"testing"
	"time"
)

func TestValidateCreditCode(t *testing.T) {
	valid := []string{
		"91350100M000100Y43", // the example of GB 32100-2015
		"91440300708461136T",
		"91110000100000000R",
	}
	for _, s := range valid {
		if err := ValidateCreditCode(s); err != nil {
			t.Errorf("ValidateCreditCode(%q) = %v, want nil", s, err)
		}
	}
	invalid := map[string]string{
		"":                    "应为18位",
		"91350100M000100Y4":   "应为18位",
		"91350100M000100Y44":  "校验位错误",
		"91350100M000100Y4O":  "第18位",
		"9135010OM000100Y43":  "第8位",
		"91350100m000100Y43":  "第9位", // lower case is not in the set: the page upper-cases first
		"91350100M000100Y433": "应为18位",
	}
	for s, want := range invalid {
		err := ValidateCreditCode(s)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateCreditCode(%q) = %v, want an error containing %q", s, err, want)
		}
	}
}

func TestSubjectCode(t *testing.T) {
	if got := SubjectCode("91350100M000100Y43"); got != "M000100Y4" {
		t.Errorf("SubjectCode = %q, want M000100Y4", got)
	}
	if err := ValidateOrganizationCode(SubjectCode("91350100M000100Y43")); err != nil {
		t.Errorf("the subject code of the standard's example is not an organization code: %v", err)
	}
	if got := SubjectCode("123"); got != "" {
		t.Errorf("SubjectCode(short) = %q, want empty", got)
	}
}

func TestValidateOrganizationCode(t *testing.T) {
	for _, s := range []string{"M000100Y4", "D2143569X", "708461136", "100000008"} {
		if err := ValidateOrganizationCode(s); err != nil {
			t.Errorf("ValidateOrganizationCode(%q) = %v", s, err)
		}
	}
	for s, want := range map[string]string{
		"10000000X":  "校验码错误",
		"D2143569-X": "应为9位",
		"d2143569X":  "第1位",
		"":           "应为9位",
	} {
		if err := ValidateOrganizationCode(s); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateOrganizationCode(%q) = %v, want %q", s, err, want)
		}
	}
}

func TestValidateIDCardNumber(t *testing.T) {
	defer func(f func() time.Time) { nowFunc = f }(nowFunc)
	nowFunc = func() time.Time { return time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC) }
	for _, s := range []string{"11010519491231002X", "440308199901010012"} {
		if err := ValidateIDCardNumber(s); err != nil {
			t.Errorf("ValidateIDCardNumber(%q) = %v", s, err)
		}
	}
	for s, want := range map[string]string{
		"110105194912310021": "校验码错误",
		"11010519491331002X": "出生日期",
		"11010518991231002X": "出生日期", // before 1900
		"11010520991231002X": "晚于今天",
		"1101051949123100":   "应为18位",
		"11010519491231002x": "校验码错误", // the page upper-cases first
		"1101051949123100AX": "前17位只能是数字",
	} {
		if err := ValidateIDCardNumber(s); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateIDCardNumber(%q) = %v, want %q", s, err, want)
		}
	}
}

// The fuzz targets check properties that hold for every input: no panic;
// anything accepted has the right length and alphabet; and the check
// character is the only one of its alphabet that completes a body.

func FuzzValidateCreditCode(f *testing.F) {
	for _, s := range []string{"91350100M000100Y43", "91440300708461136T", "", "ZZZZZZZZZZZZZZZZZZ", "913501００M000100Y43"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidateCreditCode(s)
		if err == nil {
			if len(s) != 18 || strings.Trim(s, creditCodeChars) != "" {
				t.Fatalf("accepted %q", s)
			}
		}
		if len(s) >= 17 {
			body := s[:17]
			want, berr := CreditCodeCheckChar(body)
			if berr != nil {
				return
			}
			for i := 0; i < len(creditCodeChars); i++ {
				c := creditCodeChars[i]
				ok := ValidateCreditCode(body+string(c)) == nil
				if ok != (c == want) {
					t.Fatalf("%q+%c accepted=%v, check char %c", body, c, ok, want)
				}
			}
		}
	})
}

func FuzzValidateOrganizationCode(f *testing.F) {
	for _, s := range []string{"M000100Y4", "D2143569X", "", "00000000-0", "ÿÿÿÿÿÿÿÿÿ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateOrganizationCode(s) == nil {
			if len(s) != 9 || strings.Trim(s[:8], "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
				t.Fatalf("accepted %q", s)
			}
			// exactly one check character completes a body
			n := 0
			for _, c := range "0123456789X" {
				if ValidateOrganizationCode(s[:8]+string(c)) == nil {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("%q: %d check characters accepted", s[:8], n)
			}
		}
	})
}

func FuzzValidateIDCardNumber(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "440308199901010012", "", "000000000000000000", "11010519490229002X"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateIDCardNumber(s) != nil {
			return
		}
		if len(s) != 18 || strings.Trim(s[:17], "0123456789") != "" || !strings.ContainsRune("0123456789X", rune(s[17])) {
			t.Fatalf("accepted %q", s)
		}
		b, err := time.Parse("20060102", s[6:14])
		if err != nil || b.After(time.Now()) {
			t.Fatalf("accepted %q with birth date %q", s, s[6:14])
		}
	})
}

func FuzzSubjectCode(f *testing.F) {
	f.Add("91350100M000100Y43")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		sc := SubjectCode(s)
		if len(s) >= 17 && sc != s[8:17] {
			t.Fatalf("SubjectCode(%q) = %q", s, sc)
		}
		if len(s) < 17 && sc != "" {
			t.Fatalf("SubjectCode(%q) = %q, want empty", s, sc)
		}
	})
}
