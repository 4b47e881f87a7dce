package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"eportid/backend/auth"
	"eportid/backend/httpapi"
	"eportid/backend/server"
	"eportid/backend/store"
)

// kiosk is "kiosk enrol | list | revoke": the agent points' kiosk
// terminals (store/kiosk.go), as the review console manages them.
func kiosk(ctx context.Context, database string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return flag.ErrHelp
	}
	sub := flag.NewFlagSet("kiosk "+args[0], flag.ContinueOnError)
	sub.SetOutput(stderr)
	var agentPoint, name, baseURL *string
	var id *int64
	switch args[0] {
	case "enrol":
		agentPoint = sub.String("agent-point", "", "code of the terminal's agent point, e.g. FJ01")
		name = sub.String("name", "", "the terminal's name, e.g. 大厅 1 号机")
		baseURL = sub.String("base-url", "", "the site's public origin the terminal opens (default EPORTID_BASE_URL, else the server's default listen URL)")
	case "list":
		agentPoint = sub.String("agent-point", "", "only the terminals of this agent point")
	case "revoke":
		id = sub.Int64("id", 0, "the terminal's number (kiosk list)")
	default:
		fmt.Fprintln(stderr, usage)
		return flag.ErrHelp
	}
	if err := sub.Parse(args[1:]); err != nil {
		return err
	}
	if sub.NArg() > 0 || args[0] == "enrol" && (*agentPoint == "" || strings.TrimSpace(*name) == "") || args[0] == "revoke" && *id <= 0 {
		fmt.Fprintln(stderr, usage)
		return flag.ErrHelp
	}
	st, err := store.Open(ctx, database, store.WithMigrationURL(getenv("EPORTID_MIGRATE_DATABASE_URL")))
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now()
	switch args[0] {
	case "enrol":
		base := *baseURL
		if base == "" {
			cfg, err := server.ParseConfig(nil, getenv)
			if err != nil {
				return err
			}
			if base = cfg.BaseURL; base == "" {
				base = "http://" + cfg.Addr
			}
		}
		if err := st.LoadRefData(ctx); err != nil {
			return fmt.Errorf("load reference data: %w", err)
		}
		token, hash := auth.NewToken()
		k, err := st.CreateKioskEnrolment(ctx, *agentPoint, *name, "eportid-admin", hash, now.Add(httpapi.KioskEnrolValidity))
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no agent point %q", *agentPoint)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "kiosk terminal %d (%s, %s)\n", k.ID, k.Name, k.AgentPoint)
		fmt.Fprintf(stdout, "enrolment link, once, until %s:\n%s\n", k.EnrolExpiresAt.Local().Format(time.DateTime),
			httpapi.KioskEnrolURL(base, token))
		fmt.Fprintln(stdout, "Open it in the terminal's browser (it is not shown again).")
	case "list":
		list, err := st.KioskTerminals(ctx, *agentPoint)
		if err != nil {
			return err
		}
		for _, k := range list {
			state := "waiting for enrolment until " + k.EnrolExpiresAt.Local().Format(time.DateTime)
			switch {
			case k.RevokedAt != nil:
				state = "revoked " + k.RevokedAt.Local().Format(time.DateTime)
			case k.EnrolledAt != nil:
				state = "enrolled " + k.EnrolledAt.Local().Format(time.DateTime)
			case !now.Before(k.EnrolExpiresAt):
				state = "enrolment link expired"
			}
			fmt.Fprintf(stdout, "%d\t%s\t%s\t%s\n", k.ID, k.AgentPoint, k.Name, state)
		}
	case "revoke":
		k, err := st.RevokeKioskTerminal(ctx, "", *id, now)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no kiosk terminal %d", *id)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "kiosk terminal %d (%s, %s) revoked; its sessions have ended\n", k.ID, k.Name, k.AgentPoint)
	}
	return nil
}
