package server

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/store/storetest"
)

// dashboardFixture adds to the chat env's claim R-1 (1,000.00 EUR due
// 2024-01-31, created 2024-06-30) a payment of 250.00 EUR received on
// 2024-06-10, a second creditor with a GBP claim of 400.00 GBP due
// 2024-06-20 paid 300.00 on 2024-06-25, and another tenant with a claim
// of its own paid 999.99 EUR. It returns the second creditor's ID and the
// other tenant's creditor's and user's cookie.
func dashboardFixture(t *testing.T, e *chatEnv) (gbpCreditor, otherCreditor, otherCookie string) {
	t.Helper()
	ctx := context.Background()
	if err := e.db.AddPayment(ctx, e.tenantID, &portal.Payment{ClaimID: e.claim.ID, Amount: 25000, ReceivedOn: portal.MustDate("2024-06-10"), Method: portal.PaymentTransfer}); err != nil {
		t.Fatal(err)
	}
	cr := &portal.Creditor{TenantID: e.tenantID, LegalName: "Beta Ltd", Country: "FR"}
	if err := e.db.CreateCreditor(ctx, cr); err != nil {
		t.Fatal(err)
	}
	gbp := &portal.Claim{Reference: "G-1", CreditorID: cr.ID, Currency: "GBP", Jurisdiction: portal.JurisdictionFR,
		Debtor:   &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Smith Ltd", Language: "en", Postcode: "75011"},
		Invoices: []*portal.Invoice{{Number: "G-1", IssueDate: portal.MustDate("2024-05-20"), DueDate: portal.MustDate("2024-06-20"), Amount: 40000}}}
	if err := e.db.CreateClaim(ctx, e.tenantID, gbp); err != nil {
		t.Fatal(err)
	}
	if err := e.db.AddPayment(ctx, e.tenantID, &portal.Payment{ClaimID: gbp.ID, Amount: 30000, ReceivedOn: portal.MustDate("2024-06-25"), Method: portal.PaymentTransfer}); err != nil {
		t.Fatal(err)
	}
	// A promise to pay of 50.00 GBP, still expected.
	if _, err := e.db.RecordPromise(ctx, e.tenantID, gbp.ID, portal.PromiseInput{Amount: 5000, DueOn: e.today.AddDays(5), Source: portal.PromiseFromAgent}); err != nil {
		t.Fatal(err)
	}
	other := &portal.Tenant{Name: "Other", Timezone: "UTC"}
	if err := e.db.CreateTenant(ctx, other); err != nil {
		t.Fatal(err)
	}
	ocr := &portal.Creditor{TenantID: other.ID, LegalName: "Other SAS", Country: "FR"}
	if err := e.db.CreateCreditor(ctx, ocr); err != nil {
		t.Fatal(err)
	}
	oc := &portal.Claim{Reference: "O-1", Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
		Debtor:   &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Other debtor", Language: "fr", Postcode: "75011"},
		Invoices: []*portal.Invoice{{Number: "O-1", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-02-01"), Amount: 555500}}}
	if err := e.db.CreateClaim(ctx, other.ID, oc); err != nil {
		t.Fatal(err)
	}
	if err := e.db.AddPayment(ctx, other.ID, &portal.Payment{ClaimID: oc.ID, Amount: 99999, ReceivedOn: portal.MustDate("2024-06-12"), Method: portal.PaymentTransfer}); err != nil {
		t.Fatal(err)
	}
	ou := &portal.User{TenantID: other.ID, Email: "owner@other.test", Role: portal.RoleOwner}
	if err := e.db.CreateUser(ctx, ou, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	_, tok, err := e.db.CreateConsoleSession(ctx, ou, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return cr.ID, ocr.ID, tok
}

// tableRow is the cells of the row headed label in the table of section id.
func tableRow(t *testing.T, body, id, label string) []string {
	t.Helper()
	sec := regexp.MustCompile(`(?s)<section class="dash-figure" id="` + regexp.QuoteMeta(id) + `".*?</section>`).FindString(body)
	if sec == "" {
		t.Fatalf("no section %s", id)
	}
	m := regexp.MustCompile(`<tr><th scope="row">` + regexp.QuoteMeta(label) + `</th>(.*?)</tr>`).FindStringSubmatch(sec)
	if m == nil {
		return nil
	}
	var cells []string
	for _, c := range regexp.MustCompile(`<td class="num">(.*?)</td>`).FindAllStringSubmatch(m[1], -1) {
		cells = append(cells, c[1])
	}
	return cells
}

// csvLines maps "figure,key,currency,measure" to its value.
func csvLines(t *testing.T, body string) map[string]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) == 0 || strings.Join(rows[0], ",") != "figure,key,currency,measure,value" {
		t.Fatalf("csv: %v %q", err, body)
	}
	out := map[string]string{}
	for _, r := range rows[1:] {
		out[strings.Join(r[:4], ",")] = r[4]
	}
	return out
}

// TestConsoleDashboard: every role of the tenant reads the dashboard and
// its CSV (it changes nothing); the figures are those of the seed
// (collected and outstanding per month, ageing) per currency, filtered by
// creditor and period; the page draws SVG charts beside tables without
// inline style; bad filters are a 400; another tenant's money and
// creditor never show; an owner lands on it when signing in.
func TestConsoleDashboard(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newChatEnv(t, dialect)
			gbpCreditor, otherCreditor, otherCookie := dashboardFixture(t, e)
			en := func(v int64, cur portal.Currency) string { return i18n.Amount("en", v, cur) }
			// What the seed says: 250.00 EUR collected in June 2024, 750.00
			// EUR outstanding at its end, 151 days past due (90+); 300.00 GBP
			// collected, 100.00 GBP outstanding, 10 days past due.
			eurPaid, eurOwed := int64(25000), int64(100000-25000)
			gbpPaid, gbpOwed := int64(30000), int64(40000-30000)

			t.Run("RouteRole", func(t *testing.T) {
				for _, tc := range []struct {
					role   string
					cookie string
					want   int
				}{
					{"none", "", http.StatusSeeOther},
					{"viewer", e.cookies[e.viewer.ID], http.StatusOK},
					{"agent", e.cookies[e.agent.ID], http.StatusOK},
					{"owner", e.cookies[e.owner.ID], http.StatusOK},
				} {
					for _, path := range []string{"/console/dashboard", "/console/dashboard.csv"} {
						r := consoleAs{t, e.base, tc.cookie}.get(path)
						if r.status != tc.want {
							t.Errorf("%s GET %s: %d", tc.role, path, r.status)
						}
						if tc.want == http.StatusSeeOther && r.header.Get("Location") != "/console/login" {
							t.Errorf("%s GET %s: to %q", tc.role, path, r.header.Get("Location"))
						}
					}
				}
				// Reading only: no form posts to the dashboard.
				owner := consoleAs{t, e.base, e.cookies[e.owner.ID]}
				if r := owner.do("POST", "/console/dashboard", url.Values{"csrf": {owner.csrf()}}); r.status != http.StatusNotFound && r.status != http.StatusMethodNotAllowed {
					t.Errorf("POST dashboard: %d", r.status)
				}
			})

			viewer := consoleAs{t, e.base, e.cookies[e.viewer.ID]}
			t.Run("Page", func(t *testing.T) {
				r := viewer.get("/console/dashboard")
				if r.status != 200 {
					t.Fatalf("%d %s", r.status, r.body)
				}
				if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "style-src 'self'") || strings.Contains(csp, "unsafe-inline") {
					t.Fatalf("CSP %q", csp)
				}
				if strings.Contains(r.body, " style=") || strings.Contains(r.body, "<script") || strings.Contains(r.body, "<style") {
					t.Fatal("inline style or script on the dashboard")
				}
				for _, id := range []string{"monthly-EUR", "monthly-GBP", "ageing-EUR", "ageing-GBP", "stage-EUR", "channel-EUR", "plans", "promises", "promises-kept", "disputes", "response"} {
					sec := regexp.MustCompile(`(?s)<section class="dash-figure" id="` + id + `".*?</section>`).FindString(r.body)
					if !strings.Contains(sec, `<h2 id="`+id+`-h">`) || !strings.Contains(sec, `figure=`) {
						t.Errorf("section %s missing or without its CSV link", id)
					}
				}
				// Each chart is an SVG with a title, patterns for the second
				// series, and its values as text.
				svg := regexp.MustCompile(`(?s)<section class="dash-figure" id="monthly-EUR".*?(<svg.*?</svg>).*?<table`).FindStringSubmatch(r.body)
				if svg == nil || !strings.Contains(svg[1], `role="img"`) || !strings.Contains(svg[1], `<title id="monthly-EUR-title">`) ||
					!strings.Contains(svg[1], `fill="url(#monthly-EUR-p1)"`) || !strings.Contains(svg[1], ">"+en(eurPaid, "EUR")+"</text>") {
					t.Fatalf("monthly chart: %v", svg)
				}
				if got := tableRow(t, r.body, "monthly-EUR", "June 2024"); strings.Join(got, "|") != en(eurPaid, "EUR")+"|"+en(eurOwed, "EUR") {
					t.Errorf("June EUR: %v", got)
				}
				if got := tableRow(t, r.body, "monthly-GBP", "June 2024"); strings.Join(got, "|") != en(gbpPaid, "GBP")+"|"+en(gbpOwed, "GBP") {
					t.Errorf("June GBP: %v", got)
				}
				if got := tableRow(t, r.body, "monthly-EUR", "May 2024"); strings.Join(got, "|") != en(0, "EUR")+"|"+en(0, "EUR") {
					t.Errorf("May EUR (before the claims): %v", got)
				}
				if got := tableRow(t, r.body, "ageing-EUR", "over 90 days"); strings.Join(got, "|") != "1|"+en(eurOwed, "EUR") {
					t.Errorf("ageing EUR: %v", got)
				}
				if got := tableRow(t, r.body, "ageing-GBP", "0 to 30 days"); strings.Join(got, "|") != "1|"+en(gbpOwed, "GBP") {
					t.Errorf("ageing GBP: %v", got)
				}
				if got := tableRow(t, r.body, "promises-kept", "expected (GBP)"); strings.Join(got, "|") != "GBP|1|"+en(5000, "GBP")+"|"+en(0, "GBP") {
					t.Errorf("promises kept: %v", got)
				}
				// The payments came without a contact before them.
				if got := tableRow(t, r.body, "channel-EUR", "no contact before"); strings.Join(got, "|") != "1|"+en(eurPaid, "EUR") {
					t.Errorf("channel EUR: %v", got)
				}
				if strings.Contains(r.body, "999.99") || strings.Contains(r.body, "Other SAS") || strings.Contains(r.body, "5,555.00") {
					t.Fatal("another tenant's money or creditor on the page")
				}
			})
			t.Run("French", func(t *testing.T) {
				if err := e.db.SetUserLanguage(context.Background(), e.tenantID, e.viewer.ID, "fr"); err != nil {
					t.Fatal(err)
				}
				defer e.db.SetUserLanguage(context.Background(), e.tenantID, e.viewer.ID, "en")
				r := viewer.get("/console/dashboard")
				if !strings.Contains(r.body, "Tableau de bord du portefeuille") {
					t.Fatal("not in French")
				}
				if got := tableRow(t, r.body, "monthly-EUR", "juin 2024"); strings.Join(got, "|") != i18n.Amount("fr", eurPaid, "EUR")+"|"+i18n.Amount("fr", eurOwed, "EUR") {
					t.Errorf("juin EUR: %v", got)
				}
			})
			t.Run("Filters", func(t *testing.T) {
				r := viewer.get("/console/dashboard?creditor=" + gbpCreditor)
				if r.status != 200 || strings.Contains(r.body, `id="monthly-EUR"`) || !strings.Contains(r.body, `id="monthly-GBP"`) {
					t.Fatalf("creditor filter: %d", r.status)
				}
				if !strings.Contains(r.body, `<option value="`+gbpCreditor+`" selected>`) {
					t.Error("the chosen creditor is not selected")
				}
				// Before 2024-04 neither claim had entered the portfolio (both
				// entered 2024-06-30): no money figure, and the counts say so.
				r = viewer.get("/console/dashboard?from=2024-01&to=2024-03")
				if r.status != 200 || strings.Contains(r.body, `id="monthly-EUR"`) || strings.Contains(r.body, `id="ageing-EUR"`) ||
					!strings.Contains(r.body, "Nothing in this period.") {
					t.Fatalf("period before the claims: %d", r.status)
				}
				r = viewer.get("/console/dashboard?from=2024-05&to=2024-06")
				if tableRow(t, r.body, "monthly-EUR", "June 2024") == nil || tableRow(t, r.body, "monthly-EUR", "May 2024") == nil ||
					tableRow(t, r.body, "monthly-EUR", "April 2024") != nil {
					t.Fatal("period of two months")
				}
				for query, field := range map[string]string{"from=2024-13": "from", "to=24-06": "to", "from=2024-06&to=2024-01": "from",
					"from=2010-01&to=2024-06": "from", "creditor=" + otherCreditor: "creditor", "creditor=nope": "creditor"} {
					for _, path := range []string{"/console/dashboard?", "/console/dashboard.csv?"} {
						r := viewer.get(path + query)
						if r.status != http.StatusBadRequest || !strings.Contains(r.body, field) {
							t.Errorf("%s%s: %d %.200s", path, query, r.status, r.body)
						}
					}
				}
				if r := viewer.get("/console/dashboard.csv?figure=bogus"); r.status != http.StatusBadRequest {
					t.Errorf("unknown figure: %d", r.status)
				}
			})
			t.Run("CSV", func(t *testing.T) {
				r := viewer.get("/console/dashboard.csv?from=2024-06&to=2024-06")
				if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") ||
					!strings.Contains(r.header.Get("Content-Disposition"), `filename="dashboard-2024-06-2024-06.csv"`) {
					t.Fatalf("%d %v", r.status, r.header)
				}
				lines := csvLines(t, r.body)
				for k, want := range map[string]string{
					"monthly,2024-06,EUR,collected":       portal.FormatMinor(eurPaid, 2),
					"monthly,2024-06,EUR,outstanding":     portal.FormatMinor(eurOwed, 2),
					"monthly,2024-06,GBP,collected":       portal.FormatMinor(gbpPaid, 2),
					"ageing,90+,EUR,owed":                 portal.FormatMinor(eurOwed, 2),
					"ageing,0-30,GBP,claims":              "1",
					"stage,amicable,EUR,rate_percent":     portal.FormatMinor(eurPaid*10000/100000, 2),
					"channel,none,GBP,amount":             portal.FormatMinor(gbpPaid, 2),
					"promises_kept,expected,GBP,promised": "50.00",
					"promises_kept,expected,GBP,promises": "1",
					"disputes,all,open":                   "",
				} {
					if k == "disputes,all,open" {
						k = "disputes,all,,open"
						want = "0"
					}
					if lines[k] != want {
						t.Errorf("%s = %q, want %q", k, lines[k], want)
					}
				}
				if strings.Contains(r.body, "999.99") {
					t.Fatal("another tenant's payment in the CSV")
				}
				r = viewer.get("/console/dashboard.csv?figure=ageing&creditor=" + gbpCreditor + "&from=2024-06&to=2024-06")
				lines = csvLines(t, r.body)
				if len(lines) != 2 || lines["ageing,0-30,GBP,owed"] != portal.FormatMinor(gbpOwed, 2) {
					t.Fatalf("one figure of one creditor: %v", lines)
				}
				// The other tenant's owner sees only its claim.
				r = consoleAs{t, e.base, otherCookie}.get("/console/dashboard.csv?from=2024-06&to=2024-06")
				lines = csvLines(t, r.body)
				if lines["monthly,2024-06,EUR,collected"] != "999.99" || lines["monthly,2024-06,GBP,collected"] != "" {
					t.Fatalf("other tenant: %v", lines)
				}
			})
			t.Run("OwnerHome", func(t *testing.T) {
				for user, want := range map[*portal.User]string{e.owner: "/console/dashboard", e.agent: "/console"} {
					jar, _ := cookiejar.New(nil)
					client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
					resp, err := client.Get(e.base + "/console/login")
					if err != nil {
						t.Fatal(err)
					}
					var page strings.Builder
					buf := make([]byte, 4096)
					for {
						n, err := resp.Body.Read(buf)
						page.Write(buf[:n])
						if err != nil {
							break
						}
					}
					resp.Body.Close()
					m := csrfField.FindStringSubmatch(page.String())
					if m == nil {
						t.Fatal("no CSRF field on the sign-in page")
					}
					resp, err = client.PostForm(e.base+"/console/login", url.Values{"csrf": {m[1]}, "email": {user.Email}, "password": {"correct horse battery"}})
					if err != nil {
						t.Fatal(err)
					}
					resp.Body.Close()
					if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
						t.Errorf("%s signs in: %d to %q, want %q", user.Role, resp.StatusCode, resp.Header.Get("Location"), want)
					}
				}
			})
		})
	}
}
