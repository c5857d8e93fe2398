package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/csvimport"
	"github.com/relais/relais/portal/store"
)

// adminDB opens the configured database for a one-off command, applying
// pending migrations so that a fresh database works at once.
func adminDB(ctx context.Context, cfg config, stderr io.Writer) (*store.DB, error) {
	rates, err := loadRates(cfg)
	if err != nil {
		return nil, err
	}
	return openDB(ctx, cfg, cfg.logger(stderr), true, rates)
}

// tenantDB opens the database for a command acting for one tenant and
// checks the tenant exists, with a message naming it when it does not.
func tenantDB(ctx context.Context, cfg config, stderr io.Writer, tenantID string) (*store.DB, error) {
	db, err := adminDB(ctx, cfg, stderr)
	if err != nil {
		return nil, err
	}
	if _, err := db.FindTenant(ctx, tenantID); err != nil {
		db.Close()
		return nil, fmt.Errorf("tenant %q: %s", tenantID, portal.ErrorMessage(err))
	}
	return db, nil
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.register(fs)
	fs.Usage = func() { fmt.Fprintln(stderr, "usage: relais migrate up|status [flags]"); fs.PrintDefaults() }
	if len(args) == 0 || (args[0] != "up" && args[0] != "status") {
		fs.Usage()
		return errUsage
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	db, err := store.Open(cfg.DatabaseURL, store.Options{Logger: cfg.logger(stderr)})
	if err != nil {
		return err
	}
	defer db.Close()
	if args[0] == "up" {
		if err := db.Migrate(ctx); err != nil {
			return err
		}
	}
	st, err := db.SchemaState(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database: %s (%s)\nschema version: %d\nbinary knows: %d\npending: %v\n",
		redactedDatabaseURL(cfg.DatabaseURL), db.Dialect, st.Current, st.Latest, st.Pending)
	return nil
}

func runTenant(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "retention" {
		return runTenantRetention(ctx, args[1:], stdout, stderr)
	}
	var cfg config
	fs := flag.NewFlagSet("tenant add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.register(fs)
	name := fs.String("name", "", "tenant name (the agency or company using Relais)")
	creditor := fs.String("creditor", "", "legal name of its first creditor (default: the tenant name)")
	country := fs.String("country", "FR", "creditor country (FR or BE)")
	iban := fs.String("iban", "", "creditor IBAN for bank transfers")
	vat := fs.String("vat", "", "creditor VAT number (e-invoices are matched to it by their seller's)")
	company := fs.String("company-number", "", "creditor company number: SIREN/SIRET, KBO/BCE")
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprintln(stderr, "usage: relais tenant add --name N [--creditor LEGAL_NAME] [--country FR|BE] [--iban IBAN] [--vat VAT] [--company-number N]\n       "+tenantRetentionUsage)
		return errUsage
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	db, err := adminDB(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	t := &portal.Tenant{Name: *name}
	if err := db.CreateTenant(ctx, t); err != nil {
		return err
	}
	if *creditor == "" {
		*creditor = *name
	}
	if err := db.CreateCreditor(ctx, &portal.Creditor{TenantID: t.ID, LegalName: *creditor, Country: *country, IBAN: *iban,
		VATNumber: *vat, CompanyNumber: *company}); err != nil {
		return err
	}
	fmt.Fprintln(stdout, t.ID)
	return nil
}

func runUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.register(fs)
	tenant := fs.String("tenant", "", "tenant ID")
	email := fs.String("email", "", "sign-in e-mail")
	name := fs.String("name", "", "display name")
	role := fs.String("role", "agent", "owner, agent or viewer")
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprintln(stderr, "usage: relais user add --tenant ID --email E [--role agent] (password read from RELAIS_PASSWORD or stdin)")
		return errUsage
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	password := os.Getenv("RELAIS_PASSWORD")
	if password == "" {
		b, _ := io.ReadAll(io.LimitReader(os.Stdin, 200))
		password = strings.TrimRight(string(b), "\r\n")
	}
	db, err := tenantDB(ctx, cfg, stderr, *tenant)
	if err != nil {
		return err
	}
	defer db.Close()
	u := &portal.User{TenantID: *tenant, Email: *email, Name: *name, Role: portal.Role(*role)}
	if err := db.CreateUser(ctx, u, password); err != nil {
		return fmt.Errorf("%s", portal.ErrorMessage(err))
	}
	fmt.Fprintln(stdout, u.ID)
	return nil
}

func runAPIKey(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("apikey", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.register(fs)
	tenant := fs.String("tenant", "", "tenant ID")
	name := fs.String("name", "", "what the key is for")
	id := fs.String("id", "", "key ID (for revoke)")
	if len(args) == 0 || (args[0] != "create" && args[0] != "revoke") {
		fmt.Fprintln(stderr, "usage: relais apikey create --tenant ID [--name N]   (prints the key alone on stdout)\n       relais apikey revoke --tenant ID --id KEY_ID")
		return errUsage
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	db, err := tenantDB(ctx, cfg, stderr, *tenant)
	if err != nil {
		return err
	}
	defer db.Close()
	if args[0] == "revoke" {
		return db.RevokeAPIKey(ctx, *tenant, *id)
	}
	k, secret, err := db.CreateAPIKey(ctx, *tenant, *name)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "API key %s (id %s) created; it is shown once.\n", k.Prefix, k.ID)
	fmt.Fprintln(stdout, secret)
	return nil
}

func runClaims(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "export-debtor" {
		return runExportDebtor(ctx, args[1:], stdout, stderr)
	}
	var cfg config
	fs := flag.NewFlagSet("claims import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.register(fs)
	tenant := fs.String("tenant", "", "tenant ID")
	if len(args) == 0 || args[0] != "import" {
		fmt.Fprintln(stderr, "usage: relais claims import --tenant ID FILE.csv\n       "+exportDebtorUsage)
		return errUsage
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: relais claims import --tenant ID FILE.csv")
		return errUsage
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	db, err := tenantDB(ctx, cfg, stderr, *tenant)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := csvimport.Import(ctx, db, *tenant, f)
	if lines := csvimport.LineErrors(err); lines != nil {
		for _, l := range lines {
			fmt.Fprintln(stderr, fs.Arg(0)+":"+l.String())
		}
		return fmt.Errorf("nothing imported: %d bad rows", len(lines))
	} else if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %d claims\n", n)
	return nil
}
