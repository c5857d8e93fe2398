package main

import (
	"os"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/rules"
)

func TestDemoRatesFile(t *testing.T) {
	dir := t.TempDir()
	// Every series is known on this date: nothing to assume.
	if path, filled, err := demoRatesFile(dir, portal.MustDate("2026-03-01")); err != nil || path != "" || filled != nil {
		t.Fatalf("covered date: %q %v %v", path, filled, err)
	}
	today := portal.MustDate("2026-11-25")
	path, filled, err := demoRatesFile(dir, today)
	if err != nil || path == "" || len(filled) == 0 {
		t.Fatalf("missing rates: %q %v %v", path, filled, err)
	}
	raw, _ := os.ReadFile(path)
	if !strings.Contains(string(raw), "DEMO ONLY") {
		t.Fatal("the assumed rates are not labelled")
	}
	rates, _ := rules.Default()
	if err := rates.Extend(path); err != nil {
		t.Fatal(err)
	}
	for _, c := range rates.Coverage(today) {
		if !c.OK {
			t.Errorf("%s still missing after the demo file", c.Series)
		}
	}
	p, err := rates.Rate(rules.SeriesFRB2B, today)
	if err != nil || p.RateBP != 1215 {
		t.Fatalf("fr_b2b carried over: %+v %v", p, err)
	}
}
