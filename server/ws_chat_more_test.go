package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

func TestChatReconnectAndRetry(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			e := newChatEnv(t, d)
			debtor := e.debtorClient(t, 0)
			convID := debtor.expect("welcome")["conversation_id"].(string)
			for i := 1; i <= 3; i++ {
				debtor.send(map[string]any{"type": "text", "id": fmt.Sprintf("d-%d", i), "text": fmt.Sprintf("message %d", i)})
				if a := debtor.expect("ack", "message"); num(a["seq"]) != int64(i) {
					t.Fatalf("ack %d: %v", i, a)
				}
			}
			// A send retried after a lost ack is stored once and acked with
			// the same seq.
			debtor.send(map[string]any{"type": "text", "id": "d-2", "text": "message 2"})
			if a := debtor.expect("ack", "message"); num(a["seq"]) != 2 || a["duplicate"] != true {
				t.Fatalf("retry ack: %v", a)
			}
			if n := len(e.messages(t, convID)); n != 3 {
				t.Fatalf("%d messages stored, want 3", n)
			}
			debtor.c.Close()

			// While the debtor is away the agent writes twice (and a note).
			agent := e.agentClient(t, e.agent, convID, 3)
			agent.expect("welcome")
			agent.send(map[string]any{"type": "text", "id": "a-1", "text": "réponse 1"})
			agent.expect("ack", "message", "presence")
			agent.send(map[string]any{"type": "note", "id": "a-2", "text": "note interne"})
			agent.expect("ack", "message", "presence")
			agent.send(map[string]any{"type": "text", "id": "a-3", "text": "réponse 2"})
			agent.expect("ack", "message", "presence")

			// Back with the last seq it has: it gets what it missed, in
			// order, without the note, and nothing twice.
			again := e.debtorClient(t, 3)
			again.expect("welcome")
			m1, m2 := again.message(), again.message()
			if m1["text"] != "réponse 1" || num(m1["seq"]) != 4 || m2["text"] != "réponse 2" || num(m2["seq"]) != 6 {
				t.Fatalf("replay: %v / %v", m1, m2)
			}
			again.quiet(200 * time.Millisecond)
			// Live messages continue after the replay.
			agent.send(map[string]any{"type": "text", "id": "a-4", "text": "réponse 3"})
			if m := again.message(); num(m["seq"]) != 7 {
				t.Fatalf("live after replay: %v", m)
			}
		})
	}
}

func TestChatDoubleAccept(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			e := newChatEnv(t, d)
			debtor := e.debtorClient(t, 0)
			convID := debtor.expect("welcome")["conversation_id"].(string)
			// Outside the policy (a 50 % settlement): it waits for an agent.
			debtor.send(map[string]any{"type": "offer", "id": "d-1", "offer": map[string]any{"kind": "settlement", "amount": e.balance / 2}})
			debtor.expect("ack", "message")
			offerID := debtor.until("offer")["offer_id"].(string)
			// The owner and the agent accept at the same moment.
			owner := e.agentClient(t, e.owner, convID, 1)
			agent := e.agentClient(t, e.agent, convID, 1)
			owner.expect("welcome")
			agent.expect("welcome")
			var wg sync.WaitGroup
			for i, c := range []*wsClient{owner, agent} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c.send(map[string]any{"type": "accept", "id": fmt.Sprintf("acc-%d", i), "offer_id": offerID,
						"confirm_outside_policy": true, "policy_reason": "Le débiteur a perdu son emploi"})
				}()
			}
			wg.Wait()
			results := map[string]int{}
			for _, c := range []*wsClient{owner, agent} {
				f := c.next("ack", "error")
				results[f["type"].(string)+":"+fmt.Sprint(f["code"])]++
			}
			if results["ack:<nil>"] != 1 || results["error:conflict"]+results["error:forbidden"] != 1 {
				t.Fatalf("want one ack and one refusal, got %v", results)
			}
			rec, _ := e.db.FindOffer(context.Background(), e.tenantID, offerID)
			if rec.Status != negotiation.OfferAccepted {
				t.Fatalf("offer %s", rec.Status)
			}
			n := 0
			for _, m := range e.messages(t, convID) {
				if m.Kind == negotiation.MsgAccept {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("%d accept messages stored", n)
			}
		})
	}
}

func TestChatAutoAccept(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			e := newChatEnv(t, d)
			debtor := e.debtorClient(t, 0)
			convID := debtor.expect("welcome")["conversation_id"].(string)
			// 3 monthly instalments on ~€1,100: inside the 6-month band and
			// above the €20 minimum, accepted by Relais on a Sunday.
			debtor.send(map[string]any{"type": "offer", "id": "d-1", "offer": map[string]any{
				"kind": "plan", "count": 3, "amount": (e.balance + 2) / 3, "first_date": "2024-07-01", "frequency": "monthly", "method": "transfer"}})
			if a := debtor.expect("ack", "message"); num(a["seq"]) != 1 {
				t.Fatal(a)
			}
			acc := debtor.until("accept")
			if acc["author"].(map[string]any)["kind"] != "system" || acc["agreement_id"] == nil {
				t.Fatalf("auto accept: %v", acc)
			}
			if q, _ := e.db.Queue(context.Background(), e.tenantID, 0); len(q) != 0 {
				t.Fatalf("auto-accepted offer still queued: %+v", q)
			}
			ag, _ := e.db.FindAgreement(context.Background(), e.tenantID, acc["agreement_id"].(string))
			last := ag.Schedule.Instalments[2]
			if ag.Schedule.Total != e.balance || last.Amount != e.balance-2*((e.balance+2)/3) || last.DueOn != portal.MustDate("2024-09-01") {
				t.Fatalf("schedule: %+v", ag.Schedule)
			}
			_ = convID
		})
	}
}

func TestChatBadFrames(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			e := newChatEnv(t, d)
			debtor := e.debtorClient(t, 0)
			convID := debtor.expect("welcome")["conversation_id"].(string)
			plan := func(f func(o map[string]any)) map[string]any {
				o := map[string]any{"kind": "plan", "count": 3, "amount": 40000, "first_date": "2024-07-15", "frequency": "monthly", "method": "card"}
				f(o)
				return o
			}
			raw := func(s string) {
				debtor.mu.Lock()
				defer debtor.mu.Unlock()
				_ = debtor.c.WriteMessage(websocket.TextMessage, []byte(s))
			}
			for _, tt := range []struct {
				name   string
				send   func()
				code   string
				reason string
			}{
				{"Malformed", func() { raw(`{"type":"text",`) }, "malformed", ""},
				{"NotAnObject", func() { raw(`[1,2]`) }, "malformed", ""},
				{"UnknownField", func() { raw(`{"type":"text","id":"x","txt":"a"}`) }, "malformed", ""},
				{"UnknownType", func() { debtor.send(map[string]any{"type": "bribe", "id": "u-1"}) }, "unknown_type", ""},
				{"Oversize", func() {
					debtor.send(map[string]any{"type": "text", "id": "big", "text": strings.Repeat("a", maxMessageSize)})
				}, "too_large", ""},
				{"Binary", func() {
					debtor.mu.Lock()
					_ = debtor.c.WriteMessage(websocket.BinaryMessage, []byte("x"))
					debtor.mu.Unlock()
				}, "malformed", ""},
				{"NoClientID", func() { debtor.send(map[string]any{"type": "text", "text": "hi"}) }, "invalid", ""},
				{"ZeroAmount", func() {
					debtor.send(map[string]any{"type": "offer", "id": "o-1", "offer": plan(func(o map[string]any) { o["amount"] = 0 })})
				}, "invalid", "offer.amount_not_positive"},
				{"NegativeAmount", func() {
					debtor.send(map[string]any{"type": "offer", "id": "o-2", "offer": plan(func(o map[string]any) { o["amount"] = -100 })})
				}, "invalid", "offer.amount_not_positive"},
				{"OverflowingAmount", func() { raw(`{"type":"offer","id":"o-3","offer":{"kind":"settlement","amount":1e30}}`) }, "invalid", "offer.amount_too_large"},
				{"PastDate", func() {
					debtor.send(map[string]any{"type": "offer", "id": "o-4", "offer": plan(func(o map[string]any) { o["first_date"] = "2024-06-01" })})
				}, "invalid", "offer.date_past"},
				{"TooManyInstalments", func() {
					debtor.send(map[string]any{"type": "offer", "id": "o-5", "offer": plan(func(o map[string]any) { o["count"] = 500; o["amount"] = 100 })})
				}, "invalid", "offer.too_many_instalments"},
				{"DebtorNote", func() { debtor.send(map[string]any{"type": "note", "id": "n-1", "text": "x"}) }, "forbidden", ""},
				{"AcceptUnknownOffer", func() {
					debtor.send(map[string]any{"type": "accept", "id": "a-1", "offer_id": portal.NewID(time.Now())})
				}, "not_found", ""},
			} {
				t.Run(tt.name, func(t *testing.T) {
					tt.send()
					f := debtor.expect("error")
					if f["code"] != tt.code || (tt.reason != "" && f["reason"] != tt.reason) || f["message"] == "" {
						t.Fatalf("got %v, want code %s reason %s", f, tt.code, tt.reason)
					}
					if tt.reason != "" && !strings.ContainsAny(f["message"].(string), "éèàô") && !strings.Contains(f["message"].(string), "montant") && !strings.Contains(f["message"].(string), "date") {
						t.Fatalf("message not in French: %q", f["message"])
					}
				})
			}
			// Nothing was stored, and the connection is still open.
			if n := len(e.messages(t, convID)); n != 0 {
				t.Fatalf("%d messages stored from rejected frames", n)
			}
			time.Sleep(1500 * time.Millisecond) // let the bucket refill a little
			debtor.send(map[string]any{"type": "text", "id": "ok-1", "text": "still here"})
			if a := debtor.expect("ack", "message"); num(a["seq"]) != 1 {
				t.Fatal(a)
			}

			// An agent acting on a conversation another agent holds.
			agent := e.agentClient(t, e.agent, convID, 0)
			agent.expect("welcome")
			agent.send(map[string]any{"type": "text", "id": "a-1", "text": "je prends"})
			agent.expect("ack", "message", "presence")
			viewer := e.agentClient(t, e.viewer, convID, 0)
			viewer.expect("welcome")
			viewer.send(map[string]any{"type": "text", "id": "v-1", "text": "x"})
			if f := viewer.expect("error", "message", "presence"); f["code"] != "forbidden" {
				t.Fatal(f)
			}

			// A flood is answered with rate_limited, then the connection is closed.
			for i := 0; i < 200; i++ {
				if err := func() error {
					debtor.mu.Lock()
					defer debtor.mu.Unlock()
					return debtor.c.WriteMessage(websocket.TextMessage, []byte(`{"type":"typing"}`))
				}(); err != nil {
					break
				}
			}
			limited := false
			for f := range debtor.frames {
				limited = limited || f["code"] == "rate_limited"
			}
			if code := <-debtor.closed; !limited || code != websocket.ClosePolicyViolation {
				t.Fatalf("flood: rate_limited seen %v, close code %d", limited, code)
			}
		})
	}
}

func TestChatUpgradeChecks(t *testing.T) {
	e := newChatEnv(t, store.SQLite)
	h := http.Header{}
	h.Set("Cookie", cookieSession+"="+e.debtorCookie)
	h.Set("Origin", "https://evil.example")
	if _, resp, err := e.dial(t, "/p/chat", h); err == nil || resp == nil || resp.StatusCode != 403 {
		t.Fatalf("foreign origin accepted: %v %v", err, resp)
	}
	if _, resp, err := e.dial(t, "/p/chat", nil); err == nil || resp == nil || resp.StatusCode != 401 {
		t.Fatalf("no session accepted: %v %v", err, resp)
	}
	h = http.Header{}
	h.Set("Cookie", consoleCookie+"=forged")
	if _, resp, err := e.dial(t, "/console/chat/"+portal.NewID(time.Now()), h); err == nil || resp == nil || resp.StatusCode != 401 {
		t.Fatalf("forged console cookie accepted: %v %v", err, resp)
	}
	// Shutdown: every connection gets 1001.
	debtor := e.debtorClient(t, 0)
	debtor.expect("welcome")
	go e.srv.Shutdown(2 * time.Second)
	for range debtor.frames {
	}
	if code := <-debtor.closed; code != websocket.CloseGoingAway {
		t.Fatalf("close code on shutdown %d, want 1001", code)
	}
}

// twoInstances starts two servers on one PostgreSQL database, each with
// its own connection pool and LISTEN connection, as two instances behind a
// load balancer; b shares a's tenant, claim and users.
func twoInstances(t *testing.T, tune ...func(*Config)) (a, b *chatEnv) {
	t.Helper()
	clock := &portal.FixedClock{T: testClock}
	url := storetest.URL(t, store.Postgres)
	open := func() *store.DB {
		db, err := store.Open(url, store.Options{Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	dbA, dbB := open(), open()
	if err := dbA.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	a = newChatEnvOn(t, dbA, clock, nil, tune...)
	return a, newChatEnvOn(t, dbB, clock, a, tune...)
}

// TestChatTwoInstances: two servers on one PostgreSQL database, the debtor
// on one and the agent on the other, talk through LISTEN/NOTIFY.
func TestChatTwoInstances(t *testing.T) {
	a, b := twoInstances(t)
	debtor := a.debtorClient(t, 0)
	convID := debtor.expect("welcome")["conversation_id"].(string)
	agent := b.agentClient(t, b.agent, convID, 0)
	agent.expect("welcome")
	time.Sleep(300 * time.Millisecond) // both listeners are up
	debtor.send(map[string]any{"type": "text", "id": "d-1", "text": "bonjour depuis A"})
	if m := agent.message(); m["text"] != "bonjour depuis A" {
		t.Fatalf("agent on B: %v", m)
	}
	agent.send(map[string]any{"type": "text", "id": "a-1", "text": "bonjour depuis B"})
	m := debtor.message()
	if num(m["seq"]) == 1 { // its own message, echoed
		m = debtor.message()
	}
	if m["text"] != "bonjour depuis B" || num(m["seq"]) != 2 {
		t.Fatalf("debtor on A: %v", m)
	}
	agent.send(map[string]any{"type": "typing"})
	if f := debtor.expect("typing", "message", "ack"); f["from"] != "agent" {
		t.Fatal(f)
	}
}

// TestChatPresenceAcrossInstances: the debtor on instance A is told when an
// agent opens or leaves the conversation on instance B; a debtor arriving
// on A while the agent is on B is welcomed with agents_online; and the
// agents announced by an instance that died without a word are forgotten
// once their announcement lapses.
func TestChatPresenceAcrossInstances(t *testing.T) {
	fast := func(c *Config) { c.PresenceEvery, c.PresenceTTL = 100*time.Millisecond, 600*time.Millisecond }
	a, b := twoInstances(t, fast)
	debtor := a.debtorClient(t, 0)
	w := debtor.expect("welcome")
	if w["agents_online"] == true {
		t.Fatalf("welcome with no agent anywhere: %v", w)
	}
	convID := w["conversation_id"].(string)
	time.Sleep(300 * time.Millisecond) // both listeners are up

	agent := b.agentClient(t, b.agent, convID, 0)
	agent.expect("welcome")
	if f := debtor.next("presence"); f["agents_online"] != true {
		t.Fatalf("agent joined on B, debtor on A told %v", f)
	}
	// Renewals keep the agent present well past one TTL.
	time.Sleep(1500 * time.Millisecond)
	second := a.debtorClient(t, 0)
	if f := second.expect("welcome"); f["agents_online"] != true {
		t.Fatalf("a second tab on A while the agent is on B: %v", f)
	}
	agent.c.Close()
	for { // renewals sent before the close may still come in first
		if f := debtor.next("presence"); f["agents_online"] != true {
			break
		}
	}

	// An instance that dies after announcing an agent: its announcement
	// lapses and the debtor is told.
	ghost, _ := json.Marshal(busNote{Conversation: convID, Event: "presence", Agents: 1, Instance: "ghost"})
	published := time.Now()
	if err := b.db.ChatBus().Publish(context.Background(), string(ghost)); err != nil {
		t.Fatal(err)
	}
	if f := debtor.next("presence"); f["agents_online"] != true {
		t.Fatalf("ghost agent announced: %v", f)
	}
	for {
		if f := debtor.next("presence"); f["agents_online"] != true {
			break
		}
	}
	if waited := time.Since(published); waited < 300*time.Millisecond {
		t.Errorf("the ghost's announcement lapsed after %s, before its TTL", waited)
	}
}

// TestChatLongHistory opens a conversation of 1,200 messages (a long
// negotiation) from scratch: the debtor and the agent each get the whole
// history in order, the debtor without the internal notes, and stay
// connected for live messages. The history is larger than a connection's
// queue, so it must be streamed at the client's pace.
func TestChatLongHistory(t *testing.T) {
	e := newChatEnv(t, store.SQLite)
	ctx := context.Background()
	conv, err := e.db.OpenConversation(ctx, e.tenantID, e.claim.ID)
	if err != nil {
		t.Fatal(err)
	}
	const total = 1200
	notes := 0
	for i := range total {
		kind := negotiation.MsgText
		if i%10 == 0 {
			kind, notes = negotiation.MsgNote, notes+1
		}
		if _, _, err := e.db.PostMessage(ctx, &negotiation.Message{TenantID: e.tenantID, ConversationID: conv.ID, ClientID: fmt.Sprint("h-", i),
			Kind: kind, Author: negotiation.Author{Kind: portal.ActorUser, ID: e.agent.ID, Name: "Ann"}, Text: fmt.Sprintf("message %d of a long negotiation", i)}); err != nil {
			t.Fatal(err)
		}
	}
	read := func(w *wsClient, want int) {
		t.Helper()
		var last int64
		for n := 0; n < want; n++ {
			m := w.message()
			if seq := num(m["seq"]); seq <= last {
				t.Fatalf("seq %d after %d", seq, last)
			} else {
				last = seq
			}
			if !w.internalOK && (m["kind"] == "note") {
				t.Fatalf("the debtor got an internal note: %v", m)
			}
		}
	}
	debtor := e.debtorClient(t, 0)
	debtor.expect("welcome")
	read(debtor, total-notes)
	agent := e.agentClient(t, e.agent, conv.ID, 0)
	agent.internalOK = true
	agent.expect("welcome")
	read(agent, total)
	// Both are live afterwards.
	debtor.send(map[string]any{"type": "text", "id": "after-history", "text": "still here"})
	if m := agent.message(); m["client_id"] != "after-history" {
		t.Fatalf("live message after the history: %v", m)
	}
}

// TestChatPresenceNewInstance: an instance started while an agent is on a
// conversation elsewhere knows it at once (it asks the others when it
// starts listening), not at their next renewal 20 s later.
func TestChatPresenceNewInstance(t *testing.T) {
	a, b := twoInstances(t)
	debtor := a.debtorClient(t, 0)
	convID := debtor.expect("welcome")["conversation_id"].(string)
	time.Sleep(300 * time.Millisecond) // both listeners are up
	agent := b.agentClient(t, b.agent, convID, 0)
	agent.expect("welcome")
	if f := debtor.next("presence"); f["agents_online"] != true {
		t.Fatalf("debtor on A: %v", f)
	}
	dbC, err := store.Open(a.db.URL, store.Options{Clock: a.clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dbC.Close() })
	c := newChatEnvOn(t, dbC, a.clock, a)
	deadline := time.Now().Add(3 * time.Second)
	for {
		w := c.debtorClient(t, 0)
		online := w.expect("welcome")["agents_online"] == true
		w.c.Close()
		if online {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("a new instance did not learn of the agent on B within 3 s (renewals come every 20 s)")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
