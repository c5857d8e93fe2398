package server

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/server/browsertest"
)

// TestPortalCodeOnPhone follows a consumer's link in headless Chromium on
// a 390 px phone and at 200 % zoom (195 px): the identity answer, then the
// code read from the real SMTP server, typed into the code page, which
// fits the screen without cutting a word, to the claim page.
func TestPortalCodeOnPhone(t *testing.T) {
	bctx := browsertest.Start(t, browsertest.Phone())
	e := newCodeEnv(t, store.SQLite)
	e.listen()
	for i, w := range []int64{390, 195} {
		p := (&phoneEnv{portalEnv: e.portalEnv, base: "http://" + e.addr}).window(t, bctx, w, 844*w/390)
		_, token := e.issue(e.consumer.ID)
		p.do(chromedp.Navigate("http://"+e.addr+"/p/"+token), chromedp.WaitVisible(chromedp.ID("answer")),
			chromedp.SendKeys(chromedp.ID("answer"), "13001"), chromedp.Submit(chromedp.ID("answer")),
			chromedp.WaitVisible(chromedp.ID("code")))
		if got := phoneEval[string](p, `document.getElementById("code").getAttribute("autocomplete") + " " + document.activeElement.id`); got != "one-time-code code" {
			t.Errorf("%d px: code field %q, want one-time-code and focused", w, got)
		}
		if p.overflows() {
			t.Errorf("%d px: the code page overflows the screen", w)
		}
		if broken := p.brokenWords("main h1, main p, main label, main button"); len(broken) > 0 {
			t.Errorf("%d px: words cut over two lines: %v", w, broken)
		}
		code, n := e.lastCode("claire.moreau@example.org")
		if n != i+1 {
			t.Fatalf("%d e-mails, want %d", n, i+1)
		}
		p.do(chromedp.SendKeys(chromedp.ID("code"), code), chromedp.Submit(chromedp.ID("code")),
			chromedp.WaitVisible(chromedp.ID("total-due")))
	}
}
