// Package model holds the domain types of eportid and the field rules that
// both the WASM pages and the server import, so a rule is written once and
// the server re-checks exactly what the page checked.
//
// Nothing here may import database, websocket or card packages: this package
// builds for js/wasm.
package model

import (
	"fmt"
	"strings"
	"time"
)

// creditCodeChars is the character set of GB 32100-2015, in value order
// (0..30): the digits and the capital letters without I, O, S, V and Z.
const creditCodeChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditCodeWeights are 3^(i-1) mod 31 for i = 1..17.
var creditCodeWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// CreditCodeCheckChar returns the check character (the 18th) of the first 17
// characters of a unified social credit code, or an error if one of them is
// outside the code's character set.
func CreditCodeCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, fmt.Errorf("须为17位本体代码")
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(creditCodeChars, first17[i])
		if v < 0 {
			return 0, fmt.Errorf("第%d位“%c”不是合法字符（只能是数字和除 I、O、S、V、Z 以外的大写字母）", i+1, first17[i])
		}
		sum += v * creditCodeWeights[i]
	}
	c := (31 - sum%31) % 31
	return creditCodeChars[c], nil
}

// ValidateCreditCode checks a unified social credit code (统一社会信用代码)
// against GB 32100-2015: 18 characters over 0-9A-HJ-NPQRTUWXY, the last
// being the check character computed with weights 3^(i-1) mod 31.
func ValidateCreditCode(s string) error {
	if len(s) != 18 {
		return fmt.Errorf("应为18位，现为%d位", len([]rune(s)))
	}
	want, err := CreditCodeCheckChar(s[:17])
	if err != nil {
		return err
	}
	if strings.IndexByte(creditCodeChars, s[17]) < 0 {
		return fmt.Errorf("第18位“%c”不是合法字符（只能是数字和除 I、O、S、V、Z 以外的大写字母）", s[17])
	}
	if s[17] != want {
		return fmt.Errorf("校验位错误：按 GB 32100-2015 第18位应为“%c”", want)
	}
	return nil
}

// SubjectCode returns the subject code (主体标识码) cut from a credit code:
// characters 9 to 17, which are the organization code of GB 11714. It
// returns "" for a string shorter than 17 bytes.
func SubjectCode(creditCode string) string {
	if len(creditCode) < 17 {
		return ""
	}
	return creditCode[8:17]
}

var orgCodeWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

func orgCharValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return -1
}

// ValidateOrganizationCode checks a 9-character organization code (组织机构代码)
// against GB 11714-1997: eight body characters over 0-9A-Z and a check
// character from weights 3 7 9 10 5 8 4 2, mod 11, where 10 is written X and
// 11 is written 0.
func ValidateOrganizationCode(s string) error {
	if len(s) != 9 {
		return fmt.Errorf("应为9位（8位本体代码加1位校验码，不含连字符），现为%d位", len([]rune(s)))
	}
	sum := 0
	for i := 0; i < 8; i++ {
		v := orgCharValue(s[i])
		if v < 0 {
			return fmt.Errorf("第%d位“%c”不是合法字符（只能是数字和大写字母）", i+1, s[i])
		}
		sum += v * orgCodeWeights[i]
	}
	var want byte
	switch c := 11 - sum%11; c {
	case 10:
		want = 'X'
	case 11:
		want = '0'
	default:
		want = byte('0' + c)
	}
	if s[8] != want {
		return fmt.Errorf("校验码错误：按 GB 11714-1997 第9位应为“%c”", want)
	}
	return nil
}

var idCardWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCardCheckChars = "10X98765432"

// nowFunc is the clock used for the birth date rule; tests may replace it.
var nowFunc = time.Now

// ValidateIDCardNumber checks an 18-digit citizen identity number (居民身份证号码)
// against GB 11643-1999: 17 digits (address code, birth date YYYYMMDD, order
// code) and a check character (0-9 or X) from weights 2^(18-i) mod 11. The
// birth date must be a real calendar date (GB/T 7408) and not in the future;
// the standard sets no earliest year (its own annex example was born in 1880).
func ValidateIDCardNumber(s string) error {
	if len(s) != 18 {
		return fmt.Errorf("应为18位，现为%d位", len([]rune(s)))
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return fmt.Errorf("前17位只能是数字，第%d位是“%c”", i+1, c)
		}
		sum += int(c-'0') * idCardWeights[i]
	}
	birth, err := time.Parse("20060102", s[6:14])
	if err != nil {
		return fmt.Errorf("第7至14位出生日期“%s”不是有效日期", s[6:14])
	}
	if birth.After(nowFunc()) {
		return fmt.Errorf("第7至14位出生日期“%s”晚于今天", s[6:14])
	}
	if want := idCardCheckChars[sum%11]; s[17] != want {
		return fmt.Errorf("校验码错误：按 GB 11643-1999 第18位应为“%c”", want)
	}
	return nil
}
