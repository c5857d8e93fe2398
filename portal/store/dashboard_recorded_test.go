package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// Payments and a portal session of one claim written at the same moment
// by concurrent transactions: whichever commits first, what migration
// 00130 records for the payments is what the live query finds (on
// PostgreSQL its triggers run at the commit, under the claim's lock). One
// session per claim: two links opened at once on one claim can deadlock
// on PostgreSQL (each session's foreign key share-locks the claim before
// its event locks it for update), which is older than these triggers.
func TestDashboardConcurrentWrites(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			clock := &portal.FixedClock{T: ts("2024-03-10T09:00:00Z")}
			db := storetest.MustOpen(t, dialect, clock)
			ctx := context.Background()
			tn := seedTenant(t, db, "Alpha")
			creditors, err := db.FindCreditors(ctx, tn.ID)
			if err != nil {
				t.Fatal(err)
			}
			const n = 8
			var claims []*portal.Claim
			for k := 0; k < 6; k++ {
				c := &portal.Claim{Reference: fmt.Sprintf("C-%d", k), CreditorID: creditors[0].ID, Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
					Debtor:   &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Débiteur SARL", Language: "fr", Postcode: "75011"},
					Invoices: []*portal.Invoice{{Number: "F-1", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-02-01"), Amount: 1_000_000}}}
				if err := db.CreateClaim(ctx, tn.ID, c); err != nil {
					t.Fatal(err)
				}
				claims = append(claims, c)
			}
			var wg sync.WaitGroup
			errs := make(chan error, (n+1)*6)
			for _, c := range claims {
				_, token, err := db.IssueLink(ctx, tn.ID, c.ID, portal.ChannelSMS, 30*24*time.Hour)
				if err != nil {
					t.Fatal(err)
				}
				wg.Add(1 + n)
				for k := 0; k < n; k++ {
					if k == n/2 {
						go func() {
							defer wg.Done()
							_, err := db.OpenLink(ctx, token)
							errs <- err
						}()
					}
					go func() {
						defer wg.Done()
						errs <- db.AddPayment(ctx, tn.ID, &portal.Payment{ClaimID: c.ID, Amount: 100, ReceivedOn: portal.MustDate("2024-03-10"), Method: "transfer", Reference: "T"})
					}()
				}
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			f := portal.DashboardFilter{From: portal.MustDate("2024-03-01"), To: portal.MustDate("2024-03-31"), Today: portal.MustDate("2024-03-10"), Now: clock.T}
			got, err := db.Dashboard(ctx, tn.ID, f)
			if err != nil {
				t.Fatal(err)
			}
			live, err := db.DashboardLive(ctx, tn.ID, f)
			if err != nil {
				t.Fatal(err)
			}
			// Every payment of the day follows a session of the same day.
			want := fmt.Sprintf("%+v", []portal.ChannelFigure{{Source: portal.SourceLinkPrefix + "sms", Currency: "EUR", Payments: n * len(claims), Amount: 100 * n * int64(len(claims))}})
			if g, l := fmt.Sprintf("%+v", got.ByChannel), fmt.Sprintf("%+v", live.ByChannel); g != want || l != want {
				t.Fatalf("by channel:\n recorded %s\n     live %s\n     want %s", g, l, want)
			}
		})
	}
}

// Two PostgreSQL transactions, one writing a payment and one a portal
// session of the same claim, each open while the other writes, committed
// in either order: the recorded channel is the live one. (SQLite has one
// writer at a time.)
func TestDashboardInterleavedCommits(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		if dialect != store.Postgres {
			continue
		}
		t.Run(dialect, func(t *testing.T) {
			clock := &portal.FixedClock{T: ts("2024-03-10T09:00:00Z")}
			db := storetest.MustOpen(t, dialect, clock)
			ctx := context.Background()
			tn := seedTenant(t, db, "Alpha")
			creditors, err := db.FindCreditors(ctx, tn.ID)
			if err != nil {
				t.Fatal(err)
			}
			f := portal.DashboardFilter{From: portal.MustDate("2024-03-01"), To: portal.MustDate("2024-03-31"), Today: portal.MustDate("2024-03-10"), Now: clock.T}
			for k, paymentFirst := range []bool{true, false} {
				c := &portal.Claim{Reference: fmt.Sprintf("C-%d", k), CreditorID: creditors[0].ID, Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
					Debtor:   &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Débiteur SARL", Language: "fr", Postcode: "75011"},
					Invoices: []*portal.Invoice{{Number: "F-1", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-02-01"), Amount: 1_000_000}}}
				if err := db.CreateClaim(ctx, tn.ID, c); err != nil {
					t.Fatal(err)
				}
				link, _, err := db.IssueLink(ctx, tn.ID, c.ID, portal.ChannelEmail, 30*24*time.Hour)
				if err != nil {
					t.Fatal(err)
				}
				pay, err := db.SQL().BeginTx(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer pay.Rollback()
				open, err := db.SQL().BeginTx(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer open.Rollback()
				if _, err := pay.ExecContext(ctx, `INSERT INTO payments (id, tenant_id, claim_id, amount, currency, received_on, method, reference, created_at)
					VALUES ($1, $2, $3, 700, 'EUR', '2024-03-10', 'transfer', '', $4)`, fmt.Sprintf("pay-%d", k), tn.ID, c.ID, clock.T); err != nil {
					t.Fatal(err)
				}
				if _, err := open.ExecContext(ctx, `INSERT INTO portal_sessions (id, tenant_id, claim_id, link_id, secret_hash, language, created_at, expires_at)
					VALUES ($1, $2, $3, $4, $1, 'fr', $5, $6)`, fmt.Sprintf("session-%d", k), tn.ID, c.ID, link.ID, clock.T.Add(time.Hour), clock.T.Add(2*time.Hour)); err != nil {
					t.Fatal(err)
				}
				first, second := pay, open
				if !paymentFirst {
					first, second = open, pay
				}
				// The first commit may wait for the second's locks (the page
				// version triggers lock the claim at the payment's insert), so
				// it runs on its own goroutine while the second commits.
				firstDone := make(chan error, 1)
				go func() { firstDone <- first.Commit() }()
				time.Sleep(100 * time.Millisecond)
				if err := second.Commit(); err != nil {
					t.Fatal(err)
				}
				if err := <-firstDone; err != nil {
					t.Fatal(err)
				}
				got, err := db.Dashboard(ctx, tn.ID, f)
				if err != nil {
					t.Fatal(err)
				}
				live, err := db.DashboardLive(ctx, tn.ID, f)
				if err != nil {
					t.Fatal(err)
				}
				want := fmt.Sprintf("%+v", []portal.ChannelFigure{{Source: portal.SourceLinkPrefix + "email", Currency: "EUR", Payments: k + 1, Amount: 700 * int64(k+1)}})
				if g, l := fmt.Sprintf("%+v", got.ByChannel), fmt.Sprintf("%+v", live.ByChannel); g != want || l != want {
					t.Fatalf("payment committed first %v:\n recorded %s\n     live %s\n     want %s", paymentFirst, g, l, want)
				}
			}
		})
	}
}
