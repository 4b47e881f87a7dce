package model

import (
	"strings"
	"testing"
)

// The rule of any text, as the page and the server apply it.
func TestCheckText(t *testing.T) {
	for _, c := range []struct {
		s         string
		multiline bool
		rule      string // "" for accepted
	}{
		{"福州市鼓楼区五四路1号", false, ""},
		{"Zoë & Co. — 第1号 🙂", false, ""},
		{"缺少材料：\n1. 营业执照\r\n\t2. 章程", true, ""},
		{"a\x00b", false, "U+0000"},
		{"a\x00b", true, "U+0000"},
		{"a\x07b", true, "U+0007"},
		{"a\x1b[31m", false, "U+001B"},
		{"a\x7fb", false, "U+007F"},
		{"a\u0085b", false, "U+0085"},
		{"a\tb", false, "U+0009"},
		{"a\nb", false, "不能换行"},
		{"a\u2028b", true, "U+2028"},
		{"abc\u202edef", false, "文字方向控制字符（U+202E）"},
		{"abc\u2066def", true, "U+2066"},
		{"abc\u200fdef", false, "U+200F"},
		{"abc\ufffd", false, "U+FFFD"},
		{"abc\xff", true, "UTF-8"},
	} {
		err := CheckText(c.s, c.multiline)
		switch {
		case c.rule == "" && err != nil:
			t.Errorf("%q refused: %v", c.s, err)
		case c.rule != "" && (err == nil || !strings.Contains(err.Error(), c.rule)):
			t.Errorf("%q (multiline %v): %v, want %q", c.s, c.multiline, err, c.rule)
		}
	}
	// Every field applies it, with its label; a textarea takes line breaks.
	name := Field{Key: "name_cn", Label: "企业名称", Input: "text"}
	if msg := name.CheckField("甲\u202e乙", Draft); msg != "企业名称：不能含有文字方向控制字符（U+202E）" {
		t.Errorf("name: %q", msg)
	}
	note := Field{Key: "note", Label: "备注", Input: "textarea"}
	if msg := note.CheckField("一\n二", Declare); msg != "" {
		t.Errorf("textarea: %q", msg)
	}
}

func TestCheckParam(t *testing.T) {
	for _, ok := range []string{"350000", "FJ01", "8000000000000042", "market", "a.b-c_d"} {
		if err := CheckParam(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "\x00", "\xff", "35 0000", "福州", "a/b", "a%00", strings.Repeat("9", MaxParamLen+1)} {
		if CheckParam(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
