package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// assignTeam is a tenant with its console users and waiting conversations.
type assignTeam struct {
	t      *testing.T
	db     *store.DB
	clock  *portal.FixedClock
	tenant *portal.Tenant
	n      int
}

func (tm *assignTeam) user(name string, role portal.Role) *portal.User {
	tm.t.Helper()
	u := &portal.User{TenantID: tm.tenant.ID, Email: fmt.Sprintf("%s@%s.test", name, tm.tenant.ID), Name: name, Role: role}
	if err := tm.db.CreateUser(context.Background(), u, "correct horse battery"); err != nil {
		tm.t.Fatal(err)
	}
	return u
}

// waiting opens a conversation on a new claim in which the debtor writes,
// a minute after the previous one: the queue's order is the creation order.
func (tm *assignTeam) waiting() *negotiation.Conversation {
	tm.t.Helper()
	ctx := context.Background()
	tm.n++
	if tm.clock != nil {
		tm.clock.Advance(time.Minute)
	}
	c := newClaim(fmt.Sprintf("AS-%d", tm.n))
	if err := tm.db.CreateClaim(ctx, tm.tenant.ID, c); err != nil {
		tm.t.Fatal(err)
	}
	conv, err := tm.db.OpenConversation(ctx, tm.tenant.ID, c.ID)
	if err != nil {
		tm.t.Fatal(err)
	}
	tm.write(conv)
	return conv
}

// write is a debtor's message in conv: it waits again.
func (tm *assignTeam) write(conv *negotiation.Conversation) {
	tm.t.Helper()
	if _, _, err := tm.db.PostMessage(context.Background(), &negotiation.Message{TenantID: tm.tenant.ID, ConversationID: conv.ID,
		ClientID: portal.NewID(time.Now()), Kind: negotiation.MsgText, Author: debtorAuthor(), Text: "bonjour"}); err != nil {
		tm.t.Fatal(err)
	}
}

func (tm *assignTeam) set(s negotiation.AssignStrategy, cap int) {
	tm.t.Helper()
	if err := tm.db.SetAssignmentSettings(context.Background(), tm.tenant.ID, negotiation.AssignmentSettings{Strategy: s, Cap: cap}); err != nil {
		tm.t.Fatal(err)
	}
}

// assign runs the assignment and returns who got each conversation.
func (tm *assignTeam) assign() map[string]string {
	tm.t.Helper()
	got, err := tm.db.AssignWaiting(context.Background(), tm.tenant.ID)
	if err != nil {
		tm.t.Fatal(err)
	}
	out := map[string]string{}
	for _, a := range got {
		if a.Conversation.AgentID != a.Message.ToUserID || a.Message.Kind != negotiation.MsgTransfer || a.Message.Seq != a.Conversation.LastSeq {
			tm.t.Fatalf("assignment %+v with message %+v", a.Conversation, a.Message)
		}
		if _, twice := out[a.Conversation.ID]; twice {
			tm.t.Fatalf("conversation %s assigned twice in one run", a.Conversation.ID)
		}
		out[a.Conversation.ID] = a.Message.ToUserID
	}
	return out
}

func (tm *assignTeam) holder(conv *negotiation.Conversation) string {
	tm.t.Helper()
	c, err := tm.db.FindConversation(context.Background(), tm.tenant.ID, conv.ID)
	if err != nil {
		tm.t.Fatal(err)
	}
	return c.AgentID
}

func newTeam(t *testing.T, db *store.DB, clock *portal.FixedClock, name string) *assignTeam {
	return &assignTeam{t: t, db: db, clock: clock, tenant: seedTenant(t, db, name)}
}

// TestAssignmentSettings: a tenant's assignment is off until an owner sets
// it; bad settings are refused naming the field; each change is in the
// account log with its actor.
func TestAssignmentSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b := seedTenant(t, db, "Alpha"), seedTenant(t, db, "Beta")
		t.Run("OK", func(t *testing.T) {
			got, err := db.AssignmentSettings(ctx, a.ID)
			if err != nil || got != (negotiation.AssignmentSettings{Strategy: negotiation.AssignOff}) {
				t.Fatalf("default: %v %+v", err, got)
			}
			owner := portal.WithActor(ctx, portal.Actor{Kind: portal.ActorUser, ID: "u-owner", TenantID: a.ID})
			want := negotiation.AssignmentSettings{Strategy: negotiation.AssignFewestOpen, Cap: 5}
			if err := db.SetAssignmentSettings(owner, a.ID, want); err != nil {
				t.Fatal(err)
			}
			if got, _ := db.AssignmentSettings(ctx, a.ID); got != want {
				t.Fatalf("stored %+v, want %+v", got, want)
			}
			if other, _ := db.AssignmentSettings(ctx, b.ID); other.Strategy != negotiation.AssignOff {
				t.Fatalf("another tenant's settings changed: %+v", other)
			}
			log, err := db.AccountChanges(ctx, a.ID, portal.AccountAssignmentSet, "", 0)
			if err != nil || len(log) != 1 || log[0].Actor.ID != "u-owner" {
				t.Fatalf("account log: %v %+v", err, log)
			}
			var p struct {
				Assignment negotiation.AssignmentSettings
			}
			if err := json.Unmarshal(log[0].Payload, &p); err != nil || p.Assignment != want {
				t.Fatalf("account log payload %s: %v", log[0].Payload, err)
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			for _, bad := range []negotiation.AssignmentSettings{{Strategy: "random"}, {Strategy: negotiation.AssignRoundRobin, Cap: -1},
				{Strategy: negotiation.AssignRoundRobin, Cap: negotiation.MaxAssignCap + 1}} {
				if err := db.SetAssignmentSettings(ctx, a.ID, bad); portal.ErrorCode(err) != portal.EINVALID {
					t.Errorf("%+v: %v", bad, err)
				}
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			if err := db.SetAssignmentSettings(ctx, "nope", negotiation.AssignmentSettings{Strategy: negotiation.AssignOff}); portal.ErrorCode(err) != portal.ENOTFOUND {
				t.Fatalf("unknown tenant: %v", err)
			}
			if _, err := db.AssignmentSettings(ctx, "nope"); portal.ErrorCode(err) != portal.ENOTFOUND {
				t.Fatalf("unknown tenant: %v", err)
			}
		})
	})
}

// TestAssignWaiting: each strategy gives waiting conversations to the
// agents it should, never to a viewer, an agent away or another tenant's
// agent, within the cap; an agent under the cap again, back from away, or
// the settings turned on get the conversations still waiting; an away
// agent's waiting conversations go to one who is there; each assignment is
// a transfer from Relais in the claim's evidence.
func TestAssignWaiting(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			clock := &portal.FixedClock{T: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
			db := storetest.MustOpen(t, dialect, clock)
			ctx := context.Background()

			t.Run("Off", func(t *testing.T) {
				tm := newTeam(t, db, clock, "Off")
				tm.user("ann", portal.RoleAgent)
				conv := tm.waiting()
				if got := tm.assign(); len(got) != 0 || tm.holder(conv) != "" {
					t.Fatalf("assigned while off: %v", got)
				}
				tm.set(negotiation.AssignRoundRobin, 0) // turned on: what waits is assigned
				if got := tm.assign(); len(got) != 1 || tm.holder(conv) == "" {
					t.Fatalf("after turning on: %v", got)
				}
			})

			t.Run("RoundRobin", func(t *testing.T) {
				tm := newTeam(t, db, clock, "RoundRobin")
				other := newTeam(t, db, clock, "Elsewhere")
				eve := other.user("eve", portal.RoleAgent)
				elsewhere := other.waiting()
				other.set(negotiation.AssignOff, 0)
				ann, bob, olga := tm.user("ann", portal.RoleAgent), tm.user("bob", portal.RoleAgent), tm.user("olga", portal.RoleOwner)
				tm.user("vic", portal.RoleViewer)
				al := tm.user("al", portal.RoleAgent)
				if err := db.SetUserAway(ctx, tm.tenant.ID, al.ID, true); err != nil {
					t.Fatal(err)
				}
				tm.set(negotiation.AssignRoundRobin, 0)
				var convs []*negotiation.Conversation
				for range 4 {
					convs = append(convs, tm.waiting())
				}
				got := tm.assign()
				// Every agent in turn (none assigned yet: by id), then the first again.
				turn := []string{ann.ID, bob.ID, olga.ID}
				if ann.ID > bob.ID || bob.ID > olga.ID {
					t.Fatalf("users' ids not in creation order: %s %s %s", ann.ID, bob.ID, olga.ID)
				}
				for i, conv := range convs {
					if want := turn[i%3]; got[conv.ID] != want || tm.holder(conv) != want {
						t.Errorf("conversation %d went to %s (holder %s), want %s", i, got[conv.ID], tm.holder(conv), want)
					}
				}
				if again := tm.assign(); len(again) != 0 {
					t.Fatalf("a second run assigned %v", again)
				}
				// The next in turn is bob, whichever conversation comes.
				next := tm.waiting()
				if got := tm.assign(); got[next.ID] != bob.ID {
					t.Fatalf("next went to %v, want bob", got)
				}
				if other.holder(elsewhere) != "" {
					t.Fatal("another tenant's conversation was assigned")
				}
				for _, conv := range append(convs, next) {
					if h := tm.holder(conv); h == al.ID || h == eve.ID {
						t.Fatalf("assigned to an agent away or of another tenant: %s", h)
					}
				}
				// The evidence: a transfer from Relais naming the agent, as a take.
				evs, err := db.ListEvents(ctx, tm.tenant.ID, convs[0].ClaimID, 0, 0)
				if err != nil {
					t.Fatal(err)
				}
				last := evs[len(evs)-1]
				var p map[string]any
				_ = json.Unmarshal([]byte(last.Payload), &p)
				if last.Kind != portal.EventMessageSent || last.Actor.Kind != portal.ActorSystem || p["kind"] != "transfer" ||
					p["to_user_id"] != ann.ID || p["to_name"] != "ann" || p["author_id"] != "assignment" || p["conversation_id"] != convs[0].ID {
					t.Fatalf("assignment event %s by %+v: %v", last.Kind, last.Actor, p)
				}
				mine, err := db.Assigned(ctx, tm.tenant.ID, ann.ID, 0)
				if err != nil || len(mine) != 2 || mine[0].LastTransfer == nil || mine[0].LastTransfer.Author.Name != "Relais" {
					t.Fatalf("ann's conversations: %v %+v", err, mine)
				}
				// Still waiting (nobody answered yet), now held: in the queue with its agent.
				q, err := db.Queue(ctx, tm.tenant.ID, 0)
				if err != nil || len(q) != 5 || q[0].AgentName != "ann" {
					t.Fatalf("queue: %v %+v", err, q)
				}
			})

			t.Run("FewestOpen", func(t *testing.T) {
				tm := newTeam(t, db, clock, "Fewest")
				ann, bob, olga := tm.user("ann", portal.RoleAgent), tm.user("bob", portal.RoleAgent), tm.user("olga", portal.RoleOwner)
				// Held by hand before: ann 2, olga 1; a resolved one does not count.
				for _, who := range []*portal.User{ann, ann, olga, bob} {
					conv := tm.waiting()
					if _, err := db.TakeConversation(ctx, tm.tenant.ID, conv.ID, who.ID, false); err != nil {
						t.Fatal(err)
					}
					if who == bob {
						if _, _, err := db.ResolveConversation(ctx, negotiation.Resolution{TenantID: tm.tenant.ID, ConversationID: conv.ID,
							Agent: negotiation.Author{Kind: portal.ActorUser, ID: bob.ID}, Text: "Résolu"}); err != nil {
							t.Fatal(err)
						}
					}
				}
				tm.set(negotiation.AssignFewestOpen, 0)
				c1, c2, c3 := tm.waiting(), tm.waiting(), tm.waiting()
				got := tm.assign()
				// bob 0 → bob; bob 1 = olga 1, olga's turn is older → olga; bob 1 < 2 → bob.
				if got[c1.ID] != bob.ID || got[c2.ID] != olga.ID || got[c3.ID] != bob.ID || len(got) != 3 {
					t.Fatalf("assigned %v, want c1 bob, c2 olga, c3 bob (ann %s bob %s olga %s)", got, ann.ID, bob.ID, olga.ID)
				}
			})

			t.Run("Cap", func(t *testing.T) {
				tm := newTeam(t, db, clock, "Cap")
				ann, bob := tm.user("ann", portal.RoleAgent), tm.user("bob", portal.RoleAgent)
				tm.set(negotiation.AssignRoundRobin, 1)
				c1, c2, c3 := tm.waiting(), tm.waiting(), tm.waiting()
				got := tm.assign()
				if len(got) != 2 || got[c1.ID] != ann.ID || got[c2.ID] != bob.ID || tm.holder(c3) != "" {
					t.Fatalf("with a cap of 1: %v, c3 held by %q", got, tm.holder(c3))
				}
				// bob resolves his: under the cap again, he gets c3.
				if _, _, err := db.ResolveConversation(ctx, negotiation.Resolution{TenantID: tm.tenant.ID, ConversationID: c2.ID,
					Agent: negotiation.Author{Kind: portal.ActorUser, ID: bob.ID}, Text: "Résolu"}); err != nil {
					t.Fatal(err)
				}
				if got := tm.assign(); len(got) != 1 || got[c3.ID] != bob.ID {
					t.Fatalf("after bob resolved his: %v", got)
				}
				// A cap raised: the next waiting one is assigned at once.
				c4 := tm.waiting()
				if got := tm.assign(); len(got) != 0 {
					t.Fatalf("over the cap: %v", got)
				}
				tm.set(negotiation.AssignRoundRobin, 2)
				if got := tm.assign(); got[c4.ID] != ann.ID {
					t.Fatalf("cap raised: %v", got)
				}
			})

			t.Run("Away", func(t *testing.T) {
				tm := newTeam(t, db, clock, "Away")
				ann, bob := tm.user("ann", portal.RoleAgent), tm.user("bob", portal.RoleAgent)
				tm.set(negotiation.AssignFewestOpen, 0)
				c1 := tm.waiting()
				if got := tm.assign(); got[c1.ID] != ann.ID {
					t.Fatalf("first: %v", got)
				}
				if err := db.SetUserAway(ctx, tm.tenant.ID, ann.ID, true); err != nil {
					t.Fatal(err)
				}
				c2 := tm.waiting()
				got := tm.assign()
				// c1 still waits for an answer: it leaves ann, away, for bob.
				if len(got) != 2 || got[c1.ID] != bob.ID || got[c2.ID] != bob.ID {
					t.Fatalf("with ann away: %v", got)
				}
				msgs, err := db.Messages(ctx, tm.tenant.ID, c1.ID, 0, 0, true)
				if err != nil {
					t.Fatal(err)
				}
				if last := msgs[len(msgs)-1]; last.Kind != negotiation.MsgTransfer || last.FromUserID != ann.ID || last.FromName != "ann" || last.ToName != "bob" {
					t.Fatalf("transfer from the away agent: %+v", last)
				}
				// Nobody there: what waits stays unassigned until someone is back.
				if err := db.SetUserAway(ctx, tm.tenant.ID, bob.ID, true); err != nil {
					t.Fatal(err)
				}
				c3 := tm.waiting()
				if got := tm.assign(); len(got) != 0 || tm.holder(c3) != "" {
					t.Fatalf("with everyone away: %v", got)
				}
				if err := db.SetUserAway(ctx, tm.tenant.ID, ann.ID, false); err != nil {
					t.Fatal(err)
				}
				got = tm.assign()
				if len(got) != 3 || got[c1.ID] != ann.ID || got[c2.ID] != ann.ID || got[c3.ID] != ann.ID {
					t.Fatalf("ann back: %v", got)
				}
				// A conversation an agent answered is not taken from them when they go away.
				if _, _, err := db.PostMessage(ctx, &negotiation.Message{TenantID: tm.tenant.ID, ConversationID: c3.ID, ClientID: "answer",
					Kind: negotiation.MsgText, Author: negotiation.Author{Kind: portal.ActorUser, ID: ann.ID}, Text: "Bonjour"}); err != nil {
					t.Fatal(err)
				}
				if err := db.SetUserAway(ctx, tm.tenant.ID, bob.ID, false); err != nil {
					t.Fatal(err)
				}
				if err := db.SetUserAway(ctx, tm.tenant.ID, ann.ID, true); err != nil {
					t.Fatal(err)
				}
				got = tm.assign()
				if len(got) != 2 || got[c3.ID] != "" || tm.holder(c3) != ann.ID {
					t.Fatalf("an answered conversation left its away agent: %v, c3 held by %s", got, tm.holder(c3))
				}
			})
		})
	}
}

// TestConcurrentAssignment: two instances (two stores and negotiation
// services on one database) assign many conversations at once while
// debtors write and agents resolve: no conversation is assigned twice, no agent goes over the cap,
// and none is left waiting unassigned while an agent has room.
func TestConcurrentAssignment(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			url := storetest.URL(t, dialect)
			db1 := storetest.MustOpenURL(t, url, portal.SystemClock{})
			db2 := storetest.MustOpenURL(t, url, portal.SystemClock{})
			ctx := context.Background()
			tm := newTeam(t, db1, nil, "Busy")
			var agents []*portal.User
			for i := range 4 {
				agents = append(agents, tm.user(fmt.Sprintf("agent%d", i), portal.RoleAgent))
			}
			const cap, n = 5, 40
			tm.set(negotiation.AssignFewestOpen, cap)
			convs := make([]*negotiation.Conversation, n)
			for i := range convs {
				c := newClaim(fmt.Sprintf("CC-%d", i))
				if err := db1.CreateClaim(ctx, tm.tenant.ID, c); err != nil {
					t.Fatal(err)
				}
				var err error
				if convs[i], err = db1.OpenConversation(ctx, tm.tenant.ID, c.ID); err != nil {
					t.Fatal(err)
				}
			}
			// Each conversation's debtor writes through the negotiation
			// service of either instance, which assigns after storing it.
			services := []*negotiation.Service{{Store: db1, Assignments: db1, Clock: portal.SystemClock{}},
				{Store: db2, Assignments: db2, Clock: portal.SystemClock{}}}
			var wg sync.WaitGroup
			for i, conv := range convs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					debtor := negotiation.Participant{Kind: portal.ActorDebtor, ID: "sess", TenantID: tm.tenant.ID, ClaimID: conv.ClaimID}
					out, err := services[i%2].Handle(ctx, debtor, conv, negotiation.Input{Type: negotiation.MsgText, ClientID: "d-1", Text: "bonjour"})
					if err != nil || out.AssignErr != nil {
						t.Error(err, out)
					}
				}()
			}
			wg.Wait()
			check := func(when string, wantHeld int) {
				t.Helper()
				open := map[string]int{}
				held := 0
				for _, conv := range convs {
					c, err := db2.FindConversation(ctx, tm.tenant.ID, conv.ID)
					if err != nil {
						t.Fatal(err)
					}
					msgs, err := db2.Messages(ctx, tm.tenant.ID, conv.ID, 0, 0, true)
					if err != nil {
						t.Fatal(err)
					}
					auto := 0
					for _, m := range msgs {
						if m.Kind == negotiation.MsgTransfer && m.Author.ID == negotiation.AssignmentAuthor.ID {
							auto++
						}
					}
					if auto > 1 || (auto == 1) != (c.AgentID != "") {
						t.Errorf("%s: conversation %s held by %q after %d automatic assignments", when, conv.ID, c.AgentID, auto)
					}
					if c.AgentID != "" {
						held++
						if c.State != negotiation.StateClosed {
							open[c.AgentID]++
						}
					}
				}
				for id, k := range open {
					if k > cap {
						t.Errorf("%s: agent %s has %d open conversations, over the cap of %d", when, id, k, cap)
					}
				}
				if held != wantHeld {
					t.Errorf("%s: %d conversations assigned, want %d", when, held, wantHeld)
				}
			}
			check("after the debtors wrote", len(agents)*cap)

			// The agents resolve two conversations each at once, each on
			// either instance, and assign after: as many of those waiting
			// are assigned.
			var resolved sync.Map
			for i, a := range agents {
				wg.Add(1)
				go func() {
					defer wg.Done()
					db := []*store.DB{db1, db2}[i%2]
					mine, err := db.Assigned(ctx, tm.tenant.ID, a.ID, 0)
					if err != nil || len(mine) != cap {
						t.Errorf("agent %d holds %d (%v)", i, len(mine), err)
						return
					}
					for _, it := range mine[:2] {
						if _, _, err := db.ResolveConversation(ctx, negotiation.Resolution{TenantID: tm.tenant.ID, ConversationID: it.ID,
							Agent: negotiation.Author{Kind: portal.ActorUser, ID: a.ID}, Text: "Résolu"}); err != nil {
							t.Error(err)
							return
						}
						resolved.Store(it.ID, true)
						if _, err := db.AssignWaiting(ctx, tm.tenant.ID); err != nil {
							t.Error(err)
						}
					}
				}()
			}
			wg.Wait()
			check("after the agents resolved", len(agents)*(cap+2))
		})
	}
}
