package server

import (
	"fmt"
	"strings"
	"testing"

	"github.com/relais/relais/portal/csvimport"
	"github.com/relais/relais/portal/store/storetest"
)

// The documented maximum, 50,000 rows, imports through the API within the
// server's request timeout on both databases (it answered 503 at 20,000:
// each claim was a dozen statements; they are now batched). The time it
// takes is measured by BenchmarkImport, not here.
func TestCSVImportMaxRows(t *testing.T) {
	if testing.Short() {
		t.Skip("50,000 rows")
	}
	var b strings.Builder
	b.WriteString("reference,currency,jurisdiction,debtor_kind,debtor_name,debtor_language,debtor_postcode,invoice_number,issue_date,due_date,amount\n")
	for i := 0; i < csvimport.MaxRows; i++ {
		fmt.Fprintf(&b, "R-%d,EUR,FR,business,Dupont SARL,fr,75011,F-%d,2024-01-01,2024-01-31,\"1 234,56\"\n", i/2, i)
	}
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			e := newAPIEnv(t, d)
			status, body := e.do(t, "POST", "/api/v1/claims/import", e.keyA, "text/csv", b.String())
			if status != 201 || body["imported"] != float64(csvimport.MaxRows/2) {
				t.Fatalf("%d %v", status, body)
			}
			// The same file again: every reference is a duplicate, found in
			// a few queries, and nothing more is stored.
			status, body = e.do(t, "POST", "/api/v1/claims/import", e.keyA, "text/csv", b.String())
			if errs, _ := body["errors"].([]any); status != 400 || len(errs) == 0 {
				t.Fatalf("second import: %d, %d errors: %v", status, len(errs), body)
			}
		})
	}
}
