package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store/storetest"
)

// Each consecutive lockout of a link's identity check lasts twice as long
// as the one before; a right answer starts over.
func TestIdentityLockoutBacksOff(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			clock := &portal.FixedClock{T: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
			db := storetest.MustOpen(t, dialect, clock)
			ctx := context.Background()
			tn := &portal.Tenant{Name: "T"}
			noErr(t, db.CreateTenant(ctx, tn))
			noErr(t, db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: "C", Country: "FR"}))
			c := &portal.Claim{Reference: "ID-1", Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
				Debtor:   &portal.Debtor{Kind: portal.DebtorBusiness, Name: "D", Language: "fr", Postcode: "75011"},
				Invoices: []*portal.Invoice{{Number: "F", IssueDate: portal.MustDate("2026-01-01"), DueDate: portal.MustDate("2026-01-31"), Amount: 1000}}}
			noErr(t, db.CreateClaim(ctx, tn.ID, c))
			_, token, err := db.IssueLink(ctx, tn.ID, c.ID, portal.ChannelEmail, 0)
			noErr(t, err)
			session := func() string {
				op, err := db.OpenLink(ctx, token)
				noErr(t, err)
				return op.Session.ID
			}
			// lockUntil answers wrong until the link locks and returns until when.
			lockUntil := func() time.Duration {
				t.Helper()
				s := session()
				for i := 0; i < portal.MaxIdentityFailures; i++ {
					_, err := db.CheckIdentity(ctx, s, "00000")
					var locked *portal.LockedError
					if errors.As(err, &locked) {
						return locked.Until.Sub(clock.Now())
					}
				}
				t.Fatal("the link did not lock")
				return 0
			}
			for i, want := range []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour} {
				if got := lockUntil(); got != want {
					t.Fatalf("lockout %d: %s, want %s", i+1, got, want)
				}
				clock.Advance(want + time.Second)
			}
			if _, err := db.CheckIdentity(ctx, session(), "75011"); err != nil {
				t.Fatalf("right answer: %v", err)
			}
			if got := lockUntil(); got != 15*time.Minute {
				t.Errorf("after a right answer the lockout is %s, want 15m", got)
			}
		})
	}
}
