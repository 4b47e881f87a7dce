package cardauth_test

// Tests of the canonical form of records (app/model/canonical.go). They
// live here because app/model is another team's package; they use only
// app/model, so they also run as WASM:
//
//	GOOS=js GOARCH=wasm go test -exec "$(go env GOROOT)/lib/wasm/go_js_wasm_exec" -run Canonical ./backend/cardauth

import (
	"bytes"
	"encoding/hex"
	"maps"
	"math"
	"math/rand/v2"
	"testing"

	"eportid/app/model"
)

// The golden vector: what the page and the server must both produce.
var (
	goldenFields = map[string]string{
		"name_cn":     "上海示例进出口有限公司",
		"credit_code": "91310115MA1K4ABCD5",
		"fax":         "",
		"note":        "a=1\nb:2",
	}
	goldenCanonical = "eportid-record/v1\n" +
		"kind 12:legal_person\n" +
		"id 1024\n" +
		"version 2\n" +
		"fields 4\n" +
		"11:credit_code=18:91310115MA1K4ABCD5\n" +
		"3:fax=0:\n" +
		"7:name_cn=33:上海示例进出口有限公司\n" +
		"4:note=7:a=1\nb:2\n"
	goldenDigestHex = "aef399b6f2be25a5a7d1921e959d540a9f1af5f658265100425aaf286642f69c" // also OpenSSL: python3 hashlib.new("sm3", ...)
)

func TestCanonicalGolden(t *testing.T) {
	got := model.CanonicalRecord("legal_person", 1024, 2, goldenFields)
	if string(got) != goldenCanonical {
		t.Fatalf("canonical form\n got %q\nwant %q", got, goldenCanonical)
	}
	d := model.SignedDigest(got)
	if hex.EncodeToString(d[:]) != goldenDigestHex {
		t.Fatalf("digest %x, want %s", d, goldenDigestHex)
	}
	// SM3 itself, against GB/T 32905-2016 example 1.
	abc := model.SignedDigest([]byte("abc"))
	if hex.EncodeToString(abc[:]) != "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0" {
		t.Fatalf("SM3(abc) = %x", abc)
	}
}

func TestCanonicalOrderIndependent(t *testing.T) {
	keys := []string{"z", "a", "名称", "A", "a ", "ab", "b", "", "0"}
	want := model.CanonicalRecord("k", 1, 1, buildMap(keys))
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		r.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		if got := model.CanonicalRecord("k", 1, 1, buildMap(keys)); !bytes.Equal(got, want) {
			t.Fatalf("order %q gives\n%q\nwant\n%q", keys, got, want)
		}
	}
}

func buildMap(keys []string) map[string]string {
	m := make(map[string]string, len(keys))
	for _, k := range keys {
		m[k] = "v:" + k
	}
	return m
}

// Records that a naive encoding (concatenation, key=value lines, ...) would
// confuse.
func TestCanonicalNearMissesDiffer(t *testing.T) {
	type rec struct {
		kind    string
		id      int64
		version int
		fields  map[string]string
	}
	recs := []rec{
		{"k", 1, 1, nil},
		{"k", 1, 1, map[string]string{"a": ""}},
		{"k", 1, 1, map[string]string{"a": "", "b": ""}},
		{"k", 1, 1, map[string]string{"a": "b"}},
		{"k", 1, 1, map[string]string{"ab": ""}},
		{"k", 1, 1, map[string]string{"a=": ""}},
		{"k", 1, 1, map[string]string{"a": "=b"}},
		{"k", 1, 1, map[string]string{"a": "1", "b": "2"}},
		{"k", 1, 1, map[string]string{"a": "1\n1:b=1:2"}},
		{"k", 1, 1, map[string]string{"a": "1\n"}},
		{"k", 1, 1, map[string]string{"": "a"}},
		{"k", 1, 11, nil},
		{"k", 11, 1, nil},
		{"k", -1, 1, nil},
		{"k", 1, -1, nil},
		{"k\nid 1", 1, 1, nil},
		{"", 1, 1, nil},
		{"k ", 1, 1, nil},
		{"k", math.MaxInt64, math.MaxInt32, nil},
		{"k", math.MinInt64, math.MinInt32, nil},
	}
	seen := map[string]int{}
	for i, r := range recs {
		b := model.CanonicalRecord(r.kind, r.id, r.version, r.fields)
		if j, dup := seen[string(b)]; dup {
			t.Errorf("records %d and %d both encode as %q", j, i, b)
		}
		seen[string(b)] = i
		kind, id, version, fields, err := model.ParseCanonicalRecord(b)
		if err != nil || kind != r.kind || id != r.id || version != r.version || !maps.Equal(fields, r.fields) {
			t.Errorf("record %d: round trip gave %q %d %d %v %v", i, kind, id, version, fields, err)
		}
	}
}

func TestParseCanonicalRejects(t *testing.T) {
	good := string(model.CanonicalRecord("legal_person", 1024, 2, goldenFields))
	bad := []string{
		"",
		good + "x",
		good[:len(good)-1],
		"eportid-record/v2" + good[len("eportid-record/v1"):],
		"eportid-record/v1\nkind 1:k\nid 01\nversion 1\nfields 0\n",
		"eportid-record/v1\nkind 1:k\nid +1\nversion 1\nfields 0\n",
		"eportid-record/v1\nkind 1:k\nid -0\nversion 1\nfields 0\n",
		"eportid-record/v1\nkind 1:k\nid 1\nversion 1\nfields 2\n1:b=0:\n1:a=0:\n", // not sorted
		"eportid-record/v1\nkind 1:k\nid 1\nversion 1\nfields 2\n1:a=0:\n1:a=0:\n", // duplicate key
		"eportid-record/v1\nkind 1:k\nid 1\nversion 1\nfields 1\n",                 // count too high
		"eportid-record/v1\nkind 9:k\nid 1\nversion 1\nfields 0\n",
		"eportid-record/v1\nkind 1:k\nid 99999999999999999999\nversion 1\nfields 0\n",
	}
	for _, b := range bad {
		if _, _, _, _, err := model.ParseCanonicalRecord([]byte(b)); err == nil {
			t.Errorf("accepted %q", b)
		}
	}
}

// recordFromBytes turns fuzz input into a record: parts split at 0x00,
// the first the kind, then key, value, key, value, ...
func recordFromBytes(b []byte) (string, map[string]string) {
	parts := bytes.Split(b, []byte{0})
	fields := map[string]string{}
	for i := 1; i < len(parts); i += 2 {
		v := ""
		if i+1 < len(parts) {
			v = string(parts[i+1])
		}
		fields[string(parts[i])] = v
	}
	return string(parts[0]), fields
}

// FuzzCanonicalRecord: two different records never encode alike, and the
// encoding reads back to the record.
func FuzzCanonicalRecord(f *testing.F) {
	f.Add([]byte("k\x00a\x00\x00b\x00"), []byte("k\x00a\x00\x00b"), int64(1), int64(1), 1, 1)
	f.Add([]byte("k\x00a\x001\n1:b=1:2"), []byte("k\x00a\x001\x00b\x002"), int64(1), int64(1), 1, 1)
	f.Add([]byte("k\x00ab\x00"), []byte("k\x00a\x00b"), int64(7), int64(7), 0, 0)
	f.Add([]byte("k"), []byte("k"), int64(1), int64(11), 1, 1)
	f.Add([]byte("上海\x00名称\x00值"), []byte("上海\x00名称\x00值 "), int64(-3), int64(-3), -1, -1)
	f.Fuzz(func(t *testing.T, a, b []byte, id1, id2 int64, v1, v2 int) {
		k1, f1 := recordFromBytes(a)
		k2, f2 := recordFromBytes(b)
		e1 := model.CanonicalRecord(k1, id1, v1, f1)
		e2 := model.CanonicalRecord(k2, id2, v2, f2)
		same := k1 == k2 && id1 == id2 && v1 == v2 && maps.Equal(f1, f2)
		if same != bytes.Equal(e1, e2) {
			t.Fatalf("records equal=%v but encodings equal=%v:\n%q\n%q", same, !same, e1, e2)
		}
		kind, id, version, fields, err := model.ParseCanonicalRecord(e1)
		if err != nil || kind != k1 || id != id1 || version != v1 || !maps.Equal(fields, f1) {
			t.Fatalf("round trip of %q: %v", e1, err)
		}
	})
}

// FuzzParseCanonicalRecord: the parser never panics, and what it accepts
// is exactly what CanonicalRecord produces.
func FuzzParseCanonicalRecord(f *testing.F) {
	f.Add([]byte(goldenCanonical))
	f.Add(model.CanonicalRecord("", 0, 0, nil))
	f.Add([]byte("eportid-record/v1\nkind 1:k\nid 1\nversion 1\nfields 2\n1:b=0:\n1:a=0:\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		kind, id, version, fields, err := model.ParseCanonicalRecord(b)
		if err != nil {
			return
		}
		if again := model.CanonicalRecord(kind, id, version, fields); !bytes.Equal(again, b) {
			t.Fatalf("parsed %q but it re-encodes as %q", b, again)
		}
	})
}
