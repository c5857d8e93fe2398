package stripe_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/stripe"
)

// bancontactSetup answers a SetupIntent read back as Stripe does after a
// Bancontact set-up: the payment method is bancontact and the setup
// attempt names the sepa_debit payment method and mandate it generated
// (stripe-mock's fixture is a card set-up). The generated payment method
// read next is given its IBAN digits.
type bancontactSetup struct{ rec *recorder }

func (b *bancontactSetup) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := b.rec.RoundTrip(req)
	if err != nil || req.Method != "GET" {
		return resp, err
	}
	var obj map[string]any
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	json.Unmarshal(raw, &obj)
	switch {
	case strings.HasPrefix(req.URL.Path, "/v1/setup_intents/"):
		obj["payment_method"] = map[string]any{"id": "pm_bcmc", "object": "payment_method", "type": "bancontact"}
		obj["mandate"] = nil
		obj["latest_attempt"] = map[string]any{"id": "setatt_1", "object": "setup_attempt", "payment_method_details": map[string]any{
			"type": "bancontact", "bancontact": map[string]any{"generated_sepa_debit": "pm_gen_sepa", "generated_sepa_debit_mandate": "mandate_gen",
				"bank_code": "VAPE", "iban_last4": ""}}}
	case strings.HasPrefix(req.URL.Path, "/v1/payment_methods/"):
		obj["type"] = "sepa_debit"
		obj["sepa_debit"] = map[string]any{"last4": "7061", "bank_code": "VAPE", "country": "BE"}
	}
	raw, _ = json.Marshal(obj)
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	resp.ContentLength = int64(len(raw))
	resp.Header.Del("Content-Length")
	return resp, nil
}

func TestSEPASetupAndDebit(t *testing.T) {
	ctx := context.Background()
	t.Run("SetupSessions", func(t *testing.T) {
		c, rec := newClient(t)
		for _, via := range []string{portal.MandateViaSEPADebit, portal.MandateViaBancontact} {
			u, id, err := c.CreateSetup(ctx, portal.SetupRequest{TenantID: "T1", ClaimID: "C1", CustomerID: "cus_1", Via: via, Currency: "EUR",
				Language: "nl", SuccessURL: "https://relais.test/ok", CancelURL: "https://relais.test/no", IdempotencyKey: "k-" + via})
			if err != nil || !strings.HasPrefix(u, "https://") || !strings.HasPrefix(id, "cs_") {
				t.Fatalf("%s: %q %q %v", via, u, id, err)
			}
			f := rec.last(t).form
			if f.Get("mode") != "setup" || f.Get("payment_method_types[0]") != via || f.Get("payment_method_types[1]") != "" || f.Get("metadata[via]") != via {
				t.Fatalf("%s: form %v", via, f)
			}
		}
		if _, _, err := c.CreateSetup(ctx, portal.SetupRequest{CustomerID: "cus_1", Via: portal.MandateViaSEPADebit, Currency: "GBP"}); portal.ErrorCode(err) != portal.EINVALID {
			t.Fatalf("SEPA in pounds: %v", err)
		}
		if _, _, err := c.CreateSetup(ctx, portal.SetupRequest{CustomerID: "cus_1", Via: "ideal", Currency: "EUR"}); portal.ErrorCode(err) != portal.EINVALID {
			t.Fatalf("unknown method: %v", err)
		}
	})
	t.Run("MandateOfASEPASetup", func(t *testing.T) {
		c, _ := newClient(t)
		// stripe-mock's SetupIntent expands its mandate (a SEPA fixture)
		// but its payment method is a card: no IBAN digits to read.
		m, err := c.SetupMandate(ctx, "seti_1")
		if err != nil || m == nil {
			t.Fatalf("%+v %v", m, err)
		}
		if m.Via != portal.MandateViaSEPADebit || !strings.HasPrefix(m.ProviderID, "mandate_") || m.Reference == "" || m.Status != portal.MandateActive ||
			m.AcceptedAt.IsZero() || !strings.Contains(m.Acceptance, `"user_agent"`) {
			t.Fatalf("mandate %+v", m)
		}
		if _, err := c.SetupMandate(ctx, "seti_1' OR 1"); portal.ErrorCode(err) != portal.EINVALID {
			t.Fatalf("unsafe id: %v", err)
		}
	})
	t.Run("MandateOfABancontactSetup", func(t *testing.T) {
		_, rec := newClient(t)
		c, err := stripe.New(stripe.Config{SecretKey: "sk_test_123", WebhookSecret: "whsec_test", APIBase: mock.Require(t),
			HTTPClient: &http.Client{Transport: &bancontactSetup{rec: rec}, Timeout: 10 * time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		m, err := c.SetupMandate(ctx, "seti_bcmc")
		if err != nil || m == nil {
			t.Fatalf("%+v %v", m, err)
		}
		if m.Via != portal.MandateViaBancontact || m.PaymentMethodID != "pm_gen_sepa" || m.IBANLast4 != "7061" || m.Country != "BE" || m.Reference == "" {
			t.Fatalf("mandate %+v", m)
		}
		var paths []string
		for _, r := range rec.reqs {
			paths = append(paths, r.path)
		}
		if got := strings.Join(paths, " "); got != "/v1/setup_intents/seti_bcmc /v1/mandates/mandate_gen /v1/payment_methods/pm_gen_sepa" {
			t.Fatalf("requests %s", got)
		}
	})
	t.Run("Debit", func(t *testing.T) {
		c, rec := newClient(t)
		if _, err := c.ChargeOffSession(ctx, portal.OffSessionCharge{TenantID: "T1", ClaimID: "C1", InstalmentID: "I1", CustomerID: "cus_1",
			PaymentMethodID: "pm_sepa", MandateID: "mandate_1", Amount: 5000, Currency: "EUR", Attempt: 2, IdempotencyKey: "relais-instalment-I1-2"}); err != nil {
			t.Fatal(err)
		}
		r := rec.last(t)
		if r.form.Get("mandate") != "mandate_1" || r.form.Get("payment_method_types[0]") != "sepa_debit" || r.form.Get("off_session") != "true" ||
			r.form.Get("confirm") != "true" || r.form.Get("metadata[mandate]") != "mandate_1" || r.key != "relais-instalment-I1-2" {
			t.Fatalf("debit %v key %q", r.form, r.key)
		}
	})
	t.Run("Events", func(t *testing.T) {
		for _, tt := range []struct {
			typ   string
			obj   map[string]any
			check func(ev *portal.CardEvent) bool
		}{
			{"payment_intent.processing", map[string]any{"id": "pi_1", "object": "payment_intent", "status": "processing", "amount": 5000, "currency": "eur",
				"metadata": map[string]string{"instalment_id": "I1", "mandate": "mandate_1"}},
				func(ev *portal.CardEvent) bool {
					return ev.Type == portal.CardPaymentProcessing && ev.Amount == 5000 && ev.MandateID == "mandate_1" && ev.InstalmentID == "I1"
				}},
			{"mandate.updated", map[string]any{"id": "mandate_1", "object": "mandate", "status": "inactive", "type": "multi_use", "payment_method": "pm_sepa"},
				func(ev *portal.CardEvent) bool {
					return ev.Type == portal.CardMandateUpdated && ev.MandateID == "mandate_1" && ev.MandateStatus == "inactive" && ev.PaymentMethodID == "pm_sepa"
				}},
			{"setup_intent.succeeded", map[string]any{"id": "seti_1", "object": "setup_intent", "status": "succeeded", "customer": "cus_1",
				"payment_method": "pm_sepa", "mandate": "mandate_1", "payment_method_types": []string{"sepa_debit"}},
				func(ev *portal.CardEvent) bool {
					return ev.Type == portal.CardSetupSucceeded && ev.Mode == "mandate" && ev.MandateID == "mandate_1" && ev.SetupIntentID == "seti_1"
				}},
			{"setup_intent.succeeded", map[string]any{"id": "seti_2", "object": "setup_intent", "status": "succeeded", "customer": "cus_1",
				"payment_method": "pm_card", "payment_method_types": []string{"card"}},
				func(ev *portal.CardEvent) bool { return ev.Type == portal.CardSetupSucceeded && ev.Mode == "" }},
		} {
			body := event(t, "evt_"+tt.typ, tt.typ, tt.obj)
			ev, err := stripe.ParseEvent(body, sign(body, "whsec_a", time.Now()), "whsec_a")
			if err != nil || !tt.check(ev) {
				t.Errorf("%s: %+v %v", tt.typ, ev, err)
			}
		}
	})
}
