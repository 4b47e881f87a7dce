package model

import (
	"fmt"
	"regexp"
	"unicode/utf8"
)

// The rules every text obeys before its field's own: what the page checks
// as the user types (Field.CheckField) and what the server checks of every
// string of every request body and of every query parameter.

// CheckText is the rule of any text: valid UTF-8; no U+FFFD (what a
// decoder makes of bytes that were not text); no control characters (NUL
// and the other C0 codes, DEL, C1), except that a multi-line text may
// hold tabs and line breaks; no line or paragraph separators (U+2028,
// U+2029); and no bidirectional formatting characters (U+202A–U+202E, U+2066–U+2069,
// U+200E, U+200F, U+061C), which make a name or address read otherwise
// than it is stored.
func CheckText(s string, multiline bool) error {
	if !utf8.ValidString(s) {
		return errorf("含有无效的字符编码（应为 UTF-8）")
	}
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			return errorf("含有无法识别的字符（U+FFFD）")
		case multiline && (r == '\t' || r == '\n' || r == '\r'):
		case r == '\n' || r == '\r':
			return errorf("不能换行")
		case r == 0x2028 || r == 0x2029:
			return fmt.Errorf("不能含有行或段落分隔符（%U）", r)
		case r < 0x20 || r >= 0x7f && r < 0xa0:
			return fmt.Errorf("不能含有控制字符（%U）", r)
		case bidiControl(r):
			return fmt.Errorf("不能含有文字方向控制字符（%U）", r)
		}
	}
	return nil
}

func bidiControl(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f || r == 0x061c
}

// MaxParamLen is the longest query or path parameter the API takes.
const MaxParamLen = 64

var paramRe = regexp.MustCompile(`^[0-9A-Za-z_.-]+$`)

// CheckParam is the rule of a query or path parameter of the API (a code
// of the reference data, a card number, a kind): 1 to MaxParamLen ASCII
// letters, digits, "_", "." or "-".
func CheckParam(s string) error {
	if len(s) > MaxParamLen || !paramRe.MatchString(s) {
		return fmt.Errorf("应为1至%d位字母、数字、下划线、点或连字符", MaxParamLen)
	}
	return nil
}
