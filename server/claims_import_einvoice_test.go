package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/store/storetest"
	"github.com/relais/relais/server"
)

func sample(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "portal", "einvoice", "testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func zipFiles(tb testing.TB, files ...any) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i < len(files); i += 2 {
		w, _ := zw.Create(files[i].(string))
		w.Write(files[i+1].([]byte))
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func hexSHA(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// TestEInvoiceImportAPI imports the official samples through the API on
// both databases: a UBL file, a Factur-X PDF with its credit note in a zip,
// a multipart upload; the originals are kept with their SHA-256 and go into
// the evidence bundle; a bad file or an unknown seller imports nothing.
func TestEInvoiceImportAPI(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.MustOpen(t, d, nil)
			keySet, _, err := evidence.LoadKeySet(filepath.Join(t.TempDir(), "signing.key"))
			if err != nil {
				t.Fatal(err)
			}
			s := server.New(server.Config{BaseURL: "http://relais.test", Version: "test"}, server.Deps{
				Claims: db, Tenants: db, Events: db, DB: db,
				Evidence: &evidence.Builder{Source: db, Signer: keySet.Signer, KeyHistory: &keySet.History, Version: "test",
					Attachments: []portal.AttachmentSource{db}},
			})
			tn := &portal.Tenant{Name: "Agency"}
			if err := db.CreateTenant(ctx, tn); err != nil {
				t.Fatal(err)
			}
			for _, cr := range []*portal.Creditor{
				{TenantID: tn.ID, LegalName: "Au bon moulin", CompanyNumber: "999 999 998", Country: "FR"},
				{TenantID: tn.ID, LegalName: "SupplierOfficialName Ltd", VATNumber: "GB1232434", Country: "BE"},
			} {
				if err := db.CreateCreditor(ctx, cr); err != nil {
					t.Fatal(err)
				}
			}
			_, key, err := db.CreateAPIKey(ctx, tn.ID, "test")
			if err != nil {
				t.Fatal(err)
			}
			send := func(method, path, contentType string, body []byte) (int, map[string]any, []byte) {
				t.Helper()
				req := httptest.NewRequest(method, path, bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+key)
				if contentType != "" {
					req.Header.Set("Content-Type", contentType)
				}
				resp, err := s.App().Test(req, -1)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				raw, _ := io.ReadAll(resp.Body)
				var out map[string]any
				if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
					json.Unmarshal(raw, &out)
				}
				return resp.StatusCode, out, raw
			}
			claimByRef := func(ref string) map[string]any {
				t.Helper()
				_, body, _ := send("GET", "/api/v1/claims?reference="+ref, "", nil)
				list, _ := body["claims"].([]any)
				if len(list) != 1 {
					t.Fatalf("claims with reference %s: %v", ref, body)
				}
				return list[0].(map[string]any)
			}
			bundleFiles := func(id string) map[string][]byte {
				t.Helper()
				status, _, raw := send("GET", "/api/v1/claims/"+id+"/evidence.zip", "", nil)
				if status != 200 {
					t.Fatalf("bundle: %d %s", status, raw)
				}
				zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
				if err != nil {
					t.Fatal(err)
				}
				out := map[string][]byte{}
				for _, f := range zr.File {
					rc, _ := f.Open()
					out[f.Name], _ = io.ReadAll(rc)
					rc.Close()
				}
				return out
			}
			// hasFile finds the original in the bundle and its event.
			hasFile := func(files map[string][]byte, original []byte) {
				t.Helper()
				for name, b := range files {
					if strings.HasPrefix(name, "attachments/imports/") && bytes.Equal(b, original) {
						if !bytes.Contains(files["events.json"], []byte(hexSHA(original))) && !bytesContainsAny(files, hexSHA(original)) {
							t.Errorf("no event names %s", hexSHA(original))
						}
						return
					}
				}
				names := []string{}
				for n := range files {
					names = append(names, n)
				}
				t.Fatalf("original (sha256 %s) not in the bundle: %v", hexSHA(original), names)
			}

			t.Run("ErrUnknownSeller", func(t *testing.T) {
				// The Peppol sample of another supplier: VAT changed.
				b := bytes.ReplaceAll(sample(t, "peppol/base-example.xml"), []byte("GB1232434"), []byte("GB9999999"))
				status, body, _ := send("POST", "/api/v1/claims/import?filename=other.xml", "application/xml", b)
				errs, _ := body["errors"].([]any)
				if status != 400 || len(errs) != 1 || !strings.Contains(errs[0].(map[string]any)["message"].(string), "VAT GB9999999") ||
					errs[0].(map[string]any)["file"] != "other.xml" {
					t.Fatalf("%d %v", status, body)
				}
			})
			t.Run("ZipWithOneBadFileImportsNothing", func(t *testing.T) {
				z := zipFiles(t, "ubl.xml", sample(t, "peppol/base-example.xml"), "bad.xml", []byte(`<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>`))
				status, body, _ := send("POST", "/api/v1/claims/import", "application/zip", z)
				errs, _ := body["errors"].([]any)
				if status != 400 || len(errs) != 1 || errs[0].(map[string]any)["file"] != "invoices.zip/bad.xml" ||
					!strings.Contains(errs[0].(map[string]any)["message"].(string), "DOCTYPE") {
					t.Fatalf("%d %v", status, body)
				}
				_, list, _ := send("GET", "/api/v1/claims", "", nil)
				if got, _ := list["claims"].([]any); len(got) != 0 {
					t.Fatalf("imported anyway: %v", list)
				}
			})
			t.Run("UBL", func(t *testing.T) {
				original := sample(t, "peppol/base-example.xml")
				status, body, _ := send("POST", "/api/v1/claims/import?filename=base-example.xml", "application/xml", original)
				if status != 201 || body["imported"] != float64(1) {
					t.Fatalf("%d %v", status, body)
				}
				c := claimByRef("Snippet1")
				inv := c["invoices"].([]any)[0].(map[string]any)
				if c["jurisdiction"] != "BE" || c["currency"] != "EUR" || inv["amount"] != float64(165625) || inv["due_date"] != "2017-12-01" ||
					inv["payment_reference"] != "Snippet1" || c["debtor"].(map[string]any)["name"] != "Buyer Official Name" {
					t.Fatalf("claim %v", c)
				}
				hasFile(bundleFiles(c["id"].(string)), original)
				// Sent again, it is refused: the claim exists.
				status, body, _ = send("POST", "/api/v1/claims/import?filename=base-example.xml", "application/xml", original)
				if status != 400 || !strings.Contains(string(mustJSON(body)), "already exists") {
					t.Fatalf("again: %d %v", status, body)
				}
			})
			t.Run("FacturXWithCreditNoteInZip", func(t *testing.T) {
				invoice, credit := sample(t, "factur-x/Facture_FR_EN16931.pdf"), sample(t, "factur-x/Avoir_FR_type381_BASIC.pdf")
				status, body, _ := send("POST", "/api/v1/claims/import", "application/zip", zipFiles(t, "fx/invoice.pdf", invoice, "fx/credit.pdf", credit))
				if status != 201 || body["imported"] != float64(1) {
					t.Fatalf("%d %v", status, body)
				}
				_, c, _ := send("GET", "/api/v1/claims/"+claimByRef("FA-2017-0010")["id"].(string), "", nil)
				inv := c["invoices"].([]any)[0].(map[string]any)
				notes, _ := c["credit_notes"].([]any)
				if len(notes) != 1 || notes[0].(map[string]any)["amount"] != float64(23347) || notes[0].(map[string]any)["invoice_id"] != inv["id"] ||
					inv["amount"] != float64(47015) || c["jurisdiction"] != "FR" || c["debtor"].(map[string]any)["phone"] != "+33472070867" {
					t.Fatalf("claim %v", c)
				}
				files := bundleFiles(c["id"].(string))
				hasFile(files, invoice)
				hasFile(files, credit)
			})
			t.Run("Multipart", func(t *testing.T) {
				var buf bytes.Buffer
				mw := multipart.NewWriter(&buf)
				w, _ := mw.CreateFormFile("file", "Vat-category-S.xml")
				w.Write(sample(t, "peppol/Vat-category-S.xml"))
				mw.Close()
				// Its number, Snippet1, is taken by the UBL case: refused.
				status, body, _ := send("POST", "/api/v1/claims/import", mw.FormDataContentType(), buf.Bytes())
				errs, _ := body["errors"].([]any)
				if status != 400 || len(errs) != 1 || errs[0].(map[string]any)["file"] != "Vat-category-S.xml" {
					t.Fatalf("%d %v", status, body)
				}
			})
		})
	}
}

func bytesContainsAny(files map[string][]byte, s string) bool {
	for _, b := range files {
		if bytes.Contains(b, []byte(s)) {
			return true
		}
	}
	return false
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }
