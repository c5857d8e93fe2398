package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/store/storetest"
)

// TestKeyRotationCommands drives what an operator and a court do: start
// (the key is created), hand out a bundle, `relais key rotate` twice,
// `relais key show`, publish the history, and `relais verify` old and new
// bundles with the old key, the new key and the history, on both
// databases.
func TestKeyRotationCommands(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			// Events are dated by the database clock; set one hour ago so
			// that the rotations (system clock) come after them.
			clock := &portal.FixedClock{T: time.Now().UTC().Add(-time.Hour).Truncate(time.Microsecond)}
			db := storetest.MustOpen(t, d, clock)
			tn := &portal.Tenant{Name: "Alpha"}
			if err := db.CreateTenant(ctx, tn); err != nil {
				t.Fatal(err)
			}
			if err := db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: "Alpha SAS", Country: "FR"}); err != nil {
				t.Fatal(err)
			}
			c := &portal.Claim{Reference: "K-1", Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
				Debtor:   &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Dupont SARL", Language: "fr", Postcode: "75011"},
				Invoices: []*portal.Invoice{{Number: "1", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-02-01"), Amount: 9900}}}
			if err := db.CreateClaim(ctx, tn.ID, c); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			keyFile := filepath.Join(dir, "keys", "signing.key")
			note := func(text string) {
				t.Helper()
				clock.Advance(time.Second)
				if _, err := db.AppendEvent(ctx, tn.ID, c.ID, portal.EventNoteWritten, map[string]any{"text": text}); err != nil {
					t.Fatal(err)
				}
			}
			// bundle writes a bundle signed by the key an instance
			// starting now would load.
			bundle := func(name string, signer *evidence.Signer) string {
				t.Helper()
				var buf bytes.Buffer
				if err := (&evidence.Builder{Source: db, Signer: signer, Version: "test"}).WriteBundle(ctx, tn.ID, c.ID, &buf); err != nil {
					t.Fatal(err)
				}
				p := filepath.Join(dir, name)
				os.WriteFile(p, buf.Bytes(), 0o600)
				return p
			}
			// serveKey is the key an instance starting now signs with.
			serveKey := func() *evidence.Signer {
				t.Helper()
				b, err := evidenceBuilder(config{KeyFile: keyFile}, slog.New(slog.DiscardHandler), db, nil)
				if err != nil {
					t.Fatal(err)
				}
				return b.Signer
			}

			if code, _, errOut := runCLI(t, "key", "show", "--key-file", keyFile); code != 1 || !strings.Contains(errOut, "no signing key") {
				t.Fatalf("show before the first start: %d %s", code, errOut)
			}
			if code, _, errOut := runCLI(t, "key", "rotate", "--key-file", keyFile); code != 1 || !strings.Contains(errOut, "nothing to rotate") {
				t.Fatalf("rotate before the first start: %d %s", code, errOut)
			}
			k0 := serveKey()
			k0File, _ := os.ReadFile(keyFile)
			note("before the rotation")
			before := bundle("before.zip", k0)

			code, out, errOut := runCLI(t, "key", "rotate", "--key-file", keyFile)
			if code != 0 || !strings.Contains(out, "retired   "+k0.Fingerprint()) || !strings.Contains(out, "Restart every instance") {
				t.Fatalf("rotate: %d %s %s", code, out, errOut)
			}
			k1 := serveKey()
			if bytes.Equal(k1.PublicKey(), k0.PublicKey()) {
				t.Fatal("the rotation kept the key")
			}
			note("after the first rotation")
			after := bundle("after.zip", k1)
			if code, _, errOut := runCLI(t, "key", "rotate", "--compromised", "--key-file", keyFile); code != 0 {
				t.Fatalf("second rotation: %s", errOut)
			}
			k2 := serveKey()
			current := bundle("current.zip", k2)

			t.Run("Show", func(t *testing.T) {
				code, out, errOut := runCLI(t, "key", "show", "--key-file", keyFile)
				i0, i1, i2 := strings.Index(out, k0.Fingerprint()), strings.Index(out, k1.Fingerprint()), strings.Index(out, k2.Fingerprint())
				if code != 0 || i0 < 0 || i1 < 0 || i2 < 0 || !strings.Contains(out, "2 key(s), oldest first") || !strings.Contains(out, "COMPROMISED") {
					t.Fatalf("show: %d %s %s", code, out, errOut)
				}
				// The current key first, then the retired ones oldest first.
				if !(i2 < i0 && i0 < i1) {
					t.Fatalf("order: %s", out)
				}
			})
			history := filepath.Join(dir, "keys.json")
			code, js, errOut := runCLI(t, "key", "show", "--json", "--key-file", keyFile)
			if code != 0 {
				t.Fatal(errOut)
			}
			os.WriteFile(history, []byte(js), 0o600)
			p, err := evidence.ParsePublishedKeys([]byte(js))
			if err != nil || p.PublicKey != k2.PublicKeyBase64() || len(p.History) != 2 ||
				p.History[0].PublicKey != k0.PublicKeyBase64() || p.History[1].PublicKey != k1.PublicKeyBase64() || !p.History[1].Compromised {
				t.Fatalf("key show --json: %v %s", err, js)
			}
			// An instance started now publishes the same on the endpoint.
			b, err := evidenceBuilder(config{KeyFile: keyFile}, slog.New(slog.DiscardHandler), db, nil)
			if err != nil {
				t.Fatal(err)
			}
			if served, _ := json.Marshal(b.PublishedKeys()); !bytes.Equal(served, mustCompact(t, js)) {
				t.Fatalf("endpoint %s\nkey show --json %s", served, js)
			}
			period := func(k evidence.RetiredKey) string {
				return "valid from " + k.From.Format(time.RFC3339) + " until " + k.Until.Format(time.RFC3339)
			}

			t.Run("OldBundleOldKey", func(t *testing.T) {
				code, out, errOut := runCLI(t, "verify", "--public-key", k0.PublicKeyBase64(), before)
				if code != 0 || !strings.Contains(out, "is intact") || !strings.Contains(out, k0.Fingerprint()) {
					t.Fatalf("%d %s %s", code, out, errOut)
				}
			})
			t.Run("OldBundleHistory", func(t *testing.T) {
				code, out, errOut := runCLI(t, "verify", "--key-history", history, before)
				if code != 0 || !strings.Contains(out, "a retired key of the operator, "+period(p.History[0])) || strings.Contains(out, "WARNING") {
					t.Fatalf("%d %s %s", code, out, errOut)
				}
			})
			t.Run("OldBundleNewKeyAlone", func(t *testing.T) {
				code, _, errOut := runCLI(t, "verify", "--public-key", k2.PublicKeyBase64(), before)
				if code != 1 || !strings.Contains(errOut, "NOT intact") || !strings.Contains(errOut, "not the trusted key") {
					t.Fatalf("%d %s", code, errOut)
				}
			})
			t.Run("BundleOfCompromisedKey", func(t *testing.T) {
				code, out, errOut := runCLI(t, "verify", "--key-history", history, after)
				if code != 0 || !strings.Contains(out, k1.Fingerprint()) || !strings.Contains(out, period(p.History[1])) ||
					!strings.Contains(out, "WARNING      key "+k1.Fingerprint()+" was retired on") || !strings.Contains(out, "as compromised") {
					t.Fatalf("%d %s %s", code, out, errOut)
				}
			})
			t.Run("CurrentKey", func(t *testing.T) {
				code, out, errOut := runCLI(t, "verify", "--key-history", history, "--public-key", k2.PublicKeyBase64(), current)
				if code != 0 || !strings.Contains(out, "the operator's current key, signing since "+p.From.Format(time.RFC3339)) || strings.Contains(out, "WARNING") {
					t.Fatalf("%d %s %s", code, out, errOut)
				}
			})
			t.Run("SignedAfterRetirement", func(t *testing.T) {
				// An instance not restarted keeps k0 and signs a claim whose
				// last event is later than k0's retirement.
				clock.T = p.History[0].Until.Add(time.Minute)
				note("seen by an instance not restarted")
				stale := bundle("stale.zip", k0)
				code, out, errOut := runCLI(t, "verify", "--key-history", history, stale)
				if code != 0 || !strings.Contains(out, "is intact") || !strings.Contains(out, "WARNING") || !strings.Contains(out, "after key "+k0.Fingerprint()+" was retired") {
					t.Fatalf("%d %s %s", code, out, errOut)
				}
			})
			t.Run("ErrRetiredKeyAtStart", func(t *testing.T) {
				// The key file restored from a backup made before the rotations.
				current, _ := os.ReadFile(keyFile)
				os.WriteFile(keyFile, k0File, 0o600)
				defer os.WriteFile(keyFile, current, 0o600)
				_, err := evidenceBuilder(config{KeyFile: keyFile}, slog.New(slog.DiscardHandler), db, nil)
				if !errors.Is(err, evidence.ErrRetiredKey) {
					t.Fatalf("an instance started with a retired key: %v", err)
				}
			})
			t.Run("ErrUnknownKey", func(t *testing.T) {
				other, _ := evidence.GenerateSigner()
				code, _, errOut := runCLI(t, "verify", "--key-history", history, bundle("other.zip", other))
				if code != 1 || !strings.Contains(errOut, "neither the published key") {
					t.Fatalf("%d %s", code, errOut)
				}
			})
			t.Run("ErrBadHistory", func(t *testing.T) {
				bad := filepath.Join(dir, "bad.json")
				os.WriteFile(bad, []byte(`{"algorithm":"Ed25519","public_key":"nope"}`), 0o600)
				if code, _, errOut := runCLI(t, "verify", "--key-history", bad, before); code != 1 || !strings.Contains(errOut, "--key-history") {
					t.Fatalf("%d %s", code, errOut)
				}
				if code, _, _ := runCLI(t, "key", "spin"); code != 2 {
					t.Fatalf("unknown subcommand: %d", code)
				}
			})
		})
	}
}

func mustCompact(t *testing.T, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(s)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
