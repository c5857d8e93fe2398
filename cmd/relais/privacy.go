package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/privacy"
	"github.com/relais/relais/portal/store"
)

const (
	tenantRetentionUsage = "relais tenant retention --tenant ID [--no-prescription-months N] [--grace-months N]"
	exportDebtorUsage    = "relais claims export-debtor --tenant ID (--claim ID | --email E | --customer-number N) --out FILE.zip (- for stdout)"
	purgeUsage           = "relais purge [--tenant ID] [--dry-run]"
)

// runTenantRetention shows a tenant's retention policy, after changing the
// values given.
func runTenantRetention(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("tenant retention", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.register(fs)
	tenant := fs.String("tenant", "", "tenant ID")
	noPrescription := fs.Int("no-prescription-months", -1, "months personal data is kept after a claim's last activity when no prescription is computed (Belgian claims)")
	grace := fs.Int("grace-months", -1, "months personal data is kept at least after a closed claim's last activity")
	fs.Usage = func() { fmt.Fprintln(stderr, "usage: "+tenantRetentionUsage); fs.PrintDefaults() }
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	db, err := tenantDB(ctx, cfg, stderr, *tenant)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := &privacy.Service{Store: db, Log: cfg.logger(stderr)}
	p, err := svc.Retention(ctx, *tenant)
	if err != nil {
		return err
	}
	if *noPrescription >= 0 || *grace >= 0 {
		if *noPrescription >= 0 {
			p.NoPrescriptionMonths = *noPrescription
		}
		if *grace >= 0 {
			p.GraceMonths = *grace
		}
		if err := svc.SetRetention(ctx, *tenant, p); err != nil {
			return fmt.Errorf("%s", portal.ErrorMessage(err))
		}
	}
	fmt.Fprintf(stdout, "no_prescription_months: %d\ngrace_months: %d\n", p.NoPrescriptionMonths, p.GraceMonths)
	return nil
}

// runExportDebtor writes the access export of one debtor of a tenant.
func runExportDebtor(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("claims export-debtor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.register(fs)
	tenant := fs.String("tenant", "", "tenant ID")
	var q portal.DebtorQuery
	fs.StringVar(&q.ClaimID, "claim", "", "a claim of the debtor (their other claims are found by e-mail and customer number)")
	fs.StringVar(&q.Email, "email", "", "the debtor's e-mail address")
	fs.StringVar(&q.CustomerNumber, "customer-number", "", "the customer number a creditor gave the debtor")
	out := fs.String("out", "", "zip file to write, - for stdout")
	fs.Usage = func() { fmt.Fprintln(stderr, "usage: "+exportDebtorUsage); fs.PrintDefaults() }
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	q.Normalize()
	if err := q.Validate(); err != nil {
		return fmt.Errorf("%s", portal.ErrorMessage(err))
	}
	db, err := tenantDB(ctx, cfg, stderr, *tenant)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := &privacy.Service{Store: db, Clock: cfg.clock, Log: cfg.logger(stderr)}
	if *out == "-" {
		return svc.WriteDebtorExport(ctx, *tenant, q, stdout)
	}
	// Written next to its final name, then renamed: a failed export leaves
	// no half file behind. 0600: it is personal data.
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".relais-export-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := svc.WriteDebtorExport(ctx, *tenant, q, tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("%s", portal.ErrorMessage(err))
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s\n", *out)
	return nil
}

func runPurge(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return purge(ctx, args, stdout, stderr, nil)
}

// purge erases the personal data of the claims past their retention on
// clock's today (nil: the system clock), tenant by tenant. It prints one
// line per claim with counts, and a summary; never personal data.
func purge(ctx context.Context, args []string, stdout, stderr io.Writer, clock portal.Clock) error {
	var cfg config
	fs := flag.NewFlagSet("purge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.register(fs)
	tenant := fs.String("tenant", "", "only this tenant (default: every tenant)")
	dryRun := fs.Bool("dry-run", false, "list what would be erased and change nothing")
	fs.Usage = func() { fmt.Fprintln(stderr, "usage: "+purgeUsage); fs.PrintDefaults() }
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	cfg.clock = clock
	open := adminDB
	if *tenant != "" {
		open = func(ctx context.Context, cfg config, stderr io.Writer) (*store.DB, error) {
			return tenantDB(ctx, cfg, stderr, *tenant)
		}
	}
	db, err := open(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := &privacy.Service{Store: db, Clock: clock, Log: cfg.logger(stderr)}
	ctx = portal.WithActor(ctx, portal.Actor{Kind: portal.ActorSystem, ID: "purge"})
	rep, err := svc.Purge(ctx, privacy.PurgeOptions{TenantID: *tenant, DryRun: *dryRun})
	if rep != nil {
		printPurge(stdout, rep)
	}
	return err
}

func printPurge(w io.Writer, rep *privacy.PurgeReport) {
	verb := "erased"
	if rep.DryRun {
		verb = "would erase"
	}
	for _, e := range rep.Erased {
		fmt.Fprintf(w, "%s tenant=%s claim=%s keep_until=%s basis=%s %s\n", verb, e.TenantID, e.ClaimID,
			e.Decision.KeepUntil, e.Decision.Basis, countsText(e.Counts))
	}
	var held []string
	for h, n := range rep.Held {
		held = append(held, fmt.Sprintf("%s %d", h, n))
	}
	sort.Strings(held)
	fmt.Fprintf(w, "purge: %d tenants, %d closed claims checked, %s %d, kept %d until their date, held %d (%s), skipped %d\n",
		rep.Tenants, rep.Checked, verb, len(rep.Erased), rep.Kept, sum(rep.Held), strings.Join(held, ", "), rep.Skipped)
}

func sum(m map[privacy.Hold]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// countsText lists the non-zero counts of an erasure.
func countsText(c privacy.Counts) string {
	var parts []string
	for _, p := range []struct {
		name string
		n    int
	}{
		{"debtor_fields", c.DebtorFields}, {"messages", c.Messages}, {"offers", c.Offers}, {"disputes", c.Disputes},
		{"dispute_files", c.DisputeFiles}, {"letters", c.Letters}, {"agreements", c.Agreements}, {"reminder_sends", c.ReminderSends},
		{"payment_references", c.PaymentReferences}, {"statement_lines", c.StatementLines}, {"event_payloads", c.EventPayloads},
		{"links_revoked", c.LinksRevoked}, {"unsubscribe_links", c.UnsubscribeLinks}, {"card_customers", c.CardCustomers}, {"mandates", c.Mandates},
	} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", p.name, p.n))
		}
	}
	return strings.Join(parts, " ")
}
