package portal

import (
	"context"
	"time"
)

// The portfolio dashboard (issue 18): figures over a tenant's claims,
// optionally one creditor's, over a period of whole months. Money is in
// minor units of one currency per line: a figure never adds two
// currencies together.

// DashboardFilter chooses what the dashboard counts.
type DashboardFilter struct {
	// CreditorID limits every figure to one creditor's claims ("" all).
	CreditorID string
	// From and To bound the period, both included: whole months, From the
	// first day of a month and To the last day of one.
	From, To Date
	// Today is the tenant's today: snapshots (ageing, open disputes) are
	// taken on the earlier of To and Today.
	Today Date
	// Now is the current time, for the age of open disputes.
	Now time.Time
}

// AsOf is the day the snapshots are taken: the period's end, or today
// when the period runs into the future.
func (f DashboardFilter) AsOf() Date {
	if f.Today.IsZero() || f.To.Before(f.Today) {
		return f.To
	}
	return f.Today
}

// Months lists the period's months as "YYYY-MM", oldest first.
func (f DashboardFilter) Months() []string {
	var out []string
	for m := (Date{f.From.Year, f.From.Month, 1}); !m.After(f.To); m = m.AddMonths(1) {
		out = append(out, m.Time().Format("2006-01"))
	}
	return out
}

// MaxDashboardMonths bounds a dashboard's period.
const MaxDashboardMonths = 60

// Dashboard is every figure of the portfolio dashboard for one filter.
type Dashboard struct {
	Filter DashboardFilter
	// Currencies are the currencies any figure has, in order.
	Currencies []Currency
	// Monthly has one line per currency and month of the period.
	Monthly []MonthFigure
	// Ageing is what is owed on AsOf by days past due, per currency.
	Ageing []AgeingFigure
	// ByStage is the recovery of the claims that entered the portfolio in
	// the period, by their stage now.
	ByStage []RecoveryFigure
	// ByChannel is the period's payments by the contact that led to them.
	ByChannel []ChannelFigure
	// Plans are the instalment plans signed in the period, by where they
	// stand now.
	Plans []PlanFigure
	// Promises are the promises to pay offered in the chat in the period,
	// by what became of the offer.
	Promises []PromiseFigure
	// PromisesKept are the promises to pay made in the period (portal,
	// chat or agent), by where they stand now: expected, kept, partly
	// kept or broken.
	PromisesKept []PromiseKeptFigure
	Disputes     DisputeFigures
	Response     ResponseFigures
	// Breaches are the response targets missed in the period.
	Breaches BreachFigures
}

// MonthFigure is one month of one currency: what was collected in it
// (payments received, net of reversals, refunds and chargebacks) and what
// was outstanding at its end (principal of the claims entered by then,
// less what was paid and credited by then; interest and costs not
// included).
type MonthFigure struct {
	Month       string
	Currency    Currency
	Collected   int64
	Outstanding int64
}

// Ageing buckets: days past due of a claim's oldest invoice.
const (
	AgeNotDue = "not_due"
	Age0to30  = "0-30"
	Age31to60 = "31-60"
	Age61to90 = "61-90"
	AgeOver90 = "90+"
)

// AgeingBuckets are the buckets in order.
var AgeingBuckets = []string{AgeNotDue, Age0to30, Age31to60, Age61to90, AgeOver90}

// AgeingFigure is what the claims of one currency and bucket still owe in
// principal.
type AgeingFigure struct {
	Currency Currency
	Bucket   string
	Claims   int
	Amount   int64
}

// RecoveryFigure is the recovery of the claims of one stage and currency:
// their principal and what was collected on them (net) up to AsOf.
type RecoveryFigure struct {
	Stage     Stage
	Currency  Currency
	Claims    int
	Principal int64
	Collected int64
}

// RateBP is Collected over Principal in basis points (0 without principal).
func (r RecoveryFigure) RateBP() int64 { return rateBP(r.Collected, r.Principal) }

func rateBP(part, whole int64) int64 {
	if whole <= 0 {
		return 0
	}
	return part * 10000 / whole
}

// Payment sources: the last contact with the debtor before a payment. The
// data records no direct link between a payment and a reminder, so the
// source is derived: the later of the claim's last reminder sent and last
// portal link opened, on or before the day the payment was received.
const (
	SourceNone = "none"
	// SourceReminderPrefix + channel: a reminder (email, sms, letter).
	SourceReminderPrefix = "reminder_"
	// SourceLinkPrefix + channel: a portal link of that channel opened.
	SourceLinkPrefix = "link_"
)

// ChannelFigure is the period's payments of one currency by source.
type ChannelFigure struct {
	Source   string
	Currency Currency
	Payments int
	Amount   int64
}

// Plan states.
const (
	PlanRunning = "running"
	PlanKept    = "kept"
	PlanBroken  = "broken"
)

// PlanStates are the states in order.
var PlanStates = []string{PlanRunning, PlanKept, PlanBroken}

// PlanFigure counts the signed instalment plans of one currency and
// state: kept (every instalment paid or waived), broken (plan.broken
// recorded on the claim after signing), else running.
type PlanFigure struct {
	Currency Currency
	State    string
	Plans    int
	Amount   int64 // sum of their instalments
	Paid     int64 // sum of their instalments paid
}

// PromiseFigure counts the promises to pay offered in the period by the
// offer's status (proposed, accepted, refused, countered, superseded).
type PromiseFigure struct {
	Status string
	Count  int
}

// PromiseStatuses are the states of a promise to pay, in order.
var PromiseStatuses = []PromiseStatus{PromiseExpected, PromiseKept, PromisePartlyKept, PromiseBroken}

// PromiseKeptFigure counts the promises to pay of one currency and status
// made in the period: how many, the amount promised, and what payments
// brought towards them (PaidAmount).
type PromiseKeptFigure struct {
	Currency Currency
	Status   PromiseStatus
	Promises int
	Amount   int64
	Paid     int64
}

// Dispute age buckets (days since filed).
var DisputeAgeBuckets = []string{"0-7", "8-30", "31-60", "60+"}

// DisputeFigures: disputes open on AsOf by age, and those filed and
// resolved in the period.
type DisputeFigures struct {
	Open       int
	ByAge      map[string]int
	OldestDays int
	Filed      int
	Resolved   int
}

// Response time buckets.
var ResponseBuckets = []string{"1m", "5m", "1h", "1d", "more", "unanswered"}

// ResponseFigures is the agents' response time in the chat: for each
// debtor message of the period that starts a turn (the previous public
// message is not the debtor's), the time to the next agent message.
type ResponseFigures struct {
	Asked      int
	Answered   int
	AvgSeconds int64
	ByTime     map[string]int
}

// BreachFigures count the breaches of response targets (issue 21) whose
// answer was due in the period: of the first and of the next response,
// how many an agent answered since, and how late those answers were on
// average.
type BreachFigures struct {
	First, Next    int
	Answered       int
	AvgLateSeconds int64
}

// Total is every breach of the period.
func (b BreachFigures) Total() int { return b.First + b.Next }

// DashboardStore computes the dashboard.
type DashboardStore interface {
	// Dashboard computes every figure for f over the tenant's claims only.
	// EINVALID when the period is empty or longer than MaxDashboardMonths.
	Dashboard(ctx context.Context, tenantID string, f DashboardFilter) (*Dashboard, error)
}
