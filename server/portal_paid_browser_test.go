package server

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/stripe/stripemock"
	"github.com/relais/relais/server/browsertest"
)

// TestPaidInBrowser (issue 24, points 11 and 13) runs the portal in
// Chromium on a 390 × 844 phone, with card payment on (stripe-mock) and
// the chat: an Arabic message the debtor sends is laid out right to left
// inside the French page; once the claim is paid in full the page thanks
// the debtor with no pay or card button, and its receipt link serves the
// PDF.
func TestPaidInBrowser(t *testing.T) {
	mock := stripemock.Start()
	t.Cleanup(mock.Stop)
	stripeBase := mock.Require(t)
	bctx := browsertest.Start(t, chromedp.WindowSize(390, 844))

	e := newPortalEnv(t, store.SQLite, Config{})
	svc, _ := e.withPayments(t, stripeBase)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.addr = ln.Addr().String()
	neg := &negotiation.Service{Store: e.db, Claims: e.db, Balance: negotiation.RulesBalance(e.rates), Clock: e.clock,
		Location: negotiation.TenantLocation(e.db)}
	deps := Deps{Claims: e.db, Tenants: e.db, Events: e.db, DB: e.db, Clock: e.clock, Links: e.db, Disputes: e.db, Rates: e.rates,
		Payments: svc, Transfers: svc, Instalments: e.db, Negotiation: neg, Conversations: e.db}
	if bus := e.db.ChatBus(); bus != nil {
		deps.ChatBus = bus
	}
	// The websocket's Origin must be the base URL: the server listens there.
	e.srv = New(Config{BaseURL: "http://" + e.addr, Version: "test"}, deps)
	go func() { _ = e.srv.App().Listener(ln) }()
	t.Cleanup(func() { _ = e.srv.Shutdown(2 * time.Second) })
	_, token := e.issue(e.fr.ID)

	ctx, cancelT := context.WithTimeout(bctx, 90*time.Second)
	defer cancelT()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	is := func(expr string) bool {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		must(err)
		return v
	}

	must(chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate("http://"+e.addr+"/p/"+token),
		chromedp.WaitVisible(chromedp.ID("answer")),
		chromedp.SendKeys(chromedp.ID("answer"), "69002"),
		chromedp.Submit(chromedp.ID("answer")),
		chromedp.WaitVisible(chromedp.ID("chat")),
	))
	if !is(`!!document.querySelector('form.pay-card button[type="submit"]')`) {
		t.Fatal("fixture: the open claim should offer the card button")
	}

	// Point 13: an Arabic message, stored and sent back by the server, is
	// laid out right to left; the page stays left to right.
	const arabic = "مرحبا، أريد خطة دفع من فضلكم"
	must(chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`#chat form[data-chat-form] textarea[name="text"]`), arabic),
		chromedp.Click(chromedp.CSS(`#chat form[data-chat-form] button[type="submit"]`)),
		chromedp.Poll[chromedp.Void](`[...document.querySelectorAll('#chat .chat-log li:not(.sending) p.text')].some(p => p.textContent === "`+arabic+`")`),
	))
	dir, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		const p = [...document.querySelectorAll('#chat .chat-log li:not(.sending) p.text')].find(p => p.textContent === "`+arabic+`");
		return getComputedStyle(p).direction + " " + getComputedStyle(document.querySelector('main')).direction;
	})()`))
	must(err)
	if dir != "rtl ltr" {
		t.Errorf("Arabic message / page direction %q, want \"rtl ltr\"", dir)
	}
	if !is(`getComputedStyle(document.querySelector('#chat textarea[name="text"]')).direction === "ltr" && document.querySelector('#chat textarea[name="text"]').dir === "auto"`) {
		t.Error("the chat's text box does not follow the direction of what is typed (dir=auto)")
	}

	// Point 11: paid in full, the page thanks the debtor, asks for nothing
	// and links the receipt.
	total, _ := e.balanceNow(t, e.fr.ID)
	if err := e.db.AddPayment(context.Background(), e.tenantA, &portal.Payment{ClaimID: e.fr.ID, Amount: total,
		ReceivedOn: portal.MustDate("2026-05-15"), Method: portal.PaymentTransfer}); err != nil {
		t.Fatal(err)
	}
	must(chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("paid")), chromedp.WaitVisible(chromedp.ID("receipt-link"))))
	for what, expr := range map[string]string{
		"a card or pay form":    `!!document.querySelector('form[action^="/p/pay/"]')`,
		"the pay section":       `!!document.querySelector('#pay')`,
		"a QR code":             `!!document.querySelector('img[src="/p/pay/qr.png"]')`,
		"a button saying Payer": `[...document.querySelectorAll('button, a.button')].some(b => /payer/i.test(b.textContent))`,
		"a horizontal scroll":   `document.documentElement.scrollWidth > window.innerWidth`,
	} {
		if is(expr) {
			t.Errorf("the paid page has %s", what)
		}
	}
	heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("paid-h")))
	must(err)
	if strings.TrimSpace(heading) != "Tout est payé : merci !" {
		t.Errorf("paid heading %q", heading)
	}
	// The receipt link serves the PDF to this session.
	if !is(`fetch(document.querySelector('#receipt-link').href).then(r => r.arrayBuffer().then(b => {
			window.__receipt = r.status + " " + r.headers.get("content-type") + " " + String.fromCharCode(...new Uint8Array(b.slice(0, 5)));
		})) && true`) {
		t.Fatal("fetch did not start")
	}
	must(chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`window.__receipt !== undefined`)))
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.__receipt`))
	must(err)
	if got != "200 application/pdf %PDF-" {
		t.Errorf("receipt link: %q, want a PDF", got)
	}
}
