package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store/storetest"
)

// TestConsoleAssignment (issue 21, sharing the load): owners set the
// automatic assignment on the prepared replies page through a
// CSRF-protected form (agents 403, no token 403, another tenant's owner
// changes only their own); a refused form keeps what was typed and
// changes nothing; saving assigns what waits at once, in the agent's open
// chat as a transfer from Relais, and is in the account log and the page's
// history; a debtor's next message is assigned as it arrives; an agent
// marked away hands their waiting conversation on; an agent signing in
// gets what waits.
func TestConsoleAssignment(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newChatEnv(t, dialect)
			ctx := context.Background()
			owner := consoleAs{t, e.base, e.cookies[e.owner.ID]}
			agent := consoleAs{t, e.base, e.cookies[e.agent.ID]}
			ownerB := otherTenantOwner(t, e)
			settings := func(tenantID string) negotiation.AssignmentSettings {
				t.Helper()
				a, err := e.db.AssignmentSettings(ctx, tenantID)
				if err != nil {
					t.Fatal(err)
				}
				return a
			}
			off := negotiation.AssignmentSettings{Strategy: negotiation.AssignOff}

			r := owner.get("/console/replies")
			if s := section(r.body, "assignment"); r.status != 200 || !strings.Contains(s, `action="/console/assignment"`) ||
				!strings.Contains(s, `value="off" checked`) || !strings.Contains(s, "Round robin: each available agent in turn") {
				t.Fatalf("owner's page: %d\n%s", r.status, s)
			}
			token := owner.csrf()
			form := func(csrf, strategy, cap string) url.Values {
				return url.Values{"csrf": {csrf}, "strategy": {strategy}, "cap": {cap}}
			}
			if r := agent.do("POST", "/console/assignment", form(agent.csrf(), "round_robin", "2")); r.status != 403 {
				t.Fatalf("agent: %d", r.status)
			}
			if r := owner.do("POST", "/console/assignment", url.Values{"strategy": {"round_robin"}, "cap": {"2"}}); r.status != 403 {
				t.Fatalf("no CSRF: %d", r.status)
			}
			r = owner.do("POST", "/console/assignment", form(token, "round_robin", "-1"))
			if s := section(r.body, "assignment"); r.status != 400 || !strings.Contains(s, `id="err-cap">Give a whole number from 0 (no cap) to 1000.`) ||
				!strings.Contains(s, `value="-1"`) || !strings.Contains(s, `value="round_robin" checked`) {
				t.Fatalf("bad cap: %d\n%s", r.status, s)
			}
			if r := owner.do("POST", "/console/assignment", form(token, "random", "2")); r.status != 400 || !strings.Contains(r.body, "Choose how conversations are assigned.") {
				t.Fatalf("bad strategy: %d", r.status)
			}
			if a := settings(e.tenantID); a != off {
				t.Fatalf("a refused form changed the settings: %+v", a)
			}

			// The debtor writes while assignment is off: nobody has it.
			debtor := e.debtorClient(t, 0)
			convID := debtor.expect("welcome")["conversation_id"].(string)
			debtor.send(map[string]any{"type": "text", "id": "d-1", "text": "Bonjour"})
			debtor.expect("ack", "message")
			if conv, _ := e.db.FindConversation(ctx, e.tenantID, convID); conv.AgentID != "" {
				t.Fatalf("assigned while off to %s", conv.AgentID)
			}
			watching := e.agentClient(t, e.agent, convID, 0)
			watching.expect("welcome")
			watching.until("text")

			// Saved: what waits is assigned at once, the agent's chat told.
			if r := owner.do("POST", "/console/assignment", form(token, "round_robin", "2")); r.status != 303 || r.header.Get("Location") != "/console/replies?assigned=1#assignment" {
				t.Fatalf("save: %d %v %s", r.status, r.header, r.body)
			}
			if a := settings(e.tenantID); a != (negotiation.AssignmentSettings{Strategy: negotiation.AssignRoundRobin, Cap: 2}) {
				t.Fatalf("stored: %+v", a)
			}
			m := watching.until("transfer")
			if m["to_user_id"] != e.agent.ID || m["author"].(map[string]any)["id"] != negotiation.AssignmentAuthor.ID {
				t.Fatalf("assignment in the agent's chat: %v", m)
			}
			if conv, _ := e.db.FindConversation(ctx, e.tenantID, convID); conv.AgentID != e.agent.ID {
				t.Fatalf("the waiting conversation went to %q, want the agent (first in turn)", conv.AgentID)
			}
			if p := e.lastEvent(t, portal.EventMessageSent); !strings.Contains(p, `"kind":"transfer"`) || !strings.Contains(p, `"author_id":"assignment"`) {
				t.Fatalf("evidence of the assignment: %s", p)
			}
			chs, err := e.db.AccountChanges(ctx, e.tenantID, portal.AccountAssignmentSet, "", 10)
			if err != nil || len(chs) != 1 || chs[0].Actor.ID != e.owner.ID || !strings.Contains(string(chs[0].Payload), `"strategy":"round_robin"`) {
				t.Fatalf("account log: %v %+v", err, chs)
			}
			r = owner.get("/console/replies?assigned=1")
			if s := section(r.body, "assignment"); !strings.Contains(s, `id="assignment-saved"`) || !strings.Contains(s, e.owner.Email) ||
				!strings.Contains(s, "Round robin, at most 2 per agent") || !strings.Contains(s, `value="round_robin" checked`) || !strings.Contains(s, `value="2"`) {
				t.Fatalf("page after saving:\n%s", s)
			}

			// Another tenant's owner, naming A in the form, sets only B's.
			b := form(ownerB.csrf(), "fewest_open", "1")
			b.Set("tenant_id", e.tenantID)
			if r := ownerB.do("POST", "/console/assignment", b); r.status != 303 {
				t.Fatalf("B's owner: %d", r.status)
			}
			if a := settings(e.tenantID); a.Strategy != negotiation.AssignRoundRobin || a.Cap != 2 {
				t.Fatalf("B's owner changed A's settings: %+v", a)
			}
			if chs, _ := e.db.AccountChanges(ctx, e.tenantID, portal.AccountAssignmentSet, "", 10); len(chs) != 1 {
				t.Fatalf("A's account log has %d entries", len(chs))
			}
			if s := section(ownerB.get("/console/replies").body, "assignment"); !strings.Contains(s, `value="fewest_open" checked`) || strings.Contains(s, e.owner.Email) {
				t.Fatalf("B's page:\n%s", s)
			}

			// Live: another debtor writes; the service assigns it as it is
			// stored, to the owner (next in turn; the viewer never).
			other, _ := e.dialDebtor(t, e.extraDebtorCookie(t, "R-2"), nil)
			other.send(map[string]any{"type": "text", "id": "d-2", "text": "Bonjour aussi"})
			other.expect("ack", "message")
			mine, err := e.db.Assigned(ctx, e.tenantID, e.owner.ID, 0)
			if err != nil || len(mine) != 1 || mine[0].ClaimReference != "R-2" || mine[0].LastTransfer == nil || mine[0].LastTransfer.Author.Name != "Relais" {
				t.Fatalf("the owner's conversations: %v %+v", err, mine)
			}
			// The agent marks themselves away: their conversation, still
			// waiting for an answer, goes to the owner (1 open of 2).
			if r := agent.do("POST", "/console/away", url.Values{"csrf": {agent.csrf()}, "away": {"1"}}); r.status != 303 {
				t.Fatalf("away: %d", r.status)
			}
			if conv, _ := e.db.FindConversation(ctx, e.tenantID, convID); conv.AgentID != e.owner.ID {
				t.Fatalf("the away agent's waiting conversation is %q's, want the owner's", conv.AgentID)
			}
			if m := watching.until("transfer"); m["from_user_id"] != e.agent.ID || m["to_user_id"] != e.owner.ID {
				t.Fatalf("hand-over from the away agent: %v", m)
			}

			// Everyone full or away: a third debtor waits, until a new agent
			// signs in and gets it.
			third, _ := e.dialDebtor(t, e.extraDebtorCookie(t, "R-3"), nil)
			third.send(map[string]any{"type": "text", "id": "d-3", "text": "Bonjour enfin"})
			third.expect("ack", "message")
			q, err := e.db.Queue(ctx, e.tenantID, 0)
			if err != nil || len(q) != 3 || q[2].ClaimReference != "R-3" || q[2].AgentID != "" {
				t.Fatalf("queue with everyone full or away: %v %+v", err, q)
			}
			cleo := &portal.User{TenantID: e.tenantID, Email: "cleo@alpha.test", Name: "Cleo", Role: portal.RoleAgent}
			if err := e.db.CreateUser(ctx, cleo, "correct horse battery"); err != nil {
				t.Fatal(err)
			}
			login := consoleAs{t, e.base, ""}
			lr := login.get("/console/login")
			csrf := csrfField.FindStringSubmatch(lr.body)
			var loginCookie string
			for _, line := range lr.header.Values("Set-Cookie") {
				if v, ok := strings.CutPrefix(line, consoleLoginCSRF+"="); ok {
					loginCookie, _, _ = strings.Cut(v, ";")
				}
			}
			req, _ := http.NewRequest("POST", e.base+"/console/login", strings.NewReader(url.Values{"csrf": {csrf[1]}, "email": {cleo.Email}, "password": {"correct horse battery"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(&http.Cookie{Name: consoleLoginCSRF, Value: loginCookie})
			resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 303 {
				t.Fatalf("Cleo signs in: %d", resp.StatusCode)
			}
			if mine, err := e.db.Assigned(ctx, e.tenantID, cleo.ID, 0); err != nil || len(mine) != 1 || mine[0].ClaimReference != "R-3" {
				t.Fatalf("Cleo's conversations after signing in: %v %+v", err, mine)
			}
		})
	}
}
