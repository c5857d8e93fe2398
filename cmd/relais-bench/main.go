// Command relais-bench is the performance harness: in one invocation it
// runs each measurement next to its own ceiling (a bare server or raw
// queries doing the least the same work needs) and prints a Markdown table
// of figures and ratios. docs/performance.md holds a run and explains it.
//
//	go run ./cmd/relais-bench                  # everything, SQLite and PostgreSQL
//	go run ./cmd/relais-bench -only claimlist  # one measurement
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"time"
)

type options struct {
	duration    time.Duration
	clients     int
	claims      int
	postgresURL string
	only        map[string]bool
	log         *slog.Logger
}

// row is one line of the result table.
type row struct {
	Measurement string
	Database    string
	Figure      string
	Ceiling     string
	Ratio       string
	Target      string
}

type measurement struct {
	name string
	run  func(ctx context.Context, o options) ([]row, error)
}

func measurements() []measurement {
	return []measurement{
		{"claimpage", benchClaimPage},
		{"claimlist", benchClaimList},
		{"chat", benchChat},
		{"idle10k", benchIdle10k},
		{"bundle", benchBundle},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "relais-bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o options
	fs := flag.NewFlagSet("relais-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "measured time per load run (plus a fifth of it to warm up)")
	fs.IntVar(&o.clients, "clients", 64, "concurrent HTTP clients")
	fs.IntVar(&o.claims, "claims", 100_000, "claims loaded for the claim list measurement")
	fs.StringVar(&o.postgresURL, "postgres", envOr("RELAIS_TEST_POSTGRES", "postgres://127.0.0.1:5432/test?sslmode=disable"), "PostgreSQL URL (a fresh schema is created and dropped)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file (go tool pprof)")
	only := fs.String("only", "", "comma-separated measurements to run (default all): "+names())
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.only = map[string]bool{}
	for _, n := range strings.Split(*only, ",") {
		if n != "" {
			o.only[n] = true
		}
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	o.log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	var rows []row
	for _, m := range measurements() {
		if len(o.only) > 0 && !o.only[m.name] {
			continue
		}
		fmt.Fprintf(stderr, "running %s...\n", m.name)
		r, err := m.run(ctx, o)
		if err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
		rows = append(rows, r...)
	}
	printTable(stdout, rows)
	return nil
}

func names() string {
	var n []string
	for _, m := range measurements() {
		n = append(n, m.name)
	}
	return strings.Join(n, ",")
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func printTable(w io.Writer, rows []row) {
	fmt.Fprintln(w, "| measurement | database | Relais | ceiling | ratio | target |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", r.Measurement, r.Database, r.Figure, r.Ceiling, r.Ratio, r.Target)
	}
}
