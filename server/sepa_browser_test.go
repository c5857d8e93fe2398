package server

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/payments"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/stripe/stripemock"
	"github.com/relais/relais/server/browsertest"
)

// TestSEPASigningInBrowser (issue 20): on a Belgian claim whose creditor
// allows SEPA Direct Debit and Bancontact, the debtor proposes a plan in
// the chat, picks SEPA Direct Debit on the sign card and signs; the
// agreement is stored with that method and its 14-day notice, its
// instalments are to be debited, and the mandate button takes the debtor
// to the Stripe Checkout setup session (stripe-mock's) created in setup
// mode with payment_method_types sepa_debit. The hosted page itself is
// answered by the test, as Stripe's servers are not reachable.
func TestSEPASigningInBrowser(t *testing.T) {
	sb := startSEPABrowser(t, store.SQLite)
	e, ctx, rec := sb.e, context.Background(), sb.rec
	ways, agreementID := sb.signInChat(t, negotiation.PaySEPADebit)
	if ways != "sepa_debit bancontact transfer" {
		t.Fatalf("the sign card offers %q, want the policy's ways", ways)
	}
	// The agreement says how it is paid, and its instalments are debits.
	ag, err := e.db.FindAgreement(ctx, e.tenantA, agreementID)
	if err != nil || ag.Status != negotiation.AgreementSigned || ag.Schedule.Method != negotiation.MethodSEPADebit ||
		ag.Schedule.MandateVia != negotiation.PaySEPADebit || ag.Schedule.NoticeDays != 14 {
		t.Fatalf("agreement %v %+v", err, ag)
	}
	ins, _ := e.db.ListInstalments(ctx, e.tenantA, e.be.ID)
	if len(ins) != 6 || ins[0].Method != portal.MethodSEPADebit || ins[0].NoticeDays != 14 {
		t.Fatalf("instalments %+v", ins)
	}
	u := sb.giveMandate(t)
	var sessionID string
	if err := e.db.SQL().QueryRow(`SELECT provider_id FROM checkout_sessions WHERE claim_id = ? AND mode = 'setup'`, e.be.ID).Scan(&sessionID); err != nil {
		t.Fatal(err)
	}
	// stripe-mock's session URL is a fixture (it does not carry the id).
	if !strings.HasPrefix(u, "https://checkout.stripe.com/") || !strings.HasPrefix(sessionID, "cs_") {
		t.Fatalf("hosted page %q, session %q", u, sessionID)
	}
	f := rec.last()
	if f.Get("mode") != "setup" || f.Get("payment_method_types[0]") != "sepa_debit" || f.Get("currency") != "eur" || f.Get("metadata[via]") != "sepa_debit" {
		t.Fatalf("setup session form %v", f)
	}
}

// sepaBrowser is a live portal (on SQLite or PostgreSQL) with Stripe (stripe-mock) whose
// Belgian claim's creditor allows SEPA Direct Debit, Bancontact and
// transfer, and a headless Chromium in which Stripe's hosted pages are
// answered by the test (Stripe's servers are not reachable).
type sepaBrowser struct {
	e      *portalEnv
	svc    *payments.Service
	rec    *formRecorder
	ctx    context.Context // the browser's, with the test's deadline
	hosted chan string     // the hosted pages the browser asked for
	token  string
}

func startSEPABrowser(t *testing.T, dialect string) *sepaBrowser {
	t.Helper()
	mock := stripemock.Start()
	t.Cleanup(mock.Stop)
	stripeBase := mock.Require(t)
	bctx := browsertest.Start(t, chromedp.WindowSize(390, 844))

	e := newPortalEnv(t, dialect, Config{})
	svc, rec := e.withPayments(t, stripeBase)
	ctx := context.Background()
	be, err := e.db.FindClaim(ctx, e.tenantA, e.be.ID)
	if err != nil {
		t.Fatal(err)
	}
	pol := negotiation.DefaultPolicy()
	pol.PayMethods = []string{negotiation.PaySEPADebit, negotiation.PayBancontact, negotiation.PayTransfer}
	if err := e.db.SetPolicy(ctx, e.tenantA, be.CreditorID, "", pol); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.addr = ln.Addr().String()
	neg := &negotiation.Service{Store: e.db, Claims: e.db, Balance: negotiation.RulesBalance(e.rates), Clock: e.clock,
		Location: negotiation.TenantLocation(e.db)}
	e.srv = New(Config{BaseURL: "http://" + e.addr, Version: "test"}, Deps{Claims: e.db, Tenants: e.db, Events: e.db, DB: e.db, Clock: e.clock,
		Links: e.db, Disputes: e.db, Rates: e.rates, Payments: svc, Transfers: svc, Instalments: e.db, Mandates: e.db, Negotiation: neg, Conversations: e.db})
	go func() { _ = e.srv.App().Listener(ln) }()
	t.Cleanup(func() { _ = e.srv.Shutdown(2 * time.Second) })
	_, token := e.issue(e.be.ID)

	tctx, cancelT := context.WithTimeout(bctx, 90*time.Second)
	t.Cleanup(cancelT)
	// Stripe's hosted page: the test answers it and keeps the URL asked.
	hosted := make(chan string, 2)
	paused := chromedp.Events(tctx, fetch.RequestPaused)
	if _, err := chromedp.Call(tctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "https://checkout.stripe.com/*"}}}); err != nil {
		t.Fatal(err)
	}
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			hosted <- ev.Request.URL
			chromedp.Call(tctx, fetch.FulfillRequest, fetch.FulfillRequestParams{RequestID: ev.RequestID, ResponseCode: 200,
				ResponseHeaders: []*fetch.HeaderEntry{{Name: "Content-Type", Value: "text/html"}}, Body: []byte("Stripe")})
		}
	}()
	return &sepaBrowser{e: e, svc: svc, rec: rec, ctx: tctx, hosted: hosted, token: token}
}

func (sb *sepaBrowser) must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// signInChat opens the Belgian claim's link, passes the identity check,
// proposes a plan of six monthly instalments from 1 June 2026 in the chat,
// picks way on the sign card and signs. It returns the ways the sign card
// offered and the signed agreement's id.
func (sb *sepaBrowser) signInChat(t *testing.T, way string) (ways, agreementID string) {
	t.Helper()
	e, tctx := sb.e, sb.ctx
	balance, _ := e.balanceNow(t, e.be.ID)
	amount := (balance + 5) / 6
	sb.must(t, chromedp.Do(tctx,
		chromedp.Navigate("http://"+e.addr+"/p/"+sb.token),
		chromedp.WaitVisible(chromedp.ID("answer")),
		chromedp.SendKeys(chromedp.ID("answer"), "K-20417"),
		chromedp.Submit(chromedp.ID("answer")),
		chromedp.WaitVisible(chromedp.ID("chat")),
		chromedp.SetValue(chromedp.CSS(`#chat input[name="count"]`), "6"),
		chromedp.SetValue(chromedp.CSS(`#chat input[name="amount"]`), fmt.Sprintf("%d,%02d", amount/100, amount%100)),
		chromedp.SetValue(chromedp.CSS(`#chat input[name="first_date"]`), "2026-06-01"),
		chromedp.Click(chromedp.CSS(`#chat form[data-chat-offer] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#chat .sign-card`)),
	))
	ways, err := chromedp.Run(tctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#chat .sign-card input[name="pay-method"]')].map(r => r.value).join(" ")`))
	sb.must(t, err)
	sb.must(t, chromedp.Do(tctx,
		chromedp.Click(chromedp.CSS(`#chat .sign-card input[value="`+way+`"]`)),
		chromedp.Click(chromedp.CSS(`#chat .sign-card input[type="checkbox"]`)),
		chromedp.Click(chromedp.CSS(`#chat .sign-card button`)),
		chromedp.WaitVisible(chromedp.CSS(`#chat [data-mandate-form] button`)),
	))
	conv, _ := e.db.OpenConversation(context.Background(), e.tenantA, e.be.ID)
	msgs, err := e.db.Messages(context.Background(), e.tenantA, conv.ID, 0, 100, true)
	sb.must(t, err)
	for _, m := range msgs {
		if m.Kind == negotiation.MsgAccept {
			agreementID = m.AgreementID
		}
	}
	return ways, agreementID
}

// giveMandate presses the chat's mandate button and returns the Stripe
// hosted page the browser was sent to.
func (sb *sepaBrowser) giveMandate(t *testing.T) string {
	t.Helper()
	sb.must(t, chromedp.Do(sb.ctx, chromedp.Click(chromedp.CSS(`#chat [data-mandate-form] button`))))
	select {
	case u := <-sb.hosted:
		return u
	case <-time.After(15 * time.Second):
		t.Fatal("the mandate button did not lead to Stripe Checkout")
	}
	return ""
}
