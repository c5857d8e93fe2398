package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/rules"
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

// runRates lists the known interest rates and what is missing for today.
func runRates(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("rates", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.register(fs)
	at := fs.String("at", "", "day to check (YYYY-MM-DD, default today)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	rates, err := loadRates(cfg)
	if err != nil {
		return err
	}
	day := portal.DateOf(portal.SystemClock{}.Now())
	if *at != "" {
		if day, err = portal.ParseDate(*at); err != nil {
			return fmt.Errorf("--at: %s", portal.ErrorMessage(err))
		}
	}
	missing := 0
	for _, c := range rates.Coverage(day) {
		state := "OK"
		if !c.OK {
			state = "MISSING"
			missing++
		}
		fmt.Fprintf(stdout, "%s  %s", c.Series, state)
		if c.Description != "" {
			fmt.Fprintf(stdout, "  (%s)", c.Description)
		}
		fmt.Fprintln(stdout)
		for _, p := range c.Periods {
			fmt.Fprintf(stdout, "  %s to %s  %6s %%  %-9s  %s [%s]\n", p.From, p.To.AddDays(-1), portal.FormatMinor(p.RateBP, 2), p.Status, p.Source, p.Origin)
		}
		for _, m := range c.Missing {
			fmt.Fprintf(stdout, "  missing: %s to %s\n", m.From, m.To.AddDays(-1))
		}
	}
	if missing > 0 {
		fmt.Fprintf(stdout, "\n%d series lack a rate for %s: add the published rates to a file (format %q) and pass it with --rates-file.\n", missing, day, rules.FileFormat)
	} else {
		fmt.Fprintf(stdout, "\nEvery series has a rate for %s.\n", day)
	}
	return nil
}
