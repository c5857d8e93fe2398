package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// extraDebtorCookie opens another claim of the env's tenant with a
// verified portal session and returns its cookie value.
func (e *chatEnv) extraDebtorCookie(t *testing.T, ref string) string {
	t.Helper()
	ctx := context.Background()
	c := &portal.Claim{Reference: ref, Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
		Debtor:   &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Debtor " + ref, Language: "fr", Postcode: "75011"},
		Invoices: []*portal.Invoice{{Number: "F-1", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-01-31"), Amount: 100000}}}
	if err := e.db.CreateClaim(ctx, e.tenantID, c); err != nil {
		t.Fatal(err)
	}
	_, token, err := e.db.IssueLink(ctx, e.tenantID, c.ID, portal.ChannelLetter, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	o, err := e.db.OpenLink(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := e.db.CheckIdentity(ctx, o.Session.ID, "75011")
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// dialDebtor opens /p/chat with cookie; it returns the client, or the
// refusal's status when the upgrade was refused.
func (e *chatEnv) dialDebtor(t *testing.T, cookie string, header http.Header) (*wsClient, int) {
	t.Helper()
	if header == nil {
		header = http.Header{}
	}
	header.Set("Cookie", cookieSession+"="+cookie)
	w, resp, err := e.dial(t, "/p/chat", header)
	if err != nil {
		if resp == nil {
			t.Fatalf("dial: %v", err)
		}
		return nil, resp.StatusCode
	}
	w.expect("welcome")
	return w, http.StatusSwitchingProtocols
}

// waitConns waits until the hub holds n connections.
func (e *chatEnv) waitConns(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for e.srv.Hub().Conns() != n {
		if time.Now().After(deadline) {
			t.Fatalf("hub holds %d connections, want %d", e.srv.Hub().Conns(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestChatConnectionLimits (issue 26.9): one portal session holds at most
// 5 chat connections and one client address at most 50 (debtors'); one
// console session at most 5. Past them the upgrade is refused with 429
// before any websocket exists, and a closed connection frees its place.
func TestChatConnectionLimits(t *testing.T) {
	e := newChatEnv(t, store.SQLite)
	t.Run("PerPortalSession", func(t *testing.T) {
		var open []*wsClient
		for i := 0; i < 5; i++ {
			w, st := e.dialDebtor(t, e.debtorCookie, nil)
			if w == nil {
				t.Fatalf("connection %d refused: %d", i+1, st)
			}
			open = append(open, w)
		}
		if _, st := e.dialDebtor(t, e.debtorCookie, nil); st != http.StatusTooManyRequests {
			t.Fatalf("6th connection of one portal session: %d, want 429", st)
		}
		e.waitConns(t, 5)
		// Another session from the same address is not affected.
		other := e.extraDebtorCookie(t, "R-OTHER")
		if w, st := e.dialDebtor(t, other, nil); w == nil {
			t.Fatalf("another session: %d", st)
		} else {
			w.c.Close()
		}
		// Closing one frees its place.
		open[0].c.Close()
		e.waitConns(t, 4)
		w, st := e.dialDebtor(t, e.debtorCookie, nil)
		if w == nil {
			t.Fatalf("after closing one: %d", st)
		}
		open = append(open[1:], w)
		for _, w := range open {
			w.c.Close()
		}
		e.waitConns(t, 0)
	})
	t.Run("PerConsoleSession", func(t *testing.T) {
		d, _ := e.dialDebtor(t, e.debtorCookie, nil)
		conv, err := e.db.OpenConversation(context.Background(), e.tenantID, e.claim.ID)
		if err != nil {
			t.Fatal(err)
		}
		var open []*wsClient
		for i := 0; i < 5; i++ {
			w := e.agentClient(t, e.agent, conv.ID, 0)
			w.expect("welcome")
			open = append(open, w)
		}
		h := http.Header{}
		h.Set("Cookie", consoleCookie+"="+e.cookies[e.agent.ID])
		if _, resp, err := e.dial(t, "/console/chat/"+conv.ID, h); err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("6th connection of one console session: %v %v, want 429", err, resp)
		}
		// Another user's session is not affected.
		w := e.agentClient(t, e.owner, conv.ID, 0)
		w.expect("welcome")
		open = append(open, w, d)
		for _, w := range open {
			w.c.Close()
		}
		e.waitConns(t, 0)
	})
	t.Run("PerAddress", func(t *testing.T) {
		var open []*wsClient
		for s := 0; len(open) < 50; s++ {
			cookie := e.extraDebtorCookie(t, fmt.Sprintf("R-ADDR-%d", s))
			for i := 0; i < 5 && len(open) < 50; i++ {
				w, st := e.dialDebtor(t, cookie, nil)
				if w == nil {
					t.Fatalf("connection %d refused: %d", len(open)+1, st)
				}
				open = append(open, w)
			}
		}
		cookie := e.extraDebtorCookie(t, "R-ADDR-LAST")
		if _, st := e.dialDebtor(t, cookie, nil); st != http.StatusTooManyRequests {
			t.Fatalf("51st debtor connection from one address: %d, want 429", st)
		}
		e.waitConns(t, 50)
		// Agents are limited per console session only.
		conv, err := e.db.OpenConversation(context.Background(), e.tenantID, e.claim.ID)
		if err != nil {
			t.Fatal(err)
		}
		a := e.agentClient(t, e.agent, conv.ID, 0)
		a.expect("welcome")
		a.c.Close()
		for _, w := range open {
			w.c.Close()
		}
		e.waitConns(t, 0)
	})
}

// TestChatConversationRate (issue 26.9): at most 30 messages a minute are
// stored per conversation and side, whatever the number of connections;
// past it a frame is answered with a rate_limited error frame in the
// debtor's language and nothing is stored; the agents' side keeps its own
// allowance, and the debtor's refills with time.
func TestChatConversationRate(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			e := newChatEnv(t, d)
			var tabs []*wsClient
			for i := 0; i < 3; i++ {
				w, st := e.dialDebtor(t, e.debtorCookie, nil)
				if w == nil {
					t.Fatalf("tab %d: %d", i+1, st)
				}
				tabs = append(tabs, w)
			}
			conv, err := e.db.OpenConversation(context.Background(), e.tenantID, e.claim.ID)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 30; i++ {
				w := tabs[i%3]
				id := fmt.Sprintf("m-%d", i)
				w.send(map[string]any{"type": "text", "id": id, "text": "message " + id})
				if a := w.next("ack", "error"); a["type"] != "ack" || a["id"] != id {
					t.Fatalf("message %d: %v", i+1, a)
				}
			}
			for i, w := range tabs {
				id := fmt.Sprintf("over-%d", i)
				w.send(map[string]any{"type": "text", "id": id, "text": "one too many"})
				f := w.next("ack", "error")
				if f["type"] != "error" || f["id"] != id || f["code"] != frameRateLimited || f["reason"] != reasonConversationRate {
					t.Fatalf("message past the limit on tab %d: %v", i+1, f)
				}
				if f["message"] != chatTexts[reasonConversationRate]["fr"] {
					t.Fatalf("error message %q, want the French text", f["message"])
				}
			}
			if n := len(e.messages(t, conv.ID)); n != 30 {
				t.Fatalf("%d messages stored, want 30", n)
			}
			// The agents are not silenced by the debtor's flood.
			agent := e.agentClient(t, e.agent, conv.ID, 0)
			agent.expect("welcome")
			agent.send(map[string]any{"type": "text", "id": "agent-1", "text": "Bonjour"})
			if a := agent.next("ack", "error"); a["type"] != "ack" {
				t.Fatalf("agent's message: %v", a)
			}
			// Half a message a second comes back (on the limiter's clock,
			// the env's); a retry of a stored message (a duplicate) does not
			// use it up.
			e.clock.Advance(2200 * time.Millisecond)
			tabs[0].send(map[string]any{"type": "text", "id": "m-0", "text": "message m-0"})
			if a := tabs[0].next("ack", "error"); a["type"] != "ack" || a["duplicate"] != true {
				t.Fatalf("retry of a stored message: %v", a)
			}
			tabs[1].send(map[string]any{"type": "text", "id": "later", "text": "later"})
			if a := tabs[1].next("ack", "error"); a["type"] != "ack" {
				t.Fatalf("after 2 s: %v", a)
			}
			if n := len(e.messages(t, conv.ID)); n != 32 {
				t.Fatalf("%d messages stored, want 32", n)
			}
		})
	}
}

// TestHubSlots: a place reserved at the upgrade is given back when its
// connection ends, or after the pending time when the connection never
// started (fasthttp could not write the 101 answer); release is
// idempotent; a place taken under several keys counts under each.
func TestHubSlots(t *testing.T) {
	h := NewHub(nil, nil, slog.Default())
	h.pendingTTL = 50 * time.Millisecond
	key := func(k string) slotKey { return slotKey{k, 2} }
	a, err := h.reserve(key("s1"), slotKey{"addr:x", 3})
	if err != nil {
		t.Fatal(err)
	}
	b, err := h.reserve(key("s1"), slotKey{"addr:x", 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.reserve(key("s1"), slotKey{"addr:x", 3}); portal.ErrorCode(err) != portal.ERATELIMIT {
		t.Fatalf("third place of s1: %v", err)
	}
	c, err := h.reserve(key("s2"), slotKey{"addr:x", 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.reserve(key("s3"), slotKey{"addr:x", 3}); portal.ErrorCode(err) != portal.ERATELIMIT {
		t.Fatalf("fourth place of addr:x: %v", err)
	}
	a.activate() // a started; b and c never do
	time.Sleep(150 * time.Millisecond)
	h.mu.Lock()
	got := fmt.Sprint(h.slots)
	h.mu.Unlock()
	if got != "map[addr:x:1 s1:1]" {
		t.Fatalf("after the pending time: %s", got)
	}
	b.release() // expired already: nothing more given back
	c.release()
	a.release()
	a.release()
	h.mu.Lock()
	n := len(h.slots)
	h.mu.Unlock()
	if n != 0 {
		t.Fatalf("places left: %v", h.slots)
	}
}
