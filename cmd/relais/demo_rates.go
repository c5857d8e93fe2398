package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/rules"
)

// demoRatesFile makes the demo show totals when the published rates of the
// current half-year are not in Relais' data yet: for each series without a
// rate today it writes a rates file that carries the last known rate over
// to the days missing up to the end of today's half-year, labelled as a
// demo assumption. `relais serve` never does this: there, a missing rate is
// a plain message on the claim page, never an invented total.
// It returns the file (or "" when nothing is missing) and the series filled.
func demoRatesFile(dir string, today portal.Date) (string, []string, error) {
	rates, err := rules.Default()
	if err != nil {
		return "", nil, err
	}
	b, filled, err := rates.CarryOver(today, "DEMO ONLY: the last published rate carried over because the rate for this period is not in Relais' data yet; not a published rate")
	if err != nil || b == nil {
		return "", nil, err
	}
	path := filepath.Join(dir, "demo-rates.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return "", nil, err
	}
	return path, filled, nil
}

func demoRatesNote(filled []string) string {
	return fmt.Sprintf("Demo assumption: no published rate is in Relais' data for today in %s; the demo carries the last known rate over\n"+
		"  so that claim pages show the full totals ('relais serve' counts interest up to the last day with a published rate\n"+
		"  and says so; add real rates with 'relais rates update' or 'relais rates set').\n", strings.Join(filled, ", "))
}
