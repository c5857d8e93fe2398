package server

import (
	"context"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/stripe/stripemock"
)

// Issue 24: what a debtor reads must agree with itself. These tests read
// the pages' HTML; the layout on a phone is checked in a browser by
// portal_phone_test.go.

// block returns the part of body from the first occurrence of start to
// the first end after it ("" when start is absent).
func block(body, start, end string) string {
	i := strings.Index(body, start)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	if j := strings.Index(rest, end); j >= 0 {
		return rest[:j]
	}
	return rest
}

// invoiceBlock is the HTML of one invoice on the claim page or the
// computation page: from its heading to the end of its article or section.
func invoiceBlock(t *testing.T, body, number string) string {
	t.Helper()
	i := strings.Index(body, "Facture "+number+"</h")
	if i < 0 {
		t.Fatalf("no heading of invoice %s", number)
	}
	rest := body[i:]
	end := len(rest)
	for _, tag := range []string{"</article>", "</section>"} {
		if j := strings.Index(rest, tag); j >= 0 && j < end {
			end = j
		}
	}
	return rest[:end]
}

// TestPortalOneComputation (issue 24, point 4): an invoice shows the same
// interest and indemnity on the claim page and the computation page, with
// what was counted, what was paid and what is left side by side; the
// invoice's total is the sum of what is left of its lines. A Belgian
// consumer's claim-level damages are shown as a line of their own, so the
// lines add up to the summary.
func TestPortalOneComputation(t *testing.T) {
	e := newPortalEnv(t, store.SQLite, Config{})
	b := e.verified(e.fr, "69002")
	claim, err := e.db.FindClaim(context.Background(), e.tenantA, e.fr.ID)
	if err != nil {
		t.Fatal(err)
	}
	bal, err := e.rates.Compute(claim, portal.MustDate("2026-05-15"))
	if err != nil {
		t.Fatal(err)
	}
	page, comp := b.get("/p").body, b.get("/p/computation").body
	money := func(v int64) string { return i18n.Money("fr", v, "EUR") }
	paidInterest := false
	for _, l := range bal.Invoices {
		if l.PrincipalDue+l.InterestDue+l.IndemnityDue != l.Total {
			t.Fatalf("fixture: line %s does not add up: %+v", l.Number, l)
		}
		if l.InterestPaid > 0 {
			paidInterest = true
		}
		for name, body := range map[string]string{"claim page": page, "computation page": comp} {
			blk := invoiceBlock(t, body, l.Number)
			mustContain(t, name+" invoice "+l.Number, blk,
				money(l.Interest), money(l.InterestPaid), money(l.InterestDue),
				money(l.Indemnity), money(l.IndemnityDue), money(l.PrincipalDue), money(l.Total),
				"Payé", "Reste dû")
		}
	}
	if !paidInterest {
		t.Fatal("fixture: the December payment should have paid some interest of F-2025-0412")
	}

	// A Belgian consumer with a damages clause: the damages are owed on
	// the claim, not on an invoice.
	d := portal.MustDate
	be := &portal.Claim{Reference: "BE-CONS-9", Currency: "EUR", Jurisdiction: portal.JurisdictionBE,
		FirstReminderOn: d("2026-04-01"), FirstReminderChannel: string(portal.ChannelLetter), DamagesClause: true,
		Debtor:   &portal.Debtor{Kind: portal.DebtorConsumer, Name: "Lukas Peeters", Language: "fr", Postcode: "4700", Country: "BE"},
		Invoices: []*portal.Invoice{{Number: "2026/0230", IssueDate: d("2026-02-10"), DueDate: d("2026-03-12"), Amount: 61_275}}}
	if err := e.db.ImportClaims(context.Background(), e.tenantA, []*portal.Claim{be}); err != nil {
		t.Fatal(err)
	}
	stored, _ := e.db.FindClaim(context.Background(), e.tenantA, be.ID)
	bb, err := e.rates.Compute(stored, portal.MustDate("2026-05-15"))
	if err != nil {
		t.Fatal(err)
	}
	var claimLevel int64
	for _, il := range bb.IndemnityLines {
		if il.InvoiceID == "" {
			claimLevel += il.Amount
		}
	}
	if claimLevel == 0 {
		t.Fatalf("fixture: no claim-level damages in %+v", bb.IndemnityLines)
	}
	bp := e.verified(be, "4700").get("/p").body
	lines := block(bp, `id="inv-h"`, `id="pay-h"`)
	mustContain(t, "Belgian consumer's invoices", lines, "Ensemble du dossier", money(claimLevel))
}

// TestPortalStageAgrees (issue 24, point 5): a claim whose formal notice
// was sent does not also say that nothing formal happened yet, nor that a
// formal notice is still to come.
func TestPortalStageAgrees(t *testing.T) {
	e := newPortalEnv(t, store.SQLite, Config{})
	d := portal.MustDate
	c := &portal.Claim{Reference: "FR-CONS-0002", Currency: "EUR", Jurisdiction: portal.JurisdictionFR, FormalNoticeOn: d("2026-03-02"),
		Debtor:   &portal.Debtor{Kind: portal.DebtorConsumer, Name: "Claire Moreau", Language: "fr", Postcode: "13001"},
		Invoices: []*portal.Invoice{{Number: "F-2026-0031", IssueDate: d("2026-01-05"), DueDate: d("2026-02-04"), Amount: 48_990}}}
	if err := e.db.ImportClaims(context.Background(), e.tenantA, []*portal.Claim{c}); err != nil {
		t.Fatal(err)
	}
	stage := block(e.verified(c, "13001").get("/p").body, `id="stage-h"`, "</section>")
	mustContain(t, "stage of a claim with a formal notice", stage, "Mise en demeure envoyée le 2\u00a0mars 2026")
	mustNotContain(t, "stage of a claim with a formal notice", stage, "Aucune démarche officielle", "vous recevrez une mise en demeure")
	// Without a formal notice the amicable text stays.
	amicable := block(e.verified(e.fr, "69002").get("/p").body, `id="stage-h"`, "</section>")
	mustContain(t, "stage of an amicable claim", amicable, "Aucune démarche officielle", "vous recevrez une mise en demeure")
	mustNotContain(t, "stage of an amicable claim", amicable, "Mise en demeure envoyée")
}

// TestPortalOneReference (issue 24, point 6): the page says which
// reference to quote in a transfer, and only that one: the claim's
// RF or structured reference, the one the QR code carries.
func TestPortalOneReference(t *testing.T) {
	e := newPortalEnv(t, store.SQLite, Config{})
	svc, _ := e.withPayments(t, "")
	for _, tc := range []struct {
		claim  *portal.Claim
		answer string
	}{{e.fr, "69002"}, {e.be, "K-20417"}} {
		full, err := e.db.FindClaim(context.Background(), e.tenantA, tc.claim.ID)
		if err != nil {
			t.Fatal(err)
		}
		d, err := svc.TransferDetails(context.Background(), full)
		if err != nil {
			t.Fatal(err)
		}
		body := e.verified(tc.claim, tc.answer).get("/p").body
		quote := block(body, `id="pay-quote"`, "</p>")
		mustContain(t, tc.claim.Reference+" pay instruction", quote, d.Reference)
		pay := block(body, `id="pay"`, `id="plan"`)
		mustNotContain(t, tc.claim.Reference+" pay section", pay, tc.claim.Reference)
		// The claim's own number is called a file number, never a
		// reference: a debtor who reads "reference" next to it quotes the
		// wrong one.
		text := regexp.MustCompile(`<[^>]+>`).ReplaceAllString(block(body, "<main", "</main>"), " ")
		word := regexp.MustCompile(`(?i)r[ée]f[ée]rence|referentie|referenz`)
		for rest := text; ; {
			i := strings.Index(rest, tc.claim.Reference)
			if i < 0 {
				break
			}
			if before := rest[max(0, i-60):i]; word.MatchString(before) {
				t.Errorf("%s: the claim's number is called a reference: %q", tc.claim.Reference, before+tc.claim.Reference)
			}
			rest = rest[i+len(tc.claim.Reference):]
		}
		if !word.MatchString(quote) {
			t.Errorf("%s: the pay instruction does not say it is the reference to quote: %q", tc.claim.Reference, quote)
		}
	}
}

// TestPortalRuleOncePerInvoice (issue 24, point 2): the computation page
// gives a rule's sentence once per invoice, not under every period.
func TestPortalRuleOncePerInvoice(t *testing.T) {
	e := newPortalEnv(t, store.SQLite, Config{})
	b := e.verified(e.fr, "69002")
	claim, _ := e.db.FindClaim(context.Background(), e.tenantA, e.fr.ID)
	bal, err := e.rates.Compute(claim, portal.MustDate("2026-05-15"))
	if err != nil {
		t.Fatal(err)
	}
	comp := b.get("/p/computation").body
	msgs, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	sentence := msgs.For("fr").Text("rule." + rules.RuleFRB2BInterest)
	sentence = strings.ReplaceAll(sentence, "'", "&#39;")
	for _, l := range bal.Invoices {
		if len(l.Periods) < 2 {
			t.Fatalf("fixture: invoice %s has %d periods, want at least 2", l.Number, len(l.Periods))
		}
		blk := invoiceBlock(t, comp, l.Number)
		if n := strings.Count(blk, sentence); n != 1 {
			t.Errorf("invoice %s: the rule's sentence appears %d times, want once", l.Number, n)
		}
		// Every period still names the article it comes from.
		for _, p := range l.Periods {
			mustContain(t, "period of "+l.Number, blk, i18n.Money("fr", p.Amount, "EUR"))
		}
		mustContain(t, "invoice "+l.Number, blk, "(Code de commerce L441-10)")
	}
}

// TestPortalSmallThings (issue 24, "small things a person meets").
func TestPortalSmallThings(t *testing.T) {
	t.Run("AttemptsLeft", func(t *testing.T) {
		e := newPortalEnv(t, store.SQLite, Config{})
		_, token := e.issue(e.fr.ID)
		b := e.browser("")
		b.get("/p/" + token)
		csrf := csrfOf(t, b.get("/p"))
		for left := portal.MaxIdentityFailures - 1; left >= 1; left-- {
			p := b.post("/p/identity", url.Values{"answer": {"75011"}, "csrf": {csrf}})
			if p.status != 403 {
				t.Fatalf("wrong answer: %d", p.status)
			}
			want := "Il vous reste " + string(rune('0'+left)) + " essais"
			if left == 1 {
				want = "Il vous reste 1 essai"
			}
			mustContain(t, "wrong answer page", p.body, want)
		}
	})
	t.Run("RootIsAPage", func(t *testing.T) {
		e := newPortalEnv(t, store.SQLite, Config{})
		for lang, want := range map[string]string{"fr": "lien", "nl": "link", "en": "link", "de": "Link"} {
			req := httptest.NewRequest("GET", "/", nil)
			req.Header.Set("Accept-Language", lang)
			resp, err := e.srv.App().Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			raw := make([]byte, 1<<16)
			n, _ := resp.Body.Read(raw)
			resp.Body.Close()
			body := string(raw[:n])
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("%s: GET / is %d %s", lang, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			mustContain(t, "home page "+lang, body, `lang="`+lang+`"`, "Relais", want, "<h1>")
			mustNotContain(t, "home page "+lang, body, "<script", "style=")
		}
	})
	t.Run("CardButtonAndReturnPage", func(t *testing.T) {
		mock := stripemock.Start()
		t.Cleanup(mock.Stop)
		base := mock.Require(t)
		e := newPortalEnv(t, store.SQLite, Config{})
		svc, _ := e.withPayments(t, base)
		b := e.verified(e.fr, "69002")
		page := b.get("/p")
		_, bal, err := svc.Balance(context.Background(), e.tenantA, e.fr.ID)
		if err != nil {
			t.Fatal(err)
		}
		card := block(page.body, `class="pay-card"`, "</form>")
		mustContain(t, "card button", card, i18n.Money("fr", bal.Total, "EUR"))
		p := b.post("/p/pay/card", url.Values{"csrf": {csrfOf(t, page)}})
		if p.status != 303 {
			t.Fatalf("pay by card: %d", p.status)
		}
		var id string
		if err := e.db.SQL().QueryRow("SELECT provider_id FROM checkout_sessions WHERE claim_id = ?", e.fr.ID).Scan(&id); err != nil {
			t.Fatal(err)
		}
		ret := b.get("/p/pay/return?session_id=" + id)
		// It follows the confirmation by itself (static/js/relais.js; a
		// meta refresh would fail WCAG 2.2.1), and says so only when it can.
		mustContain(t, "return page before the webhook", ret.body, `data-status="pending"`, helpersScriptTag, "data-poll hidden")
		mustNotContain(t, "return page before the webhook", ret.body, `http-equiv="refresh"`)
	})
}

// TestPortalPlanAndPaid (issue 24, points 10 and 11): with a signed plan
// the page links to the agreement for good and its transfer block asks for
// the next instalment; once everything is paid it thanks the debtor and
// offers no pay button.
func TestPortalPlanAndPaid(t *testing.T) {
	e := newPortalEnv(t, store.SQLite, Config{})
	e.withPayments(t, "")
	ctx := context.Background()
	claim, _ := e.db.FindClaim(ctx, e.tenantA, e.fr.ID)
	bal, err := e.rates.Compute(claim, portal.MustDate("2026-05-15"))
	if err != nil {
		t.Fatal(err)
	}
	neg := &negotiation.Service{Store: e.db, Claims: e.db, Balance: negotiation.RulesBalance(e.rates), Clock: e.clock}
	conv, err := e.db.OpenConversation(ctx, e.tenantA, e.fr.ID)
	if err != nil {
		t.Fatal(err)
	}
	each := (bal.Total + 2) / 3
	out, err := neg.Handle(ctx, negotiation.Participant{Kind: portal.ActorDebtor, ID: "s", TenantID: e.tenantA, ClaimID: e.fr.ID}, conv,
		negotiation.Input{Type: negotiation.MsgOffer, ClientID: "plan-3", Offer: &negotiation.Offer{Kind: negotiation.KindPlan, Count: 3, Amount: each,
			FirstDate: portal.MustDate("2026-05-20"), Frequency: negotiation.Monthly, Method: negotiation.MethodTransfer}})
	if err != nil || len(out.Messages) != 2 || out.Messages[1].AgreementID == "" {
		t.Fatalf("fixture: the plan was not accepted: %v %+v", err, out)
	}
	id := out.Messages[1].AgreementID
	if _, err := e.db.SignAgreement(ctx, e.tenantA, id, true, "fr", pdfFile, negotiation.PayChoice{}); err != nil {
		t.Fatal(err)
	}
	b := e.verified(e.fr, "69002")
	page := b.get("/p").body
	pay := block(page, `id="pay"`, `id="plan"`)
	mustContain(t, "pay section of a plan", pay, `href="/p/agreements/`+id+`/pdf"`, "Prochaine échéance", "n° 1, à payer le 20\u00a0mai 2026")
	amount := block(pay, `id="pay-amount"`, "</dd>")
	mustContain(t, "transfer amount of a plan", amount, i18n.Money("fr", each, "EUR"))
	mustNotContain(t, "transfer amount of a plan", amount, i18n.Money("fr", bal.Total, "EUR"))
	if qr := b.get("/p/pay/qr.png"); qr.status != 200 || qr.header.Get("Content-Type") != "image/png" {
		t.Fatalf("QR of the next instalment: %d %s", qr.status, qr.header.Get("Content-Type"))
	}

	// Paid in full.
	if err := e.db.AddPayment(ctx, e.tenantA, &portal.Payment{ClaimID: e.fr.ID, Amount: bal.Total, ReceivedOn: portal.MustDate("2026-05-15"), Method: portal.PaymentTransfer}); err != nil {
		t.Fatal(err)
	}
	paid := b.get("/p").body
	mustContain(t, "page of a paid claim", paid, `id="paid"`, "Tout est payé : merci !", `href="/p/agreements/`+id+`/pdf"`)
	mustNotContain(t, "page of a paid claim", paid, `action="/p/pay/card"`, `id="pay"`, `src="/p/pay/qr.png"`, "Payer par carte", "Si la somme reste impayée")
}
