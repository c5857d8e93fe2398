package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/ecb"
	"github.com/relais/relais/portal/ratefeed"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/portal/store"
)

// ratesUsage is the synopsis of `relais rates`.
const ratesUsage = `usage:
  relais rates [list] [--at DAY]        the rates known (embedded, --rates-file, database) and what is missing
  relais rates update [--ecb-url URL]   derive fr_b2b and be_b2b from the ECB main refinancing rate
  relais rates set --series S --from DAY [--to DAY] --rate 2.62 --source "arrêté du ..." [--status confirmed|likely]
  relais rates confirm --series S --from DAY --source "Moniteur belge du ..."
Lines set, confirmed or updated are recorded in the database, shared by every instance, with who and when.
Run 'relais rates <subcommand> --help' for its flags.`

// runRates dispatches the rates subcommands. Unknown subcommands, flags
// and arguments are refused with the usage, exit status 2.
func runRates(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub := "list"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "list":
		return ratesList(ctx, args, stdout, stderr)
	case "update":
		return ratesUpdate(ctx, args, stdout, stderr)
	case "set":
		return ratesSet(ctx, args, stdout, stderr)
	case "confirm":
		return ratesConfirm(ctx, args, stdout, stderr)
	}
	fmt.Fprintf(stderr, "relais rates: unknown subcommand %q\n%s\n", sub, ratesUsage)
	return errUsage
}

// ratesFlags is the flag set of one rates subcommand, with the shared
// flags; --help prints the subcommand's own flags.
func ratesFlags(sub string, cfg *config, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("rates "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, ratesUsage)
		fmt.Fprintf(stderr, "\nflags of relais rates %s:\n", sub)
		fs.PrintDefaults()
	}
	return fs
}

// parseRatesFlags parses and refuses positional arguments.
func parseRatesFlags(fs *flag.FlagSet, args []string) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(fs.Output(), "relais %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	return nil
}

// rateFeed loads the rates (embedded, file) and the database's lines.
// Without a database (a SQLite file that does not exist yet) and when
// create is false, db is nil and only the embedded and file lines count.
func rateFeed(ctx context.Context, cfg config, stderr io.Writer, create bool) (*ratefeed.Service, *store.DB, error) {
	rates, err := loadRates(cfg)
	if err != nil {
		return nil, nil, err
	}
	feed := &ratefeed.Service{Rates: rates, Clock: portal.SystemClock{}, Zone: portal.Zone()}
	if !create && !isPostgres(cfg.DatabaseURL) {
		if _, err := os.Stat(cfg.DatabaseURL); errors.Is(err, os.ErrNotExist) {
			return feed, nil, nil
		}
	}
	db, err := adminDB(ctx, cfg, stderr)
	if err != nil {
		return nil, nil, err
	}
	feed.Store = db
	if err := feed.Reload(ctx); err != nil {
		db.Close()
		return nil, nil, err
	}
	return feed, db, nil
}

func isPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// cliActor records who ran a command: the operating system user.
func cliActor(ctx context.Context) context.Context {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return portal.WithActor(ctx, portal.Actor{Kind: portal.ActorSystem, ID: "cli:" + name})
}

func ratesList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := ratesFlags("list", &cfg, stderr)
	at := fs.String("at", "", "day to check (YYYY-MM-DD, default today)")
	if err := parseRatesFlags(fs, args); err != nil {
		return err
	}
	feed, db, err := rateFeed(ctx, cfg, stderr, false)
	if err != nil {
		return err
	}
	if db != nil {
		defer db.Close()
	}
	day := portal.DateOf(time.Now().In(portal.Zone()))
	if *at != "" {
		if day, err = portal.ParseDate(*at); err != nil {
			return fmt.Errorf("--at: %s", portal.ErrorMessage(err))
		}
	}
	missing := 0
	for _, c := range feed.Rates.Coverage(day) {
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
			fmt.Fprintf(stdout, "  %s to %s  %6s %%  %-9s  %s [%s]\n", p.From, p.To.AddDays(-1), rules.FormatRate(p.RateBP), p.Status, p.Source, p.Origin)
		}
		for _, m := range c.Missing {
			how := "relais rates update, or relais rates set"
			if !rules.Derivable(c.Series) {
				how = "relais rates set, from the publication"
			}
			fmt.Fprintf(stdout, "  missing: %s to %s (%s)\n", m.From, m.To.AddDays(-1), how)
		}
	}
	if db != nil {
		lines, err := db.RateLines(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nChanges recorded in the database (%d), oldest first:\n", len(lines))
		for _, l := range lines {
			fmt.Fprintf(stdout, "  %s\n", ratefeed.String(l))
		}
	} else {
		fmt.Fprintf(stdout, "\nNo database at %s yet: only the embedded and file lines are listed.\n", cfg.DatabaseURL)
	}
	if missing > 0 {
		fmt.Fprintf(stdout, "\n%d series lack a rate for %s: interest is counted up to the last day with a rate until it is added "+
			"(relais rates update for fr_b2b and be_b2b; relais rates set for the others; or a file in format %q with --rates-file).\n",
			missing, day, rules.FileFormat)
	} else {
		fmt.Fprintf(stdout, "\nEvery series has a rate for %s.\n", day)
	}
	return nil
}

// registerECB adds the flags of the ECB update, shared by serve and
// `rates update`.
func registerECB(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.ECBURL, "ecb-url", envOr("RELAIS_ECB_URL", ecb.DefaultBaseURL), "ECB Data Portal web service base URL (env RELAIS_ECB_URL)")
	fs.StringVar(&c.ECBFormat, "ecb-format", envOr("RELAIS_ECB_FORMAT", ecb.FormatCSV), "csvdata or jsondata (env RELAIS_ECB_FORMAT)")
}

func ecbClient(cfg config) (*ecb.Client, error) {
	if cfg.ECBFormat != ecb.FormatCSV && cfg.ECBFormat != ecb.FormatJSON {
		return nil, fmt.Errorf("--ecb-format %q: give %s or %s", cfg.ECBFormat, ecb.FormatCSV, ecb.FormatJSON)
	}
	if !strings.HasPrefix(cfg.ECBURL, "https://") && !strings.HasPrefix(cfg.ECBURL, "http://") {
		return nil, fmt.Errorf("--ecb-url %q must be an http(s) URL", cfg.ECBURL)
	}
	return &ecb.Client{BaseURL: cfg.ECBURL, Format: cfg.ECBFormat, HTTP: &http.Client{Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}, nil
}

func ratesUpdate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := ratesFlags("update", &cfg, stderr)
	registerECB(fs, &cfg)
	if err := parseRatesFlags(fs, args); err != nil {
		return err
	}
	client, err := ecbClient(cfg)
	if err != nil {
		return err
	}
	feed, db, err := rateFeed(ctx, cfg, stderr, true)
	if err != nil {
		return err
	}
	defer db.Close()
	feed.ECB = client
	rep, err := feed.Update(cliActor(ctx))
	if err != nil {
		return fmt.Errorf("update failed, nothing changed: %w", err)
	}
	fmt.Fprintf(stdout, "Read %d observations from %s.\n", rep.Observations, rep.Source)
	for _, p := range rep.Added {
		fmt.Fprintf(stdout, "  recorded %s %s to %s  %s %%  derived\n", p.Series, p.From, p.To.AddDays(-1), rules.FormatRate(p.RateBP))
	}
	for _, c := range rep.Conflicts {
		fmt.Fprintf(stdout, "  conflict: %s\n", c)
	}
	if len(rep.Added) == 0 {
		fmt.Fprintln(stdout, "Nothing new: every derived half-year was already known.")
	}
	return nil
}

func ratesSet(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := ratesFlags("set", &cfg, stderr)
	series := fs.String("series", "", "the series: "+strings.Join(rules.SeriesNames(), ", "))
	from := fs.String("from", "", "first day of the rate (YYYY-MM-DD)")
	to := fs.String("to", "", "last day of the rate, included (YYYY-MM-DD; default: the end of the half-year, or of the year for be_civil_legal)")
	rate := fs.String("rate", "", "yearly rate in percent, at most two decimals, e.g. 2.62")
	source := fs.String("source", "", "the publication it comes from: the arrêté, the Moniteur belge notice, the ECB series and date")
	status := fs.String("status", string(rules.StatusConfirmed), "confirmed (checked against the publication) or likely")
	if err := parseRatesFlags(fs, args); err != nil {
		return err
	}
	e := ratefeed.Entry{Series: *series, Status: rules.Status(*status), Source: *source}
	var err error
	if *from == "" {
		return errors.New("--from is required (YYYY-MM-DD)")
	}
	if e.From, err = portal.ParseDate(*from); err != nil {
		return fmt.Errorf("--from: %s", portal.ErrorMessage(err))
	}
	if *to != "" {
		last, err := portal.ParseDate(*to)
		if err != nil {
			return fmt.Errorf("--to: %s", portal.ErrorMessage(err))
		}
		e.To = last.AddDays(1)
	}
	if *rate == "" {
		return errors.New("--rate is required, in percent (e.g. 2.62)")
	}
	if e.RateBP, err = rules.ParseRate(*rate); err != nil {
		return fmt.Errorf("--rate: %s", portal.ErrorMessage(err))
	}
	feed, db, err := rateFeed(ctx, cfg, stderr, true)
	if err != nil {
		return err
	}
	defer db.Close()
	l, err := feed.Set(cliActor(ctx), e)
	if err != nil {
		return flagError(err)
	}
	fmt.Fprintf(stdout, "Recorded %s\n", ratefeed.String(l))
	fmt.Fprintln(stdout, "Every instance on this database uses it within a minute; no restart is needed.")
	return nil
}

func ratesConfirm(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := ratesFlags("confirm", &cfg, stderr)
	series := fs.String("series", "", "the series: "+strings.Join(rules.SeriesNames(), ", "))
	from := fs.String("from", "", "first day of the line to confirm (YYYY-MM-DD)")
	source := fs.String("source", "", "the publication the rate was checked against")
	if err := parseRatesFlags(fs, args); err != nil {
		return err
	}
	day, err := portal.ParseDate(*from)
	if err != nil {
		return fmt.Errorf("--from: %s", portal.ErrorMessage(err))
	}
	feed, db, err := rateFeed(ctx, cfg, stderr, true)
	if err != nil {
		return err
	}
	defer db.Close()
	l, err := feed.Confirm(cliActor(ctx), *series, day, *source)
	if err != nil {
		return flagError(err)
	}
	fmt.Fprintf(stdout, "Confirmed %s\n", ratefeed.String(l))
	return nil
}

// flagError names the flag of a field error ("--source: ...").
func flagError(err error) error {
	if f := portal.ErrorField(err); f != "" {
		return fmt.Errorf("--%s: %s", f, portal.ErrorMessage(err))
	}
	return errors.New(portal.ErrorMessage(err))
}
