package main

import (
	"context"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// TestDemoSeedBookXIX: the demo's Belgian consumer claims have had their
// first reminder, with its channel, covering their invoices; one contract
// has a damages clause and one has none.
func TestDemoSeedBookXIX(t *testing.T) {
	ctx := context.Background()
	db := storetest.MustOpen(t, store.SQLite, portal.SystemClock{})
	seed, err := seedDemo(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	withClause, without := 0, 0
	for _, sc := range seed.claims {
		c, err := db.FindClaim(ctx, seed.tenant.ID, sc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Jurisdiction != portal.JurisdictionBE || c.Debtor.Kind != portal.DebtorConsumer {
			continue
		}
		if c.FirstReminderOn.IsZero() || !portal.ValidReminderChannel(c.FirstReminderChannel) {
			t.Errorf("%s: first reminder %q by %q", c.Reference, c.FirstReminderOn, c.FirstReminderChannel)
		}
		for _, inv := range c.Invoices {
			if inv.FirstReminderOn != c.FirstReminderOn || inv.FirstReminderChannel != c.FirstReminderChannel {
				t.Errorf("%s: invoice %s not covered by the first reminder: %s %q", c.Reference, inv.Number, inv.FirstReminderOn, inv.FirstReminderChannel)
			}
		}
		if c.DamagesClause {
			withClause++
		} else {
			without++
		}
	}
	if withClause == 0 || without == 0 {
		t.Fatalf("Belgian consumer claims: %d with a damages clause, %d without; want both", withClause, without)
	}
}
