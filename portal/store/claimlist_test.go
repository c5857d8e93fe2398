package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// seedClaimList gives tenant a claims of every shape the list shows (no
// payment, payments and a reversal, credit notes, a rate, every date of
// the claim and of its debtor set, an erased claim, a Belgian consumer)
// and tenant b two claims with children of their own; it returns a's.
func seedClaimList(t *testing.T, db *store.DB, a, b *portal.Tenant) []*portal.Claim {
	t.Helper()
	ctx := context.Background()
	var out []*portal.Claim
	for i := 0; i < 9; i++ {
		tn := a
		if i >= 7 {
			tn = b
		}
		c := newClaim(fmt.Sprintf("L-%d", i))
		c.Debtor.Name = fmt.Sprintf("Débiteur <%d> & \"fils\"", i)
		if i%3 == 1 {
			c.Debtor.Name = "Dupont SARL"
		}
		if i == 4 {
			c.Jurisdiction, c.Debtor.Kind, c.Debtor.Language, c.Debtor.Postcode = portal.JurisdictionBE, portal.DebtorConsumer, "nl", "1000"
		}
		if i == 2 {
			c.Invoices = append(c.Invoices, &portal.Invoice{Number: "F-0", IssueDate: portal.MustDate("2023-12-01"), DueDate: portal.MustDate("2024-01-31"),
				Amount: 700, PaymentReference: "RF18 5390 0754 7034"})
		}
		if err := db.CreateClaim(ctx, tn.ID, c); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			for j, on := range []string{"2024-04-02", "2024-03-05"} {
				p := &portal.Payment{ClaimID: c.ID, Amount: int64(1000 + j), Currency: "EUR", ReceivedOn: portal.MustDate(on), Method: portal.PaymentTransfer, Reference: "VIR " + on}
				if j == 1 {
					p.Method, p.InvoiceID = portal.PaymentCard, c.Invoices[0].ID
				}
				if err := db.AddPayment(ctx, tn.ID, p); err != nil {
					t.Fatal(err)
				}
				if i == 2 && j == 0 {
					if _, err := db.ReversePayment(ctx, tn.ID, c.ID, p.ID, "recorded twice"); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		if i%3 == 0 {
			for j, inv := range c.Invoices {
				n := &portal.CreditNote{ClaimID: c.ID, InvoiceID: inv.ID, Number: fmt.Sprintf("AV-%d", 9-j), IssueDate: portal.MustDate("2024-03-1" + fmt.Sprint(j)), Amount: 100}
				if err := db.AddCreditNote(ctx, tn.ID, n); err != nil {
					t.Fatal(err)
				}
			}
		}
		if i == 3 || i == 8 {
			// Every nullable column of the claim and its debtor, each a
			// different value, so that a column read into another field
			// shows.
			erased := time.Date(2024, 6, 1, 12, 30, 15, 123456000, time.UTC)
			if _, err := db.SQL().ExecContext(ctx, `UPDATE claims SET contract_rate_bp = 1450, damages_clause = true,
				formal_notice_on = '2024-03-01', first_reminder_on = '2024-02-01', first_reminder_channel = 'letter',
				notice_period_days = 15, court_procedure = 'fr-injonction', order_on = '2024-04-01', served_on = '2024-04-15',
				judgment_on = '2024-05-01', enforceable_on = '2024-05-20', prescription = 'x', last_acknowledgement_on = '2024-01-15',
				proceedings_ended_on = '2024-06-02', personal_data_erased_at = `+placeholder(db, 1)+`, stage = 'litigation', status = 'disputed'
				WHERE id = `+placeholder(db, 2), erased, c.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := db.SQL().ExecContext(ctx, `UPDATE debtors SET birth_date = '1980-07-14', customer_number = 'C-42',
				address = '1 rue de la Paix', country = 'FR', email = 'd@example.org', phone = '+33123456789' WHERE id = `+placeholder(db, 1), c.DebtorID); err != nil {
				t.Fatal(err)
			}
		}
		if tn == a {
			out = append(out, c)
		}
	}
	return out
}

// TestClaimListByModel: FindClaims' two statements scanned by hand give
// what GORM's query per model gave (FindClaimsByModel), field for field
// and in the API's JSON, with and without payments, for every filter and
// page, and never a claim or a child of another tenant.
func TestClaimListByModel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b := seedTenant(t, db, "Alpha"), seedTenant(t, db, "Beta")
		claims := seedClaimList(t, db, a, b)
		creditors, err := db.FindCreditors(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		filters := []portal.ClaimFilter{
			{}, {Limit: 3}, {After: claims[2].ID, Limit: 3}, {After: claims[len(claims)-1].ID},
			{Status: portal.StatusDisputed}, {Stage: portal.StageAmicable}, {Jurisdiction: portal.JurisdictionBE},
			{CreditorID: creditors[0].ID}, {Reference: "L-2"}, {Query: "dupont"}, {Query: "l-5"}, {Query: "100%"},
		}
		var shown int
		for _, f := range filters {
			for _, with := range []bool{false, true} {
				f.WithPayments = with
				for _, tn := range []*portal.Tenant{a, b} {
					got, gotNext, err := db.FindClaims(ctx, tn.ID, f)
					if err != nil {
						t.Fatal(err)
					}
					want, wantNext, err := db.FindClaimsByModel(ctx, tn.ID, f)
					if err != nil {
						t.Fatal(err)
					}
					gj, _ := json.Marshal(got)
					wj, _ := json.Marshal(want)
					if string(gj) != string(wj) || gotNext != wantNext {
						t.Fatalf("%+v of %s:\n%s %q\nby model:\n%s %q", f, tn.Name, gj, gotNext, wj, wantNext)
					}
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("%+v of %s: the structs differ where the JSON does not", f, tn.Name)
					}
					for _, c := range got {
						shown++
						if c.TenantID != tn.ID || c.Debtor == nil || c.Debtor.TenantID != tn.ID || c.Creditor != nil {
							t.Fatalf("%s lists %+v", tn.Name, c)
						}
						for _, inv := range c.Invoices {
							if inv.TenantID != tn.ID || inv.ClaimID != c.ID {
								t.Fatalf("%s: invoice %+v on %s", tn.Name, inv, c.ID)
							}
						}
						if with != (c.Payments != nil && c.CreditNotes != nil) {
							t.Fatalf("with payments %v: %v %v", with, c.Payments, c.CreditNotes)
						}
					}
				}
			}
		}
		// The data set is what it says: the full page shows every shape.
		page, _, err := db.FindClaims(ctx, a.ID, portal.ClaimFilter{WithPayments: true})
		if err != nil {
			t.Fatal(err)
		}
		js, _ := json.Marshal(page)
		for _, s := range []string{`"contract_rate_bp":1450`, `"personal_data_erased_at":"2024-06-01T12:30:15.123456Z"`, `"birth_date":"1980-07-14"`,
			`"reverses":"`, `"credit_notes":[{`, `"payment_reference":"RF18`, `"jurisdiction":"BE"`, `\u003c3\u003e \u0026 \"fils\"`} {
			if !strings.Contains(string(js), s) {
				t.Errorf("the page has no %s:\n%s", s, js)
			}
		}
		if len(page) != 7 || shown < 50 {
			t.Fatalf("%d claims on the page, %d shown in all", len(page), shown)
		}
	})
}

// BenchmarkFindClaims reads a page of 50 of 1,000 claims (with payments,
// as the API lists them) from a random cursor, as FindClaims does and as
// GORM's query per model did, in one run for an A/B on a loaded machine:
//
//	go test ./portal/store -run '^$' -bench FindClaims -benchmem
func BenchmarkFindClaims(b *testing.B) {
	for _, dialect := range storetest.Dialects {
		b.Run(dialect, func(b *testing.B) {
			db := storetest.MustOpen(b, dialect, nil)
			ctx := context.Background()
			tn := &portal.Tenant{Name: "Bench"}
			if err := db.CreateTenant(ctx, tn); err != nil {
				b.Fatal(err)
			}
			if err := db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: "Bench SAS", Country: "FR"}); err != nil {
				b.Fatal(err)
			}
			var claims []*portal.Claim
			for i := 0; i < 1000; i++ {
				claims = append(claims, newClaim(fmt.Sprintf("B-%04d", i)))
			}
			if err := db.ImportClaims(ctx, tn.ID, claims); err != nil {
				b.Fatal(err)
			}
			for _, c := range claims[:200] {
				p := &portal.Payment{ClaimID: c.ID, Amount: 1000, ReceivedOn: portal.MustDate("2024-04-02"), Method: portal.PaymentTransfer}
				if err := db.AddPayment(ctx, tn.ID, p); err != nil {
					b.Fatal(err)
				}
			}
			for _, impl := range []struct {
				name string
				find func(context.Context, string, portal.ClaimFilter) ([]*portal.Claim, string, error)
			}{{"by-model", db.FindClaimsByModel}, {"by-hand", db.FindClaims}} {
				b.Run(impl.name, func(b *testing.B) {
					for i := 0; b.Loop(); i++ {
						page, _, err := impl.find(ctx, tn.ID, portal.ClaimFilter{After: claims[(i*37)%900].ID, Limit: 50, WithPayments: true})
						if err != nil || len(page) != 50 {
							b.Fatal(err, len(page))
						}
					}
				})
			}
		})
	}
}
