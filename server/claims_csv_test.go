package server

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store/storetest"
)

// TestClaimExportCSV exports a tenant's claims: every claim across pages,
// none of another tenant, filters applied, amounts in decimal, and cells a
// spreadsheet would run as formulas defused.
func TestClaimExportCSV(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newAPIEnv(t, dialect)
			ctx := context.Background()
			hostile := []string{`=HYPERLINK("http://evil.example","x")`, "+33 6 12", "-2+3", "@SUM(A1)", "\tTab"}
			for i := range 205 { // more than one page of 200
				name := fmt.Sprintf("Debtor %d", i)
				if i < len(hostile) {
					name = hostile[i]
				}
				c := &portal.Claim{Reference: fmt.Sprintf("EXP-%03d", i), Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
					Debtor:   &portal.Debtor{Kind: portal.DebtorBusiness, Name: name, Language: "fr", Email: "d@example.fr", Postcode: "75011"},
					Invoices: []*portal.Invoice{{Number: "F-1", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-01-31"), Amount: 123456}}}
				if err := e.db.CreateClaim(ctx, e.tenantA, c); err != nil {
					t.Fatal(err)
				}
			}
			other := &portal.Claim{Reference: "OTHER-1", Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
				Debtor:   &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Tenant B debtor", Language: "fr"},
				Invoices: []*portal.Invoice{{Number: "F-1", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-01-31"), Amount: 100}}}
			if err := e.db.CreateClaim(ctx, e.tenantB, other); err != nil {
				t.Fatal(err)
			}

			get := func(path, key string) (int, string, [][]string) {
				req := httptest.NewRequest("GET", path, nil)
				req.Header.Set("Authorization", "Bearer "+key)
				resp, err := e.srv.App().Test(req, -1)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				raw, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != 200 {
					return resp.StatusCode, string(raw), nil
				}
				if ct := resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
					t.Fatalf("headers: %q %q", ct, resp.Header.Get("Content-Disposition"))
				}
				rows, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
				if err != nil {
					t.Fatalf("not CSV: %v", err)
				}
				return resp.StatusCode, string(raw), rows
			}
			status, raw, rows := get("/api/v1/exports/claims.csv", e.keyA)
			if status != 200 || len(rows) != 206 || strings.Join(rows[0], ",") != strings.Join(claimsCSVHeader, ",") {
				t.Fatalf("export: %d, %d rows\n%.300s", status, len(rows), raw)
			}
			if strings.Contains(raw, "OTHER-1") || strings.Contains(raw, "Tenant B") {
				t.Errorf("tenant A's export holds tenant B's claim")
			}
			names := map[string]bool{}
			for _, r := range rows[1:] {
				names[r[7]] = true
				if r[12] != "1234.56" || r[11] != "1" {
					t.Fatalf("row %v: principal %q, invoices %q", r[1], r[12], r[11])
				}
			}
			for _, h := range hostile {
				if !names["'"+h] {
					t.Errorf("cell %q not defused (names %v)", h, len(names))
				}
			}
			for n := range names {
				if n != "" && strings.ContainsRune("=+-@\t\r", rune(n[0])) {
					t.Errorf("a cell starts with a formula character: %q", n)
				}
			}
			if _, _, rows := get("/api/v1/exports/claims.csv?reference=EXP-007", e.keyA); len(rows) != 2 || rows[1][1] != "EXP-007" {
				t.Errorf("filtered export: %v", rows)
			}
			if _, _, rows := get("/api/v1/exports/claims.csv", e.keyB); len(rows) != 2 || rows[1][1] != "OTHER-1" {
				t.Errorf("tenant B's export: %v", rows)
			}
			if status, _, _ := get("/api/v1/exports/claims.csv", "nope"); status != 401 {
				t.Errorf("export without a valid key: %d", status)
			}
		})
	}
}

func TestCSVText(t *testing.T) {
	for in, want := range map[string]string{"": "", "Dupont": "Dupont", "=1+1": "'=1+1", "-5": "'-5", "+32": "'+32",
		"@x": "'@x", "\tx": "'\tx", "\rx": "'\rx", "a=b": "a=b", "'=x": "'=x"} {
		if got := csvText(in); got != want {
			t.Errorf("csvText(%q) = %q, want %q", in, got, want)
		}
	}
}
