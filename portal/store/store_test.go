package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

func seedTenant(t *testing.T, db *store.DB, name string) *portal.Tenant {
	t.Helper()
	ctx := context.Background()
	tn := &portal.Tenant{Name: name}
	if err := db.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: name + " SAS", Country: "FR"}); err != nil {
		t.Fatal(err)
	}
	return tn
}

func newClaim(ref string) *portal.Claim {
	return &portal.Claim{
		Reference: ref, Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
		Debtor: &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Dupont SARL", Language: "fr", Postcode: "75011"},
		Invoices: []*portal.Invoice{
			{Number: "F-2", IssueDate: portal.MustDate("2024-02-01"), DueDate: portal.MustDate("2024-03-01"), Amount: 50000},
			{Number: "F-1", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-01-31"), Amount: 100000},
		},
	}
}

// TestClaimChildren reads a claim whose invoices, payments and credit notes
// use every column and were added out of order: FindClaim's one statement
// gives exactly what a query per model gives.
func TestClaimChildren(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := seedTenant(t, db, "Alpha")
		c := newClaim("R-1")
		c.Invoices[0].PaymentReference = "RF18 5390 0754 7034"
		c.Invoices[1].FirstReminderOn, c.Invoices[1].FirstReminderChannel = portal.MustDate("2024-02-10"), "email"
		if err := db.CreateClaim(ctx, a.ID, c); err != nil {
			t.Fatal(err)
		}
		for _, p := range []*portal.Payment{
			{ClaimID: c.ID, Amount: 2000, Currency: "EUR", ReceivedOn: portal.MustDate("2024-04-02"), Method: portal.PaymentTransfer, Reference: "VIR 2"},
			{ClaimID: c.ID, Amount: 1000, Currency: "EUR", ReceivedOn: portal.MustDate("2024-03-05"), Method: portal.PaymentCard, InvoiceID: c.Invoices[0].ID},
		} {
			if err := db.AddPayment(ctx, a.ID, p); err != nil {
				t.Fatal(err)
			}
		}
		for _, n := range []*portal.CreditNote{
			{ClaimID: c.ID, InvoiceID: c.Invoices[0].ID, Number: "AV-2", IssueDate: portal.MustDate("2024-03-20"), Amount: 500},
			{ClaimID: c.ID, InvoiceID: c.Invoices[1].ID, Number: "AV-1", IssueDate: portal.MustDate("2024-03-10"), Amount: 700},
		} {
			if err := db.AddCreditNote(ctx, a.ID, n); err != nil {
				t.Fatal(err)
			}
		}
		got, err := db.FindClaim(ctx, a.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		want, err := db.ChildrenByModel(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(want.Invoices) != 2 || len(want.Payments) != 2 || len(want.CreditNotes) != 2 {
			t.Fatalf("seeded %d invoices, %d payments, %d credit notes", len(want.Invoices), len(want.Payments), len(want.CreditNotes))
		}
		if !reflect.DeepEqual(got.Invoices, want.Invoices) || !reflect.DeepEqual(got.Payments, want.Payments) || !reflect.DeepEqual(got.CreditNotes, want.CreditNotes) {
			t.Errorf("FindClaim:\n%s\nby model:\n%s", childrenText(got), childrenText(want))
		}
		if got.Payments[0].Reference != "" || got.Payments[1].Reference != "VIR 2" || got.CreditNotes[0].Number != "AV-1" || got.Invoices[1].PaymentReference == "" {
			t.Errorf("order or fields: %s", childrenText(got))
		}
	})
}

func childrenText(c *portal.Claim) string {
	var b strings.Builder
	for _, x := range c.Invoices {
		fmt.Fprintf(&b, "invoice %+v\n", *x)
	}
	for _, x := range c.Payments {
		fmt.Fprintf(&b, "payment %+v\n", *x)
	}
	for _, x := range c.CreditNotes {
		fmt.Fprintf(&b, "credit note %+v\n", *x)
	}
	return b.String()
}

func TestClaims(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b := seedTenant(t, db, "Alpha"), seedTenant(t, db, "Beta")

		t.Run("OK", func(t *testing.T) {
			c := newClaim("R-1")
			if err := db.CreateClaim(ctx, a.ID, c); err != nil {
				t.Fatal(err)
			}
			got, err := db.FindClaim(ctx, a.ID, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Reference != "R-1" || got.Debtor.Name != "Dupont SARL" || len(got.Invoices) != 2 || got.Principal() != 150000 {
				t.Fatalf("round trip: %+v", got)
			}
			if got.Invoices[0].Number != "F-1" || got.Invoices[0].DueDate != portal.MustDate("2024-01-31") {
				t.Fatalf("invoices not ordered by due date or dates lost: %+v", got.Invoices[0])
			}
			if got.Stage != portal.StageAmicable || got.Status != portal.StatusOpen || got.IdentityCheck != portal.CheckPostcode {
				t.Fatalf("defaults: %s %s %s", got.Stage, got.Status, got.IdentityCheck)
			}
			evs, err := db.ListEvents(ctx, a.ID, c.ID, 0, 0)
			if err != nil || len(evs) != 1 || evs[0].Kind != portal.EventClaimCreated || evs[0].PrevHash != portal.GenesisHash {
				t.Fatalf("events: %v %+v", err, evs)
			}
		})
		t.Run("ErrConflict", func(t *testing.T) {
			err := db.CreateClaim(ctx, a.ID, newClaim("R-1"))
			if portal.ErrorCode(err) != portal.ECONFLICT || portal.ErrorField(err) != "reference" {
				t.Fatalf("want conflict on reference, got %v", err)
			}
			// The same reference in another tenant is fine.
			if err := db.CreateClaim(ctx, b.ID, newClaim("R-1")); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			list, _, err := db.FindClaims(ctx, b.ID, portal.ClaimFilter{})
			if err != nil || len(list) != 1 {
				t.Fatal(err, len(list))
			}
			if _, err := db.FindClaim(ctx, a.ID, list[0].ID); portal.ErrorCode(err) != portal.ENOTFOUND {
				t.Fatalf("tenant A reads tenant B's claim: %v", err)
			}
		})
		t.Run("ImportAllOrNothing", func(t *testing.T) {
			bad := newClaim("R-3")
			bad.Invoices[0].Amount = 0
			err := db.ImportClaims(ctx, a.ID, []*portal.Claim{newClaim("R-2"), bad})
			if portal.ErrorCode(err) != portal.EINVALID {
				t.Fatalf("want invalid, got %v", err)
			}
			// A duplicate discovered inside the transaction rolls back too.
			err = db.ImportClaims(ctx, a.ID, []*portal.Claim{newClaim("R-2"), newClaim("R-1")})
			if portal.ErrorCode(err) != portal.ECONFLICT {
				t.Fatalf("want conflict, got %v", err)
			}
			list, _, _ := db.FindClaims(ctx, a.ID, portal.ClaimFilter{Reference: "R-2"})
			if len(list) != 0 {
				t.Fatalf("partial import left %d claims", len(list))
			}
		})
		t.Run("Pagination", func(t *testing.T) {
			for _, r := range []string{"P-1", "P-2", "P-3"} {
				if err := db.CreateClaim(ctx, a.ID, newClaim(r)); err != nil {
					t.Fatal(err)
				}
			}
			var refs []string
			cursor := ""
			for pages := 0; pages < 10; pages++ {
				list, next, err := db.FindClaims(ctx, a.ID, portal.ClaimFilter{After: cursor, Limit: 2})
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range list {
					refs = append(refs, c.Reference)
				}
				if next == "" {
					break
				}
				cursor = next
			}
			if len(refs) != 4 || refs[0] != "R-1" || refs[3] != "P-3" {
				t.Fatalf("pages: %v", refs)
			}
			list, _, _ := db.FindClaims(ctx, a.ID, portal.ClaimFilter{Query: "dupont"})
			if len(list) != 4 {
				t.Fatalf("query by debtor name: %d", len(list))
			}
		})
		t.Run("Payment", func(t *testing.T) {
			list, _, _ := db.FindClaims(ctx, a.ID, portal.ClaimFilter{Reference: "R-1"})
			p := &portal.Payment{ClaimID: list[0].ID, Amount: 2500, ReceivedOn: portal.MustDate("2024-05-01"), Method: portal.PaymentTransfer}
			if err := db.AddPayment(ctx, a.ID, p); err != nil {
				t.Fatal(err)
			}
			if err := db.AddPayment(ctx, b.ID, &portal.Payment{ClaimID: list[0].ID, Amount: 1, ReceivedOn: portal.MustDate("2024-05-01"), Method: portal.PaymentTransfer}); portal.ErrorCode(err) != portal.ENOTFOUND {
				t.Fatalf("tenant B paid on A's claim: %v", err)
			}
			got, _ := db.FindClaim(ctx, a.ID, list[0].ID)
			if len(got.Payments) != 1 || got.Payments[0].Amount != 2500 || got.Payments[0].Currency != "EUR" {
				t.Fatalf("payments: %+v", got.Payments)
			}
		})
	})
}

func TestAuth(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := seedTenant(t, db, "Alpha")
		t.Run("APIKey", func(t *testing.T) {
			k, secret, err := db.CreateAPIKey(ctx, a.ID, "ci")
			if err != nil {
				t.Fatal(err)
			}
			if len(secret) < 40 || k.Hash == secret || k.Hash != portal.SHA256Hex([]byte(secret)) {
				t.Fatalf("key %q stored as %q", secret, k.Hash)
			}
			got, err := db.AuthenticateAPIKey(ctx, secret)
			if err != nil || got.TenantID != a.ID {
				t.Fatal(err)
			}
			if _, err := db.AuthenticateAPIKey(ctx, secret+"x"); portal.ErrorCode(err) != portal.EUNAUTHORIZED {
				t.Fatalf("wrong key: %v", err)
			}
			if err := db.RevokeAPIKey(ctx, a.ID, k.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := db.AuthenticateAPIKey(ctx, secret); portal.ErrorCode(err) != portal.EUNAUTHORIZED {
				t.Fatalf("revoked key accepted: %v", err)
			}
		})
		t.Run("User", func(t *testing.T) {
			u := &portal.User{TenantID: a.ID, Email: "Agent@Example.com", Role: portal.RoleAgent}
			if err := db.CreateUser(ctx, u, "correct horse battery"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Authenticate(ctx, "agent@example.com", "correct horse battery"); err != nil {
				t.Fatal(err)
			}
			for _, pw := range []string{"wrong password!", ""} {
				if _, err := db.Authenticate(ctx, "agent@example.com", pw); portal.ErrorCode(err) != portal.EUNAUTHORIZED {
					t.Fatalf("wrong password accepted: %v", err)
				}
			}
			if _, err := db.Authenticate(ctx, "nobody@example.com", "correct horse battery"); portal.ErrorCode(err) != portal.EUNAUTHORIZED {
				t.Fatalf("unknown user: %v", err)
			}
			err := db.CreateUser(ctx, &portal.User{TenantID: a.ID, Email: "agent@example.com", Role: portal.RoleViewer}, "another password")
			if portal.ErrorCode(err) != portal.EINVALID || portal.ErrorField(err) != "email" {
				t.Fatalf("duplicate e-mail: %v", err)
			}
		})
	})
}

// TestEventChainConcurrent appends from many goroutines at once and checks
// that the chain did not fork: sequence 1..N, each prev_hash the previous hash.
func TestEventChainConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := seedTenant(t, db, "Alpha")
		c := newClaim("CHAIN")
		if err := db.CreateClaim(ctx, a.ID, c); err != nil {
			t.Fatal(err)
		}
		const n = 100
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, err := db.AppendEvent(ctx, a.ID, c.ID, portal.EventNoteWritten, map[string]any{"i": i})
				errs <- err
			}(i)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		evs, err := db.ListEvents(ctx, a.ID, c.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != n+1 {
			t.Fatalf("want %d events, got %d", n+1, len(evs))
		}
		prev := portal.GenesisHash
		for i, e := range evs {
			if e.Seq != int64(i+1) || e.PrevHash != prev || e.ComputeHash() != e.Hash || portal.SHA256Hex([]byte(e.Payload)) != e.PayloadHash {
				t.Fatalf("chain broken at %d: %+v", i, e)
			}
			prev = e.Hash
		}
	})
}

func TestSchemaTooNew(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			db := storetest.MustOpen(t, d, nil)
			if _, err := db.SQL().Exec("INSERT INTO goose_db_version (version_id, is_applied) VALUES (99999, true)"); err != nil {
				t.Fatal(err)
			}
			var tooNew store.ErrSchemaTooNew
			if err := db.Migrate(context.Background()); !errors.As(err, &tooNew) || tooNew.Database != 99999 {
				t.Fatalf("want ErrSchemaTooNew, got %v", err)
			}
		})
	}
}
