package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// TestDeadlockIsConflict on PostgreSQL: two transactions that lock two
// claims in opposite orders deadlock, PostgreSQL rolls one back, and its
// error reaches the caller as a conflict to try again (409), not a 500.
func TestDeadlockIsConflict(t *testing.T) {
	clock := &portal.FixedClock{T: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}
	db := storetest.MustOpen(t, store.Postgres, clock)
	ctx := context.Background()
	tn := &portal.Tenant{Name: "Alpha", Timezone: "UTC"}
	if err := db.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: "Alpha SAS", Country: "FR", Address: "1 rue de la Paix, Paris"}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, ref := range []string{"R-1", "R-2"} {
		c := &portal.Claim{Reference: ref, Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
			Debtor:   &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Dupont SARL", Language: "fr"},
			Invoices: []*portal.Invoice{{Number: "F-" + ref, IssueDate: portal.MustDate("2026-10-01"), DueDate: portal.MustDate("2026-10-31"), Amount: 1000}}}
		if err := db.CreateClaim(ctx, tn.ID, c); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	var wg sync.WaitGroup
	both := make(chan struct{})
	var ready sync.WaitGroup
	ready.Add(2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			first, second := ids[i], ids[1-i]
			tx, err := db.SQL().BeginTx(ctx, nil)
			if err != nil {
				errs[i] = err
				ready.Done()
				return
			}
			defer tx.Rollback()
			_, err = tx.ExecContext(ctx, "UPDATE claims SET reference = reference WHERE id = $1", first)
			ready.Done()
			if err != nil {
				errs[i] = err
				return
			}
			<-both
			if _, err = tx.ExecContext(ctx, "UPDATE claims SET reference = reference WHERE id = $1", second); err != nil {
				errs[i] = err
				return
			}
			errs[i] = tx.Commit()
		}()
	}
	ready.Wait()
	close(both)
	wg.Wait()
	var failed []error
	for _, err := range errs {
		if err != nil {
			failed = append(failed, err)
		}
	}
	if len(failed) != 1 {
		t.Fatalf("errors %v: want exactly one transaction rolled back by the deadlock detector", errs)
	}
	err := store.Translate("update claim", failed[0])
	var pe *portal.Error
	if portal.ErrorCode(err) != portal.ECONFLICT || !errors.As(err, &pe) || pe.Message == "" {
		t.Fatalf("deadlock translated to %v (code %s), want a conflict to try again", err, portal.ErrorCode(err))
	}
}
