package payments_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/quotedprintable"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	stripego "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/payments"
	"github.com/relais/relais/portal/smtp"
	"github.com/relais/relais/portal/smtp/smtptest"
	"github.com/relais/relais/portal/store/storetest"
)

// sepaEnv is a scheduler environment with SEPA Direct Debit on: mandates
// and pre-notifications by e-mail through a real SMTP server.
type sepaEnv struct {
	*schedEnv
	mail *smtptest.Server
}

func newSEPAEnv(t *testing.T, dialect string) *sepaEnv {
	e := newSchedEnv(t, dialect)
	e.out.forms, e.out.intents = map[string]url.Values{}, map[string]string{}
	mail := smtptest.Start(t, smtptest.Options{})
	texts, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	n := &payments.ChannelNotifier{Texts: texts,
		Email: &smtp.Mailer{Host: mail.Host, Port: mail.Port, From: "plans@alpha.example", TLS: smtp.TLSNone, Clock: e.clock}}
	e.sched.Mandates, e.sched.Notifier, e.svc.Notifier = e.db, n, n
	return &sepaEnv{schedEnv: e, mail: mail}
}

// webhook delivers a Stripe event signed with the endpoint's secret, now,
// through the payment service, as the webhook route does. The event is
// dated on the test clock.
func (e *sepaEnv) webhook(t *testing.T, id, typ string, obj map[string]any) *portal.CardEventResult {
	t.Helper()
	body, err := json.Marshal(map[string]any{"id": id, "object": "event", "api_version": stripego.APIVersion, "created": e.clock.T.Unix(),
		"type": typ, "data": map[string]any{"object": obj}})
	if err != nil {
		t.Fatal(err)
	}
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: "whsec_x", Timestamp: time.Now()})
	res, err := e.svc.HandleWebhook(context.Background(), sp.Payload, sp.Header)
	if err != nil {
		t.Fatalf("webhook %s: %v", typ, err)
	}
	return res
}

// mails returns the bodies of the messages received so far.
func (e *sepaEnv) mails(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, m := range e.mail.Messages() {
		b, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(m.Data)))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.Join(append(m.To, string(b)), "\n"))
	}
	return out
}

func (e *sepaEnv) instalment(t *testing.T, c *portal.Claim, i int) *portal.Instalment {
	t.Helper()
	ins, err := e.db.ListInstalments(context.Background(), c.TenantID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return ins[i]
}

// giveMandate goes through the mandate's set-up: a setup Checkout in
// sepa_debit mode at stripe-mock, then the signed setup_intent.succeeded
// event, which reads the mandate back from Stripe.
func (e *sepaEnv) giveMandate(t *testing.T, c *portal.Claim) *portal.Mandate {
	t.Helper()
	ctx := context.Background()
	u, err := e.svc.StartSetup(ctx, portal.CheckoutStart{TenantID: c.TenantID, ClaimID: c.ID, Via: portal.MandateViaSEPADebit,
		SuccessURL: "http://relais.test/ok", CancelURL: "http://relais.test/no"})
	if err != nil || !strings.HasPrefix(u, "https://") {
		t.Fatalf("setup: %q %v", u, err)
	}
	customer, _, _ := e.db.StripeCustomer(ctx, c.TenantID, c.DebtorID)
	e.out.setupPM = map[string]any{"id": "pm_sepa_1", "object": "payment_method", "type": "sepa_debit",
		"sepa_debit": map[string]any{"last4": "3000", "bank_code": "37040044", "country": "DE"}}
	e.webhook(t, "evt_seti", "setup_intent.succeeded", map[string]any{"id": "seti_sepa1", "object": "setup_intent", "status": "succeeded",
		"customer": customer, "payment_method": "pm_sepa_1", "mandate": "mandate_1", "payment_method_types": []string{"sepa_debit"},
		"metadata": map[string]string{"tenant_id": c.TenantID, "claim_id": c.ID, "via": "sepa_debit"}})
	ms, err := e.db.ClaimMandates(ctx, c.TenantID, c.ID)
	if err != nil || len(ms) != 1 {
		t.Fatalf("mandates %v %v", ms, err)
	}
	return ms[0]
}

// TestSEPADebitPlan runs a plan paid by SEPA Direct Debit through the real
// stripe-go client (stripe-mock) and signed webhooks: the mandate is
// recorded with Stripe's acceptance data; each debit is pre-notified 14
// days ahead by e-mail in the debtor's language and never taken before;
// a debit is processing until payment_intent.succeeded; a failed one is
// presented again after a new pre-notification; a revoked mandate turns
// the rest of the plan into transfers and the debtor is told; a dispute
// weeks later takes the money back, reopens the instalment and, by the
// plan policy, breaks the plan.
func TestSEPADebitPlan(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) { testSEPADebitPlan(t, dialect) })
	}
}

func testSEPADebitPlan(t *testing.T, dialect string) {
	e := newSEPAEnv(t, dialect)
	ctx := context.Background()
	c := e.claim
	kinds := func(n int) []portal.EventKind { return lastKinds(t, e.db, c, n) }

	m := e.giveMandate(t, c)
	if k := kinds(1); k[0] != portal.EventMandateRecorded {
		t.Fatalf("events %v", k)
	}
	if m.Reference == "" || m.IBANLast4 != "3000" || m.Status != portal.MandateActive || m.PaymentMethodID != "pm_sepa_1" ||
		!strings.Contains(m.Acceptance, "ip_address") || m.AcceptedAt.IsZero() || m.Via != portal.MandateViaSEPADebit {
		t.Fatalf("mandate %+v", m)
	}
	// The same event again records nothing more.
	if res := e.webhook(t, "evt_seti", "setup_intent.succeeded", map[string]any{"id": "seti_sepa1", "object": "setup_intent"}); !res.Duplicate {
		t.Fatal("replayed setup event applied twice")
	}

	ids := seedPlan(t, e.db, c, []planItem{{"2024-07-20", 5000, "sepa_debit"}, {"2024-08-20", 5000, "sepa_debit"}, {"2024-09-20", 5000, "sepa_debit"}})

	t.Run("PreNotification", func(t *testing.T) {
		e.at("2024-07-05") // 15 days ahead: too early
		if rep, err := e.sched.RunOnce(ctx); err != nil || rep.Notified != 0 {
			t.Fatalf("report %+v err %v", rep, err)
		}
		e.at("2024-07-06")
		rep, err := e.sched.RunOnce(ctx)
		if err != nil || rep.Notified != 1 || rep.Charged != 0 {
			t.Fatalf("report %+v err %v", rep, err)
		}
		mails := e.mails(t)
		if len(mails) != 1 || !strings.Contains(mails[0], "jan@example.be") || !strings.Contains(mails[0], "gedebiteerd") ||
			!strings.Contains(mails[0], "3000") || !strings.Contains(mails[0], m.Reference) || !strings.Contains(mails[0], "20\u00a0juli 2024") {
			t.Fatalf("pre-notification e-mail: %v", mails)
		}
		ns, _ := e.db.DebitNotices(ctx, c.TenantID, c.ID)
		if len(ns) != 1 || ns[0].DebitOn.String() != "2024-07-20" || ns[0].Channel != "email" || ns[0].Amount != 5000 || ns[0].InstalmentID != ids[0] {
			t.Fatalf("notices %+v", ns)
		}
		if k := kinds(1); k[0] != portal.EventDebitPrenotified {
			t.Fatalf("events %v", k)
		}
		if rep, _ := e.sched.RunOnce(ctx); rep.Notified != 0 || len(e.mail.Messages()) != 1 {
			t.Fatalf("notified twice: %+v", rep)
		}
	})
	t.Run("NoDebitBeforeItsDate", func(t *testing.T) {
		e.at("2024-07-19")
		if _, err := e.sched.RunOnce(ctx); err != nil || e.out.charged[ids[0]] != 0 {
			t.Fatalf("debited before the announced date: %d %v", e.out.charged[ids[0]], err)
		}
	})
	t.Run("ProcessingThenSucceeded", func(t *testing.T) {
		e.at("2024-07-20")
		e.out.set(ids[0], portal.ChargeProcessing)
		rep, err := e.sched.RunOnce(ctx)
		if err != nil || rep.Charged != 1 {
			t.Fatalf("report %+v err %v", rep, err)
		}
		f := e.out.forms[ids[0]]
		if f.Get("mandate") != m.ProviderID || f.Get("payment_method") != "pm_sepa_1" || f.Get("payment_method_types[0]") != "sepa_debit" ||
			f.Get("off_session") != "true" || f.Get("confirm") != "true" || e.out.keys[len(e.out.keys)-1] != "relais-instalment-"+ids[0]+"-1" {
			t.Fatalf("debit request %v keys %v", f, e.out.keys)
		}
		if in := e.instalment(t, c, 0); in.Status != portal.InstalmentProcessing {
			t.Fatalf("instalment %+v", in)
		}
		if k := kinds(1); k[0] != portal.EventDebitSubmitted {
			t.Fatalf("events %v", k)
		}
		// Days of processing: not debited again, not missed.
		e.at("2024-07-25")
		if rep, _ := e.sched.RunOnce(ctx); rep.Charged+rep.Missed != 0 || e.out.charged[ids[0]] != 1 {
			t.Fatalf("processing debit touched: %+v", rep)
		}
		pi := e.out.intents[ids[0]]
		e.webhook(t, "evt_proc1", "payment_intent.processing", map[string]any{"id": pi, "object": "payment_intent", "status": "processing",
			"amount": 5000, "currency": "eur", "metadata": map[string]string{"tenant_id": c.TenantID, "claim_id": c.ID, "instalment_id": ids[0], "mandate": m.ProviderID}})
		e.webhook(t, "evt_ok1", "payment_intent.succeeded", map[string]any{"id": pi, "object": "payment_intent", "status": "succeeded",
			"amount": 5000, "amount_received": 5000, "currency": "eur", "latest_charge": "py_1",
			"metadata": map[string]string{"tenant_id": c.TenantID, "claim_id": c.ID, "instalment_id": ids[0], "attempt": "1", "mandate": m.ProviderID}})
		if in := e.instalment(t, c, 0); in.Status != portal.InstalmentPaid {
			t.Fatalf("instalment %+v", in)
		}
		got, _ := e.db.FindClaim(ctx, c.TenantID, c.ID)
		if len(got.Payments) != 1 || got.Payments[0].Amount != 5000 || got.Payments[0].Method != portal.PaymentSEPADebit {
			t.Fatalf("payments %+v", got.Payments)
		}
	})
	t.Run("FailedDebitPresentedAgainAfterNotice", func(t *testing.T) {
		e.at("2024-08-06")
		if rep, _ := e.sched.RunOnce(ctx); rep.Notified != 1 {
			t.Fatalf("second notice: %+v", rep)
		}
		e.at("2024-08-20")
		e.out.set(ids[1], portal.ChargeProcessing)
		if rep, _ := e.sched.RunOnce(ctx); rep.Charged != 1 {
			t.Fatalf("second debit: %+v", rep)
		}
		e.at("2024-08-22")
		e.webhook(t, "evt_fail2", "payment_intent.payment_failed", map[string]any{"id": e.out.intents[ids[1]], "object": "payment_intent",
			"status": "requires_payment_method", "amount": 5000, "currency": "eur",
			"last_payment_error": map[string]any{"type": "card_error", "code": "insufficient_funds", "message": "Insufficient funds."},
			"metadata":           map[string]string{"tenant_id": c.TenantID, "claim_id": c.ID, "instalment_id": ids[1], "attempt": "1", "mandate": m.ProviderID}})
		in := e.instalment(t, c, 1)
		if in.Status != portal.InstalmentFailed || in.LastCode != "insufficient_funds" || in.NextAttemptOn.String() != "2024-08-25" {
			t.Fatalf("failed debit %+v", in)
		}
		if k := kinds(1); k[0] != portal.EventPaymentFailed {
			t.Fatalf("events %v", k)
		}
		// The retry is announced 14 days ahead, and waits for that date.
		if rep, _ := e.sched.RunOnce(ctx); rep.Notified != 1 {
			t.Fatalf("retry notice: %+v", rep)
		}
		ns, _ := e.db.DebitNotices(ctx, c.TenantID, c.ID)
		last := ns[len(ns)-1]
		if last.InstalmentID != ids[1] || last.Attempt != 2 || last.DebitOn.String() != "2024-09-05" {
			t.Fatalf("retry notice %+v", last)
		}
		e.at("2024-08-26")
		if rep, _ := e.sched.RunOnce(ctx); rep.Charged+rep.Missed != 0 || e.out.charged[ids[1]] != 1 {
			t.Fatalf("retried before its notice date, or missed: %+v", rep)
		}
		e.at("2024-09-05")
		e.out.set(ids[1], portal.ChargeSucceeded)
		if rep, _ := e.sched.RunOnce(ctx); rep.Charged != 1 || e.out.charged[ids[1]] != 2 {
			t.Fatalf("retry: %+v", rep)
		}
		if e.out.keys[len(e.out.keys)-1] != "relais-instalment-"+ids[1]+"-2" {
			t.Fatalf("keys %v", e.out.keys)
		}
		if in := e.instalment(t, c, 1); in.Status != portal.InstalmentPaid {
			t.Fatalf("instalment %+v", in)
		}
	})
	t.Run("MandateRevoked", func(t *testing.T) {
		e.at("2024-09-10")
		before := len(e.mail.Messages())
		res := e.webhook(t, "evt_m1", "mandate.updated", map[string]any{"id": m.ProviderID, "object": "mandate", "status": "inactive",
			"type": "multi_use", "payment_method": "pm_sepa_1"})
		if !res.MandateEnded {
			t.Fatal("the mandate's end was not reported")
		}
		ms, _ := e.db.ClaimMandates(ctx, c.TenantID, c.ID)
		if ms[0].Status != portal.MandateInactive {
			t.Fatalf("mandate %+v", ms[0])
		}
		if in := e.instalment(t, c, 2); in.Method != portal.MethodTransfer {
			t.Fatalf("the rest of the plan was not turned into transfers: %+v", in)
		}
		if k := kinds(1); k[0] != portal.EventMandateUpdated {
			t.Fatalf("events %v", k)
		}
		mails := e.mails(t)
		if len(mails) != before+1 || !strings.Contains(mails[len(mails)-1], "beëindigd") {
			t.Fatalf("the debtor was not told: %d mails", len(mails))
		}
		e.at("2024-09-20")
		if rep, _ := e.sched.RunOnce(ctx); rep.Charged+rep.Notified != 0 || e.out.charged[ids[2]] != 0 {
			t.Fatalf("debited after the mandate ended: %+v", rep)
		}
	})
	t.Run("DisputeWeeksLater", func(t *testing.T) {
		e.at("2024-09-25")
		e.webhook(t, "evt_dp1", "charge.dispute.created", map[string]any{"id": "dp_1", "object": "dispute", "amount": 5000, "currency": "eur",
			"charge": "py_1", "payment_intent": e.out.intents[ids[0]], "reason": "general", "status": "lost"})
		got, _ := e.db.FindClaim(ctx, c.TenantID, c.ID)
		var sum int64
		var back *portal.Payment
		for _, p := range got.Payments {
			sum += p.Amount
			if p.Amount < 0 {
				back = p
			}
		}
		if back == nil || back.Amount != -5000 || back.Method != portal.PaymentSEPADebit || sum != 5000 || len(got.Payments) != 3 {
			t.Fatalf("payments %+v", got.Payments)
		}
		in := e.instalment(t, c, 0)
		if in.Status != portal.InstalmentFailed || in.LastCode != "debit_disputed" || in.Paid != 0 {
			t.Fatalf("disputed instalment %+v", in)
		}
		// The plan policy: an instalment owed again more than 15 days after
		// its due date breaks the plan; the claim goes back to open.
		k := kinds(4)
		if k[0] != portal.EventChargeback || k[1] != portal.EventPaymentFailed || k[2] != portal.EventPlanBroken || k[3] != portal.EventStatusChanged {
			t.Fatalf("events %v", k)
		}
		if got.Status != portal.StatusOpen {
			t.Fatalf("claim status %s", got.Status)
		}
		// Not debited again: the debtor refused it at their bank.
		e.at("2024-09-26")
		if _, err := e.sched.RunOnce(ctx); err != nil || e.out.charged[ids[0]] != 1 {
			t.Fatalf("disputed debit taken again: %d %v", e.out.charged[ids[0]], err)
		}
	})
}

// TestSEPAPrenotifyConcurrent: two instances running the scheduler at the
// same moment send each pre-notification once (the job lease
// payments.NoticeLease), and record it once.
func TestSEPAPrenotifyConcurrent(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newSEPAEnv(t, dialect)
			ctx := context.Background()
			c := e.claim
			e.giveMandate(t, c)
			var plan []planItem
			for i := 0; i < 8; i++ {
				plan = append(plan, planItem{"2024-07-20", 1000, "sepa_debit"})
			}
			ids := seedPlan(t, e.db, c, plan)
			e.at("2024-07-06")
			for round := 0; round < 2; round++ {
				var wg sync.WaitGroup
				notified := make([]int, 2)
				for i := range notified {
					s := *e.sched
					s.Owner = "instance-" + itoa(int64(i))
					wg.Add(1)
					go func() {
						defer wg.Done()
						rep, err := s.RunOnce(ctx)
						if err != nil {
							t.Error(err)
						}
						notified[i] = rep.Notified
					}()
				}
				wg.Wait()
				if round == 0 && notified[0]+notified[1] != len(ids) {
					t.Fatalf("notified %v, want %d in all", notified, len(ids))
				}
				if round == 1 && notified[0]+notified[1] != 0 {
					t.Fatalf("notified again: %v", notified)
				}
			}
			if n := len(e.mail.Messages()); n != len(ids) {
				t.Fatalf("%d pre-notification e-mails for %d debits", n, len(ids))
			}
			ns, err := e.db.DebitNotices(ctx, c.TenantID, c.ID)
			if err != nil || len(ns) != len(ids) {
				t.Fatalf("%d notices, %v", len(ns), err)
			}
		})
	}
}
