package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
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
