package server

import (
	"context"
	"html"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/escalation"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/payments"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// TestClaimPageCacheNeverStale: the claim page's reads come from the
// viewing instance's cache only while the database's version of the
// page's rows is the one they were kept under. On PostgreSQL two servers
// share one database: the debtor views at B, a payment, a credit note, a
// stage change, a dispute, a creditor's and a debtor's change are recorded
// at A, and the next view at B shows each at once (read again, then
// cached again). On SQLite the same sequence on one instance, whose cache
// nothing but the database's counters invalidates.
func TestClaimPageCacheNeverStale(t *testing.T) {
	bundle, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	nl := bundle.For("nl")
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			e := newPortalEnv(t, dialect, Config{})
			e.withPayments(t, "")
			b := e.verified(e.be, "K-20417")
			ctx := context.Background()
			a := e.db // instance A writes
			eb, db := e, e.db
			if dialect == store.Postgres {
				// Instance B: its own store (and cache) on the same database.
				db = storetest.MustOpenURL(t, e.db.URL, e.clock)
				svc := &payments.Service{Claims: db, Store: db, References: db, Rates: e.rates, Clock: e.clock}
				cp := *e
				cp.srv = New(e.srv.cfg, Deps{Claims: db, Tenants: db, Events: db, DB: db, Clock: e.clock, Links: db, Disputes: db,
					Rates: e.rates, Payments: svc, Transfers: svc, Instalments: db})
				eb = &cp
			}
			atB := &browser{e: eb, cookies: b.cookies, ip: b.ip}
			// view shows the page at B and says whether it was read from the
			// database (true) or from B's cache.
			view := func(step string) (string, bool) {
				t.Helper()
				log, err := db.LogQueries()
				if err != nil {
					t.Fatal(err)
				}
				p := atB.get("/p")
				if p.status != 200 {
					t.Fatalf("%s: claim page %d", step, p.status)
				}
				loads := 0
				for _, s := range log.Statements() {
					if claimLoad.MatchString(s) {
						loads++
					}
				}
				return p.body, loads > 0
			}
			// total is the balance as the database has it now, as B's page
			// must show it.
			total := func() string {
				t.Helper()
				c, err := a.FindClaim(ctx, e.tenantA, e.be.ID)
				if err != nil {
					t.Fatal(err)
				}
				bal, err := e.rates.Compute(c, portal.DateOf(e.clock.Now()))
				if err != nil {
					t.Fatal(err)
				}
				return i18n.Money("nl", bal.Total, "EUR")
			}
			view("first view (makes the payment reference)")
			view("read")
			if _, read := view("cached"); read {
				t.Fatal("the third view read the claim again: nothing is cached")
			}
			secret := b.cookies[cookieSession]
			ps, err := a.FindSession(ctx, secret)
			if err != nil {
				t.Fatal(err)
			}
			d := portal.MustDate
			steps := []struct {
				name   string
				change func() error
				shows  func() []string
			}{
				{"payment", func() error {
					return a.AddPayment(ctx, e.tenantA, &portal.Payment{ClaimID: e.be.ID, Amount: 100_000, ReceivedOn: d("2026-05-10"), Method: portal.PaymentTransfer})
				}, func() []string { return []string{total(), i18n.Money("nl", 100_000, "EUR")} }},
				{"credit note", func() error {
					return a.AddCreditNote(ctx, e.tenantA, &portal.CreditNote{ClaimID: e.be.ID, Number: "CN-77", Amount: 25_000, IssueDate: d("2026-05-12")})
				}, func() []string { return []string{total(), i18n.Money("nl", 25_000, "EUR")} }},
				{"stage change", func() error {
					_, err := a.ChangeStage(ctx, e.tenantA, e.be.ID, portal.StageChange{To: portal.StageFormalNotice, Reason: "no answer", FormalNoticeOn: d("2026-05-14")})
					return err
				}, func() []string {
					return []string{html.EscapeString(nl.Text(escalation.StageKey(portal.StageFormalNotice)))}
				}},
				{"dispute", func() error {
					return a.FileDispute(ctx, ps, &portal.Dispute{Reason: portal.DisputeReasons[0], Text: "Levering nooit ontvangen, zie bon 4471."})
				}, func() []string { return []string{`aria-labelledby="dispute-h" id="dispute"`} }},
				{"creditor", func() error {
					cr := *e.be.Creditor
					cr.LegalName = "Brasserie Nieuwe Naam BV"
					return a.UpdateCreditor(ctx, &cr)
				}, func() []string { return []string{"Brasserie Nieuwe Naam BV"} }},
				{"debtor", func() error {
					_, err := a.UpdateDebtorContact(ctx, e.tenantA, e.be.ID, portal.DebtorContact{Email: "boekhouding@dehoek.example", Language: "nl", Country: "BE"})
					return err
					// The page shows none of the debtor's contact details, but
					// it holds the debtor's row (its kind rules the interest):
					// read again.
				}, func() []string { return nil }},
			}
			for _, s := range steps {
				before, _ := view(s.name + ", before")
				if err := s.change(); err != nil {
					t.Fatalf("%s: %v", s.name, err)
				}
				want := s.shows()
				if len(want) > 0 && strings.Contains(before, want[0]) {
					t.Fatalf("%s: %q already on the page before the change", s.name, want[0])
				}
				after, read := view(s.name + ", after")
				if !read {
					t.Errorf("%s: the view after it was served from the cache", s.name)
				}
				mustContain(t, s.name, after, want...)
				again, read := view(s.name + ", cached again")
				if read || again != after {
					t.Errorf("%s: the next view read the claim again (%v) or showed another page", s.name, read)
				}
			}
		})
	}
}
