// Package migrations holds the database schema of eportid as numbered SQL
// files, one directory per dialect (postgres/, sqlite/). Both directories
// hold the same file names: a migration is known by its name (the file name
// without ".sql", e.g. "0001_init"), which the store records in the table
// schema_migrations when it has applied the file in one transaction.
//
// Rules for a new migration: add the next number to BOTH directories, never
// edit or rename a file that has been released (a database that applied it
// would not run it again), and keep each file runnable inside a transaction.
package migrations

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

//go:embed postgres/*.sql sqlite/*.sql
var files embed.FS

// The dialects, named as the store names them.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// Migration is one schema step of a dialect.
type Migration struct {
	Name string // e.g. "0001_init"
	SQL  string
}

var names = mustNames(Postgres)

// Names returns the names of every migration this binary knows, in the order
// they run. The list is the same for every dialect. A database whose
// schema_migrations holds a name outside this list is newer than the binary;
// one that lacks a name of it is older.
func Names() []string { return slices.Clone(names) }

// For returns the migrations of a dialect in order. It fails if the
// dialect's directory does not hold exactly the names of Names.
func For(dialect string) ([]Migration, error) {
	if dialect != Postgres && dialect != SQLite {
		return nil, fmt.Errorf("migrations: unknown dialect %q", dialect)
	}
	got, err := list(dialect)
	if err != nil {
		return nil, err
	}
	if !slices.Equal(got, names) {
		return nil, fmt.Errorf("migrations: %s has %v, want the same names as postgres %v", dialect, got, names)
	}
	out := make([]Migration, 0, len(got))
	for _, n := range got {
		b, err := files.ReadFile(path.Join(dialect, n+".sql"))
		if err != nil {
			return nil, fmt.Errorf("migrations: %w", err)
		}
		out = append(out, Migration{Name: n, SQL: string(b)})
	}
	return out, nil
}

func list(dialect string) ([]string, error) {
	entries, err := fs.ReadDir(files, dialect)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	var out []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".sql"); ok && !e.IsDir() {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, nil
}

func mustNames(dialect string) []string {
	n, err := list(dialect)
	if err != nil {
		panic(err)
	}
	return n
}
