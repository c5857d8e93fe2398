package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// TestDashboardPromisesKept: the promises to pay made in June, by where
// they stand on the 20th: one kept by a payment of its amount, one partly
// kept and one broken by the promises job once their grace ended, one
// still expected (another creditor's); a May promise and another tenant's
// June promise are not counted. The creditor filter keeps its creditor's.
func TestDashboardPromisesKept(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			clock := &portal.FixedClock{T: time.Date(2024, 5, 20, 10, 0, 0, 0, time.UTC)}
			db := storetest.MustOpen(t, dialect, clock)
			ctx := context.Background()
			tn, other := seedTenant(t, db, "Alpha"), seedTenant(t, db, "Beta")
			firstCreditor := onlyCreditor(t, db, tn.ID)
			second := &portal.Creditor{TenantID: tn.ID, LegalName: "Alpha Export", Country: "FR"}
			if err := db.CreateCreditor(ctx, second); err != nil {
				t.Fatal(err)
			}
			claim := func(tenantID, ref, creditorID string) *portal.Claim {
				t.Helper()
				c := newClaim(ref)
				c.CreditorID = creditorID
				if err := db.CreateClaim(ctx, tenantID, c); err != nil {
					t.Fatal(err)
				}
				return c
			}
			promise := func(tenantID string, c *portal.Claim, amount int64, due string) {
				t.Helper()
				if _, err := db.RecordPromise(ctx, tenantID, c.ID, portal.PromiseInput{Amount: amount, DueOn: portal.MustDate(due), Source: portal.PromiseFromAgent}); err != nil {
					t.Fatal(err)
				}
			}
			pay := func(tenantID string, c *portal.Claim, amount int64) {
				t.Helper()
				if err := db.AddPayment(ctx, tenantID, &portal.Payment{ClaimID: c.ID, Amount: amount, ReceivedOn: portal.DateOf(clock.T), Method: portal.PaymentTransfer}); err != nil {
					t.Fatal(err)
				}
			}
			// May: a promise broken later, outside the period.
			promise(tn.ID, claim(tn.ID, "P-MAY", firstCreditor), 11100, "2024-05-25")
			clock.T = time.Date(2024, 6, 2, 10, 0, 0, 0, time.UTC)
			kept, partly, broken := claim(tn.ID, "P-KEPT", firstCreditor), claim(tn.ID, "P-PART", firstCreditor), claim(tn.ID, "P-BROKEN", firstCreditor)
			promise(tn.ID, kept, 30000, "2024-06-10")
			promise(tn.ID, partly, 40000, "2024-06-05")
			promise(tn.ID, broken, 20000, "2024-06-05")
			promise(tn.ID, claim(tn.ID, "P-EXP", second.ID), 50000, "2024-06-28")
			promise(other.ID, claim(other.ID, "B-1", ""), 99900, "2024-06-05")
			clock.T = time.Date(2024, 6, 4, 10, 0, 0, 0, time.UTC)
			pay(tn.ID, kept, 30000)
			pay(tn.ID, partly, 10000)
			clock.T = time.Date(2024, 6, 20, 10, 0, 0, 0, time.UTC)
			if _, err := db.SweepPromises(ctx); err != nil {
				t.Fatal(err)
			}

			june := portal.DashboardFilter{From: portal.MustDate("2024-06-01"), To: portal.MustDate("2024-06-30"), Today: portal.DateOf(clock.T)}
			got := func(creditorID string) []portal.PromiseKeptFigure {
				t.Helper()
				f := june
				f.CreditorID = creditorID
				d, err := db.Dashboard(ctx, tn.ID, f)
				if err != nil {
					t.Fatal(err)
				}
				return d.PromisesKept
			}
			exp := portal.PromiseKeptFigure{Currency: "EUR", Status: portal.PromiseExpected, Promises: 1, Amount: 50000}
			first := []portal.PromiseKeptFigure{
				{Currency: "EUR", Status: portal.PromiseBroken, Promises: 1, Amount: 20000},
				{Currency: "EUR", Status: portal.PromiseKept, Promises: 1, Amount: 30000, Paid: 30000},
				{Currency: "EUR", Status: portal.PromisePartlyKept, Promises: 1, Amount: 40000, Paid: 10000},
			}
			all := append([]portal.PromiseKeptFigure{first[0], exp}, first[1:]...)
			if g := got(""); !reflect.DeepEqual(g, all) {
				t.Errorf("all creditors:\n got %+v\nwant %+v", g, all)
			}
			if g := got(second.ID); !reflect.DeepEqual(g, []portal.PromiseKeptFigure{exp}) {
				t.Errorf("second creditor: %+v", g)
			}
			if g := got(firstCreditor); !reflect.DeepEqual(g, first) {
				t.Errorf("first creditor:\n got %+v\nwant %+v", g, first)
			}
		})
	}
}

// onlyCreditor is the ID of the tenant's only creditor.
func onlyCreditor(t *testing.T, db *store.DB, tenantID string) string {
	t.Helper()
	cs, err := db.FindCreditors(context.Background(), tenantID)
	if err != nil || len(cs) != 1 {
		t.Fatalf("creditors: %v %v", len(cs), err)
	}
	return cs[0].ID
}
