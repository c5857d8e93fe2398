package main

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

func TestVerifyCommand(t *testing.T) {
	ctx := context.Background()
	db := storetest.MustOpen(t, store.SQLite, nil)
	tn := &portal.Tenant{Name: "Alpha"}
	if err := db.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: "Alpha SAS", Country: "FR"}); err != nil {
		t.Fatal(err)
	}
	c := &portal.Claim{Reference: "V-1", Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
		Debtor:   &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Dupont SARL", Language: "fr", Postcode: "75011"},
		Invoices: []*portal.Invoice{{Number: "1", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-02-01"), Amount: 9900}}}
	if err := db.CreateClaim(ctx, tn.ID, c); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := db.AppendEvent(ctx, tn.ID, c.ID, portal.EventNoteWritten, map[string]any{"text": "relance téléphonique"}); err != nil {
			t.Fatal(err)
		}
	}
	keyFile := filepath.Join(t.TempDir(), "signing.key")
	signer, _, err := evidence.LoadOrCreateKey(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := (&evidence.Builder{Source: db, Signer: signer, Version: "test"}).WriteBundle(ctx, tn.ID, c.ID, &buf); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "bundle.zip")
	os.WriteFile(good, buf.Bytes(), 0o600)
	// Change one event's text: the entries are deflated, so rewrite the zip.
	bad := filepath.Join(dir, "bad.zip")
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var forged bytes.Buffer
	zw := zip.NewWriter(&forged)
	for _, f := range zr.File {
		rc, _ := f.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		if f.Name == "events.jsonl" {
			data = bytes.Replace(data, []byte("relance t"), []byte("relance T"), 1)
		}
		w, _ := zw.Create(f.Name)
		w.Write(data)
	}
	zw.Close()
	os.WriteFile(bad, forged.Bytes(), 0o600)

	run1 := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(ctx, args, &out, &errOut)
		return code, out.String(), errOut.String()
	}
	t.Run("Intact", func(t *testing.T) {
		code, out, errOut := run1("verify", "--public-key", signer.PublicKeyBase64(), good)
		if code != 0 || !strings.Contains(out, "is intact") || !strings.Contains(out, "events       4") || !strings.Contains(out, signer.Fingerprint()) {
			t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
		}
	})
	t.Run("Tampered", func(t *testing.T) {
		code, _, errOut := run1("verify", bad)
		if code != 1 || !strings.Contains(errOut, "NOT intact") || !strings.Contains(errOut, "event 2 (events.jsonl line 2)") {
			t.Fatalf("exit %d: %s", code, errOut)
		}
	})
	t.Run("OtherKey", func(t *testing.T) {
		other, _ := evidence.GenerateSigner()
		code, _, errOut := run1("verify", "--public-key", other.PublicKeyBase64(), good)
		if code != 1 || !strings.Contains(errOut, "not the trusted key") {
			t.Fatalf("exit %d: %s", code, errOut)
		}
	})
	t.Run("Usage", func(t *testing.T) {
		if code, _, _ := run1("verify"); code != 2 {
			t.Fatalf("exit %d", code)
		}
	})
}
