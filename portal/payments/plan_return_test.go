package payments_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// planSettledBy seeds a plan of two instalments on e's claim: 5000 by
// transfer on 2024-07-01, paid that day, and the rest of the balance on
// 2024-07-20 by method, whose amount is what is due that day, so that
// paying it completes the plan and settles the claim. The clock is left on
// 2024-07-20.
func planSettledBy(t *testing.T, e *sepaEnv, method string) []string {
	t.Helper()
	ctx := context.Background()
	c := e.claim
	e.at("2024-07-01")
	ids := seedPlan(t, e.db, c, []planItem{{"2024-07-01", 5000, "transfer"}, {"2024-07-20", 5000, method}})
	if err := e.db.AddPayment(ctx, c.TenantID, &portal.Payment{ClaimID: c.ID, Amount: 5000, Currency: "EUR",
		ReceivedOn: portal.MustDate("2024-07-01"), Method: "transfer"}); err != nil {
		t.Fatal(err)
	}
	e.at("2024-07-20")
	_, bal, err := e.svc.Balance(ctx, c.TenantID, c.ID)
	if err != nil || bal.Total <= 5000 {
		t.Fatalf("balance %+v %v", bal, err)
	}
	q := "UPDATE instalments SET amount = ? WHERE id = ?"
	if e.db.Dialect == store.Postgres {
		q = "UPDATE instalments SET amount = $1 WHERE id = $2"
	}
	if _, err := e.db.SQL().Exec(q, bal.Total, ids[1]); err != nil {
		t.Fatal(err)
	}
	return ids
}

// mustBeSettledByPlan checks that the plan was completed and the claim
// settled.
func mustBeSettledByPlan(t *testing.T, e *sepaEnv) {
	t.Helper()
	got, err := e.db.FindClaim(context.Background(), e.claim.TenantID, e.claim.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st := e.statuses(t, e.claim); got.Status != portal.StatusSettled || st[0] != "paid" || st[1] != "paid" {
		t.Fatalf("the plan did not settle the claim: %s %v", got.Status, st)
	}
	if !hasKind(t, e, portal.EventPlanCompleted) {
		t.Fatal("no plan.completed")
	}
}

func hasKind(t *testing.T, e *sepaEnv, k portal.EventKind) bool {
	for _, x := range lastKinds(t, e.db, e.claim, 1000) {
		if x == k {
			return true
		}
	}
	return false
}

// backToPlan returns the status.changed events that put the claim back in
// its plan.
func backToPlan(t *testing.T, e *sepaEnv) []map[string]any {
	t.Helper()
	evs, err := e.db.ListEvents(context.Background(), e.claim.TenantID, e.claim.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, ev := range evs {
		var p map[string]any
		if ev.Kind == portal.EventStatusChanged && json.Unmarshal([]byte(ev.Payload), &p) == nil && p["from"] == "settled" {
			out = append(out, p)
		}
	}
	return out
}

func claimStatus(t *testing.T, e *sepaEnv) portal.Status {
	t.Helper()
	got, err := e.db.FindClaim(context.Background(), e.claim.TenantID, e.claim.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got.Status
}

// TestTakenBackPaymentReturnsClaimToPlan (issue 20): when the payment that
// completed a plan, and so settled the claim, is taken back, the claim
// goes back to its plan (settled → in_plan, the one move outside the
// status table, with its reason in status.changed), not to open, with the
// instalment it paid owed again: a card refund a day later leaves the plan
// in force and the scheduler charges the instalment again, which completes
// the plan again; a manual reversal of a transfer does the same; a SEPA
// dispute (signed charge.dispute.created) weeks later returns the claim to
// its plan, and the plan policy then breaks it (the instalment is more
// than 15 days late): in_plan → open with plan.broken.
func TestTakenBackPaymentReturnsClaimToPlan(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			t.Run("CardRefund", func(t *testing.T) {
				e := newSEPAEnv(t, dialect)
				c := e.claim
				e.saveCard(t, c)
				ids := planSettledBy(t, e, "card")
				e.out.set(ids[1], portal.ChargeSucceeded)
				if rep, err := e.sched.RunOnce(ctx); err != nil || rep.Charged != 1 {
					t.Fatalf("charge: %+v %v", rep, err)
				}
				mustBeSettledByPlan(t, e)
				amount := e.instalment(t, c, 1).Amount
				got, _ := e.db.FindClaim(ctx, c.TenantID, c.ID)
				var intent string
				for _, p := range got.Payments {
					if p.Method == portal.PaymentCard && p.Amount == amount {
						intent = p.Reference
					}
				}
				e.at("2024-07-21")
				res, err := e.db.ApplyCardEvent(ctx, &portal.CardEvent{ID: "evt_refund_last", Type: portal.CardChargeRefunded, RawType: "charge.refunded",
					Created: e.clock.T, PaymentIntentID: intent, ChargeID: "ch_last", Amount: amount, AmountRefunded: amount, Currency: "EUR",
					TenantID: c.TenantID, ClaimID: c.ID})
				if err != nil || len(res.Payments) != 1 {
					t.Fatalf("refund: %+v %v", res, err)
				}
				if st := claimStatus(t, e); st != portal.StatusInPlan {
					t.Fatalf("claim after the refund: %s", st)
				}
				back := backToPlan(t, e)
				if len(back) != 1 || back[0]["to"] != "in_plan" || back[0]["reversal_id"] != res.Payments[0].ID || back[0]["reason"] == "" ||
					back[0]["agreement_id"] != e.instalment(t, c, 1).AgreementID {
					t.Fatalf("status.changed %v", back)
				}
				if st := e.statuses(t, c); st[0] != "paid" || st[1] != "due" {
					t.Fatalf("instalments after the refund %v", st)
				}
				// The scheduler charges it again, and the plan is completed
				// again.
				e.at("2024-07-22")
				if rep, err := e.sched.RunOnce(ctx); err != nil || rep.Charged != 1 || e.out.charged[ids[1]] != 2 {
					t.Fatalf("charged again: %+v %v", rep, err)
				}
				completed := 0
				for _, k := range lastKinds(t, e.db, c, 1000) {
					if k == portal.EventPlanCompleted {
						completed++
					}
				}
				if st := e.statuses(t, c); st[1] != "paid" || completed != 2 {
					t.Fatalf("after the new charge: %v, %d plan.completed", st, completed)
				}
			})
			t.Run("TransferReversed", func(t *testing.T) {
				e := newSEPAEnv(t, dialect)
				c := e.claim
				ids := planSettledBy(t, e, "transfer")
				p := &portal.Payment{ClaimID: c.ID, Amount: e.instalment(t, c, 1).Amount, Currency: "EUR", ReceivedOn: portal.MustDate("2024-07-20"), Method: "transfer"}
				if err := e.db.AddPayment(ctx, c.TenantID, p); err != nil {
					t.Fatal(err)
				}
				mustBeSettledByPlan(t, e)
				rev, err := e.db.ReversePayment(ctx, c.TenantID, c.ID, p.ID, "the transfer was returned by the bank")
				if err != nil {
					t.Fatal(err)
				}
				back := backToPlan(t, e)
				if st := claimStatus(t, e); st != portal.StatusInPlan || len(back) != 1 || back[0]["reversal_id"] != rev.ID || back[0]["payment_id"] != p.ID {
					t.Fatalf("claim after the reversal: %s %v", st, back)
				}
				if in := e.instalment(t, c, 1); in.ID != ids[1] || in.Status != portal.InstalmentDue || in.Paid != 0 {
					t.Fatalf("instalment after the reversal %+v", in)
				}
			})
			t.Run("SEPADisputeWeeksLater", func(t *testing.T) {
				e := newSEPAEnv(t, dialect)
				c := e.claim
				m := e.giveMandate(t, c)
				ids := planSettledBy(t, e, "sepa_debit")
				e.at("2024-07-06")
				if rep, err := e.sched.RunOnce(ctx); err != nil || rep.Notified != 1 {
					t.Fatalf("pre-notification: %+v %v", rep, err)
				}
				e.at("2024-07-20")
				e.out.set(ids[1], portal.ChargeProcessing)
				if rep, err := e.sched.RunOnce(ctx); err != nil || rep.Charged != 1 {
					t.Fatalf("debit: %+v %v", rep, err)
				}
				amount := e.instalment(t, c, 1).Amount
				pi := e.out.intents[ids[1]]
				e.webhook(t, "evt_ok_last", "payment_intent.succeeded", map[string]any{"id": pi, "object": "payment_intent", "status": "succeeded",
					"amount": amount, "amount_received": amount, "currency": "eur", "latest_charge": "py_last",
					"metadata": map[string]string{"tenant_id": c.TenantID, "claim_id": c.ID, "instalment_id": ids[1], "attempt": "1", "mandate": m.ProviderID}})
				mustBeSettledByPlan(t, e)
				e.at("2024-09-10")
				e.webhook(t, "evt_dp_last", "charge.dispute.created", map[string]any{"id": "dp_last", "object": "dispute", "amount": amount, "currency": "eur",
					"charge": "py_last", "payment_intent": pi, "reason": "general", "status": "lost"})
				in := e.instalment(t, c, 1)
				if in.Status != portal.InstalmentFailed || in.LastCode != "debit_disputed" || in.Paid != 0 {
					t.Fatalf("disputed instalment %+v", in)
				}
				back := backToPlan(t, e)
				if len(back) != 1 || back[0]["to"] != "in_plan" || back[0]["dispute"] != "dp_last" || back[0]["reason"] == "" {
					t.Fatalf("status.changed %v", back)
				}
				// Back in its plan, then broken by the plan policy (owed
				// again more than 15 days after its due date).
				k := lastKinds(t, e.db, c, 5)
				if k[0] != portal.EventChargeback || k[1] != portal.EventPaymentFailed || k[2] != portal.EventStatusChanged ||
					k[3] != portal.EventPlanBroken || k[4] != portal.EventStatusChanged {
					t.Fatalf("events %v", k)
				}
				if st := claimStatus(t, e); st != portal.StatusOpen {
					t.Fatalf("claim after the dispute: %s", st)
				}
			})
		})
	}
}
