package server

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal/store/storetest"
)

// TestStripeWebhookRefusals (issue 26.12): a signed event created more
// than a few minutes in the future, or a refund larger than its charge or
// than the payment recorded for it, is answered 400 (Stripe retries a 4xx
// for three days at most, then gives up), logged, and changes nothing: no
// payment, no evidence event, no stored event id.
func TestStripeWebhookRefusals(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			p := newPayEnv(t, dialect, "")
			c := p.claimA
			refused := func(t *testing.T, body []byte, log string) {
				t.Helper()
				before := p.state(t, c)
				st, resp := p.send(t, body)
				if st != 400 {
					t.Fatalf("status %d %s, want 400", st, resp)
				}
				if after := p.state(t, c); after.String() != before.String() {
					t.Fatalf("changed: %v -> %v", before, after)
				}
				if !strings.Contains(p.logs.String(), log) {
					t.Fatalf("the log does not say %q:\n%s", log, p.logs.String())
				}
			}
			t.Run("CreatedInTheFuture", func(t *testing.T) {
				body, err := json.Marshal(map[string]any{"id": "evt_future", "object": "event", "api_version": "2023-10-16",
					"created": time.Now().Add(time.Hour).Unix(), "type": "checkout.session.completed",
					"data": map[string]any{"object": sessionCompleted(c, "pi_future", 30000)}})
				if err != nil {
					t.Fatal(err)
				}
				refused(t, body, "created in the future")
			})
			t.Run("RefundOverItsCharge", func(t *testing.T) {
				refused(t, stripeEvent(t, "evt_over_1", "charge.refunded", map[string]any{"id": "ch_O", "object": "charge", "amount": 20000,
					"amount_captured": 20000, "amount_refunded": 25000, "currency": "eur", "payment_intent": "pi_O", "metadata": md(c)}),
					"more than the charge")
			})
			t.Run("RefundOverThePayment", func(t *testing.T) {
				if st, body := p.send(t, stripeEvent(t, "evt_cs_P", "checkout.session.completed", sessionCompleted(c, "pi_P", 10000))); st != 200 {
					t.Fatalf("payment: %d %s", st, body)
				}
				// The charge event says 200.00 where 100.00 was paid.
				refused(t, stripeEvent(t, "evt_over_2", "charge.refunded", map[string]any{"id": "ch_P", "object": "charge", "amount": 20000,
					"amount_captured": 20000, "amount_refunded": 15000, "currency": "eur", "payment_intent": "pi_P", "metadata": md(c)}),
					"more than the payment recorded")
				// A refund within the payment is recorded.
				if st, body := p.send(t, stripeEvent(t, "evt_ok_2", "charge.refunded", map[string]any{"id": "ch_P", "object": "charge", "amount": 10000,
					"amount_captured": 10000, "amount_refunded": 10000, "currency": "eur", "payment_intent": "pi_P", "metadata": md(c)})); st != 200 {
					t.Fatalf("refund of the payment: %d %s", st, body)
				}
				if s := p.state(t, c); sumOf(s.payments) != 0 || len(s.payments) != 2 {
					t.Fatalf("after the refund: %v", s)
				}
			})
		})
	}
}
