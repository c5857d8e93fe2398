package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

func debtorAuthor() negotiation.Author {
	return negotiation.Author{Kind: portal.ActorDebtor, ID: "sess"}
}

func TestConversations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b := seedTenant(t, db, "Alpha"), seedTenant(t, db, "Beta")
		c := newClaim("N-1")
		if err := db.CreateClaim(ctx, a.ID, c); err != nil {
			t.Fatal(err)
		}
		agent := &portal.User{TenantID: a.ID, Email: "agent@alpha.test", Role: portal.RoleAgent}
		if err := db.CreateUser(ctx, agent, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		conv, err := db.OpenConversation(ctx, a.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		again, err := db.OpenConversation(ctx, a.ID, c.ID)
		if err != nil || again.ID != conv.ID {
			t.Fatalf("second open made another conversation: %v %v", err, again)
		}
		text := func(client, s string) *negotiation.Message {
			return &negotiation.Message{TenantID: a.ID, ConversationID: conv.ID, ClientID: client, Kind: negotiation.MsgText, Author: debtorAuthor(), Text: s}
		}

		t.Run("SeqAndRetry", func(t *testing.T) {
			m1, dup, err := db.PostMessage(ctx, text("c-1", "bonjour"))
			if err != nil || dup || m1.Seq != 1 {
				t.Fatalf("first: %v %v %+v", err, dup, m1)
			}
			m2, dup, err := db.PostMessage(ctx, text("c-1", "bonjour"))
			if err != nil || !dup || m2.ID != m1.ID || m2.Seq != 1 {
				t.Fatalf("retry stored twice: %v %v %+v", err, dup, m2)
			}
			list, err := db.Messages(ctx, a.ID, conv.ID, 0, 0, true)
			if err != nil || len(list) != 1 || list[0].Text != "bonjour" {
				t.Fatalf("messages: %v %+v", err, list)
			}
			evs, _ := db.ListEvents(ctx, a.ID, c.ID, 0, 0)
			if last := evs[len(evs)-1]; last.Kind != portal.EventMessageSent || len(evs) != 2 {
				t.Fatalf("events: %d, last %+v", len(evs), last)
			}
			q, err := db.Queue(ctx, a.ID, 0)
			if err != nil || len(q) != 1 || q[0].ClaimReference != "N-1" || q[0].WaitingSince == nil {
				t.Fatalf("queue: %v %+v", err, q)
			}
		})
		t.Run("ConcurrentRetry", func(t *testing.T) {
			var wg sync.WaitGroup
			seqs := make([]int64, 8)
			for i := range seqs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					m, _, err := db.PostMessage(ctx, text("c-race", "once"))
					if err != nil {
						t.Error(err)
						return
					}
					seqs[i] = m.Seq
				}()
			}
			wg.Wait()
			for _, s := range seqs {
				if s != seqs[0] {
					t.Fatalf("one client id got several seqs: %v", seqs)
				}
			}
		})
		t.Run("NotesAreInternal", func(t *testing.T) {
			n := &negotiation.Message{TenantID: a.ID, ConversationID: conv.ID, ClientID: "n-1", Kind: negotiation.MsgNote,
				Author: negotiation.Author{Kind: portal.ActorUser, ID: agent.ID}, Text: "seems honest"}
			if _, _, err := db.PostMessage(ctx, n); err != nil {
				t.Fatal(err)
			}
			pub, _ := db.Messages(ctx, a.ID, conv.ID, 0, 0, false)
			all, _ := db.Messages(ctx, a.ID, conv.ID, 0, 0, true)
			if len(all) != len(pub)+1 {
				t.Fatalf("note visible to the debtor: %d public of %d", len(pub), len(all))
			}
			for _, m := range pub {
				if m.Kind == negotiation.MsgNote {
					t.Fatal("note in public list")
				}
			}
		})
		t.Run("DoubleAccept", func(t *testing.T) {
			o := negotiation.Offer{Kind: negotiation.KindSettlement, Amount: 100000, Date: portal.MustDate("2024-07-01")}
			msgs, _, err := db.MakeOffer(ctx, &negotiation.Message{TenantID: a.ID, ConversationID: conv.ID, ClientID: "o-1", Kind: negotiation.MsgOffer,
				Author: debtorAuthor(), Offer: &o, Verdict: &negotiation.Verdict{Balance: 150000}}, nil)
			if err != nil || len(msgs) != 1 || msgs[0].OfferID == "" {
				t.Fatalf("make offer: %v %+v", err, msgs)
			}
			offerID := msgs[0].OfferID
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					m := &negotiation.Message{TenantID: a.ID, ConversationID: conv.ID, ClientID: fmt.Sprintf("acc-%d", i), Author: negotiation.Author{Kind: portal.ActorUser, ID: agent.ID}}
					sch := negotiation.ScheduleFor(o, 150000)
					sch.Currency = "EUR"
					_, _, errs[i] = db.DecideOffer(ctx, m, negotiation.Decision{OfferID: offerID, Accept: true,
						Agreement: &negotiation.Agreement{ClaimID: c.ID, Balance: 150000, Schedule: sch}})
				}()
			}
			wg.Wait()
			ok, conflict := 0, 0
			for _, err := range errs {
				switch portal.ErrorCode(err) {
				case "":
					ok++
				case portal.ECONFLICT:
					conflict++
				default:
					t.Fatalf("unexpected: %v", err)
				}
			}
			if ok != 1 || conflict != 1 {
				t.Fatalf("want one winner and one conflict, got %v", errs)
			}
			rec, err := db.FindOffer(ctx, a.ID, offerID)
			if err != nil || rec.Status != negotiation.OfferAccepted || rec.DecidedBy == nil || rec.DecidedBy.ID != agent.ID {
				t.Fatalf("offer: %v %+v", err, rec)
			}
			offers, _ := db.ClaimOffers(ctx, a.ID, c.ID)
			if len(offers) != 1 {
				t.Fatalf("claim offers: %d", len(offers))
			}
			if _, err := db.FindOffer(ctx, b.ID, offerID); portal.ErrorCode(err) != portal.ENOTFOUND {
				t.Fatalf("other tenant sees the offer: %v", err)
			}
		})
		t.Run("AutoAcceptAndSign", func(t *testing.T) {
			o := negotiation.Offer{Kind: negotiation.KindPlan, Count: 3, Amount: 50000, FirstDate: portal.MustDate("2024-07-15"), Frequency: negotiation.Monthly, Method: negotiation.MethodCard}
			sch := negotiation.ScheduleFor(o, 150000)
			sch.Currency = "EUR"
			msgs, _, err := db.MakeOffer(ctx, &negotiation.Message{TenantID: a.ID, ConversationID: conv.ID, ClientID: "o-2", Kind: negotiation.MsgOffer,
				Author: debtorAuthor(), Offer: &o, Verdict: &negotiation.Verdict{Accepted: true, Balance: 150000}},
				&negotiation.Decision{Accept: true, Agreement: &negotiation.Agreement{ClaimID: c.ID, Balance: 150000, Schedule: sch}})
			if err != nil || len(msgs) != 2 || msgs[1].Kind != negotiation.MsgAccept || msgs[1].AgreementID == "" || msgs[1].Seq != msgs[0].Seq+1 {
				t.Fatalf("auto accept: %v %+v", err, msgs)
			}
			ag, err := db.SignAgreement(ctx, a.ID, msgs[1].AgreementID, true, "fr", []byte("%PDF-1.4 test"), negotiation.PayChoice{})
			if err != nil || ag.Status != negotiation.AgreementSigned || ag.PDFSHA256 != portal.SHA256Hex([]byte("%PDF-1.4 test")) {
				t.Fatalf("sign: %v %+v", err, ag)
			}
			if _, err := db.SignAgreement(ctx, a.ID, msgs[1].AgreementID, true, "fr", []byte("x"), negotiation.PayChoice{}); portal.ErrorCode(err) != portal.ECONFLICT {
				t.Fatalf("second sign: %v", err)
			}
			ins, err := db.PlanInstalments(ctx, a.ID, c.ID)
			if err != nil || len(ins) != 3 || ins[0].Amount != 50000 || ins[2].DueOn != portal.MustDate("2024-09-15") || ins[0].Method != negotiation.MethodCard || ins[0].Status != negotiation.InstalmentDue {
				t.Fatalf("instalments: %v %+v", err, ins)
			}
			got, _ := db.FindClaim(ctx, a.ID, c.ID)
			if got.Status != portal.StatusInPlan {
				t.Fatalf("claim status %s", got.Status)
			}
			// The plan acknowledges the debt: it restarts prescription
			// (Code civil 2240) from the day it was signed.
			if got.LastAcknowledgementOn != db.Today(ctx, a.ID) {
				t.Errorf("last acknowledgement %s, want the signing day %s", got.LastAcknowledgementOn, db.Today(ctx, a.ID))
			}
			evs, _ := db.ListEvents(ctx, a.ID, c.ID, 0, 0)
			kinds := map[portal.EventKind]int{}
			for _, e := range evs {
				kinds[e.Kind]++
			}
			if kinds[portal.EventOfferMade] != 2 || kinds[portal.EventOfferAccepted] != 2 || kinds[portal.EventAgreementSigned] != 1 || kinds[portal.EventStatusChanged] != 1 || kinds[portal.EventNoteWritten] != 1 {
				t.Fatalf("events: %v", kinds)
			}
		})
		t.Run("Policy", func(t *testing.T) {
			p, err := db.Policy(ctx, a.ID, c.ID)
			if err != nil || p.MinInstalment != negotiation.DefaultPolicy().MinInstalment {
				t.Fatalf("default: %v %+v", err, p)
			}
			cr := c.CreditorID
			p.MinInstalment = 5000
			if err := db.SetPolicy(ctx, a.ID, cr, "", p); err != nil {
				t.Fatal(err)
			}
			p.MinInstalment = 7000
			if err := db.SetPolicy(ctx, a.ID, cr, c.ID, p); err != nil {
				t.Fatal(err)
			}
			got, _ := db.Policy(ctx, a.ID, c.ID)
			if got.MinInstalment != 7000 {
				t.Fatalf("claim override not used: %d", got.MinInstalment)
			}
			if err := db.SetPolicy(ctx, b.ID, cr, "", p); portal.ErrorCode(err) != portal.ENOTFOUND {
				t.Fatalf("other tenant's creditor: %v", err)
			}
		})
	})
}
