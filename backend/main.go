// Command eportid is the server of the enterprise side of the E-Port
// identity-authentication system: the HTTP API and the go-app pages.
// Configuration comes from the environment and flags (see
// server.ParseConfig): EPORTID_ADDR, DATABASE_URL, EPORTID_BASE_URL,
// EPORTID_WEB_DIR, EPORTID_TRUSTED_PROXIES, EPORTID_SECURE_COOKIES,
// EPORTID_DEMO_DATA, EPORTID_REGISTRY_{COMMERCE,CUSTOMS,FOREX}_URL,
// EPORTID_REGISTRY_TIMEOUT, EPORTID_METRICS_ADDR, EPORTID_LOG_FORMAT,
// EPORTID_LOG_LEVEL, EPORTID_TLS_CERT, EPORTID_TLS_KEY,
// EPORTID_DRAIN_DELAY (docs/deployment.md). SIGINT or SIGTERM shuts it
// down gracefully.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"eportid/app/ui"
	"eportid/backend/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := server.Run(ctx, os.Args[1:], os.Getenv, server.Config{
		UIFor: func(webDir string) http.Handler { return ui.HandlerFor(webDir) },
	})
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "eportid:", err)
		os.Exit(1)
	}
}
