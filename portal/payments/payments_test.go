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
