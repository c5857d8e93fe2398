package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/server/browsertest"
)

// TestConsolePreparedRepliesInBrowser: in Chromium an agent types "/hel",
// sees the reply filled from the claim, inserts it with Enter, reads it in
// the message box and sends it: the debtor receives the filled text. A
// reply the claim has no value for is refused with the reason, stays out
// of the box, and "/plan" sent as it is sends nothing.
func TestConsolePreparedRepliesInBrowser(t *testing.T) {
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
	bg := context.Background()
	full, err := e.db.FindClaim(bg, e.tenantID, e.claim.ID)
	must(err)
	for _, r := range []*negotiation.PreparedReply{
		{Name: "hello", Language: "fr", Body: "Bonjour {debtor_name}, il reste {balance}."},
		{Name: "plan", Language: "fr", Body: "Prochaine échéance le {next_due_date}."},
	} {
		r.TenantID, r.CreditorID = e.tenantID, full.CreditorID
		must(e.db.SaveReply(bg, r))
	}
	debtor := e.debtorClient(t, 0)
	convID := debtor.expect("welcome")["conversation_id"].(string)
	debtor.send(map[string]any{"type": "text", "id": "d-1", "text": "Bonjour"})
	debtor.until("text")

	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	box := css(`[data-chat-form] textarea[name="text"]`)
	must(chromedp.Do(ctx,
		browsertest.ConsoleSignIn(e.base, e.agent.Email, "correct horse battery"),
		chromedp.WaitVisible(css(`#waiting`)),
		chromedp.Navigate(e.base+"/console/conversations/"+convID),
		chromedp.WaitVisible(css(`#chat .msg`)),
		chromedp.SendKeys(box, "/hel"),
		chromedp.WaitVisible(css(`[data-replies] li[data-name="hello"]`)),
	))
	filled := "Bonjour Dupont SARL, il reste " + i18n.Money("fr", e.balance, "EUR") + "."
	preview, err := chromedp.Run(ctx, chromedp.Text(css(`[data-replies] li[aria-selected="true"] .replies-preview`)))
	must(err)
	if preview != filled {
		t.Fatalf("preview %q, want %q", preview, filled)
	}
	if plan, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('[data-replies] li[data-name="plan"]').hidden`)); err != nil || !plan {
		t.Fatalf("/plan listed for /hel: %v", err)
	}
	must(chromedp.Do(ctx, chromedp.SendKeys(box, kb.Enter)))
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-chat-form] textarea').value`))
	must(err)
	if got != filled {
		t.Fatalf("message box %q, want %q", got, filled)
	}
	must(chromedp.Do(ctx, chromedp.Click(css(`[data-chat-form] button[type="submit"]`))))
	if m := debtor.until("text"); m["text"] != filled {
		t.Fatalf("debtor received %q", m["text"])
	}

	// A reply the claim has no value for is refused.
	must(chromedp.Do(ctx,
		chromedp.SendKeys(box, "/plan"),
		chromedp.WaitVisible(css(`[data-replies] li[data-name="plan"]`)),
		chromedp.SendKeys(box, kb.Enter),
		chromedp.WaitVisible(css(`[data-replies-problem]`)),
	))
	problem, err := chromedp.Run(ctx, chromedp.Text(css(`[data-replies-problem]`)))
	must(err)
	if !strings.Contains(problem, "{next_due_date}") || !strings.Contains(problem, "/plan") {
		t.Fatalf("problem: %q", problem)
	}
	must(chromedp.Do(ctx, chromedp.Click(css(`[data-chat-form] button[type="submit"]`))))
	got, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-chat-form] textarea').value`))
	must(err)
	if got != "/plan" {
		t.Fatalf("message box after a refused reply: %q", got)
	}
	debtor.quiet(time.Second)
}
