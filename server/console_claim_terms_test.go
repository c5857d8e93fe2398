package server

import (
	"bytes"
	"strings"
	"testing"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/rules"
)

// TestClaimPanelTerms: the console's claim panel says whether the contract
// has a damages clause and an interest clause, which Belgian prescription
// applies, the first reminder with its channel and the day a title became
// enforceable.
func TestClaimPanelTerms(t *testing.T) {
	rate := int64(850)
	render := func(c *portal.Claim) string {
		t.Helper()
		c.Creditor, c.Debtor = &portal.Creditor{LegalName: "Brouwerij Janssens BV"}, &portal.Debtor{Kind: portal.DebtorConsumer, Name: "Jan", Language: "nl"}
		var buf bytes.Buffer
		data := map[string]any{"Claim": c, "Balance": (*rules.Balance)(nil), "BalanceProblem": "-", "Policy": negotiation.Policy{}}
		if err := consolePages["claim"].ExecuteTemplate(&buf, "claim_panel", data); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	for _, tc := range []struct {
		name  string
		claim *portal.Claim
		want  []string
		not   []string
	}{
		{"Belgian consumer with both clauses", &portal.Claim{Jurisdiction: portal.JurisdictionBE, DamagesClause: true, ContractRateBP: &rate,
			Prescription: portal.PrescriptionGoodsToConsumer, FirstReminderOn: portal.MustDate("2024-04-02"), FirstReminderChannel: "letter"},
			[]string{`<dd id="damages-clause">yes</dd>`, `<dd id="contract-rate">8.50% a year</dd>`, `goods sold to a consumer, 1 year`, "<dd id=\"first-reminder\">2\u00a0April 2024 by letter</dd>"},
			[]string{`enforceable-on`}},
		{"Belgian claim without clauses", &portal.Claim{Jurisdiction: portal.JurisdictionBE},
			[]string{`<dd id="damages-clause">no</dd>`, `<dd id="contract-rate">none (statutory/civil rate)</dd>`, `not chosen: the default for a consumer debtor`},
			[]string{`first-reminder`}},
		{"French claim with a zero rate and an enforceable title", &portal.Claim{Jurisdiction: portal.JurisdictionFR, ContractRateBP: new(int64), EnforceableOn: portal.MustDate("2024-05-02")},
			[]string{`<dd id="contract-rate">0.00% a year</dd>`, "<dd id=\"enforceable-on\">2\u00a0May 2024</dd>"},
			[]string{`id="prescription"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page := render(tc.claim)
			for _, w := range tc.want {
				if !strings.Contains(page, w) {
					t.Errorf("missing %q in\n%s", w, page)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(page, n) {
					t.Errorf("unexpected %q in\n%s", n, page)
				}
			}
		})
	}
}
