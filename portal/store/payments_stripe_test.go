package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
	"github.com/relais/relais/portal/stripe"
)

const testWebhookSecret = "whsec_store"

// signedCardEvent builds a Stripe event as the webhook receives it, signed
// with the endpoint secret, and reduces it as the server does.
func signedCardEvent(t *testing.T, id, typ string, created time.Time, obj map[string]any) *portal.CardEvent {
	t.Helper()
	body, err := json.Marshal(map[string]any{"id": id, "object": "event", "api_version": "2023-10-16", "created": created.Unix(),
		"type": typ, "data": map[string]any{"object": obj}})
	if err != nil {
		t.Fatal(err)
	}
	sig := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: testWebhookSecret}).Header
	ev, err := stripe.ParseEvent(body, sig, testWebhookSecret)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func invoiceNumbered(t *testing.T, c *portal.Claim, number string) *portal.Invoice {
	t.Helper()
	for _, inv := range c.Invoices {
		if inv.Number == number {
			return inv
		}
	}
	t.Fatalf("no invoice %s", number)
	return nil
}

// TestCardCheckoutForInvoice: a completed checkout the debtor started with
// "pay this invoice" records the payment with that invoice (Code civil
// 1342-10), and the balance puts it there instead of on the oldest invoice.
func TestCardCheckoutForInvoice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tn := seedTenant(t, db, "Alpha")
		// F-1 (1000.00, due 2024-01-31) and F-2 (500.00, due 2024-03-01),
		// French B2B: both bear interest, so by default a payment goes to
		// the oldest, F-1.
		c := newClaim("R-INV")
		if err := db.CreateClaim(ctx, tn.ID, c); err != nil {
			t.Fatal(err)
		}
		other := newClaim("R-OTHER")
		if err := db.CreateClaim(ctx, tn.ID, other); err != nil {
			t.Fatal(err)
		}
		f1, f2 := invoiceNumbered(t, c, "F-1"), invoiceNumbered(t, c, "F-2")
		now := time.Date(2024, 6, 30, 10, 0, 0, 0, time.UTC)

		// The checkout as the payment service records it.
		cs := &portal.CheckoutSession{TenantID: tn.ID, ClaimID: c.ID, InvoiceID: f2.ID, ProviderID: "cs_test_inv", Mode: "payment",
			Amount: 50000, Currency: "EUR", BalanceAsOf: portal.MustDate("2024-06-30")}
		if err := db.RecordCheckout(ctx, cs); err != nil {
			t.Fatal(err)
		}
		if got, err := db.FindCheckout(ctx, tn.ID, c.ID, "cs_test_inv"); err != nil || got.InvoiceID != f2.ID {
			t.Fatalf("stored session %+v %v", got, err)
		}

		md := map[string]string{"tenant_id": tn.ID, "claim_id": c.ID, "invoice_id": f2.ID}
		ev := signedCardEvent(t, "evt_inv_1", "checkout.session.completed", now, map[string]any{
			"id": "cs_test_inv", "object": "checkout.session", "mode": "payment", "payment_status": "paid", "amount_total": 50000,
			"currency": "eur", "payment_intent": "pi_inv_1", "metadata": md})
		res, err := db.ApplyCardEvent(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Payments) != 1 || res.Payments[0].InvoiceID != f2.ID || res.Payments[0].Amount != 50000 {
			t.Fatalf("result %+v", res)
		}
		// The payment intent's own event, with the same metadata, is the same
		// payment: nothing more is recorded.
		again := signedCardEvent(t, "evt_inv_2", "payment_intent.succeeded", now, map[string]any{
			"id": "pi_inv_1", "object": "payment_intent", "amount": 50000, "amount_received": 50000, "currency": "eur", "metadata": md})
		if res, err := db.ApplyCardEvent(ctx, again); err != nil || len(res.Payments) != 0 {
			t.Fatalf("second event %+v %v", res, err)
		}

		got, err := db.FindClaim(ctx, tn.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Payments) != 1 || got.Payments[0].InvoiceID != f2.ID || got.Payments[0].Method != portal.PaymentCard {
			t.Fatalf("payments %+v", got.Payments)
		}
		var invoiceCol string
		if err := db.SQL().QueryRow(rebindQ(db, "SELECT invoice_id FROM payments WHERE claim_id = ?"), c.ID).Scan(&invoiceCol); err != nil || invoiceCol != f2.ID {
			t.Fatalf("payments.invoice_id %q %v", invoiceCol, err)
		}
		evs, err := db.ListEvents(ctx, tn.ID, c.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var started, recorded bool
		for _, e := range evs {
			has := strings.Contains(e.Payload, `"invoice_id":"`+f2.ID+`"`)
			switch e.Kind {
			case portal.EventPaymentStarted:
				started = has
			case portal.EventPaymentRecorded:
				recorded = has
			}
		}
		if !started || !recorded {
			t.Fatalf("invoice_id in payment.started %v, payment.recorded %v", started, recorded)
		}

		// The balance puts the 500.00 on F-2 (its interest, then its
		// principal) and nothing on F-1, the older one.
		rates, err := rules.Default()
		if err != nil {
			t.Fatal(err)
		}
		bal, err := rates.Compute(got, portal.MustDate("2024-06-30"))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range bal.Invoices {
			switch l.InvoiceID {
			case f1.ID:
				if l.PrincipalPaid != 0 || l.InterestPaid != 0 {
					t.Errorf("F-1 got %d principal, %d interest", l.PrincipalPaid, l.InterestPaid)
				}
			case f2.ID:
				if l.InterestPaid <= 0 || l.PrincipalPaid != 50000-l.InterestPaid {
					t.Errorf("F-2 got %d principal, %d interest", l.PrincipalPaid, l.InterestPaid)
				}
			}
		}

		t.Run("ForeignInvoiceDefaultOrder", func(t *testing.T) {
			// Metadata naming an invoice of another claim (or no invoice id at
			// all) must not break the claim's balance: the payment is recorded
			// in the default order.
			for i, inv := range []string{invoiceNumbered(t, other, "F-1").ID, "not an id"} {
				ev := signedCardEvent(t, "evt_foreign_"+string(rune('a'+i)), "payment_intent.succeeded", now, map[string]any{
					"id": "pi_foreign_" + string(rune('a'+i)), "object": "payment_intent", "amount": 1000, "amount_received": 1000, "currency": "eur",
					"metadata": map[string]string{"tenant_id": tn.ID, "claim_id": c.ID, "invoice_id": inv}})
				res, err := db.ApplyCardEvent(ctx, ev)
				if err != nil || len(res.Payments) != 1 || res.Payments[0].InvoiceID != "" {
					t.Fatalf("invoice %q: %+v %v", inv, res, err)
				}
			}
			got, _ := db.FindClaim(ctx, tn.ID, c.ID)
			if _, err := rates.Compute(got, portal.MustDate("2024-06-30")); err != nil {
				t.Fatalf("balance after a foreign invoice id: %v", err)
			}
		})
	})
}

func rebindQ(db *store.DB, q string) string {
	if db.Dialect != store.Postgres {
		return q
	}
	return strings.Replace(q, "?", "$1", 1)
}
