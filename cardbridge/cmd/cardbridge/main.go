// Command cardbridge is the local card bridge the eportid pages talk to
// over ws://127.0.0.1:34567 to read the IC card, check its PIN and sign.
//
//	cardbridge [-addr 127.0.0.1:34567] [-origins http://127.0.0.1:8080,http://localhost:8080] [-reader NAME] [-timeout 15s]
//	           [-issuer-origins http://127.0.0.1:8081 -ca-cert ca.pem]
//
// It listens on the loopback only and accepts only the listed page
// origins. The issuer origins (the agent point's review console) may also
// personalise blank cards, with issuance tokens signed by the CA of
// -ca-cert (PEM). It builds for Linux (cgo, pcsc-lite) and for Windows 386/amd64
// without cgo (winscard.dll).
package main

import (
	"context"
	"encoding/pem"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/emmansun/gmsm/smx509"

	"eportid/cardbridge/bridge"
	"eportid/cardbridge/pcsc"
)

func main() {
	addr := flag.String("addr", bridge.DefaultAddr, "listen address (a loopback IP and port)")
	origins := flag.String("origins", strings.Join(bridge.DefaultOrigins, ","), "comma-separated exact allowlist of page origins")
	reader := flag.String("reader", "", "use only this reader (exact PC/SC name); default: the first reader holding a card")
	timeout := flag.Duration("timeout", bridge.DefaultOpTimeout, "time limit of one card operation")
	issuerOrigins := flag.String("issuer-origins", "", "comma-separated exact origins that may personalise blank cards (needs -ca-cert)")
	caCert := flag.String("ca-cert", "", "PEM certificate of the CA that signs issuance tokens")
	flag.Parse()

	list := splitList(*origins)
	issuers := splitList(*issuerOrigins)
	var ca *smx509.Certificate
	if *caCert != "" {
		var err error
		if ca, err = loadCert(*caCert); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	srv, err := bridge.New(bridge.Config{
		Origins:       list,
		Cards:         pcsc.NewService(*reader),
		OpTimeout:     *timeout,
		Logger:        log,
		IssuerOrigins: issuers,
		IssuerCA:      ca,
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
	log.Info("cardbridge listening", "addr", *addr, "origins", list, "issuer_origins", issuers)
	if err := srv.ListenAndServe(ctx, *addr); err != nil {
		log.Error("cardbridge", "err", err)
		os.Exit(1)
	}
}

func splitList(s string) []string {
	var list []string
	for _, o := range strings.Split(s, ",") {
		if o = strings.TrimSpace(o); o != "" {
			list = append(list, o)
		}
	}
	return list
}

// loadCert reads a PEM certificate.
func loadCert(path string) (*smx509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("-ca-cert: %v", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("-ca-cert %s: no PEM CERTIFICATE block", path)
	}
	cert, err := smx509.ParseCertificate(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("-ca-cert %s: %v", path, err)
	}
	return cert, nil
}
