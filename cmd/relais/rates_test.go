package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/relais/relais/portal/ecb"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// The rates command refuses what it does not know, records operator lines
// and ECB updates in the database with who made them, and lists them.
func TestRatesCommand(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			dbURL := storetest.URL(t, dialect)

			code, out, errOut := runCLI(t, "rates", "set", "--help")
			if code != 2 || out != "" || !strings.Contains(errOut, "flags of relais rates set") || !strings.Contains(errOut, "-series") {
				t.Fatalf("rates set --help: %d %q %q", code, out, errOut)
			}
			if code, _, errOut := runCLI(t, "rates", "delete"); code != 2 || !strings.Contains(errOut, `unknown subcommand "delete"`) {
				t.Fatalf("unknown subcommand: %d %q", code, errOut)
			}
			if code, _, _ := runCLI(t, "rates", "list", "--frobnicate"); code != 2 {
				t.Fatalf("unknown flag: %d", code)
			}
			if code, _, _ := runCLI(t, "rates", "list", "extra"); code != 2 {
				t.Fatalf("stray argument: %d", code)
			}

			// Refused entries record nothing.
			for _, tt := range []struct {
				args []string
				want string
			}{
				{[]string{"--series", "fr_legal_other", "--from", "2026-07-01", "--rate", "2,6,2", "--source", "x"}, "--rate:"},
				{[]string{"--series", "fr_legal", "--from", "2026-07-01", "--rate", "2.62", "--source", "x"}, "--series: unknown series"},
				{[]string{"--series", "fr_legal_other", "--from", "2026-07-01", "--rate", "2.62"}, "--source: source is required"},
				{[]string{"--series", "fr_legal_other", "--from", "1 July", "--rate", "2.62", "--source", "x"}, "--from:"},
			} {
				code, _, errOut := runCLI(t, append([]string{"rates", "set", "--database-url", dbURL}, tt.args...)...)
				if code != 1 || !strings.Contains(errOut, tt.want) {
					t.Errorf("%v: %d %q, want %q", tt.args, code, errOut, tt.want)
				}
			}
			if n := rateLines(t, dbURL); n != 0 {
				t.Fatalf("refused entries recorded %d lines", n)
			}

			code, out, errOut = runCLI(t, "rates", "set", "--database-url", dbURL, "--series", "fr_legal_other", "--from", "2026-07-01",
				"--rate", "2.62", "--source", "Arrêté du 22 juin 2026 relatif à la fixation du taux de l'intérêt légal")
			if code != 0 || !strings.Contains(out, "fr_legal_other 2026-07-01..2026-12-31 2.62 % confirmed (operator, by cli:") {
				t.Fatalf("rates set: %d %q %q", code, out, errOut)
			}

			// The update reads a test server; a failing one changes nothing.
			var fail atomic.Bool
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if fail.Load() || r.URL.Path != ecb.SeriesPath {
					http.Error(w, "down", http.StatusBadGateway)
					return
				}
				b, _ := os.ReadFile(filepath.Join("..", "..", "portal", "ecb", "testdata", "mro.csv"))
				w.Write(b)
			}))
			defer srv.Close()
			fail.Store(true)
			if code, _, errOut := runCLI(t, "rates", "update", "--database-url", dbURL, "--ecb-url", srv.URL); code != 1 || !strings.Contains(errOut, "nothing changed") {
				t.Fatalf("failing update: %d %q", code, errOut)
			}
			if n := rateLines(t, dbURL); n != 1 {
				t.Fatalf("a failed update changed the lines: %d", n)
			}
			fail.Store(false)
			code, out, errOut = runCLI(t, "rates", "update", "--database-url", dbURL, "--ecb-url", srv.URL)
			if code != 0 || !strings.Contains(out, "recorded fr_b2b 2026-07-01 to 2026-12-31  12.15 %  derived") ||
				!strings.Contains(out, "recorded be_b2b 2026-07-01 to 2026-12-31  10.50 %  derived") {
				t.Fatalf("update: %d %q %q", code, out, errOut)
			}
			if code, _, errOut := runCLI(t, "rates", "update", "--database-url", dbURL, "--ecb-url", "ftp://x"); code != 1 || !strings.Contains(errOut, "--ecb-url") {
				t.Errorf("bad --ecb-url: %d %q", code, errOut)
			}

			code, out, _ = runCLI(t, "rates", "confirm", "--database-url", dbURL, "--series", "be_b2b", "--from", "2026-07-01",
				"--source", "Moniteur belge, avis du SPF Finances (2026-H2)")
			if code != 0 || !strings.Contains(out, "be_b2b 2026-07-01..2026-12-31 10.50 % confirmed") {
				t.Fatalf("confirm: %d %q", code, out)
			}

			code, out, _ = runCLI(t, "rates", "--database-url", dbURL, "--at", "2026-09-01")
			for _, want := range []string{"fr_b2b  OK", "be_b2b  OK", "fr_legal_other  OK", "fr_legal_natural_person  MISSING",
				"Changes recorded in the database (4)", "(ecb, by system:rates-update", "relais rates set, from the publication"} {
				if !strings.Contains(out, want) {
					t.Errorf("rates list lacks %q:\n%s", want, out)
				}
			}
			if code != 0 {
				t.Errorf("rates list: %d", code)
			}
		})
	}
}

// Without a database file yet, the list shows the embedded lines and says
// so, and creates nothing.
func TestRatesListWithoutDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none.db")
	code, out, _ := runCLI(t, "rates", "--database-url", path, "--at", "2026-03-01")
	if code != 0 || !strings.Contains(out, "No database at") || !strings.Contains(out, "fr_b2b  OK") {
		t.Fatalf("%d %s", code, out)
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatal("rates list created a database")
	}
}

func TestServeRatesFlags(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := runCLI(t, "serve", "--database-url", filepath.Join(dir, "r.db"), "--key-file", filepath.Join(dir, "k"),
		"--addr", "127.0.0.1:0", "--rates-update", "sometimes")
	if code != 1 || !strings.Contains(errOut, `--rates-update "sometimes"`) {
		t.Fatalf("%d %q", code, errOut)
	}
}

func rateLines(t *testing.T, dbURL string) int {
	t.Helper()
	db, err := store.Open(dbURL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	lines, err := db.RateLines(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(lines)
}
