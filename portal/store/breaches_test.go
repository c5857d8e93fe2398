package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/breaches"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// TestResponseBreaches on both databases: a breach is recorded once per
// wait however many times (and from however many goroutines, as instances
// would) it is seen late; an agent's note leaves it open, the agent's
// public answer closes it at the clock's time; a later wait is a breach of
// its own; the dashboard counts them by kind in the period they were due,
// the creditor filter and the other tenant see none.
func TestResponseBreaches(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			clock := &portal.FixedClock{T: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
			db := storetest.MustOpen(t, dialect, clock)
			ctx := context.Background()
			tn, other := &portal.Tenant{Name: "T"}, &portal.Tenant{Name: "O"}
			noErr(t, db.CreateTenant(ctx, tn))
			noErr(t, db.CreateTenant(ctx, other))
			cr, cr2 := &portal.Creditor{TenantID: tn.ID, LegalName: "C", Country: "BE"}, &portal.Creditor{TenantID: tn.ID, LegalName: "D", Country: "BE"}
			noErr(t, db.CreateCreditor(ctx, cr))
			noErr(t, db.CreateCreditor(ctx, cr2))
			c := &portal.Claim{Reference: "B-1", Currency: "EUR", Jurisdiction: portal.JurisdictionBE, CreditorID: cr.ID,
				Debtor:   &portal.Debtor{Kind: portal.DebtorConsumer, Name: "Jan", Language: "nl", Postcode: "9000"},
				Invoices: []*portal.Invoice{{Number: "F", IssueDate: portal.MustDate("2026-01-01"), DueDate: portal.MustDate("2026-01-31"), Amount: 1000}}}
			noErr(t, db.CreateClaim(ctx, tn.ID, c))
			conv, err := db.OpenConversation(ctx, tn.ID, c.ID)
			noErr(t, err)
			debtor := negotiation.Author{Kind: portal.ActorDebtor, ID: "sess", Name: "Jan"}
			agent := negotiation.Author{Kind: portal.ActorUser, ID: "u1", Name: "Ann"}
			post := func(id string, kind negotiation.MessageKind, a negotiation.Author) {
				t.Helper()
				_, _, err := db.PostMessage(ctx, &negotiation.Message{TenantID: tn.ID, ConversationID: conv.ID, ClientID: id, Kind: kind, Author: a, Text: id})
				noErr(t, err)
			}
			post("d1", negotiation.MsgText, debtor)
			waiting, err := db.FindConversation(ctx, tn.ID, conv.ID)
			noErr(t, err)
			first := negotiation.ResponseBreach{TenantID: tn.ID, ClaimID: c.ID, ConversationID: conv.ID, Kind: negotiation.BreachFirst,
				WaitingSince: *waiting.WaitingSince, DueAt: waiting.WaitingSince.Add(30 * time.Minute)}

			if _, err := db.RecordBreach(ctx, &negotiation.ResponseBreach{Kind: "late"}); portal.ErrorCode(err) != portal.EINVALID {
				t.Fatalf("bad kind: %v", err)
			}
			clock.T = clock.T.Add(45 * time.Minute)
			var wg sync.WaitGroup
			stored := make([]bool, 4)
			for i := range stored {
				wg.Add(1)
				go func() {
					defer wg.Done()
					b := first
					ok, err := db.RecordBreach(ctx, &b)
					if err != nil {
						t.Error(err)
					}
					stored[i] = ok
				}()
			}
			wg.Wait()
			n := 0
			for _, ok := range stored {
				if ok {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("recorded %d times at once: %v", n, stored)
			}
			b := first
			if ok, err := db.RecordBreach(ctx, &b); err != nil || ok {
				t.Fatalf("recorded again: %v %v", ok, err)
			}
			post("n1", negotiation.MsgNote, agent) // internal: no answer
			list, err := db.ResponseBreachesOf(ctx, tn.ID, conv.ID)
			noErr(t, err)
			if len(list) != 1 || list[0].AnsweredAt != nil || !list[0].BreachedAt.Equal(clock.T) || !list[0].DueAt.Equal(first.DueAt) || list[0].Kind != negotiation.BreachFirst {
				t.Fatalf("after a note: %+v", list)
			}
			clock.T = clock.T.Add(15 * time.Minute)
			answered := clock.T
			post("a1", negotiation.MsgText, agent)
			// The next wait, missed too, stays open.
			clock.T = clock.T.Add(time.Hour)
			post("d2", negotiation.MsgText, debtor)
			again, err := db.FindConversation(ctx, tn.ID, conv.ID)
			noErr(t, err)
			clock.T = clock.T.Add(time.Hour)
			next := negotiation.ResponseBreach{TenantID: tn.ID, ClaimID: c.ID, ConversationID: conv.ID, Kind: negotiation.BreachNext,
				WaitingSince: *again.WaitingSince, DueAt: again.WaitingSince.Add(10 * time.Minute)}
			if ok, err := db.RecordBreach(ctx, &next); err != nil || !ok {
				t.Fatalf("next wait: %v %v", ok, err)
			}
			list, err = db.ResponseBreachesOf(ctx, tn.ID, conv.ID)
			noErr(t, err)
			if len(list) != 2 || list[0].AnsweredAt == nil || !list[0].AnsweredAt.Equal(answered) || list[1].AnsweredAt != nil || list[1].Kind != negotiation.BreachNext {
				t.Fatalf("breaches: %+v %+v", list[0], list[1])
			}
			if l, _ := db.ResponseBreachesOf(ctx, other.ID, conv.ID); len(l) != 0 {
				t.Fatalf("another tenant reads %d breaches", len(l))
			}

			f := portal.DashboardFilter{From: portal.MustDate("2026-03-01"), To: portal.MustDate("2026-03-31"), Today: portal.DateOf(clock.T)}
			d, err := db.Dashboard(ctx, tn.ID, f)
			noErr(t, err)
			// The first answer was 30 min late (due 9:30, answered 10:00).
			if want := (portal.BreachFigures{First: 1, Next: 1, Answered: 1, AvgLateSeconds: 1800}); d.Breaches != want {
				t.Fatalf("dashboard breaches %+v, want %+v", d.Breaches, want)
			}
			f.CreditorID = cr2.ID
			if d, _ := db.Dashboard(ctx, tn.ID, f); d.Breaches.Total() != 0 {
				t.Fatalf("another creditor's dashboard: %+v", d.Breaches)
			}
			f.CreditorID, f.From, f.To = "", portal.MustDate("2026-02-01"), portal.MustDate("2026-02-28")
			if d, _ := db.Dashboard(ctx, tn.ID, f); d.Breaches.Total() != 0 {
				t.Fatalf("a month before: %+v", d.Breaches)
			}
			f.From, f.To = portal.MustDate("2026-03-01"), portal.MustDate("2026-03-31")
			if d, _ := db.Dashboard(ctx, other.ID, f); d.Breaches.Total() != 0 {
				t.Fatalf("another tenant's dashboard: %+v", d.Breaches)
			}
		})
	}
}

// breachFixture is a tenant in tz with one claim whose creditor's policy
// has targets p, and the claim's conversation.
type breachFixture struct {
	db       *store.DB
	tenantID string
	claimID  string
	convID   string
}

func newBreachFixture(t *testing.T, dialect string, clock portal.Clock, tz string, hours negotiation.BusinessHours, targets negotiation.ResponseTargets) *breachFixture {
	t.Helper()
	db := storetest.MustOpen(t, dialect, clock)
	ctx := context.Background()
	tn := &portal.Tenant{Name: "T", Timezone: tz}
	noErr(t, db.CreateTenant(ctx, tn))
	f := &breachFixture{db: db, tenantID: tn.ID}
	f.addClaim(t, "B-1", hours, targets)
	return f
}

// addClaim adds a claim of its own creditor with targets, and opens its
// conversation (f.claimID, f.convID).
func (f *breachFixture) addClaim(t *testing.T, ref string, hours negotiation.BusinessHours, targets negotiation.ResponseTargets) {
	t.Helper()
	ctx := context.Background()
	cr := &portal.Creditor{TenantID: f.tenantID, LegalName: "C " + ref, Country: "BE"}
	noErr(t, f.db.CreateCreditor(ctx, cr))
	p := negotiation.DefaultPolicy()
	p.Hours, p.Response = hours, targets
	noErr(t, f.db.SetPolicy(ctx, f.tenantID, cr.ID, "", p))
	c := &portal.Claim{Reference: ref, Currency: "EUR", Jurisdiction: portal.JurisdictionBE, CreditorID: cr.ID,
		Debtor:   &portal.Debtor{Kind: portal.DebtorConsumer, Name: "Jan", Language: "nl", Postcode: "9000"},
		Invoices: []*portal.Invoice{{Number: "F", IssueDate: portal.MustDate("2026-01-01"), DueDate: portal.MustDate("2026-01-31"), Amount: 1000}}}
	noErr(t, f.db.CreateClaim(ctx, f.tenantID, c))
	conv, err := f.db.OpenConversation(ctx, f.tenantID, c.ID)
	noErr(t, err)
	f.claimID, f.convID = c.ID, conv.ID
}

func (f *breachFixture) post(t *testing.T, convID, id string, kind negotiation.MessageKind, a negotiation.Author) {
	t.Helper()
	_, _, err := f.db.PostMessage(context.Background(), &negotiation.Message{TenantID: f.tenantID, ConversationID: convID, ClientID: id, Kind: kind, Author: a, Text: id})
	noErr(t, err)
}

func (f *breachFixture) breaches(t *testing.T, convID string) []*negotiation.ResponseBreach {
	t.Helper()
	list, err := f.db.ResponseBreachesOf(context.Background(), f.tenantID, convID)
	noErr(t, err)
	return list
}

var (
	breachDebtor = negotiation.Author{Kind: portal.ActorDebtor, ID: "sess", Name: "Jan"}
	breachAgent  = negotiation.Author{Kind: portal.ActorUser, ID: "u1", Name: "Ann"}
)

// TestResponseBreachAnsweredLate on both databases: with no queue page
// ever rendered, an agent's answer after the due time (the first-response
// target in business hours of the tenant's zone, Brussels: due 10:00 there,
// 9:00 UTC) records the wait's breach, answered at the clock's time, in
// the message's transaction; an answer in time records none, also when
// the wait spans the night (the next-response target counts business
// minutes only); a note answers nothing.
func TestResponseBreachAnsweredLate(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			// Monday 2 March 2026, 7:30 UTC: 8:30 in Brussels, before opening.
			clock := &portal.FixedClock{T: time.Date(2026, 3, 2, 7, 30, 0, 0, time.UTC)}
			hours := negotiation.BusinessHours{Days: []int{1, 2, 3, 4, 5}, Open: 9 * 60, Close: 17 * 60}
			f := newBreachFixture(t, dialect, clock, "Europe/Brussels", hours, negotiation.ResponseTargets{FirstMinutes: 60, NextMinutes: 30})
			f.post(t, f.convID, "d1", negotiation.MsgText, breachDebtor)
			waiting, err := f.db.FindConversation(context.Background(), f.tenantID, f.convID)
			noErr(t, err)
			clock.T = time.Date(2026, 3, 2, 9, 10, 0, 0, time.UTC)
			f.post(t, f.convID, "n1", negotiation.MsgNote, breachAgent)
			if l := f.breaches(t, f.convID); len(l) != 0 {
				t.Fatalf("a note recorded %d breaches", len(l))
			}
			clock.T = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
			f.post(t, f.convID, "a1", negotiation.MsgText, breachAgent)
			list := f.breaches(t, f.convID)
			if len(list) != 1 {
				t.Fatalf("late answer: %d breaches", len(list))
			}
			b := list[0]
			if b.Kind != negotiation.BreachFirst || !b.WaitingSince.Equal(*waiting.WaitingSince) || !b.DueAt.Equal(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)) ||
				b.AnsweredAt == nil || !b.AnsweredAt.Equal(clock.T) || !b.BreachedAt.Equal(clock.T) || b.ClaimID != f.claimID || b.TenantID != f.tenantID {
				t.Fatalf("late answer's breach: %+v", b)
			}
			// In time: written 11:00 in Brussels, answered 11:20 (due 11:30).
			clock.T = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
			f.post(t, f.convID, "d2", negotiation.MsgText, breachDebtor)
			clock.T = time.Date(2026, 3, 2, 10, 20, 0, 0, time.UTC)
			f.post(t, f.convID, "a2", negotiation.MsgText, breachAgent)
			// Over the night: written 16:50, due Tuesday 9:20, answered 9:10.
			clock.T = time.Date(2026, 3, 2, 15, 50, 0, 0, time.UTC)
			f.post(t, f.convID, "d3", negotiation.MsgText, breachDebtor)
			clock.T = time.Date(2026, 3, 3, 8, 10, 0, 0, time.UTC)
			f.post(t, f.convID, "a3", negotiation.MsgText, breachAgent)
			if l := f.breaches(t, f.convID); len(l) != 1 {
				t.Fatalf("answers in time recorded breaches: %d", len(l))
			}
			// Late again, on the next-response target: written Tuesday
			// 10:00, due 10:30, answered 11:00 in Brussels.
			clock.T = time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
			f.post(t, f.convID, "d4", negotiation.MsgText, breachDebtor)
			clock.T = time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
			f.post(t, f.convID, "a4", negotiation.MsgText, breachAgent)
			list = f.breaches(t, f.convID)
			if len(list) != 2 || list[1].Kind != negotiation.BreachNext || !list[1].DueAt.Equal(time.Date(2026, 3, 3, 9, 30, 0, 0, time.UTC)) ||
				list[1].AnsweredAt == nil || !list[1].AnsweredAt.Equal(clock.T) {
				t.Fatalf("late next answer: %d %+v", len(list), list[len(list)-1])
			}
			d, err := f.db.Dashboard(context.Background(), f.tenantID, portal.DashboardFilter{From: portal.MustDate("2026-03-01"), To: portal.MustDate("2026-03-31"), Today: portal.DateOf(clock.T)})
			noErr(t, err)
			if want := (portal.BreachFigures{First: 1, Next: 1, Answered: 2, AvgLateSeconds: 1800}); d.Breaches != want {
				t.Fatalf("dashboard breaches %+v, want %+v", d.Breaches, want)
			}
		})
	}
}

// TestSweepBreaches on both databases: the sweep records the breach of a
// wait still open past its due time, across tenants, once however often it
// runs; not before the due time, nor for a claim without target; the
// agent's later answer closes it; a next wait past due is a breach of its
// own, of the next-response target; waits that never breach, read first,
// do not hide a later late one (the sweep reads page after page).
func TestSweepBreaches(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			clock := &portal.FixedClock{T: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
			f := newBreachFixture(t, dialect, clock, "Europe/Paris", negotiation.BusinessHours{}, negotiation.ResponseTargets{FirstMinutes: 30, NextMinutes: 10})
			late := f.convID
			f.addClaim(t, "B-2", negotiation.BusinessHours{}, negotiation.ResponseTargets{})
			none := f.convID
			f.post(t, late, "d1", negotiation.MsgText, breachDebtor)
			f.post(t, none, "d1", negotiation.MsgText, breachDebtor)
			sweep := func(want int) {
				t.Helper()
				n, err := f.db.SweepBreaches(ctx)
				noErr(t, err)
				if n != want {
					t.Fatalf("sweep at %s recorded %d, want %d", clock.T.Format("15:04"), n, want)
				}
			}
			clock.T = clock.T.Add(20 * time.Minute)
			sweep(0)
			clock.T = clock.T.Add(25 * time.Minute)
			sweep(1)
			sweep(0)
			list := f.breaches(t, late)
			if len(list) != 1 || list[0].Kind != negotiation.BreachFirst || !list[0].DueAt.Equal(time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)) ||
				!list[0].BreachedAt.Equal(clock.T) || list[0].AnsweredAt != nil {
				t.Fatalf("swept: %d %+v", len(list), list)
			}
			if l := f.breaches(t, none); len(l) != 0 {
				t.Fatalf("no target, %d breaches", len(l))
			}
			clock.T = clock.T.Add(15 * time.Minute)
			f.post(t, late, "a1", negotiation.MsgText, breachAgent)
			if list = f.breaches(t, late); len(list) != 1 || list[0].AnsweredAt == nil || !list[0].AnsweredAt.Equal(clock.T) {
				t.Fatalf("answered after the sweep: %d %+v", len(list), list[0])
			}
			f.post(t, late, "d2", negotiation.MsgText, breachDebtor)
			clock.T = clock.T.Add(11 * time.Minute)
			sweep(1)
			if list = f.breaches(t, late); len(list) != 2 || list[1].Kind != negotiation.BreachNext || list[1].AnsweredAt != nil {
				t.Fatalf("next wait: %d %+v", len(list), list)
			}
			// Another tenant's late wait is swept too, and kept to it.
			g := newBreachFixtureOn(t, f.db, clock, negotiation.ResponseTargets{FirstMinutes: 5})
			g.post(t, g.convID, "d1", negotiation.MsgText, breachDebtor)
			clock.T = clock.T.Add(6 * time.Minute)
			sweep(1)
			if l := g.breaches(t, g.convID); len(l) != 1 || l[0].TenantID != g.tenantID {
				t.Fatalf("other tenant: %+v", l)
			}
			if l, _ := f.db.ResponseBreachesOf(ctx, f.tenantID, g.convID); len(l) != 0 {
				t.Fatal("a tenant reads another's breaches")
			}
			// Waits that are never breaches (no target) do not hide a
			// later late one, however many come first: the sweep reads on.
			for i := range 3 {
				f.addClaim(t, fmt.Sprintf("N-%d", i), negotiation.BusinessHours{}, negotiation.ResponseTargets{})
				f.post(t, f.convID, "d1", negotiation.MsgText, breachDebtor)
			}
			clock.T = clock.T.Add(time.Minute)
			f.addClaim(t, "L-1", negotiation.BusinessHours{}, negotiation.ResponseTargets{FirstMinutes: 5})
			f.post(t, f.convID, "d1", negotiation.MsgText, breachDebtor)
			clock.T = clock.T.Add(6 * time.Minute)
			if n, err := f.db.SweepBreachesPaged(ctx, 2); err != nil || n != 1 {
				t.Fatalf("paged sweep: %d %v", n, err)
			}
			if l := f.breaches(t, f.convID); len(l) != 1 {
				t.Fatalf("the late wait after the pages: %d breaches", len(l))
			}
		})
	}
}

// newBreachFixtureOn is a second tenant (UTC) on db.
func newBreachFixtureOn(t *testing.T, db *store.DB, clock portal.Clock, targets negotiation.ResponseTargets) *breachFixture {
	t.Helper()
	tn := &portal.Tenant{Name: "O", Timezone: "UTC"}
	noErr(t, db.CreateTenant(context.Background(), tn))
	g := &breachFixture{db: db, tenantID: tn.ID}
	g.addClaim(t, "O-1", negotiation.BusinessHours{}, targets)
	return g
}

// TestSweepBreachesConcurrent on both databases: two instances' breach
// jobs (two lease holders) and bare sweeps running at once over a late
// wait record its breach once in all.
func TestSweepBreachesConcurrent(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			clock := &portal.FixedClock{T: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
			f := newBreachFixture(t, dialect, clock, "Europe/Paris", negotiation.BusinessHours{}, negotiation.ResponseTargets{FirstMinutes: 30, NextMinutes: 10})
			f.post(t, f.convID, "d1", negotiation.MsgText, breachDebtor)
			clock.T = clock.T.Add(time.Hour)
			jobs := []*breaches.Job{{Store: f.db, Clock: clock, Owner: "host-a:1"}, {Store: f.db, Clock: clock, Owner: "host-b:2"}}
			var wg sync.WaitGroup
			var mu sync.Mutex
			recorded, ran := 0, 0
			for i := range 6 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var n int
					var err error
					if i < 4 {
						var r bool
						n, r, err = jobs[i%2].RunOnce(ctx)
						if r {
							mu.Lock()
							ran++
							mu.Unlock()
						}
					} else {
						n, err = f.db.SweepBreaches(ctx)
					}
					if err != nil {
						t.Error(err)
					}
					mu.Lock()
					recorded += n
					mu.Unlock()
				}()
			}
			wg.Wait()
			if recorded != 1 {
				t.Fatalf("recorded %d times in all", recorded)
			}
			if ran == 0 {
				t.Fatal("no job got the lease")
			}
			if l := f.breaches(t, f.convID); len(l) != 1 || l[0].Kind != negotiation.BreachFirst {
				t.Fatalf("breaches: %+v", l)
			}
			// Runs after, by either instance, record nothing more.
			for _, j := range jobs {
				if n, r, err := j.RunOnce(ctx); err != nil || !r || n != 0 {
					t.Fatalf("run again: %d %v %v", n, r, err)
				}
			}
		})
	}
}
