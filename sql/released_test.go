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

	"postgres/0005_operators.sql":           "f6eb46b62bdc6f20936a6865917b893ef358ee3f3dd24131c97bc5b85ea1d3b2",
	"postgres/0007_declarants.sql":          "f2ad607eb413afa5143ee39b9b68d013216ddf7057de26d44e7d592a418b3418",
	"postgres/0008_card_authorisations.sql": "81ad0929a1f1bbd2c687798413c0cc48083cc79e342c0132cf125f4c6debc5af",
	"postgres/0021_issuance.sql":            "6c08e9342c3be549716b0acb53d799726de3f3e05a6d4ad9162e5fda3d55a204",
	"postgres/0022_integrity.sql":           "331e3e58d74fcdd4af0e85ddd2c0e0d9068801d998f6bb02776a6628dfc25661",
	"postgres/0023_card_management.sql":     "45fd32bde8cc907c65426d6cfbf31225160b0f92fb5899543849808ccf9aaaa3",
	"postgres/0024_sealed_secrets.sql":      "8845b984a72d287fa6e572e9b37df09432fe4895b12f550e950a37d9f2bd446d",
	"sqlite/0005_operators.sql":             "3097c41d3f02fa1b9a0365a290d98bcb32eba1625d35690b0afe4c29501f9efb",
	"sqlite/0007_declarants.sql":            "a8c8ae525b5510879ac7501a0a03fd450956b27f3b47e5b7670f5cd39603a7e5",
	"sqlite/0008_card_authorisations.sql":   "6515dc8396046cf3d5870a3306b7efe39ca1f9b7d8de7f8d8f277f5464e8eb1e",
	"sqlite/0021_issuance.sql":              "210b14a1713bf67b8e5e4462136871cd2bd4d3eb79382fe6ff17db758f8690ec",
	"sqlite/0022_integrity.sql":             "e0bae47a3526658b3a7a815e87fbd7f6d9dd2de954e946c394fa9ad4f816d28c",
	"sqlite/0023_card_management.sql":       "4549a566634db1d99204470e09087f6c35cbb120db7f20885940c1940fb44803",
	"sqlite/0024_sealed_secrets.sql":        "8845b984a72d287fa6e572e9b37df09432fe4895b12f550e950a37d9f2bd446d",

	"postgres/0025_card_serials.sql": "3c2ae8fdf348535c80f3e8c85b540a127dd13c50ee9cb59819b5b7dce966b153",
	"postgres/0026_kiosk.sql":        "5c6ae9a37d5359ac833fda3eb41224391b0eb223208d0dde26f2359ac7969d5e",
	"postgres/0027_audit_link.sql":   "d00cbeff75b68232c216aa4f241c32f9340c4d4d1a791bc78c9c930374943264",
	"sqlite/0025_card_serials.sql":   "3c2ae8fdf348535c80f3e8c85b540a127dd13c50ee9cb59819b5b7dce966b153",
	"sqlite/0026_kiosk.sql":          "20a918fe355585b97a7d5c4bd0e06e6d58f729c186cf3cdd79ad6671ffbe4e59",
	"sqlite/0027_audit_link.sql":     "b14cabe4259a5597ed2fb6e2fcdc7ceea15333561e49fd77ec0d685c582a3c7e",
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
