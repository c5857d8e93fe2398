package server

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/payments"
	"github.com/relais/relais/portal/stripe"
	"github.com/relais/relais/portal/stripe/stripemock"
)

// formRecorder keeps the forms the stripe-go client sends to stripe-mock.
type formRecorder struct {
	mu    sync.Mutex
	forms []url.Values
	// answer, when set, may change stripe-mock's JSON answer to req (its
	// fixtures are card payments) as Stripe would answer.
	answer func(req *http.Request, form url.Values, obj map[string]any)
}

func (r *formRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var f url.Values
	if req.Body != nil {
		b, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(b))
		f, _ = url.ParseQuery(string(b))
		r.mu.Lock()
		r.forms = append(r.forms, f)
		r.mu.Unlock()
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	r.mu.Lock()
	answer := r.answer
	r.mu.Unlock()
	if err != nil || answer == nil {
		return resp, err
	}
	var obj map[string]any
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if json.Unmarshal(raw, &obj) == nil {
		answer(req, f, obj)
		raw, _ = json.Marshal(obj)
	}
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	resp.ContentLength = int64(len(raw))
	resp.Header.Del("Content-Length")
	return resp, nil
}

func (r *formRecorder) last() url.Values {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.forms) == 0 {
		return url.Values{}
	}
	return r.forms[len(r.forms)-1]
}

// withPayments rebuilds the portal env's server with card payment through
// stripe-mock (when base is set) and bank transfer details.
func (e *portalEnv) withPayments(t *testing.T, base string) (*payments.Service, *formRecorder) {
	t.Helper()
	rec := &formRecorder{}
	svc := &payments.Service{Claims: e.db, Store: e.db, References: e.db, Rates: e.rates, Clock: e.clock, Zone: time.UTC}
	if base != "" {
		sc, err := stripe.New(stripe.Config{SecretKey: "sk_test_123", WebhookSecret: testWebhookSecret, APIBase: base,
			HTTPClient: &http.Client{Transport: rec, Timeout: 10 * time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		svc.Card = sc
	}
	e.srv = New(e.srv.cfg, Deps{Claims: e.db, Tenants: e.db, Events: e.db, DB: e.db, Clock: e.clock, Links: e.db, Disputes: e.db,
		Rates: e.rates, Payments: svc, Transfers: svc, Instalments: e.db})
	return svc, rec
}

func TestPortalPay(t *testing.T) {
	mock := stripemock.Start()
	t.Cleanup(mock.Stop)
	base := mock.Require(t)
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			e := newPortalEnv(t, dialect, Config{})
			svc, rec := e.withPayments(t, base)
			ctx := context.Background()
			b := e.verified(e.be, "K-20417")
			claimPage := b.get("/p")
			if claimPage.status != 200 {
				t.Fatalf("claim page %d", claimPage.status)
			}
			be, err := e.db.FindClaim(ctx, e.tenantA, e.be.ID)
			if err != nil {
				t.Fatal(err)
			}
			d, err := svc.TransferDetails(ctx, be)
			if err != nil {
				t.Fatal(err)
			}
			// Dutch, as the debtor's language; RF reference for a French creditor.
			mustContain(t, "claim page", claimPage.body, "Betalen met kaart", "Bancontact", `action="/p/pay/card"`,
				`src="/p/pay/qr.png"`, d.IBAN, d.Reference, "Via overschrijving")
			if !strings.HasPrefix(d.Reference, "RF") {
				t.Fatalf("reference %q", d.Reference)
			}
			if csp := claimPage.header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' https://checkout.stripe.com") {
				t.Fatalf("CSP %q", csp)
			}

			t.Run("QR", func(t *testing.T) {
				p := b.get("/p/pay/qr.png")
				if p.status != 200 || p.header.Get("Content-Type") != "image/png" {
					t.Fatalf("qr %d %s", p.status, p.header.Get("Content-Type"))
				}
				if _, err := png.Decode(strings.NewReader(p.body)); err != nil {
					t.Fatal(err)
				}
				if p := e.browser("").get("/p/pay/qr.png"); p.status != 401 {
					t.Fatalf("without a session: %d", p.status)
				}
			})
			t.Run("ErrCSRF", func(t *testing.T) {
				n := len(rec.forms)
				if p := b.post("/p/pay/card", url.Values{"csrf": {"nope"}}); p.status != 403 {
					t.Fatalf("status %d", p.status)
				}
				if len(rec.forms) != n {
					t.Fatal("a checkout was created without CSRF")
				}
			})

			var sessionID string
			var total int64
			t.Run("PayByCard", func(t *testing.T) {
				_, bal, err := svc.Balance(ctx, e.tenantA, e.be.ID)
				if err != nil {
					t.Fatal(err)
				}
				total = bal.Total
				// An amount sent by the browser is ignored.
				p := b.post("/p/pay/card", url.Values{"csrf": {csrfOf(t, claimPage)}, "amount": {"1"}})
				if p.status != 303 || !strings.HasPrefix(p.header.Get("Location"), "https://checkout.stripe.com/") {
					t.Fatalf("status %d location %q", p.status, p.header.Get("Location"))
				}
				f := rec.last()
				if f.Get("line_items[0][price_data][unit_amount]") != portal.FormatMinor(total, 0) || f.Get("metadata[claim_id]") != e.be.ID ||
					f.Get("success_url") != "http://relais.test/p/pay/return?session_id={CHECKOUT_SESSION_ID}" {
					t.Fatalf("checkout form %v", f)
				}
				if err := e.db.SQL().QueryRow(rebind(e.db.Dialect, "SELECT provider_id FROM checkout_sessions WHERE claim_id = ?"), e.be.ID).Scan(&sessionID); err != nil {
					t.Fatal(err)
				}
			})
			t.Run("ReturnPending", func(t *testing.T) {
				p := b.get("/p/pay/return?session_id=" + sessionID)
				mustContain(t, "return page", p.body, `data-status="pending"`, "Betaling wordt bevestigd")
				got, _ := e.db.FindClaim(ctx, e.tenantA, e.be.ID)
				if len(got.Payments) != 0 {
					t.Fatal("the redirect recorded a payment")
				}
				if p := b.get("/p/pay/return?session_id=cs_test_other"); p.status != 404 {
					t.Fatalf("unknown session: %d", p.status)
				}
				if p := b.get("/p/pay/return?session_id=../x"); p.status != 404 {
					t.Fatalf("bad session id: %d", p.status)
				}
			})
			t.Run("WebhookConfirms", func(t *testing.T) {
				body, _ := json.Marshal(map[string]any{"id": "evt_portal_1", "object": "event", "api_version": "2023-10-16", "created": e.clock.T.Unix(),
					"type": "checkout.session.completed", "data": map[string]any{"object": map[string]any{
						"id": sessionID, "object": "checkout.session", "mode": "payment", "payment_status": "paid", "amount_total": total,
						"currency": "eur", "payment_intent": "pi_portal_1", "metadata": map[string]string{"claim_id": e.be.ID, "tenant_id": e.tenantA}}}})
				req := httptest.NewRequest("POST", "/webhooks/stripe", bytes.NewReader(body))
				req.Header.Set("Stripe-Signature", webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: testWebhookSecret}).Header)
				resp, err := e.srv.App().Test(req, -1)
				if err != nil || resp.StatusCode != 200 {
					t.Fatalf("webhook %v %d", err, resp.StatusCode)
				}
				p := b.get("/p/pay/return?session_id=" + sessionID)
				mustContain(t, "return page", p.body, `data-status="confirmed"`, "Betaling ontvangen")
				_, bal, _ := svc.Balance(ctx, e.tenantA, e.be.ID)
				if bal.Total != 0 {
					t.Fatalf("balance after paying in full: %d", bal.Total)
				}
			})
		})
	}
}

// TestPortalPayInvoice: the debtor chooses the invoice a card payment
// settles (Code civil 1342-10). Each invoice with something due today has
// its own button with that amount; the POST names the invoice, never the
// amount; an invoice not of the claim is refused before Stripe is asked.
func TestPortalPayInvoice(t *testing.T) {
	mock := stripemock.Start()
	t.Cleanup(mock.Stop)
	base := mock.Require(t)
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			e := newPortalEnv(t, dialect, Config{})
			svc, rec := e.withPayments(t, base)
			ctx := context.Background()
			b := e.verified(e.fr, "69002")
			claimPage := b.get("/p")
			if claimPage.status != 200 {
				t.Fatalf("claim page %d", claimPage.status)
			}
			fr, bal, err := svc.Balance(ctx, e.tenantA, e.fr.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(bal.Invoices) != 2 {
				t.Fatalf("fixture: %d invoices", len(bal.Invoices))
			}
			// F-2025-0412 (1240.00, due 2025-10-01) took the 400.00 paid in
			// December, F-2025-0468 (860.50) nothing: each has its own amount
			// due today, principal, interest and indemnity.
			lines := map[string]int64{}
			for _, l := range bal.Invoices {
				if l.Total <= 0 || l.Total >= bal.Total {
					t.Fatalf("fixture: line %s total %d of %d", l.Number, l.Total, bal.Total)
				}
				lines[l.InvoiceID] = l.Total
				mustContain(t, "claim page", claimPage.body, `name="invoice" value="`+l.InvoiceID+`"`,
					"Payer cette facture : "+i18n.Money("fr", l.Total, "EUR"))
			}
			mustContain(t, "claim page", claimPage.body, "votre paiement est imputé")
			csrf := csrfOf(t, claimPage)
			paymentsNow := func() int {
				got, err := e.db.FindClaim(ctx, e.tenantA, e.fr.ID)
				if err != nil {
					t.Fatal(err)
				}
				return len(got.Payments)
			}
			sessionsNow := func() int {
				var n int
				if err := e.db.SQL().QueryRow(rebind(e.db.Dialect, "SELECT COUNT(*) FROM checkout_sessions WHERE claim_id = ?"), e.fr.ID).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}

			t.Run("ErrBadOrForeignInvoice", func(t *testing.T) {
				forms, sessions, paid := len(rec.forms), sessionsNow(), paymentsNow()
				// Another claim's invoice (the Belgian one, same tenant), an id
				// of nothing, and something that is not an id.
				for _, inv := range []string{e.be.Invoices[0].ID, "01hzzzzzzzzzzzzzzzzzzzzzzz", "../x", "' OR 1=1"} {
					p := b.post("/p/pay/card", url.Values{"csrf": {csrf}, "invoice": {inv}})
					if p.status != 404 {
						t.Fatalf("invoice %q: status %d", inv, p.status)
					}
					mustContain(t, "error page", p.body, `lang="fr"`, "Vérifiez que vous avez saisi l")
				}
				p := b.post("/p/pay/card", url.Values{"csrf": {csrf}, "invoice": {fr.Invoices[0].ID}, "instalment": {"01hzzzzzzzzzzzzzzzzzzzzzzz"}})
				if p.status != 400 {
					t.Fatalf("instalment and invoice: status %d", p.status)
				}
				if len(rec.forms) != forms || sessionsNow() != sessions || paymentsNow() != paid {
					t.Fatal("a refused invoice reached Stripe or recorded something")
				}
			})

			var sessionID string
			chosen := fr.Invoices[1] // F-2025-0468, not the one the default order pays first
			t.Run("PayThisInvoice", func(t *testing.T) {
				p := b.post("/p/pay/card", url.Values{"csrf": {csrf}, "invoice": {chosen.ID}, "amount": {"1"}})
				if p.status != 303 || !strings.HasPrefix(p.header.Get("Location"), "https://checkout.stripe.com/") {
					t.Fatalf("status %d location %q", p.status, p.header.Get("Location"))
				}
				f := rec.last()
				if f.Get("line_items[0][price_data][unit_amount]") != portal.FormatMinor(lines[chosen.ID], 0) ||
					f.Get("metadata[invoice_id]") != chosen.ID || f.Get("payment_intent_data[metadata][invoice_id]") != chosen.ID {
					t.Fatalf("checkout form %v", f)
				}
				if err := e.db.SQL().QueryRow(rebind(e.db.Dialect, "SELECT provider_id FROM checkout_sessions WHERE claim_id = ?"), e.fr.ID).Scan(&sessionID); err != nil {
					t.Fatal(err)
				}
			})
			t.Run("WebhookRecordsTheInvoice", func(t *testing.T) {
				body, _ := json.Marshal(map[string]any{"id": "evt_portal_inv", "object": "event", "api_version": "2023-10-16", "created": e.clock.T.Unix(),
					"type": "checkout.session.completed", "data": map[string]any{"object": map[string]any{
						"id": sessionID, "object": "checkout.session", "mode": "payment", "payment_status": "paid", "amount_total": lines[chosen.ID],
						"currency": "eur", "payment_intent": "pi_portal_inv",
						"metadata": map[string]string{"claim_id": e.fr.ID, "tenant_id": e.tenantA, "invoice_id": chosen.ID}}}})
				req := httptest.NewRequest("POST", "/webhooks/stripe", bytes.NewReader(body))
				req.Header.Set("Stripe-Signature", webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: testWebhookSecret}).Header)
				resp, err := e.srv.App().Test(req, -1)
				if err != nil || resp.StatusCode != 200 {
					t.Fatalf("webhook %v %d", err, resp.StatusCode)
				}
				got, _ := e.db.FindClaim(ctx, e.tenantA, e.fr.ID)
				last := got.Payments[len(got.Payments)-1]
				if last.InvoiceID != chosen.ID || last.Amount != lines[chosen.ID] {
					t.Fatalf("payment %+v", last)
				}
				// The payment went to that invoice first: its interest and
				// principal are settled, though by default the older one
				// would have been paid first.
				_, after, err := svc.Balance(ctx, e.tenantA, e.fr.ID)
				if err != nil {
					t.Fatal(err)
				}
				for _, l := range after.Invoices {
					if l.InvoiceID == chosen.ID && (l.PrincipalDue != 0 || l.InterestDue != 0) {
						t.Fatalf("chosen invoice after its payment: %+v", l)
					}
					if l.InvoiceID != chosen.ID {
						p := b.get("/p")
						mustContain(t, "claim page", p.body, `name="invoice" value="`+l.InvoiceID+`"`,
							"Payer cette facture : "+i18n.Money("fr", l.Total, "EUR"))
					}
				}
				if after.Total != bal.Total-lines[chosen.ID] {
					t.Fatalf("balance %d after paying %d of %d", after.Total, lines[chosen.ID], bal.Total)
				}
			})
		})
	}
}

func TestPortalPayWithoutCard(t *testing.T) {
	e := newPortalEnv(t, "sqlite", Config{})
	e.withPayments(t, "")
	b := e.verified(e.fr, "69002")
	p := b.get("/p")
	mustNotContain(t, "claim page", p.body, `action="/p/pay/card"`, `name="invoice"`)
	mustContain(t, "claim page", p.body, "Par virement", `src="/p/pay/qr.png"`)
	if csp := p.header.Get("Content-Security-Policy"); csp != ContentSecurityPolicy {
		t.Fatalf("CSP %q", csp)
	}
	if p := b.post("/p/pay/card", url.Values{"csrf": {csrfOf(t, b.get("/p/contest"))}}); p.status != 503 {
		t.Fatalf("status %d", p.status)
	}
}

func rebind(dialect, q string) string {
	if dialect != "postgres" {
		return q
	}
	return strings.Replace(q, "?", "$1", 1)
}
