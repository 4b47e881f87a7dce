package migrations

import (
	"slices"
	"strings"
	"testing"
)

func TestNamesSameForEveryDialect(t *testing.T) {
	names := Names()
	if len(names) == 0 {
		t.Fatal("no migrations")
	}
	if !slices.IsSorted(names) {
		t.Errorf("Names not sorted: %v", names)
	}
	for i, n := range names {
		if len(n) < 5 || n[4] != '_' || strings.Trim(n[:4], "0123456789") != "" {
			t.Errorf("name %q: want NNNN_description", n)
		}
		if i > 0 && n[:4] == names[i-1][:4] {
			t.Errorf("number %s used twice", n[:4])
		}
	}
	for _, d := range []string{Postgres, SQLite} {
		ms, err := For(d)
		if err != nil {
			t.Fatalf("For(%s): %v", d, err)
		}
		var got []string
		for _, m := range ms {
			got = append(got, m.Name)
			if strings.TrimSpace(m.SQL) == "" {
				t.Errorf("%s/%s is empty", d, m.Name)
			}
		}
		if !slices.Equal(got, names) {
			t.Errorf("For(%s) = %v, want %v", d, got, names)
		}
	}
	if _, err := For("mysql"); err == nil {
		t.Error("For(mysql): no error")
	}
}

func TestNamesIsACopy(t *testing.T) {
	n := Names()
	n[0] = "changed"
	if Names()[0] == "changed" {
		t.Error("Names returns the package's slice")
	}
}
