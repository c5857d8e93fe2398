package server

import (
	"bytes"
	"testing"
	"time"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/rules"
)

// TestConsoleOffersInWords: the claim panel says how an offer leaves the
// policy in words and money, not bound codes and minor units; and money
// is grouped in thousands and never "−0.00".
func TestConsoleOffersInWords(t *testing.T) {
	at := time.Date(2024, 6, 30, 10, 0, 0, 0, time.UTC)
	offer := func(o negotiation.Offer, balance int64, b ...negotiation.Breach) *negotiation.OfferRecord {
		return &negotiation.OfferRecord{MadeBy: negotiation.Author{Kind: "debtor"}, Terms: o, Status: negotiation.OfferProposed, CreatedAt: at,
			Verdict: negotiation.Verdict{Balance: balance, Breaches: b}}
	}
	plan := negotiation.Offer{Kind: negotiation.KindPlan, Count: 12, Amount: 4163, FirstDate: portal.MustDate("2024-07-15"), Frequency: negotiation.Monthly, Method: negotiation.MethodTransfer}
	offers := []*negotiation.OfferRecord{
		offer(plan, 49957,
			negotiation.Breach{Bound: negotiation.BoundPlanLength, Limit: 3, Got: 12},
			negotiation.Breach{Bound: negotiation.BoundCoversBalance, Limit: 49957, Got: 49956}),
		offer(negotiation.Offer{Kind: negotiation.KindSettlement, Amount: 342660 - 250000}, 342660,
			negotiation.Breach{Bound: negotiation.BoundMaxDiscount, Limit: 342660 - 34266, Got: 342660 - 250000}),
		offer(plan, 100000, negotiation.Breach{Bound: negotiation.BoundMinInstalment, Limit: 2000, Got: 1500},
			negotiation.Breach{Bound: negotiation.BoundMinDownPayment, Limit: 10000, Got: 0}),
		offer(negotiation.Offer{Kind: negotiation.KindPromise, Date: portal.MustDate("2024-08-14")}, 100000,
			negotiation.Breach{Bound: negotiation.BoundPromiseTooFar, Limit: 30, Got: 45}),
		offer(plan, 2000000, negotiation.Breach{Bound: negotiation.BoundNoPlan, Got: 12}),
		offer(negotiation.Offer{Kind: negotiation.KindCallback, Phone: "+33 1 23 45 67 89"}, 100000, negotiation.Breach{Bound: negotiation.BoundNeedsAgent}),
	}
	claim := &portal.Claim{Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
		Creditor: &portal.Creditor{LegalName: "Alpha SAS"}, Debtor: &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Dupont", Language: "fr"}}
	bal := &rules.Balance{AsOf: portal.MustDate("2024-06-30"), Principal: 123456789, Interest: 5000, Total: 123461789, Complete: true}
	var buf bytes.Buffer
	data := map[string]any{"Claim": claim, "Balance": bal, "Offers": offers, "Policy": negotiation.DefaultPolicy()}
	if err := consolePages["claim"].ExecuteTemplate(&buf, "claim_panel", data); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	mustContain(t, "claim panel", page,
		"a plan over 12 months asked, the policy allows 3 months at most",
		"the plan leaves 0.01 EUR unpaid (it pays 499.56 EUR of 499.57 EUR)",
		"a discount of 2,500.00 EUR asked (a settlement of 926.60 EUR), the policy allows at most 342.66 EUR (a settlement of at least 3,083.94 EUR)",
		"instalments of 15.00 EUR asked, the policy&#39;s minimum is 20.00 EUR",
		"no down payment offered, the policy asks at least 100.00 EUR",
		"payment promised in 45 days, the policy allows 30 days at most",
		"12 instalments asked, the policy allows no instalment plan for a balance of 20,000.00 EUR",
		"an agent decides",
		"plan 12 × 41.63 EUR monthly",
		// Money: thousands grouped; a deduction of nothing is 0.00, not −0.00.
		"1,234,567.89 EUR", "<td>Credit notes</td><td class=\"num\">0.00 EUR</td>", "<td>Paid</td><td class=\"num\">0.00 EUR</td>")
	mustNotContain(t, "claim panel", page, "plan_length", "covers_balance", "max_discount", "min_instalment", "min_down_payment",
		"promise_too_far", "no_plan", "needs_agent", "49956", "342660", "−0.00")

	// A real deduction keeps its sign.
	bal.CreditNotes, bal.Paid = 12000, 150
	buf.Reset()
	if err := consolePages["claim"].ExecuteTemplate(&buf, "claim_panel", data); err != nil {
		t.Fatal(err)
	}
	mustContain(t, "claim panel with deductions", buf.String(), "<td>Credit notes</td><td class=\"num\">−120.00 EUR</td>", "<td>Paid</td><td class=\"num\">−1.50 EUR</td>")
}
