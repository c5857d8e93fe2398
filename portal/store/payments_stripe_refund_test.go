package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// TestStripeRefundOverCharge (issue 26.12): a charge.refunded event whose
// cumulative refund is more than the payment recorded for the charge is
// refused with EINVALID and records nothing (no payment, no evidence
// event, not even the event id, so a corrected delivery is applied); a
// refund up to the payment is recorded as before.
func TestStripeRefundOverCharge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tn := seedTenant(t, db, "Alpha")
		c := newClaim("R-REFUND")
		if err := db.CreateClaim(ctx, tn.ID, c); err != nil {
			t.Fatal(err)
		}
		md := map[string]string{"tenant_id": tn.ID, "claim_id": c.ID}
		now := time.Date(2024, 6, 30, 10, 0, 0, 0, time.UTC)
		type snapshot struct {
			payments, events int
			stored           int64
			sum              int64
		}
		snap := func() snapshot {
			t.Helper()
			got, err := db.FindClaim(ctx, tn.ID, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			evs, err := db.ListEvents(ctx, tn.ID, c.ID, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			n, err := db.StripeEventCount(ctx)
			if err != nil {
				t.Fatal(err)
			}
			s := snapshot{payments: len(got.Payments), events: len(evs), stored: n}
			for _, p := range got.Payments {
				s.sum += p.Amount
			}
			return s
		}
		pay := signedCardEvent(t, "evt_pi_R", "payment_intent.succeeded", now, map[string]any{"id": "pi_R", "object": "payment_intent",
			"amount": 30000, "amount_received": 30000, "currency": "eur", "latest_charge": "ch_R", "metadata": md})
		if res, err := db.ApplyCardEvent(ctx, pay); err != nil || len(res.Payments) != 1 {
			t.Fatalf("payment: %+v %v", res, err)
		}
		refused := func(name string, ev *portal.CardEvent) {
			t.Helper()
			before := snap()
			res, err := db.ApplyCardEvent(ctx, ev)
			if portal.ErrorCode(err) != portal.EINVALID {
				t.Fatalf("%s: %+v %v, want EINVALID", name, res, err)
			}
			if after := snap(); after != before {
				t.Fatalf("%s changed the claim: %+v -> %+v", name, before, after)
			}
		}
		// The event claims a 500.00 charge and refunds 400.00 of it; the
		// payment recorded for the charge is 300.00.
		refused("refund over the recorded payment", &portal.CardEvent{ID: "evt_ref_big", RawType: "charge.refunded", Type: portal.CardChargeRefunded,
			ChargeID: "ch_R", PaymentIntentID: "pi_R", Amount: 50000, AmountRefunded: 40000, Currency: "EUR", TenantID: tn.ID, ClaimID: c.ID, Created: now})
		// More refunded than the charge itself, on a charge not seen before.
		refused("refund over its own charge", &portal.CardEvent{ID: "evt_ref_self", RawType: "charge.refunded", Type: portal.CardChargeRefunded,
			ChargeID: "ch_S", PaymentIntentID: "pi_S", Amount: 10000, AmountRefunded: 10001, Currency: "EUR", TenantID: tn.ID, ClaimID: c.ID, Created: now})

		// A partial refund, then a cumulative one that would pass the charge.
		part := signedCardEvent(t, "evt_ref_1", "charge.refunded", now, map[string]any{"id": "ch_R", "object": "charge", "amount": 30000,
			"amount_captured": 30000, "amount_refunded": 20000, "currency": "eur", "payment_intent": "pi_R", "metadata": md})
		if res, err := db.ApplyCardEvent(ctx, part); err != nil || len(res.Payments) != 1 || res.Payments[0].Amount != -20000 {
			t.Fatalf("partial refund: %+v %v", res, err)
		}
		refused("cumulative refund over the payment", &portal.CardEvent{ID: "evt_ref_2", RawType: "charge.refunded", Type: portal.CardChargeRefunded,
			ChargeID: "ch_R", PaymentIntentID: "pi_R", Amount: 35000, AmountRefunded: 35000, Currency: "EUR", TenantID: tn.ID, ClaimID: c.ID, Created: now})
		// The rest of the payment can still be refunded.
		full := signedCardEvent(t, "evt_ref_3", "charge.refunded", now, map[string]any{"id": "ch_R", "object": "charge", "amount": 30000,
			"amount_captured": 30000, "amount_refunded": 30000, "currency": "eur", "payment_intent": "pi_R", "metadata": md})
		if res, err := db.ApplyCardEvent(ctx, full); err != nil || len(res.Payments) != 1 || res.Payments[0].Amount != -10000 {
			t.Fatalf("full refund: %+v %v", res, err)
		}
		if s := snap(); s.sum != 0 || s.payments != 3 {
			t.Fatalf("after the refunds: %+v", s)
		}
	})
}
