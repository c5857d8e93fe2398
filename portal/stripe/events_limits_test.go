package stripe_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/stripe"
)

// TestWebhookCreatedInFuture (issue 26.12): a signed event whose own creation
// time is more than a few minutes ahead of this server's clock is refused;
// a little skew is not.
func TestWebhookCreatedInFuture(t *testing.T) {
	at := func(created time.Time) []byte {
		b, err := json.Marshal(map[string]any{"id": "evt_future", "object": "event", "api_version": "2023-10-16", "created": created.Unix(),
			"type": "payment_intent.succeeded", "data": map[string]any{"object": map[string]any{"id": "pi_1", "object": "payment_intent",
				"amount": 100, "amount_received": 100, "currency": "eur"}}})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tt := range []struct {
		name    string
		created time.Time
		ok      bool
	}{
		{"Now", time.Now(), true},
		{"SkewOfAMinute", time.Now().Add(time.Minute), true},
		{"AnHourAhead", time.Now().Add(time.Hour), false},
		{"AYearAhead", time.Now().AddDate(1, 0, 0), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := at(tt.created)
			_, err := stripe.ParseEvent(body, sign(body, "whsec_a", time.Now()), "whsec_a")
			if tt.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tt.ok && portal.ErrorCode(err) != portal.EINVALID {
				t.Fatalf("an event created %s ahead: %v, want EINVALID", time.Until(tt.created).Round(time.Minute), err)
			}
		})
	}
}

// TestWebhookSignatureTime: the signature's own timestamp (t= of the
// Stripe-Signature header) may not be more than Tolerance ahead: stripe-go
// checks only that it is not too old.
func TestWebhookSignatureTime(t *testing.T) {
	body := []byte(`{}`)
	now := time.Now()
	for _, tt := range []struct {
		name   string
		header string
		ok     bool
	}{
		{"Now", sign(body, "whsec_a", now), true},
		{"Old", sign(body, "whsec_a", now.Add(-time.Hour)), true}, // stripe-go refuses it
		{"Skew", sign(body, "whsec_a", now.Add(time.Minute)), true},
		{"AnHourAhead", sign(body, "whsec_a", now.Add(time.Hour)), false},
		{"NoTimestamp", "v1=abc", false},
		{"Garbage", "t=soon,v1=abc", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := stripe.CheckSignatureTime(tt.header, now)
			if tt.ok != (err == nil) {
				t.Fatalf("%q: %v", tt.header, err)
			}
			if err != nil && portal.ErrorCode(err) != portal.EUNAUTHORIZED {
				t.Fatalf("code %s, want unauthorized (a 400 to Stripe)", portal.ErrorCode(err))
			}
		})
	}
}

// TestWebhookSignedInFuture: ParseEvent refuses a signature dated more
// than Tolerance ahead.
func TestWebhookSignedInFuture(t *testing.T) {
	body := event(t, "evt_sig_future", "payment_intent.succeeded", map[string]any{"id": "pi_1", "object": "payment_intent",
		"amount": 100, "amount_received": 100, "currency": "eur"})
	_, err := stripe.ParseEvent(body, sign(body, "whsec_a", time.Now().Add(time.Hour)), "whsec_a")
	if portal.ErrorCode(err) != portal.EUNAUTHORIZED {
		t.Fatalf("signed an hour ahead: %v, want EUNAUTHORIZED", err)
	}
}

// TestWebhookRefundOverCharge: a charge whose amount_refunded exceeds
// its amount is not an event Relais records.
func TestWebhookRefundOverCharge(t *testing.T) {
	for _, tt := range []struct {
		name             string
		amount, captured int64
		refunded         int64
		ok               bool
	}{
		{"Partial", 10000, 10000, 4000, true},
		{"Full", 10000, 10000, 10000, true},
		{"OverAmount", 10000, 0, 10001, false},
		{"OverCaptured", 10000, 6000, 7000, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := event(t, "evt_ref_"+tt.name, "charge.refunded", map[string]any{"id": "ch_1", "object": "charge", "amount": tt.amount,
				"amount_captured": tt.captured, "amount_refunded": tt.refunded, "currency": "eur", "payment_intent": "pi_1"})
			_, err := stripe.ParseEvent(body, sign(body, "whsec_a", time.Now()), "whsec_a")
			if tt.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tt.ok && portal.ErrorCode(err) != portal.EINVALID {
				t.Fatalf("%d refunded of %d (captured %d): %v, want EINVALID", tt.refunded, tt.amount, tt.captured, err)
			}
		})
	}
}
