// Command cardbridge is the local card bridge the eportid pages talk to
// over ws://127.0.0.1:34567 to read the IC card, check its PIN and sign.
//
//	cardbridge [-addr 127.0.0.1:34567] [-origins http://127.0.0.1:8080,http://localhost:8080] [-reader NAME] [-timeout 15s]
//
// It listens on the loopback only and accepts only the listed page
// origins. It builds for Linux (cgo, pcsc-lite) and for Windows 386/amd64
// without cgo (winscard.dll).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"eportid/cardbridge/bridge"
	"eportid/cardbridge/pcsc"
)

func main() {
	addr := flag.String("addr", bridge.DefaultAddr, "listen address (a loopback IP and port)")
	origins := flag.String("origins", strings.Join(bridge.DefaultOrigins, ","), "comma-separated exact allowlist of page origins")
	reader := flag.String("reader", "", "use only this reader (exact PC/SC name); default: the first reader holding a card")
	timeout := flag.Duration("timeout", bridge.DefaultOpTimeout, "time limit of one card operation")
	flag.Parse()

	var list []string
	for _, o := range strings.Split(*origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			list = append(list, o)
		}
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	srv, err := bridge.New(bridge.Config{
		Origins:   list,
		Cards:     pcsc.NewService(*reader),
		OpTimeout: *timeout,
		Logger:    log,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if err := bridge.CheckLoopback(*addr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log.Info("cardbridge listening", "addr", *addr, "origins", list)
	if err := srv.ListenAndServe(ctx, *addr); err != nil {
		log.Error("cardbridge", "err", err)
		os.Exit(1)
	}
}
