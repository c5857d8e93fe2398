package server

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/court"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/store/storetest"
)

// claimsFixture adds to the chat env's claim R-1 (FR, amicable, 1,000.00
// EUR due 2024-01-31: 151 days late on 2024-06-30, 250.00 paid) three
// claims: R-2 at the formal notice stage, R-3 fallen due ten days ago, and
// R-4 in GBP in Belgium. It returns each claim's balance total by reference.
func claimsFixture(t *testing.T, e *chatEnv) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	if err := e.db.AddPayment(ctx, e.tenantID, &portal.Payment{ClaimID: e.claim.ID, Amount: 25000, Currency: "EUR", ReceivedOn: e.today, Method: portal.PaymentTransfer}); err != nil {
		t.Fatal(err)
	}
	mk := func(ref string, cur portal.Currency, j portal.Jurisdiction, stage portal.Stage, due string, amount int64) {
		c := &portal.Claim{Reference: ref, Currency: cur, Jurisdiction: j, Stage: stage,
			Debtor:   &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Debtor " + ref, Language: "fr", Postcode: "75011"},
			Invoices: []*portal.Invoice{{Number: "F-" + ref, IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate(due), Amount: amount}}}
		if err := e.db.CreateClaim(ctx, e.tenantID, c); err != nil {
			t.Fatal(err)
		}
	}
	mk("R-2", "EUR", portal.JurisdictionFR, portal.StageFormalNotice, "2024-03-31", 200000)
	mk("R-3", "EUR", portal.JurisdictionFR, "", "2024-06-20", 50000)
	mk("R-4", "GBP", portal.JurisdictionBE, "", "2024-05-15", 70000)
	totals := map[string]int64{}
	claims, _, err := e.db.FindClaims(ctx, e.tenantID, portal.ClaimFilter{WithPayments: true})
	if err != nil || len(claims) != 4 {
		t.Fatalf("claims: %v %d", err, len(claims))
	}
	for _, c := range claims {
		b, err := e.srv.deps.Rates.Compute(c, e.today)
		if err != nil {
			t.Fatal(err)
		}
		totals[c.Reference] = b.Total
	}
	return totals
}

// listedRefs are the references of the claims list's rows, in order.
func listedRefs(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<tr><td><a href="/console/claims/[^"]+">([^<]+)</a>`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// totalRow is the totals line of a scope ("all" or "page") and currency.
func totalRow(t *testing.T, body, scope string, cur portal.Currency) string {
	t.Helper()
	m := regexp.MustCompile(`<tr class="total-` + scope + `" data-currency="` + string(cur) + `">(.*?)</tr>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

// TestConsoleClaimsList: the claims list shows paid, balance, days late,
// stage and status per claim; stage, status, jurisdiction, days-late and
// text filters narrow it and its totals (per currency, over every
// matching claim, and the page's balances); the CSV export has the same
// columns and honours the same filters.
func TestConsoleClaimsList(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newChatEnv(t, dialect)
			bal := claimsFixture(t, e)
			viewer := consoleAs{t, e.base, e.cookies[e.viewer.ID]}
			m := func(v int64, cur portal.Currency) string { return i18n.Amount("en", v, cur) }

			t.Run("OK", func(t *testing.T) {
				r := viewer.get("/console/claims")
				if r.status != 200 {
					t.Fatalf("claims: %d", r.status)
				}
				if got := strings.Join(listedRefs(r.body), ","); got != "R-1,R-2,R-3,R-4" {
					t.Fatalf("rows %s", got)
				}
				mustContain(t, "claims list", r.body, `<th class="num">Paid</th>`, `<th class="num">Balance</th>`, `<th class="num">Days late</th>`,
					"<td>amicable</td><td>open</td>", "<td>formal notice</td>", `<td class="num">151</td>`, `<td class="num">10</td>`,
					"<td class=\"num\">"+m(25000, "EUR")+"</td><td class=\"num\">"+m(bal["R-1"], "EUR")+"</td>")
				// All four claims: EUR principal 1,000 + 2,000 + 500, paid 250;
				// the page is the whole list, so its balance is every claim's.
				all := totalRow(t, r.body, "all", "EUR")
				mustContain(t, "EUR totals", all, `<td class="num">3</td>`, m(350000, "EUR"), m(25000, "EUR"))
				mustContain(t, "EUR page totals", totalRow(t, r.body, "page", "EUR"), m(bal["R-1"]+bal["R-2"]+bal["R-3"], "EUR"))
				mustContain(t, "GBP totals", totalRow(t, r.body, "all", "GBP"), `<td class="num">1</td>`, m(70000, "GBP"), m(0, "GBP"))
				mustContain(t, "totals' scope", r.body, "its total covers this page only")
			})
			t.Run("Filters", func(t *testing.T) {
				for _, c := range []struct {
					query, refs string
				}{
					{"stage=formal_notice", "R-2"},
					{"status=open&jurisdiction=BE", "R-4"},
					{"late=1-30", "R-3"},
					{"late=91-180", "R-1,R-2"},
					{"late=0", ""},
					{"q=r-3", "R-3"},
					{"stage=amicable&late=91-180", "R-1"},
					{"stage=nonsense", "R-1,R-2,R-3,R-4"}, // not a stage: no filter
				} {
					r := viewer.get("/console/claims?" + c.query)
					if got := strings.Join(listedRefs(r.body), ","); r.status != 200 || got != c.refs {
						t.Errorf("%s: %d, rows %q, want %q", c.query, r.status, got, c.refs)
					}
				}
				// Totals follow the filter: every formal-notice claim.
				r := viewer.get("/console/claims?stage=formal_notice")
				mustContain(t, "filtered totals", totalRow(t, r.body, "all", "EUR"), `<td class="num">1</td>`, m(200000, "EUR"), m(0, "EUR"))
				if totalRow(t, r.body, "all", "GBP") != "" {
					t.Error("GBP totals for a filter no GBP claim matches")
				}
				// The filters are kept in the form and the export link.
				mustContain(t, "filter form", r.body, `<option value="formal_notice" selected>`, `href="/console/claims.csv?stage=formal_notice"`)
				// Under a days-late range, totals are the page's only, and say so.
				r = viewer.get("/console/claims?late=91-180")
				if totalRow(t, r.body, "all", "EUR") != "" {
					t.Error("all-claims totals under a days-late filter")
				}
				mustContain(t, "late totals", totalRow(t, r.body, "page", "EUR"), `<td class="num">2</td>`, m(300000, "EUR"), m(25000, "EUR"), m(bal["R-1"]+bal["R-2"], "EUR"))
				mustContain(t, "late scope", r.body, "With a days-late filter, the totals cover this page only")
			})
			t.Run("CSV", func(t *testing.T) {
				read := func(query string) [][]string {
					r := viewer.get("/console/claims.csv?" + query)
					if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
						t.Fatalf("export %s: %d %s", query, r.status, r.header.Get("Content-Type"))
					}
					rows, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
					if err != nil || strings.Join(rows[0], ",") != strings.Join(claimsCSVHeader, ",") {
						t.Fatalf("export %s: %v %v", query, err, rows)
					}
					return rows
				}
				col := map[string]int{}
				for i, h := range claimsCSVHeader {
					col[h] = i
				}
				rows := read("")
				if len(rows) != 5 {
					t.Fatalf("export: %d rows", len(rows))
				}
				r1 := rows[1]
				if r1[col["reference"]] != "R-1" || r1[col["paid"]] != "250.00" || r1[col["balance"]] != portal.FormatMinor(bal["R-1"], 2) ||
					r1[col["days_late"]] != "151" || r1[col["balance_as_of"]] != "2024-06-30" || r1[col["stage"]] != "amicable" || r1[col["status"]] != "open" {
					t.Errorf("R-1 row: %v", r1)
				}
				for q, want := range map[string]string{"late=1-30": "R-3", "stage=formal_notice": "R-2", "jurisdiction=BE": "R-4", "late=91-180&q=r-1": "R-1"} {
					rows := read(q)
					var got []string
					for _, r := range rows[1:] {
						got = append(got, r[col["reference"]])
					}
					if strings.Join(got, ",") != want {
						t.Errorf("export %s: %v, want %s", q, got, want)
					}
				}
			})
		})
	}
}

// TestConsoleTimelineKinds: the timeline names each event in words and
// filters by ticked kinds (kind=a&kind=b), the boxes staying ticked.
func TestConsoleTimelineKinds(t *testing.T) {
	e := newChatEnv(t, storetest.Dialects[0])
	ctx := context.Background()
	if err := e.db.AddPayment(ctx, e.tenantID, &portal.Payment{ClaimID: e.claim.ID, Amount: 1000, Currency: "EUR", ReceivedOn: e.today, Method: portal.PaymentTransfer}); err != nil {
		t.Fatal(err)
	}
	viewer := consoleAs{t, e.base, e.cookies[e.viewer.ID]}
	path := "/console/claims/" + e.claim.ID + "/timeline"
	row := func(k portal.EventKind, words string) string {
		return fmt.Sprintf(`<span class="event-kind" title="%s">%s</span>`, k, words)
	}
	r := viewer.get(path)
	if r.status != 200 {
		t.Fatalf("timeline: %d", r.status)
	}
	mustContain(t, "timeline", r.body, row(portal.EventClaimCreated, "claim created"), row(portal.EventPaymentRecorded, "payment recorded"),
		row(portal.EventLinkIssued, "portal link issued"), row(portal.EventIdentityPassed, "identity check passed"),
		`<input type="checkbox" name="kind" value="stage.changed"> stage changed</label>`, "No box ticked: every event.")
	if n := strings.Count(r.body, `type="checkbox" name="kind"`); n != len(portal.EventKinds()) {
		t.Errorf("%d kind boxes, want %d", n, len(portal.EventKinds()))
	}

	r = viewer.get(path + "?" + url.Values{"kind": {"payment.recorded", "claim.created"}}.Encode())
	mustContain(t, "filtered timeline", r.body, row(portal.EventClaimCreated, "claim created"), row(portal.EventPaymentRecorded, "payment recorded"),
		`value="payment.recorded" checked>`, `value="claim.created" checked>`, "Events in order (2)")
	mustNotContain(t, "filtered timeline", r.body, `title="link.issued"`, `value="link.issued" checked`)

	r = viewer.get(path + "?kind=payment.recorded")
	mustContain(t, "one kind", r.body, "Events in order (1)", row(portal.EventPaymentRecorded, "payment recorded"))
	mustNotContain(t, "one kind", r.body, `title="claim.created"`)
	if r := viewer.get(path + "?kind=letter.sent"); !strings.Contains(r.body, "No event of these kinds.") {
		t.Errorf("no event of a kind: %s", r.body)
	}
}

// TestConsolePagesTranslated: the claims, claim, timeline and dispute
// pages in Dutch and German: their words, money and dates in that language
// (the rates page: TestRatesAPIAndConsole).
func TestConsolePagesTranslated(t *testing.T) {
	e := newChatEnv(t, storetest.Dialects[0])
	ctx := context.Background()
	claimsFixture(t, e)
	d, _ := fileTestDispute(t, e)
	viewer := consoleAs{t, e.base, e.cookies[e.viewer.ID]}
	set := func(lang string) {
		if err := e.db.SetUserLanguage(ctx, e.tenantID, e.viewer.ID, lang); err != nil {
			t.Fatal(err)
		}
	}
	claim := "/console/claims/" + e.claim.ID
	nb := "\u00a0"

	set("nl")
	r := viewer.get("/console/claims")
	mustContain(t, "nl claims", r.body, "<h1>Vorderingen</h1>", "Dagen achterstand", "Betaald", "ingebrekestelling", "<td>betwist</td>",
		"1.000,00 EUR", "250,00 EUR", "Alle gefilterde vorderingen (EUR)", "Totalen per munt, saldi op 30"+nb+"juni 2024")
	mustNotContain(t, "nl claims", r.body, "Days late", "1,000.00 EUR")
	r = viewer.get(claim + "/timeline")
	mustContain(t, "nl timeline", r.body, "Tijdlijn van vordering R-1", "vordering aangemaakt", "Vandaag</dt><dd>30"+nb+"juni 2024", "Alleen deze soorten gebeurtenissen")
	r = viewer.get(claim + "/disputes/" + d.ID)
	mustContain(t, "nl dispute", r.body, "Betwisting van vordering R-1", "Verkeerd bedrag", "factuur F-1 van 1.000,00 EUR, vervallen op 31"+nb+"januari 2024",
		"Betwisting ingediend: Verkeerd bedrag, met 2 bestanden", "Status van de vordering gewijzigd van ‘open’ naar ‘betwist’")

	set("de")
	r = viewer.get("/console/claims")
	mustContain(t, "de claims", r.body, "<h1>Forderungen</h1>", "Tage im Verzug", "Mahnung (Inverzugsetzung)", "1.000,00 EUR", "700,00 GBP")
	r = viewer.get(claim)
	mustContain(t, "de claim", r.body, "<title>Forderung R-1", "Keine unterzeichnete Vereinbarung.", "Beweismappe herunterladen (zip)",
		"Falscher Betrag", "2 Dateien")
	r = viewer.get(claim + "/timeline")
	mustContain(t, "de timeline", r.body, "Zeitverlauf der Forderung R-1", "Forderung angelegt", "Heute</dt><dd>30."+nb+"Juni 2024", "Verjährung")
	if err := e.db.SetUserLanguage(ctx, e.tenantID, e.agent.ID, "de"); err != nil {
		t.Fatal(err)
	}
	r = consoleAs{t, e.base, e.cookies[e.agent.ID]}.get(claim + "/disputes/" + d.ID)
	mustContain(t, "de dispute", r.body, "Einwand gegen Forderung R-1", "Einwand eingereicht: Falscher Betrag, mit 2 Dateien",
		"Rechnung F-1 über 1.000,00 EUR, fällig am 31."+nb+"Januar 2024", "Teilweise annehmen: eine Gutschrift gewähren")
}

// TestConsoleWordsComplete: every event kind, stage, status, procedure,
// dispute reason and status has its words in every language.
func TestConsoleWordsComplete(t *testing.T) {
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, k := range portal.EventKinds() {
		keys = append(keys, "console.event."+string(k))
	}
	for _, s := range consoleStages {
		keys = append(keys, "console.stage."+string(s))
	}
	for _, s := range consoleStatuses {
		keys = append(keys, "console.status."+string(s))
	}
	for _, r := range []portal.DisputeReason{portal.ReasonAlreadyPaid, portal.ReasonNotReceived, portal.ReasonWrongAmount, portal.ReasonNotMe, portal.ReasonOther} {
		keys = append(keys, "console.dispute.reason."+string(r))
	}
	for _, s := range []portal.DisputeStatus{portal.DisputeOpen, portal.DisputeUpheld, portal.DisputePartlyAccepted, portal.DisputeAccepted} {
		keys = append(keys, "console.dispute.status."+string(s))
	}
	for _, r := range lateRanges {
		keys = append(keys, "console.claims.late."+r.Code)
	}
	// The court section (issue 23): every refusal's reason, document,
	// recorded kind and offer.
	for _, r := range court.Reasons() {
		keys = append(keys, "console.court.refused."+r)
	}
	for name, kind := range court.Documents {
		keys = append(keys, "console.court.doc."+name, "console.court.kind."+kind)
	}
	for kind := range courtDocs {
		keys = append(keys, "console.court.offer."+kind)
	}
	for _, lang := range portal.Languages {
		for _, k := range keys {
			if !b.Has(lang, k) {
				t.Errorf("%s: no message %s", lang, k)
			}
		}
	}
}
