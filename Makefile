# The two commands of the README are the contract:
#   make run   builds the WASM app and the server and starts it on SQLite (./var/)
#   make test  runs the whole suite (CI=true makes Postgres/Chromium/pcscd mandatory)
GO      ?= go
ADDR    ?= 127.0.0.1:8080
BIN     := var/bin
WASM    := web/app.wasm
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)

.PHONY: all run test wasm server vet bench soak dist dist-check clean

all: wasm server

# The page is rebuilt only when Go code it can import changed (brotli at
# quality 10 takes ~20 s).
APP_SRC := $(shell find app -name '*.go' -not -name '*_test.go') go.mod go.sum

wasm: $(WASM).br

$(WASM): $(APP_SRC)
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags="-s -w" -o $(WASM) ./app

$(WASM).br: $(WASM) backend/cmd/wasmpack/main.go
	$(GO) run ./backend/cmd/wasmpack $(WASM)

server:
	@mkdir -p $(BIN)
	$(GO) build -trimpath -o $(BIN)/eportid ./backend

# The server, and where the machine has them pcscd + vpcd, a demo card
# issued by the server's CA (PIN printed) and the card bridge: backend/run.sh.
run: wasm server
	@ADDR=$(ADDR) GO=$(GO) BIN=$(BIN) sh backend/run.sh

vet:
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./app/...

# The browser tests need web/app.wasm, so the app is built first.
test: wasm vet
	$(GO) test -count=1 ./...

# Speed and memory figures (not part of `make test`): logins/s, declarations/s
# on PostgreSQL, card signing over PC/SC and through the bridge. One package
# at a time (-p 1): benchmarks of two packages at once would share the
# cores and each report less.
bench: wasm
	$(GO) test -p 1 -run '^$$' -bench . -benchmem -benchtime 3s ./...

# The bounded soak (not part of `make test`; backend/cmd/soak): the server on
# PostgreSQL in a schema of its own (eportid_soak, made again each run) as
# the roles of backend/pg-roles.sh, twice the soak's stated peak mix for
# SOAK_DURATION (default 10m), then answers by status, p50/p99 by route,
# memory and the check of every acknowledged declaration; exit 1 on any
# 5xx. SOAK_SESSIONS=10000 measures memory with that many live sessions
# instead; SOAK_ARGS passes more flags (go run ./backend/cmd/soak -h).
SOAK_DURATION ?= 10m
SOAK_SESSIONS ?= 0
soak: server
	sh backend/pg-roles.sh
	$(GO) run ./backend/cmd/soak -server $(BIN)/eportid -duration $(SOAK_DURATION) -sessions $(SOAK_SESSIONS) $(SOAK_ARGS)

# Release artefacts of the card bridge for the users' PCs (packaging/dist.sh):
# Linux binary and a tarball with a systemd user unit, Windows 32/64-bit
# executables and per-user MSIs (wixl), all Windows files Authenticode-signed
# (osslsigncode), dist/SHA256SUMS. Without SIGN_CERT/SIGN_KEY a test
# certificate is made in var/dist/testsign. ORIGIN=https://… builds that
# origin into the MSIs as their default. `make dist-check` checks the result.
# The settings (ORIGIN, SIGN_*, DIST_VERSION) reach the scripts through the
# environment: make exports variables given on its command line.
dist:
	GO=$(GO) sh packaging/dist.sh

dist-check:
	GO=$(GO) sh packaging/check-dist.sh

clean:
	rm -rf $(BIN) dist $(WASM) $(WASM).br
