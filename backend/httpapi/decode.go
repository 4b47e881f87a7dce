package httpapi

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"eportid/app/model"
)

// Request bodies are read strictly, so that a caller learns what is wrong
// with what it sent: a body over maxBody is a 413; a body that is not one
// JSON object (empty, null, an array, trailing data) is refused; every key
// must be one of the target's (exactly as spelt, once); every value must
// be of its field's type (null only where the field may be absent); and
// every string obeys model.CheckText, so no NUL, control or bidirectional
// formatting character, and no byte that is not UTF-8, gets past the edge.
// Each refusal is a 422 naming the field (its JSON path) and the rule.

// decode reads a JSON body into v, a pointer to a struct.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	return decodeBody(body, v)
}

// decodeBody is decode of a body already read.
func decodeBody(body []byte, v any) error {
	if err := checkBody(body, reflect.TypeOf(v).Elem()); err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return bodyInvalid(te.Field, "应为"+typeName(te.Type))
		}
		return &Error{Code: model.ErrInvalid, Message: "请求内容不是有效的 JSON", Err: err}
	}
	return nil
}

// readBody reads a request body of at most maxBody bytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	var (
		body []byte
		err  error
	)
	if n := r.ContentLength; n > 0 && n <= maxBody {
		// The length is known (the server reads no more than it): one
		// buffer of that size, where ReadAll grows one step by step.
		body = make([]byte, n)
		_, err = io.ReadFull(r.Body, body)
	} else {
		body, err = io.ReadAll(r.Body)
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &Error{Code: model.ErrTooLarge, Message: fmt.Sprintf("请求内容过大（最多%d KB）", maxBody>>10), Err: err}
		}
		return nil, &Error{Code: model.ErrInvalid, Message: "请求内容读取失败", Err: err}
	}
	return body, nil
}

// bodyInvalid is the 422 of the value at path breaking rule.
func bodyInvalid(path, rule string) *Error { return bodyInvalidAs(path, path+"："+rule) }

// bodyInvalidAs is the 422 of the value at path, said by msg.
func bodyInvalidAs(path, msg string) *Error {
	return &Error{Code: model.ErrInvalid, Message: "请求内容有误：" + msg, Fields: model.FieldErrors{path: msg}}
}

// checkBody checks body against type t (a struct or a map) as the package
// comment says.
func checkBody(body []byte, t reflect.Type) error {
	return checkBodyMembers(body, t, nil)
}

// checkBodyMembers is checkBody that also hands each member of the body's
// object, once checked, to member: its key, its first token (the decoded
// string of a string, a json.Number of a number, nil of null, a json.Delim
// of an object or array) and its bytes. A caller that reads the members
// itself needs no second pass over the body.
func checkBodyMembers(body []byte, t reflect.Type, member func(key string, tok json.Token, raw []byte)) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		what := "请求内容应为一个 JSON 对象"
		if bytes.Equal(trimmed, []byte("null")) {
			what += "，不能为 null"
		}
		return &Error{Code: model.ErrInvalid, Message: what}
	}
	var tokens tokenizer = &validTokens{b: body}
	if !json.Valid(body) {
		tokens = decoderOf(body)
	}
	return checkTokens(body, tokens, t, member)
}

// decoderOf is json.Decoder's tokenizer of body.
func decoderOf(body []byte) tokenizer {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	return dec
}

// checkTokens is checkBodyMembers reading body's tokens from tokens.
func checkTokens(body []byte, tokens tokenizer, t reflect.Type, member func(key string, tok json.Token, raw []byte)) error {
	c := bodyChecker{dec: tokens, body: body, member: member}
	if err := c.value(t, ""); err != nil {
		return err
	}
	if _, err := c.dec.Token(); err != io.EOF {
		return &Error{Code: model.ErrInvalid, Message: "请求内容不是有效的 JSON：对象之后还有内容"}
	}
	return nil
}

type bodyChecker struct {
	dec    tokenizer
	body   []byte
	last   int64
	member func(key string, tok json.Token, raw []byte) // of the top-level object
}

// token is the next token and the bytes it was read from.
func (c *bodyChecker) token() (json.Token, []byte, error) {
	tok, err := c.dec.Token()
	if err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) || err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, nil, &Error{Code: model.ErrInvalid, Message: "请求内容不是有效的 JSON", Err: err}
		}
		return nil, nil, &Error{Code: model.ErrInvalid, Message: "请求内容不是有效的 JSON：" + err.Error(), Err: err}
	}
	off := c.dec.InputOffset()
	raw := c.body[c.last:off]
	c.last = off
	return tok, raw, nil
}

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// value checks the next value against t; a nil t takes any value (a field
// that decodes itself), its strings still checked.
func (c *bodyChecker) value(t reflect.Type, path string) error {
	tok, raw, err := c.token()
	if err != nil {
		return err
	}
	return c.valueFrom(tok, raw, t, path)
}

func (c *bodyChecker) valueFrom(tok json.Token, raw []byte, t reflect.Type, path string) error {
	nullable := false
	for t != nil && t.Kind() == reflect.Pointer {
		nullable = true
		t = t.Elem()
	}
	if t != nil && (reflect.PointerTo(t).Implements(unmarshalerType) || t.Kind() == reflect.Interface) {
		nullable, t = true, nil
	}
	name := path
	if name == "" {
		name = "请求内容"
	}
	switch tok := tok.(type) {
	case nil:
		if nullable || t == nil || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			return nil
		}
		return bodyInvalid(name, "不能为 null，应为"+typeName(t))
	case string:
		if !utf8.Valid(raw) {
			return bodyInvalid(name, "含有无效的字符编码（应为 UTF-8）")
		}
		if err := model.CheckText(tok, true); err != nil {
			return bodyInvalid(name, err.Error())
		}
		if t == nil || t.Kind() == reflect.String || reflect.PointerTo(t).Implements(textUnmarshalerType) ||
			t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return nil
		}
	case json.Number:
		switch {
		case t == nil:
			return nil
		case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
			if _, err := strconv.ParseInt(string(tok), 10, t.Bits()); err != nil {
				return bodyInvalid(name, "应为"+typeName(t))
			}
			return nil
		case t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uint64:
			if _, err := strconv.ParseUint(string(tok), 10, t.Bits()); err != nil {
				return bodyInvalid(name, "应为"+typeName(t))
			}
			return nil
		case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
			return nil
		}
	case bool:
		if t == nil || t.Kind() == reflect.Bool {
			return nil
		}
	case json.Delim:
		switch {
		case tok == '{' && (t == nil || t.Kind() == reflect.Map):
			return c.object(path, nil, t)
		case tok == '{' && t.Kind() == reflect.Struct:
			return c.object(path, fieldsOf(t), nil)
		case tok == '[' && (t == nil || (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) && t.Elem().Kind() != reflect.Uint8):
			var elem reflect.Type
			if t != nil {
				elem = t.Elem()
			}
			for i := 0; c.dec.More(); i++ {
				if err := c.value(elem, fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
			_, _, err := c.token()
			return err
		}
	}
	return bodyInvalid(name, "应为"+typeName(t))
}

// object checks the members of an object: of a struct with fields, else
// of a map of elem (nil elem: of anything).
func (c *bodyChecker) object(path string, fields map[string]reflect.Type, m reflect.Type) error {
	seen := map[string]bool{}
	for c.dec.More() {
		tok, raw, err := c.token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		at := key
		if path != "" {
			at = path + "." + key
		}
		if !utf8.Valid(raw) || model.CheckText(key, false) != nil {
			return &Error{Code: model.ErrInvalid, Message: "请求内容有误：字段名含有无效的字符"}
		}
		if seen[key] {
			return bodyInvalid(at, "字段重复")
		}
		seen[key] = true
		var t reflect.Type
		if fields != nil {
			ft, ok := fields[key]
			if !ok {
				return bodyInvalid(at, "不是可接受的字段")
			}
			t = ft
		} else if m != nil {
			t = m.Elem()
		}
		vtok, vraw, err := c.token()
		if err != nil {
			return err
		}
		start := c.last - int64(len(vraw))
		if err := c.valueFrom(vtok, vraw, t, at); err != nil {
			return err
		}
		if path == "" && c.member != nil {
			c.member(key, vtok, bytes.TrimLeft(c.body[start:c.last], " \t\r\n:"))
		}
	}
	_, _, err := c.token()
	return err
}

var fieldCache sync.Map // reflect.Type → map[string]reflect.Type

// fieldsOf is the JSON keys of struct t (exact names, embedded structs'
// promoted) and their types.
func fieldsOf(t reflect.Type) map[string]reflect.Type {
	if f, ok := fieldCache.Load(t); ok {
		return f.(map[string]reflect.Type)
	}
	out := map[string]reflect.Type{}
	addFields(t, out)
	fieldCache.Store(t, out)
	return out
}

func addFields(t reflect.Type, out map[string]reflect.Type) {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if sf.Anonymous && name == "" {
			ft := sf.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				addFields(ft, out)
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		if _, ok := out[name]; !ok {
			out[name] = sf.Type
		}
	}
}

// typeName says in Chinese what a value of t is.
func typeName(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "JSON 值"
	}
	if reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return "文本"
	}
	switch t.Kind() {
	case reflect.String:
		return "文本"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "整数"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "不小于0的整数"
	case reflect.Float32, reflect.Float64:
		return "数字"
	case reflect.Bool:
		return "true 或 false"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "Base64 文本"
		}
		return "数组"
	case reflect.Struct, reflect.Map:
		return "对象"
	}
	return "JSON 值"
}
