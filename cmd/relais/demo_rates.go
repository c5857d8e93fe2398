package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

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
	type period struct {
		From   string `json:"from"`
		To     string `json:"to"`
		RateBP int64  `json:"rate_bp"`
		Status string `json:"status"`
		Source string `json:"source"`
	}
	type series struct {
		Name    string   `json:"name"`
		Periods []period `json:"periods"`
	}
	halfEnd := portal.Date{Year: today.Year, Month: time.July, Day: 1}
	if today.Month >= time.July {
		halfEnd = portal.Date{Year: today.Year + 1, Month: time.January, Day: 1}
	}
	var out []series
	var filled []string
	for _, c := range rates.Coverage(today) {
		if c.Current != nil || len(c.Periods) == 0 {
			continue
		}
		last := c.Periods[len(c.Periods)-1]
		out = append(out, series{Name: c.Series, Periods: []period{{
			From: last.To.String(), To: halfEnd.String(), RateBP: last.RateBP, Status: string(rules.StatusLikely),
			Source: "DEMO ONLY: the last published rate carried over because the rate for this period is not in Relais' data yet; not a published rate",
		}}})
		filled = append(filled, c.Series)
	}
	if len(out) == 0 {
		return "", nil, nil
	}
	b, err := json.MarshalIndent(map[string]any{"format": rules.FileFormat, "series": out}, "", "  ")
	if err != nil {
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
		"  so that claim pages show totals ('relais serve' shows no total instead; add real rates with --rates-file).\n", strings.Join(filled, ", "))
}
