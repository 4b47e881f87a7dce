package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"unicode/utf8"

	"eportid/app/model"
)

// decodeTargets are bodies decode reads, of every shape: flat, nested,
// with a slice, a pointer and a map.
var decodeTargets = []func() any{
	func() any { return new(model.LoginRequest) },
	func() any { return new(model.RegistrationRequest) },
	func() any { return new(model.ReviewDecision) },
	func() any { return new(model.CardAuthorisationRequest) },
	func() any { return new(map[string]json.RawMessage) },
}

// FuzzDecode: whatever the body, decode answers an accepted value or a
// 422 (never a panic, never another error); what it accepts is valid
// UTF-8, decodes as strictly with encoding/json (unknown fields
// disallowed), and holds only strings that obey model.CheckText.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"username":"admin1","password":"correct horse"}`,
		`{"enterprise":{"name_cn":"福州","credit_code":"x"},"admin":{"username":"u"}}`,
		`{"version":3,"reason":"缺少材料\n1."}`,
		`{"version":1,"kinds":["commerce","customs"],"card_signature":{"signature":"AA=="}}`,
		`{"version":1,"kinds":null,"card_signature":null}`,
		`null`, `[]`, `{}`, `{"a":1,"a":2}`, `{"USERNAME":"x"}`, `{"version":"1"}`, `{"version":1e400}`,
		"{\"username\":\"a\x00\"}", "{\"username\":\"\xff\"}", `{"username":"\ud800"}`, `{"reason":"\u202e"}`,
		`{"version":1}{}`, `{"version":-9223372036854775809}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, target := range decodeTargets {
			v := target()
			err := decodeBody(body, v)
			if err != nil {
				var e *Error
				if !errors.As(err, &e) || e.Code != model.ErrInvalid || e.Message == "" {
					t.Fatalf("%T: %q: not a 422: %v", v, body, err)
				}
				continue
			}
			if !utf8.Valid(body) {
				t.Fatalf("%T: accepted invalid UTF-8 %q", v, body)
			}
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.DisallowUnknownFields()
			if err := dec.Decode(target()); err != nil {
				t.Fatalf("%T: accepted %q, which encoding/json refuses: %v", v, body, err)
			}
			eachString(reflect.ValueOf(v), func(s string) {
				if err := model.CheckText(s, true); err != nil {
					t.Fatalf("%T: accepted %q holding %q: %v", v, body, s, err)
				}
			})
		}
	})
}

// eachString calls fn with every string in v (struct fields, elements,
// map keys and values; the text of raw JSON).
func eachString(v reflect.Value, fn func(string)) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			eachString(v.Elem(), fn)
		}
	case reflect.String:
		fn(v.String())
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				eachString(v.Field(i), fn)
			}
		}
	case reflect.Slice, reflect.Array:
		if raw, ok := v.Interface().(json.RawMessage); ok {
			var x any
			if json.Unmarshal(raw, &x) == nil {
				eachString(reflect.ValueOf(&x), fn)
			}
			return
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return
		}
		for i := 0; i < v.Len(); i++ {
			eachString(v.Index(i), fn)
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			eachString(it.Key(), fn)
			eachString(it.Value(), fn)
		}
	}
}

// FuzzValidTokens: a body json.Valid accepts is checked on validTokens
// exactly as on json.Decoder's Token: the same answer, word for word, and
// the same members handed over (key, token, bytes), for every target.
func FuzzValidTokens(f *testing.F) {
	for _, s := range []string{
		`{"version":3,"name_cn":"福州\u0041\"x\\","card_signature":{"signature":"AA==","n":[1,2.5e3,-0,true,false,null]}}`,
		` { "a" : [ { } , [ ] ] , "b":"\ud83d\ude00" } `, `{"version":1e400}`, `{"a":1,"a":2}`, "{\"x\":\"\xff\"}",
		`{"version":-1}`, `{"version":"1"}`, `{"u":"\u0000"}`, `{"k\u0000":1}`, `[1]`, `"s"`, `{}`,
	} {
		f.Add([]byte(s))
	}
	targets := append([]func() any{func() any { return new(model.SaveRequest) }}, decodeTargets...)
	f.Fuzz(func(t *testing.T, body []byte) {
		if !json.Valid(body) {
			return
		}
		for _, target := range targets {
			typ := reflect.TypeOf(target()).Elem()
			var got, want []string
			record := func(to *[]string) func(string, json.Token, []byte) {
				return func(key string, tok json.Token, raw []byte) {
					*to = append(*to, fmt.Sprintf("%q %T %#v %q", key, tok, tok, raw))
				}
			}
			gerr := checkTokens(body, &validTokens{b: body}, typ, record(&got))
			werr := checkTokens(body, decoderOf(body), typ, record(&want))
			if fmt.Sprint(gerr) != fmt.Sprint(werr) || !reflect.DeepEqual(fields(gerr), fields(werr)) {
				t.Fatalf("%v: %q: validTokens say %v, json.Decoder %v", typ, body, gerr, werr)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%v: %q: members\n%q\nwant\n%q", typ, body, got, want)
			}
		}
	})
}

func fields(err error) model.FieldErrors {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
