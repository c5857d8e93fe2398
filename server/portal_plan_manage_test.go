package server

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/pdffont/pdftest"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/stripe/stripemock"
)

// signPlan agrees and signs a plan of three monthly instalments from
// 2026-05-20 on the French claim, paid by method, and returns its
// instalments.
func (e *portalEnv) signPlan(t *testing.T, method negotiation.Method, pay negotiation.PayChoice) []*portal.Instalment {
	t.Helper()
	ctx := context.Background()
	claim, _ := e.db.FindClaim(ctx, e.tenantA, e.fr.ID)
	bal, err := e.rates.Compute(claim, portal.MustDate("2026-05-15"))
	if err != nil {
		t.Fatal(err)
	}
	neg := &negotiation.Service{Store: e.db, Claims: e.db, Balance: negotiation.RulesBalance(e.rates), Clock: e.clock}
	conv, _ := e.db.OpenConversation(ctx, e.tenantA, e.fr.ID)
	out, err := neg.Handle(ctx, negotiation.Participant{Kind: portal.ActorDebtor, ID: "s", TenantID: e.tenantA, ClaimID: e.fr.ID}, conv,
		negotiation.Input{Type: negotiation.MsgOffer, ClientID: "plan-3", Offer: &negotiation.Offer{Kind: negotiation.KindPlan, Count: 3,
			Amount: (bal.Total + 2) / 3, FirstDate: portal.MustDate("2026-05-20"), Frequency: negotiation.Monthly, Method: method}})
	if err != nil || len(out.Messages) != 2 {
		t.Fatalf("fixture: %v", err)
	}
	if _, err := e.db.SignAgreement(ctx, e.tenantA, out.Messages[1].AgreementID, true, "fr", pdfFile, pay); err != nil {
		t.Fatal(err)
	}
	ins, err := e.db.ListInstalments(ctx, e.tenantA, e.fr.ID)
	if err != nil || len(ins) != 3 {
		t.Fatalf("instalments %v %v", ins, err)
	}
	return ins
}

// lastEvent is the newest event of the French claim.
func (e *portalEnv) lastEvent(t *testing.T) *portal.Event {
	t.Helper()
	evs, err := e.db.ListEvents(context.Background(), e.tenantA, e.fr.ID, 0, 0)
	if err != nil || len(evs) == 0 {
		t.Fatalf("events %v", err)
	}
	return evs[len(evs)-1]
}

// TestPortalPlanSettleRest (issue 20, plans the debtor manages): the plan
// on the claim page offers to settle the rest at once, by card or by
// transfer (in the debtor's language); the card button starts a Checkout
// for every instalment still to pay, priced by the service.
func TestPortalPlanSettleRest(t *testing.T) {
	mock := stripemock.Start()
	t.Cleanup(mock.Stop)
	base := mock.Require(t)
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			e := newPortalEnv(t, dialect, Config{})
			_, rec := e.withPayments(t, base)
			ins := e.signPlan(t, negotiation.MethodTransfer, negotiation.PayChoice{})
			rest := ins[0].Amount + ins[1].Amount + ins[2].Amount
			b := e.verified(e.fr, "69002")
			claimPage := b.get("/p")
			mustContain(t, "plan", claimPage.body, `id="plan-rest"`, "Solder le reste du plan", `name="rest" value="1"`, `id="plan-rest-transfer"`,
				"Payer le reste par carte")
			csrf := csrfOf(t, claimPage)
			if p := b.post("/p/pay/card", url.Values{"csrf": {csrf}, "rest": {"1"}, "instalment": {ins[0].ID}}); p.status != 400 {
				t.Fatalf("rest and an instalment: %d", p.status)
			}
			p := b.post("/p/pay/card", url.Values{"csrf": {csrf}, "rest": {"1"}})
			if p.status != 303 || !strings.HasPrefix(p.header.Get("Location"), "https://") {
				t.Fatalf("settle the rest: %d %s", p.status, p.header.Get("Location"))
			}
			if f := rec.last(); f.Get("line_items[0][price_data][unit_amount]") != portal.FormatMinor(rest, 0) {
				t.Fatalf("checkout amount %s, want %d", f.Get("line_items[0][price_data][unit_amount]"), rest)
			}
			if last := e.lastEvent(t); last.Kind != portal.EventPaymentStarted {
				t.Fatalf("last event %s", last.Kind)
			}
		})
	}
}

// TestPortalPlanHardship (issue 20, plans the debtor manages): with a plan
// in force the debtor asks for a new plan after a hardship, in their
// language. A request without a kind or with too short a reason is
// refused (400) with the form as typed, escaped; the request is evidence
// (plan.hardship_requested, by the debtor, with the reason and what is
// left), a message in the conversation, which waits in the queue marked as
// a hardship; a second request while one waits is refused (409).
func TestPortalPlanHardship(t *testing.T) {
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			e := newPortalEnv(t, dialect, Config{})
			e.withPayments(t, "")
			ctx := context.Background()
			ins := e.signPlan(t, negotiation.MethodTransfer, negotiation.PayChoice{})
			b := e.verified(e.fr, "69002")
			claimPage := b.get("/p")
			mustContain(t, "plan", claimPage.body, `action="/p/plan/hardship"`, "Demander un nouveau plan", `<option value="illness">Maladie ou accident</option>`)
			csrf := csrfOf(t, claimPage)
			ask := func(kind, reason string) page {
				return b.post("/p/plan/hardship", url.Values{"csrf": {csrf}, "kind": {kind}, "reason": {reason}})
			}
			if p := b.post("/p/plan/hardship", url.Values{"kind": {"illness"}, "reason": {"J'ai été hospitalisé deux mois."}}); p.status != 403 {
				t.Fatalf("without CSRF: %d", p.status)
			}
			p := ask("holiday", "<b>J'ai perdu</b> mon emploi en mars.")
			if p.status != 400 {
				t.Fatalf("unknown kind: %d", p.status)
			}
			mustContain(t, "unknown kind", p.body, `id="hardship-error"`, "Choisissez ce qui s&#39;est passé.", "&lt;b&gt;J&#39;ai perdu&lt;/b&gt; mon emploi en mars.")
			mustNotContain(t, "unknown kind", p.body, "<b>J'ai perdu</b>")
			if p := ask("income_loss", "  trop peu "); p.status != 400 || !strings.Contains(p.body, "Dites en 10 à 2000 caractères") {
				t.Fatalf("short reason: %d", p.status)
			}
			if evs, _ := e.db.ListEvents(ctx, e.tenantA, e.fr.ID, 0, 0); evs[len(evs)-1].Kind == portal.EventHardshipRequested {
				t.Fatal("a refused request was recorded")
			}
			if p := ask("income_loss", "J'ai perdu mon emploi en mars."); p.status != 303 || p.header.Get("Location") != "/p?hardship=sent#plan-hardship" {
				t.Fatalf("request: %d %s", p.status, p.header.Get("Location"))
			}
			last := e.lastEvent(t)
			if last.Kind != portal.EventHardshipRequested || last.Actor.Kind != portal.ActorDebtor ||
				!strings.Contains(last.Payload, `"reason":"J'ai perdu mon emploi en mars."`) || !strings.Contains(last.Payload, `"reason_kind":"income_loss"`) ||
				!strings.Contains(last.Payload, `"rest":`+strconv.FormatInt(ins[0].Amount+ins[1].Amount+ins[2].Amount, 10)) {
				t.Fatalf("event %s by %+v: %s", last.Kind, last.Actor, last.Payload)
			}
			q, err := e.db.Queue(ctx, e.tenantA, 50)
			if err != nil || len(q) != 1 || q[0].ClaimID != e.fr.ID || q[0].HardshipAt == nil {
				t.Fatalf("queue %+v %v", q, err)
			}
			msgs, err := e.db.Messages(ctx, e.tenantA, q[0].ID, 0, 100, true)
			if err != nil || msgs[len(msgs)-1].Text != "plan.hardship|income_loss|J'ai perdu mon emploi en mars." {
				t.Fatalf("conversation %+v %v", msgs, err)
			}
			mustContain(t, "sent", b.get("/p?hardship=sent").body, `id="hardship-sent"`, "Votre demande est envoyée")
			if p := ask("illness", "Et maintenant je suis malade."); p.status != 409 || !strings.Contains(p.body, "déjà entre les mains") {
				t.Fatalf("second request: %d", p.status)
			}
		})
	}
}

// TestPortalPlanMethod (issue 20, plans the debtor manages): the plan
// offers the ways to pay the creditor's policy allows on this claim but the
// one used now; switching to SEPA Direct Debit without a mandate leads on
// to Stripe's setup page; a way the policy does not offer here (Bancontact
// on a French claim) and the way already used are refused with a page in
// the debtor's language.
func TestPortalPlanMethod(t *testing.T) {
	mock := stripemock.Start()
	t.Cleanup(mock.Stop)
	base := mock.Require(t)
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			e := newPortalEnv(t, dialect, Config{})
			_, rec := e.withPayments(t, base)
			e.srv.deps.Conversations = e.db
			ctx := context.Background()
			fr, _ := e.db.FindClaim(ctx, e.tenantA, e.fr.ID)
			pol := negotiation.DefaultPolicy()
			pol.PayMethods = []string{negotiation.PaySEPADebit, negotiation.PayBancontact, negotiation.PayCard, negotiation.PayTransfer}
			if err := e.db.SetPolicy(ctx, e.tenantA, fr.CreditorID, "", pol); err != nil {
				t.Fatal(err)
			}
			e.signPlan(t, negotiation.MethodTransfer, negotiation.PayChoice{})
			b := e.verified(e.fr, "69002")
			claimPage := b.get("/p")
			form := regexp.MustCompile(`(?s)<form[^>]*id="plan-method">.*?</form>`).FindString(claimPage.body)
			mustContain(t, "plan", form, `action="/p/plan/method"`, "Changer le mode de paiement du plan",
				`<option value="sepa_debit">`, `<option value="card">`)
			mustNotContain(t, "plan", form, `<option value="transfer">`, `<option value="bancontact">`)
			csrf := csrfOf(t, claimPage)
			change := func(way string) page {
				return b.post("/p/plan/method", url.Values{"csrf": {csrf}, "way": {way}})
			}
			if p := b.post("/p/plan/method", url.Values{"way": {"card"}}); p.status != 403 {
				t.Fatalf("without CSRF: %d", p.status)
			}
			if p := change("bancontact"); p.status != 400 || !strings.Contains(p.body, "Ce changement de votre plan n&#39;est pas possible") {
				t.Fatalf("Bancontact on a French claim: %d %s", p.status, p.body)
			}
			p := change("sepa_debit")
			if p.status != 303 || !strings.HasPrefix(p.header.Get("Location"), "https://") {
				t.Fatalf("to SEPA: %d %s", p.status, p.header.Get("Location"))
			}
			if f := rec.last(); f.Get("mode") != "setup" || f.Get("payment_method_types[0]") != "sepa_debit" {
				t.Fatalf("setup session %v", f)
			}
			ins, _ := e.db.ListInstalments(ctx, e.tenantA, e.fr.ID)
			for _, in := range ins {
				if in.Method != portal.MethodSEPADebit {
					t.Fatalf("instalment %+v", in)
				}
			}
			evs, _ := e.db.ListEvents(ctx, e.tenantA, e.fr.ID, 0, 0)
			var changed *portal.Event
			for _, ev := range evs {
				if ev.Kind == portal.EventPlanMethodChanged {
					changed = ev
				}
			}
			if changed == nil || changed.Actor.Kind != portal.ActorDebtor || !strings.Contains(changed.Payload, `"mandate_needed":true`) ||
				!strings.Contains(changed.Payload, `"to":"sepa_debit"`) {
				t.Fatalf("plan.method_changed %+v", changed)
			}
			if p := change("transfer"); p.status != 303 || p.header.Get("Location") != "/p#plan-h" {
				t.Fatalf("to transfer: %d %s", p.status, p.header.Get("Location"))
			}
			if p := change("transfer"); p.status != 409 {
				t.Fatalf("the same way again: %d", p.status)
			}
		})
	}
}

// TestPortalMandateAnnex (issue 20): once the debtor of a SEPA plan gave
// the mandate, the plan links the mandate annex of the signed agreement, a
// PDF in their language with the mandate's reference, date and the last
// four digits of the IBAN; the signed agreement's own PDF is unchanged. No
// mandate, or another claim's agreement: not found.
func TestPortalMandateAnnex(t *testing.T) {
	mock := stripemock.Start()
	t.Cleanup(mock.Stop)
	base := mock.Require(t)
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			e := newPortalEnv(t, dialect, Config{})
			e.withPayments(t, base)
			e.srv.deps.Conversations, e.srv.deps.Mandates = e.db, e.db
			ctx := context.Background()
			e.signPlan(t, negotiation.MethodSEPADebit, negotiation.PayChoice{Method: negotiation.MethodSEPADebit, MandateVia: negotiation.PaySEPADebit, NoticeDays: 14})
			conv, _ := e.db.OpenConversation(ctx, e.tenantA, e.fr.ID)
			msgs, _ := e.db.Messages(ctx, e.tenantA, conv.ID, 0, 100, true)
			var agreementID string
			for _, m := range msgs {
				if m.AgreementID != "" {
					agreementID = m.AgreementID
				}
			}
			ag, err := e.db.FindAgreement(ctx, e.tenantA, agreementID)
			if err != nil {
				t.Fatal(err)
			}
			b := e.verified(e.fr, "69002")
			if p := b.get("/p/agreements/" + agreementID + "/mandate.pdf"); p.status != 404 {
				t.Fatalf("annex without a mandate: %d", p.status)
			}
			fr, _ := e.db.FindClaim(ctx, e.tenantA, e.fr.ID)
			if err := e.db.SaveStripeCustomer(ctx, e.tenantA, fr.DebtorID, "cus_annex"); err != nil {
				t.Fatal(err)
			}
			if _, err := e.db.ApplyCardEvent(ctx, &portal.CardEvent{ID: "evt_annex", Type: portal.CardSetupSucceeded, RawType: "setup_intent.succeeded",
				Mode: "mandate", SetupIntentID: "seti_annex", CustomerID: "cus_annex", PaymentMethodID: "pm_sepa_annex", TenantID: e.tenantA, ClaimID: e.fr.ID,
				Mandate: &portal.Mandate{ProviderID: "mandate_annex", PaymentMethodID: "pm_sepa_annex", Via: portal.MandateViaSEPADebit, Reference: "RLS-ANNEX-42",
					Status: portal.MandateActive, IBANLast4: "3000", Country: "FR", AcceptedAt: e.clock.Now(), Acceptance: `{"type":"online"}`}}); err != nil {
				t.Fatal(err)
			}
			page := b.get("/p")
			mustContain(t, "plan", page.body, `id="mandate-active"`, `href="/p/agreements/`+agreementID+`/mandate.pdf"`, "Télécharger l&#39;annexe de votre accord sur le mandat")
			p := b.get("/p/agreements/" + agreementID + "/mandate.pdf")
			if p.status != 200 || p.header.Get("Content-Type") != "application/pdf" {
				t.Fatalf("annex: %d %s", p.status, p.header.Get("Content-Type"))
			}
			txt := pdftest.Joined(t, []byte(p.body))
			for _, w := range []string{"Annexe à l'accord de paiement : mandat de prélèvement SEPA", "RLS-ANNEX-42", "IBAN **** 3000", agreementID} {
				if !strings.Contains(txt, w) {
					t.Errorf("annex lacks %q", w)
				}
			}
			if signed := b.get("/p/agreements/" + agreementID + "/pdf"); signed.body != string(ag.PDF) {
				t.Error("the signed agreement's PDF changed")
			}
			if p := b.get("/p/agreements/01j1m9cm80apnfewz5j14rnpky/mandate.pdf"); p.status != 404 {
				t.Fatalf("unknown agreement: %d", p.status)
			}
			// A plan paid otherwise has no annex, though the claim has a mandate
			// (as in the evidence bundle).
			if _, err := e.db.SQL().Exec("UPDATE instalments SET method = $1 WHERE agreement_id = $2", portal.MethodCard, agreementID); err != nil {
				t.Fatal(err)
			}
			if p := b.get("/p/agreements/" + agreementID + "/mandate.pdf"); p.status != 404 {
				t.Fatalf("annex of a card plan: %d", p.status)
			}
		})
	}
}
