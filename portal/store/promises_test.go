package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

func kindsOf(t *testing.T, db *store.DB, tenantID, claimID string, kind portal.EventKind) []*portal.Event {
	t.Helper()
	evs, err := db.ListEvents(context.Background(), tenantID, claimID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []*portal.Event
	for _, e := range evs {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// systemTexts are the texts of the claim's conversation's system messages.
func systemTexts(t *testing.T, db *store.DB, tenantID, claimID string) []string {
	t.Helper()
	ctx := context.Background()
	conv, err := db.OpenConversation(ctx, tenantID, claimID)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := db.Messages(ctx, tenantID, conv.ID, 0, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		if m.Kind == negotiation.MsgSystem {
			out = append(out, m.Text)
		}
	}
	return out
}

// TestPromises (issue 20): a promise recorded by an agent is kept by a
// payment of its amount from any channel; a part paid by the date makes it
// partly kept once the grace ends; nothing paid breaks it, with its event
// and the conversation back in the queue; the debtor's own promises do not
// chain; one tenant never sees another's.
func TestPromises(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			clock := &portal.FixedClock{T: time.Date(2024, 6, 30, 10, 0, 0, 0, time.UTC)}
			db := storetest.MustOpen(t, dialect, clock)
			base := context.Background()
			tn, other := seedTenant(t, db, "Alpha"), seedTenant(t, db, "Beta")
			agent := portal.WithActor(base, portal.Actor{Kind: portal.ActorUser, ID: "user-1", TenantID: tn.ID})
			debtor := portal.WithActor(base, portal.Actor{Kind: portal.ActorDebtor, ID: "sess-1", TenantID: tn.ID})
			newOpen := func(ref string) *portal.Claim {
				c := newClaim(ref)
				if err := db.CreateClaim(base, tn.ID, c); err != nil {
					t.Fatal(err)
				}
				return c
			}
			promise := func(ctx context.Context, c *portal.Claim, amount int64, due string, src portal.PromiseSource) *portal.Promise {
				t.Helper()
				p, err := db.RecordPromise(ctx, tn.ID, c.ID, portal.PromiseInput{Amount: amount, DueOn: portal.MustDate(due), Source: src})
				if err != nil {
					t.Fatal(err)
				}
				return p
			}
			find := func(c *portal.Claim, id string) *portal.Promise {
				t.Helper()
				ps, err := db.ClaimPromises(base, tn.ID, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range ps {
					if p.ID == id {
						return p
					}
				}
				t.Fatalf("promise %s not listed", id)
				return nil
			}
			pay := func(c *portal.Claim, amount int64) {
				t.Helper()
				if err := db.AddPayment(agent, tn.ID, &portal.Payment{ClaimID: c.ID, Amount: amount, ReceivedOn: portal.DateOf(clock.T), Method: portal.PaymentTransfer}); err != nil {
					t.Fatal(err)
				}
			}
			sweep := func() portal.PromiseReport {
				t.Helper()
				rep, err := db.SweepPromises(base)
				if err != nil {
					t.Fatal(err)
				}
				return rep
			}

			t.Run("KeptByMatchingPayment", func(t *testing.T) {
				c := newOpen("P-KEPT")
				p := promise(agent, c, 60000, "2024-07-10", portal.PromiseFromAgent)
				if p.Status != portal.PromiseExpected || p.Source != portal.PromiseFromAgent || p.ByKind != portal.ActorUser || p.ByID != "user-1" || p.Currency != "EUR" {
					t.Fatalf("recorded %+v", p)
				}
				if evs := kindsOf(t, db, tn.ID, c.ID, portal.EventPromiseRecorded); len(evs) != 1 || evs[0].Actor.ID != "user-1" {
					t.Fatalf("promise.recorded events %+v", evs)
				}
				pay(c, 20000)
				if got := find(c, p.ID); got.Status != portal.PromiseExpected || got.PaidAmount != 20000 {
					t.Fatalf("after a part: %+v", got)
				}
				pay(c, 50000) // more than the rest: the promise takes what it lacks
				got := find(c, p.ID)
				if got.Status != portal.PromiseKept || got.PaidAmount != 60000 || got.ClosedAt == nil {
					t.Fatalf("after the rest: %+v", got)
				}
				if evs := kindsOf(t, db, tn.ID, c.ID, portal.EventPromiseKept); len(evs) != 1 || !strings.Contains(evs[0].Payload, `"paid_amount":60000`) {
					t.Fatalf("promise.kept events %+v", evs)
				}
				texts := systemTexts(t, db, tn.ID, c.ID)
				if len(texts) != 2 || !strings.HasPrefix(texts[0], "promise.expected|60000|EUR|2|2024-07-10|") || !strings.HasPrefix(texts[1], "promise.kept|60000|EUR|2|2024-07-10|60000") {
					t.Fatalf("conversation told %q", texts)
				}
				// Judged later, a kept promise stays kept.
				clock.T = clock.T.AddDate(0, 1, 0)
				defer func() { clock.T = time.Date(2024, 6, 30, 10, 0, 0, 0, time.UTC) }()
				sweep()
				if got := find(c, p.ID); got.Status != portal.PromiseKept {
					t.Fatalf("a kept promise was judged again: %+v", got)
				}
			})

			// Every channel's payment keeps a promise: a card payment from the
			// provider's webhook, a transfer matched on a bank statement.
			t.Run("KeptByCardAndStatement", func(t *testing.T) {
				card, bank := newOpen("P-CARD"), newOpen("P-BANK")
				pc := promise(agent, card, 30000, "2024-07-10", portal.PromiseFromAgent)
				pb := promise(agent, bank, 30000, "2024-07-10", portal.PromiseFromAgent)
				md := map[string]string{"tenant_id": tn.ID, "claim_id": card.ID}
				ev := signedCardEvent(t, "evt_pi_P", "payment_intent.succeeded", clock.T, map[string]any{"id": "pi_P", "object": "payment_intent",
					"amount": 30000, "amount_received": 30000, "currency": "eur", "latest_charge": "ch_P", "metadata": md})
				if res, err := db.ApplyCardEvent(base, ev); err != nil || len(res.Payments) != 1 {
					t.Fatalf("card payment: %+v %v", res, err)
				}
				if _, err := db.RecordStatement(agent, tn.ID, "csv", []*portal.StatementLine{{BankRef: "B-P-1", BookedOn: portal.DateOf(clock.T), Amount: 30000,
					Currency: "EUR", Credit: true, Reference: bank.Reference, Status: portal.LineMatched, ClaimID: bank.ID}}); err != nil {
					t.Fatal(err)
				}
				for _, x := range []struct {
					c *portal.Claim
					p *portal.Promise
				}{{card, pc}, {bank, pb}} {
					if got := find(x.c, x.p.ID); got.Status != portal.PromiseKept || got.PaidAmount != 30000 {
						t.Errorf("%s: %+v", x.c.Reference, got)
					}
				}
			})

			t.Run("PartlyKeptAndBroken", func(t *testing.T) {
				part, none := newOpen("P-PART"), newOpen("P-NONE")
				pp := promise(agent, part, 60000, "2024-07-05", portal.PromiseFromAgent)
				pn := promise(debtor, none, 60000, "2024-07-05", portal.PromiseFromPortal)
				pay(part, 10000)
				// On the last day of the grace nothing is judged yet.
				clock.T = time.Date(2024, 7, 8, 20, 0, 0, 0, time.UTC)
				defer func() { clock.T = time.Date(2024, 6, 30, 10, 0, 0, 0, time.UTC) }()
				if rep := sweep(); rep.Broken+rep.PartlyKept != 0 {
					t.Fatalf("judged during the grace: %+v", rep)
				}
				clock.T = time.Date(2024, 7, 9, 8, 0, 0, 0, time.UTC)
				if rep := sweep(); rep.Broken != 1 || rep.PartlyKept != 1 {
					t.Fatalf("judged %+v, want one broken, one partly kept", rep)
				}
				if got := find(part, pp.ID); got.Status != portal.PromisePartlyKept || got.PaidAmount != 10000 {
					t.Fatalf("part paid: %+v", got)
				}
				if got := find(none, pn.ID); got.Status != portal.PromiseBroken || got.PaidAmount != 0 || got.ClosedAt == nil {
					t.Fatalf("nothing paid: %+v", got)
				}
				if evs := kindsOf(t, db, tn.ID, none.ID, portal.EventPromiseBroken); len(evs) != 1 || evs[0].Actor.Kind != portal.ActorSystem {
					t.Fatalf("promise.broken events %+v", evs)
				}
				if evs := kindsOf(t, db, tn.ID, part.ID, portal.EventPromisePartlyKept); len(evs) != 1 {
					t.Fatalf("promise.partly_kept events %+v", evs)
				}
				// The agent is told: the message, and the conversation waits in
				// the queue.
				if texts := systemTexts(t, db, tn.ID, none.ID); len(texts) != 2 || !strings.HasPrefix(texts[1], "promise.broken|60000|EUR|2|2024-07-05|0") {
					t.Fatalf("conversation told %q", texts)
				}
				q, err := db.Queue(base, tn.ID, 0)
				if err != nil {
					t.Fatal(err)
				}
				queued := map[string]bool{}
				for _, it := range q {
					queued[it.ClaimID] = true
				}
				if !queued[none.ID] || !queued[part.ID] {
					t.Fatalf("queue %+v lacks the broken and partly kept promises' claims", q)
				}
				follow, err := db.PromisesToFollow(base, tn.ID, 0)
				if err != nil {
					t.Fatal(err)
				}
				seen := map[string]portal.PromiseStatus{}
				for _, it := range follow {
					seen[it.ID] = it.Status
					if it.ClaimReference == "" || it.DebtorName == "" {
						t.Fatalf("item without its claim: %+v", it)
					}
				}
				if seen[pp.ID] != portal.PromisePartlyKept || seen[pn.ID] != portal.PromiseBroken {
					t.Fatalf("to follow: %v", seen)
				}
				// A payment after the judgement changes nothing.
				pay(none, 60000)
				if got := find(none, pn.ID); got.Status != portal.PromiseBroken {
					t.Fatalf("a late payment changed a broken promise: %+v", got)
				}
			})

			t.Run("EndedClaimNobodyCalled", func(t *testing.T) {
				c := newOpen("P-ENDED")
				p := promise(agent, c, 1000, "2024-07-01", portal.PromiseFromAgent)
				if _, err := db.ChangeStatus(agent, tn.ID, c.ID, portal.StatusChange{To: portal.StatusWrittenOff, Reason: "abandoned"}); err != nil {
					t.Fatal(err)
				}
				clock.T = time.Date(2024, 7, 10, 10, 0, 0, 0, time.UTC)
				defer func() { clock.T = time.Date(2024, 6, 30, 10, 0, 0, 0, time.UTC) }()
				sweep()
				if got := find(c, p.ID); got.Status != portal.PromiseBroken {
					t.Fatalf("promise on a written-off claim: %+v", got)
				}
				if texts := systemTexts(t, db, tn.ID, c.ID); len(texts) != 1 {
					t.Fatalf("an agent was called for a written-off claim: %q", texts)
				}
			})

			t.Run("Refused", func(t *testing.T) {
				c := newOpen("P-REFUSED")
				for name, in := range map[string]portal.PromiseInput{
					"past":         {Amount: 1000, DueOn: portal.MustDate("2024-06-29"), Source: portal.PromiseFromAgent},
					"beyondPolicy": {Amount: 1000, DueOn: portal.MustDate("2024-07-31"), Source: portal.PromiseFromAgent}, // default policy: 30 days
					"zero":         {Amount: 0, DueOn: portal.MustDate("2024-07-10"), Source: portal.PromiseFromAgent},
					"overBalance":  {Amount: 10_000_000, DueOn: portal.MustDate("2024-07-10"), Source: portal.PromiseFromAgent},
					"currency":     {Amount: 1000, Currency: "USD", DueOn: portal.MustDate("2024-07-10"), Source: portal.PromiseFromAgent},
				} {
					if _, err := db.RecordPromise(agent, tn.ID, c.ID, in); portal.ErrorCode(err) != portal.EINVALID {
						t.Errorf("%s: %v, want invalid", name, err)
					}
				}
				promise(debtor, c, 1000, "2024-07-30", portal.PromiseFromPortal)
				if _, err := db.RecordPromise(debtor, tn.ID, c.ID, portal.PromiseInput{Amount: 1000, DueOn: portal.MustDate("2024-07-20"), Source: portal.PromiseFromPortal}); portal.ErrorCode(err) != portal.ECONFLICT {
					t.Fatalf("a second promise from the portal: %v, want conflict", err)
				}
				if ps, _ := db.ClaimPromises(base, tn.ID, c.ID); len(ps) != 1 {
					t.Fatalf("refused promises were stored: %d", len(ps))
				}
				settled := newOpen("P-SETTLED")
				if _, err := db.ChangeStatus(agent, tn.ID, settled.ID, portal.StatusChange{To: portal.StatusSettled, Reason: "settled for less"}); err != nil {
					t.Fatal(err)
				}
				if _, err := db.RecordPromise(agent, tn.ID, settled.ID, portal.PromiseInput{Amount: 1000, DueOn: portal.MustDate("2024-07-10"), Source: portal.PromiseFromAgent}); portal.ErrorCode(err) != portal.ECONFLICT {
					t.Fatalf("a promise on a settled claim: %v, want conflict", err)
				}
			})

			t.Run("TenantIsolation", func(t *testing.T) {
				c := newOpen("P-ISO")
				promise(agent, c, 1000, "2024-07-10", portal.PromiseFromAgent)
				if _, err := db.ClaimPromises(base, other.ID, c.ID); portal.ErrorCode(err) != portal.ENOTFOUND {
					t.Fatalf("another tenant listed the promises: %v", err)
				}
				otherAgent := portal.WithActor(base, portal.Actor{Kind: portal.ActorUser, ID: "user-2", TenantID: other.ID})
				if _, err := db.RecordPromise(otherAgent, other.ID, c.ID, portal.PromiseInput{Amount: 1000, DueOn: portal.MustDate("2024-07-10"), Source: portal.PromiseFromAgent}); portal.ErrorCode(err) != portal.ENOTFOUND {
					t.Fatalf("another tenant recorded a promise: %v", err)
				}
				if follow, err := db.PromisesToFollow(base, other.ID, 0); err != nil || len(follow) != 0 {
					t.Fatalf("another tenant's promises to follow: %v %+v", err, follow)
				}
			})

			t.Run("AcceptedInTheChat", func(t *testing.T) {
				c := newOpen("P-CHAT")
				rates, err := rules.Default()
				if err != nil {
					t.Fatal(err)
				}
				svc := &negotiation.Service{Store: db, Claims: db, Balance: negotiation.RulesBalance(rates), Clock: clock, Location: negotiation.TenantLocation(db)}
				conv, err := db.OpenConversation(base, tn.ID, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				p := negotiation.Participant{Kind: portal.ActorDebtor, ID: "sess-2", TenantID: tn.ID, ClaimID: c.ID}
				out, err := svc.Handle(debtor, p, conv, negotiation.Input{Type: negotiation.MsgOffer, ClientID: "o-1",
					Offer: &negotiation.Offer{Kind: negotiation.KindPromise, Date: portal.MustDate("2024-07-15")}})
				if err != nil || len(out.Messages) != 2 {
					t.Fatalf("promise offer: %v %+v", err, out)
				}
				ps, err := db.ClaimPromises(base, tn.ID, c.ID)
				if err != nil || len(ps) != 1 {
					t.Fatalf("promises after the accepted offer: %v %+v", err, ps)
				}
				bal := balanceOf(t, db, tn.ID, c.ID).Total
				if got := ps[0]; got.Source != portal.PromiseFromChat || got.OfferID != out.Messages[0].OfferID || got.Amount != bal ||
					got.DueOn != portal.MustDate("2024-07-15") || got.Status != portal.PromiseExpected {
					t.Fatalf("chat promise %+v (balance %d)", got, bal)
				}
				// A settlement is no promise.
				if _, err := svc.Handle(debtor, p, conv, negotiation.Input{Type: negotiation.MsgOffer, ClientID: "o-2",
					Offer: &negotiation.Offer{Kind: negotiation.KindSettlement, Amount: bal}}); err != nil {
					t.Fatal(err)
				}
				if ps, _ := db.ClaimPromises(base, tn.ID, c.ID); len(ps) != 1 {
					t.Fatalf("a settlement recorded a promise: %d", len(ps))
				}
			})
		})
	}
}

// Promises hold tenant data (a free-text note): the purge and isolation
// dumps of privacy_test.go read them too.
func init() { tablesWithTenant = append(tablesWithTenant, "promises") }
