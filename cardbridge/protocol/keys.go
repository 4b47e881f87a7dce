package protocol

import (
	"errors"
	"fmt"
	"strings"
)

// checkKeys checks the member names of the JSON object b (valid JSON, as
// json.Valid says) against allowed: every name must be one of them exactly,
// byte for byte (no other letter case, no escapes), and none may appear
// twice. encoding/json alone would match names case-insensitively and let
// the last of two duplicates win. It walks the raw bytes and copies no
// value, so a PIN is never copied out of the caller's (wiped) buffer. The
// error never quotes a name: a mistyped one may be a PIN.
func checkKeys(b []byte, what string, allowed ...string) error {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return fmt.Errorf("%s must be a JSON object", what)
	}
	i++
	seen := make([]bool, len(allowed))
	for {
		i = skipSpace(b, i)
		if i < len(b) && b[i] == '}' {
			return nil
		}
		if i >= len(b) || b[i] != '"' {
			return errMalformed
		}
		end := stringEnd(b, i)
		if end < 0 {
			return errMalformed
		}
		name := b[i+1 : end-1]
		k := -1
		for j, a := range allowed {
			if string(name) == a {
				k = j
				break
			}
		}
		if k < 0 {
			return unknownField(what, allowed)
		}
		if seen[k] {
			return fmt.Errorf("%s: field %q given twice", what, allowed[k])
		}
		seen[k] = true
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return errMalformed
		}
		if i = skipValue(b, skipSpace(b, i+1)); i < 0 {
			return errMalformed
		}
		i = skipSpace(b, i)
		switch {
		case i < len(b) && b[i] == ',':
			i++
		case i < len(b) && b[i] == '}':
			return nil
		default:
			return errMalformed
		}
	}
}

var errMalformed = errors.New("malformed JSON")

func unknownField(what string, allowed []string) error {
	if len(allowed) == 0 {
		return fmt.Errorf("%s: unknown field (none is allowed)", what)
	}
	return fmt.Errorf("%s: unknown field (allowed, exactly in this case: %s)", what, strings.Join(allowed, ", "))
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index just past the JSON string starting at b[i]
// (a '"'), or -1.
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// skipValue returns the index just past the JSON value starting at b[i],
// or -1. Nesting is tracked by depth, without recursion.
func skipValue(b []byte, i int) int {
	depth := 0
	for i < len(b) {
		switch c := b[i]; {
		case c == '"':
			if i = stringEnd(b, i); i < 0 {
				return -1
			}
		case c == '{' || c == '[':
			depth++
			i++
		case c == '}' || c == ']':
			if depth == 0 {
				return -1
			}
			depth--
			i++
		case c == ',' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if depth == 0 {
				return -1
			}
			i++
		default: // number, true, false, null
			for i < len(b) && !strings.ContainsRune(",:]}\" \t\n\r", rune(b[i])) {
				i++
			}
		}
		if depth == 0 {
			return i
		}
	}
	return -1
}
