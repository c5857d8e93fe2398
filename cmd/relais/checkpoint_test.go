package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// TestCheckpointCommand: relais checkpoint writes one file per tenant
// naming that tenant's claims only; relais verify --checkpoint accepts a
// bundle that agrees with it (and with an excerpt), and once the claim's
// chain is rewritten in the database, a fresh bundle still verifies alone
// but contradicts the checkpoint, on both databases.
func TestCheckpointCommand(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			clock := &portal.FixedClock{T: time.Date(2024, 6, 30, 2, 0, 0, 0, time.UTC)}
			url := storetest.URL(t, dialect)
			db, err := store.Open(url, store.Options{Clock: clock, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			tenants := map[string]*portal.Claim{}
			for _, name := range []string{"Alpha", "Beta"} {
				tn := &portal.Tenant{Name: name}
				if err := db.CreateTenant(ctx, tn); err != nil {
					t.Fatal(err)
				}
				if err := db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: name + " SAS", Country: "FR"}); err != nil {
					t.Fatal(err)
				}
				c := &portal.Claim{Reference: name + "-1", Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
					Debtor:   &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Dupont SARL", Language: "fr", Postcode: "75011"},
					Invoices: []*portal.Invoice{{Number: "1", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-02-01"), Amount: 9900}}}
				if err := db.CreateClaim(ctx, tn.ID, c); err != nil {
					t.Fatal(err)
				}
				for i := 0; i < 3; i++ {
					clock.Advance(time.Minute)
					if _, err := db.AppendEvent(ctx, tn.ID, c.ID, portal.EventNoteWritten, map[string]any{"text": "relance"}); err != nil {
						t.Fatal(err)
					}
				}
				tenants[tn.ID] = c
			}
			keyFile := filepath.Join(t.TempDir(), "signing.key")
			signer, _, err := evidence.LoadOrCreateKey(keyFile)
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(t.TempDir(), "checkpoints")
			clock.Advance(time.Hour)
			var out, errOut bytes.Buffer
			if err := checkpoint(ctx, []string{"--database-url", url, "--key-file", keyFile, "--checkpoint-dir", dir}, &out, &errOut, clock); err != nil {
				t.Fatalf("%v\n%s", err, errOut.String())
			}
			if !strings.Contains(out.String(), "2 checkpoint(s) signed with key "+signer.Fingerprint()) {
				t.Fatalf("output:\n%s", out.String())
			}
			files := map[string]string{}
			for tenantID, c := range tenants {
				path := evidence.CheckpointFile(dir, tenantID, clock.T)
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("no checkpoint file for tenant %s: %v", tenantID, err)
				}
				cp, _, err := evidence.ParseCheckpoint(b)
				if err != nil || cp.TenantID != tenantID || cp.TreeSize != 1 {
					t.Fatalf("checkpoint of %s: %+v %v", tenantID, cp, err)
				}
				if l, ok := cp.Leaf(c.ID); !ok || l.Seq != 4 {
					t.Fatalf("leaf of %s: %+v", c.ID, l)
				}
				files[tenantID] = path
			}

			var tenantA, tenantB string
			for id := range tenants {
				if tenants[id].Reference == "Alpha-1" {
					tenantA = id
				} else {
					tenantB = id
				}
			}
			claim := tenants[tenantA]
			bundleDir := t.TempDir()
			bundle := func(name string) string {
				var buf bytes.Buffer
				if err := (&evidence.Builder{Source: db, Signer: signer, Version: "test"}).WriteBundle(ctx, tenantA, claim.ID, &buf); err != nil {
					t.Fatal(err)
				}
				p := filepath.Join(bundleDir, name)
				os.WriteFile(p, buf.Bytes(), 0o600)
				return p
			}
			run1 := func(args ...string) (int, string, string) {
				var out, errOut bytes.Buffer
				code := run(ctx, args, &out, &errOut)
				return code, out.String(), errOut.String()
			}
			clock.Advance(time.Minute)
			if _, err := db.AppendEvent(ctx, tenantA, claim.ID, portal.EventNoteWritten, map[string]any{"text": "après"}); err != nil {
				t.Fatal(err)
			}
			good := bundle("good.zip")
			excerpt := filepath.Join(t.TempDir(), "excerpt.json")

			t.Run("Agrees", func(t *testing.T) {
				code, out, errOut := run1("verify", "--checkpoint", files[tenantA], good)
				if code != 0 || !strings.Contains(out, "agrees with the checkpoint of 2024-06-30T03:06:00Z") || !strings.Contains(out, "event 4 hash") ||
					!strings.Contains(out, "1 event(s) since") {
					t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
				}
			})
			t.Run("Excerpt", func(t *testing.T) {
				code, out, errOut := run1("checkpoint", "excerpt", "--claim", claim.ID, files[tenantA])
				if code != 0 || !strings.Contains(out, `"audit_path"`) {
					t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
				}
				os.WriteFile(excerpt, []byte(out), 0o600)
				code, out, errOut = run1("verify", "--checkpoint", excerpt, good)
				if code != 0 || !strings.Contains(out, "checkpoint excerpt (inclusion proof checked)") {
					t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
				}
			})
			t.Run("ErrOtherTenant", func(t *testing.T) {
				code, _, errOut := run1("verify", "--checkpoint", files[tenantB], good)
				if code != 1 || !strings.Contains(errOut, "contradicts checkpoint of") || !strings.Contains(errOut, "does not list claim "+claim.ID) {
					t.Fatalf("exit %d: %s", code, errOut)
				}
			})
			t.Run("ErrTamperedCheckpoint", func(t *testing.T) {
				b, _ := os.ReadFile(files[tenantA])
				forged := filepath.Join(t.TempDir(), "forged.json")
				os.WriteFile(forged, bytes.Replace(b, []byte(`"seq": 4`), []byte(`"seq": 3`), 1), 0o600)
				code, _, errOut := run1("verify", "--checkpoint", forged, good)
				if code != 1 || !strings.Contains(errOut, "not the signed root") {
					t.Fatalf("exit %d: %s", code, errOut)
				}
			})

			// A superuser rewrites event 3 and every later hash.
			drop, upd := "DROP TRIGGER events_append_only_update", "UPDATE events SET payload = ?, payload_hash = ?, prev_hash = ?, hash = ? WHERE id = ?"
			if dialect == store.Postgres {
				drop, upd = "DROP TRIGGER events_append_only_update ON events", "UPDATE events SET payload = $1, payload_hash = $2, prev_hash = $3, hash = $4 WHERE id = $5"
			}
			if _, err := db.SQL().Exec(drop); err != nil {
				t.Fatal(err)
			}
			events, err := db.ListEvents(ctx, tenantA, claim.ID, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			prev := portal.GenesisHash
			for _, e := range events {
				if e.Seq == 3 {
					e.Payload = `{"text":"jamais relancé"}`
					e.PayloadHash = portal.SHA256Hex([]byte(e.Payload))
				}
				e.PrevHash, e.Hash = prev, ""
				e.Hash = e.ComputeHash()
				prev = e.Hash
				if _, err := db.SQL().Exec(upd, e.Payload, e.PayloadHash, e.PrevHash, e.Hash, e.ID); err != nil {
					t.Fatal(err)
				}
			}
			rewritten := bundle("rewritten.zip")
			t.Run("RewrittenIntactAlone", func(t *testing.T) {
				code, out, errOut := run1("verify", "--public-key", signer.PublicKeyBase64(), rewritten)
				if code != 0 || !strings.Contains(out, "is intact") {
					t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
				}
			})
			t.Run("RewrittenContradicts", func(t *testing.T) {
				for _, cp := range []string{files[tenantA], excerpt} {
					code, _, errOut := run1("verify", "--checkpoint", cp, rewritten)
					if code != 1 || !strings.Contains(errOut, "rewritten.zip contradicts checkpoint of 2024-06-30T03:06:00Z: event 4 of claim "+claim.ID) ||
						!strings.Contains(errOut, "the chain was rewritten") {
						t.Fatalf("exit %d: %s", code, errOut)
					}
				}
			})
		})
	}
}
