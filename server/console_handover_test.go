package server

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store/storetest"
)

// addAgent adds a second agent to e's tenant with a console session.
func (e *chatEnv) addAgent(t testing.TB, name string) *portal.User {
	t.Helper()
	ctx := context.Background()
	u := &portal.User{TenantID: e.tenantID, Email: strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@alpha.test", Name: name, Role: portal.RoleAgent}
	if err := e.db.CreateUser(ctx, u, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	_, tok, err := e.db.CreateConsoleSession(ctx, u, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	e.cookies[u.ID] = tok
	return u
}

// section is the HTML of the queue page's section with that id.
func section(body, id string) string {
	i := strings.Index(body, `<section id="`+id+`"`)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], "</section>")
	return body[i : i+j]
}

// TestConsoleHandover (issue 25.2): agent Ann takes a conversation and
// hands it to Bob with a note. Bob finds it under "My conversations" with
// who handed it over and why, and the history names both of them; owners
// see who holds it; Ann reads it without a composer, beside "held by Bob —
// take it over"; taking it over and writing in it are refused in Ann's
// own language (a console page, a chat error naming Bob), never JSON; an
// owner takes it over and the history says from whom.
func TestConsoleHandover(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			e := newChatEnv(t, d)
			ctx := context.Background()
			bob := e.addAgent(t, "Bob Durand")
			ann := consoleAs{t, e.base, e.cookies[e.agent.ID]}
			bobC := consoleAs{t, e.base, e.cookies[bob.ID]}
			owner := consoleAs{t, e.base, e.cookies[e.owner.ID]}
			viewer := consoleAs{t, e.base, e.cookies[e.viewer.ID]}

			debtor := e.debtorClient(t, 0)
			convID := debtor.expect("welcome")["conversation_id"].(string)
			debtor.send(map[string]any{"type": "text", "id": "d-1", "text": "Bonjour"})
			debtor.expect("ack", "message")
			page := "/console/conversations/" + convID

			// Ann takes it from the queue: a page, recorded in the history.
			if r := ann.do("POST", page+"/take", url.Values{"csrf": {ann.csrf()}}); r.status != 303 || r.header.Get("Location") != page {
				t.Fatalf("Ann takes: %d %v %s", r.status, r.header, r.body)
			}
			if conv, _ := e.db.FindConversation(ctx, e.tenantID, convID); conv.AgentID != e.agent.ID {
				t.Fatalf("after the take the conversation is %q's", conv.AgentID)
			}
			a := e.agentClient(t, e.agent, convID, 0)
			a.expect("welcome")
			if m := a.until("transfer"); m["to_user_id"] != e.agent.ID || m["author"].(map[string]any)["id"] != e.agent.ID {
				t.Fatalf("take message: %v", m)
			}
			a.send(map[string]any{"type": "text", "id": "a-1", "text": "Bonjour, je regarde votre dossier."})
			a.next("ack")
			a.send(map[string]any{"type": "transfer", "id": "a-2", "to_user_id": bob.ID, "text": "Il rappelle lundi, voir l'échéancier"})
			if f := a.next("ack", "error"); f["type"] != "ack" {
				t.Fatalf("transfer: %v", f)
			}

			// The transfer names both agents, in the message Bob replays.
			b := e.agentClient(t, bob, convID, 0)
			b.expect("welcome")
			var tr map[string]any
			for tr == nil || tr["to_user_id"] != bob.ID {
				tr = b.until("transfer")
			}
			if tr["to_name"] != "Bob Durand" || tr["from_name"] != "Ann agent" || tr["text"] != "Il rappelle lundi, voir l'échéancier" {
				t.Fatalf("transfer message: %v", tr)
			}

			// Nobody is waiting any more, but Bob holds it, with its hand-over.
			q := bobC.get("/console/")
			mine := section(q.body, "mine")
			if q.status != 200 || !strings.Contains(mine, "R-1") || !strings.Contains(mine, "by Ann agent") ||
				!strings.Contains(mine, "Il rappelle lundi, voir l&#39;échéancier") || !strings.Contains(mine, page) {
				t.Fatalf("Bob's conversations: %d %q", q.status, mine)
			}
			if annMine := section(ann.get("/console/").body, "mine"); strings.Contains(annMine, "R-1") || annMine == "" {
				t.Fatalf("Ann's conversations after the hand-over: %q", annMine)
			}
			held := section(owner.get("/console/").body, "held")
			if !strings.Contains(held, "R-1") || !strings.Contains(held, "Bob Durand") {
				t.Fatalf("the owner's list does not say Bob holds it: %q", held)
			}
			if v := viewer.get("/console/").body; strings.Contains(v, `id="mine"`) || strings.Contains(v, `id="held"`) {
				t.Fatal("a viewer has lists of held conversations")
			}

			// Ann reads it, without composer, with who holds it.
			p := ann.get(page)
			if p.status != 200 || strings.Contains(p.body, "data-chat-form") || strings.Contains(p.body, "data-chat-offer") ||
				!strings.Contains(p.body, "data-held-by") || !strings.Contains(p.body, "Held by Bob Durand") || strings.Contains(p.body, bob.ID+"</") {
				t.Fatalf("Ann's page: %d\n%s", p.status, p.body)
			}
			if bp := bobC.get(page); !strings.Contains(bp.body, "data-chat-form") || strings.Contains(bp.body, "data-held-by") {
				t.Fatal("Bob's page has no composer")
			}

			// In German, Ann's take-over is refused on a console page naming Bob.
			if err := e.db.SetUserLanguage(ctx, e.tenantID, e.agent.ID, "de"); err != nil {
				t.Fatal(err)
			}
			r := ann.do("POST", page+"/take", url.Values{"csrf": {ann.csrf()}})
			if r.status != 409 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") ||
				!strings.Contains(r.body, "Bob Durand betreut dieses Gespräch") || strings.Contains(r.body, `{"error"`) {
				t.Fatalf("Ann takes it over: %d %s\n%s", r.status, r.header.Get("Content-Type"), r.body)
			}
			// Writing is refused in German too, naming Bob.
			a2 := e.agentClient(t, e.agent, convID, 100)
			a2.expect("welcome")
			a2.send(map[string]any{"type": "text", "id": "a-3", "text": "Encore moi"})
			f := a2.next("error", "ack")
			if f["code"] != "forbidden" || f["reason"] != "conversation.held" || !strings.Contains(f["message"].(string), "Bob Durand betreut dieses Gespräch") {
				t.Fatalf("Ann writes: %v", f)
			}
			// A viewer may not take it: a page, not JSON.
			if r := viewer.do("POST", page+"/take", url.Values{"csrf": {viewer.csrf()}}); r.status != 403 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
				t.Fatalf("viewer takes: %d %s", r.status, r.header.Get("Content-Type"))
			}

			// The owner takes it over: the history says from Bob.
			if r := owner.do("POST", page+"/take", url.Values{"csrf": {owner.csrf()}}); r.status != 303 {
				t.Fatalf("owner takes over: %d %s", r.status, r.body)
			}
			msgs := e.messages(t, convID)
			last := msgs[len(msgs)-1]
			if last.Kind != negotiation.MsgTransfer || last.Author.ID != e.owner.ID || last.ToUserID != e.owner.ID || last.FromName != "Bob Durand" {
				t.Fatalf("take-over message: %+v", last)
			}
			if conv, _ := e.db.FindConversation(ctx, e.tenantID, convID); conv.AgentID != e.owner.ID {
				t.Fatalf("after the take-over the conversation is %q's", conv.AgentID)
			}
			// Bob, connected, is told live.
			if m := b.until("transfer"); m["to_user_id"] != e.owner.ID || m["from_name"] != "Bob Durand" {
				t.Fatalf("Bob's live take-over message: %v", m)
			}
			// The debtor was told nothing of it all.
			for quiet := time.After(300 * time.Millisecond); ; {
				select {
				case f := <-debtor.frames:
					if m, _ := f["msg"].(map[string]any); m != nil && m["kind"] == "transfer" {
						t.Fatalf("the debtor received a transfer: %v", m)
					}
					continue
				case <-quiet:
				}
				break
			}
		})
	}
}

// TestChatOutsidePolicy (issue 25.4): an agent's counter-offer outside the
// policy, or acceptance of a debtor's offer that breaks it, is refused in
// words until the agent confirms it and gives a reason; the reason and the
// breaches are kept with the offer and in its event, never sent to the
// debtor.
func TestChatOutsidePolicy(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			e := newChatEnv(t, d)
			ctx := context.Background()
			debtor := e.debtorClient(t, 0)
			convID := debtor.expect("welcome")["conversation_id"].(string)
			agent := e.agentClient(t, e.agent, convID, 0)
			agent.expect("welcome")
			const why = "Client au chômage, accord du créancier le 28 juin"

			// Half the balance in settlement: the default policy allows no discount.
			half := map[string]any{"kind": "settlement", "amount": e.balance / 2}
			agent.send(map[string]any{"type": "counter_offer", "id": "c-1", "offer": half})
			f := agent.next("error", "ack")
			v, _ := f["verdict"].(map[string]any)
			if f["type"] != "error" || f["code"] != "invalid" || f["reason"] != "offer.outside_policy" || f["field"] != "confirm_outside_policy" ||
				v == nil || v["breaches"].([]any)[0].(map[string]any)["bound"] != "max_discount" ||
				!strings.Contains(f["message"].(string), "outside the creditor's policy") {
				t.Fatalf("unconfirmed counter-offer: %v", f)
			}
			agent.send(map[string]any{"type": "counter_offer", "id": "c-2", "offer": half, "confirm_outside_policy": true, "policy_reason": "  "})
			if f := agent.next("error", "ack"); f["field"] != "policy_reason" || f["reason"] != "offer.outside_policy" {
				t.Fatalf("confirmed without a reason: %v", f)
			}
			if offers, _ := e.db.ClaimOffers(ctx, e.tenantID, e.claim.ID); len(offers) != 0 {
				t.Fatalf("a refused counter-offer was stored: %+v", offers)
			}
			if conv, _ := e.db.FindConversation(ctx, e.tenantID, convID); conv.AgentID != "" {
				t.Fatal("a refused counter-offer took the conversation")
			}
			agent.send(map[string]any{"type": "counter_offer", "id": "c-3", "offer": half, "confirm_outside_policy": true, "policy_reason": why})
			if f := agent.next("error", "ack"); f["type"] != "ack" {
				t.Fatalf("confirmed counter-offer: %v", f)
			}
			var counter map[string]any
			for counter == nil {
				if m := debtor.message(); m["kind"] == "counter_offer" {
					counter = m
				}
			}
			if b, _ := json.Marshal(counter); strings.Contains(string(b), why) {
				t.Fatalf("the debtor read the agent's reason: %s", b)
			}
			rec, err := e.db.FindOffer(ctx, e.tenantID, counter["offer_id"].(string))
			if err != nil || rec.PolicyOverride == nil || rec.PolicyOverride.Reason != why || rec.PolicyOverride.By.ID != e.agent.ID ||
				len(rec.PolicyOverride.Breaches) != 1 || rec.PolicyOverride.Breaches[0].Bound != negotiation.BoundMaxDiscount {
				t.Fatalf("counter-offer record: %v %+v", err, rec)
			}
			if p := e.lastEvent(t, portal.EventOfferMade); !strings.Contains(p, why) || !strings.Contains(p, "max_discount") {
				t.Fatalf("offer.made event: %s", p)
			}

			// The debtor asks 12 months where 6 are allowed; accepting it
			// needs the same confirmation.
			debtor.send(map[string]any{"type": "offer", "id": "d-1", "offer": map[string]any{
				"kind": "plan", "count": 12, "amount": (e.balance + 11) / 12, "first_date": "2024-07-15", "frequency": "monthly", "method": "transfer"}})
			offerID := agent.until("offer")["offer_id"].(string)
			agent.send(map[string]any{"type": "accept", "id": "a-1", "offer_id": offerID})
			if f := agent.next("error", "ack"); f["reason"] != "offer.outside_policy" || f["verdict"] == nil {
				t.Fatalf("unconfirmed acceptance: %v", f)
			}
			if rec, _ := e.db.FindOffer(ctx, e.tenantID, offerID); rec.Status != negotiation.OfferProposed {
				t.Fatalf("refused acceptance changed the offer: %s", rec.Status)
			}
			agent.send(map[string]any{"type": "accept", "id": "a-2", "offer_id": offerID, "confirm_outside_policy": true, "policy_reason": why})
			if f := agent.next("error", "ack"); f["type"] != "ack" {
				t.Fatalf("confirmed acceptance: %v", f)
			}
			rec, err = e.db.FindOffer(ctx, e.tenantID, offerID)
			if err != nil || rec.Status != negotiation.OfferAccepted || rec.PolicyOverride == nil || rec.PolicyOverride.Reason != why ||
				rec.PolicyOverride.Breaches[0].Bound != negotiation.BoundPlanLength {
				t.Fatalf("accepted offer: %v %+v", err, rec)
			}
			if p := e.lastEvent(t, portal.EventOfferAccepted); !strings.Contains(p, why) || !strings.Contains(p, "plan_length") {
				t.Fatalf("offer.accepted event: %s", p)
			}
			if b, _ := json.Marshal(debtor.until("accept")); strings.Contains(string(b), why) {
				t.Fatalf("the debtor read the reason: %s", b)
			}
			// The claim panel says who went outside the policy and why.
			pg := consoleAs{t, e.base, e.cookies[e.agent.ID]}.get("/console/conversations/" + convID)
			if !strings.Contains(pg.body, "sent outside the policy by Ann agent") || !strings.Contains(pg.body, "accord du créancier le 28 juin") {
				t.Fatalf("the claim panel does not show the override:\n%s", pg.body)
			}
		})
	}
}

// lastEvent is the payload of the claim's last event of kind.
func (e *chatEnv) lastEvent(t *testing.T, kind portal.EventKind) string {
	t.Helper()
	evs, err := e.db.ListEvents(context.Background(), e.tenantID, e.claim.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Kind == kind {
			return evs[i].Payload
		}
	}
	return ""
}

// TestChatOwnerHeldConversation: an owner's chat frames in a conversation
// another agent holds are refused with an error frame naming the holder,
// as the console page gives them no composer, and nothing is stored; once
// the owner took it over, they write in it.
func TestChatOwnerHeldConversation(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			e := newChatEnv(t, d)
			ann := consoleAs{t, e.base, e.cookies[e.agent.ID]}
			owner := consoleAs{t, e.base, e.cookies[e.owner.ID]}
			debtor := e.debtorClient(t, 0)
			convID := debtor.expect("welcome")["conversation_id"].(string)
			page := "/console/conversations/" + convID
			if r := ann.do("POST", page+"/take", url.Values{"csrf": {ann.csrf()}}); r.status != 303 {
				t.Fatalf("Ann takes: %d %s", r.status, r.body)
			}
			before := len(e.messages(t, convID))
			o := e.agentClient(t, e.owner, convID, 0)
			o.expect("welcome")
			for i, fr := range []map[string]any{
				{"type": "text", "id": "o-1", "text": "Je prends la main"},
				{"type": "note", "id": "o-2", "text": "note de l'owner"},
				{"type": "counter_offer", "id": "o-3", "offer": map[string]any{"kind": "lump_sum", "amount": 100000}},
			} {
				o.send(fr)
				f := o.next("error", "ack")
				if f["type"] != "error" || f["id"] != fr["id"] || f["code"] != "forbidden" || f["reason"] != "conversation.held" ||
					!strings.Contains(f["message"].(string), "Ann agent") {
					t.Fatalf("frame %d by the owner: %v", i, f)
				}
			}
			if n := len(e.messages(t, convID)); n != before {
				t.Fatalf("%d messages stored from refused frames", n-before)
			}
			if r := owner.do("POST", page+"/take", url.Values{"csrf": {owner.csrf()}}); r.status != 303 {
				t.Fatalf("owner takes over: %d %s", r.status, r.body)
			}
			o.send(map[string]any{"type": "text", "id": "o-4", "text": "Je prends la main"})
			if f := o.next("ack", "error"); f["type"] != "ack" {
				t.Fatalf("the owner writes once holding it: %v", f)
			}
		})
	}
}
