package store_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// TestDashboardSummaries: a dashboard whose period ends today reads each
// claim's sums from claim_summaries (migration 00127, kept by triggers).
// After every kind of write (through the store and in raw SQL, as an
// import or an operator would) the summaries equal the claims' rows
// summed again, and the dashboard read from them equals the one summed
// live and the Go model of TestDashboard.
func TestDashboardSummaries(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			clock := &portal.FixedClock{T: ts("2023-12-01T09:00:00Z")}
			db := storetest.MustOpen(t, dialect, clock)
			ctx := context.Background()
			a, b := seedTenant(t, db, "Alpha"), seedTenant(t, db, "Beta")
			if err := db.CreateCreditor(ctx, &portal.Creditor{TenantID: a.ID, LegalName: "Alpha Two SARL", Country: "FR"}); err != nil {
				t.Fatal(err)
			}
			credA, err := db.FindCreditors(ctx, a.ID)
			if err != nil || len(credA) != 2 {
				t.Fatal(err, len(credA))
			}
			sort.Slice(credA, func(i, j int) bool { return credA[i].LegalName == "Alpha SAS" })
			credB, _ := db.FindCreditors(ctx, b.ID)
			model := cloneDashClaims(dashSeed)
			// A credit note played through AddCreditNote in the seed.
			model[0].credits = []dashCredit{{"2024-04-02", 7000}}
			seedDashboard(t, db, clock, b, credB, dashOther)
			seedDashboard(t, db, clock, a, credA, model)
			clock.T = ts("2024-06-30T09:00:00Z")
			if _, _, err := db.SweepPlans(ctx, portal.MustDate("2024-06-30"), portal.PlanPolicy{}); err != nil {
				t.Fatal(err)
			}
			clock.T = ts("2024-06-30T12:00:00Z")
			today := portal.MustDate("2024-06-30")
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := db.SQL().ExecContext(ctx, rebind(db, q), args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			claimID := func(ref string) string {
				t.Helper()
				var id string
				if err := db.SQL().QueryRowContext(ctx, rebind(db, "SELECT id FROM claims WHERE tenant_id = ? AND reference = ?"), a.ID, ref).Scan(&id); err != nil {
					t.Fatal(ref, err)
				}
				return id
			}
			byRef := func(ref string) *dashClaim {
				for i := range model {
					if model[i].ref == ref {
						return &model[i]
					}
				}
				t.Fatalf("no claim %s in the model", ref)
				return nil
			}
			check := func(step string) {
				t.Helper()
				checkSummaries(t, db, step)
				first := today.AddMonths(-5)
				half := portal.DashboardFilter{From: portal.Date{Year: first.Year, Month: first.Month, Day: 1}, To: today, Today: today, Now: clock.T}
				year := half
				year.From, year.To = today.AddMonths(-11), today.AddMonths(1) // runs into the future: taken on today
				year.From = portal.Date{Year: year.From.Year, Month: year.From.Month, Day: 1}
				year.To = portal.Date{Year: year.To.Year, Month: year.To.Month, Day: 1}.AddDays(-1)
				spring := half
				spring.From, spring.To = portal.MustDate("2024-03-01"), portal.MustDate("2024-04-30")
				for _, tc := range []struct {
					name     string
					creditor int
					f        portal.DashboardFilter
				}{{"All", -1, half}, {"Creditor", 1, half}, {"OtherCreditor", 0, half}, {"Year", -1, year}, {"Earlier", -1, spring}} {
					f := tc.f
					if tc.creditor >= 0 {
						f.CreditorID = credA[tc.creditor].ID
					}
					got, err := db.Dashboard(ctx, a.ID, f)
					if err != nil {
						t.Fatalf("%s %s: %v", step, tc.name, err)
					}
					live, err := db.DashboardLive(ctx, a.ID, f)
					if err != nil {
						t.Fatalf("%s %s live: %v", step, tc.name, err)
					}
					t.Run(step+"/"+tc.name, func(t *testing.T) {
						if len(got.Ageing) == 0 || len(got.Monthly) == 0 {
							t.Fatalf("nothing to compare: %+v", got)
						}
						checkDashboard(t, got, live)
						checkDashboard(t, got, dashModel(model, tc.creditor, f))
					})
				}
				if t.Failed() {
					t.FailNow()
				}
			}
			check("seeded")

			// A claim entered today, through the store.
			fresh := &portal.Claim{Reference: "D-11", CreditorID: credA[1].ID, Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
				Debtor: &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Débiteur D-11", Language: "fr", Postcode: "75011", Email: "d@example.test"},
				Invoices: []*portal.Invoice{{Number: "F-0", IssueDate: today.AddDays(-70), DueDate: today.AddDays(-40), Amount: 45000},
					{Number: "F-1", IssueDate: today.AddDays(-10), DueDate: today.AddDays(20), Amount: 15000}}}
			if err := db.CreateClaim(ctx, a.ID, fresh); err != nil {
				t.Fatal(err)
			}
			model = append(model, dashClaim{ref: "D-11", creditor: 1, created: clock.T.Format(time.RFC3339), stage: portal.StageAmicable,
				invoices: []dashInvoice{{45000, today.AddDays(-40).String()}, {15000, today.AddDays(20).String()}}})
			check("claim created")

			// Paid today, then the payment reversed.
			pay := &portal.Payment{ClaimID: fresh.ID, Amount: 12000, ReceivedOn: today, Method: "transfer", Reference: "T"}
			if err := db.AddPayment(ctx, a.ID, pay); err != nil {
				t.Fatal(err)
			}
			byRef("D-11").pays = append(byRef("D-11").pays, dashPay{today.String(), 12000, false})
			check("payment")
			if _, err := db.ReversePayment(ctx, a.ID, fresh.ID, pay.ID, "entered twice"); err != nil {
				t.Fatal(err)
			}
			byRef("D-11").pays[0].reversed = true
			check("payment reversed")
			if err := db.AddPayment(ctx, a.ID, &portal.Payment{ClaimID: fresh.ID, Amount: 45000, ReceivedOn: today.AddDays(-1), Method: "transfer", Reference: "T2"}); err != nil {
				t.Fatal(err)
			}
			byRef("D-11").pays = append(byRef("D-11").pays, dashPay{today.AddDays(-1).String(), 45000, false})
			check("paid off its oldest invoice")

			// A credit note, through the store.
			if err := db.AddCreditNote(ctx, a.ID, &portal.CreditNote{ClaimID: claimID("D-7"), Number: "AV-7", IssueDate: today, Amount: 90000}); err != nil {
				t.Fatal(err)
			}
			byRef("D-7").credits = append(byRef("D-7").credits, dashCredit{today.String(), 90000})
			check("credit note")

			// A stage change through the store, and one in raw SQL.
			if _, err := db.ChangeStage(ctx, a.ID, fresh.ID, portal.StageChange{To: portal.StageFormalNotice, Reason: "no answer"}); err != nil {
				t.Fatal(err)
			}
			byRef("D-11").stage = portal.StageFormalNotice
			check("stage changed")
			exec("UPDATE claims SET stage = ? WHERE id = ?", string(portal.StagePreLitigation), claimID("D-3"))
			byRef("D-3").stage = portal.StagePreLitigation
			check("stage changed in SQL")

			// Raw SQL, as an import or an operator would: an invoice added,
			// one changed and one deleted; a payment dated after today
			// (the dashboard subtracts it), one moved to another claim and
			// one deleted; a credit note deleted.
			exec("INSERT INTO invoices (id, tenant_id, claim_id, number, issue_date, due_date, amount, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
				portal.NewID(clock.T), a.ID, claimID("D-3"), "F-9", "2024-01-01", "2024-02-01", 11000, clock.T.UTC())
			byRef("D-3").invoices = append(byRef("D-3").invoices, dashInvoice{11000, "2024-02-01"})
			check("invoice added")
			exec("UPDATE invoices SET amount = ?, due_date = ? WHERE claim_id = ? AND number = ?", 85000, "2024-03-01", claimID("D-4"), "F-0")
			byRef("D-4").invoices[0] = dashInvoice{85000, "2024-03-01"}
			check("invoice changed")
			exec("UPDATE invoices SET amount = ?, due_date = ? WHERE claim_id = ? AND number = ?", 16000, today.AddDays(-100).String(), fresh.ID, "F-1")
			byRef("D-11").invoices[1] = dashInvoice{16000, today.AddDays(-100).String()}
			check("invoice changed to the oldest")
			exec("UPDATE invoices SET claim_id = ? WHERE claim_id = ? AND number = ?", claimID("D-6"), claimID("D-3"), "F-9")
			byRef("D-3").invoices = byRef("D-3").invoices[:1]
			byRef("D-6").invoices = append(byRef("D-6").invoices, dashInvoice{11000, "2024-02-01"})
			check("invoice moved to another claim")
			exec("DELETE FROM invoices WHERE claim_id = ? AND number = ?", claimID("D-2"), "F-0")
			byRef("D-2").invoices = byRef("D-2").invoices[1:]
			check("oldest invoice deleted")
			exec("INSERT INTO payments (id, tenant_id, claim_id, amount, currency, received_on, method, reference, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
				portal.NewID(clock.T), a.ID, claimID("D-1"), 40000, "EUR", today.AddDays(3).String(), "transfer", "", clock.T.UTC())
			byRef("D-1").pays = append(byRef("D-1").pays, dashPay{today.AddDays(3).String(), 40000, false})
			check("payment dated after today")
			exec("INSERT INTO credit_notes (id, tenant_id, claim_id, invoice_id, number, issue_date, amount, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
				portal.NewID(clock.T), a.ID, claimID("D-9"), "", "AV-LATER", today.AddDays(2).String(), 30000, clock.T.UTC())
			byRef("D-9").credits = append(byRef("D-9").credits, dashCredit{today.AddDays(2).String(), 30000})
			check("credit note dated after today")
			exec("UPDATE payments SET claim_id = ? WHERE claim_id = ? AND amount = ?", claimID("D-10"), claimID("D-5"), 50000)
			byRef("D-5").pays, byRef("D-10").pays = nil, []dashPay{{"2024-06-05", 50000, false}}
			check("payment moved")
			exec("DELETE FROM payments WHERE claim_id = ? AND amount = ?", claimID("D-1"), 30000)
			byRef("D-1").pays = slices.DeleteFunc(byRef("D-1").pays, func(p dashPay) bool { return p.amount == 30000 })
			check("payment deleted")
			exec("DELETE FROM credit_notes WHERE claim_id = ? AND number = ?", claimID("D-7"), "AV-7")
			byRef("D-7").credits = nil
			check("credit note deleted")

			// A claim without invoices is not in the figures; deleted, its
			// summary goes with it.
			bare := portal.NewID(clock.T)
			var debtor string
			if err := db.SQL().QueryRowContext(ctx, rebind(db, "SELECT debtor_id FROM claims WHERE id = ?"), fresh.ID).Scan(&debtor); err != nil {
				t.Fatal(err)
			}
			exec("INSERT INTO claims (id, tenant_id, creditor_id, debtor_id, reference, currency, jurisdiction, identity_check, stage, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				bare, a.ID, credA[0].ID, debtor, "D-BARE", "EUR", "FR", "postcode", "amicable", "open", clock.T.UTC(), clock.T.UTC())
			check("claim without invoices")
			exec("DELETE FROM claims WHERE id = ?", bare)
			check("claim deleted")

			// The personal data erased (settled, past its retention): the
			// amounts stay, and so do the figures.
			if _, err := db.ChangeStatus(ctx, a.ID, fresh.ID, portal.StatusChange{To: portal.StatusSettled, Reason: "paid"}); err != nil {
				t.Fatal(err)
			}
			clock.Advance(6 * 366 * 24 * time.Hour)
			if _, err := db.ErasePersonalData(ctx, a.ID, fresh.ID, false); err != nil {
				t.Fatal(err)
			}
			today = portal.DateOf(clock.T)
			check("personal data erased")

			// The dashboard does read the summaries for a period ending
			// today, and only then: a summary changed behind the triggers'
			// back shows in it and not in one that ended earlier.
			exec("UPDATE claim_summaries SET principal = principal + 1000000 WHERE claim_id = ?", claimID("D-3"))
			now := portal.DashboardFilter{From: portal.Date{Year: today.Year, Month: today.Month, Day: 1}, To: today, Today: today, Now: clock.T}
			earlier := portal.DashboardFilter{From: portal.MustDate("2024-01-01"), To: portal.MustDate("2024-06-30"), Today: today, Now: clock.T}
			for _, f := range []portal.DashboardFilter{now, earlier} {
				got, err := db.Dashboard(ctx, a.ID, f)
				if err != nil {
					t.Fatal(err)
				}
				live, err := db.DashboardLive(ctx, a.ID, f)
				if err != nil {
					t.Fatal(err)
				}
				if same := fmt.Sprint(got.Ageing) == fmt.Sprint(live.Ageing); same != (f == earlier) {
					t.Errorf("period to %s: ageing from the summaries %+v, live %+v", f.To, got.Ageing, live.Ageing)
				}
			}
		})
	}
}

// checkSummaries: every claim has its summary, equal to its rows summed
// again.
func checkSummaries(t *testing.T, db *store.DB, step string) {
	t.Helper()
	read := func(q string) map[string]string {
		t.Helper()
		rows, err := db.SQL().QueryContext(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]string{}
		for rows.Next() {
			var tenant, claim, creditor, currency, stage string
			var principal, paid, credited int64
			var due portal.Date
			if err := rows.Scan(&tenant, &claim, &creditor, &currency, &stage, &principal, &due, &paid, &credited); err != nil {
				t.Fatal(err)
			}
			out[tenant+"/"+claim] = fmt.Sprintf("%s %s %s %d %s %d %d", creditor, currency, stage, principal, due, paid, credited)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	got := read(`SELECT tenant_id, claim_id, creditor_id, currency, stage, principal, due_date, paid, credited FROM claim_summaries`)
	want := read(`SELECT c.tenant_id, c.id, c.creditor_id, c.currency, c.stage,
		COALESCE((SELECT SUM(i.amount) FROM invoices i WHERE i.tenant_id = c.tenant_id AND i.claim_id = c.id), 0),
		(SELECT MIN(i.due_date) FROM invoices i WHERE i.tenant_id = c.tenant_id AND i.claim_id = c.id),
		COALESCE((SELECT SUM(p.amount) FROM payments p WHERE p.tenant_id = c.tenant_id AND p.claim_id = c.id), 0),
		COALESCE((SELECT SUM(n.amount) FROM credit_notes n WHERE n.tenant_id = c.tenant_id AND n.claim_id = c.id), 0)
		FROM claims c`)
	if len(want) < len(dashSeed) {
		t.Fatalf("%s: %d claims", step, len(want))
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: claim %s: summary %q, its rows sum to %q", step, k, got[k], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%s: %d summaries for %d claims", step, len(got), len(want))
	}
	if t.Failed() {
		t.FailNow()
	}
	var stamps int
	if err := db.SQL().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM claims c JOIN claim_summaries s
		ON s.tenant_id = c.tenant_id AND s.claim_id = c.id AND s.created_at = c.created_at`).Scan(&stamps); err != nil || stamps != len(want) {
		t.Fatalf("%s: %d of %d summaries have their claim's creation time (%v)", step, stamps, len(want), err)
	}
}

// cloneDashClaims copies a seed deeply enough to change its claims'
// slices.
func cloneDashClaims(in []dashClaim) []dashClaim {
	out := make([]dashClaim, len(in))
	for i, c := range in {
		c.invoices = append([]dashInvoice(nil), c.invoices...)
		c.pays = append([]dashPay(nil), c.pays...)
		c.credits = append([]dashCredit(nil), c.credits...)
		out[i] = c
	}
	return out
}
