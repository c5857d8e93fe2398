package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/server/browsertest"
)

// TestConsoleWebhooksInBrowser: in Chromium, under the console's strict
// CSP, an owner reaches the webhook page from the navigation, registers
// an endpoint with two kinds ticked and sees its secret once, then finds
// it in the list, and the stylesheet applies.
func TestConsoleWebhooksInBrowser(t *testing.T) {
	bctx := browsertest.Start(t, chromedp.WindowSize(1366, 900))
	e := newChatEnv(t, store.SQLite)
	ctx, cancel := context.WithTimeout(bctx, 60*time.Second)
	defer cancel()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	must(chromedp.Do(ctx,
		browsertest.ConsoleSignIn(e.base, e.owner.Email, "correct horse battery"),
		chromedp.WaitVisible(css(`nav a[href="/console/webhooks"]`)),
		chromedp.Click(css(`nav a[href="/console/webhooks"]`)),
		chromedp.WaitVisible(css(`#new-webhook`)),
		chromedp.SendKeys(css(`input[name="url"]`), "https://erp.example.com/relais"),
		chromedp.SendKeys(css(`input[name="description"]`), "ERP"),
		chromedp.Click(css(`input[value="payment.recorded"]`)),
		chromedp.Click(css(`input[value="checkpoint.signed"]`)),
		chromedp.Submit(css(`input[name="url"]`)),
		chromedp.WaitVisible(css(`#webhook-secret`)),
	))
	secret, err := chromedp.Run(ctx, chromedp.Value(css(`#webhook-secret input`)))
	must(err)
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret shown: %q", secret)
	}
	kinds, err := chromedp.Run(ctx, chromedp.Text(css(`dl.pairs dd`)))
	must(err)
	if kinds != "payment.recorded, checkpoint.signed" {
		t.Fatalf("kinds shown: %q", kinds)
	}
	if bg, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('#webhook-secret')).borderLeftStyle`)); err != nil || bg != "solid" {
		t.Errorf("the stylesheet did not apply (%q, %v): blocked by the CSP?", bg, err)
	}
	must(chromedp.Do(ctx, chromedp.Click(css(`a[href="/console/webhooks"]`)), chromedp.WaitVisible(css(`#webhook-endpoints`))))
	row, err := chromedp.Run(ctx, chromedp.Text(css(`#webhook-endpoints tbody tr`)))
	must(err)
	if !strings.Contains(row, "https://erp.example.com/relais") || strings.Contains(row, "whsec_") {
		t.Fatalf("list row %q", row)
	}
}
