package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/server"
)

// runLinks issues a debtor portal link: the URL alone on stdout (it is
// shown once), the link's ID and expiry on stderr.
func runLinks(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("links issue", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.register(fs)
	tenant := fs.String("tenant", "", "tenant ID")
	claim := fs.String("claim", "", "claim ID")
	channel := fs.String("channel", "letter", "letter, sms or email: how the link reaches the debtor")
	if len(args) == 0 || args[0] != "issue" {
		fmt.Fprintln(stderr, "usage: relais links issue --tenant ID --claim ID [--channel letter|sms|email]   (prints the URL alone on stdout)")
		return errUsage
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if err := cfg.finish(); err != nil {
		return err
	}
	db, err := adminDB(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	l, token, err := db.IssueLink(ctx, *tenant, *claim, portal.LinkChannel(*channel), cfg.LinkTTL)
	if err != nil {
		return fmt.Errorf("%s", portal.ErrorMessage(err))
	}
	fmt.Fprintf(stderr, "link %s (%s) valid until %s; the URL is shown once.\n", l.ID, l.Channel, l.ExpiresAt.Format("2006-01-02 15:04 MST"))
	fmt.Fprintln(stdout, server.PortalURL(cfg.BaseURL, token))
	return nil
}
