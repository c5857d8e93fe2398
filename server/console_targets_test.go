package server

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal/store/storetest"
)

// TestQueueResponseTargets: with a creditor's first- and next-response
// targets, the queue says in words how long is left, then how late the
// answer is (marked late, not by colour alone); once an agent has taken
// the conversation the next-response target applies; without targets the
// column says nothing.
func TestQueueResponseTargets(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newChatEnv(t, dialect)
			ctx := context.Background()
			agent := consoleAs{t, e.base, e.cookies[e.agent.ID]}
			full, err := e.db.FindClaim(ctx, e.tenantID, e.claim.ID)
			if err != nil {
				t.Fatal(err)
			}
			debtor := e.debtorClient(t, 0)
			convID := debtor.expect("welcome")["conversation_id"].(string)
			debtor.send(map[string]any{"type": "text", "id": "d-1", "text": "Allô ?"})
			debtor.until("text")
			if q := agent.get("/console"); strings.Contains(q.body, `class="sla`) {
				t.Fatal("a target shown without one set")
			}
			p := negotiation.DefaultPolicy()
			p.Hours = negotiation.BusinessHours{} // always open: minutes are minutes
			p.Response = negotiation.ResponseTargets{FirstMinutes: 30, NextMinutes: 10}
			if err := e.db.SetPolicy(ctx, e.tenantID, full.CreditorID, "", p); err != nil {
				t.Fatal(err)
			}
			start := e.clock.T
			e.clock.T = start.Add(20 * time.Minute)
			q := agent.get("/console")
			mustContain(t, "queue in time", q.body, `<span class="sla" data-due="2024-06-30T10:30:00Z">10 min left (first answer within 30 min)</span>`)
			e.clock.T = start.Add(50 * time.Minute) // within the console session's hour
			q = agent.get("/console")
			mustContain(t, "queue late", q.body, `<span class="sla sla-late" data-due="2024-06-30T10:30:00Z">LATE by 20 min (first answer within 30 min)</span>`)
			if r := agent.do("POST", "/console/conversations/"+convID+"/take", url.Values{"csrf": {agent.csrf()}}); r.status != 303 {
				t.Fatalf("take: %d", r.status)
			}
			// Taken but not answered: still the first answer that is late.
			q = agent.get("/console")
			mustContain(t, "queue after take", q.body, "LATE by 20 min (first answer within 30 min)")
			// Answered, then the debtor writes again: the next-response target.
			ac := e.agentClient(t, e.agent, convID, 0)
			ac.expect("welcome")
			ac.send(map[string]any{"type": "text", "id": "a-1", "text": "Bonjour"})
			ac.next("ack")
			debtor.send(map[string]any{"type": "text", "id": "d-2", "text": "Et alors ?"})
			debtor.next("ack")
			e.clock.T = start.Add(58 * time.Minute) // the debtor wrote at 50
			q = agent.get("/console")
			mustContain(t, "queue after an answer", q.body, "2 min left (next answer within 10 min)")
			if err := e.db.SetUserLanguage(ctx, e.tenantID, e.agent.ID, "fr"); err != nil {
				t.Fatal(err)
			}
			mustContain(t, "queue in French", agent.get("/console").body, "encore 2 min (réponse suivante sous 10 min)")
		})
	}
}

// TestQueueUnread: the queue counts each user's unread messages from the
// debtor, per conversation and in the title; opening the conversation
// reads them for that user only; the page's read mark needs the CSRF
// token and the tenant's conversation.
func TestQueueUnread(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newChatEnv(t, dialect)
			agent := consoleAs{t, e.base, e.cookies[e.agent.ID]}
			owner := consoleAs{t, e.base, e.cookies[e.owner.ID]}
			ownerB := otherTenantOwner(t, e)
			debtor := e.debtorClient(t, 0)
			convID := debtor.expect("welcome")["conversation_id"].(string)
			for i, text := range []string{"Bonjour", "Vous êtes là ?"} {
				debtor.send(map[string]any{"type": "text", "id": "d-" + string(rune('1'+i)), "text": text})
				debtor.until("text")
			}
			for _, u := range []consoleAs{agent, owner} {
				mustContain(t, "queue", u.get("/console").body, `<strong class="unread">2 unread</strong>`, "<title>(2) Queue")
			}
			if p := agent.get("/console/conversations/" + convID); p.status != 200 {
				t.Fatalf("conversation: %d", p.status)
			}
			q := agent.get("/console")
			mustNotContain(t, "agent's queue after reading", q.body, `class="unread"`, "<title>(")
			mustContain(t, "owner's queue", owner.get("/console").body, "2 unread")
			debtor.send(map[string]any{"type": "text", "id": "d-3", "text": "Allô ?"})
			debtor.until("text")
			mustContain(t, "agent's queue after a new message", agent.get("/console").body, "1 unread", "<title>(1) Queue")

			read := "/console/conversations/" + convID + "/read"
			if r := agent.do("POST", read, url.Values{"seq": {"3"}}); r.status != 403 {
				t.Fatalf("read mark without CSRF: %d", r.status)
			}
			if r := ownerB.do("POST", read, url.Values{"csrf": {ownerB.csrf()}, "seq": {"3"}}); r.status != 404 {
				t.Fatalf("read mark by another tenant: %d", r.status)
			}
			if r := agent.do("POST", read, url.Values{"csrf": {agent.csrf()}, "seq": {"x"}}); r.status != 400 {
				t.Fatalf("bad seq: %d", r.status)
			}
			if r := agent.do("POST", read, url.Values{"csrf": {agent.csrf()}, "seq": {"3"}}); r.status != 204 {
				t.Fatalf("read mark: %d %s", r.status, r.body)
			}
			mustNotContain(t, "agent's queue after the mark", agent.get("/console").body, `class="unread"`)
		})
	}
}

// TestConsoleAway: an agent marks themselves away through the bar's CSRF
// form and is back on the page they were on; while away, opening a
// conversation does not tell the debtor an agent is online; back, it does.
func TestConsoleAway(t *testing.T) {
	e := newChatEnv(t, "sqlite")
	ctx := context.Background()
	agent := consoleAs{t, e.base, e.cookies[e.agent.ID]}
	debtor := e.debtorClient(t, 0)
	convID := debtor.expect("welcome")["conversation_id"].(string)
	if r := agent.do("POST", "/console/away", url.Values{"away": {"1"}}); r.status != 403 {
		t.Fatalf("away without CSRF: %d", r.status)
	}
	token := agent.csrf()
	if r := agent.do("POST", "/console/away", url.Values{"csrf": {token}, "away": {"maybe"}}); r.status != 400 {
		t.Fatalf("bad away: %d", r.status)
	}
	r := agent.do("POST", "/console/away", url.Values{"csrf": {token}, "away": {"1"}, "back": {"/console/claims"}})
	if r.status != 303 || r.header.Get("Location") != "/console/claims" {
		t.Fatalf("away: %d %s", r.status, r.header.Get("Location"))
	}
	if u, _ := e.db.FindUser(ctx, e.agent.ID); u == nil || !u.Away {
		t.Fatalf("stored: %+v", u)
	}
	mustContain(t, "bar while away", agent.get("/console/claims").body, "You are away: debtors do not see you online.", `name="away" value="0"`, "I&#39;m back")

	online := func(want bool) {
		t.Helper()
		deadline := time.After(2 * time.Second)
		for {
			select {
			case f, ok := <-debtor.frames:
				if !ok {
					t.Fatal("debtor's connection closed")
				}
				if f["type"] == "presence" && f["agents_online"] == true {
					if !want {
						t.Fatalf("an away agent is announced online: %v", f)
					}
					return
				}
			case <-deadline:
				if want {
					t.Fatal("the agent back is not announced online")
				}
				return
			}
		}
	}
	ws := e.agentClient(t, e.agent, convID, 0)
	ws.expect("welcome")
	online(false)
	ws.c.Close()
	if r := agent.do("POST", "/console/away", url.Values{"csrf": {token}, "away": {"0"}}); r.status != 303 || r.header.Get("Location") != "/console" {
		t.Fatalf("back: %d %s", r.status, r.header.Get("Location"))
	}
	ws2 := e.agentClient(t, e.agent, convID, 0)
	ws2.expect("welcome")
	online(true)
}
