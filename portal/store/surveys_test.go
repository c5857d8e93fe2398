package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store/storetest"
)

// TestResolveAndSurvey on both databases: resolving closes the
// conversation with a system message and conversation.resolved, twice is
// a conflict; the debtor writing again reopens it; the question is
// answered once, from 1 to 5, by the claim's own survey; another tenant
// resolves and answers nothing; the stats count questions and answers.
func TestResolveAndSurvey(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			clock := &portal.FixedClock{T: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
			db := storetest.MustOpen(t, dialect, clock)
			ctx := context.Background()
			tn, other := &portal.Tenant{Name: "T"}, &portal.Tenant{Name: "O"}
			noErr(t, db.CreateTenant(ctx, tn))
			noErr(t, db.CreateTenant(ctx, other))
			noErr(t, db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: "C", Country: "BE"}))
			c := &portal.Claim{Reference: "S-1", Currency: "EUR", Jurisdiction: portal.JurisdictionBE,
				Debtor:   &portal.Debtor{Kind: portal.DebtorConsumer, Name: "Jan", Language: "nl", Postcode: "9000"},
				Invoices: []*portal.Invoice{{Number: "F", IssueDate: portal.MustDate("2026-01-01"), DueDate: portal.MustDate("2026-01-31"), Amount: 1000}}}
			noErr(t, db.CreateClaim(ctx, tn.ID, c))
			conv, err := db.OpenConversation(ctx, tn.ID, c.ID)
			noErr(t, err)
			debtor := negotiation.Author{Kind: portal.ActorDebtor, ID: "sess", Name: "Jan"}
			_, _, err = db.PostMessage(ctx, &negotiation.Message{TenantID: tn.ID, ConversationID: conv.ID, ClientID: "d1", Kind: negotiation.MsgText, Author: debtor, Text: "Hallo"})
			noErr(t, err)
			agent := negotiation.Author{Kind: portal.ActorUser, ID: "u1", Name: "Ann"}
			res := negotiation.Resolution{TenantID: tn.ID, ConversationID: conv.ID, Agent: agent, Text: "Gesprek afgesloten.", Survey: true, Language: "nl"}

			if _, _, err := db.ResolveConversation(ctx, negotiation.Resolution{TenantID: other.ID, ConversationID: conv.ID, Agent: agent}); portal.ErrorCode(err) != portal.ENOTFOUND {
				t.Fatalf("another tenant resolves: %v", err)
			}
			actx := portal.WithActor(ctx, portal.Actor{Kind: portal.ActorUser, ID: "u1", TenantID: tn.ID})
			m, sv, err := db.ResolveConversation(actx, res)
			noErr(t, err)
			if m.Kind != negotiation.MsgSystem || m.Seq != 2 || sv == nil || sv.Language != "nl" || sv.ClaimID != c.ID || sv.AskedBy != "u1" {
				t.Fatalf("resolved: %+v %+v", m, sv)
			}
			got, _ := db.FindConversation(ctx, tn.ID, conv.ID)
			if got.State != negotiation.StateClosed || got.WaitingSince != nil {
				t.Fatalf("after resolve: %+v", got)
			}
			if q, _ := db.Queue(ctx, tn.ID, 0); len(q) != 0 {
				t.Fatalf("resolved conversation in the queue: %d", len(q))
			}
			if _, _, err := db.ResolveConversation(ctx, res); portal.ErrorCode(err) != portal.ECONFLICT {
				t.Fatalf("resolved twice: %v", err)
			}
			evs, err := db.ListEvents(ctx, tn.ID, c.ID, 0, 0)
			noErr(t, err)
			if last := evs[len(evs)-1]; last.Kind != portal.EventConversationResolved || last.Actor.ID != "u1" || last.Actor.Kind != portal.ActorUser {
				t.Fatalf("last event: %+v", last)
			}

			open, err := db.OpenSurvey(ctx, tn.ID, c.ID)
			noErr(t, err)
			if open == nil || open.ID != sv.ID {
				t.Fatalf("open survey: %+v", open)
			}
			for _, bad := range []int{0, 6} {
				if _, err := db.AnswerSurvey(ctx, tn.ID, c.ID, sv.ID, bad); portal.ErrorCode(err) != portal.EINVALID {
					t.Errorf("score %d: %v", bad, err)
				}
			}
			if _, err := db.AnswerSurvey(ctx, other.ID, c.ID, sv.ID, 5); portal.ErrorCode(err) != portal.ENOTFOUND {
				t.Fatalf("another tenant answers: %v", err)
			}
			clock.T = clock.T.Add(time.Minute)
			ans, err := db.AnswerSurvey(ctx, tn.ID, c.ID, sv.ID, 4)
			noErr(t, err)
			if ans.Score != 4 || ans.AnsweredAt == nil || !ans.AnsweredAt.Equal(clock.T) {
				t.Fatalf("answer: %+v", ans)
			}
			if _, err := db.AnswerSurvey(ctx, tn.ID, c.ID, sv.ID, 1); portal.ErrorCode(err) != portal.ECONFLICT {
				t.Fatalf("answered twice: %v", err)
			}
			if open, _ := db.OpenSurvey(ctx, tn.ID, c.ID); open != nil {
				t.Fatalf("still open: %+v", open)
			}
			evs, _ = db.ListEvents(ctx, tn.ID, c.ID, 0, 0)
			if last := evs[len(evs)-1]; last.Kind != portal.EventSurveyAnswered {
				t.Fatalf("last event: %+v", last)
			}

			// The debtor writes again: back in the queue, and it can be resolved again.
			_, _, err = db.PostMessage(ctx, &negotiation.Message{TenantID: tn.ID, ConversationID: conv.ID, ClientID: "d2", Kind: negotiation.MsgText, Author: debtor, Text: "Nog een vraag"})
			noErr(t, err)
			if got, _ := db.FindConversation(ctx, tn.ID, conv.ID); got.State != negotiation.StateWaiting {
				t.Fatalf("after the debtor wrote again: %s", got.State)
			}
			res.Survey = false
			_, sv2, err := db.ResolveConversation(ctx, res)
			noErr(t, err)
			if sv2 != nil {
				t.Fatalf("survey without asking: %+v", sv2)
			}
			st, err := db.SurveyStats(ctx, tn.ID, 10)
			noErr(t, err)
			if st.Asked != 1 || st.Answered != 1 || st.ByScore[3] != 1 || st.AverageX100 != 400 || len(st.Recent) != 1 || st.Recent[0].ClaimReference != "S-1" || st.Recent[0].Score != 4 {
				t.Fatalf("stats: %+v", st)
			}
			if st, _ := db.SurveyStats(ctx, other.ID, 10); st.Asked != 0 || len(st.Recent) != 0 {
				t.Fatalf("another tenant's stats: %+v", st)
			}
		})
	}
}

// TestReadMarks on both databases: the debtor's messages after a user's
// mark are unread for that user only; a mark never goes back; another
// tenant marks nothing.
func TestReadMarks(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			db := storetest.MustOpen(t, dialect, &portal.FixedClock{T: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)})
			ctx := context.Background()
			tn, other := &portal.Tenant{Name: "T"}, &portal.Tenant{Name: "O"}
			noErr(t, db.CreateTenant(ctx, tn))
			noErr(t, db.CreateTenant(ctx, other))
			noErr(t, db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: "C", Country: "BE"}))
			c := &portal.Claim{Reference: "U-1", Currency: "EUR", Jurisdiction: portal.JurisdictionBE,
				Debtor:   &portal.Debtor{Kind: portal.DebtorConsumer, Name: "Jan", Language: "nl", Postcode: "9000"},
				Invoices: []*portal.Invoice{{Number: "F", IssueDate: portal.MustDate("2026-01-01"), DueDate: portal.MustDate("2026-01-31"), Amount: 1000}}}
			noErr(t, db.CreateClaim(ctx, tn.ID, c))
			a, b := &portal.User{TenantID: tn.ID, Email: "a@t.test", Role: portal.RoleAgent}, &portal.User{TenantID: tn.ID, Email: "b@t.test", Role: portal.RoleAgent}
			noErr(t, db.CreateUser(ctx, a, "correct horse battery"))
			noErr(t, db.CreateUser(ctx, b, "correct horse battery"))
			conv, err := db.OpenConversation(ctx, tn.ID, c.ID)
			noErr(t, err)
			post := func(kind portal.ActorKind, id, text string) {
				t.Helper()
				_, _, err := db.PostMessage(ctx, &negotiation.Message{TenantID: tn.ID, ConversationID: conv.ID, ClientID: id, Kind: negotiation.MsgText,
					Author: negotiation.Author{Kind: kind, ID: id}, Text: text})
				noErr(t, err)
			}
			post(portal.ActorDebtor, "d1", "een")
			post(portal.ActorDebtor, "d2", "twee")
			post(portal.ActorUser, a.ID, "antwoord") // an agent's message is never unread
			count := func(u *portal.User) int {
				t.Helper()
				m, err := db.UnreadCounts(ctx, tn.ID, u.ID, []string{conv.ID})
				noErr(t, err)
				return m[conv.ID]
			}
			if count(a) != 2 || count(b) != 2 {
				t.Fatalf("unread before any mark: %d %d", count(a), count(b))
			}
			noErr(t, db.MarkRead(ctx, tn.ID, a.ID, conv.ID, 2))
			post(portal.ActorDebtor, "d3", "drie")
			if count(a) != 1 || count(b) != 3 {
				t.Fatalf("unread after a's mark: %d %d", count(a), count(b))
			}
			noErr(t, db.MarkRead(ctx, tn.ID, a.ID, conv.ID, 1)) // never backwards
			if count(a) != 1 {
				t.Fatalf("a mark went back: %d", count(a))
			}
			noErr(t, db.MarkRead(ctx, tn.ID, a.ID, conv.ID, 4))
			if count(a) != 0 {
				t.Fatalf("unread after reading all: %d", count(a))
			}
			if err := db.MarkRead(ctx, other.ID, a.ID, conv.ID, 9); portal.ErrorCode(err) != portal.ENOTFOUND {
				t.Fatalf("another tenant marks: %v", err)
			}
			if m, _ := db.UnreadCounts(ctx, other.ID, b.ID, []string{conv.ID}); len(m) != 0 {
				t.Fatalf("another tenant counts: %v", m)
			}
		})
	}
}
