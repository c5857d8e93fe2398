package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/server"
)

// Demo sign-in, printed at start. The demo database is recreated on every
// run, so these are never valid anywhere else.
const (
	demoAgentEmail = "agent@demo.relais.test"
	demoOwnerEmail = "owner@demo.relais.test"
	demoPassword   = "relais-demo-2026"
)

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.register(fs)
	cfg.Reminder.register(fs)
	dbPath := fs.String("db", filepath.Join(".relais", "demo.db"), "demo SQLite file (recreated at each run)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := cfg.finish(); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(*dbPath), 0o700); err != nil {
		return err
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(*dbPath + suffix)
	}
	cfg.DatabaseURL = *dbPath
	var demoRates []string
	if cfg.RatesFile == "" {
		var err error
		if cfg.RatesFile, demoRates, err = demoRatesFile(filepath.Dir(*dbPath), portal.DateOf(portal.SystemClock{}.Now())); err != nil {
			return err
		}
	}
	if cfg.Reminder.SMTPHost == "" {
		// Consumers' one-time codes are printed here rather than mailed.
		cfg.codeMail = &demoMailer{w: stdout}
	}
	log := cfg.logger(stderr)
	a, err := build(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	seed, err := seedDemo(ctx, a.db)
	if err != nil {
		a.db.Close()
		return fmt.Errorf("demo data: %w", err)
	}
	fmt.Fprintf(stdout, "Relais demo serving at %s (SQLite file %s)\n", cfg.BaseURL, *dbPath)
	if err := a.printDemoLinks(ctx, stdout, seed); err != nil {
		a.db.Close()
		return err
	}
	if len(demoRates) > 0 {
		fmt.Fprint(stdout, demoRatesNote(demoRates))
	}
	fmt.Fprintf(stdout, "Console: %s/console  sign in as %s (agent) or %s (owner), password %s\n", cfg.BaseURL, demoAgentEmail, demoOwnerEmail, demoPassword)
	fmt.Fprintf(stdout, "API key: %s\n", seed.apiKey)
	fmt.Fprintf(stdout, "Try: curl -H 'Authorization: Bearer %s' %s/api/v1/claims\n", seed.apiKey, cfg.BaseURL)
	fmt.Fprintf(stdout, "Evidence bundle: curl -H 'Authorization: Bearer %s' -o evidence.zip %s/api/v1/claims/%s/evidence.zip && relais verify evidence.zip\n", seed.apiKey, cfg.BaseURL, seed.claims[0].ID)
	return a.serve(ctx)
}

type demoSeed struct {
	tenant *portal.Tenant
	claims []*portal.Claim
	apiKey string
}

// seedDemo loads one agency tenant acting for a French and a Belgian
// creditor, with one claim for each rule set (FR/BE, business/consumer).
func seedDemo(ctx context.Context, db *store.DB) (*demoSeed, error) {
	t := &portal.Tenant{Name: "Cabinet Relais Démo", Timezone: "Europe/Paris"}
	if err := db.CreateTenant(ctx, t); err != nil {
		return nil, err
	}
	fr := &portal.Creditor{TenantID: t.ID, LegalName: "Boulangerie Martin SAS", CompanyNumber: "552 100 554", Country: "FR",
		Address: "12 rue des Lilas, 75011 Paris", IBAN: "FR1420041010050500013M02606", BIC: "PSSTFRPPPAR", Email: "compta@martin.example", Phone: "+33140000000"}
	be := &portal.Creditor{TenantID: t.ID, LegalName: "Brouwerij Janssens BV", CompanyNumber: "0123.456.749", Country: "BE",
		Address: "Markt 1, 9000 Gent", IBAN: "BE68539007547034", BIC: "GKCCBEBB", Email: "boekhouding@janssens.example", Phone: "+3290000000"}
	for _, c := range []*portal.Creditor{fr, be} {
		if err := db.CreateCreditor(ctx, c); err != nil {
			return nil, err
		}
	}
	for _, u := range []struct {
		email string
		role  portal.Role
		name  string
	}{{demoAgentEmail, portal.RoleAgent, "Camille Agent"}, {demoOwnerEmail, portal.RoleOwner, "Olivier Owner"}} {
		if err := db.CreateUser(ctx, &portal.User{TenantID: t.ID, Email: u.email, Role: u.role, Name: u.name}, demoPassword); err != nil {
			return nil, err
		}
	}
	d := portal.MustDate
	claims := []*portal.Claim{
		{Reference: "FR-B2B-0001", Currency: "EUR", Jurisdiction: portal.JurisdictionFR, CreditorID: fr.ID,
			Debtor: &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Dupont Traiteur SARL", Language: "fr", Postcode: "69002",
				Address: "4 quai Saint-Antoine, 69002 Lyon", Country: "FR", Email: "contact@dupont-traiteur.example", Phone: "+33478000000"},
			Invoices: []*portal.Invoice{
				{Number: "F-2025-0412", IssueDate: d("2025-09-01"), DueDate: d("2025-10-01"), Amount: 124_000},
				{Number: "F-2025-0468", IssueDate: d("2025-10-01"), DueDate: d("2025-10-31"), Amount: 86_050},
			}},
		{Reference: "FR-CONS-0002", Currency: "EUR", Jurisdiction: portal.JurisdictionFR, CreditorID: fr.ID,
			FormalNoticeOn: d("2026-03-02"),
			Debtor: &portal.Debtor{Kind: portal.DebtorConsumer, Name: "Claire Moreau", Language: "fr", Postcode: "13001",
				Address: "8 rue Paradis, 13001 Marseille", Country: "FR", Email: "claire.moreau@example.org", Phone: "+33612345678"},
			Invoices: []*portal.Invoice{{Number: "F-2026-0031", IssueDate: d("2026-01-05"), DueDate: d("2026-02-04"), Amount: 48_990}}},
		{Reference: "BE-B2B-0003", Currency: "EUR", Jurisdiction: portal.JurisdictionBE, CreditorID: be.ID,
			Debtor: &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Café De Hoek BV", Language: "nl", CustomerNumber: "K-20417",
				Address: "Korenmarkt 7, 9000 Gent", Country: "BE", Email: "info@dehoek.example", Phone: "+32470123456"},
			IdentityCheck: portal.CheckCustomerNumber,
			Invoices: []*portal.Invoice{
				{Number: "2026/0107", IssueDate: d("2026-01-15"), DueDate: d("2026-02-14"), Amount: 312_500},
			}},
		// Belgian consumers (Book XIX): each has had its first, free reminder,
		// which covers its invoice (already due). Peeters' contract has a
		// damages clause and an interest clause and sold him goods (1-year
		// prescription); Wilson's has neither: no flat damages, interest at
		// the civil legal rate, the default prescription.
		{Reference: "BE-CONS-0004", Currency: "EUR", Jurisdiction: portal.JurisdictionBE, CreditorID: be.ID,
			FirstReminderOn: d("2026-04-01"), FirstReminderChannel: string(portal.ChannelLetter),
			DamagesClause: true, ContractRateBP: new(int64(800)), Prescription: portal.PrescriptionGoodsToConsumer,
			Debtor: &portal.Debtor{Kind: portal.DebtorConsumer, Name: "Lukas Peeters", Language: "de", Postcode: "4700",
				Address: "Klötzerbahn 3, 4700 Eupen", Country: "BE", Email: "lukas.peeters@example.org", Phone: "+32471987654"},
			Invoices: []*portal.Invoice{{Number: "2026/0230", IssueDate: d("2026-02-10"), DueDate: d("2026-03-12"), Amount: 61_275}}},
		{Reference: "BE-CONS-0005", Currency: "EUR", Jurisdiction: portal.JurisdictionBE, CreditorID: be.ID,
			FirstReminderOn: d("2026-05-04"), FirstReminderChannel: string(portal.ChannelEmail),
			Debtor: &portal.Debtor{Kind: portal.DebtorConsumer, Name: "Emma Wilson", Language: "en", Postcode: "1050",
				Address: "Avenue Louise 200, 1050 Bruxelles", Country: "BE", Email: "emma.wilson@example.org", Phone: "+32472000111"},
			Invoices: []*portal.Invoice{{Number: "2026/0311", IssueDate: d("2026-03-20"), DueDate: d("2026-04-19"), Amount: 17_900}}},
	}
	if err := db.ImportClaims(ctx, t.ID, claims); err != nil {
		return nil, err
	}
	if err := db.AddPayment(ctx, t.ID, &portal.Payment{ClaimID: claims[0].ID, Amount: 40_000, ReceivedOn: d("2025-12-15"),
		Method: portal.PaymentTransfer, Reference: "VIR DUPONT TRAITEUR"}); err != nil {
		return nil, err
	}
	_, key, err := db.CreateAPIKey(ctx, t.ID, "demo")
	if err != nil {
		return nil, err
	}
	return &demoSeed{tenant: t, claims: claims, apiKey: key}, nil
}

// printDemoLinks issues and prints one debtor portal link per demo claim
// with the identity answer the debtor will be asked for.
func (a *app) printDemoLinks(ctx context.Context, w io.Writer, seed *demoSeed) error {
	fmt.Fprintln(w, "Debtor portal links (one per demo claim; type the answer shown when asked):")
	for _, c := range seed.claims {
		_, token, err := a.db.IssueLink(ctx, seed.tenant.ID, c.ID, portal.ChannelLetter, a.cfg.LinkTTL)
		if err != nil {
			return err
		}
		hint := demoIdentityHint(c)
		if ch, to := portal.CodeChannel(c, a.cfg.SecondFactor, a.cfg.codeMail != nil || a.cfg.Reminder.SMTPHost != "", a.cfg.Reminder.SMSEndpoint != ""); ch != "" {
			hint += ", then the code sent to " + to
		}
		fmt.Fprintf(w, "  %-13s %-22s %-3s %s  (%s)\n", c.Reference, c.Debtor.Name, c.Debtor.Language,
			server.PortalURL(a.cfg.BaseURL, token), hint)
	}
	if a.cfg.codeMail != nil {
		fmt.Fprintln(w, "  Consumers get a one-time code after the answer: with no --smtp-host the demo prints each code's e-mail here.")
	}
	// Say so when today's interest rates are not in the data: the pages
	// then show no total rather than a wrong one.
	today := portal.DateOf(a.clock.Now())
	if missing := a.rates.MissingOn(today); len(missing) > 0 {
		fmt.Fprintf(w, "  Note: no published rate is known for %s in %s, so claim pages show no total:\n"+
			"  add the rates with --rates-file (see 'relais rates').\n", today, strings.Join(missing, ", "))
	}
	return nil
}

// demoIdentityHint says what to type at the identity check of a claim.
func demoIdentityHint(c *portal.Claim) string {
	switch c.IdentityCheck {
	case portal.CheckPostcode:
		return "postcode " + c.Debtor.Postcode
	case portal.CheckBirthDate:
		return "birth date " + c.Debtor.BirthDate.String()
	case portal.CheckCustomerNumber:
		return "customer number " + c.Debtor.CustomerNumber
	}
	return "invoice number " + c.Invoices[0].Number
}
