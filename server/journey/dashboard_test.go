package journey

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
	"github.com/relais/relais/server/browsertest"
	"github.com/relais/relais/server/servertest"
)

// TestDashboardInBrowser: an owner signs in and lands on the portfolio
// dashboard; in Chromium every chart is drawn (SVG with its bars), the
// page has no serious or critical axe-core violation, no console error
// and no CSP complaint (the charts use no inline style), and its
// screenshot goes to the artifacts (dashboard/).
func TestDashboardInBrowser(t *testing.T) {
	clock := &portal.FixedClock{T: time.Date(2024, 1, 5, 9, 0, 0, 0, time.UTC)}
	db := storetest.MustOpen(t, store.SQLite, clock)
	ctx := context.Background()
	tn := &portal.Tenant{Name: "Atelier Durand SARL", Timezone: "UTC"}
	must(t, db.CreateTenant(ctx, tn))
	for _, name := range []string{"Atelier Durand SARL", "Durand Export Ltd"} {
		must(t, db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: name, Country: "FR"}))
	}
	creditors, err := db.FindCreditors(ctx, tn.ID)
	must(t, err)
	// Twelve claims entered one a fortnight, each paid in part a month
	// later; every third in pounds.
	for i := 0; i < 12; i++ {
		clock.T = time.Date(2024, 1, 5, 9, 0, 0, 0, time.UTC).AddDate(0, 0, 14*i)
		day := portal.DateOf(clock.T)
		cur := portal.Currency("EUR")
		if i%3 == 2 {
			cur = "GBP"
		}
		c := &portal.Claim{Reference: fmt.Sprintf("DUR-%02d", i), CreditorID: creditors[i%2].ID, Currency: cur, Jurisdiction: portal.JurisdictionFR,
			Debtor:   &portal.Debtor{Kind: portal.DebtorBusiness, Name: fmt.Sprintf("Client %d SARL", i), Language: "fr", Postcode: "69002"},
			Invoices: []*portal.Invoice{{Number: "F-1", IssueDate: day.AddDays(-40 - 9*i), DueDate: day.AddDays(-10 - 9*i), Amount: int64(80_000 + 15_000*i)}}}
		must(t, db.CreateClaim(ctx, tn.ID, c))
		if i < 9 {
			clock.T = clock.T.AddDate(0, 1, 0)
			must(t, db.AddPayment(ctx, tn.ID, &portal.Payment{ClaimID: c.ID, Amount: int64(20_000 + 5_000*i), ReceivedOn: portal.DateOf(clock.T), Method: portal.PaymentTransfer}))
		}
	}
	clock.T = time.Date(2024, 6, 30, 10, 0, 0, 0, time.UTC)
	const password = "correct horse battery staple 42"
	owner := &portal.User{TenantID: tn.ID, Email: "owner@durand.example", Name: "Anne Durand", Role: portal.RoleOwner}
	must(t, db.CreateUser(ctx, owner, password))
	srv := servertest.Start(t, db, servertest.Options{Clock: clock, Logger: slog.New(slog.DiscardHandler)})

	browser := browsertest.Start(t, browsertest.Isolated()...)
	tb := newTab(t, t, browser, "owner", srv.Base, "en-GB,en;q=0.9", desktop, artifactsDir(t, "dashboard"))
	tb.signIn(t, srv.Base, owner.Email, password)
	if p := tb.path(t); p != "/console/dashboard" {
		t.Fatalf("after signing in the owner is on %s, want the dashboard", p)
	}
	en, err := i18n.New()
	must(t, err)
	if h := tb.text(t, "h1"); h != en.For("en").Text("console.dashboard.title") {
		t.Fatalf("title %q", h)
	}
	// Every chart is laid out: a visible SVG with its bars.
	bars := run(t, tb, chromedp.Evaluate[[]int](`Array.from(document.querySelectorAll("section.dash-figure svg.chart")).map(function (s) {
		var r = s.getBoundingClientRect(); return r.width > 100 && r.height > 10 ? s.querySelectorAll("rect.chart-bar").length : -1; })`))
	if len(bars) < 8 {
		t.Fatalf("charts drawn: %v", bars)
	}
	for i, n := range bars {
		if n < 0 {
			t.Errorf("chart %d is not laid out", i)
		}
	}
	// The June row of the euro table says what was collected in June.
	june := tb.text(t, "#monthly-EUR table")
	if !strings.Contains(june, "June 2024") {
		t.Errorf("euro table: %q", june)
	}
	tb.check(t)
	tb.shot(t, "dashboard")
	tb.shotTop(t, "dashboard-top")

	// A creditor and a period, chosen in the form.
	tb.do(t, chromedp.SetValue(chromedp.CSS(`select[name=creditor]`), creditors[1].ID))
	tb.submit(t, `#dashboard-filters button[type=submit]`)
	if sel := run(t, tb, chromedp.Value(chromedp.CSS(`select[name=creditor]`))); sel != creditors[1].ID {
		t.Fatalf("creditor chosen: %q", sel)
	}
	tb.check(t)
}
