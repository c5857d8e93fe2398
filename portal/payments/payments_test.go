package payments_test

import (
	"bytes"
	"context"
	pngpkg "image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/banking"
	"github.com/relais/relais/portal/payments"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
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

// recorder keeps what the stripe-go client sent to stripe-mock.
type recorder struct {
	mu   sync.Mutex
	reqs []sent
}

type sent struct {
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
	r.reqs = append(r.reqs, sent{path: req.URL.Path, form: form, key: req.Header.Get("Idempotency-Key")})
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func (r *recorder) all() []sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sent(nil), r.reqs...)
}

type env struct {
	db    *store.DB
	svc   *payments.Service
	rec   *recorder
	clock *portal.FixedClock
	claim *portal.Claim
	// tenantID is the tenant of claim; its only creditor is Belgian.
	tenantID string
}

func newEnv(t *testing.T, dialect string) *env {
	t.Helper()
	base := mock.Require(t)
	clock := &portal.FixedClock{T: time.Date(2024, 6, 30, 10, 0, 0, 0, time.UTC)}
	db := storetest.MustOpen(t, dialect, clock)
	ctx := context.Background()
	tn := &portal.Tenant{Name: "Alpha"}
	if err := db.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: "Alpha NV", Country: "BE", IBAN: "BE68539007547034"}); err != nil {
		t.Fatal(err)
	}
	c := &portal.Claim{
		Reference: "R-1", Currency: "EUR", Jurisdiction: portal.JurisdictionBE,
		Debtor:   &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Peeters BV", Language: "nl", Postcode: "2000", Email: "jan@example.be"},
		Invoices: []*portal.Invoice{{Number: "F-1", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-01-31"), Amount: 100000}},
	}
	if err := db.CreateClaim(ctx, tn.ID, c); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	sc, err := stripe.New(stripe.Config{SecretKey: "sk_test_123", WebhookSecret: "whsec_x", APIBase: base, HTTPClient: &http.Client{Transport: rec, Timeout: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	rates, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	svc := &payments.Service{Claims: db, Store: db, References: db, Card: sc, Rates: rates, Clock: clock, Zone: time.UTC}
	return &env{db: db, svc: svc, rec: rec, clock: clock, claim: c, tenantID: tn.ID}
}

func TestStartCheckoutForBalance(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) { testStartCheckout(t, dialect) })
	}
}

func testStartCheckout(t *testing.T, dialect string) {
	{
		e := newEnv(t, dialect)
		ctx := context.Background()
		start := portal.CheckoutStart{TenantID: e.claim.TenantID, ClaimID: e.claim.ID,
			SuccessURL: "http://relais.test/pay/return?session_id={CHECKOUT_SESSION_ID}", CancelURL: "http://relais.test/claim"}
		_, bal, err := e.svc.Balance(ctx, e.claim.TenantID, e.claim.ID)
		if err != nil {
			t.Fatal(err)
		}
		if bal.Total <= 100000 {
			t.Fatalf("balance %d should include interest and indemnity", bal.Total)
		}
		u, err := e.svc.StartCheckout(ctx, start)
		if err != nil || u == "" {
			t.Fatalf("url %q err %v", u, err)
		}
		reqs := e.rec.all()
		first := reqs[len(reqs)-1]
		if first.form.Get("line_items[0][price_data][unit_amount]") != itoa(bal.Total) ||
			first.form.Get("payment_method_types[1]") != "bancontact" || first.form.Get("metadata[claim_id]") != e.claim.ID {
			t.Fatalf("request %v", first.form)
		}
		evs, _ := e.db.ListEvents(ctx, e.claim.TenantID, e.claim.ID, 0, 0)
		if evs[len(evs)-1].Kind != portal.EventPaymentStarted {
			t.Fatalf("last event %s", evs[len(evs)-1].Kind)
		}

		t.Run("DoubleClickSameKey", func(t *testing.T) {
			if _, err := e.svc.StartCheckout(ctx, start); err != nil {
				t.Fatal(err)
			}
			reqs := e.rec.all()
			if reqs[len(reqs)-1].key != first.key || first.key == "" {
				t.Fatalf("keys %q %q", first.key, reqs[len(reqs)-1].key)
			}
		})
		t.Run("NewKeyAfterPayment", func(t *testing.T) {
			if err := e.db.AddPayment(ctx, e.claim.TenantID, &portal.Payment{ClaimID: e.claim.ID, Amount: 40000, ReceivedOn: portal.MustDate("2024-06-29"), Method: portal.PaymentTransfer}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.StartCheckout(ctx, start); err != nil {
				t.Fatal(err)
			}
			_, now, _ := e.svc.Balance(ctx, e.claim.TenantID, e.claim.ID)
			reqs := e.rec.all()
			last := reqs[len(reqs)-1]
			if now.Total >= bal.Total-40000+1000 || last.key == first.key || last.form.Get("line_items[0][price_data][unit_amount]") != itoa(now.Total) {
				t.Fatalf("after a payment: key %q amount %s", last.key, last.form.Get("line_items[0][price_data][unit_amount]"))
			}
		})
		t.Run("ErrInvalidNothingToPay", func(t *testing.T) {
			_, b, _ := e.svc.Balance(ctx, e.claim.TenantID, e.claim.ID)
			if err := e.db.AddPayment(ctx, e.claim.TenantID, &portal.Payment{ClaimID: e.claim.ID, Amount: b.Total, ReceivedOn: portal.MustDate("2024-06-30"), Method: portal.PaymentTransfer}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.StartCheckout(ctx, start); portal.ErrorCode(err) != portal.EINVALID {
				t.Fatalf("err %v", err)
			}
		})
		t.Run("ErrNotFoundOtherTenant", func(t *testing.T) {
			s := start
			s.TenantID = "01HZZZZZZZZZZZZZZZZZZZZZZZ"
			if _, err := e.svc.StartCheckout(ctx, s); portal.ErrorCode(err) != portal.ENOTFOUND {
				t.Fatalf("err %v", err)
			}
		})
		t.Run("ErrUnavailableWithoutKey", func(t *testing.T) {
			off := *e.svc
			off.Card = nil
			if _, err := off.StartCheckout(ctx, start); portal.ErrorCode(err) != portal.EUNAVAILABLE || off.CardEnabled() {
				t.Fatalf("err %v", err)
			}
		})
	}
}

func itoa(n int64) string {
	return portal.FormatMinor(n, 0)
}

// transfer gives the transfer details of a claim loaded as the portal
// loads it, within the tenant.
func (e *env) transfer(t *testing.T, tenantID, claimID string) (*portal.TransferDetails, error) {
	t.Helper()
	c, err := e.db.FindClaim(context.Background(), tenantID, claimID)
	if err != nil {
		t.Fatal(err)
	}
	return e.svc.TransferDetails(context.Background(), c)
}

func TestTransferDetails(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			ctx := context.Background()
			d, err := e.transfer(t, e.tenantID, e.claim.ID)
			if err != nil {
				t.Fatal(err)
			}
			_, b, _ := e.svc.Balance(ctx, e.tenantID, e.claim.ID)
			if d.IBAN != "BE68 5390 0754 7034" || d.Amount != b.Total || d.ReferenceScheme != "be_structured" || !d.QR ||
				!strings.HasPrefix(d.Reference, "+++") || len(d.ReferenceElectronic) != 12 {
				t.Fatalf("details %+v", d)
			}
			if _, err := banking.ParseStructured(d.Reference); err != nil {
				t.Fatalf("reference %q: %v", d.Reference, err)
			}
			again, _ := e.transfer(t, e.tenantID, e.claim.ID)
			if again.Reference != d.Reference {
				t.Fatalf("reference changed: %q then %q", d.Reference, again.Reference)
			}
			loaded, err := e.db.FindClaim(ctx, e.tenantID, e.claim.ID)
			if err != nil {
				t.Fatal(err)
			}
			png, err := e.svc.TransferQR(ctx, loaded, 256)
			if err != nil {
				t.Fatal(err)
			}
			img, err := pngpkg.Decode(bytes.NewReader(png))
			if err != nil || img.Bounds().Dx() != 256 {
				t.Fatalf("png: %v", err)
			}

			t.Run("RFForFrenchCreditor", func(t *testing.T) {
				tn := &portal.Tenant{Name: "Gamma"}
				if err := e.db.CreateTenant(ctx, tn); err != nil {
					t.Fatal(err)
				}
				if err := e.db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: "Gamma SAS", Country: "FR", IBAN: "FR1420041010050500013M02606"}); err != nil {
					t.Fatal(err)
				}
				c := &portal.Claim{Reference: "G-1", Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
					Debtor:   &portal.Debtor{Kind: portal.DebtorConsumer, Name: "Marie Martin", Language: "fr", Postcode: "75011"},
					Invoices: []*portal.Invoice{{Number: "F-1", IssueDate: portal.MustDate("2024-05-01"), DueDate: portal.MustDate("2024-05-31"), Amount: 25000}}}
				if err := e.db.CreateClaim(ctx, tn.ID, c); err != nil {
					t.Fatal(err)
				}
				d, err := e.transfer(t, tn.ID, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				if d.ReferenceScheme != "rf" || !strings.HasPrefix(d.ReferenceElectronic, "RF") {
					t.Fatalf("details %+v", d)
				}
				if _, err := banking.ParseRF(d.Reference); err != nil {
					t.Fatalf("RF %q: %v", d.Reference, err)
				}
			})
			t.Run("ErrUnavailableWithoutIBAN", func(t *testing.T) {
				tn := &portal.Tenant{Name: "Delta"}
				e.db.CreateTenant(ctx, tn)
				e.db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: "Delta", Country: "BE", IBAN: "BE68539007547035"})
				c := &portal.Claim{Reference: "D-1", Currency: "EUR", Jurisdiction: portal.JurisdictionBE,
					Debtor:   &portal.Debtor{Kind: portal.DebtorBusiness, Name: "X", Language: "nl", Postcode: "1000"},
					Invoices: []*portal.Invoice{{Number: "F-1", IssueDate: portal.MustDate("2024-05-01"), DueDate: portal.MustDate("2024-05-31"), Amount: 25000}}}
				if err := e.db.CreateClaim(ctx, tn.ID, c); err != nil {
					t.Fatal(err)
				}
				if _, err := e.transfer(t, tn.ID, c.ID); portal.ErrorCode(err) != portal.EUNAVAILABLE {
					t.Fatalf("invalid IBAN: err %v", err)
				}
			})
			t.Run("ErrNotFoundOtherTenant", func(t *testing.T) {
				// A claim that names another tenant gets no reference there.
				forged := *loaded
				forged.TenantID = "01HZZZZZZZZZZZZZZZZZZZZZZZ"
				if _, err := e.svc.TransferDetails(ctx, &forged); portal.ErrorCode(err) != portal.ENOTFOUND {
					t.Fatalf("err %v", err)
				}
			})
		})
	}
}

// TestStartCheckoutForInvoice pays one invoice the debtor chose (Code civil
// 1342-10): the amount is what that invoice's line of the balance says is
// due today, not the balance, and the invoice travels in the Stripe
// metadata, the idempotency key and the stored session.
func TestStartCheckoutForInvoice(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) { testStartCheckoutForInvoice(t, dialect) })
	}
}

func testStartCheckoutForInvoice(t *testing.T, dialect string) {
	e := newEnv(t, dialect)
	ctx := context.Background()
	// Two invoices: F-1 late since January (interest and the EUR 40
	// indemnity), F-2 due on 2024-07-15, after today (2024-06-30): nothing
	// but its principal is due on it.
	c := &portal.Claim{
		Reference: "R-2", Currency: "EUR", Jurisdiction: portal.JurisdictionBE,
		Debtor: &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Janssens BV", Language: "nl", Postcode: "2000"},
		Invoices: []*portal.Invoice{
			{Number: "F-1", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-01-31"), Amount: 100000},
			{Number: "F-2", IssueDate: portal.MustDate("2024-06-15"), DueDate: portal.MustDate("2024-07-15"), Amount: 25000},
		},
	}
	if err := e.db.CreateClaim(ctx, e.tenantID, c); err != nil {
		t.Fatal(err)
	}
	loaded, bal, err := e.svc.Balance(ctx, e.tenantID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	f1, f2 := loaded.Invoices[0], loaded.Invoices[1]
	var line1, line2 int64
	for _, l := range bal.Invoices {
		switch l.InvoiceID {
		case f1.ID:
			line1 = l.Total
		case f2.ID:
			line2 = l.Total
		}
	}
	// F-2: 250.00 of principal, no interest, no indemnity (not yet due).
	// F-1: 1000.00 + interest + 40.00; the balance is both.
	if line2 != 25000 || line1 <= 100000+4000 || bal.Total != line1+line2 {
		t.Fatalf("fixture: F-1 %d F-2 %d total %d", line1, line2, bal.Total)
	}
	start := portal.CheckoutStart{TenantID: e.tenantID, ClaimID: c.ID, InvoiceID: f2.ID,
		SuccessURL: "http://relais.test/pay/return?session_id={CHECKOUT_SESSION_ID}", CancelURL: "http://relais.test/claim"}
	if _, err := e.svc.StartCheckout(ctx, start); err != nil {
		t.Fatal(err)
	}
	reqs := e.rec.all()
	sent := reqs[len(reqs)-1]
	for k, want := range map[string]string{
		"line_items[0][price_data][unit_amount]":        "25000",
		"metadata[invoice_id]":                          f2.ID,
		"payment_intent_data[metadata][invoice_id]":     f2.ID,
		"metadata[claim_id]":                            c.ID,
		"line_items[0][price_data][product_data][name]": "Alpha NV – R-2 – F-2",
	} {
		if got := sent.form.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	evs, _ := e.db.ListEvents(ctx, e.tenantID, c.ID, 0, 0)
	last := evs[len(evs)-1]
	if last.Kind != portal.EventPaymentStarted || !strings.Contains(last.Payload, `"invoice_id":"`+f2.ID+`"`) {
		t.Fatalf("last event %s %s", last.Kind, last.Payload)
	}
	var session string
	if err := e.db.SQL().QueryRow(rebind(dialect, "SELECT provider_id FROM checkout_sessions WHERE claim_id = ? AND invoice_id = ?"), c.ID, f2.ID).Scan(&session); err != nil {
		t.Fatalf("stored session with its invoice: %v", err)
	}
	if cs, err := e.svc.CheckoutState(ctx, e.tenantID, c.ID, session); err != nil || cs.InvoiceID != f2.ID || cs.Amount != 25000 {
		t.Fatalf("session %+v %v", cs, err)
	}

	t.Run("OtherInvoiceOtherKey", func(t *testing.T) {
		s := start
		s.InvoiceID = f1.ID
		if _, err := e.svc.StartCheckout(ctx, s); err != nil {
			t.Fatal(err)
		}
		s.InvoiceID = ""
		if _, err := e.svc.StartCheckout(ctx, s); err != nil {
			t.Fatal(err)
		}
		reqs := e.rec.all()
		one, whole := reqs[len(reqs)-2], reqs[len(reqs)-1]
		if one.form.Get("line_items[0][price_data][unit_amount]") != itoa(line1) || one.form.Get("metadata[invoice_id]") != f1.ID {
			t.Fatalf("F-1: %v", one.form)
		}
		if whole.form.Get("line_items[0][price_data][unit_amount]") != itoa(bal.Total) || whole.form.Get("metadata[invoice_id]") != "" {
			t.Fatalf("balance: %v", whole.form)
		}
		if one.key == sent.key || whole.key == sent.key || whole.key == one.key {
			t.Fatalf("keys %q %q %q", sent.key, one.key, whole.key)
		}
	})
	t.Run("ErrNotFoundForeignInvoice", func(t *testing.T) {
		n := len(e.rec.all())
		for _, id := range []string{e.claim.Invoices[0].ID, "01HZZZZZZZZZZZZZZZZZZZZZZZ"} {
			s := start
			s.InvoiceID = id
			if _, err := e.svc.StartCheckout(ctx, s); portal.ErrorCode(err) != portal.ENOTFOUND {
				t.Fatalf("invoice %s: err %v", id, err)
			}
		}
		if len(e.rec.all()) != n {
			t.Fatal("a refused invoice reached Stripe")
		}
	})
	t.Run("ErrInvalidInstalmentAndInvoice", func(t *testing.T) {
		s := start
		s.InstalmentID = "01HZZZZZZZZZZZZZZZZZZZZZZZ"
		if _, err := e.svc.StartCheckout(ctx, s); portal.ErrorCode(err) != portal.EINVALID {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("ErrInvalidNothingDueOnInvoice", func(t *testing.T) {
		// The debtor paid F-2 by transfer, naming it: nothing is left on it,
		// while F-1 is still owed.
		if err := e.db.AddPayment(ctx, e.tenantID, &portal.Payment{ClaimID: c.ID, Amount: 25000, ReceivedOn: portal.MustDate("2024-06-30"),
			Method: portal.PaymentTransfer, InvoiceID: f2.ID}); err != nil {
			t.Fatal(err)
		}
		n := len(e.rec.all())
		_, err := e.svc.StartCheckout(ctx, start)
		if portal.ErrorCode(err) != portal.EINVALID || !strings.Contains(portal.ErrorMessage(err), "Nothing is left to pay") {
			t.Fatalf("err %v", err)
		}
		if len(e.rec.all()) != n {
			t.Fatal("a checkout of nothing reached Stripe")
		}
		s := start
		s.InvoiceID = f1.ID
		if _, err := e.svc.StartCheckout(ctx, s); err != nil {
			t.Fatalf("F-1 is still due: %v", err)
		}
	})
}

func rebind(dialect, q string) string {
	if dialect != "postgres" {
		return q
	}
	n := 0
	var b strings.Builder
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + itoa(int64(n)))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
