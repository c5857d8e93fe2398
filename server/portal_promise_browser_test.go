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
	"github.com/relais/relais/server/browsertest"
)

// TestPromiseInBrowser (issue 20) runs the portal in Chromium: the debtor
// promises 300,00 € by 1 June on the claim page; the page says so and the
// chat shows the promise card in French words; once broken, the card
// says so the next time the debtor comes.
func TestPromiseInBrowser(t *testing.T) {
	bctx := browsertest.Start(t, chromedp.WindowSize(390, 844))
	e := newPortalEnv(t, store.SQLite, Config{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.addr = ln.Addr().String()
	neg := &negotiation.Service{Store: e.db, Claims: e.db, Balance: negotiation.RulesBalance(e.rates), Clock: e.clock,
		Location: negotiation.TenantLocation(e.db)}
	deps := Deps{Claims: e.db, Tenants: e.db, Events: e.db, DB: e.db, Clock: e.clock, Links: e.db, Disputes: e.db, Rates: e.rates,
		Instalments: e.db, Negotiation: neg, Conversations: e.db, Promises: e.db}
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
	card := `[...document.querySelectorAll('#chat .chat-log li.msg-promise p.text')].map(p => p.textContent).join(" / ")`
	must(chromedp.Do(ctx,
		chromedp.Navigate("http://"+e.addr+"/p/"+token),
		chromedp.WaitVisible(chromedp.ID("answer")),
		chromedp.SendKeys(chromedp.ID("answer"), "69002"),
		chromedp.Submit(chromedp.ID("answer")),
		chromedp.WaitVisible(chromedp.ID("promise-amount")),
		chromedp.SetValue(chromedp.ID("promise-amount"), "300,00"),
		chromedp.SetValue(chromedp.ID("promise-due"), "2026-06-01"),
		chromedp.Click(chromedp.CSS(`form.promise-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("promise-status")),
		chromedp.Poll[chromedp.Void](card+` !== ""`),
	))
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("promise-status")))
	must(err)
	if !strings.Contains(status, "Vous avez promis de payer 300,00\u00a0€ au plus tard le 1er\u00a0juin 2026") {
		t.Errorf("promise status %q", status)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](card))
	must(err)
	if got != "Promesse de paiement : 300,00\u00a0€ au plus tard le 1er\u00a0juin 2026. Les relances attendent jusque-là." {
		t.Errorf("promise card %q", got)
	}

	// Nothing paid by 1 June and the grace: broken.
	e.clock.T = time.Date(2026, 6, 5, 10, 0, 0, 0, time.UTC)
	if rep, err := e.db.SweepPromises(portal.WithActor(context.Background(), portal.Actor{Kind: portal.ActorSystem, ID: "promises"})); err != nil || rep.Broken != 1 {
		t.Fatalf("sweep: %+v %v", rep, err)
	}
	// The session ended meanwhile: the debtor opens a new link.
	_, token = e.issue(e.fr.ID)
	must(chromedp.Do(ctx,
		chromedp.Navigate("http://"+e.addr+"/p/"+token),
		chromedp.WaitVisible(chromedp.ID("answer")),
		chromedp.SendKeys(chromedp.ID("answer"), "69002"),
		chromedp.Submit(chromedp.ID("answer")),
		chromedp.WaitVisible(chromedp.ID("promise-status")),
		chromedp.Poll[chromedp.Void](card+`.includes("non tenue")`)))
	got, err = chromedp.Run(ctx, chromedp.Evaluate[string](card))
	must(err)
	if !strings.HasSuffix(got, "Promesse de paiement non tenue : 300,00\u00a0€ promis pour le 1er\u00a0juin 2026, rien reçu. Les relances reprennent.") {
		t.Errorf("broken card %q", got)
	}
	if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector('form.promise-form')`)); err != nil || !ok {
		t.Errorf("no new promise form after the broken one: %v", err)
	}
}
