package store_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// statusMoves returns the status.changed events of a claim as "from>to"
// with the payment that made each.
func statusMoves(t *testing.T, db *store.DB, tenantID, claimID string) (moves []string, payments []string) {
	t.Helper()
	evs, err := db.ListEvents(context.Background(), tenantID, claimID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.Kind != portal.EventStatusChanged {
			continue
		}
		var p struct {
			From, To  string
			PaymentID string `json:"payment_id"`
		}
		if err := json.Unmarshal([]byte(e.Payload), &p); err != nil {
			t.Fatal(err)
		}
		moves, payments = append(moves, p.From+">"+p.To), append(payments, p.PaymentID)
	}
	return moves, payments
}

// balanceOf is what the claim owes on the store's clock date (30 June 2024).
func balanceOf(t *testing.T, db *store.DB, tenantID, claimID string) *rules.Balance {
	t.Helper()
	rates, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.FindClaim(context.Background(), tenantID, claimID)
	if err != nil {
		t.Fatal(err)
	}
	b, err := rates.Compute(c, portal.MustDate("2024-06-30"))
	if err != nil {
		t.Fatal(err)
	}
	if !b.Complete {
		t.Fatalf("fixture: the balance of 30 June 2024 should be complete: %+v", b.MissingRates)
	}
	return b
}

func statusOf(t *testing.T, db *store.DB, tenantID, claimID string) portal.Status {
	t.Helper()
	c, err := db.FindClaim(context.Background(), tenantID, claimID)
	if err != nil {
		t.Fatal(err)
	}
	return c.Status
}

// TestSettleOnPayment (issue 24.11): a payment that leaves nothing to pay
// settles the claim in its own transaction, with status.changed naming the
// payment; a partial payment leaves it open; a reversal that brings a
// balance back reopens it. The same holds for a card payment applied from
// the provider's webhook (and its refund) and for a transfer matched from
// a bank statement.
func TestSettleOnPayment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tn := seedTenant(t, db, "Alpha")
		on := portal.MustDate("2024-06-30")

		t.Run("Manual", func(t *testing.T) {
			c := newClaim("S-MANUAL")
			if err := db.CreateClaim(ctx, tn.ID, c); err != nil {
				t.Fatal(err)
			}
			part := &portal.Payment{ClaimID: c.ID, Amount: 50000, ReceivedOn: on, Method: portal.PaymentTransfer}
			if err := db.AddPayment(ctx, tn.ID, part); err != nil {
				t.Fatal(err)
			}
			if st := statusOf(t, db, tn.ID, c.ID); st != portal.StatusOpen {
				t.Fatalf("after a partial payment the claim is %s, want open", st)
			}
			rest := &portal.Payment{ClaimID: c.ID, Amount: balanceOf(t, db, tn.ID, c.ID).Total, ReceivedOn: on, Method: portal.PaymentOther}
			if err := db.AddPayment(ctx, tn.ID, rest); err != nil {
				t.Fatal(err)
			}
			if st := statusOf(t, db, tn.ID, c.ID); st != portal.StatusSettled {
				t.Fatalf("after paying the rest the claim is %s, want settled", st)
			}
			moves, pays := statusMoves(t, db, tn.ID, c.ID)
			if len(moves) != 1 || moves[0] != "open>settled" || pays[0] != rest.ID {
				t.Fatalf("status events %v %v, want open>settled by %s", moves, pays, rest.ID)
			}
			if _, err := db.ReversePayment(ctx, tn.ID, c.ID, rest.ID, "recorded twice"); err != nil {
				t.Fatal(err)
			}
			if st := statusOf(t, db, tn.ID, c.ID); st != portal.StatusOpen {
				t.Fatalf("after the reversal the claim is %s, want open", st)
			}
			if moves, _ := statusMoves(t, db, tn.ID, c.ID); len(moves) != 2 || moves[1] != "settled>open" {
				t.Fatalf("status events %v, want open>settled then settled>open", moves)
			}
			// The status moves are links of the claim's event chain.
			evs, err := db.ListEvents(ctx, tn.ID, c.ID, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			for i, e := range evs {
				if e.ComputeHash() != e.Hash || (i > 0 && e.PrevHash != evs[i-1].Hash) {
					t.Fatalf("event %d (%s) breaks the chain", e.Seq, e.Kind)
				}
			}
		})

		t.Run("PositivePaymentNeverReopens", func(t *testing.T) {
			c := newClaim("S-FORLESS")
			if err := db.CreateClaim(ctx, tn.ID, c); err != nil {
				t.Fatal(err)
			}
			// The creditor settles for less, then a small payment arrives.
			if _, err := db.ChangeStatus(ctx, tn.ID, c.ID, portal.StatusChange{To: portal.StatusSettled, Reason: "settled for less"}); err != nil {
				t.Fatal(err)
			}
			if err := db.AddPayment(ctx, tn.ID, &portal.Payment{ClaimID: c.ID, Amount: 100, ReceivedOn: on, Method: portal.PaymentTransfer}); err != nil {
				t.Fatal(err)
			}
			if st := statusOf(t, db, tn.ID, c.ID); st != portal.StatusSettled {
				t.Fatalf("a payment on a claim settled for less made it %s", st)
			}
		})

		t.Run("Card", func(t *testing.T) {
			c := newClaim("S-CARD")
			if err := db.CreateClaim(ctx, tn.ID, c); err != nil {
				t.Fatal(err)
			}
			total := balanceOf(t, db, tn.ID, c.ID).Total
			md := map[string]string{"tenant_id": tn.ID, "claim_id": c.ID}
			now := time.Date(2024, 6, 30, 10, 0, 0, 0, time.UTC)
			pay := signedCardEvent(t, "evt_pi_S", "payment_intent.succeeded", now, map[string]any{"id": "pi_S", "object": "payment_intent",
				"amount": total, "amount_received": total, "currency": "eur", "latest_charge": "ch_S", "metadata": md})
			if res, err := db.ApplyCardEvent(ctx, pay); err != nil || len(res.Payments) != 1 {
				t.Fatalf("payment: %+v %v", res, err)
			}
			if st := statusOf(t, db, tn.ID, c.ID); st != portal.StatusSettled {
				t.Fatalf("after the card payment the claim is %s, want settled", st)
			}
			refund := signedCardEvent(t, "evt_ch_S", "charge.refunded", now, map[string]any{"id": "ch_S", "object": "charge",
				"amount": total, "amount_refunded": 1000, "currency": "eur", "payment_intent": "pi_S", "metadata": md})
			if _, err := db.ApplyCardEvent(ctx, refund); err != nil {
				t.Fatal(err)
			}
			if st := statusOf(t, db, tn.ID, c.ID); st != portal.StatusOpen {
				t.Fatalf("after a partial refund the claim is %s, want open", st)
			}
		})

		t.Run("Statement", func(t *testing.T) {
			c := newClaim("S-BANK")
			if err := db.CreateClaim(ctx, tn.ID, c); err != nil {
				t.Fatal(err)
			}
			total := balanceOf(t, db, tn.ID, c.ID).Total
			if _, err := db.RecordStatement(ctx, tn.ID, "csv", []*portal.StatementLine{{BankRef: "B-S-1", BookedOn: on, Amount: total,
				Currency: "EUR", Credit: true, Reference: c.Reference, Status: portal.LineMatched, ClaimID: c.ID}}); err != nil {
				t.Fatal(err)
			}
			if st := statusOf(t, db, tn.ID, c.ID); st != portal.StatusSettled {
				t.Fatalf("after the matched transfer the claim is %s, want settled", st)
			}
		})
	})
}

// TestSettleOnCreditNote: a credit note that leaves nothing to pay settles
// the claim as a payment to zero does, with status.changed naming the
// credit note, whether it is recorded by the creditor or granted by a
// partly accepted dispute; one that leaves a balance keeps it open.
func TestSettleOnCreditNote(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tn := seedTenant(t, db, "Alpha")
		on := portal.MustDate("2024-06-30")
		// payAllBut leaves 100.00 of principal to pay on a new claim.
		payAllBut := func(ref string) *portal.Claim {
			t.Helper()
			c := newClaim(ref)
			if err := db.CreateClaim(ctx, tn.ID, c); err != nil {
				t.Fatal(err)
			}
			p := &portal.Payment{ClaimID: c.ID, Amount: balanceOf(t, db, tn.ID, c.ID).Total - 10000, ReceivedOn: on, Method: portal.PaymentTransfer}
			if err := db.AddPayment(ctx, tn.ID, p); err != nil {
				t.Fatal(err)
			}
			if b := balanceOf(t, db, tn.ID, c.ID); b.Total != 10000 {
				t.Fatalf("fixture: balance %d after the payment, want 10000", b.Total)
			}
			return c
		}

		t.Run("Recorded", func(t *testing.T) {
			c := payAllBut("S-CN")
			part := &portal.CreditNote{ClaimID: c.ID, Number: "AV-1", IssueDate: on, Amount: 4000}
			if err := db.AddCreditNote(ctx, tn.ID, part); err != nil {
				t.Fatal(err)
			}
			if st := statusOf(t, db, tn.ID, c.ID); st != portal.StatusOpen {
				t.Fatalf("after a credit note leaving a balance the claim is %s, want open", st)
			}
			rest := &portal.CreditNote{ClaimID: c.ID, Number: "AV-2", IssueDate: on, Amount: 6000}
			if err := db.AddCreditNote(ctx, tn.ID, rest); err != nil {
				t.Fatal(err)
			}
			if b := balanceOf(t, db, tn.ID, c.ID); b.Total != 0 {
				t.Fatalf("balance %d after the credit notes, want 0", b.Total)
			}
			if st := statusOf(t, db, tn.ID, c.ID); st != portal.StatusSettled {
				t.Fatalf("after a credit note to zero the claim is %s, want settled", st)
			}
			evs, err := db.ListEvents(ctx, tn.ID, c.ID, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			var last portal.Event
			for _, e := range evs {
				if e.Kind == portal.EventStatusChanged {
					last = *e
				}
			}
			var pl struct {
				From, To     string
				CreditNoteID string `json:"credit_note_id"`
			}
			if err := json.Unmarshal([]byte(last.Payload), &pl); err != nil {
				t.Fatal(err)
			}
			if pl.From != "open" || pl.To != "settled" || pl.CreditNoteID != rest.ID {
				t.Fatalf("status.changed %s, want open>settled by credit note %s", last.Payload, rest.ID)
			}
		})

		t.Run("Dispute", func(t *testing.T) {
			c := payAllBut("S-CN-DISPUTE")
			_, token, err := db.IssueLink(ctx, tn.ID, c.ID, portal.ChannelLetter, 30*24*time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			op, err := db.OpenLink(ctx, token)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.CheckIdentity(ctx, op.Session.ID, "75011"); err != nil {
				t.Fatal(err)
			}
			op.Session.Verified = true
			d := &portal.Dispute{ClaimID: c.ID, Reason: portal.ReasonWrongAmount, Text: "the amount is wrong"}
			if err := db.FileDispute(ctx, op.Session, d); err != nil {
				t.Fatal(err)
			}
			r := portal.Resolution{Outcome: portal.DisputePartlyAccepted, Reason: "a credit note for the rest", AdjustedAmount: 10000}
			if _, err := db.ResolveDispute(ctx, tn.ID, c.ID, d.ID, r); err != nil {
				t.Fatal(err)
			}
			if st := statusOf(t, db, tn.ID, c.ID); st != portal.StatusSettled {
				t.Fatalf("after a dispute credited to zero the claim is %s, want settled", st)
			}
			if moves, _ := statusMoves(t, db, tn.ID, c.ID); len(moves) != 3 || moves[2] != "open>settled" {
				t.Fatalf("status events %v, want open>disputed, disputed>open, open>settled", moves)
			}
		})
	})
}
