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

// TestPortalInBrowser walks a debtor through the portal in a real browser
// on a 320 px wide phone screen (the pages hold no script): link, identity check,
// claim page, computation, language switch.
func TestPortalInBrowser(t *testing.T) {
	bctx := browsertest.Start(t, browsertest.Phone())
	e := newPortalEnv(t, store.SQLite, Config{})
	e.listen()
	_, token := e.issue(e.fr.ID)

	ctx, cancelT := context.WithTimeout(bctx, 60*time.Second)
	defer cancelT()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	str := func(a chromedp.Action[string]) string {
		t.Helper()
		v, err := chromedp.Run(ctx, a)
		must(err)
		return v
	}
	overflows := func() bool {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
		must(err)
		return v
	}

	must(chromedp.Do(ctx, chromedp.EmulateViewport(320, 640), chromedp.Navigate("http://"+e.addr+"/p/"+token)))
	must(chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("answer"))))
	if url := str(chromedp.Location()); strings.Contains(url, token) || !strings.HasSuffix(url, "/p") {
		t.Errorf("after opening, the address is %q: the token must leave it", url)
	}
	if h := str(chromedp.Text(chromedp.CSS("h1"))); h != "Confirmez votre identité" {
		t.Errorf("identity page heading %q", h)
	}
	if overflows() {
		t.Error("identity page overflows at 320px")
	}

	must(chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("answer"), "69 002"), chromedp.Submit(chromedp.ID("answer")),
		chromedp.WaitVisible(chromedp.ID("total-due"))))
	if total := strings.TrimSpace(str(chromedp.Text(chromedp.ID("total-due")))); !strings.HasSuffix(total, "€") {
		t.Errorf("claim page total %q", total)
	}
	if overflows() {
		t.Error("claim page overflows at 320px")
	}
	if w := str(chromedp.Evaluate[string](`getComputedStyle(document.querySelector('main')).maxWidth`)); w != "704px" {
		t.Errorf("the stylesheet did not apply (main max-width %q): blocked by the CSP?", w)
	}

	must(chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`a[href="/p/computation"]`)), chromedp.WaitVisible(chromedp.CSS("table"))))
	if overflows() {
		t.Error("computation page overflows at 320px")
	}
	must(chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`a[hreflang="nl"]`)), chromedp.WaitVisible(chromedp.CSS("table"))))
	if url, h := str(chromedp.Location()), str(chromedp.Text(chromedp.CSS("h1"))); !strings.HasSuffix(url, "/p/computation") || h != "Hoe wordt dit berekend?" {
		t.Errorf("after switching to Dutch: %q %q", url, h)
	}
}
