package csvimport_test

import (
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/csvimport"
)

// FuzzParse: any input either parses into valid claims or yields line
// errors; never both, never a panic, and every claim passes Validate.
func FuzzParse(f *testing.F) {
	f.Add(header + goodRows)
	f.Add(header + "R-3,EUR,FR,business,X,fr,75011,F-1,2024-01-01,2024-01-31,\"12,5O\"\n")
	f.Add("reference\n\"unterminated\n")
	f.Add("\ufeff" + header + goodRows)
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		parsed, errs := csvimport.Parse(strings.NewReader(in), portal.MustDate("2024-06-30"))
		if (parsed == nil) == (errs == nil) && !(parsed == nil && errs == nil) {
			t.Fatalf("parsed=%d errs=%d", len(parsed), len(errs))
		}
		for _, p := range parsed {
			if err := p.Claim.Validate(); err != nil {
				t.Fatalf("parsed claim does not validate: %v", err)
			}
			if len(p.Lines) != len(p.Claim.Invoices) {
				t.Fatalf("lines %v for %d invoices", p.Lines, len(p.Claim.Invoices))
			}
		}
		for _, e := range errs {
			if e.Line < 1 || e.Message == "" {
				t.Fatalf("bad line error %+v", e)
			}
		}
	})
}
