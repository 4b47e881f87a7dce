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

	"postgres/0003_filings.sql":    "9c89d54401ec40151b3c25f54c626bcd25c7fc00ca8b5cbe3a0a3c4a57bb5bf3",
	"postgres/0004_registries.sql": "135f44c888f16fe4d1dac5368cfa92e55f61fb637c7849a9be47c4178a0bd631",
	"postgres/0020_cards.sql":      "e2ce26e112354d0a7ee7d90824b7f60fb34ed30221ba82b5e5bdd72eafd03a03",
	"sqlite/0003_filings.sql":      "92c48f07efa68859d7b8169760ce992de129717be1edb4cd74af7b345a98a70b",
	"sqlite/0004_registries.sql":   "135f44c888f16fe4d1dac5368cfa92e55f61fb637c7849a9be47c4178a0bd631",
	"sqlite/0020_cards.sql":        "aea4e54e6e51df2a29ffae98f65a96fd14ac199b1f423100fdc147f87b290396",
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
