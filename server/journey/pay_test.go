package journey

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/relais/relais/portal/i18n"
)

// stripeHosted is where stripe-mock's Checkout sessions send the debtor.
const stripeHosted = "checkout.stripe.com"

// actAsStripeCheckout makes the tab's visits to Stripe's hosted Checkout
// page never leave the machine: the test answers them the way Stripe does
// once the debtor has paid, with a redirect to the success URL (session id
// filled in). It returns the session ids it answered for.
func (j *journey) actAsStripeCheckout(t *testing.T, tb *tab, claimID string) <-chan string {
	t.Helper()
	tb.mu.Lock()
	tb.allowedHosts = append(tb.allowedHosts, stripeHosted)
	tb.mu.Unlock()
	paused := chromedp.Events(tb.ctx, fetch.RequestPaused)
	if _, err := chromedp.Call(tb.ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "https://" + stripeHosted + "/*"}}}); err != nil {
		t.Fatal(err)
	}
	ids := make(chan string, 4)
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			// Stripe knows its session; the test reads the one Relais
			// recorded for the claim.
			var id string
			row := j.env.db.SQL().QueryRowContext(tb.ctx, `SELECT provider_id FROM checkout_sessions WHERE claim_id = $1 ORDER BY created_at DESC LIMIT 1`, claimID)
			if err := row.Scan(&id); err != nil {
				tb.problem("Stripe page: no checkout session recorded for the claim: %v", err)
			}
			loc := j.env.base + "/p/pay/return?session_id=" + url.QueryEscape(id)
			chromedp.Call(tb.ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{RequestID: ev.RequestID, ResponseCode: 303,
				ResponseHeaders: []*fetch.HeaderEntry{{Name: "Location", Value: loc}, {Name: "Content-Length", Value: "0"}}})
			ids <- id
		}
	}()
	return ids
}

// stripeWebhook posts a signed Stripe event to /webhooks/stripe.
func (j *journey) stripeWebhook(t *testing.T, id, typ string, obj map[string]any) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"id": id, "object": "event", "api_version": "2023-10-16",
		"created": time.Now().Unix(), "type": typ, "data": map[string]any{"object": obj}})
	if err != nil {
		t.Fatal(err)
	}
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: webhookSecret, Timestamp: time.Now()})
	req, _ := http.NewRequest("POST", j.env.base+"/webhooks/stripe", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Stripe-Signature", sp.Header)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("webhook %s: status %d", typ, resp.StatusCode)
	}
}

// Step 4: the debtor pays the first instalment of the plan by card: Relais
// opens a Checkout session on stripe-mock, the (simulated) hosted page
// sends the debtor back, and the signed webhook records the payment, which
// the debtor's page and the console then show.
func (j *journey) debtorPaysFirstInstalment(t *testing.T) {
	tb := j.debtor
	tb.do(t, chromedp.Navigate(j.env.base+"/p"), chromedp.WaitVisible(chromedp.CSS(`tr.instalment-due form[action="/p/pay/card"] button`)))
	if n := run(t, tb, chromedp.Evaluate[int](`document.querySelectorAll("tr[class^=instalment-]").length`)); n != instalments {
		t.Fatalf("the claim page lists %d instalments, want %d", n, instalments)
	}
	instalment := run(t, tb, chromedp.AttributeValue(chromedp.CSS(`tr.instalment-due input[name=instalment]`), "value")).Value
	ids := j.actAsStripeCheckout(t, tb, j.claimID)
	tb.submit(t, `tr.instalment-due form[action="/p/pay/card"] button`)
	var session string
	select {
	case session = <-ids:
	case <-time.After(10 * time.Second):
		t.Fatal("the pay button did not send the debtor to Stripe Checkout")
	}
	if p := tb.path(t); p != "/p/pay/return" {
		t.Fatalf("after Stripe the debtor is on %s, want /p/pay/return", p)
	}
	if st := run(t, tb, chromedp.AttributeValue(chromedp.ID("pay-status"), "data-status")); st.Value != "pending" {
		t.Fatalf("before the webhook the return page says %q, want pending", st.Value)
	}
	var amount int64
	var recorded string
	if err := j.env.db.SQL().QueryRow(`SELECT amount, instalment_id FROM checkout_sessions WHERE provider_id = $1`, session).Scan(&amount, &recorded); err != nil {
		t.Fatal(err)
	}
	if recorded != instalment || amount != j.instalment {
		t.Fatalf("checkout for instalment %s of %d, want %s of %d", recorded, amount, instalment, j.instalment)
	}
	tb.shot(t, "debtor-pay-pending")
	tb.check(t)

	// The debtor goes back to the claim page, where the chat reconnects and
	// replays the conversation; the agent still has the conversation open
	// in the console from step 3. Neither page is reloaded from here on
	// until both have shown the payment.
	a := j.agent
	if p := run(t, a, chromedp.Evaluate[string](`location.pathname`)); !strings.HasPrefix(p, "/console/conversations/") {
		t.Fatalf("the agent is on %s, want the conversation page", p)
	}
	tb.do(t, chromedp.Navigate(j.env.base+"/p"), chromedp.WaitVisible(chromedp.CSS(`#chat .msg-offer`)))
	before := run(t, a, chromedp.Evaluate[int](`document.querySelectorAll("#chat li.msg-payment").length`))

	j.stripeWebhook(t, "evt_journey_paid", "checkout.session.completed", map[string]any{
		"id": session, "object": "checkout.session", "mode": "payment", "payment_status": "paid",
		"amount_total": amount, "currency": "eur", "payment_intent": "pi_journey_1",
		"metadata": map[string]string{"claim_id": j.claimID, "tenant_id": j.env.tenant, "instalment_id": instalment}})

	// Both open pages show the payment without a reload: the webhook posts
	// a system message that the chat delivers to the debtor and the agent.
	paid := j.fr.Text("chat.paid") + ": " + i18n.Money("fr", amount, "EUR")
	for _, who := range []*tab{tb, a} {
		who.do(t, chromedp.WaitVisible(chromedp.CSS(`#chat li.msg-payment`)))
	}
	if got := tb.text(t, "#chat li.msg-payment .text"); !strings.Contains(strings.ReplaceAll(got, "\u202f", "\u00a0"), strings.ReplaceAll(paid, "\u202f", "\u00a0")) && !strings.Contains(got, j.fr.Text("chat.paid")) {
		t.Errorf("the debtor's chat shows %q, want %q", got, paid)
	}
	if n := run(t, a, chromedp.Evaluate[int](`document.querySelectorAll("#chat li.msg-payment").length`)); n != before+1 {
		t.Errorf("the console shows %d payment notices, want %d", n, before+1)
	}
	tb.shot(t, "debtor-chat-payment-live")
	a.shot(t, "console-chat-payment-live")

	tb.do(t, chromedp.Navigate(j.env.base+"/p/pay/return?session_id="+session), chromedp.WaitVisible(chromedp.CSS(`#pay-status[data-status="confirmed"]`)))
	if want := i18n.Money("fr", amount, "EUR"); !strings.Contains(tb.text(t, "#pay-status"), want) {
		t.Errorf("confirmation %q does not name the amount %s", tb.text(t, "#pay-status"), want)
	}
	tb.shot(t, "debtor-pay-confirmed")
	tb.check(t)

	var bal struct {
		Paid  int64 `json:"paid"`
		Total int64 `json:"total"`
	}
	j.env.mustAPI(t, 200, "GET", "/api/v1/claims/"+j.claimID+"/balance", nil, &bal)
	if bal.Paid != amount || bal.Total != j.total-amount {
		t.Fatalf("balance after the payment: %+v, want %d paid of %d", bal, amount, j.total)
	}
	tb.do(t, chromedp.Navigate(j.env.base+"/p"), chromedp.WaitVisible(chromedp.ID("total-due")))
	if got, want := tb.text(t, "#total-due"), i18n.Money("fr", j.total-amount, "EUR"); got != want {
		t.Errorf("claim page total after paying %q, want %q", got, want)
	}
	if n := run(t, tb, chromedp.Evaluate[int](`document.querySelectorAll("tr.instalment-paid").length`)); n != 1 {
		t.Errorf("%d instalments shown as paid, want 1", n)
	}
	tb.clean(t)

	a.do(t, chromedp.Navigate(j.env.base+"/console/claims/"+j.claimID), chromedp.WaitVisible(chromedp.CSS("main")))
	if want := fmt.Sprintf("%d.%02d", amount/100, amount%100); !strings.Contains(a.text(t, "main"), want) {
		t.Errorf("the console's claim panel does not show the payment of %s", want)
	}
	a.shot(t, "console-claim-paid")
	a.clean(t)
}
