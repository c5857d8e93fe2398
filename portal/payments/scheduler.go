package payments

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/relais/relais/portal"
)

// Scheduler charges due card instalments off-session and applies the
// failure policy (portal.PlanPolicy):
//
//   - authentication_required: the instalment is failed, no automatic
//     retry; the debtor is asked (evidence payment.failed with next_step) to
//     pay it on the portal, where their bank can authenticate them. Unpaid
//     RetryAfterDays after its due date it is missed.
//   - declined (any other card error): retried RetryAfterDays later, up to
//     MaxAttempts charges in all, then missed.
//   - a plan with MaxMissed missed instalments, or an instalment more than
//     MaxDaysLate days late, is broken: the claim goes back to open (and so
//     to escalation) with plan.broken and status.changed events.
//
// Several instances may run it: each instalment is taken with a lease (a
// conditional UPDATE in the database) before it is charged, and each
// charge carries the idempotency key "relais-instalment-<id>-<attempt>", so
// an instalment is charged once per attempt even if two instances race or a
// call is retried. A new attempt number is only taken after the previous
// attempt's outcome was recorded: a charge whose answer was lost (timeout,
// crash) is retried under its own key.
type Scheduler struct {
	Store portal.InstalmentStore
	Card  portal.CardPayments // nil: card instalments are not charged
	// Mandates and Notifier pre-notify SEPA debits; without them no SEPA
	// instalment is debited (none has its pre-notification).
	Mandates portal.MandateStore
	Notifier DebtorNotifier
	Clock    portal.Clock
	// Owner names this instance in leases (host and pid, say).
	Owner  string
	Policy portal.PlanPolicy
	// Lease is how long a charge may take before another instance may
	// retry the instalment (default 5 minutes).
	Lease time.Duration
	// Interval between runs of Run (default 15 minutes).
	Interval time.Duration
	Zone     *time.Location
	Log      *slog.Logger
	// Health, when set, records every run for /healthz.
	Health *portal.JobHealth
}

// Report says what one run did.
type Report struct {
	Charged, Failed, Skipped, Missed, Broken int
	// Notified counts the SEPA debits pre-notified.
	Notified int
	// Due counts the instalments that fell due (instalment.due recorded).
	Due int
}

func (s *Scheduler) today() portal.Date {
	z := s.Zone
	if z == nil {
		z = portal.Zone()
	}
	return portal.DateOf(s.Clock.Now().In(z))
}

// RunOnce records what falls due, charges what is due now and sweeps
// missed instalments and broken plans.
func (s *Scheduler) RunOnce(ctx context.Context) (Report, error) {
	var rep Report
	today, now := s.today(), s.Clock.Now()
	lease := s.Lease
	if lease <= 0 {
		lease = 5 * time.Minute
	}
	ctx = portal.WithActor(ctx, portal.Actor{Kind: portal.ActorSystem, ID: "instalment-scheduler"})
	// What falls due today is recorded (instalment.due, for the creditor's
	// webhooks) before it is charged, once per instalment.
	n, err := s.Store.AnnounceDueInstalments(ctx, today, 500)
	rep.Due = n
	if err != nil {
		return rep, err
	}
	if s.Card != nil && s.Mandates != nil && s.Notifier != nil {
		n, err := s.notify(ctx, today, lease)
		rep.Notified = n
		if err != nil {
			return rep, err
		}
	}
	if s.Card != nil {
		due, err := s.Store.DueCardInstalments(ctx, today, now, 200)
		if err != nil {
			return rep, err
		}
		for _, in := range due {
			charged, err := s.charge(ctx, in, today, now.Add(lease))
			if err != nil {
				s.logError(ctx, "charge instalment", err, in)
				continue
			}
			switch charged {
			case portal.ChargeSucceeded, portal.ChargeProcessing:
				rep.Charged++
			case "":
				rep.Skipped++
			default:
				rep.Failed++
			}
		}
	}
	missed, broken, err := s.Store.SweepPlans(ctx, today, s.Policy)
	rep.Missed, rep.Broken = missed, broken
	return rep, err
}

// charge takes the lease of one instalment and charges it; "" when another
// instance has it or it is not chargeable.
func (s *Scheduler) charge(ctx context.Context, in *portal.Instalment, today portal.Date, until time.Time) (string, error) {
	lease, ok, err := s.Store.ClaimInstalment(ctx, in.ID, s.Owner, until, today)
	if err != nil || !ok {
		return "", err
	}
	attempt := lease.Attempt
	customer, pm, err := s.Store.StripeCustomer(ctx, in.TenantID, in.DebtorID)
	if err != nil {
		return "", err
	}
	mandate := ""
	if in.Method == portal.MethodSEPADebit {
		// A SEPA debit is taken from the mandate's payment method.
		m, err := s.Store.ActiveMandate(ctx, in.TenantID, in.DebtorID)
		if err != nil {
			return "", err
		}
		pm = ""
		if m != nil {
			pm, mandate = m.PaymentMethodID, m.ProviderID
			if m.CustomerID != "" {
				customer = m.CustomerID
			}
		}
	}
	var res *portal.ChargeResult
	if in.Method == portal.MethodSEPADebit && (customer == "" || mandate == "") {
		// No active mandate: nothing to debit.
		res = &portal.ChargeResult{Status: portal.ChargeAuthRequired, Code: "no_mandate"}
	} else if customer == "" || pm == "" {
		// No saved card: the debtor must pay on the portal.
		res = &portal.ChargeResult{Status: portal.ChargeAuthRequired, Code: "no_saved_card"}
	} else if res, err = s.inDoubt(ctx, in, lease); err != nil {
		return "", err
	} else if res == nil {
		res, err = s.Card.ChargeOffSession(ctx, portal.OffSessionCharge{
			TenantID: in.TenantID, ClaimID: in.ClaimID, InstalmentID: in.ID, CustomerID: customer, PaymentMethodID: pm, MandateID: mandate,
			Amount: in.Amount - in.Paid, Currency: in.Currency, Attempt: attempt,
			IdempotencyKey: fmt.Sprintf("relais-instalment-%s-%d", in.ID, attempt),
		})
		if err != nil {
			// The provider did not answer, so the charge is in doubt: the
			// lease runs out and the next run retries with the same attempt
			// number and idempotency key (store.ClaimInstalment), which
			// Stripe answers with the first charge if it was made (keys are
			// kept 24 hours; the scheduler retries within minutes).
			return "", err
		}
	}
	if err := s.Store.RecordInstalmentCharge(ctx, in, attempt, res, s.Policy, today); err != nil {
		return "", err
	}
	return res.Status, nil
}

// NoticeLease is the job lease the pre-notifications of SEPA debits are
// sent under: one instance at a time reads what to announce, sends it and
// records it, so that no debtor gets the same notice twice.
const NoticeLease = "sepa-prenotifications"

// notify sends the pre-notification of every SEPA debit coming within its
// notice period and records it; a debit is announced for its due (or
// retry) date, or for the first day the notice period allows when the
// notice comes later than that. A notice that cannot be sent is logged and
// tried again on the next run: its debit waits. It runs under NoticeLease,
// renewed before each notice; another instance holding it means nothing
// to do here.
func (s *Scheduler) notify(ctx context.Context, today portal.Date, ttl time.Duration) (sent int, err error) {
	_, err = portal.UnderLease(ctx, s.Mandates, NoticeLease, s.Owner, ttl, s.Log, func() (err error) {
		sent, err = s.notifyDue(ctx, today, ttl)
		return err
	})
	return sent, err
}

// notifyDue sends the pre-notifications due (under NoticeLease).
func (s *Scheduler) notifyDue(ctx context.Context, today portal.Date, ttl time.Duration) (int, error) {
	due, err := s.Mandates.DebitsToNotify(ctx, today, 200)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, d := range due {
		// A slow run keeps its lease; one that lost it stops.
		if ok, err := s.Mandates.AcquireLease(ctx, NoticeLease, s.Owner, ttl); err != nil || !ok {
			return sent, err
		}
		in := d.Instalment
		debitOn := in.DueOn
		if !in.NextAttemptOn.IsZero() && debitOn.Before(in.NextAttemptOn) {
			debitOn = in.NextAttemptOn
		}
		if earliest := today.AddDays(d.NoticeDays); debitOn.Before(earliest) {
			debitOn = earliest
		}
		ch, err := s.Notifier.NotifyDebtor(ctx, d.Claim, debitNotice(d, debitOn))
		if err != nil {
			s.logError(ctx, "pre-notify debit", err, in)
			continue
		}
		if err := s.Mandates.RecordDebitNotice(ctx, &portal.DebitNotice{InstalmentID: in.ID, Attempt: d.Attempt, TenantID: in.TenantID,
			ClaimID: in.ClaimID, Amount: in.Amount - in.Paid, Currency: in.Currency, DebitOn: debitOn, Channel: ch, SentAt: s.Clock.Now()}); err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
}

// idempotencyWindow is how long Stripe keeps an idempotency key (24 hours),
// with a margin: a charge in doubt for longer may not be found by its key.
const idempotencyWindow = 23 * time.Hour

// inDoubt settles a charge in doubt that is too old for its idempotency key
// to be trusted: it asks the provider whether that attempt was charged and
// returns its outcome, or nil when it was not (or when the key still
// covers it, and the charge call itself will answer).
func (s *Scheduler) inDoubt(ctx context.Context, in *portal.Instalment, lease portal.InstalmentLease) (*portal.ChargeResult, error) {
	if lease.InDoubtSince.IsZero() || s.Clock.Now().Sub(lease.InDoubtSince) < idempotencyWindow {
		return nil, nil
	}
	res, err := s.Card.FindOffSessionCharge(ctx, in.ID, lease.Attempt)
	if err != nil {
		return nil, err // unsure still: the lease runs out and a later run asks again
	}
	if res != nil && s.Log != nil {
		s.Log.InfoContext(ctx, "instalment charge in doubt found at the provider", "instalment", in.ID, "attempt", lease.Attempt, "status", res.Status)
	}
	return res, nil
}

func (s *Scheduler) logError(ctx context.Context, msg string, err error, in *portal.Instalment) {
	if s.Log != nil {
		s.Log.ErrorContext(ctx, msg, "err", err, "instalment", in.ID, "claim", in.ClaimID)
	}
}

// Run calls RunOnce every Interval until ctx ends.
func (s *Scheduler) Run(ctx context.Context) {
	iv := s.Interval
	if iv <= 0 {
		iv = 15 * time.Minute
	}
	portal.RunEvery(ctx, iv, s.Clock, s.Health, s.Log, "instalment scheduler", func(ctx context.Context) ([]any, error) {
		rep, err := s.RunOnce(ctx)
		if rep.Due+rep.Charged+rep.Failed+rep.Missed+rep.Broken == 0 {
			return nil, err
		}
		return []any{"due", rep.Due, "charged", rep.Charged, "failed", rep.Failed, "missed", rep.Missed, "broken", rep.Broken}, err
	})
}
