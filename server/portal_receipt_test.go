package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/pdffont/pdftest"
	"github.com/relais/relais/portal/store/storetest"
	"github.com/relais/relais/portal/stripe/stripemock"
)

// balanceNow is what the claim owes on the env's day (15 May 2026), which
// must be computed in full for the claim to settle.
func (e *portalEnv) balanceNow(t *testing.T, claimID string) (int64, int64) {
	t.Helper()
	cl, err := e.db.FindClaim(context.Background(), e.tenantA, claimID)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.rates.Compute(cl, portal.MustDate("2026-05-15"))
	if err != nil {
		t.Fatal(err)
	}
	if !b.Complete {
		t.Fatalf("fixture: the balance of 15 May 2026 should be complete: %+v", b.MissingRates)
	}
	return b.Total, b.Paid
}

func (e *portalEnv) statusOf(t *testing.T, claimID string) portal.Status {
	t.Helper()
	cl, err := e.db.FindClaim(context.Background(), e.tenantA, claimID)
	if err != nil {
		t.Fatal(err)
	}
	return cl.Status
}

// mustBePaidPage checks the claim page of a claim paid in full: the thanks,
// the settlement, the receipt link, and nothing that asks to pay.
func mustBePaidPage(t *testing.T, what, body string, words ...string) {
	t.Helper()
	mustContain(t, what, body, append([]string{`id="paid"`, `id="paid-settled"`, `href="/p/receipt.pdf"`}, words...)...)
	mustNotContain(t, what, body, `action="/p/pay/card"`, `id="pay"`, `src="/p/pay/qr.png"`, `class="pay-invoice"`, `class="pay-card"`, `data-ws="/p/chat"`)
}

// TestPortalPaidSettles (issue 24.11): a manual payment recorded by the
// creditor that pays the rest settles the claim (status.changed in its
// chain); the page then thanks the debtor, says the claim is settled,
// links the receipt and shows no pay button; the receipt, read back with
// pdftotext, is in the debtor's language with the amounts in its format
// (French and Dutch). On both databases.
func TestPortalPaidSettles(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newPortalEnv(t, dialect, Config{})
			e.withPayments(t, "")
			for _, tc := range []struct {
				claim          *portal.Claim
				answer, lang   string
				page, receipt  []string
				issued, method string
			}{
				{e.fr, "69002", "fr", []string{"Tout est payé : merci !", "Le dossier est soldé", "Télécharger mon reçu (PDF)"},
					[]string{"Reçu de paiement", "Dupont Traiteur SARL", "Boulangerie Martin SAS", "FR-B2B-0001", "15 décembre 2025 virement bancaire 400,00 €",
						"Solde restant dû 0,00 €", "Ce dossier est soldé"}, "Émis le 15 mai 2026", "virement bancaire"},
				{e.be, "K-20417", "nl", []string{"Alles is betaald: dank u!", "Het dossier is vereffend", "Mijn betalingsbewijs downloaden (PDF)"},
					[]string{"Betalingsbewijs", "Café De Hoek BV", "BE-B2B-0003", "Hoofdsom (facturen) € 3.125,00", "Openstaand saldo € 0,00",
						"Dit dossier is vereffend"}, "Uitgereikt op 15 mei 2026", "overschrijving"},
			} {
				t.Run(tc.lang, func(t *testing.T) {
					b := e.verified(tc.claim, tc.answer)
					if p := b.get("/p/receipt.pdf"); p.status != 400 {
						t.Fatalf("receipt of an unpaid claim: %d, want 400", p.status)
					}
					mustContain(t, "page of an unpaid claim", b.get("/p").body, `id="pay"`, `id="pay-amount"`)
					total, _ := e.balanceNow(t, tc.claim.ID)
					status, body := e.api("POST", "/api/v1/claims/"+tc.claim.ID+"/payments", e.keyA,
						fmt.Sprintf(`{"amount":%d,"received_on":"2026-05-15","method":"transfer"}`, total))
					if status != 201 {
						t.Fatalf("payment: %d %v", status, body)
					}
					if st := e.statusOf(t, tc.claim.ID); st != portal.StatusSettled {
						t.Fatalf("after paying in full the claim is %s, want settled", st)
					}
					var settled *portal.Event
					for _, ev := range e.events(tc.claim.ID) {
						if ev.Kind == portal.EventStatusChanged {
							settled = ev
						}
					}
					if settled == nil || !strings.Contains(settled.Payload, `"to":"settled"`) || !strings.Contains(settled.Payload, body["id"].(string)) {
						t.Fatalf("no status.changed to settled naming the payment: %+v", settled)
					}
					mustBePaidPage(t, "page of a paid claim", b.get("/p").body, tc.page...)

					r := b.get("/p/receipt.pdf")
					if r.status != 200 || r.header.Get("Content-Type") != "application/pdf" ||
						!strings.Contains(r.header.Get("Content-Disposition"), "receipt-"+tc.claim.Reference+".pdf") {
						t.Fatalf("receipt: %d %s %s", r.status, r.header.Get("Content-Type"), r.header.Get("Content-Disposition"))
					}
					txt := pdftest.Joined(t, []byte(r.body))
					_, paid := e.balanceNow(t, tc.claim.ID)
					want := append([]string{tc.issued, "15 " + map[string]string{"fr": "mai", "nl": "mei"}[tc.lang] + " 2026 " + tc.method,
						strings.ReplaceAll(i18n.Money(tc.lang, paid, "EUR"), "\u00a0", " ")}, tc.receipt...)
					for _, w := range want {
						if !strings.Contains(txt, w) {
							t.Errorf("receipt lacks %q:\n%s", w, txt)
						}
					}
				})
			}
		})
	}
}

// TestPortalReceiptRefused: the receipt goes only to an identified session
// of the claim: no session, a link opened but not identified, or a revoked
// session get no PDF.
func TestPortalReceiptRefused(t *testing.T) {
	e := newPortalEnv(t, "sqlite", Config{})
	total, _ := e.balanceNow(t, e.fr.ID)
	if err := e.db.AddPayment(context.Background(), e.tenantA, &portal.Payment{ClaimID: e.fr.ID, Amount: total, ReceivedOn: portal.MustDate("2026-05-15"), Method: portal.PaymentTransfer}); err != nil {
		t.Fatal(err)
	}
	t.Run("ErrNoSession", func(t *testing.T) {
		if p := e.browser("fr").get("/p/receipt.pdf"); p.status != 401 || strings.HasPrefix(p.body, "%PDF") {
			t.Fatalf("without a session: %d", p.status)
		}
	})
	t.Run("ErrNotIdentified", func(t *testing.T) {
		_, token := e.issue(e.fr.ID)
		b := e.browser("fr")
		if p := b.get("/p/" + token); p.status != 303 {
			t.Fatalf("open: %d", p.status)
		}
		if p := b.get("/p/receipt.pdf"); p.status != 403 || strings.HasPrefix(p.body, "%PDF") {
			t.Fatalf("before the identity check: %d", p.status)
		}
	})
	t.Run("ErrSignedOut", func(t *testing.T) {
		b := e.verified(e.fr, "69002")
		if p := b.get("/p/receipt.pdf"); p.status != 200 {
			t.Fatalf("identified: %d", p.status)
		}
		stale := map[string]string{}
		for k, v := range b.cookies {
			stale[k] = v
		}
		if p := b.post("/p/signout", url.Values{"csrf": {csrfOf(t, b.get("/p"))}}); p.status >= 400 {
			t.Fatalf("sign out: %d", p.status)
		}
		b.cookies = stale
		if p := b.get("/p/receipt.pdf"); p.status != 401 || strings.HasPrefix(p.body, "%PDF") {
			t.Fatalf("after signing out: %d", p.status)
		}
	})
	t.Run("OK", func(t *testing.T) {
		if p := e.verified(e.fr, "69002").get("/p/receipt.pdf"); p.status != 200 || !strings.HasPrefix(p.body, "%PDF") {
			t.Fatalf("identified: %d", p.status)
		}
	})
}

// TestPortalCardSettles (issue 24.11): the debtor pays the whole balance
// by card (checkout created on stripe-mock, confirmed by a signed
// webhook): the claim is settled and the page shows the paid state, with
// no card button. A refund of part of it reopens the claim.
func TestPortalCardSettles(t *testing.T) {
	mock := stripemock.Start()
	t.Cleanup(mock.Stop)
	base := mock.Require(t)
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newPortalEnv(t, dialect, Config{})
			_, rec := e.withPayments(t, base)
			b := e.verified(e.be, "K-20417")
			claimPage := b.get("/p")
			total, _ := e.balanceNow(t, e.be.ID)
			if p := b.post("/p/pay/card", url.Values{"csrf": {csrfOf(t, claimPage)}}); p.status != 303 {
				t.Fatalf("checkout: %d %s", p.status, p.body)
			}
			if f := rec.last(); f.Get("line_items[0][price_data][unit_amount]") != portal.FormatMinor(total, 0) {
				t.Fatalf("checkout amount %s, want %d", f.Get("line_items[0][price_data][unit_amount]"), total)
			}
			var sessionID string
			if err := e.db.SQL().QueryRow(rebind(e.db.Dialect, "SELECT provider_id FROM checkout_sessions WHERE claim_id = ?"), e.be.ID).Scan(&sessionID); err != nil {
				t.Fatal(err)
			}
			hook := func(id, typ string, obj map[string]any) {
				t.Helper()
				body, _ := json.Marshal(map[string]any{"id": id, "object": "event", "api_version": "2023-10-16", "created": e.clock.T.Unix(),
					"type": typ, "data": map[string]any{"object": obj}})
				req := httptest.NewRequest("POST", "/webhooks/stripe", bytes.NewReader(body))
				req.Header.Set("Stripe-Signature", webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: testWebhookSecret}).Header)
				resp, err := e.srv.App().Test(req, -1)
				if err != nil || resp.StatusCode != 200 {
					t.Fatalf("webhook %s: %v %d", typ, err, resp.StatusCode)
				}
			}
			md := map[string]string{"claim_id": e.be.ID, "tenant_id": e.tenantA}
			hook("evt_settle_1", "checkout.session.completed", map[string]any{"id": sessionID, "object": "checkout.session", "mode": "payment",
				"payment_status": "paid", "amount_total": total, "currency": "eur", "payment_intent": "pi_settle_1", "metadata": md})
			if st := e.statusOf(t, e.be.ID); st != portal.StatusSettled {
				t.Fatalf("after the card payment the claim is %s, want settled", st)
			}
			page := b.get("/p").body
			mustBePaidPage(t, "page after the card payment", page, "Alles is betaald: dank u!")
			mustNotContain(t, "page after the card payment", page, "Betalen met kaart")
			if p := b.post("/p/pay/card", url.Values{"csrf": {csrfOf(t, b.get("/p"))}}); p.status < 400 {
				t.Fatalf("a card checkout of a paid claim: %d", p.status)
			}

			hook("evt_settle_2", "charge.refunded", map[string]any{"id": "ch_settle_1", "object": "charge", "amount": total, "amount_captured": total,
				"amount_refunded": 5000, "currency": "eur", "payment_intent": "pi_settle_1", "metadata": md})
			if st := e.statusOf(t, e.be.ID); st != portal.StatusOpen {
				t.Fatalf("after a partial refund the claim is %s, want open", st)
			}
			mustContain(t, "page after the refund", b.get("/p").body, `action="/p/pay/card"`)
		})
	}
}
