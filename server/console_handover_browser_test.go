package server

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/server/browsertest"
)

// agentTab is one agent's window in its own browser context (own cookies).
type agentTab struct {
	t       *testing.T
	ctx     context.Context
	dialogs *atomic.Int32
}

func openAgentTab(t *testing.T, browser context.Context, base, email string) *agentTab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // the first run opens the window, without timeout
		t.Fatal(err)
	}
	a := &agentTab{t: t, ctx: ctx, dialogs: new(atomic.Int32)}
	// Any browser dialog (confirm, prompt, alert) is counted and dismissed.
	if err := chromedp.Listen(ctx, func(ev any) {
		if _, ok := ev.(*cdppage.EventJavascriptDialogOpening); ok {
			a.dialogs.Add(1)
			go chromedp.Call(ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: false})
		}
	}); err != nil {
		t.Fatal(err)
	}
	a.do(browsertest.ConsoleSignIn(base, email, "correct horse battery"),
		chromedp.WaitVisible(chromedp.CSS(`#waiting`)))
	return a
}

func (a *agentTab) do(actions ...chromedp.Action[chromedp.Void]) {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(a.ctx, 45*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		a.t.Fatal(err)
	}
}

func agentEval[T any](a *agentTab, js string) T {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(a.ctx, 45*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		a.t.Fatalf("%v\n%s", err, js)
	}
	return v
}

func (a *agentTab) text(css string) string {
	a.t.Helper()
	return agentEval[string](a, `(document.querySelector(`+jsQuote(css)+`) || {}).textContent || ""`)
}

func jsQuote(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}

// TestConsoleHandoverInBrowser (issue 25, points 2 and 4) drives two
// agents in two browser contexts beside a debtor on the websocket. Ann
// takes the conversation and accepts the debtor's offer outside the
// policy: a form in the page lists the breach in words and asks her
// reason, recorded with the offer. She hands the conversation to Bob with
// a note: her page turns read-only with "held by Bob Durand — take it
// over"; Bob finds it under "My conversations", the history names both.
// Ann's take-over ends on a console page naming Bob, not JSON. When the
// conversation is taken from Bob behind his back, what he typed stays in
// the box with the reason. No browser dialog opens.
func TestConsoleHandoverInBrowser(t *testing.T) {
	bctx := browsertest.Start(t, chromedp.WindowSize(1366, 900))
	e := newChatEnv(t, store.SQLite)
	bob := e.addAgent(t, "Bob Durand")
	ctx := context.Background()
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }

	// The debtor asks 12 months where the policy allows 6.
	debtor := e.debtorClient(t, 0)
	convID := debtor.expect("welcome")["conversation_id"].(string)
	debtor.send(map[string]any{"type": "text", "id": "d-1", "text": "Bonjour, je propose 12 mois."})
	debtor.send(map[string]any{"type": "offer", "id": "d-2", "offer": map[string]any{
		"kind": "plan", "count": 12, "amount": (e.balance + 11) / 12, "first_date": "2024-07-15", "frequency": "monthly", "method": "transfer"}})
	offerID := debtor.until("offer")["offer_id"].(string)
	page := "/console/conversations/" + convID

	ann := openAgentTab(t, bctx, e.base, e.agent.Email)
	ann.do(chromedp.Navigate(e.base+page),
		chromedp.WaitVisible(css(`form[action$="/take"] button[type="submit"]`)),
		chromedp.Click(css(`form[action$="/take"] button[type="submit"]`)),
		chromedp.WaitVisible(css(`#chat [data-chat-form]`)),
		chromedp.WaitVisible(css(`#chat .msg-offer .offer-actions button`)),
		chromedp.Poll[chromedp.Void](`document.querySelector("#chat [data-chat-status]").textContent === "Connected."`),
		// The history's transfer may render after the offer it follows.
		chromedp.WaitVisible(css(`#chat .msg-transfer .handover-text`)))
	if took := ann.text(`#chat .msg-transfer .handover-text`); took != "Ann agent took the conversation." {
		t.Errorf("the take reads %q", took)
	}

	// Accept outside the policy: the form lists the breach and wants a reason.
	ann.do(chromedp.Click(css(`#chat .msg-offer .offer-actions button:first-child`)),
		chromedp.WaitVisible(css(`#chat form[data-outside-form]`)))
	if br := ann.text(`#chat [data-outside-breaches]`); !strings.Contains(br, "a plan over 12 months asked, the policy allows 6 months at most") {
		t.Fatalf("the confirmation lists %q", br)
	}
	ann.do(chromedp.Click(css(`#chat form[data-outside-form] button[type="submit"]`)),
		chromedp.WaitVisible(css(`#chat [data-outside-problem]`)))
	if rec, _ := e.db.FindOffer(ctx, e.tenantID, offerID); rec.Status != negotiation.OfferProposed {
		t.Fatalf("accepted without a reason: %s", rec.Status)
	}
	const why = "Revenus saisonniers : accord de M. Martin"
	ann.do(chromedp.SendKeys(css(`#chat form[data-outside-form] textarea[name="reason"]`), why),
		chromedp.Click(css(`#chat form[data-outside-form] button[type="submit"]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector("#chat .msg-offer .offer-state").textContent === "Accepted"`))
	rec, err := e.db.FindOffer(ctx, e.tenantID, offerID)
	if err != nil || rec.Status != negotiation.OfferAccepted || rec.PolicyOverride == nil || rec.PolicyOverride.Reason != why {
		t.Fatalf("offer after the confirmed acceptance: %v %+v", err, rec)
	}

	// Ann hands the conversation over to Bob with a note.
	ann.do(chromedp.Click(css(`#chat details:last-of-type summary`)),
		chromedp.SetValue(css(`#chat [data-chat-transfer] select[name="to_user_id"]`), bob.ID),
		chromedp.SendKeys(css(`#chat [data-chat-transfer] textarea[name="text"]`), "Rappeler lundi pour la première échéance"),
		chromedp.Click(css(`#chat [data-chat-transfer] button[type="submit"]`)),
		// The page reloads read-only, saying who holds it.
		chromedp.WaitVisible(css(`#chat [data-held-by]`)),
		chromedp.WaitVisible(css(`#chat .msg-transfer .handover-text`)))
	if held := ann.text(`#chat [data-held-by]`); !strings.Contains(held, "Held by Bob Durand") || !strings.Contains(held, "Take it over") {
		t.Errorf("Ann's page says %q", held)
	}
	if n := agentEval[int](ann, `document.querySelectorAll("#chat [data-chat-form], #chat [data-chat-offer]").length`); n != 0 {
		t.Errorf("Ann still has %d forms to write with", n)
	}
	if vis := agentEval[int](ann, `Array.from(document.querySelectorAll("#chat .offer-actions")).filter(function (x) { return x.offsetParent !== null; }).length`); vis != 0 {
		t.Errorf("Ann still sees %d offer buttons", vis)
	}

	// Bob finds it in his conversations, with the hand-over named.
	b := openAgentTab(t, bctx, e.base, bob.Email)
	mine := b.text(`#mine`)
	if !strings.Contains(mine, "R-1") || !strings.Contains(mine, "by Ann agent") || !strings.Contains(mine, "Rappeler lundi") {
		t.Fatalf("Bob's conversations: %q", mine)
	}
	b.do(chromedp.Click(css(`#mine a[href="`+page+`"]`)),
		chromedp.WaitVisible(css(`#chat [data-chat-form]`)),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll("#chat .msg-transfer .handover-text").length === 2`))
	handed := agentEval[string](b, `document.querySelectorAll("#chat .msg-transfer")[1].textContent`)
	if !strings.Contains(handed, "Ann agent handed the conversation over to Bob Durand.") || !strings.Contains(handed, "Rappeler lundi pour la première échéance") {
		t.Fatalf("Bob reads the hand-over as %q", handed)
	}

	// Bob's own counter-offer outside the policy (half the balance to
	// settle, no discount allowed) waits for his confirmation and reason.
	half := e.balance / 2
	b.do(chromedp.Click(css(`#chat details summary`)),
		chromedp.SetValue(css(`#chat [data-chat-offer] select[name="kind"]`), "settlement"),
		chromedp.SendKeys(css(`#chat [data-chat-offer] input[name="amount"]`), fmt.Sprintf("%d.%02d", half/100, half%100)),
		chromedp.Click(css(`#chat [data-chat-offer] button[type="submit"]`)),
		chromedp.WaitVisible(css(`#chat form[data-outside-form]`)))
	if br := b.text(`#chat [data-outside-breaches]`); !strings.Contains(br, "a discount of") || !strings.Contains(br, "the policy allows at most 0.00 EUR") {
		t.Fatalf("the counter-offer's confirmation lists %q", br)
	}
	if n := agentEval[int](b, `document.querySelectorAll("#chat .msg-counter_offer").length`); n != 0 {
		t.Fatal("the counter-offer went out before its confirmation")
	}
	b.do(chromedp.SendKeys(css(`#chat form[data-outside-form] textarea[name="reason"]`), "Dernière chance avant le tribunal"),
		chromedp.Click(css(`#chat form[data-outside-form] button[type="submit"]`)),
		chromedp.WaitVisible(css(`#chat .msg-counter_offer .offer-card`)))
	counter := debtor.until("counter_offer")
	if rec, err := e.db.FindOffer(ctx, e.tenantID, counter["offer_id"].(string)); err != nil || rec.PolicyOverride == nil ||
		rec.PolicyOverride.Reason != "Dernière chance avant le tribunal" || rec.PolicyOverride.By.ID != bob.ID {
		t.Fatalf("Bob's counter-offer: %v %+v", err, rec)
	}

	// Ann tries to take it over: a console page naming Bob, not JSON.
	ann.do(chromedp.Click(css(`#chat [data-held-by] button[type="submit"]`)),
		chromedp.WaitVisible(css(`#console-error`)))
	if ct := agentEval[string](ann, `document.contentType`); ct != "text/html" {
		t.Errorf("the take-over answer is %s", ct)
	}
	if msg := ann.text(`#console-error .problem`); !strings.Contains(msg, "Bob Durand holds this conversation") {
		t.Errorf("the take-over page says %q", msg)
	}

	// The owner takes it from Bob behind his back; Bob's message is refused
	// and stays in the box, with why, in his console's language.
	if _, err := e.db.TakeConversation(ctx, e.tenantID, convID, e.owner.ID, true); err != nil {
		t.Fatal(err)
	}
	const typed = "Bonjour, je reprends votre dossier."
	b.do(chromedp.SendKeys(css(`#chat [data-chat-form] textarea[name="text"]`), typed),
		chromedp.Click(css(`#chat [data-chat-form] button[type="submit"]`)),
		chromedp.WaitVisible(css(`#chat [data-send-problem]`)))
	if box := agentEval[string](b, `document.querySelector('#chat [data-chat-form] textarea[name="text"]').value`); box != typed {
		t.Errorf("after the refusal the box holds %q", box)
	}
	if p := b.text(`#chat [data-send-problem]`); !strings.Contains(p, "Ann owner holds this conversation") || !strings.Contains(p, "Your text is still in the box") {
		t.Errorf("the refusal reads %q", p)
	}
	for _, tab := range []*agentTab{ann, b} {
		if n := tab.dialogs.Load(); n != 0 {
			t.Errorf("%d browser dialogs opened", n)
		}
	}
}
