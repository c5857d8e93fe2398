package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// TestConversationHandover: a transfer names the agent who held the
// conversation and the one receiving it; the receiving agent's list of
// conversations holds it with that transfer, and every list names the
// holder rather than an internal id (issue 25.2).
func TestConversationHandover(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, other := seedTenant(t, db, "Alpha"), seedTenant(t, db, "Beta")
		c := newClaim("H-1")
		if err := db.CreateClaim(ctx, a.ID, c); err != nil {
			t.Fatal(err)
		}
		ann := &portal.User{TenantID: a.ID, Email: "ann@alpha.test", Name: "Ann Martin", Role: portal.RoleAgent}
		bob := &portal.User{TenantID: a.ID, Email: "bob@alpha.test", Role: portal.RoleAgent} // no name: the e-mail names him
		stranger := &portal.User{TenantID: other.ID, Email: "eve@beta.test", Name: "Eve", Role: portal.RoleAgent}
		for _, u := range []*portal.User{ann, bob, stranger} {
			if err := db.CreateUser(ctx, u, "correct horse battery"); err != nil {
				t.Fatal(err)
			}
		}
		conv, err := db.OpenConversation(ctx, a.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.PostMessage(ctx, &negotiation.Message{TenantID: a.ID, ConversationID: conv.ID, ClientID: "d-1",
			Kind: negotiation.MsgText, Author: debtorAuthor(), Text: "bonjour"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.TakeConversation(ctx, a.ID, conv.ID, ann.ID, false); err != nil {
			t.Fatal(err)
		}
		q, err := db.Queue(ctx, a.ID, 0)
		if err != nil || len(q) != 1 || q[0].AgentName != "Ann Martin" {
			t.Fatalf("queue: %v %+v", err, q)
		}
		transfer := func(client, to string) (*negotiation.Message, error) {
			m, _, err := db.PostMessage(ctx, &negotiation.Message{TenantID: a.ID, ConversationID: conv.ID, ClientID: client, Kind: negotiation.MsgTransfer,
				Author: negotiation.Author{Kind: portal.ActorUser, ID: ann.ID, Name: ann.Name}, ToUserID: to, Text: "Il rappelle lundi"})
			return m, err
		}
		t.Run("ErrInvalid", func(t *testing.T) {
			if _, err := transfer("t-0", stranger.ID); portal.ErrorCode(err) != portal.EINVALID {
				t.Fatalf("transfer to another tenant's agent: %v", err)
			}
		})
		m, err := transfer("t-1", bob.ID)
		if err != nil {
			t.Fatal(err)
		}
		if m.ToName != "bob@alpha.test" || m.FromUserID != ann.ID || m.FromName != "Ann Martin" {
			t.Fatalf("transfer names: %+v", m)
		}
		msgs, err := db.Messages(ctx, a.ID, conv.ID, 0, 0, true)
		if err != nil {
			t.Fatal(err)
		}
		if last := msgs[len(msgs)-1]; last.ToName != "bob@alpha.test" || last.FromName != "Ann Martin" || last.Text != "Il rappelle lundi" {
			t.Fatalf("stored transfer: %+v", last)
		}
		evs, _ := db.ListEvents(ctx, a.ID, c.ID, 0, 0)
		var p map[string]any
		_ = json.Unmarshal([]byte(evs[len(evs)-1].Payload), &p)
		if p["kind"] != "transfer" || p["to_name"] != "bob@alpha.test" || p["from_name"] != "Ann Martin" || p["from_user_id"] != ann.ID {
			t.Fatalf("transfer event: %v", p)
		}

		mine, err := db.Assigned(ctx, a.ID, bob.ID, 0)
		if err != nil || len(mine) != 1 || mine[0].ID != conv.ID || mine[0].AgentName != "bob@alpha.test" || mine[0].ClaimReference != "H-1" {
			t.Fatalf("Bob's conversations: %v %+v", err, mine)
		}
		if lt := mine[0].LastTransfer; lt == nil || lt.FromName != "Ann Martin" || lt.Text != "Il rappelle lundi" {
			t.Fatalf("Bob's conversation without its hand-over: %+v", lt)
		}
		if ann, err := db.Assigned(ctx, a.ID, ann.ID, 0); err != nil || len(ann) != 0 {
			t.Fatalf("Ann still holds %d conversations (%v)", len(ann), err)
		}
		all, err := db.Assigned(ctx, a.ID, "", 0)
		if err != nil || len(all) != 1 || all[0].AgentID != bob.ID {
			t.Fatalf("every held conversation: %v %+v", err, all)
		}
		if none, err := db.Assigned(ctx, other.ID, "", 0); err != nil || len(none) != 0 {
			t.Fatalf("another tenant sees %d conversations (%v)", len(none), err)
		}
	})
}

// TestOfferPolicyOverride: an agent's counter-offer or acceptance outside
// the policy keeps the agent's reason and the breaches on the offer and
// in its evidence event (issue 25.4).
func TestOfferPolicyOverride(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := seedTenant(t, db, "Alpha")
		c := newClaim("P-1")
		if err := db.CreateClaim(ctx, a.ID, c); err != nil {
			t.Fatal(err)
		}
		conv, err := db.OpenConversation(ctx, a.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		agent := negotiation.Author{Kind: portal.ActorUser, ID: "u-1", Name: "Ann"}
		breaches := []negotiation.Breach{{Bound: negotiation.BoundMaxDiscount, Limit: 90000, Got: 50000}}
		ov := &negotiation.PolicyOverride{Reason: "Chômage, accord du créancier", Breaches: breaches, Balance: 100000, By: agent}
		offer := &negotiation.Offer{Kind: negotiation.KindSettlement, Amount: 50000}
		stored, _, err := db.MakeOffer(ctx, &negotiation.Message{TenantID: a.ID, ConversationID: conv.ID, ClientID: "a-1", Kind: negotiation.MsgCounterOffer,
			Author: agent, Offer: offer, Verdict: &negotiation.Verdict{Balance: 100000, Breaches: breaches}, Override: ov}, nil)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := db.FindOffer(ctx, a.ID, stored[0].OfferID)
		if err != nil || rec.PolicyOverride == nil || rec.PolicyOverride.Reason != ov.Reason || len(rec.PolicyOverride.Breaches) != 1 ||
			rec.PolicyOverride.By.ID != "u-1" {
			t.Fatalf("counter-offer record: %v %+v", err, rec)
		}
		lastPayload := func() map[string]any {
			evs, _ := db.ListEvents(ctx, a.ID, c.ID, 0, 0)
			var p map[string]any
			_ = json.Unmarshal([]byte(evs[len(evs)-1].Payload), &p)
			return p
		}
		if po, _ := lastPayload()["policy_override"].(map[string]any); po == nil || po["reason"] != ov.Reason {
			t.Fatalf("offer.made without the override: %v", lastPayload())
		}

		// The debtor's own offer, then the agent accepts it outside the policy.
		stored, _, err = db.MakeOffer(ctx, &negotiation.Message{TenantID: a.ID, ConversationID: conv.ID, ClientID: "d-1", Kind: negotiation.MsgOffer,
			Author: debtorAuthor(), Offer: offer, Verdict: &negotiation.Verdict{Balance: 100000, Breaches: breaches}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		debtorOffer := stored[0].OfferID
		if rec, _ := db.FindOffer(ctx, a.ID, debtorOffer); rec.PolicyOverride != nil {
			t.Fatalf("a debtor's offer with an override: %+v", rec.PolicyOverride)
		}
		acc := &negotiation.Message{TenantID: a.ID, ConversationID: conv.ID, ClientID: "a-2", Kind: negotiation.MsgAccept, Author: agent}
		if _, _, err := db.DecideOffer(ctx, acc, negotiation.Decision{OfferID: debtorOffer, Accept: true, Override: ov}); err != nil {
			t.Fatal(err)
		}
		rec, err = db.FindOffer(ctx, a.ID, debtorOffer)
		if err != nil || rec.Status != negotiation.OfferAccepted || rec.PolicyOverride == nil || rec.PolicyOverride.Reason != ov.Reason {
			t.Fatalf("accepted offer: %v %+v", err, rec)
		}
		if p := lastPayload(); p["offer_id"] != debtorOffer || p["policy_override"] == nil {
			t.Fatalf("offer.accepted without the override: %v", p)
		}
		// The debtor never reads the reason: it is not in the stored messages.
		msgs, _ := db.Messages(ctx, a.ID, conv.ID, 0, 0, false)
		for _, m := range msgs {
			if b, _ := json.Marshal(m); strings.Contains(string(b), ov.Reason) {
				t.Fatalf("a message carries the agent's reason: %s", b)
			}
		}
	})
}
