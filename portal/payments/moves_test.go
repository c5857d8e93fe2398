package payments_test

import (
	"context"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store/storetest"
)

// TestMoveInstalmentDate (issue 20, plans the debtor manages): the debtor
// moves one due date later, within the policy (once per plan, up to 14
// days by default); the move is evidence; the card scheduler charges on
// the new date, not the old; a SEPA debit already announced for the old
// date is announced again for the new one and only then debited.
func TestMoveInstalmentDate(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newSEPAEnv(t, dialect)
			ctx := context.Background()
			c := e.claim
			e.saveCard(t, c)
			ids := seedPlan(t, e.db, c, []planItem{{"2024-07-10", 5000, "card"}, {"2024-08-10", 5000, "card"}})
			e.at("2024-07-01")

			t.Run("Limits", func(t *testing.T) {
				for _, tt := range []struct {
					to   string
					code string
				}{{"2024-07-10", portal.EINVALID}, {"2024-07-09", portal.EINVALID}, {"2024-07-25", portal.EINVALID}} {
					if _, err := e.db.MoveInstalment(ctx, c.TenantID, c.ID, ids[0], portal.MustDate(tt.to)); portal.ErrorCode(err) != tt.code {
						t.Errorf("to %s: %v, want %s", tt.to, err, tt.code)
					}
				}
				if _, err := e.db.MoveInstalment(ctx, c.TenantID, c.ID, "nope", portal.MustDate("2024-07-20")); portal.ErrorCode(err) != portal.ENOTFOUND {
					t.Errorf("unknown instalment: %v", err)
				}
				if _, err := e.db.MoveInstalment(ctx, "other-tenant", c.ID, ids[0], portal.MustDate("2024-07-20")); portal.ErrorCode(err) != portal.ENOTFOUND {
					t.Errorf("another tenant: %v", err)
				}
				if st := e.instalment(t, c, 0); st.DueOn.String() != "2024-07-10" {
					t.Fatalf("a refused move changed the date: %+v", st)
				}
			})
			t.Run("OK", func(t *testing.T) {
				m, err := e.db.DateMoves(ctx, c.TenantID, c.ID)
				if err != nil || m.Left != 1 || m.MaxDays != 14 {
					t.Fatalf("moves %+v %v", m, err)
				}
				in, err := e.db.MoveInstalment(ctx, c.TenantID, c.ID, ids[0], portal.MustDate("2024-07-24"))
				if err != nil || in.DueOn.String() != "2024-07-24" {
					t.Fatalf("%+v %v", in, err)
				}
				if k := lastKinds(t, e.db, c, 1); k[0] != portal.EventInstalmentMoved {
					t.Fatalf("events %v", k)
				}
				if m, _ := e.db.DateMoves(ctx, c.TenantID, c.ID); m.Left != 0 {
					t.Fatalf("moves left %+v", m)
				}
				// Once per plan.
				if _, err := e.db.MoveInstalment(ctx, c.TenantID, c.ID, ids[1], portal.MustDate("2024-08-12")); portal.ErrorCode(err) != portal.ECONFLICT {
					t.Fatalf("second move: %v", err)
				}
			})
			t.Run("ChargedOnTheNewDate", func(t *testing.T) {
				e.at("2024-07-10")
				e.out.set(ids[0], portal.ChargeSucceeded)
				if rep, err := e.sched.RunOnce(ctx); err != nil || rep.Charged+rep.Failed != 0 || e.out.charged[ids[0]] != 0 {
					t.Fatalf("charged on the old date: %+v %v", rep, err)
				}
				e.at("2024-07-14") // past the old date's grace: not missed either
				if rep, _ := e.sched.RunOnce(ctx); rep.Missed != 0 {
					t.Fatalf("missed after its date was moved: %+v", rep)
				}
				e.at("2024-07-24")
				if rep, err := e.sched.RunOnce(ctx); err != nil || rep.Charged != 1 {
					t.Fatalf("new date: %+v %v", rep, err)
				}
				if in := e.instalment(t, c, 0); in.Status != portal.InstalmentPaid {
					t.Fatalf("instalment %+v", in)
				}
				// A paid instalment cannot be moved.
				if _, err := e.db.MoveInstalment(ctx, c.TenantID, c.ID, ids[0], portal.MustDate("2024-07-30")); portal.ErrorCode(err) != portal.ECONFLICT {
					t.Fatalf("moved a paid instalment: %v", err)
				}
			})
		})
	}
}

// TestMoveSEPADebitDate: a SEPA debit pre-notified for its due date is
// moved; the old notice no longer allows the debit, a new notice announces
// the new date, and the debit is taken then.
func TestMoveSEPADebitDate(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newSEPAEnv(t, dialect)
			ctx := context.Background()
			c := e.claim
			e.giveMandate(t, c)
			ids := seedPlan(t, e.db, c, []planItem{{"2024-07-20", 5000, "sepa_debit"}})
			e.at("2024-07-06")
			if rep, _ := e.sched.RunOnce(ctx); rep.Notified != 1 {
				t.Fatalf("notice: %+v", rep)
			}
			e.at("2024-07-10")
			if _, err := e.db.MoveInstalment(ctx, c.TenantID, c.ID, ids[0], portal.MustDate("2024-07-30")); err != nil {
				t.Fatal(err)
			}
			// The new date is 20 days ahead: announced 14 days before it.
			if rep, _ := e.sched.RunOnce(ctx); rep.Notified != 0 {
				t.Fatalf("announced too early: %+v", rep)
			}
			e.at("2024-07-16")
			rep, err := e.sched.RunOnce(ctx)
			if err != nil || rep.Notified != 1 {
				t.Fatalf("new notice: %+v %v", rep, err)
			}
			ns, _ := e.db.DebitNotices(ctx, c.TenantID, c.ID)
			if len(ns) != 2 || ns[1].DebitOn.String() != "2024-07-30" || ns[1].Attempt != 1 {
				t.Fatalf("notices %+v", ns)
			}
			e.at("2024-07-20")
			if _, err := e.sched.RunOnce(ctx); err != nil || e.out.charged[ids[0]] != 0 {
				t.Fatalf("debited on the old date: %d %v", e.out.charged[ids[0]], err)
			}
			e.at("2024-07-30")
			e.out.set(ids[0], portal.ChargeProcessing)
			if rep, err := e.sched.RunOnce(ctx); err != nil || rep.Charged != 1 {
				t.Fatalf("debit on the new date: %+v %v", rep, err)
			}
		})
	}
}

// TestPaySEPAInstalmentEarly: the debtor pays a pre-notified SEPA
// instalment early by card on the portal (a Checkout for that instalment);
// the debit announced for it is then not taken.
func TestPaySEPAInstalmentEarly(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newSEPAEnv(t, dialect)
			ctx := context.Background()
			c := e.claim
			e.giveMandate(t, c)
			ids := seedPlan(t, e.db, c, []planItem{{"2024-07-20", 5000, "sepa_debit"}, {"2024-08-20", 5000, "sepa_debit"}})
			e.at("2024-07-06")
			if rep, _ := e.sched.RunOnce(ctx); rep.Notified != 1 {
				t.Fatalf("notice: %+v", rep)
			}
			e.at("2024-07-10")
			u, err := e.svc.StartCheckout(ctx, portal.CheckoutStart{TenantID: c.TenantID, ClaimID: c.ID, InstalmentID: ids[0],
				SuccessURL: "http://relais.test/ok", CancelURL: "http://relais.test/no"})
			if err != nil || u == "" {
				t.Fatalf("checkout %q %v", u, err)
			}
			e.webhook(t, "evt_early", "payment_intent.succeeded", map[string]any{"id": "pi_early", "object": "payment_intent", "status": "succeeded",
				"amount": 5000, "amount_received": 5000, "currency": "eur",
				"metadata": map[string]string{"tenant_id": c.TenantID, "claim_id": c.ID, "instalment_id": ids[0]}})
			if in := e.instalment(t, c, 0); in.Status != portal.InstalmentPaid {
				t.Fatalf("instalment %+v", in)
			}
			if in := e.instalment(t, c, 1); in.Status != portal.InstalmentDue {
				t.Fatalf("the early payment went to the next instalment: %+v", in)
			}
			e.at("2024-07-20")
			if _, err := e.sched.RunOnce(ctx); err != nil || e.out.charged[ids[0]] != 0 {
				t.Fatalf("an instalment paid early was debited: %d %v", e.out.charged[ids[0]], err)
			}
			got, _ := e.db.FindClaim(ctx, c.TenantID, c.ID)
			if len(got.Payments) != 1 || got.Payments[0].Method != portal.PaymentCard {
				t.Fatalf("payments %+v", got.Payments)
			}
		})
	}
}

// TestSettlePlanRest (issue 20, plans the debtor manages): the debtor of a
// SEPA plan settles the rest at once by card on the portal. The Checkout
// asks for every instalment still to pay (never one processing at the
// bank), the payment pays them all, the plan is completed (plan.completed
// counts the debit announced and no longer taken) and the scheduler debits
// nothing more; a second "settle the rest" is refused.
func TestSettlePlanRest(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newSEPAEnv(t, dialect)
			ctx := context.Background()
			c := e.claim
			e.giveMandate(t, c)
			ids := seedPlan(t, e.db, c, []planItem{{"2024-07-20", 5000, "sepa_debit"}, {"2024-08-20", 5000, "sepa_debit"}, {"2024-09-20", 5000, "sepa_debit"}})
			e.at("2024-07-06")
			if rep, _ := e.sched.RunOnce(ctx); rep.Notified != 1 {
				t.Fatalf("notice: %+v", rep)
			}
			e.at("2024-07-10")
			start := portal.CheckoutStart{TenantID: c.TenantID, ClaimID: c.ID, Rest: true, SuccessURL: "http://relais.test/ok", CancelURL: "http://relais.test/no"}
			t.Run("ErrInvalid", func(t *testing.T) {
				bad := start
				bad.InstalmentID = ids[0]
				if _, err := e.svc.StartCheckout(ctx, bad); portal.ErrorCode(err) != portal.EINVALID {
					t.Fatalf("rest and an instalment: %v", err)
				}
				other := start
				other.TenantID = "other-tenant"
				if _, err := e.svc.StartCheckout(ctx, other); portal.ErrorCode(err) != portal.ENOTFOUND {
					t.Fatalf("another tenant: %v", err)
				}
			})
			if u, err := e.svc.StartCheckout(ctx, start); err != nil || u == "" {
				t.Fatalf("checkout %q %v", u, err)
			}
			evs, _ := e.db.ListEvents(ctx, c.TenantID, c.ID, 0, 0)
			if last := evs[len(evs)-1]; last.Kind != portal.EventPaymentStarted || !strings.Contains(last.Payload, `"amount":15000`) {
				t.Fatalf("checkout event %s %s", last.Kind, last.Payload)
			}
			e.webhook(t, "evt_rest", "payment_intent.succeeded", map[string]any{"id": "pi_rest", "object": "payment_intent", "status": "succeeded",
				"amount": 15000, "amount_received": 15000, "currency": "eur",
				"metadata": map[string]string{"tenant_id": c.TenantID, "claim_id": c.ID}})
			if st := e.statuses(t, c); strings.Join(st, " ") != "paid paid paid" {
				t.Fatalf("statuses %v", st)
			}
			evs, _ = e.db.ListEvents(ctx, c.TenantID, c.ID, 0, 0)
			var done *portal.Event
			for _, ev := range evs {
				if ev.Kind == portal.EventPlanCompleted {
					done = ev
				}
			}
			if done == nil || !strings.Contains(done.Payload, `"instalments_paid":3`) || !strings.Contains(done.Payload, `"paid_early":3`) ||
				!strings.Contains(done.Payload, `"debits_cancelled":1`) {
				t.Fatalf("plan.completed %+v", done)
			}
			e.at("2024-07-20")
			if _, err := e.sched.RunOnce(ctx); err != nil || e.out.charged[ids[0]] != 0 {
				t.Fatalf("a settled plan was debited: %d %v", e.out.charged[ids[0]], err)
			}
			if _, err := e.svc.StartCheckout(ctx, start); portal.ErrorCode(err) != portal.EINVALID {
				t.Fatalf("settled twice: %v", err)
			}
		})
	}
}

// TestChangePlanMethod (issue 20, plans the debtor manages): the debtor of
// a card plan switches the rest to SEPA Direct Debit; without a mandate
// they are to give one; once given, the next instalment is pre-notified
// and debited, not charged to the card. Switched again to transfer, the
// instalment left is neither announced nor debited (the one the bank is
// settling stays as it is); switched back to card, it is charged on its
// date. Each change is evidence; a change to the way already used, or on
// another tenant's claim, is refused.
func TestChangePlanMethod(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newSEPAEnv(t, dialect)
			ctx := context.Background()
			c := e.claim
			e.saveCard(t, c)
			ids := seedPlan(t, e.db, c, []planItem{{"2024-07-20", 5000, "card"}, {"2024-08-20", 5000, "card"}})
			e.at("2024-07-01")
			sepa := portal.PlanPayment{Method: portal.MethodSEPADebit, MandateVia: portal.MandateViaSEPADebit}
			if _, err := e.db.ChangePlanMethod(ctx, "other-tenant", c.ID, sepa); portal.ErrorCode(err) != portal.ENOTFOUND {
				t.Fatalf("another tenant: %v", err)
			}
			ch, err := e.db.ChangePlanMethod(ctx, c.TenantID, c.ID, sepa)
			if err != nil || ch.From != "card" || ch.To != "sepa_debit" || ch.Instalments != 2 || !ch.MandateNeeded {
				t.Fatalf("to SEPA: %+v %v", ch, err)
			}
			if k := lastKinds(t, e.db, c, 1); k[0] != portal.EventPlanMethodChanged {
				t.Fatalf("events %v", k)
			}
			if _, err := e.db.ChangePlanMethod(ctx, c.TenantID, c.ID, sepa); portal.ErrorCode(err) != portal.ECONFLICT {
				t.Fatalf("the same way again: %v", err)
			}
			e.giveMandate(t, c)
			e.at("2024-07-06")
			if rep, err := e.sched.RunOnce(ctx); err != nil || rep.Notified != 1 {
				t.Fatalf("pre-notification after the switch: %+v %v", rep, err)
			}
			e.at("2024-07-20")
			e.out.set(ids[0], portal.ChargeProcessing)
			if rep, err := e.sched.RunOnce(ctx); err != nil || rep.Charged != 1 {
				t.Fatalf("debit: %+v %v", rep, err)
			}
			if f := e.out.forms[ids[0]]; f.Get("payment_method_types[0]") != "sepa_debit" && f.Get("payment_method") != "pm_sepa_1" {
				t.Fatalf("the first instalment was not debited under the mandate: %v", f)
			}
			ch, err = e.db.ChangePlanMethod(ctx, c.TenantID, c.ID, portal.PlanPayment{Method: portal.MethodTransfer})
			if err != nil || ch.Instalments != 1 || ch.MandateNeeded || ch.CardNeeded {
				t.Fatalf("to transfer: %+v %v", ch, err)
			}
			if in := e.instalment(t, c, 0); in.Method != portal.MethodSEPADebit || in.Status != portal.InstalmentProcessing {
				t.Fatalf("the debit being settled changed: %+v", in)
			}
			e.at("2024-08-06")
			if rep, _ := e.sched.RunOnce(ctx); rep.Notified != 0 {
				t.Fatalf("a transfer instalment was announced: %+v", rep)
			}
			e.at("2024-08-20")
			if _, err := e.sched.RunOnce(ctx); err != nil || e.out.charged[ids[1]] != 0 {
				t.Fatalf("a transfer instalment was charged: %d %v", e.out.charged[ids[1]], err)
			}
			ch, err = e.db.ChangePlanMethod(ctx, c.TenantID, c.ID, portal.PlanPayment{Method: portal.MethodCard})
			if err != nil || ch.From != "transfer" || ch.CardNeeded {
				t.Fatalf("to card: %+v %v", ch, err)
			}
			e.out.set(ids[1], portal.ChargeSucceeded)
			if rep, err := e.sched.RunOnce(ctx); err != nil || rep.Charged != 1 {
				t.Fatalf("card charge after the switch back: %+v %v", rep, err)
			}
			if in := e.instalment(t, c, 1); in.Status != portal.InstalmentPaid || in.Method != portal.MethodCard {
				t.Fatalf("instalment %+v", in)
			}
		})
	}
}
