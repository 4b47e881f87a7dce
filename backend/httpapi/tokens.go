package httpapi

import (
	"encoding/json"
	"io"
)

// tokenizer is what bodyChecker reads a body's tokens from, as
// json.Decoder's Token (with UseNumber), More and InputOffset say.
type tokenizer interface {
	Token() (json.Token, error)
	More() bool
	InputOffset() int64
}

// validTokens are the tokens of a body that json.Valid accepted: one JSON
// value and nothing after it but white space. The body's syntax being
// known good, they are only split and a string unquoted, where
// json.Decoder's Token builds a decoder state, and an error it then
// drops, for every number and literal (it was most of what checking a
// filing's body cost). A body json.Valid refuses is read by json.Decoder,
// whose errors say what is wrong.
type validTokens struct {
	b   []byte
	off int
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// skip passes white space and, with sep, the ',' and ':' between tokens.
func (v *validTokens) skip(sep bool) {
	for v.off < len(v.b) {
		c := v.b[v.off]
		if !isSpace(c) && !(sep && (c == ',' || c == ':')) {
			return
		}
		v.off++
	}
}

func (v *validTokens) InputOffset() int64 { return int64(v.off) }

// More reports whether the current array or object has another element.
func (v *validTokens) More() bool {
	i := v.off
	for i < len(v.b) && isSpace(v.b[i]) {
		i++
	}
	return i < len(v.b) && v.b[i] != ']' && v.b[i] != '}'
}

func (v *validTokens) Token() (json.Token, error) {
	v.skip(true)
	if v.off >= len(v.b) {
		return nil, io.EOF
	}
	start := v.off
	switch c := v.b[start]; c {
	case '{', '}', '[', ']':
		v.off++
		return json.Delim(c), nil
	case '"':
		escaped := false
		i := start + 1
		for ; v.b[i] != '"'; i++ {
			if v.b[i] == '\\' {
				escaped = true
				i++
			}
		}
		v.off = i + 1
		if !escaped {
			return string(v.b[start+1 : i]), nil
		}
		var s string
		err := json.Unmarshal(v.b[start:v.off], &s)
		return s, err
	case 't':
		v.off += len("true")
		return true, nil
	case 'f':
		v.off += len("false")
		return false, nil
	case 'n':
		v.off += len("null")
		return nil, nil
	}
	i := start
	for i < len(v.b) && !isSpace(v.b[i]) && v.b[i] != ',' && v.b[i] != '}' && v.b[i] != ']' {
		i++
	}
	v.off = i
	return json.Number(v.b[start:i]), nil
}
