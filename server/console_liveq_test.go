package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/promises"
	"github.com/relais/relais/portal/store/storetest"
)

// queueWatcher dials the live queue with a console session cookie.
func (e *chatEnv) queueWatcher(t *testing.T, cookie string) *wsClient {
	t.Helper()
	h := http.Header{}
	h.Set("Cookie", consoleCookie+"="+cookie)
	w, _, err := e.dial(t, "/console/queue/live", h)
	if err != nil {
		t.Fatal(err)
	}
	if f := w.expect("welcome"); f["role"] != "queue" || num(f["v"]) != ProtocolVersion {
		t.Fatalf("welcome: %v", f)
	}
	return w
}

// TestConsoleQueueLive on both databases: a console user's queue page
// hears on /console/queue/live of every change of its tenant's queue (a
// debtor writing, a take, an agent's answer, a resolution, Hub.QueueChanged),
// with the conversation; another tenant's page hears nothing; the socket wants the
// console session and the base URL as Origin, and answers a frame it does
// not expect with unknown_type.
func TestConsoleQueueLive(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newChatEnv(t, dialect)
			agent := consoleAs{t, e.base, e.cookies[e.agent.ID]}
			ownerB := otherTenantOwner(t, e)
			if _, resp, err := e.dial(t, "/console/queue/live", nil); err == nil || resp == nil || resp.StatusCode != 401 {
				t.Fatalf("without a session: %v %v", err, resp)
			}
			h := http.Header{}
			h.Set("Cookie", consoleCookie+"="+e.cookies[e.agent.ID])
			h.Set("Origin", "http://evil.test")
			if _, resp, err := e.dial(t, "/console/queue/live", h); err == nil || resp == nil || resp.StatusCode != 403 {
				t.Fatalf("from another origin: %v %v", err, resp)
			}
			w := e.queueWatcher(t, e.cookies[e.agent.ID])
			viewer := e.queueWatcher(t, e.cookies[e.viewer.ID])
			other := e.queueWatcher(t, ownerB.cookie)
			changed := func(what, convID string) {
				t.Helper()
				for _, c := range []*wsClient{w, viewer} {
					if f := c.expect("queue"); f["conversation_id"] != convID {
						t.Fatalf("%s: %v", what, f)
					}
				}
			}

			debtor := e.debtorClient(t, 0)
			convID := debtor.expect("welcome")["conversation_id"].(string)
			debtor.send(map[string]any{"type": "text", "id": "d-1", "text": "Bonjour"})
			debtor.until("text")
			changed("a debtor writes", convID)
			if r := agent.do("POST", "/console/conversations/"+convID+"/take", url.Values{"csrf": {agent.csrf()}}); r.status != 303 {
				t.Fatalf("take: %d", r.status)
			}
			changed("a take", convID)
			a := e.agentClient(t, e.agent, convID, 100)
			a.expect("welcome")
			a.send(map[string]any{"type": "text", "id": "a-1", "text": "Je regarde."})
			a.next("ack")
			changed("an answer", convID)
			if r := agent.do("POST", "/console/conversations/"+convID+"/resolve", url.Values{"csrf": {agent.csrf()}}); r.status != 303 {
				t.Fatalf("resolve: %d %s", r.status, r.body)
			}
			changed("a resolution", convID)
			// A change without a message (an assignment) is announced too.
			e.srv.Hub().QueueChanged(context.Background(), e.tenantID, convID)
			changed("QueueChanged", convID)
			other.quiet(300 * time.Millisecond)

			w.send(map[string]any{"type": "text", "text": "?"})
			if f := w.expect("error"); f["code"] != frameUnknownType {
				t.Fatalf("a frame to the queue: %v", f)
			}
		})
	}
}

// TestConsoleQueueLiveTwoInstances: on PostgreSQL the queue page on one
// instance hears of a debtor writing on the other (LISTEN/NOTIFY) and of
// Hub.QueueChanged there, and a
// breach seen late on both instances is recorded once.
func TestConsoleQueueLiveTwoInstances(t *testing.T) {
	a, b := twoInstances(t)
	ctx := context.Background()
	w := b.queueWatcher(t, b.cookies[b.agent.ID])
	debtor := a.debtorClient(t, 0)
	convID := debtor.expect("welcome")["conversation_id"].(string)
	debtor.send(map[string]any{"type": "text", "id": "d-1", "text": "Bonjour"})
	debtor.until("text")
	if f := w.expect("queue"); f["conversation_id"] != convID {
		t.Fatalf("queue frame on the other instance: %v", f)
	}
	a.srv.Hub().QueueChanged(ctx, a.tenantID, convID)
	if f := w.expect("queue"); f["conversation_id"] != convID {
		t.Fatalf("QueueChanged on the other instance: %v", f)
	}
	full, err := a.db.FindClaim(ctx, a.tenantID, a.claim.ID)
	if err != nil {
		t.Fatal(err)
	}
	p := negotiation.DefaultPolicy()
	p.Hours = negotiation.BusinessHours{}
	p.Response = negotiation.ResponseTargets{FirstMinutes: 30}
	if err := a.db.SetPolicy(ctx, a.tenantID, full.CreditorID, "", p); err != nil {
		t.Fatal(err)
	}
	a.clock.T = a.clock.T.Add(45 * time.Minute)
	for _, e := range []*chatEnv{a, b, a} {
		mustContain(t, "late queue", consoleAs{t, e.base, e.cookies[e.agent.ID]}.get("/console").body, "Breach recorded")
	}
	if list, err := a.db.ResponseBreachesOf(ctx, a.tenantID, convID); err != nil || len(list) != 1 {
		t.Fatalf("breaches: %v %d", err, len(list))
	}
}

// TestQueueBreaches on both databases: once a conversation's first answer
// is late the queue says a breach was recorded, in words; reloading does
// not record it twice; the dashboard and its CSV count it, unanswered,
// then answered by the agent and how late; before the target nothing is
// recorded.
func TestQueueBreaches(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newChatEnv(t, dialect)
			ctx := context.Background()
			agent := consoleAs{t, e.base, e.cookies[e.agent.ID]}
			owner := consoleAs{t, e.base, e.cookies[e.owner.ID]}
			full, err := e.db.FindClaim(ctx, e.tenantID, e.claim.ID)
			if err != nil {
				t.Fatal(err)
			}
			p := negotiation.DefaultPolicy()
			p.Hours = negotiation.BusinessHours{}
			p.Response = negotiation.ResponseTargets{FirstMinutes: 30, NextMinutes: 10}
			if err := e.db.SetPolicy(ctx, e.tenantID, full.CreditorID, "", p); err != nil {
				t.Fatal(err)
			}
			debtor := e.debtorClient(t, 0)
			convID := debtor.expect("welcome")["conversation_id"].(string)
			debtor.send(map[string]any{"type": "text", "id": "d-1", "text": "Allô ?"})
			debtor.until("text")
			breaches := func() []*negotiation.ResponseBreach {
				t.Helper()
				list, err := e.db.ResponseBreachesOf(ctx, e.tenantID, convID)
				if err != nil {
					t.Fatal(err)
				}
				return list
			}
			start := e.clock.T
			e.clock.T = start.Add(20 * time.Minute)
			mustNotContain(t, "queue in time", agent.get("/console").body, "Breach recorded")
			if n := len(breaches()); n != 0 {
				t.Fatalf("%d breaches before the target", n)
			}
			e.clock.T = start.Add(50 * time.Minute)
			for range 2 {
				mustContain(t, "queue late", agent.get("/console").body,
					`LATE by 20 min (first answer within 30 min)</span> <strong class="sla-breach">Breach recorded</strong>`)
			}
			list := breaches()
			if len(list) != 1 || list[0].Kind != negotiation.BreachFirst || !list[0].DueAt.Equal(start.Add(30*time.Minute)) ||
				!list[0].BreachedAt.Equal(e.clock.T) || list[0].AnsweredAt != nil || list[0].ClaimID != e.claim.ID {
				t.Fatalf("breaches: %d %+v", len(list), list)
			}
			dash := owner.get("/console/dashboard")
			mustContain(t, "dashboard", dash.body, "Response targets missed", "1 targets missed, 0 answered since, on average 0 s after the due time; 1 still unanswered.")
			csv := owner.get("/console/dashboard.csv?figure=breaches")
			mustContain(t, "dashboard CSV", csv.body, "breaches,first,,missed,1\n", "breaches,next,,missed,0\n", "breaches,all,,unanswered,1\n")

			// The agent answers 5 minutes later (within the console session's hour).
			e.clock.T = start.Add(55 * time.Minute)
			if r := agent.do("POST", "/console/conversations/"+convID+"/take", url.Values{"csrf": {agent.csrf()}}); r.status != 303 {
				t.Fatalf("take: %d", r.status)
			}
			if list := breaches(); list[0].AnsweredAt != nil {
				t.Fatal("a take answered the breach")
			}
			a := e.agentClient(t, e.agent, convID, 100)
			a.expect("welcome")
			a.send(map[string]any{"type": "text", "id": "a-1", "text": "Bonjour, je regarde."})
			a.next("ack")
			if list := breaches(); list[0].AnsweredAt == nil || !list[0].AnsweredAt.Equal(e.clock.T) {
				t.Fatalf("answered: %+v", list[0])
			}
			csv = owner.get("/console/dashboard.csv")
			mustContain(t, "dashboard CSV answered", csv.body, "breaches,all,,answered,1\n", "breaches,all,,unanswered,0\n", "breaches,all,,average_late_seconds,1500\n",
				"response,all,,answered,1\n")
			if !strings.Contains(owner.get("/console/dashboard").body, "1 answered since, on average 25 min 00 s after the due time") {
				t.Fatal("the dashboard does not say how late the answer was")
			}
		})
	}
}

// TestPromiseJudgedLive on both databases: when the promises job judges a
// promise broken, the agents' queue pages hear of it and the chat window
// open on the claim gets the system message at once, as when an agent
// records a promise (the job announces what it committed).
func TestPromiseJudgedLive(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newChatEnv(t, dialect)
			ctx := portal.WithActor(context.Background(), portal.Actor{Kind: portal.ActorUser, ID: e.agent.ID, TenantID: e.tenantID})
			if _, err := e.db.RecordPromise(ctx, e.tenantID, e.claim.ID, portal.PromiseInput{Amount: 5000,
				DueOn: e.today.AddDays(2), Source: portal.PromiseFromAgent}); err != nil {
				t.Fatal(err)
			}
			debtor := e.debtorClient(t, 0)
			convID := debtor.expect("welcome")["conversation_id"].(string)
			w := e.queueWatcher(t, e.cookies[e.agent.ID])
			job := &promises.Job{Store: e.db, Clock: e.clock, Owner: "test", Announce: e.srv.AnnounceSystemMessage}

			e.clock.Advance(time.Duration(2+portal.PromiseGraceDays+1) * 24 * time.Hour)
			rep, ran, err := job.RunOnce(context.Background())
			if err != nil || !ran || rep.Broken != 1 || len(rep.Told) != 1 || rep.Told[0].ClaimID != e.claim.ID {
				t.Fatalf("job: %+v %v %v, want one promise broken and its claim told", rep, ran, err)
			}
			if f := w.expect("queue"); f["conversation_id"] != convID {
				t.Fatalf("queue page: %v, want conversation %s", f, convID)
			}
			if f := debtor.until(string(negotiation.MsgSystem)); !strings.Contains(fmt.Sprint(f["text"]), "50") {
				t.Fatalf("chat window: %v, want the system message of the broken promise", f)
			}
		})
	}
}
