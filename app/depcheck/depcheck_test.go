package depcheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// forbidden are import-path prefixes that must not appear in the wasm build.
var forbidden = []string{
	"github.com/jmoiron/sqlx",
	"github.com/lib/pq",
	"github.com/gorilla/websocket",
	"github.com/ebfe/scard",
	"modernc.org/sqlite",
	"eportid/backend",
	"eportid/cardbridge",
}

// allowed are the exceptions to forbidden: the bridge's message protocol
// (standard library only), which app/bridgeclient speaks.
var allowed = []string{
	"eportid/cardbridge/protocol",
}

func TestWasmBuildPullsInNoServerPackages(t *testing.T) {
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	cmd := exec.Command(gobin, "list", "-deps", "eportid/app/...")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list returned too little to be the real build: %q", deps)
	}
	seenApp := false
	for _, d := range deps {
		// database/sql/driver (interfaces only) comes with go-app's
		// google/uuid; database/sql itself is a server package.
		if d == "database/sql" {
			t.Errorf("the js/wasm build of app/... imports database/sql")
		}
	}
	for _, d := range deps {
		if d == "github.com/maxence-charriere/go-app/v10/pkg/app" {
			seenApp = true
		}
		if slices.Contains(allowed, d) {
			continue
		}
		for _, f := range forbidden {
			if d == f || strings.HasPrefix(d, f+"/") {
				t.Errorf("the js/wasm build of app/... imports %s", d)
			}
		}
	}
	if !seenApp {
		t.Errorf("go-app is not among the wasm deps: is app/main.go still built for js/wasm?")
	}
}
