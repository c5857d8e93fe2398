package server

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/pdffont/pdftest"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/server/browsertest"
)

// recordNotes replaces the page's Notification with a recorder (permission
// granted) and marks the page, to tell a live update from a reload.
const recordNotes = `(function () {
	window.notes = [];
	window.Notification = function (title, o) { window.notes.push(title + "|" + o.body); return { close: function () {} }; };
	window.Notification.permission = "granted";
	window.samePage = true;
	return true;
})()`

// TestAgentWorkspaceJourney is issue 21's done-when test: a debtor and two
// agents, Ann and Bob, each in their own Chromium context. The debtor's
// message raises the unread count in the title and a notification on the
// agents' queue pages without a reload; once the creditor's first-response
// target (5 minutes) has passed, the queue says the answer is late and
// that a breach was recorded; Ann takes the conversation, inserts a
// prepared reply with variables, and the debtor reads it filled; Ann hands
// the conversation over to Bob: his open queue page lists it under his
// conversations with its unread messages (no longer under Ann's), and the
// debtor's next message is counted and notified on his page; the
// transcript PDF reads back (pdftotext) with every message. Ann turns the
// queue's "Sound" on: each refresh that finds more unread plays her a tone
// (data-sound-played); Bob's, off, plays none.
func TestAgentWorkspaceJourney(t *testing.T) {
	bctx := browsertest.Start(t, chromedp.WindowSize(1366, 900))
	e := newChatEnv(t, store.SQLite)
	bob := e.addAgent(t, "Bob Durand")
	ctx := context.Background()
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	full, err := e.db.FindClaim(ctx, e.tenantID, e.claim.ID)
	if err != nil {
		t.Fatal(err)
	}
	reply := &negotiation.PreparedReply{TenantID: e.tenantID, CreditorID: full.CreditorID, Name: "hello", Language: "fr", Body: "Bonjour {debtor_name}, il reste {balance}."}
	if err := e.db.SaveReply(ctx, reply); err != nil {
		t.Fatal(err)
	}
	p := negotiation.DefaultPolicy()
	p.Hours = negotiation.BusinessHours{} // always open: minutes are minutes
	p.Response = negotiation.ResponseTargets{FirstMinutes: 5, NextMinutes: 5}
	if err := e.db.SetPolicy(ctx, e.tenantID, full.CreditorID, "", p); err != nil {
		t.Fatal(err)
	}
	_, token, err := e.db.IssueLink(ctx, e.tenantID, e.claim.ID, portal.ChannelLetter, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	// Both agents are on their queue, live.
	ann := openAgentTab(t, bctx, e.base, e.agent.Email)
	b := openAgentTab(t, bctx, e.base, bob.Email)
	live := chromedp.Poll[chromedp.Void](`document.querySelector("[data-queue-live]").getAttribute("data-live") === "on"`)
	for _, tab := range []*agentTab{ann, b} {
		tab.do(live)
		agentEval[bool](tab, recordNotes)
		if s := tab.text(`[data-queue-live-status]`); s != "Live: the queue updates by itself." {
			t.Fatalf("the queue's live status reads %q", s)
		}
	}
	ann.do(chromedp.Click(css(`[data-sound]`)))
	if s := ann.text(`[data-sound-state]`); s != "On: a short tone when a debtor writes or a conversation waits." {
		t.Fatalf("Ann's sound reads %q", s)
	}
	played := func(tab *agentTab) int {
		t.Helper()
		return agentEval[int](tab, `parseInt(document.querySelector("[data-sound]").getAttribute("data-sound-played"), 10) || 0`)
	}

	// The debtor, in a third context, opens the link and writes.
	dctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(dctx); err != nil {
		t.Fatal(err)
	}
	debtor := &agentTab{t: t, ctx: dctx, dialogs: new(atomic.Int32)}
	debtor.do(chromedp.Navigate(e.base+"/p/"+token),
		chromedp.WaitVisible(chromedp.ID("answer")),
		chromedp.SendKeys(chromedp.ID("answer"), "75011"),
		chromedp.Submit(chromedp.ID("answer")),
		chromedp.WaitVisible(css(`#chat [data-chat-form] textarea[name="text"]`)))
	shows := func(text string) chromedp.Action[chromedp.Void] {
		return chromedp.Poll[chromedp.Void](`Array.prototype.some.call(document.querySelectorAll("#chat .msg-text:not(.sending) .text"), function (p) { return p.textContent === ` + jsQuote(text) + `; })`)
	}
	write := func(text string) {
		t.Helper()
		debtor.do(chromedp.SendKeys(css(`#chat [data-chat-form] textarea[name="text"]`), text),
			chromedp.Click(css(`#chat [data-chat-form] button[type="submit"]`)),
			shows(text))
	}
	titled := func(tab *agentTab, n string) {
		t.Helper()
		tab.do(chromedp.Poll[chromedp.Void](`document.title.indexOf("(` + n + `) ") === 0`))
		if !agentEval[bool](tab, `window.samePage === true`) {
			t.Fatal("the queue page was reloaded")
		}
	}
	notes := func(tab *agentTab) []string {
		t.Helper()
		return agentEval[[]string](tab, `window.notes`)
	}
	const note = "The debtor wrote · R-1|Dupont SARL"

	texts := []string{"Bonjour, je voudrais un délai."}
	write(texts[0])
	for _, tab := range []*agentTab{ann, b} {
		titled(tab, "1")
		if w := tab.text(`#waiting`); !strings.Contains(w, "R-1") || !strings.Contains(w, "1 unread") || !strings.Contains(w, "5 min left (first answer within 5 min)") {
			t.Fatalf("the queue lists %q", w)
		}
		if n := notes(tab); len(n) != 1 || n[0] != note {
			t.Fatalf("notifications: %q", n)
		}
	}
	tones := played(ann)
	if tones < 1 || played(b) != 0 {
		t.Fatalf("tones played: Ann %d (sound on), Bob %d (off)", tones, played(b))
	}

	// The first-response target passes; the debtor writes again.
	e.clock.T = e.clock.T.Add(10 * time.Minute)
	texts = append(texts, "Vous êtes là ?")
	write(texts[1])
	titled(ann, "2")
	if n := played(ann); n <= tones {
		t.Fatalf("Ann's tones after the second message: %d, before %d", n, tones)
	}
	ann.do(chromedp.WaitVisible(css(`#waiting .sla-breach`)))
	if sla := ann.text(`#waiting td:nth-child(5)`); sla != "LATE by 5 min (first answer within 5 min) Breach recorded" {
		t.Fatalf("the queue's answer due reads %q", sla)
	}
	convID := agentEval[string](ann, `document.querySelector("#waiting tr[data-conv]").getAttribute("data-conv")`)
	breaches, err := e.db.ResponseBreachesOf(ctx, e.tenantID, convID)
	if err != nil || len(breaches) != 1 || breaches[0].Kind != negotiation.BreachFirst || breaches[0].AnsweredAt != nil {
		t.Fatalf("breaches: %v %+v", err, breaches)
	}

	// Ann takes it and answers with the prepared reply, filled.
	page := "/console/conversations/" + convID
	box := css(`#chat [data-chat-form] textarea[name="text"]`)
	ann.do(chromedp.Navigate(e.base+page),
		chromedp.WaitVisible(css(`form[action$="/take"] button[type="submit"]`)),
		chromedp.Click(css(`form[action$="/take"] button[type="submit"]`)),
		// The page after the take: its history has the take.
		chromedp.WaitVisible(css(`#chat .msg-transfer .handover-text`)),
		chromedp.Poll[chromedp.Void](`!document.querySelector('form[action$="/take"]')`),
		chromedp.WaitVisible(box),
		chromedp.Poll[chromedp.Void](`document.querySelector("#chat [data-chat-status]").textContent === "Connected."`),
		chromedp.SendKeys(box, "/hel"),
		chromedp.WaitVisible(css(`[data-replies] li[data-name="hello"]`)),
		chromedp.SendKeys(box, kb.Enter))
	filled := "Bonjour Dupont SARL, il reste " + i18n.Money("fr", e.balance, "EUR") + "."
	if got := agentEval[string](ann, `document.querySelector('#chat [data-chat-form] textarea').value`); got != filled {
		t.Fatalf("the message box holds %q, want %q", got, filled)
	}
	ann.do(chromedp.Click(css(`#chat [data-chat-form] button[type="submit"]`)))
	debtor.do(shows(filled))
	if breaches, _ := e.db.ResponseBreachesOf(ctx, e.tenantID, convID); len(breaches) != 1 || breaches[0].AnsweredAt == nil {
		t.Fatalf("the breach after the answer: %+v", breaches)
	}

	// Ann hands it over to Bob, whose open queue page lists it as his,
	// with the messages he has not read.
	if mine := b.text(`#mine`); strings.Contains(mine, "R-1") {
		t.Fatalf("Bob holds it before the hand-over: %q", mine)
	}
	ann.do(chromedp.Click(css(`#chat details:last-of-type summary`)),
		chromedp.SetValue(css(`#chat [data-chat-transfer] select[name="to_user_id"]`), bob.ID),
		chromedp.SendKeys(css(`#chat [data-chat-transfer] textarea[name="text"]`), "Il veut un délai"),
		chromedp.Click(css(`#chat [data-chat-transfer] button[type="submit"]`)),
		chromedp.WaitVisible(css(`#chat [data-held-by]`)))
	b.do(chromedp.Poll[chromedp.Void](`document.querySelector("#mine").textContent.indexOf("R-1") >= 0`))
	if mine := b.text(`#mine`); !strings.Contains(mine, "2 unread") || !strings.Contains(mine, "by Ann agent") || !strings.Contains(mine, "Il veut un délai") {
		t.Fatalf("Bob's conversations: %q", mine)
	}
	titled(b, "2")
	ann.do(chromedp.Navigate(e.base+"/console"), chromedp.WaitVisible(css(`#mine`)))
	if mine := ann.text(`#mine`); strings.Contains(mine, "R-1") {
		t.Fatalf("Ann still holds it: %q", mine)
	}

	// The debtor writes: Bob's page counts it and notifies him.
	agentEval[bool](b, `(window.notes = [], true)`)
	texts = append(texts, "Merci, je paierai en trois fois.")
	write(texts[2])
	titled(b, "3")
	if n := notes(b); len(n) != 1 || n[0] != note {
		t.Fatalf("Bob's notifications: %q", n)
	}
	if n := played(b); n != 0 {
		t.Fatalf("Bob's sound is off, %d tones played", n)
	}
	if mine := b.text(`#mine`); !strings.Contains(mine, "3 unread") {
		t.Fatalf("Bob's conversations after the message: %q", mine)
	}

	// The transcript has every message.
	pdf := consoleAs{t, e.base, e.cookies[bob.ID]}.get(page + "/transcript.pdf")
	if pdf.status != 200 {
		t.Fatalf("transcript: %d", pdf.status)
	}
	text := pdftest.Joined(t, []byte(pdf.body))
	mustContain(t, "transcript", text, append(texts, "Bonjour Dupont SARL, il reste", "Agent Ann agent")...)
	for _, tab := range []*agentTab{ann, b, debtor} {
		if n := tab.dialogs.Load(); n != 0 {
			t.Errorf("%d browser dialogs opened", n)
		}
	}
}
