// Command eportid-admin does what has no page: creating the reviewers of
// the agent points (the review console's users) and giving one a new
// password.
//
//	eportid-admin [-database URL] reviewer add -agent-point FJ01 -username fj01-zhang
//	eportid-admin [-database URL] reviewer reset-password -username fj01-zhang
//	eportid-admin [-database URL] audit verify [-ca-dir DIR]
//	eportid-admin [-database URL] kiosk enrol -agent-point FJ01 -name NAME [-base-url URL]
//	eportid-admin [-database URL] kiosk list [-agent-point FJ01]
//	eportid-admin [-database URL] kiosk revoke -id N
//
// add prints the reviewer's password and TOTP secret (base32, and as an
// otpauth:// URI for a QR code) once; the database keeps only the
// password's hash and the secret; on PostgreSQL EPORTID_MIGRATE_DATABASE_URL
// is the owner role that migrates, as the server's. reset-password prints a new password
// (the TOTP secret stays) and ends the reviewer's sessions. audit verify
// checks the audit trail's hash chain and its checkpoints signed by the
// CA (the root certificate ca.crt of -ca-dir, default EPORTID_CA_DIR or
// ./var/ca) and reports the first row an UPDATE, DELETE or forged INSERT
// broke; it exits 1 when the trail is broken. The database is DATABASE_URL (or
// -database), as the server's: a postgres:// URL or a SQLite file path,
// default ./var/eportid.db. The TOTP secrets are sealed with the server's
// secret key, found as the server finds it (EPORTID_SECRET_KEY, or
// EPORTID_SECRET_KEY_FILE / -secret-key-file, default secrets.key in
// EPORTID_CA_DIR, ./var/ca). kiosk enrol makes a kiosk terminal of an agent
// point and prints its one-time enrolment link (valid an hour) to open in
// the terminal's browser; kiosk list shows the terminals, kiosk revoke ends
// one (and its sessions).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"eportid/backend/auth"
	"eportid/backend/server"
	"eportid/backend/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "eportid-admin:", err)
		os.Exit(1)
	}
}

const usage = `usage: eportid-admin [-database URL] [-secret-key-file FILE] reviewer add -agent-point CODE -username NAME
       eportid-admin [-database URL] [-secret-key-file FILE] reviewer reset-password -username NAME
       eportid-admin [-database URL] audit verify [-ca-dir DIR]
       eportid-admin [-database URL] kiosk enrol -agent-point CODE -name NAME [-base-url URL]
       eportid-admin [-database URL] kiosk list [-agent-point CODE]
       eportid-admin [-database URL] kiosk revoke -id N`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eportid-admin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbDefault := getenv("DATABASE_URL")
	if dbDefault == "" {
		dbDefault = server.DefaultDatabaseURL
	}
	database := fs.String("database", dbDefault, "postgres:// URL or SQLite file path (DATABASE_URL)")
	keyFile := fs.String("secret-key-file", "", "the server's secret key file (default as the server's: EPORTID_SECRET_KEY_FILE, or secrets.key in EPORTID_CA_DIR)")
	fs.Usage = func() { fmt.Fprintln(stderr, usage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) >= 2 && rest[0] == "audit" && rest[1] == "verify" {
		return auditVerify(ctx, *database, rest[2:], getenv, stdout, stderr)
	}
	if len(rest) >= 1 && rest[0] == "kiosk" {
		return kiosk(ctx, *database, rest[1:], getenv, stdout, stderr)
	}
	if len(rest) < 2 || rest[0] != "reviewer" || (rest[1] != "add" && rest[1] != "reset-password") {
		fs.Usage()
		return flag.ErrHelp
	}
	add := rest[1] == "add"
	sub := flag.NewFlagSet("reviewer "+rest[1], flag.ContinueOnError)
	sub.SetOutput(stderr)
	agentPoint := new(string)
	if add {
		agentPoint = sub.String("agent-point", "", "code of the reviewer's agent point, e.g. FJ01")
	}
	username := sub.String("username", "", "the reviewer's user name (4–32 characters, a letter first)")
	if err := sub.Parse(rest[2:]); err != nil {
		return err
	}
	if (add && *agentPoint == "") || *username == "" || sub.NArg() > 0 {
		fmt.Fprintln(stderr, usage)
		return flag.ErrHelp
	}

	cfg, err := server.ParseConfig(nil, getenv)
	if err != nil {
		return err
	}
	if *keyFile != "" {
		cfg.SecretKeyFile, cfg.SecretKeyCreate = *keyFile, false
	}
	key, err := server.OpenSecretKey(cfg)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, *database, store.WithMigrationURL(getenv("EPORTID_MIGRATE_DATABASE_URL")))
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.UseSecretKey(ctx, key); err != nil {
		return err
	}
	h := auth.NewHasher(auth.DefaultParams, 0)
	if !add {
		cred, err := server.ResetReviewerPassword(ctx, st, h, *username)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no reviewer %q", *username)
		}
		if err != nil {
			return err
		}
		cred.Print(stdout)
		fmt.Fprintln(stdout, "The password is new (the TOTP secret is the same); it is not shown again.")
		return nil
	}
	// The agent points are reference data; loading it is idempotent.
	if err := st.LoadRefData(ctx); err != nil {
		return fmt.Errorf("load reference data: %w", err)
	}
	cred, err := server.AddReviewer(ctx, st, h, *agentPoint, *username)
	switch {
	case errors.Is(err, store.ErrUsernameTaken):
		return fmt.Errorf("user name %q is taken", *username)
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("no agent point %q", *agentPoint)
	case err != nil:
		return err
	}
	cred.Print(stdout)
	fmt.Fprintln(stdout, "Give the password and the TOTP secret to the reviewer now: they are not shown again.")
	return nil
}
