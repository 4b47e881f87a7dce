package model

import (
	"fmt"
	"net/mail"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Kind says how a field is filled, and so which colour it has (P4).
type Kind int

const (
	Required Kind = iota // yellow: must be filled to declare
	Optional             // white: may stay empty
	System               // grey: filled by the system, read-only here
)

// Mode is how strictly a record is checked (X2).
type Mode int

const (
	// Draft (暂存) accepts empty fields and checks the format of filled ones.
	Draft Mode = iota
	// Declare (申报) requires every required field and checks all.
	Declare
)

// Field describes one input of a form: its key (the JSON name and the
// input's id), its label as in the manual, how it is filled, and its rule.
type Field struct {
	Key   string
	Label string
	Kind  Kind
	// Input is the control: "text", "select", "date", "textarea",
	// "password", "email", "tel" or "number".
	Input string
	// Options names the list a select takes its choices from (see the
	// Options* constants).
	Options string
	// MaxLen is the most characters (runes) the field takes; 0 for no limit.
	MaxLen int
	// Upper makes the page and the server upper-case the value (codes).
	Upper bool
	// Check is the field's format rule; nil where any text is fine. Its
	// error says the rule, without the label (the label is added).
	Check func(string) error
	// Hint is shown as the input's placeholder.
	Hint string
}

// Names of the lists a select field takes its options from.
const (
	OptionsAgentPoints     = "agent-points"
	OptionsMarketDepts     = "market-depts" // filtered by the chosen agent point
	OptionsTaxDepts        = "tax-depts"    // filtered by the chosen agent point
	OptionsProvinces       = "provinces"
	OptionsCities          = "cities" // filtered by the chosen province
	OptionsIDTypes         = "id-types"
	OptionsEnterpriseTypes = "enterprise-types"
	OptionsCustoms         = "customs-districts"
)

// DependsOn is the key of the field whose value a select's choices
// depend on ("" for none): a city's province, a department's agent point.
// A new value there empties the dependent field, and a choice is checked
// against the list of that value.
func (fl Field) DependsOn() string {
	switch fl.Options {
	case OptionsCities:
		return "province"
	case OptionsMarketDepts, OptionsTaxDepts:
		return "agent_point"
	}
	return ""
}

// NotOffered is the rule a choice outside its list broke.
func (fl Field) NotOffered() string {
	switch fl.Options {
	case OptionsCities:
		return "不属于所选省份，请从列表中选择"
	case OptionsMarketDepts, OptionsTaxDepts:
		return "不在所选制卡代理点的可选列表中，请从列表中选择"
	}
	return "请从列表中选择"
}

// FieldErrors maps a field key to the message of the rule it broke.
type FieldErrors map[string]string

// Add records msg for key unless the key already has a message.
func (e FieldErrors) Add(key, msg string) {
	if _, ok := e[key]; !ok {
		e[key] = msg
	}
}

// Form is an ordered list of fields.
type Form []Field

// Field returns the field with the given key.
func (f Form) Field(key string) (Field, bool) {
	for _, fl := range f {
		if fl.Key == key {
			return fl, true
		}
	}
	return Field{}, false
}

// Label is the label of the field with the given key, or the key itself.
func (f Form) Label(key string) string {
	if fl, ok := f.Field(key); ok {
		return fl.Label
	}
	return key
}

// Normalize trims every value and upper-cases code fields, in place.
func (f Form) Normalize(values map[string]string) {
	for _, fl := range f {
		v, ok := values[fl.Key]
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if fl.Upper {
			v = strings.ToUpper(v)
		}
		values[fl.Key] = v
	}
}

// CheckField checks one value against its field's rules in the given mode
// and returns the message to show at the field's right, or "": the rule of
// any text (CheckText; a textarea may hold line breaks), then its length
// and its own format.
func (fl Field) CheckField(v string, mode Mode) string {
	if v == "" {
		if fl.Kind == Required && mode == Declare {
			return fl.Label + "：必填，不能为空"
		}
		return ""
	}
	if err := CheckText(v, fl.Input == "textarea"); err != nil {
		return fl.Label + "：" + err.Error()
	}
	if fl.MaxLen > 0 && utf8.RuneCountInString(v) > fl.MaxLen {
		return fmt.Sprintf("%s：最多%d个字符，现为%d个", fl.Label, fl.MaxLen, utf8.RuneCountInString(v))
	}
	if fl.Check != nil {
		if err := fl.Check(v); err != nil {
			return fl.Label + "：" + err.Error()
		}
	}
	return ""
}

// Validate checks every non-system field of values in the given mode.
// System fields are set by the server and not checked here.
func (f Form) Validate(values map[string]string, mode Mode) FieldErrors {
	errs := FieldErrors{}
	for _, fl := range f {
		if fl.Kind == System {
			continue
		}
		if msg := fl.CheckField(values[fl.Key], mode); msg != "" {
			errs[fl.Key] = msg
		}
	}
	return errs
}

// Values returns the string fields of a struct pointer or value, keyed by
// their json tag names, so a typed record and a form can share one rule set.
func Values(rec any) map[string]string {
	out := map[string]string{}
	v := reflect.Indirect(reflect.ValueOf(rec))
	walkStringFields(v, func(key string, f reflect.Value) { out[key] = f.String() })
	return out
}

// SetValues sets the string fields of a struct pointer from values, by json
// tag name; keys that are not fields are ignored.
func SetValues(rec any, values map[string]string) {
	v := reflect.ValueOf(rec).Elem()
	walkStringFields(v, func(key string, f reflect.Value) {
		if s, ok := values[key]; ok {
			f.SetString(s)
		}
	})
}

func walkStringFields(v reflect.Value, fn func(string, reflect.Value)) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		fv := v.Field(i)
		if sf.Anonymous && fv.Kind() == reflect.Struct {
			walkStringFields(fv, fn)
			continue
		}
		if fv.Kind() != reflect.String || !sf.IsExported() {
			continue
		}
		key, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if key == "" || key == "-" {
			continue
		}
		fn(key, fv)
	}
}

// ---- small format rules shared by the forms ----

func errorf(format string, a ...any) error { return fmt.Errorf(format, a...) }

var (
	mobileRe   = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	phoneRe    = regexp.MustCompile(`^(\+?[0-9]{1,4}[- ]?)?(\(?0[0-9]{2,3}\)?[- ]?)?[0-9]{7,8}([- ][0-9]{1,6})?$|^1[3-9][0-9]{9}$|^[48]00[- ]?[0-9]{3}[- ]?[0-9]{4}$`)
	postcodeRe = regexp.MustCompile(`^[0-9]{6}$`)
	userRe     = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]{3,31}$`)
	capitalRe  = regexp.MustCompile(`^[0-9]{1,12}(\.[0-9]{1,6})?$`)
)

// CheckMobile: a mainland mobile number, 11 digits starting 13–19.
func CheckMobile(s string) error {
	if !mobileRe.MatchString(s) {
		return errorf("应为11位手机号码，以13至19开头")
	}
	return nil
}

// CheckPhone: a fixed-line number with optional area code and extension,
// a mobile number, or a 400/800 number.
func CheckPhone(s string) error {
	if !phoneRe.MatchString(s) {
		return errorf("格式不正确，例如 010-12345678、0755-1234567-801 或 13800138000")
	}
	return nil
}

// CheckEmail: one address, no display name.
func CheckEmail(s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.IndexByte(s, '@'):], ".") {
		return errorf("格式不正确，例如 name@example.com")
	}
	return nil
}

// CheckPostcode: six digits.
func CheckPostcode(s string) error {
	if !postcodeRe.MatchString(s) {
		return errorf("应为6位数字")
	}
	return nil
}

// CheckPastDate: YYYY-MM-DD, a real date, not after today.
func CheckPastDate(s string) error {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		return errorf("应为有效日期，格式 YYYY-MM-DD")
	}
	if d.After(nowFunc()) {
		return errorf("不能晚于今天")
	}
	if d.Year() < 1900 {
		return errorf("不能早于1900年")
	}
	return nil
}

// CheckCapital: an amount in 万元, up to 6 decimals.
func CheckCapital(s string) error {
	if !capitalRe.MatchString(s) {
		return errorf("应为数字（单位：万元），最多6位小数")
	}
	if f, _ := strconv.ParseFloat(s, 64); f <= 0 {
		return errorf("应大于0")
	}
	return nil
}

// CheckUsername: 4–32 characters, a letter first, then letters, digits, _ . -
func CheckUsername(s string) error {
	if !userRe.MatchString(s) {
		return errorf("应为4至32位，以字母开头，只含字母、数字、下划线、点和连字符")
	}
	return nil
}

// CheckPassword: OWASP ASVS length rules (at least 8, at most 128
// characters); no composition rules, but not all one character.
func CheckPassword(s string) error {
	n := utf8.RuneCountInString(s)
	if n < 8 {
		return errorf("至少8个字符")
	}
	if n > 128 {
		return errorf("最多128个字符")
	}
	if strings.Count(s, s[:1]) == len(s) {
		return errorf("不能全部是同一个字符")
	}
	return nil
}
