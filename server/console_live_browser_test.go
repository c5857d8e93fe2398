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

// TestConsoleLiveOffersInBrowser: a French agent on a conversation page
// in Chromium sees every message dated in French and labelled UTC, the
// history's as the live ones'; when the debtor makes an offer, then an
// agent counter-offers, over the websocket, the claim panel's offers
// follow without the page being reloaded, in French and with how the
// debtor's offer leaves the policy.
func TestConsoleLiveOffersInBrowser(t *testing.T) {
	bctx := browsertest.Start(t, chromedp.WindowSize(1366, 900))
	e := newChatEnv(t, store.SQLite)
	ctx, cancelT := context.WithTimeout(bctx, 60*time.Second)
	defer cancelT()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.db.SetUserLanguage(context.Background(), e.tenantID, e.agent.ID, "fr"))
	debtor := e.debtorClient(t, 0)
	convID := debtor.expect("welcome")["conversation_id"].(string)
	debtor.send(map[string]any{"type": "text", "id": "d-1", "text": "Bonjour"})
	debtor.until("text")

	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	must(chromedp.Do(ctx,
		browsertest.ConsoleSignIn(e.base, e.agent.Email, "correct horse battery"),
		chromedp.WaitVisible(css(`#waiting`)),
		chromedp.Navigate(e.base+"/console/conversations/"+convID),
		chromedp.WaitVisible(css(`#chat .msg time.msg-time`)),
	))
	// A mark the page keeps only if it is never reloaded.
	_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.stillThisPage = true`))
	must(err)
	offers, err := chromedp.Run(ctx, chromedp.Text(css(`#panel-offers`)))
	must(err)
	if !strings.Contains(offers, "Aucune pour l'instant.") {
		t.Fatalf("offers panel before any offer: %q", offers)
	}

	// The debtor offers 12 months where the policy allows 6.
	debtor.send(map[string]any{"type": "offer", "id": "d-2", "offer": map[string]any{
		"kind": "plan", "count": 12, "amount": (e.balance + 11) / 12, "first_date": "2024-07-15", "frequency": "monthly", "method": "transfer"}})
	debtor.until("offer")
	must(chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`(function () {
		var l = document.querySelectorAll("#panel-offers .offer-line");
		return l.length === 1 && l[0].textContent.indexOf("un échéancier sur 12 mois demandé, la politique permet 6 mois au plus") >= 0;
	})()`, chromedp.WithPollingTimeout(10*time.Second))))
	line, err := chromedp.Run(ctx, chromedp.Text(css(`#panel-offers .offer-line`)))
	must(err)
	if !strings.Contains(line, "le débiteur") || !strings.Contains(line, "proposée") || !strings.Contains(line, "hors de la politique") {
		t.Errorf("offer line: %q", line)
	}
	// The offer's card in the conversation says it too, from the page's texts.
	card, err := chromedp.Run(ctx, chromedp.Text(css(`#chat .offer-breaches`)))
	must(err)
	if !strings.HasPrefix(card, "Hors de la politique : un échéancier sur 12 mois demandé") {
		t.Errorf("offer card: %q", card)
	}
	terms, err := chromedp.Run(ctx, chromedp.Text(css(`#chat .msg-offer .offer-terms`)))
	must(err)
	if !strings.Contains(terms, ",") || !strings.Contains(terms, "\u00a0EUR") && !strings.Contains(terms, " EUR") || strings.Contains(terms, "€") {
		t.Errorf("offer terms in the console's money: %q", terms)
	}

	// An agent's counter-offer (from another tab) shows too: the debtor's
	// offer is countered.
	other := e.agentClient(t, e.owner, convID, 0)
	other.expect("welcome")
	other.send(map[string]any{"type": "counter_offer", "id": "a-1", "offer": map[string]any{
		"kind": "plan", "count": 6, "amount": (e.balance + 5) / 6, "first_date": "2024-07-15", "frequency": "monthly", "method": "transfer"}})
	other.until("counter_offer")
	must(chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`(function () {
		var l = document.querySelectorAll("#panel-offers .offer-line");
		return l.length === 2 && document.querySelector("#panel-offers").textContent.indexOf("contre-proposée") >= 0;
	})()`, chromedp.WithPollingTimeout(10*time.Second))))
	kept, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.stillThisPage === true`))
	must(err)
	if !kept {
		t.Error("the page was reloaded")
	}

	// Every message, from the history and live, is dated in French, UTC.
	times, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#chat .msg time.msg-time")).map(function (t) { return t.dateTime + "|" + t.textContent + "|" + t.title; })`))
	must(err)
	if len(times) < 3 {
		t.Fatalf("message times: %q", times)
	}
	for _, tm := range times {
		if !strings.HasPrefix(tm, "2024-06-30T10:00:00") || !strings.Contains(tm, "|30\u00a0juin 2024 10:00 UTC|Écrit le 30\u00a0juin 2024 10:00 UTC") {
			t.Errorf("message time %q", tm)
		}
	}
}
