// Command relais is the one binary of Relais and its composition root: it
// reads configuration, opens the database, builds the services and the
// HTTP server, and runs the subcommands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "run the HTTP server (applies pending migrations first)", runServe},
		{"demo", "run on an embedded SQLite file with demo data and print links", runDemo},
		{"migrate", "apply or inspect the schema: migrate up | migrate status", runMigrate},
		{"user", "manage console users: user add --tenant ID --email E --role owner|agent|viewer", runUser},
		{"tenant", "create a tenant and its first creditor: tenant add --name N --creditor LEGAL_NAME; show or set its data retention: tenant retention --tenant ID", runTenant},
		{"apikey", "create or revoke API keys: apikey create --tenant ID (prints the key alone)", runAPIKey},
		{"claims", "load claims: claims import --tenant ID FILE.csv; export a debtor's data: claims export-debtor --tenant ID --claim ID --out FILE.zip", runClaims},
		{"statements", "reconcile bank statements: statements import --tenant ID FILE (camt.053 XML or CSV)", runStatements},
		{"links", "issue a debtor portal link: links issue --tenant ID --claim ID --channel letter", runLinks},
		{"rates", "interest rates: rates [list] | update (from the ECB) | set --series S --from DAY --rate 2.62 --source ... | confirm", runRates},
		{"purge", "erase the personal data of claims past their retention: purge [--tenant ID] [--dry-run]", runPurge},
		{"verify", "check an evidence bundle: verify [--public-key KEY | --key-history FILE] [--checkpoint FILE] bundle.zip", runVerify},
		{"court", "court documents of a claim: court fr-injonction --tenant ID --claim ID --out FILE.pdf [--bordereau] (requête en injonction de payer and bordereau de pièces); court eu-form-a ... --out FILE.json|.pdf (European order for payment); court be-file ... (Belgian court file); --record: also recorded as evidence", runCourt},
		{"checkpoint", "sign every tenant's evidence chain heads into --checkpoint-dir and send them by webhook (serve does it daily); checkpoint excerpt --claim ID FILE", runCheckpoint},
		{"key", "the evidence signing key: key show [--json] prints it with its retired keys; key rotate replaces it", runKey},
		{"data-key", "the data key sealing the webhook secrets in the database: data-key show lists its keys; data-key rotate adds a new one and re-seals the secrets", runDataKey},
		{"healthcheck", "exit 0 when the local instance answers /readyz (for container health checks)", runHealthcheck},
		{"version", "print the version", func(_ context.Context, _ []string, out, _ io.Writer) error {
			fmt.Fprintln(out, "relais", version)
			return nil
		}},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Relais: a debtor-facing payment portal with live negotiation.")
	fmt.Fprintln(w, "\nUsage: relais <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'relais <command> --help' for a command's flags. Every flag has an environment")
	fmt.Fprintln(w, "variable fallback, shown in its help (e.g. DATABASE_URL, RELAIS_ADDR, RELAIS_BASE_URL).")
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, args[1:], stdout, stderr)
			if errors.Is(err, errUsage) {
				return 2
			}
			if err != nil {
				fmt.Fprintln(stderr, "relais:", err)
				return 1
			}
			return 0
		}
	}
	fmt.Fprintf(stderr, "relais: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

var errUsage = errors.New("usage")
