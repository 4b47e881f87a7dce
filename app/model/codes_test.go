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
		"11010519490230002X": "不是有效日期", // 30 February
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

// TestIDCardNumberStandardExamples checks the worked examples of GB 11643-1999
// itself: annex A (公民身份号码实例) gives a woman of 北京市朝阳区 born
// 1949-12-31 and a man of 广东省汕头市潮阳县 born 1880-01-01, and annex B
// (校验码字符值计算方法实例) computes the check character X of the first.
// The standard sets no earliest birth year, so 1880 is as good as 1949.
func TestIDCardNumberStandardExamples(t *testing.T) {
	defer func(f func() time.Time) { nowFunc = f }(nowFunc)
	nowFunc = func() time.Time { return time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC) }
	for _, s := range []string{
		"11010519491231002X", // annex A and B: 北京市朝阳区, 1949-12-31, female
		"440524188001010014", // annex A: 广东省汕头市潮阳县, 1880-01-01, male
		"110105189912310023", // 1899-12-31: no earliest year, 1900 is no boundary
		"110105180001010010", // 1800-01-01
	} {
		if err := ValidateIDCardNumber(s); err != nil {
			t.Errorf("ValidateIDCardNumber(%q) = %v, want nil", s, err)
		}
	}
	// The annex B check character is the only one that completes the body.
	for _, c := range "0123456789" {
		s := "11010519491231002" + string(c)
		if err := ValidateIDCardNumber(s); err == nil || !strings.Contains(err.Error(), "第18位应为“X”") {
			t.Errorf("ValidateIDCardNumber(%q) = %v, want the check character X named", s, err)
		}
	}
	// Birth dates that are not real dates, or not yet, are refused by name.
	for s, want := range map[string]string{
		"440524188002300014": "第7至14位出生日期“18800230”不是有效日期", // 30 February 1880
		"440524190002290014": "第7至14位出生日期“19000229”不是有效日期", // 1900 is no leap year
		"440524188013010014": "第7至14位出生日期“18801301”不是有效日期", // month 13
		"440524188001000014": "第7至14位出生日期“18800100”不是有效日期", // day 0
		"440524202611280014": "第7至14位出生日期“20261128”晚于今天",   // tomorrow
	} {
		if err := ValidateIDCardNumber(s); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateIDCardNumber(%q) = %v, want %q", s, err, want)
		}
	}
	// A leap day is a real date: 2000-02-29 (check character from the weights).
	body := "44052420000229001"
	want, _ := idCardCheck(body)
	if err := ValidateIDCardNumber(body + string(want)); err != nil {
		t.Errorf("ValidateIDCardNumber(%q) = %v, want nil", body+string(want), err)
	}
}

// idCardCheck computes the GB 11643-1999 check character of a 17-digit body
// independently of ValidateIDCardNumber: sum of digit × 2^(17-i) mod 11,
// mapped through (12 - sum mod 11) mod 11, 10 written X.
func idCardCheck(body string) (byte, bool) {
	if len(body) != 17 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(body[i]-'0') * ((1 << (17 - i)) % 11)
	}
	v := (12 - sum%11) % 11
	if v == 10 {
		return 'X', true
	}
	return byte('0' + v), true
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
