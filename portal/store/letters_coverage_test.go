package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// A reminder letter sent covers the invoices already due that day, each
// keeping the first reminder that covered it; an invoice that falls due
// later needs a later reminder (Book XIX). The balance follows.
func TestReminderLettersCoverInvoices(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			clock := &portal.FixedClock{T: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
			db := storetest.MustOpen(t, dialect, clock)
			ctx := context.Background()
			tn := &portal.Tenant{Name: "T"}
			noErr(t, db.CreateTenant(ctx, tn))
			noErr(t, db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: "Fournil SRL", Country: "BE", IBAN: "BE71096123456769"}))
			c := &portal.Claim{Reference: "BE-1", Currency: "EUR", Jurisdiction: portal.JurisdictionBE, DamagesClause: true,
				Debtor: &portal.Debtor{Kind: portal.DebtorConsumer, Name: "Jan Peeters", Language: "nl", Country: "BE", Postcode: "1000"},
				Invoices: []*portal.Invoice{
					{Number: "A", IssueDate: portal.MustDate("2026-01-01"), DueDate: portal.MustDate("2026-01-31"), Amount: 40000},
					{Number: "B", IssueDate: portal.MustDate("2026-02-15"), DueDate: portal.MustDate("2026-03-15"), Amount: 30000},
				}}
			noErr(t, db.CreateClaim(ctx, tn.ID, c))
			rates, err := rules.Default()
			noErr(t, err)
			letters := &store.LetterStore{DB: db, Rates: rates}
			send := func(on string, ch portal.SendChannel) {
				t.Helper()
				l, err := letters.CreateLetter(ctx, tn.ID, c.ID, portal.LetterRequest{Kind: portal.LetterReminder, PortalURL: "https://pay.example/p/x"})
				noErr(t, err)
				_, err = letters.MarkLetterSent(ctx, tn.ID, c.ID, l.ID, portal.LetterSending{Channel: ch, SentOn: portal.MustDate(on)})
				noErr(t, err)
			}
			load := func() *portal.Claim {
				t.Helper()
				got, err := db.FindClaim(ctx, tn.ID, c.ID)
				noErr(t, err)
				return got
			}
			send("2026-03-02", portal.SendPost)
			got := load()
			if got.FirstReminderOn != portal.MustDate("2026-03-02") || got.FirstReminderChannel != "letter" {
				t.Fatalf("claim's first reminder: %s %q", got.FirstReminderOn, got.FirstReminderChannel)
			}
			byNumber := func(cl *portal.Claim) map[string]*portal.Invoice {
				m := map[string]*portal.Invoice{}
				for _, inv := range cl.Invoices {
					m[inv.Number] = inv
				}
				return m
			}
			inv := byNumber(got)
			if inv["A"].FirstReminderOn != portal.MustDate("2026-03-02") || inv["A"].FirstReminderChannel != "letter" || !inv["B"].FirstReminderOn.IsZero() {
				t.Fatalf("after the first reminder: A %s %q, B %s", inv["A"].FirstReminderOn, inv["A"].FirstReminderChannel, inv["B"].FirstReminderOn)
			}

			// A second reminder, e-mailed after B fell due, covers B only:
			// A keeps its first, and so does the claim.
			clock.T = time.Date(2026, 3, 20, 9, 0, 0, 0, time.UTC)
			send("2026-03-20", portal.SendEmail)
			got = load()
			inv = byNumber(got)
			if got.FirstReminderOn != portal.MustDate("2026-03-02") || inv["A"].FirstReminderOn != portal.MustDate("2026-03-02") ||
				inv["B"].FirstReminderOn != portal.MustDate("2026-03-20") || inv["B"].FirstReminderChannel != "email" {
				t.Fatalf("after the second reminder: claim %s, A %s, B %s %q", got.FirstReminderOn, inv["A"].FirstReminderOn, inv["B"].FirstReminderOn, inv["B"].FirstReminderChannel)
			}

			// The balance on 2026-04-30: A's letter of Mon 03-02 → free from the 3rd working day,
			// Thu 03-05, to 03-19; B's e-mail of 03-20 → free 03-21..04-04. Both bear interest
			// after, and damages are charged on each once its period ends.
			b, err := rates.Compute(got, portal.MustDate("2026-04-30"))
			noErr(t, err)
			if len(b.Invoices) != 2 || b.Invoices[0].InterestFrom != portal.MustDate("2026-03-20") || b.Invoices[1].InterestFrom != portal.MustDate("2026-04-05") {
				t.Fatalf("interest from %+v", b.Invoices)
			}
			if len(b.IndemnityLines) != 2 {
				t.Errorf("damages lines %+v", b.IndemnityLines)
			}
		})
	}
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
