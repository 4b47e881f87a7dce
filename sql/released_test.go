package migrations

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// released are the SHA-256 of the migrations that have been released: a
// database that applied one never runs it again, so its text must never
// change. Add a migration's sums here when it is released.
var released = map[string]string{
	"postgres/0001_init.sql":    "55396bb5c194d2910e6e1cfd51b9b17c4beb89d5e0548ec3e6729255776489a2",
	"postgres/0002_refdata.sql": "f125093b0f421b11138c130cd811800b6b58b57d57ba75e4ea86e56dfa443ac6",
	"sqlite/0001_init.sql":      "d61486801f6fbad13bb99c42b0329415ccf456d5eaa42ac94a21f187ebb99c7b",
	"sqlite/0002_refdata.sql":   "d33ce75963a1818199c31af7620ff6c17cf3a64105935ccfe3ec6bef345af970",
}

func TestReleasedMigrationsUnchanged(t *testing.T) {
	for name, want := range released {
		b, err := files.ReadFile(name)
		if err != nil {
			t.Errorf("%s: %v (a released migration must not be removed or renamed)", name, err)
			continue
		}
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s was edited after its release (sha256 %s, released %s): add a new migration instead", name, got, want)
		}
	}
}
