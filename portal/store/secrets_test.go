package store_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/datakey"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
	"github.com/relais/relais/portal/webhooks"
)

// TestWebhookSecretsSealed: the webhook secrets are in the database only
// sealed with the data key, bound to their row; deliveries are still
// signed with the secrets the receiver holds, across a rotation; a
// ciphertext moved to another row, a wrong key or a clear value is never
// sent with; clear legacy values and values under a retired key are
// sealed again by SealSecrets, once, with instances running it at once.
func TestWebhookSecretsSealed(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			url := storetest.URL(t, dialect)
			db := storetest.MustOpenURL(t, url, nil)
			a := seedTenant(t, db, "Alpha")
			c := newClaim("R-SEAL")
			if err := db.CreateClaim(ctx, a.ID, c); err != nil {
				t.Fatal(err)
			}
			e1, err := db.CreateWebhookEndpoint(ctx, a.ID, webhooks.EndpointInput{URL: "https://erp.alpha.example/one"})
			if err != nil {
				t.Fatal(err)
			}
			e2, err := db.CreateWebhookEndpoint(ctx, a.ID, webhooks.EndpointInput{URL: "https://erp.alpha.example/two"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.AppendEvent(ctx, a.ID, c.ID, portal.EventPaymentRecorded, map[string]any{"amount": 100}); err != nil {
				t.Fatal(err)
			}
			// raw is what a dump of the database holds.
			raw := func(t *testing.T, id string) (secret, previous string) {
				t.Helper()
				if err := db.SQL().QueryRow(rebind(db, "SELECT secret, previous_secret FROM webhook_endpoints WHERE id = ?"), id).Scan(&secret, &previous); err != nil {
					t.Fatal(err)
				}
				return secret, previous
			}
			exec := func(t *testing.T, q string, args ...any) {
				t.Helper()
				if _, err := db.SQL().Exec(rebind(db, q), args...); err != nil {
					t.Fatal(err)
				}
			}
			// due are the deliveries a worker would send, by endpoint (a
			// lease of 0: each call takes them all again).
			due := func(t *testing.T, h *store.DB) map[string]*webhooks.Delivery {
				t.Helper()
				ds, err := h.ClaimWebhookDeliveries(ctx, "test", h.Now(), 0, 100)
				var held *webhooks.UnreadableSecrets
				if err != nil && !errors.As(err, &held) {
					t.Fatal(err)
				}
				if held != nil && held.Deliveries == 0 {
					t.Fatalf("an UnreadableSecrets error holding back no delivery: %v", err)
				}
				out := map[string]*webhooks.Delivery{}
				for _, d := range ds {
					out[d.EndpointID] = d
				}
				return out
			}
			// verifies: a delivery signed with d's secrets verifies with
			// each of want, the receiver's secrets.
			verifies := func(t *testing.T, d *webhooks.Delivery, want ...string) {
				t.Helper()
				if !slices.Equal(d.Secrets, want) {
					t.Fatalf("delivery to %s signs with %d secrets, not the receiver's %d (or not in order)", d.EndpointID, len(d.Secrets), len(want))
				}
				h, body, at := http.Header{}, []byte(`{"type":"payment.recorded"}`), db.Now()
				if err := webhooks.SetHeaders(h, d.Secrets, d.ID, at, body); err != nil {
					t.Fatal(err)
				}
				for _, s := range want {
					if err := webhooks.VerifyAt(s, h, body, 0, at); err != nil {
						t.Fatalf("the receiver's secret does not verify: %v", err)
					}
				}
			}
			current := storetest.DataKeys().CurrentID()
			sealedHere := func(t *testing.T, v, clear string) {
				t.Helper()
				if !strings.HasPrefix(v, datakey.Prefix+current+":") || strings.Contains(v, clear) || strings.Contains(v, strings.TrimPrefix(clear, "whsec_")) {
					t.Fatalf("stored value %q is not sealed under key %s", v, current)
				}
			}

			t.Run("NotInClear", func(t *testing.T) {
				for _, e := range []*webhooks.Endpoint{e1, e2} {
					s, p := raw(t, e.ID)
					sealedHere(t, s, e.Secret)
					if p != "" {
						t.Fatalf("previous secret %q before any rotation", p)
					}
				}
				s1, _ := raw(t, e1.ID)
				s2, _ := raw(t, e2.ID)
				if s1 == s2 {
					t.Fatal("two endpoints' sealed secrets are equal")
				}
			})

			t.Run("DeliveriesVerify", func(t *testing.T) {
				got := due(t, db)
				if len(got) != 2 {
					t.Fatalf("%d deliveries due, want 2", len(got))
				}
				verifies(t, got[e1.ID], e1.Secret)
				verifies(t, got[e2.ID], e2.Secret)
			})

			var rotated string
			t.Run("Rotation", func(t *testing.T) {
				rot, err := db.RotateWebhookSecret(ctx, a.ID, e1.ID, 2*time.Hour)
				if err != nil {
					t.Fatal(err)
				}
				rotated = rot.Secret
				s, p := raw(t, e1.ID)
				sealedHere(t, s, rot.Secret)
				sealedHere(t, p, e1.Secret)
				verifies(t, due(t, db)[e1.ID], rot.Secret, e1.Secret)
			})

			t.Run("CiphertextMoved", func(t *testing.T) {
				s1, _ := raw(t, e1.ID)
				exec(t, "UPDATE webhook_endpoints SET secret = ? WHERE id = ?", s1, e2.ID)
				got := due(t, db)
				if got[e2.ID] != nil {
					t.Fatal("a delivery was signed with a secret moved from another row")
				}
				verifies(t, got[e1.ID], rotated, e1.Secret)
				// Nor may it keep signing as the previous secret; a rotation
				// without overlap replaces it.
				if _, err := db.RotateWebhookSecret(ctx, a.ID, e2.ID, time.Hour); portal.ErrorCode(err) != portal.ECONFLICT {
					t.Fatalf("rotation keeping a secret that does not decrypt: %v", err)
				}
				if got := due(t, db)[e2.ID]; got != nil {
					t.Fatal("the refused rotation changed the secret")
				}
				rot, err := db.RotateWebhookSecret(ctx, a.ID, e2.ID, 0)
				if err != nil {
					t.Fatal(err)
				}
				e2.Secret = rot.Secret
				verifies(t, due(t, db)[e2.ID], e2.Secret)
			})

			t.Run("WrongKey", func(t *testing.T) {
				other := storetest.MustOpenURL(t, url, nil)
				wrong, err := datakey.Generate()
				if err != nil {
					t.Fatal(err)
				}
				other.UseDataKeys(wrong)
				if got := due(t, other); len(got) != 0 {
					t.Fatalf("an instance with another data key sent %d deliveries", len(got))
				}
				_, err = other.SealSecrets(ctx)
				if err == nil || !strings.Contains(err.Error(), "every instance needs the same data key file") || !strings.Contains(err.Error(), current) {
					t.Fatalf("start with another data key: %v", err)
				}
				if len(due(t, db)) != 2 {
					t.Fatal("the failed start changed the secrets")
				}
				none, err := store.Open(url, store.Options{Clock: &portal.FixedClock{T: db.Now()}})
				if err != nil {
					t.Fatal(err)
				}
				defer none.Close()
				if _, err := none.CreateWebhookEndpoint(ctx, a.ID, webhooks.EndpointInput{URL: "https://erp.alpha.example/three"}); err == nil || !strings.Contains(err.Error(), "no data key") {
					t.Fatalf("an endpoint created without a data key: %v", err)
				}
			})

			var clearPrev string
			t.Run("LegacyClear", func(t *testing.T) {
				// A rotation sets the previous secret's expiry; then both
				// values are written in clear, as before they were sealed.
				if _, err := db.RotateWebhookSecret(ctx, a.ID, e2.ID, time.Hour); err != nil {
					t.Fatal(err)
				}
				clear := webhooks.NewSecret()
				clearPrev = webhooks.NewSecret()
				exec(t, "UPDATE webhook_endpoints SET secret = ?, previous_secret = ? WHERE id = ?", clear, clearPrev, e2.ID)
				if due(t, db)[e2.ID] != nil {
					t.Fatal("a delivery was signed with a secret stored in clear")
				}
				// Two instances start at once: each value is sealed once.
				h2 := storetest.MustOpenURL(t, url, nil)
				var wg sync.WaitGroup
				reps := make([]store.SealReport, 2)
				errs := make([]error, 2)
				for i, h := range []*store.DB{db, h2} {
					wg.Add(1)
					go func() {
						defer wg.Done()
						reps[i], errs[i] = h.SealSecrets(ctx)
					}()
				}
				wg.Wait()
				if errs[0] != nil || errs[1] != nil || reps[0].Encrypted+reps[1].Encrypted != 2 || reps[0].Resealed+reps[1].Resealed != 0 {
					t.Fatalf("concurrent seals: %+v %v", reps, errs)
				}
				s, p := raw(t, e2.ID)
				sealedHere(t, s, clear)
				sealedHere(t, p, clearPrev)
				verifies(t, due(t, db)[e2.ID], clear, clearPrev)
				verifies(t, due(t, h2)[e2.ID], clear, clearPrev)
				if rep, err := db.SealSecrets(ctx); err != nil || rep != (store.SealReport{}) {
					t.Fatalf("second seal: %+v %v", rep, err)
				}
				e2.Secret = clear
			})

			t.Run("KeyRotated", func(t *testing.T) {
				next, err := storetest.DataKeys().Rotated()
				if err != nil {
					t.Fatal(err)
				}
				h := storetest.MustOpenURL(t, url, nil)
				h.UseDataKeys(next)
				// The sealed values: e1's secret and previous, e2's secret and previous.
				rep, err := h.SealSecrets(ctx)
				if err != nil || rep.Resealed != 4 || rep.Encrypted != 0 {
					t.Fatalf("reseal: %+v %v", rep, err)
				}
				s, _ := raw(t, e1.ID)
				if datakey.SealedKeyID(s) != next.CurrentID() {
					t.Fatalf("after the rotation sealed under %s, want %s", datakey.SealedKeyID(s), next.CurrentID())
				}
				got := due(t, h)
				verifies(t, got[e1.ID], rotated, e1.Secret)
				verifies(t, got[e2.ID], e2.Secret, clearPrev)
				if len(due(t, db)) != 0 {
					t.Fatal("an instance without the new key signed")
				}
			})
		})
	}
}

// TestLetterPrintCopySealed: a letter's copy to print, which carries the
// debtor's working portal link, is stored sealed and bound to its letter;
// a copy from another letter does not open; one stored in clear before
// is sealed by SealSecrets, once.
func TestLetterPrintCopySealed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tn := &portal.Tenant{Name: "T"}
		noErr(t, db.CreateTenant(ctx, tn))
		noErr(t, db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: "Atelier SARL", Country: "FR", IBAN: "FR1420041010050500013M02606"}))
		c := &portal.Claim{Reference: "L-1", Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
			Debtor:   &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Garage", Language: "fr", Postcode: "69007"},
			Invoices: []*portal.Invoice{{Number: "F-1", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-01-31"), Amount: 100000}}}
		noErr(t, db.CreateClaim(ctx, tn.ID, c))
		rates, err := rules.Default()
		noErr(t, err)
		letters := &store.LetterStore{DB: db, Rates: rates, PortalLink: func(ctx context.Context, tenantID, claimID string) (string, string, error) {
			l, tok, err := db.IssueLink(ctx, tenantID, claimID, portal.ChannelLetter, 0)
			return l.ID, "https://pay.example/p/" + tok, err
		}}
		l1, err := letters.CreateLetter(ctx, tn.ID, c.ID, portal.LetterRequest{Kind: portal.LetterReminder})
		noErr(t, err)
		l2, err := letters.CreateLetter(ctx, tn.ID, c.ID, portal.LetterRequest{Kind: portal.LetterReminder})
		noErr(t, err)
		raw := func(id string) []byte {
			t.Helper()
			var b []byte
			noErr(t, db.SQL().QueryRow(rebind(db, "SELECT print_pdf FROM letters WHERE id = ?"), id).Scan(&b))
			return b
		}
		printed := func(l *portal.Letter) error {
			t.Helper()
			got, err := letters.FindLetter(ctx, tn.ID, c.ID, l.ID)
			if err != nil {
				return err
			}
			if portal.SHA256Hex(got.PDF) != l.PrintSHA256 {
				t.Fatalf("letter %s: the copy served is not the copy to print", l.ID)
			}
			return nil
		}
		current := storetest.DataKeys().CurrentID()
		s1 := raw(l1.ID)
		if !bytes.HasPrefix(s1, []byte(datakey.Prefix+current+":")) || bytes.Contains(s1, []byte("%PDF")) {
			t.Fatalf("the copy to print is stored as %.40q", s1)
		}
		noErr(t, printed(l1))
		noErr(t, printed(l2))

		t.Run("CiphertextMoved", func(t *testing.T) {
			s2 := raw(l2.ID)
			_, err := db.SQL().Exec(rebind(db, "UPDATE letters SET print_pdf = ? WHERE id = ?"), s1, l2.ID)
			noErr(t, err)
			if err := printed(l2); err == nil || !strings.Contains(err.Error(), "does not decrypt") {
				t.Fatalf("another letter's sealed copy: %v", err)
			}
			_, err = db.SQL().Exec(rebind(db, "UPDATE letters SET print_pdf = ? WHERE id = ?"), s2, l2.ID)
			noErr(t, err)
			noErr(t, printed(l2))
		})

		t.Run("LegacyClear", func(t *testing.T) {
			got, err := letters.FindLetter(ctx, tn.ID, c.ID, l1.ID)
			noErr(t, err)
			_, err = db.SQL().Exec(rebind(db, "UPDATE letters SET print_pdf = ? WHERE id = ?"), got.PDF, l1.ID)
			noErr(t, err)
			if err := printed(l1); err == nil {
				t.Fatal("a copy to print in clear was served")
			}
			rep, err := db.SealSecrets(ctx)
			if err != nil || rep.Encrypted != 1 || rep.Resealed != 0 {
				t.Fatalf("seal: %+v %v", rep, err)
			}
			if s := raw(l1.ID); !bytes.HasPrefix(s, []byte(datakey.Prefix+current+":")) {
				t.Fatalf("after the seal the copy is stored as %.40q", s)
			}
			noErr(t, printed(l1))
			if rep, err := db.SealSecrets(ctx); err != nil || rep != (store.SealReport{}) {
				t.Fatalf("second seal: %+v %v", rep, err)
			}
		})
	})
}
