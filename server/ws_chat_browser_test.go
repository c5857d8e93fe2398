package server

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/server/browsertest"
)

// TestChatInBrowser drives static/js/chat.js in a real browser at 320 px:
// the debtor opens the link, passes the identity check, proposes a plan in
// the chat panel, sees Relais accept it, ticks the acknowledgement and
// signs; the agreement is stored signed.
func TestChatInBrowser(t *testing.T) {
	bctx := browsertest.Start(t, browsertest.Phone())
	e := newChatEnv(t, store.SQLite)
	_, token, err := e.db.IssueLink(context.Background(), e.tenantID, e.claim.ID, portal.ChannelLetter, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancelT := context.WithTimeout(bctx, 60*time.Second)
	defer cancelT()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	amount := (e.balance + 2) / 3
	// Chromium keeps its window at least 500 px wide: the viewport makes
	// the page 320 px wide.
	must(chromedp.Do(ctx,
		chromedp.EmulateViewport(320, 640),
		chromedp.Navigate(e.base+"/p/"+token),
		chromedp.WaitVisible(chromedp.ID("answer")),
		chromedp.SendKeys(chromedp.ID("answer"), "75011"),
		chromedp.Submit(chromedp.ID("answer")),
		chromedp.WaitVisible(chromedp.ID("chat")),
	))
	// The welcome frame arrived: no agent online on a Sunday, with the time
	// agents are back.
	must(chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`document.querySelector("[data-chat-status]").textContent.indexOf("Aucun conseiller") === 0`)))
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("[data-chat-status]")))
	must(err)
	if !strings.Contains(status, "lundi") {
		t.Errorf("status %q does not say Monday", status)
	}
	must(chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`#chat input[name="count"]`), "3"),
		chromedp.SetValue(chromedp.CSS(`#chat input[name="amount"]`), fmt.Sprintf("%d,%02d", amount/100, amount%100)),
		chromedp.SetValue(chromedp.CSS(`#chat input[name="first_date"]`), "2024-07-01"),
		chromedp.Click(chromedp.CSS(`#chat form[data-chat-offer] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#chat .sign-card`)),
		chromedp.Click(chromedp.CSS(`#chat .sign-card input[type="checkbox"]`)),
		chromedp.Click(chromedp.CSS(`#chat .sign-card button`)),
		chromedp.Poll[chromedp.Void](`document.querySelector("[data-chat-status]").textContent.indexOf("Accord confirm") === 0`),
	))
	overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	must(err)
	if overflow {
		t.Error("claim page with the chat overflows at 320px")
	}
	conv, _ := e.db.OpenConversation(context.Background(), e.tenantID, e.claim.ID)
	var agreementID string
	for _, m := range e.messages(t, conv.ID) {
		if m.Kind == negotiation.MsgAccept {
			agreementID = m.AgreementID
		}
	}
	ag, err := e.db.FindAgreement(context.Background(), e.tenantID, agreementID)
	if err != nil || ag.Status != negotiation.AgreementSigned || !ag.Acknowledged || ag.Language != "fr" {
		t.Fatalf("agreement after the browser signed: %v %+v", err, ag)
	}
}
