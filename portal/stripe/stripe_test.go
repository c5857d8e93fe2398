package stripe_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/stripe"
	"github.com/relais/relais/portal/stripe/stripemock"
)

var mock *stripemock.Mock

func TestMain(m *testing.M) {
	mock = stripemock.Start()
	code := m.Run()
	mock.Stop()
	os.Exit(code)
}

// recorder keeps the form bodies and idempotency keys the client sends.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	path string
	form url.Values
	key  string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	form, _ := url.ParseQuery(string(body))
	r.mu.Lock()
	r.reqs = append(r.reqs, recorded{path: req.URL.Path, form: form, key: req.Header.Get("Idempotency-Key")})
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func (r *recorder) last(t *testing.T) recorded {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.reqs) == 0 {
		t.Fatal("no request reached stripe-mock")
	}
	return r.reqs[len(r.reqs)-1]
}

func newClient(t *testing.T) (*stripe.Client, *recorder) {
	base := mock.Require(t)
	rec := &recorder{}
	c, err := stripe.New(stripe.Config{SecretKey: "sk_test_123", WebhookSecret: "whsec_test", APIBase: base,
		HTTPClient: &http.Client{Transport: rec, Timeout: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	return c, rec
}

func TestCreateCheckout(t *testing.T) {
	c, rec := newClient(t)
	req := portal.CheckoutRequest{
		TenantID: "T1", ClaimID: "C1", Amount: 123456, Currency: "EUR", Description: "Claim INV-1", Language: "nl",
		Bancontact: true, SuccessURL: "https://pay.example/pay/return?session_id={CHECKOUT_SESSION_ID}",
		CancelURL: "https://pay.example/claim", IdempotencyKey: "checkout:C1:123456:2024-06-30:v1",
	}
	u, id, err := c.CreateCheckout(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, "https://") || !strings.HasPrefix(id, "cs_") {
		t.Fatalf("url %q id %q", u, id)
	}
	r := rec.last(t)
	want := map[string]string{
		"mode": "payment", "line_items[0][price_data][unit_amount]": "123456", "line_items[0][price_data][currency]": "eur",
		"metadata[claim_id]": "C1", "metadata[tenant_id]": "T1", "payment_intent_data[metadata][claim_id]": "C1",
		"payment_method_types[0]": "card", "payment_method_types[1]": "bancontact", "locale": "nl",
		"success_url": req.SuccessURL,
	}
	for k, v := range want {
		if got := r.form.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if r.key != req.IdempotencyKey {
		t.Errorf("idempotency key %q", r.key)
	}

	if got := r.form.Get("metadata[invoice_id]"); got != "" {
		t.Errorf("invoice_id %q without an invoice", got)
	}

	t.Run("Invoice", func(t *testing.T) {
		// The invoice the debtor chose travels on the session and on its
		// payment intent, so that every event of the payment names it.
		req := req
		req.InvoiceID, req.IdempotencyKey = "01J0INV", "checkout:C1:inv"
		if _, _, err := c.CreateCheckout(context.Background(), req); err != nil {
			t.Fatal(err)
		}
		f := rec.last(t).form
		if f.Get("metadata[invoice_id]") != "01J0INV" || f.Get("payment_intent_data[metadata][invoice_id]") != "01J0INV" ||
			f.Get("metadata[instalment_id]") != "" {
			t.Fatalf("metadata %v", f)
		}
	})
	t.Run("NoBancontactOutsideEuro", func(t *testing.T) {
		req := req
		req.Currency = "GBP"
		if _, _, err := c.CreateCheckout(context.Background(), req); err != nil {
			t.Fatal(err)
		}
		if got := rec.last(t).form.Get("payment_method_types[1]"); got != "" {
			t.Fatalf("second method %q for GBP", got)
		}
	})
	t.Run("ErrInvalidNothingToPay", func(t *testing.T) {
		req := req
		req.Amount = 0
		if _, _, err := c.CreateCheckout(context.Background(), req); portal.ErrorCode(err) != portal.EINVALID {
			t.Fatalf("err %v", err)
		}
	})
}

func TestCreateSetupAndCustomer(t *testing.T) {
	c, rec := newClient(t)
	cus, err := c.CreateCustomer(context.Background(), portal.CustomerRequest{TenantID: "T1", DebtorID: "D1", Name: "Jan Peeters", IdempotencyKey: "customer:D1"})
	if err != nil || !strings.HasPrefix(cus, "cus_") {
		t.Fatalf("customer %q %v", cus, err)
	}
	if r := rec.last(t); r.form.Get("metadata[debtor_id]") != "D1" || r.key != "customer:D1" {
		t.Fatalf("customer request %+v", r)
	}
	u, id, err := c.CreateSetup(context.Background(), portal.SetupRequest{TenantID: "T1", ClaimID: "C1", CustomerID: cus, Currency: "EUR",
		Language: "fr", SuccessURL: "https://pay.example/s", CancelURL: "https://pay.example/c", IdempotencyKey: "setup:C1"})
	if err != nil || u == "" || !strings.HasPrefix(id, "cs_") {
		t.Fatalf("setup %q %q %v", u, id, err)
	}
	r := rec.last(t)
	if r.form.Get("mode") != "setup" || r.form.Get("customer") != cus || r.form.Get("setup_intent_data[metadata][claim_id]") != "C1" {
		t.Fatalf("setup request %v", r.form)
	}
}

func TestChargeOffSession(t *testing.T) {
	c, rec := newClient(t)
	res, err := c.ChargeOffSession(context.Background(), portal.OffSessionCharge{TenantID: "T1", ClaimID: "C1", InstalmentID: "I1",
		CustomerID: "cus_1", PaymentMethodID: "pm_1", Amount: 5000, Currency: "EUR", Attempt: 2, IdempotencyKey: "instalment:I1:1"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.PaymentIntentID, "pi_") || res.Status == "" {
		t.Fatalf("result %+v", res)
	}
	r := rec.last(t)
	for k, v := range map[string]string{"confirm": "true", "off_session": "true", "amount": "5000", "metadata[instalment_id]": "I1",
		"metadata[attempt]": "2", "payment_method": "pm_1"} {
		if r.form.Get(k) != v {
			t.Errorf("%s = %q want %q", k, r.form.Get(k), v)
		}
	}
	if r.key != "instalment:I1:1" {
		t.Errorf("key %q", r.key)
	}
}

// TestFindOffSessionCharge searches stripe-mock by instalment and attempt.
// Its fixture answer is a PaymentIntent without our metadata: no match,
// since an answer is trusted by its metadata, not by the query. A value
// that could change the query is refused before any call.
func TestFindOffSessionCharge(t *testing.T) {
	c, rec := newClient(t)
	res, err := c.FindOffSessionCharge(context.Background(), "01j0inst", 3)
	if err != nil || res != nil {
		t.Fatalf("search: %+v %v", res, err)
	}
	if r := rec.last(t); r.path != "/v1/payment_intents/search" {
		t.Fatalf("path %s", r.path)
	}
	n := len(rec.reqs)
	if _, err := c.FindOffSessionCharge(context.Background(), "x' OR metadata['claim_id']:'y", 1); portal.ErrorCode(err) != portal.EINVALID {
		t.Fatalf("a quote in the id: %v", err)
	}
	if len(rec.reqs) != n {
		t.Fatal("a refused search reached Stripe")
	}
}

func TestUnreachable(t *testing.T) {
	c, err := stripe.New(stripe.Config{SecretKey: "sk_test_123", APIBase: "http://127.0.0.1:1", HTTPClient: &http.Client{Timeout: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.CreateCheckout(context.Background(), portal.CheckoutRequest{Amount: 100, Currency: "EUR", ClaimID: "C", TenantID: "T", SuccessURL: "https://x/s", CancelURL: "https://x/c", Description: "d"})
	if portal.ErrorCode(err) != portal.EUNAVAILABLE {
		t.Fatalf("err %v", err)
	}
}

func event(t *testing.T, id, typ string, obj map[string]any) []byte {
	b, err := json.Marshal(map[string]any{"id": id, "object": "event", "api_version": "2023-10-16", "created": time.Now().Unix(),
		"type": typ, "data": map[string]any{"object": obj}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sign(body []byte, secret string, at time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: at}).Header
}

func TestParseEvent(t *testing.T) {
	body := event(t, "evt_1", "checkout.session.completed", map[string]any{
		"id": "cs_1", "object": "checkout.session", "mode": "payment", "payment_status": "paid", "amount_total": 4200,
		"currency": "eur", "payment_intent": "pi_1", "metadata": map[string]string{"claim_id": "C1", "tenant_id": "T1"},
	})
	t.Run("OK", func(t *testing.T) {
		ev, err := stripe.ParseEvent(body, sign(body, "whsec_a", time.Now()), "whsec_a")
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type != portal.CardCheckoutCompleted || ev.Amount != 4200 || ev.Currency != "EUR" || !ev.Paid ||
			ev.PaymentIntentID != "pi_1" || ev.ClaimID != "C1" || ev.TenantID != "T1" || ev.SessionID != "cs_1" {
			t.Fatalf("event %+v", ev)
		}
	})
	t.Run("ErrWrongSecret", func(t *testing.T) {
		_, err := stripe.ParseEvent(body, sign(body, "whsec_other", time.Now()), "whsec_a")
		if portal.ErrorCode(err) != portal.EUNAUTHORIZED {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("ErrForgedBody", func(t *testing.T) {
		h := sign(body, "whsec_a", time.Now())
		forged := bytes.Replace(body, []byte("4200"), []byte("9999"), 1)
		if _, err := stripe.ParseEvent(forged, h, "whsec_a"); portal.ErrorCode(err) != portal.EUNAUTHORIZED {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("ErrStale", func(t *testing.T) {
		_, err := stripe.ParseEvent(body, sign(body, "whsec_a", time.Now().Add(-6*time.Minute)), "whsec_a")
		if portal.ErrorCode(err) != portal.EUNAUTHORIZED {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("ErrAPIVersion", func(t *testing.T) {
		old := bytes.Replace(body, []byte("2023-10-16"), []byte("2020-08-27"), 1)
		if _, err := stripe.ParseEvent(old, sign(old, "whsec_a", time.Now()), "whsec_a"); portal.ErrorCode(err) != portal.EINVALID {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("Invoice", func(t *testing.T) {
		for typ, obj := range map[string]map[string]any{
			"checkout.session.completed": {"id": "cs_2", "object": "checkout.session", "mode": "payment", "payment_status": "paid",
				"amount_total": 2500, "currency": "eur", "payment_intent": "pi_2",
				"metadata": map[string]string{"claim_id": "C1", "tenant_id": "T1", "invoice_id": "I2"}},
			"payment_intent.succeeded": {"id": "pi_2", "object": "payment_intent", "amount": 2500, "amount_received": 2500, "currency": "eur",
				"metadata": map[string]string{"claim_id": "C1", "tenant_id": "T1", "invoice_id": "I2"}},
		} {
			b := event(t, "evt_inv_"+typ, typ, obj)
			ev, err := stripe.ParseEvent(b, sign(b, "whsec_a", time.Now()), "whsec_a")
			if err != nil || ev.InvoiceID != "I2" || ev.ClaimID != "C1" || ev.Amount != 2500 || ev.InstalmentID != "" {
				t.Fatalf("%s: event %+v err %v", typ, ev, err)
			}
		}
		ev, _ := stripe.ParseEvent(body, sign(body, "whsec_a", time.Now()), "whsec_a")
		if ev.InvoiceID != "" {
			t.Fatalf("no invoice in the metadata: %q", ev.InvoiceID)
		}
	})
	t.Run("UnknownType", func(t *testing.T) {
		b := event(t, "evt_2", "customer.created", map[string]any{"id": "cus_1", "object": "customer"})
		ev, err := stripe.ParseEvent(b, sign(b, "whsec_a", time.Now()), "whsec_a")
		if err != nil || ev.Type != "" || ev.RawType != "customer.created" {
			t.Fatalf("event %+v err %v", ev, err)
		}
	})
	t.Run("Refund", func(t *testing.T) {
		b := event(t, "evt_3", "charge.refunded", map[string]any{"id": "ch_1", "object": "charge", "amount": 4200, "amount_captured": 4200,
			"amount_refunded": 1000, "currency": "eur", "payment_intent": "pi_1", "metadata": map[string]string{"claim_id": "C1", "tenant_id": "T1"}})
		ev, err := stripe.ParseEvent(b, sign(b, "whsec_a", time.Now()), "whsec_a")
		if err != nil || ev.Type != portal.CardChargeRefunded || ev.AmountRefunded != 1000 || ev.Amount != 4200 || ev.PaymentIntentID != "pi_1" {
			t.Fatalf("event %+v err %v", ev, err)
		}
	})
}
