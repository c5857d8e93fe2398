package store_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// TestUpdateDebtorContact: the contact data changes with one evidence
// event naming each field changed (from, to) and who; bad data, another
// tenant's claim and an unchanged form change nothing.
func TestUpdateDebtorContact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, b := seedTenant(t, db, "Alpha"), seedTenant(t, db, "Beta")
		ctx := portal.WithActor(context.Background(), portal.Actor{Kind: portal.ActorUser, ID: "user-1", TenantID: a.ID})
		c := newClaim("R-1")
		if err := db.CreateClaim(ctx, a.ID, c); err != nil {
			t.Fatal(err)
		}
		t.Run("OK", func(t *testing.T) {
			d, err := db.UpdateDebtorContact(ctx, a.ID, c.ID, portal.DebtorContact{Email: " ann@dupont.test ", Phone: "+33612345678", Address: "3 rue Oberkampf", Country: "fr", Language: "nl"})
			if err != nil || d.Email != "ann@dupont.test" || d.Country != "FR" || d.Name != "Dupont SARL" {
				t.Fatalf("%v %+v", err, d)
			}
			got, _ := db.FindClaim(ctx, a.ID, c.ID)
			if got.Debtor.Email != "ann@dupont.test" || got.Debtor.Language != "nl" || got.Debtor.Postcode != "75011" {
				t.Fatalf("stored: %+v", got.Debtor)
			}
			evs, _ := db.ListEvents(ctx, a.ID, c.ID, 0, 0)
			last := evs[len(evs)-1]
			var p struct {
				Changes map[string]struct{ From, To string }
				By      string
			}
			json.Unmarshal([]byte(last.Payload), &p)
			if last.Kind != portal.EventDebtorContactChanged || last.Actor.ID != "user-1" || p.By != "user:user-1" ||
				p.Changes["language"].From != "fr" || p.Changes["language"].To != "nl" || len(p.Changes) != 5 {
				t.Fatalf("event: %s %+v %s", last.Kind, last.Actor, last.Payload)
			}
			// The same data again records nothing.
			if _, err := db.UpdateDebtorContact(ctx, a.ID, c.ID, portal.DebtorContact{Email: "ann@dupont.test", Phone: "+33612345678", Address: "3 rue Oberkampf", Country: "FR", Language: "nl"}); err != nil {
				t.Fatal(err)
			}
			if again, _ := db.ListEvents(ctx, a.ID, c.ID, 0, 0); len(again) != len(evs) {
				t.Fatalf("an unchanged form recorded %d events", len(again)-len(evs))
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			for field, in := range map[string]portal.DebtorContact{
				"debtor.email": {Email: "not an address", Language: "fr"}, "debtor.phone": {Phone: "0612", Language: "fr"},
				"debtor.language": {Language: "es"}, "debtor.country": {Country: "France", Language: "fr"},
			} {
				if _, err := db.UpdateDebtorContact(ctx, a.ID, c.ID, in); portal.ErrorField(err) != field {
					t.Errorf("%s: %v", field, err)
				}
			}
			if got, _ := db.FindClaim(ctx, a.ID, c.ID); got.Debtor.Email != "ann@dupont.test" {
				t.Fatalf("a refused change was stored: %+v", got.Debtor)
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			if _, err := db.UpdateDebtorContact(ctx, b.ID, c.ID, portal.DebtorContact{Language: "fr"}); portal.ErrorCode(err) != portal.ENOTFOUND {
				t.Fatalf("another tenant: %v", err)
			}
		})
	})
}

// TestAddCreditNote: a credit note on an invoice or on the claim reduces
// what is left to credit; more than that, another claim's invoice, a
// number used twice, a date to come and another tenant are refused.
func TestAddCreditNote(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, b := seedTenant(t, db, "Alpha"), seedTenant(t, db, "Beta")
		ctx := portal.WithActor(context.Background(), portal.Actor{Kind: portal.ActorUser, ID: "user-1", TenantID: a.ID})
		c := newClaim("R-1") // F-1 1,000.00 and F-2 500.00
		other := newClaim("R-2")
		for _, cl := range []*portal.Claim{c, other} {
			if err := db.CreateClaim(ctx, a.ID, cl); err != nil {
				t.Fatal(err)
			}
		}
		f2 := c.Invoices[0].ID // F-2, 500.00
		day := portal.MustDate("2024-03-01")
		if err := db.AddCreditNote(ctx, a.ID, &portal.CreditNote{ClaimID: c.ID, InvoiceID: f2, Number: "AV-1", IssueDate: day, Amount: 40000}); err != nil {
			t.Fatal(err)
		}
		for name, tt := range map[string]struct {
			cn         portal.CreditNote
			code, fild string
		}{
			"over the invoice": {portal.CreditNote{ClaimID: c.ID, InvoiceID: f2, Number: "AV-2", IssueDate: day, Amount: 10001}, portal.EINVALID, "amount"},
			"over the claim":   {portal.CreditNote{ClaimID: c.ID, Number: "AV-2", IssueDate: day, Amount: 110001}, portal.EINVALID, "amount"},
			"another invoice":  {portal.CreditNote{ClaimID: c.ID, InvoiceID: other.Invoices[0].ID, Number: "AV-2", IssueDate: day, Amount: 100}, portal.EINVALID, "invoice_id"},
			"number twice":     {portal.CreditNote{ClaimID: c.ID, Number: "AV-1", IssueDate: day, Amount: 100}, portal.ECONFLICT, "number"},
			"in the future":    {portal.CreditNote{ClaimID: c.ID, Number: "AV-2", IssueDate: portal.MustDate("2999-01-01"), Amount: 100}, portal.EINVALID, "issue_date"},
			"no amount":        {portal.CreditNote{ClaimID: c.ID, Number: "AV-2", IssueDate: day}, portal.EINVALID, "amount"},
			"another tenant's": {portal.CreditNote{ClaimID: c.ID, Number: "AV-2", IssueDate: day, Amount: 100}, portal.ENOTFOUND, ""},
		} {
			tenant := a.ID
			if name == "another tenant's" {
				tenant = b.ID
			}
			cn := tt.cn
			if err := db.AddCreditNote(ctx, tenant, &cn); portal.ErrorCode(err) != tt.code || portal.ErrorField(err) != tt.fild {
				t.Errorf("%s: %v", name, err)
			}
		}
		if err := db.AddCreditNote(ctx, a.ID, &portal.CreditNote{ClaimID: c.ID, Number: "AV-2", IssueDate: day, Amount: 110000}); err != nil {
			t.Fatalf("the rest of the claim: %v", err)
		}
		got, _ := db.FindClaim(ctx, a.ID, c.ID)
		evs, _ := db.ListEvents(ctx, a.ID, c.ID, 0, 0)
		// Crediting the whole claim leaves nothing to pay: the claim is
		// settled right after the credit note (settle_test.go).
		if n := len(evs); len(got.CreditNotes) != 2 || n < 2 || evs[n-2].Kind != portal.EventCreditNoteRecorded || evs[n-2].Actor.ID != "user-1" ||
			evs[n-1].Kind != portal.EventStatusChanged || got.Status != portal.StatusSettled {
			t.Fatalf("notes %d, status %s, last events %s by %+v then %s", len(got.CreditNotes), got.Status, evs[n-2].Kind, evs[n-2].Actor, evs[n-1].Kind)
		}
	})
}
