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
	"github.com/relais/relais/portal/banking"
	"github.com/relais/relais/portal/payments"
)

const statementsUsage = "usage: relais statements import --tenant ID [--format camt053|csv] FILE"

// runStatements imports a bank statement: exact reference matches become
// payments, near matches wait for a person (GET /api/v1/statements/{id}).
func runStatements(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("statements import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.register(fs)
	tenant := fs.String("tenant", "", "tenant ID")
	format := fs.String("format", "", "camt053 or csv (default: from the file name, .xml is camt053)")
	if len(args) == 0 || args[0] != "import" {
		fmt.Fprintln(stderr, statementsUsage)
		return errUsage
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 || *tenant == "" {
		fmt.Fprintln(stderr, statementsUsage)
		return errUsage
	}
	path := fs.Arg(0)
	if *format == "" {
		switch strings.ToLower(filepath.Ext(path)) {
		case ".xml":
			*format = payments.FormatCamt053
		case ".csv":
			*format = payments.FormatCSV
		default:
			return fmt.Errorf("cannot tell the format of %s: pass --format camt053 or --format csv", path)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(io.LimitReader(f, banking.MaxStatementSize+1))
	f.Close()
	if err != nil {
		return err
	}
	db, err := tenantDB(ctx, cfg, stderr, *tenant)
	if err != nil {
		return err
	}
	defer db.Close()
	rates, err := loadRates(cfg)
	if err != nil {
		return err
	}
	svc := &payments.Service{Claims: db, Store: db, References: db, Statements: db, Rates: rates, Clock: portal.SystemClock{}}
	ctx = portal.WithActor(ctx, portal.Actor{Kind: portal.ActorSystem, ID: "cli"})
	st, err := svc.ImportStatement(ctx, *tenant, *format, body)
	if err != nil {
		return fmt.Errorf("%s: %s", path, portal.ErrorMessage(err))
	}
	if st.ID == "" {
		fmt.Fprintf(stdout, "nothing new: all %d lines were imported before\n", st.Duplicates)
		return nil
	}
	fmt.Fprintf(stdout, "statement %s: %d lines (%d imported before): %d matched, %d suggested, %d unmatched, %d skipped\n",
		st.ID, st.Lines, st.Duplicates, len(st.Matched), len(st.Suggested), len(st.Unmatched), len(st.Skipped))
	return nil
}
