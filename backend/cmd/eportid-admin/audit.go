package main

import (
	"context"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/emmansun/gmsm/smx509"

	"eportid/backend/ca"
	"eportid/backend/server"
	"eportid/backend/store"
)

// errBroken is the error of a broken audit trail (exit status 1).
var errBroken = errors.New("the audit trail is broken")

// auditVerify is "audit verify": store.VerifyAudit with the CA's root.
func auditVerify(ctx context.Context, database string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	sub := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	sub.SetOutput(stderr)
	caDefault := getenv("EPORTID_CA_DIR")
	if caDefault == "" {
		caDefault = server.DefaultCADir
	}
	caDir := sub.String("ca-dir", caDefault, "directory of the CA whose key signs the checkpoints (EPORTID_CA_DIR); its ca.crt is read")
	if err := sub.Parse(args); err != nil {
		return err
	}
	if sub.NArg() > 0 {
		fmt.Fprintln(stderr, usage)
		return flag.ErrHelp
	}
	root, err := readRoot(filepath.Join(*caDir, ca.CertFile))
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, database, store.WithoutMigrations())
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := st.VerifyAudit(ctx, root)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "audit_log: %d rows, chained up to place %d; %d checkpoints signed by %s, the last at place %d\n",
		rep.Rows, rep.Seq, rep.Checkpoints, root.Subject.CommonName, rep.Signed)
	if rep.Unchained > 0 {
		fmt.Fprintf(stdout, "%d rows (from id %d) are not chained yet: the server links the rows committed every second\n",
			rep.Unchained, rep.FirstUnchained)
	}
	if rep.Broken != nil {
		fmt.Fprintf(stdout, "BROKEN: %s\n", rep.Broken)
		return errBroken
	}
	if rep.Signed < rep.Seq {
		fmt.Fprintf(stdout, "intact; places %d–%d are not vouched for by a checkpoint yet (the server signs one every few minutes)\n", rep.Signed+1, rep.Seq)
		return nil
	}
	fmt.Fprintln(stdout, "intact")
	return nil
}

// readRoot reads the CA's root certificate (PEM).
func readRoot(path string) (*smx509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("CA root certificate: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("CA root certificate %s: no PEM CERTIFICATE", path)
	}
	return smx509.ParseCertificate(blk.Bytes)
}
