package refdata

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"eportid/app/model"
)

// TestCustomsTableWellFormed reads the customs code table as a file: every
// code is 4 digits and unique, every name is non-empty, every row names its
// sources, each of which SOURCES.md describes, and the status fits them.
func TestCustomsTableWellFormed(t *testing.T) {
	b, err := files.ReadFile(CustomsFile)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("SOURCES.md")
	if err != nil {
		t.Fatal(err)
	}
	section := string(doc)
	i := strings.Index(section, "## `"+CustomsFile+"`")
	if i < 0 {
		t.Fatalf("SOURCES.md has no section for %s", CustomsFile)
	}
	section = section[i+1:]
	if j := strings.Index(section, "\n## "); j >= 0 {
		section = section[:j]
	}
	described := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^- \*\*([A-Z][A-Z0-9]*)\*\*`).FindAllStringSubmatch(section, -1) {
		described[m[1]] = true
	}
	if len(described) == 0 {
		t.Fatal("SOURCES.md describes no source ids for the customs table")
	}

	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if lines[0] != "Code\tName\tSources\tStatus\tNote" {
		t.Fatalf("header %q", lines[0])
	}
	seen := map[string]int{}
	used := map[string]bool{}
	for n, line := range lines[1:] {
		row := n + 2
		cols := strings.Split(line, "\t")
		if len(cols) != 5 {
			t.Errorf("line %d: %d columns, want 5: %q", row, len(cols), line)
			continue
		}
		code, name, sources, status, note := cols[0], cols[1], cols[2], cols[3], cols[4]
		if !regexp.MustCompile(`^[0-9]{4}$`).MatchString(code) {
			t.Errorf("line %d: code %q is not 4 digits", row, code)
		}
		if prev, dup := seen[code]; dup {
			t.Errorf("line %d: code %s already on line %d", row, code, prev)
		}
		seen[code] = row
		if strings.TrimSpace(name) == "" {
			t.Errorf("line %d: %s has no name", row, code)
		}
		ids := strings.Split(sources, ",")
		if sources == "" {
			t.Errorf("line %d: %s has no source", row, code)
			ids = nil
		}
		for _, id := range ids {
			used[id] = true
			if !described[id] {
				t.Errorf("line %d: %s names source %q, which SOURCES.md does not describe", row, code, id)
			}
		}
		switch {
		case status == CustomsConfirmed && len(ids) < 2,
			status == CustomsSingle && len(ids) != 1,
			(status == CustomsConflict || status == CustomsUnsourced) && note == "",
			!slices.Contains([]string{CustomsConfirmed, CustomsSingle, CustomsConflict, CustomsUnsourced}, status):
			t.Errorf("line %d: %s: status %q does not fit sources %q, note %q", row, code, status, sources, note)
		}
	}
	for id := range described {
		if !used[id] {
			t.Errorf("SOURCES.md describes source %s, which no row names", id)
		}
	}
}

// TestCustomsOptionsGrouped: the options of 主管海关/备案海关 hold the 42
// directly-subordinate customs and the subordinate offices, in code order, so
// that each office follows its directly-subordinate customs (the same first
// two digits, "00" last), which is in the table.
func TestCustomsOptionsGrouped(t *testing.T) {
	d, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	opts := d.CustomsDistricts
	if !slices.IsSortedFunc(opts, func(a, b model.Option) int { return strings.Compare(a.Code, b.Code) }) {
		t.Error("customs options are not in code order")
	}
	heads := map[string]bool{}
	for _, o := range opts {
		if strings.HasSuffix(o.Code, "00") {
			heads[o.Code[:2]] = true
		}
	}
	if len(heads) != 42 {
		t.Errorf("%d directly-subordinate customs, want 42", len(heads))
	}
	subordinate := 0
	for i, o := range opts {
		if strings.HasSuffix(o.Code, "00") {
			continue
		}
		subordinate++
		if !heads[o.Code[:2]] {
			t.Errorf("%s %s has no directly-subordinate customs %s00 in the table", o.Code, o.Name, o.Code[:2])
		}
		if i == 0 || opts[i-1].Code[:2] != o.Code[:2] {
			t.Errorf("%s %s does not follow its group %s00", o.Code, o.Name, o.Code[:2])
		}
	}
	if subordinate < 150 {
		t.Errorf("%d subordinate offices, want the ~170 sourced", subordinate)
	}
	for code, name := range map[string]string{"2201": "浦江海关", "0101": "机场单证", "5141": "广州机场", "2233": "浦东机场海关"} {
		if got := optionName(d, code); got != name {
			t.Errorf("%s = %q, want %q", code, got, name)
		}
	}
	// The statuses say which rows are unconfirmed; a confirmed row has two
	// or more sources.
	var unconfirmed []string
	for _, c := range d.CustomsTable {
		if !c.Confirmed() {
			unconfirmed = append(unconfirmed, c.Code)
		} else if len(c.Sources) < 2 {
			t.Errorf("%s confirmed by %v", c.Code, c.Sources)
		}
	}
	if len(unconfirmed) == 0 || len(unconfirmed) == len(d.CustomsTable) {
		t.Errorf("%d of %d rows unconfirmed", len(unconfirmed), len(d.CustomsTable))
	}
}

// TestCheckCustomsCode: the loader refuses a malformed row, naming the rule.
func TestCheckCustomsCode(t *testing.T) {
	ok := CustomsCode{Code: "2201", Name: "浦江海关", Sources: []string{"P1", "R05"}, Status: CustomsConfirmed}
	if err := checkCustomsCode(ok); err != nil {
		t.Fatalf("%+v: %v", ok, err)
	}
	for want, c := range map[string]CustomsCode{
		"not 4 digits":      {Code: "221", Name: "x", Sources: []string{"P1"}, Status: CustomsSingle},
		"no name":           {Code: "2201", Sources: []string{"P1"}, Status: CustomsSingle},
		"no source":         {Code: "2201", Name: "x", Status: CustomsSingle},
		"repeated source":   {Code: "2201", Name: "x", Sources: []string{"P1", "P1"}, Status: CustomsConfirmed},
		"confirmed by 1":    {Code: "2201", Name: "x", Sources: []string{"P1"}, Status: CustomsConfirmed},
		"without a note":    {Code: "2201", Name: "x", Sources: []string{"P1"}, Status: CustomsConflict},
		"status \"maybe\"":  {Code: "2201", Name: "x", Sources: []string{"P1"}, Status: "maybe"},
		"single with 2":     {Code: "2201", Name: "x", Sources: []string{"P1", "R01"}, Status: CustomsSingle},
		"bad or repeated s": {Code: "2201", Name: "x", Sources: []string{"p1"}, Status: CustomsSingle},
	} {
		if err := checkCustomsCode(c); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v: %v, want %q", c, err, want)
		}
	}
}
