package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/payments"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
	"github.com/relais/relais/portal/stripe"
)

const testWebhookSecret = "whsec_relais_test"

// payEnv is a server with card payments on, over a fresh database holding
// one claim of tenant A (and tenant B for isolation).
type payEnv struct {
	*apiEnv
	svc     *payments.Service
	claimA  *portal.Claim
	claimB  *portal.Claim
	srvPay  *Server
	stripeC *stripe.Client
}

func newPayEnv(t *testing.T, dialect, stripeBase string) *payEnv {
	t.Helper()
	e := newAPIEnv(t, dialect)
	if stripeBase == "" {
		stripeBase = "http://127.0.0.1:1" // webhooks need no API call
	}
	sc, err := stripe.New(stripe.Config{SecretKey: "sk_test_123", WebhookSecret: testWebhookSecret, APIBase: stripeBase})
	if err != nil {
		t.Fatal(err)
	}
	rates, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(e.logs, nil))
	svc := &payments.Service{Claims: e.db, Store: e.db, References: e.db, Statements: e.db, Card: sc, Rates: rates, Clock: e.clock, Log: log, Zone: time.UTC}
	p := &payEnv{apiEnv: e, svc: svc, stripeC: sc}
	p.srvPay = New(Config{BaseURL: "http://relais.test", Version: "test"}, Deps{
		Claims: e.db, Tenants: e.db, Events: e.db, DB: e.db, Clock: e.clock, Logger: log, Payments: svc, Transfers: svc,
		Statements: svc, Instalments: e.db})
	p.claimA = createTestClaim(t, e.db, e.tenantA, "PAY-1")
	p.claimB = createTestClaim(t, e.db, e.tenantB, "PAY-B")
	return p
}

func createTestClaim(t *testing.T, db *store.DB, tenantID, ref string) *portal.Claim {
	t.Helper()
	c := &portal.Claim{
		Reference: ref, Currency: "EUR", Jurisdiction: portal.JurisdictionBE,
		Debtor: &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Peeters BV", Language: "nl", Postcode: "2000"},
		Invoices: []*portal.Invoice{
			{Number: "F-1", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-01-31"), Amount: 100000},
		},
	}
	if err := db.CreateClaim(context.Background(), tenantID, c); err != nil {
		t.Fatal(err)
	}
	return c
}

func stripeEvent(t *testing.T, id, typ string, obj map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"id": id, "object": "event", "api_version": "2023-10-16",
		"created": time.Date(2024, 6, 30, 9, 0, 0, 0, time.UTC).Unix(), "type": typ, "data": map[string]any{"object": obj}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// post sends a webhook signed with secret at time at.
func (p *payEnv) post(t *testing.T, body []byte, secret string, at time.Time) (int, string) {
	t.Helper()
	req := httptest.NewRequest("POST", "/webhooks/stripe", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: at})
		req.Header.Set("Stripe-Signature", sp.Header)
	}
	resp, err := p.srvPay.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (p *payEnv) send(t *testing.T, body []byte) (int, string) {
	return p.post(t, body, testWebhookSecret, time.Now())
}

// state is what a webhook may change: payments, events, stored event ids.
type state struct {
	payments []int64
	events   []portal.EventKind
	stored   int64
}

func (p *payEnv) state(t *testing.T, c *portal.Claim) state {
	t.Helper()
	ctx := context.Background()
	got, err := p.db.FindClaim(ctx, c.TenantID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var s state
	for _, py := range got.Payments {
		s.payments = append(s.payments, py.Amount)
	}
	evs, err := p.db.ListEvents(ctx, c.TenantID, c.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		s.events = append(s.events, ev.Kind)
	}
	if s.stored, err = p.db.StripeEventCount(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s state) String() string {
	return fmt.Sprintf("payments %v events %v stored %d", s.payments, s.events, s.stored)
}

func sumOf(xs []int64) int64 {
	var n int64
	for _, x := range xs {
		n += x
	}
	return n
}

func md(c *portal.Claim) map[string]string {
	return map[string]string{"claim_id": c.ID, "tenant_id": c.TenantID}
}

func sessionCompleted(c *portal.Claim, pi string, amount int64) map[string]any {
	return map[string]any{"id": "cs_" + pi, "object": "checkout.session", "mode": "payment", "payment_status": "paid",
		"amount_total": amount, "currency": "eur", "payment_intent": pi, "metadata": md(c)}
}

func TestStripeWebhook(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			p := newPayEnv(t, dialect, "")
			c := p.claimA
			valid := stripeEvent(t, "evt_valid", "checkout.session.completed", sessionCompleted(c, "pi_A", 30000))

			t.Run("ErrForgedSignature", func(t *testing.T) {
				before := p.state(t, c)
				forged := bytes.Replace(valid, []byte("30000"), []byte("99999"), 1)
				sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: valid, Secret: testWebhookSecret})
				req := httptest.NewRequest("POST", "/webhooks/stripe", bytes.NewReader(forged))
				req.Header.Set("Stripe-Signature", sp.Header)
				resp, _ := p.srvPay.App().Test(req, -1)
				if resp.StatusCode != 400 {
					t.Fatalf("status %d", resp.StatusCode)
				}
				if after := p.state(t, c); after.String() != before.String() {
					t.Fatalf("changed: %v -> %v", before, after)
				}
			})
			t.Run("ErrWrongSecret", func(t *testing.T) {
				before := p.state(t, c)
				if st, body := p.post(t, valid, "whsec_someone_else", time.Now()); st != 400 {
					t.Fatalf("status %d %s", st, body)
				}
				if st, _ := p.post(t, valid, "", time.Now()); st != 400 {
					t.Fatalf("unsigned: status %d", st)
				}
				if after := p.state(t, c); after.String() != before.String() {
					t.Fatalf("changed: %v -> %v", before, after)
				}
			})
			t.Run("ErrStaleTimestamp", func(t *testing.T) {
				before := p.state(t, c)
				if st, _ := p.post(t, valid, testWebhookSecret, time.Now().Add(-10*time.Minute)); st != 400 {
					t.Fatalf("status %d", st)
				}
				if after := p.state(t, c); after.String() != before.String() {
					t.Fatalf("changed: %v -> %v", before, after)
				}
			})
			t.Run("ValidAppliedOnce", func(t *testing.T) {
				before := p.state(t, c)
				if st, body := p.send(t, valid); st != 200 {
					t.Fatalf("status %d %s", st, body)
				}
				after := p.state(t, c)
				if len(after.payments) != 1 || after.payments[0] != 30000 || after.events[len(after.events)-1] != portal.EventPaymentRecorded {
					t.Fatalf("after: %v", after)
				}
				got, _ := p.db.FindClaim(context.Background(), c.TenantID, c.ID)
				if got.Payments[0].Method != portal.PaymentCard || got.Payments[0].Reference != "pi_A" || got.Payments[0].ReceivedOn.String() != "2024-06-30" {
					t.Fatalf("payment %+v", got.Payments[0])
				}
				_, b0 := p.balanceOf(t, before)
				_, b1 := p.balanceOf(t, after)
				if b0-b1 != 30000 {
					t.Fatalf("balance went from %d to %d", b0, b1)
				}
				evs, _ := p.db.ListEvents(context.Background(), c.TenantID, c.ID, 0, 0)
				last := evs[len(evs)-1]
				if last.Actor.Kind != portal.ActorSystem || !bytes.Contains([]byte(last.Payload), []byte(`"event_id":"evt_valid"`)) ||
					!bytes.Contains([]byte(last.Payload), []byte(`"payment_intent":"pi_A"`)) {
					t.Fatalf("evidence %+v", last)
				}
			})
			t.Run("ReplayChangesNothing", func(t *testing.T) {
				before := p.state(t, c)
				st, body := p.send(t, valid)
				if st != 200 || !bytes.Contains([]byte(body), []byte(`"duplicate":true`)) {
					t.Fatalf("status %d %s", st, body)
				}
				if after := p.state(t, c); after.String() != before.String() {
					t.Fatalf("changed: %v -> %v", before, after)
				}
			})
			t.Run("SamePaymentSecondEvent", func(t *testing.T) {
				// payment_intent.succeeded announces the payment checkout.session.completed recorded.
				before := p.state(t, c)
				pi := stripeEvent(t, "evt_pi_A", "payment_intent.succeeded", map[string]any{"id": "pi_A", "object": "payment_intent",
					"amount": 30000, "amount_received": 30000, "currency": "eur", "status": "succeeded", "metadata": md(c)})
				if st, body := p.send(t, pi); st != 200 {
					t.Fatalf("status %d %s", st, body)
				}
				after := p.state(t, c)
				if sumOf(after.payments) != sumOf(before.payments) || len(after.events) != len(before.events) || after.stored != before.stored+1 {
					t.Fatalf("%v -> %v", before, after)
				}
			})
			t.Run("OutOfOrderRefundFirst", func(t *testing.T) {
				before := p.state(t, c)
				refund := stripeEvent(t, "evt_refund_B", "charge.refunded", map[string]any{"id": "ch_B", "object": "charge", "amount": 20000,
					"amount_captured": 20000, "amount_refunded": 5000, "currency": "eur", "payment_intent": "pi_B", "metadata": md(c)})
				if st, body := p.send(t, refund); st != 200 {
					t.Fatalf("status %d %s", st, body)
				}
				mid := p.state(t, c)
				if sumOf(mid.payments)-sumOf(before.payments) != 15000 || len(mid.payments) != len(before.payments)+2 {
					t.Fatalf("refund before payment: %v -> %v", before, mid)
				}
				if mid.events[len(mid.events)-1] != portal.EventPaymentRefunded || mid.events[len(mid.events)-2] != portal.EventPaymentRecorded {
					t.Fatalf("events %v", mid.events)
				}
				late := stripeEvent(t, "evt_cs_B", "checkout.session.completed", sessionCompleted(c, "pi_B", 20000))
				if st, _ := p.send(t, late); st != 200 {
					t.Fatal(st)
				}
				// A second partial refund: cumulative 8000, so 3000 more.
				refund2 := stripeEvent(t, "evt_refund_B2", "charge.refunded", map[string]any{"id": "ch_B", "object": "charge", "amount": 20000,
					"amount_captured": 20000, "amount_refunded": 8000, "currency": "eur", "payment_intent": "pi_B", "metadata": md(c)})
				if st, _ := p.send(t, refund2); st != 200 {
					t.Fatal(st)
				}
				after := p.state(t, c)
				if sumOf(after.payments)-sumOf(before.payments) != 12000 || len(after.payments) != len(before.payments)+3 {
					t.Fatalf("%v -> %v", before, after)
				}
			})
			t.Run("DisputeBeforePaymentRetried", func(t *testing.T) {
				before := p.state(t, c)
				dispute := stripeEvent(t, "evt_dp_C", "charge.dispute.created", map[string]any{"id": "dp_C", "object": "dispute",
					"amount": 7000, "currency": "eur", "charge": "ch_C", "payment_intent": "pi_C"})
				if st, _ := p.send(t, dispute); st != 503 {
					t.Fatalf("unknown payment: status %d", st)
				}
				if after := p.state(t, c); after.String() != before.String() {
					t.Fatalf("changed: %v -> %v", before, after)
				}
				pay := stripeEvent(t, "evt_pi_C", "payment_intent.succeeded", map[string]any{"id": "pi_C", "object": "payment_intent",
					"amount": 7000, "amount_received": 7000, "currency": "eur", "latest_charge": "ch_C", "metadata": md(c)})
				if st, _ := p.send(t, pay); st != 200 {
					t.Fatal(st)
				}
				if st, _ := p.send(t, dispute); st != 200 { // Stripe's retry
					t.Fatalf("retry: status %d", st)
				}
				after := p.state(t, c)
				if sumOf(after.payments) != sumOf(before.payments) || after.events[len(after.events)-1] != portal.EventChargeback {
					t.Fatalf("%v -> %v", before, after)
				}
			})
			t.Run("PaymentFailed", func(t *testing.T) {
				failed := stripeEvent(t, "evt_fail", "payment_intent.payment_failed", map[string]any{"id": "pi_F", "object": "payment_intent",
					"amount": 1000, "amount_received": 0, "currency": "eur", "metadata": md(c),
					"last_payment_error": map[string]any{"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds", "message": "Your card has insufficient funds."}})
				before := p.state(t, c)
				if st, _ := p.send(t, failed); st != 200 {
					t.Fatal(st)
				}
				after := p.state(t, c)
				if sumOf(after.payments) != sumOf(before.payments) || after.events[len(after.events)-1] != portal.EventPaymentFailed {
					t.Fatalf("%v -> %v", before, after)
				}
			})
			t.Run("UnknownTypeIgnored", func(t *testing.T) {
				before := p.state(t, c)
				ev := stripeEvent(t, "evt_unknown", "customer.updated", map[string]any{"id": "cus_1", "object": "customer", "metadata": md(c)})
				if st, _ := p.send(t, ev); st != 200 {
					t.Fatal(st)
				}
				after := p.state(t, c)
				if sumOf(after.payments) != sumOf(before.payments) || len(after.events) != len(before.events) {
					t.Fatalf("%v -> %v", before, after)
				}
			})
			t.Run("OtherTenantMetadataIgnored", func(t *testing.T) {
				before, beforeB := p.state(t, c), p.state(t, p.claimB)
				wrong := map[string]any{"id": "cs_x", "object": "checkout.session", "mode": "payment", "payment_status": "paid", "amount_total": 100,
					"currency": "eur", "payment_intent": "pi_X", "metadata": map[string]string{"claim_id": p.claimB.ID, "tenant_id": p.tenantA}}
				if st, _ := p.send(t, stripeEvent(t, "evt_x", "checkout.session.completed", wrong)); st != 200 {
					t.Fatal(st)
				}
				if sumOf(p.state(t, c).payments) != sumOf(before.payments) || sumOf(p.state(t, p.claimB).payments) != sumOf(beforeB.payments) {
					t.Fatal("a payment was recorded on a claim the metadata does not match")
				}
			})
			t.Run("ErrAPIVersion", func(t *testing.T) {
				old := bytes.Replace(stripeEvent(t, "evt_old", "payment_intent.succeeded", map[string]any{"id": "pi_O", "object": "payment_intent",
					"amount_received": 100, "currency": "eur", "metadata": md(c)}), []byte("2023-10-16"), []byte("2022-11-15"), 1)
				before := p.state(t, c)
				if st, _ := p.send(t, old); st != 400 {
					t.Fatalf("status %d", st)
				}
				if after := p.state(t, c); after.String() != before.String() {
					t.Fatalf("changed: %v -> %v", before, after)
				}
			})
			t.Run("ErrTooLarge", func(t *testing.T) {
				big := bytes.Repeat([]byte("x"), maxStripeWebhookBody+1)
				if st, _ := p.send(t, big); st != 413 {
					t.Fatalf("status %d", st)
				}
			})
		})
	}
}

// balanceOf returns the paid sum and the balance of claim A at the state.
func (p *payEnv) balanceOf(t *testing.T, s state) (int64, int64) {
	t.Helper()
	c, err := p.db.FindClaim(context.Background(), p.claimA.TenantID, p.claimA.ID)
	if err != nil {
		t.Fatal(err)
	}
	var kept []*portal.Payment
	for i, py := range c.Payments {
		if i < len(s.payments) {
			kept = append(kept, py)
		}
	}
	c.Payments = kept
	b, err := p.svc.Rates.Compute(c, portal.MustDate("2024-06-30"))
	if err != nil {
		t.Fatal(err)
	}
	return b.Paid, b.Total
}

func TestStripeWebhookConcurrentDeliveries(t *testing.T) {
	p := newPayEnv(t, store.Postgres, "")
	c := p.claimA
	// The same payment announced by two events and each event delivered
	// twice, all at once: one payment.
	bodies := [][]byte{
		stripeEvent(t, "evt_c1", "checkout.session.completed", sessionCompleted(c, "pi_R", 4000)),
		stripeEvent(t, "evt_c2", "payment_intent.succeeded", map[string]any{"id": "pi_R", "object": "payment_intent",
			"amount": 4000, "amount_received": 4000, "currency": "eur", "metadata": md(c)}),
	}
	done := make(chan int, 8)
	for i := 0; i < 8; i++ {
		go func(b []byte) {
			st, _ := p.send(t, b)
			done <- st
		}(bodies[i%2])
	}
	for i := 0; i < 8; i++ {
		if st := <-done; st != 200 && st != 503 && st != 500 {
			t.Errorf("status %d", st)
		}
	}
	// Deliveries that lost a race are retried by Stripe; replay them.
	for _, b := range bodies {
		if st, _ := p.send(t, b); st != 200 {
			t.Fatalf("retry status %d", st)
		}
	}
	if s := p.state(t, c); len(s.payments) != 1 || s.payments[0] != 4000 {
		t.Fatalf("state %v", s)
	}
}
