package server

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store/storetest"
)

// TestConsoleImportEInvoices: the console's import page takes e-invoices
// as the API does: a bad file (an XML entity) is listed with why and
// nothing of the upload is imported; the Peppol sample is imported as a
// claim of the creditor whose VAT number is the seller's.
func TestConsoleImportEInvoices(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newChatEnv(t, dialect)
			ctx := context.Background()
			if err := e.db.CreateCreditor(ctx, &portal.Creditor{TenantID: e.tenantID, LegalName: "SupplierOfficialName Ltd",
				VATNumber: "GB1232434", Country: "BE"}); err != nil {
				t.Fatal(err)
			}
			owner := consoleAs{t, e.base, e.cookies[e.owner.ID]}
			page := owner.get("/console/claims/import")
			mustContain(t, "import page", page.body, `accept=".csv,text/csv,.xml,.pdf,.zip"`, "e-invoices (UBL, CII, Factur-X)")

			bad := einvoiceZip(t, "ubl.xml", einvoiceSample(t, "peppol/base-example.xml"), "bad.xml", []byte(`<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>`))
			r := owner.upload("/console/claims/import", owner.csrf(), "invoices.zip", bad)
			if r.status != 400 {
				t.Fatalf("bad zip: %d %s", r.status, r.body)
			}
			mustContain(t, "refused zip", r.body, `id="import-files"`, "bad.xml", "Nothing was imported: fix the files below")
			if cs, _, _ := e.db.FindClaims(ctx, e.tenantID, portal.ClaimFilter{Reference: "Snippet1"}); len(cs) != 0 {
				t.Fatal("a refused upload imported a claim")
			}

			r = owner.upload("/console/claims/import", owner.csrf(), "base-example.xml", einvoiceSample(t, "peppol/base-example.xml"))
			if r.status != 303 || r.header.Get("Location") != "/console/claims/import?imported=1" {
				t.Fatalf("good e-invoice: %d %s", r.status, r.body)
			}
			cs, _, err := e.db.FindClaims(ctx, e.tenantID, portal.ClaimFilter{Reference: "Snippet1"})
			if err != nil || len(cs) != 1 {
				t.Fatalf("imported claims: %d %v", len(cs), err)
			}
		})
	}
}

func einvoiceSample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "portal", "einvoice", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// einvoiceZip zips name, content pairs.
func einvoiceZip(t *testing.T, files ...any) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i < len(files); i += 2 {
		w, err := zw.Create(files[i].(string))
		if err != nil {
			t.Fatal(err)
		}
		w.Write(files[i+1].([]byte))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
