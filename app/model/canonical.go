package model

import (
	"errors"
	"slices"
	"strconv"

	"github.com/emmansun/gmsm/sm3"
)

// This file defines what a card holder signs when declaring or changing a
// record (SPEC X3). The page (this package compiled to WASM) and the server
// build the same bytes with the same code, so a signature made in the
// browser verifies on the server.
//
// # Canonical form, version 1
//
// CanonicalRecord(kind, id, version, fields) is, byte for byte:
//
//	"eportid-record/v1\n"
//	"kind " len(kind) ":" kind "\n"
//	"id " decimal(id) "\n"
//	"version " decimal(version) "\n"
//	"fields " decimal(len(fields)) "\n"
//	then for each field, in ascending byte order of its key:
//	    len(key) ":" key "=" len(value) ":" value "\n"
//
// decimal(n) is strconv's base-10 form (a leading "-" when negative, no
// leading zeros, no "+"); len(x) is decimal(number of bytes of x). Strings
// go in as their bytes, unchanged: no escaping, no trimming, no Unicode
// normalization (the bytes the user typed, as JSON carries them). Empty
// values are included (a field that is "" differs from a missing field).
// Because every string is preceded by its byte length, a key or value may
// contain ":", "=", "\n" or anything else without ambiguity:
// ParseCanonicalRecord reads the form back, so no two different records
// encode alike.
//
// Example: CanonicalRecord("legal_person", 7, 3, {"name": "上海", "note": ""}) is
//
//	eportid-record/v1
//	kind 12:legal_person
//	id 7
//	version 3
//	fields 2
//	4:name=6:上海
//	4:note=0:
//
// (each line ends with "\n", including the last).
//
// kind names what is signed, e.g. "legal_person" or "legal_person_change";
// id and version are the record's, so a signature covers one state of one
// record and cannot be replayed onto another.
//
// # What the card signs
//
// The card signs SignedDigest(canonical) = SM3(canonical), 32 bytes,
// through the bridge's sign command (which prefixes it with
// "EPORTID-SIGN-V1\x00", see cardbridge/protocol.SignedMessage). Signing the
// digest rather than the record keeps the bridge message small whatever the
// record's size. The server checks it with
// backend/cardauth.VerifyRecordSignature.

// CanonicalHeader is the first line of the canonical form (without "\n").
const CanonicalHeader = "eportid-record/v1"

// CanonicalRecord encodes a record in canonical form (see above).
func CanonicalRecord(kind string, id int64, version int, fields map[string]string) []byte {
	keys := make([]string, 0, len(fields))
	size := len(CanonicalHeader) + len(kind) + 64
	for k, v := range fields {
		keys = append(keys, k)
		size += len(k) + len(v) + 24
	}
	slices.Sort(keys)

	b := make([]byte, 0, size)
	b = append(b, CanonicalHeader...)
	b = append(b, "\nkind "...)
	b = appendLenString(b, kind)
	b = append(b, "\nid "...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, "\nversion "...)
	b = strconv.AppendInt(b, int64(version), 10)
	b = append(b, "\nfields "...)
	b = strconv.AppendInt(b, int64(len(keys)), 10)
	b = append(b, '\n')
	for _, k := range keys {
		b = appendLenString(b, k)
		b = append(b, '=')
		b = appendLenString(b, fields[k])
		b = append(b, '\n')
	}
	return b
}

func appendLenString(b []byte, s string) []byte {
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, ':')
	return append(b, s...)
}

// SignedDigest is the 32 bytes a card signs for a record: SM3 (GB/T
// 32905) of its canonical form.
func SignedDigest(canonical []byte) [32]byte {
	return sm3.Sum(canonical)
}

// ErrNotCanonical is returned by ParseCanonicalRecord for bytes that
// CanonicalRecord cannot have produced.
var ErrNotCanonical = errors.New("model: not a canonical record")

// ParseCanonicalRecord is the inverse of CanonicalRecord. It accepts only
// bytes CanonicalRecord produces (keys strictly ascending, decimals in
// strconv's form, nothing trailing), so CanonicalRecord(ParseCanonicalRecord(b)) == b.
func ParseCanonicalRecord(b []byte) (kind string, id int64, version int, fields map[string]string, err error) {
	p := canonParser{b: b}
	p.literal(CanonicalHeader + "\nkind ")
	kind = p.lenString()
	p.literal("\nid ")
	id = p.decimal('\n', 64)
	p.literal("version ")
	version = int(p.decimal('\n', strconv.IntSize))
	p.literal("fields ")
	n := p.decimal('\n', 64)
	if p.err == nil && (n < 0 || n > int64(len(p.b))) {
		p.err = ErrNotCanonical
	}
	if p.err != nil {
		return "", 0, 0, nil, p.err
	}
	fields = make(map[string]string, n)
	prev := ""
	for i := int64(0); i < n && p.err == nil; i++ {
		k := p.lenString()
		p.literal("=")
		v := p.lenString()
		p.literal("\n")
		if i > 0 && k <= prev {
			p.err = ErrNotCanonical
		}
		fields[k], prev = v, k
	}
	if p.err == nil && len(p.b) != 0 {
		p.err = ErrNotCanonical
	}
	if p.err != nil {
		return "", 0, 0, nil, p.err
	}
	return kind, id, version, fields, nil
}

type canonParser struct {
	b   []byte
	err error
}

func (p *canonParser) literal(s string) {
	if p.err != nil {
		return
	}
	if len(p.b) < len(s) || string(p.b[:len(s)]) != s {
		p.err = ErrNotCanonical
		return
	}
	p.b = p.b[len(s):]
}

// decimal reads a number in strconv's form up to end, and consumes end.
func (p *canonParser) decimal(end byte, bits int) int64 {
	if p.err != nil {
		return 0
	}
	i := 0
	for i < len(p.b) && p.b[i] != end && i <= 21 {
		i++
	}
	if i == len(p.b) || p.b[i] != end {
		p.err = ErrNotCanonical
		return 0
	}
	s := string(p.b[:i])
	n, err := strconv.ParseInt(s, 10, bits)
	if err != nil || strconv.FormatInt(n, 10) != s {
		p.err = ErrNotCanonical
		return 0
	}
	p.b = p.b[i+1:]
	return n
}

func (p *canonParser) lenString() string {
	n := p.decimal(':', 64)
	if p.err != nil {
		return ""
	}
	if n < 0 || n > int64(len(p.b)) {
		p.err = ErrNotCanonical
		return ""
	}
	s := string(p.b[:n])
	p.b = p.b[n:]
	return s
}
