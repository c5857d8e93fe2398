package main

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/privacy/privacytest"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// openAt opens a fresh migrated database of the dialect on clock and
// returns it with its URL, for the commands to open too.
func openAt(t *testing.T, dialect string, clock portal.Clock) (*store.DB, string) {
	t.Helper()
	url := storetest.URL(t, dialect)
	db, err := store.Open(url, store.Options{Clock: clock, DataKeys: storetest.DataKeys()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db, url
}

func writeBundle(t *testing.T, db *store.DB, signer *evidence.Signer, tenantID, claimID, path string) {
	t.Helper()
	rates, _ := rules.Default()
	b := &evidence.Builder{Source: db, Signer: signer, Version: "test", Rates: rates,
		Attachments: []portal.AttachmentSource{db, &store.LetterStore{DB: db, Rates: rates}, store.ReminderContent{DB: db}}}
	var buf bytes.Buffer
	if err := b.WriteBundle(context.Background(), tenantID, claimID, &buf); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestPurgeCommand runs relais purge on both databases: a dry run, the
// purge, a second purge; a bundle made before the purge still passes
// relais verify, and so does one made after.
func TestPurgeCommand(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			clock := &portal.FixedClock{T: time.Date(2024, 6, 30, 10, 0, 0, 0, time.UTC)}
			db, url := openAt(t, dialect, clock)
			var tenants [2]*portal.Tenant
			for i := range tenants {
				tenants[i] = &portal.Tenant{Name: "T" + string(rune('A'+i))}
				must(t, db.CreateTenant(ctx, tenants[i]))
				must(t, db.CreateCreditor(ctx, &portal.Creditor{TenantID: tenants[i].ID, LegalName: "C", Country: "FR"}))
			}
			a := privacytest.Seed(t, db, tenants[0].ID, privacytest.Options{Reference: "A-1", Tag: "zqcli1a"})
			privacytest.Seed(t, db, tenants[1].ID, privacytest.Options{Reference: "B-1", Tag: "zqcli1b", Jurisdiction: portal.JurisdictionBE})
			signer, err := evidence.GenerateSigner()
			must(t, err)
			dir := t.TempDir()
			before := filepath.Join(dir, "before.zip")
			writeBundle(t, db, signer, a.TenantID, a.Claim.ID, before)

			cmd := func(args ...string) (int, string, string) {
				t.Helper()
				var out, errb bytes.Buffer
				err := purge(ctx, append(args, "--database-url", url), &out, &errb, clock)
				code := 0
				if err != nil {
					code = 1
				}
				if s := out.String() + errb.String(); strings.Contains(s, "zqcli1") || strings.Contains(s, a.Claim.Debtor.Email) {
					t.Fatalf("the purge printed personal data:\n%s", s)
				}
				return code, out.String(), errb.String()
			}
			// FR business due 2024-01-31, restarted by the seed's payment of
			// 2024-06-30 (the plan signed, an acknowledgement): prescribed after 2029-06-30; BE business: 10 years,
			// kept to 2034-03-05.
			clock.T = time.Date(2029, 7, 1, 9, 0, 0, 0, time.UTC)
			code, out, errOut := cmd("--dry-run")
			if code != 0 || !strings.Contains(out, "would erase tenant="+a.TenantID+" claim="+a.Claim.ID+" keep_until=2029-06-30 basis=prescription debtor_fields=8") ||
				!strings.Contains(out, "purge: 2 tenants, 2 closed claims checked, would erase 1, kept 1") {
				t.Fatalf("dry run: %d %q %q", code, out, errOut)
			}
			if c, _ := db.FindClaim(ctx, a.TenantID, a.Claim.ID); c.PersonalDataErasedAt != nil {
				t.Fatal("the dry run erased")
			}
			code, out, errOut = cmd()
			if code != 0 || !strings.Contains(out, "erased tenant="+a.TenantID+" claim="+a.Claim.ID) || !strings.Contains(errOut, "erased=1") {
				t.Fatalf("purge: %d %q %q", code, out, errOut)
			}
			if c, _ := db.FindClaim(ctx, a.TenantID, a.Claim.ID); c.PersonalDataErasedAt == nil || c.Debtor.Name != portal.ErasedMarker {
				t.Fatalf("not erased: %+v", c.Debtor)
			}
			code, out, _ = cmd()
			if code != 0 || !strings.Contains(out, "erased 0") {
				t.Fatalf("second purge: %d %q", code, out)
			}
			if code, out, _ = cmd("--tenant", tenants[1].ID); code != 0 || !strings.Contains(out, "1 tenants, 1 closed claims checked, erased 0, kept 1") {
				t.Fatalf("tenant B: %d %q", code, out)
			}

			if code, out, errOut := runCLI(t, "verify", before); code != 0 {
				t.Fatalf("relais verify on the bundle made before the purge: %d %q %q", code, out, errOut)
			}
			after := filepath.Join(dir, "after.zip")
			writeBundle(t, db, signer, a.TenantID, a.Claim.ID, after)
			code, out, errOut = runCLI(t, "verify", after)
			if code != 0 || !regexp.MustCompile(`erased +2[0-9] payload\(s\) erased`).MatchString(out) {
				t.Fatalf("relais verify on the bundle made after: %d %q %q", code, out, errOut)
			}
			if code, _, errOut := runCLI(t, "purge", "--database-url", url, "--tenant", "01NOSUCHTENANT000000000000"); code != 1 || !strings.Contains(errOut, "01NOSUCHTENANT") {
				t.Fatalf("unknown tenant: %d %q", code, errOut)
			}
			if code, _, _ := runCLI(t, "purge", "--database-url", url, "extra"); code != 2 {
				t.Fatalf("stray argument: %d", code)
			}
		})
	}
}

func TestTenantRetentionCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "r.db")
	code, tenant, errOut := runCLI(t, "tenant", "add", "--database-url", db, "--name", "Agence X")
	tenant = strings.TrimSpace(tenant)
	if code != 0 {
		t.Fatalf("tenant add: %d %q", code, errOut)
	}
	if code, out, _ := runCLI(t, "tenant", "retention", "--database-url", db, "--tenant", tenant); code != 0 || out != "no_prescription_months: 60\ngrace_months: 12\n" {
		t.Fatalf("show: %d %q", code, out)
	}
	if code, out, _ := runCLI(t, "tenant", "retention", "--database-url", db, "--tenant", tenant, "--grace-months", "24"); code != 0 || out != "no_prescription_months: 60\ngrace_months: 24\n" {
		t.Fatalf("set: %d %q", code, out)
	}
	if code, _, errOut := runCLI(t, "tenant", "retention", "--database-url", db, "--tenant", tenant, "--no-prescription-months", "3"); code != 1 || !strings.Contains(errOut, "between 12 and 360") {
		t.Fatalf("out of bounds: %d %q", code, errOut)
	}
	if code, out, _ := runCLI(t, "tenant", "retention", "--database-url", db, "--tenant", tenant); code != 0 || out != "no_prescription_months: 60\ngrace_months: 24\n" {
		t.Fatalf("a refused value was stored: %d %q", code, out)
	}
	if code, _, errOut := runCLI(t, "tenant", "retention", "--database-url", db, "--tenant", "01NOSUCHTENANT000000000000"); code != 1 || !strings.Contains(errOut, "01NOSUCHTENANT") {
		t.Fatalf("unknown tenant: %d %q", code, errOut)
	}
}

func TestExportDebtorCommand(t *testing.T) {
	ctx := context.Background()
	clock := &portal.FixedClock{T: time.Date(2024, 6, 30, 10, 0, 0, 0, time.UTC)}
	db, url := openAt(t, store.SQLite, clock)
	var ids [2]string
	for i := range ids {
		tn := &portal.Tenant{Name: "T"}
		must(t, db.CreateTenant(ctx, tn))
		must(t, db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: "C", Country: "FR"}))
		ids[i] = tn.ID
	}
	x := privacytest.Seed(t, db, ids[0], privacytest.Options{Reference: "X-1", Tag: "zqexpx1"})
	privacytest.Seed(t, db, ids[1], privacytest.Options{Reference: "X-1", Tag: "zqexpb1", Email: x.Claim.Debtor.Email})
	out := filepath.Join(t.TempDir(), "x.zip")
	code, stdout, errOut := runCLI(t, "claims", "export-debtor", "--database-url", url, "--tenant", ids[0], "--claim", x.Claim.ID, "--out", out)
	if code != 0 || stdout != "" {
		t.Fatalf("export: %d %q %q", code, stdout, errOut)
	}
	st, err := os.Stat(out)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("export file: %v %v", st, err)
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var js []byte
	for _, f := range zr.File {
		if f.Name == "export.json" {
			rc, _ := f.Open()
			js, _ = io.ReadAll(rc)
			rc.Close()
		}
	}
	if !strings.Contains(string(js), "zqexpx1") || strings.Contains(string(js), "zqexpb1") || len(zr.File) != 5 {
		t.Fatalf("export holds %d files; own tag %v; other tenant's %v", len(zr.File), strings.Contains(string(js), "zqexpx1"), strings.Contains(string(js), "zqexpb1"))
	}
	for _, tt := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--tenant", ids[0], "--out", out + "2"}, 1, "give claim_id, email or customer_number"},
		{[]string{"--tenant", ids[0], "--claim", x.Claim.ID}, 2, "usage"},
		{[]string{"--tenant", ids[1], "--claim", x.Claim.ID, "--out", out + "3"}, 1, "Claim not found"},
	} {
		code, _, errOut := runCLI(t, append([]string{"claims", "export-debtor", "--database-url", url}, tt.args...)...)
		if code != tt.code || !strings.Contains(errOut, tt.msg) {
			t.Errorf("%v: %d %q", tt.args, code, errOut)
		}
	}
	if _, err := os.Stat(out + "3"); !os.IsNotExist(err) {
		t.Fatal("a failed export left a file")
	}
}
