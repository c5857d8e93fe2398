package server

import (
	"context"
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

// TestConsoleInBrowser drives the agent console in Chromium at 1366×900
// beside a debtor on the websocket: a wrong password keeps the e-mail
// field; the conversation page dates every message and says how the
// debtor's offer leaves the policy in words and money; "Refuse" opens a
// form in the page (never the browser's prompt) whose reason, picked in
// the debtor's language, reaches the debtor and the offer's record.
func TestConsoleInBrowser(t *testing.T) {
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
	// Any browser dialog (prompt, confirm, alert) is counted and dismissed.
	var dialogs atomic.Int32
	must(chromedp.Listen(ctx, func(ev any) {
		if _, ok := ev.(*cdppage.EventJavascriptDialogOpening); ok {
			dialogs.Add(1)
			go chromedp.Call(ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: false})
		}
	}))

	// The debtor writes and offers 12 months where the policy allows 6.
	debtor := e.debtorClient(t, 0)
	convID := debtor.expect("welcome")["conversation_id"].(string)
	debtor.send(map[string]any{"type": "text", "id": "d-1", "text": "Bonjour, je propose 12 mois."})
	debtor.send(map[string]any{"type": "offer", "id": "d-2", "offer": map[string]any{
		"kind": "plan", "count": 12, "amount": (e.balance + 11) / 12, "first_date": "2024-07-15", "frequency": "monthly", "method": "transfer"}})
	var offerID string
	for offerID == "" {
		if m := debtor.message(); m["kind"] == "offer" {
			offerID = m["offer_id"].(string)
		}
	}

	// Sign-in: a wrong password keeps the address typed.
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	must(chromedp.Do(ctx,
		chromedp.Navigate(e.base+"/console/login"),
		chromedp.WaitVisible(css(`input[name="email"]`)),
		chromedp.SendKeys(css(`input[name="email"]`), e.agent.Email),
		chromedp.SendKeys(css(`input[name="password"]`), "not my password"),
		chromedp.Submit(css(`input[name="password"]`)),
		chromedp.WaitVisible(css(`.problem`)),
	))
	email, err := chromedp.Run(ctx, chromedp.Value(css(`input[name="email"]`)))
	must(err)
	if email != e.agent.Email {
		t.Fatalf("e-mail field after a wrong password: %q", email)
	}
	must(chromedp.Do(ctx,
		chromedp.SendKeys(css(`input[name="password"]`), "correct horse battery"),
		chromedp.Submit(css(`input[name="password"]`)),
		chromedp.WaitVisible(css(`#waiting`)),
		chromedp.Navigate(e.base+"/console/conversations/"+convID),
		chromedp.WaitVisible(css(`#chat .offer-breaches`)),
	))
	breaches, err := chromedp.Run(ctx, chromedp.Text(css(`#chat .offer-breaches`)))
	must(err)
	times, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#chat .msg time.msg-time")).map(function (t) { return t.dateTime + "|" + t.textContent; })`))
	must(err)
	if !strings.Contains(breaches, "a plan over 12 months asked, the policy allows 6 months at most") || strings.Contains(breaches, "plan_length") {
		t.Errorf("breaches: %q", breaches)
	}
	if len(times) < 2 {
		t.Fatalf("message times: %q", times)
	}
	for _, tm := range times {
		if !strings.HasPrefix(tm, "2024-06-30T10:00:00") || !strings.Contains(tm, ":00") {
			t.Errorf("message time %q", tm)
		}
	}

	// Refuse: a form in the page, no prompt().
	must(chromedp.Do(ctx, chromedp.Click(css(`#chat .offer-actions button.secondary`))))
	formCtx, cancelForm := context.WithTimeout(ctx, 10*time.Second)
	err = chromedp.Do(formCtx, chromedp.WaitVisible(css(`#chat .offer-card form[data-refuse-form]`)))
	cancelForm()
	if n := dialogs.Load(); err != nil || n != 0 {
		t.Fatalf("refuse: no form in the page (%v), %d browser dialogs opened", err, n)
	}
	must(chromedp.Do(ctx,
		chromedp.Click(css(`#chat form[data-refuse-form] input[name="reason"]`)),
		chromedp.SendKeys(css(`#chat form[data-refuse-form] textarea[name="text"]`), "Proposez 6 mois."),
		chromedp.Click(css(`#chat form[data-refuse-form] button[type="submit"]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector("#chat .offer-card .offer-state").textContent === "Refused"`),
	))
	if n := dialogs.Load(); n != 0 {
		t.Fatalf("%d browser dialogs opened", n)
	}
	const want = "Le montant proposé est trop faible. Proposez 6 mois."
	if m := debtor.until("refuse"); m["text"] != want {
		t.Errorf("the debtor read %q", m["text"])
	}
	rec, err := e.db.FindOffer(context.Background(), e.tenantID, offerID)
	if err != nil || rec.Status != negotiation.OfferRefused || rec.Reason != want {
		t.Fatalf("offer after the refusal: %v %+v", err, rec)
	}
	// An internal note: typing it tells the debtor nothing, it is labelled
	// as unseen by the debtor, and the box is unticked once it is sent.
	must(chromedp.Do(ctx,
		chromedp.Click(css(`#chat form[data-chat-form] input[name="note"]`)),
		chromedp.SendKeys(css(`#chat form[data-chat-form] textarea[name="text"]`), "Client de bonne foi, rappeler lundi"),
	))
	quiet := time.After(1500 * time.Millisecond)
drain:
	for {
		select {
		case f := <-debtor.frames:
			if f["type"] == "typing" {
				t.Error("the debtor was told an agent is typing while the agent wrote an internal note")
			}
		case <-quiet:
			break drain
		}
	}
	must(chromedp.Do(ctx,
		chromedp.Click(css(`#chat form[data-chat-form] button[type="submit"]`)),
		chromedp.WaitVisible(css(`#chat .msg-note .note-label`)),
	))
	label, err := chromedp.Run(ctx, chromedp.Text(css(`#chat .msg-note .note-label`)))
	must(err)
	ticked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('#chat form[data-chat-form] input[name="note"]').checked`))
	must(err)
	if !strings.Contains(label, "not seen by the debtor") || ticked {
		t.Errorf("internal note: label %q, box still ticked %v", label, ticked)
	}
	overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	must(err)
	if overflow {
		t.Error("the conversation page overflows at 1366 px")
	}
}
