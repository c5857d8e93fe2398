package portal

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Instalment statuses (the negotiation side creates instalments "due").
const (
	InstalmentDue = "due"
	// InstalmentProcessing: a SEPA debit was submitted; the bank settles it
	// days later (the provider's webhook says succeeded or failed).
	InstalmentProcessing = "processing"
	InstalmentPaid       = "paid"
	InstalmentFailed     = "failed" // a charge failed; retried or waiting for the debtor
	InstalmentMissed     = "missed"
	InstalmentWaived     = "waived"
)

// Instalment is one payment of an agreed plan, with how charging it went.
type Instalment struct {
	ID          string   `json:"id"`
	TenantID    string   `json:"-"`
	ClaimID     string   `json:"claim_id"`
	DebtorID    string   `json:"-"`
	AgreementID string   `json:"agreement_id"`
	Seq         int      `json:"seq"`
	DueOn       Date     `json:"due_on"`
	Amount      int64    `json:"amount"`
	Currency    Currency `json:"currency"`
	Method      string   `json:"method"` // card, transfer or sepa_debit
	Status      string   `json:"status"`
	// Paid is what has been paid towards it so far.
	Paid          int64 `json:"paid"`
	Attempts      int   `json:"attempts"`
	NextAttemptOn Date  `json:"next_attempt_on"`
	// LastCode is the provider's last failure code (card_declined,
	// insufficient_funds, authentication_required).
	LastCode string `json:"last_code,omitempty"`
	// NoticeDays is the pre-notification period of a SEPA instalment's
	// debits (its agreement's, else 14).
	NoticeDays int `json:"notice_days,omitempty"`
}

// Instalment methods.
const (
	MethodCard      = "card"
	MethodTransfer  = "transfer"
	MethodSEPADebit = "sepa_debit"
)

// PlanPolicy is when charging gives up and when a plan counts as broken.
// Zero fields take the defaults.
type PlanPolicy struct {
	// RetryAfterDays is the wait before retrying a declined card, and the
	// grace after which an unpaid instalment is missed (default 3).
	RetryAfterDays int `json:"retry_after_days"`
	// MaxAttempts is how many times a card is charged for one instalment
	// (default 2: the first charge and one retry).
	MaxAttempts int `json:"max_attempts"`
	// MaxMissed missed instalments break the plan (default 2).
	MaxMissed int `json:"max_missed"`
	// MaxDaysLate days late on any instalment break the plan (default 15).
	MaxDaysLate int `json:"max_days_late"`
	// MaxDateMoves is how many due dates the debtor may move on the portal
	// per plan (default 1; -1: none).
	MaxDateMoves int `json:"max_date_moves,omitempty"`
	// MaxMoveDays is how many days later a due date may be moved (default
	// 14).
	MaxMoveDays int `json:"max_move_days,omitempty"`
}

// Override returns p with the non-zero fields of o: a creditor's policy
// sets only the thresholds it cares about.
func (p PlanPolicy) Override(o PlanPolicy) PlanPolicy {
	if o.RetryAfterDays > 0 {
		p.RetryAfterDays = o.RetryAfterDays
	}
	if o.MaxAttempts > 0 {
		p.MaxAttempts = o.MaxAttempts
	}
	if o.MaxMissed > 0 {
		p.MaxMissed = o.MaxMissed
	}
	if o.MaxDaysLate > 0 {
		p.MaxDaysLate = o.MaxDaysLate
	}
	if o.MaxDateMoves != 0 {
		p.MaxDateMoves = o.MaxDateMoves
	}
	if o.MaxMoveDays > 0 {
		p.MaxMoveDays = o.MaxMoveDays
	}
	return p
}

// Validate checks thresholds set by a creditor.
func (p PlanPolicy) Validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"plan.retry_after_days", p.RetryAfterDays}, {"plan.max_attempts", p.MaxAttempts}, {"plan.max_missed", p.MaxMissed}, {"plan.max_days_late", p.MaxDaysLate},
		{"plan.max_move_days", p.MaxMoveDays}} {
		if f.v < 0 || f.v > 365 {
			return FieldError(f.name, "%s must be between 0 (the default) and 365", f.name)
		}
	}
	if p.MaxDateMoves < -1 || p.MaxDateMoves > 120 {
		return FieldError("plan.max_date_moves", "plan.max_date_moves must be between -1 (none), 0 (the default, 1) and 120")
	}
	return nil
}

// WithDefaults fills zero fields.
func (p PlanPolicy) WithDefaults() PlanPolicy {
	if p.RetryAfterDays <= 0 {
		p.RetryAfterDays = 3
	}
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 2
	}
	if p.MaxMissed <= 0 {
		p.MaxMissed = 2
	}
	if p.MaxDaysLate <= 0 {
		p.MaxDaysLate = 15
	}
	if p.MaxDateMoves == 0 {
		p.MaxDateMoves = 1
	}
	if p.MaxMoveDays <= 0 {
		p.MaxMoveDays = 14
	}
	return p
}

// DateMoves is what the debtor may still do with the dates of a plan.
type DateMoves struct {
	// Left is how many due dates may still be moved (0: none).
	Left int `json:"left"`
	// MaxDays is how many days later a date may go.
	MaxDays int `json:"max_days"`
}

// InstalmentMover lets the debtor manage the plan within the policy.
type InstalmentMover interface {
	// DateMoves says how many dates of the claim's plan may still be moved.
	// ENOTFOUND for another tenant's claim.
	DateMoves(ctx context.Context, tenantID, claimID string) (DateMoves, error)
	// MoveInstalment moves an instalment still due to a later date, within
	// the policy (MaxDateMoves per plan, MaxMoveDays days), with the
	// evidence instalment.moved (which reaches the creditor, CPCE R124-5).
	// ENOTFOUND for an instalment not of the claim; EINVALID for a date out
	// of bounds; ECONFLICT when no move is left or the instalment is being
	// charged, paid or not due.
	MoveInstalment(ctx context.Context, tenantID, claimID, instalmentID string, to Date) (*Instalment, error)
}

// Hardship is a debtor in difficulty asking on the portal for a new plan:
// what happened (one of the Hardship* kinds) and, in their words, why.
type Hardship struct {
	Kind   string
	Reason string
}

// Kinds of hardship a debtor may name.
const (
	HardshipIncomeLoss = "income_loss"
	HardshipIllness    = "illness"
	HardshipFamily     = "family"
	HardshipOther      = "other"
)

// HardshipKinds lists the kinds in the order the portal offers them.
var HardshipKinds = []string{HardshipIncomeLoss, HardshipIllness, HardshipFamily, HardshipOther}

// Hardship reasons are between these many characters, once trimmed.
const (
	HardshipReasonMin = 10
	HardshipReasonMax = 2000
)

// Validate trims the reason and checks the kind and the reason's length.
func (h *Hardship) Validate() error {
	h.Reason = strings.TrimSpace(h.Reason)
	if !slices.Contains(HardshipKinds, h.Kind) {
		return FieldError("kind", "Choose what happened.")
	}
	if n := utf8.RuneCountInString(h.Reason); n < HardshipReasonMin || n > HardshipReasonMax || !utf8.ValidString(h.Reason) {
		return FieldError("reason", "Say in %d to %d characters what happened.", HardshipReasonMin, HardshipReasonMax)
	}
	return nil
}

// PlanManager is what else the debtor may do with a plan in force on the
// portal; each change is evidence and reaches the creditor (CPCE R124-5).
type PlanManager interface {
	// RequestHardship records a debtor's request for a new plan after a
	// hardship (plan.hardship_requested, with the reason) and puts it before
	// an agent: a message in the claim's conversation, which waits in the
	// queue marked as a hardship. EINVALID for a bad request (Validate);
	// ECONFLICT when no plan is in force or a request already waits.
	RequestHardship(ctx context.Context, tenantID, claimID string, h Hardship) error
	// ChangePlanMethod changes how the instalments still to pay (due,
	// failed, missed; not a debit the bank is settling) are paid, to a way
	// the caller checked against the creditor's policy, with the evidence
	// plan.method_changed. The scheduler charges, debits (after a
	// pre-notification) or waits for a transfer accordingly. ECONFLICT when
	// no plan is in force, nothing is left to pay or it is paid that way
	// already.
	ChangePlanMethod(ctx context.Context, tenantID, claimID string, to PlanPayment) (*PlanMethodChange, error)
}

// PlanPayment is a way to pay a plan: the instalments' method and, for
// SEPA Direct Debit, how the mandate is given (sepa_debit or bancontact).
type PlanPayment struct {
	Method     string
	MandateVia string
}

// PlanMethodChange is what changing the way to pay did and what the debtor
// must still do.
type PlanMethodChange struct {
	From, To    string
	Instalments int
	// MandateNeeded: the plan is now debited and the debtor has no active
	// mandate; CardNeeded: it is now charged and no card is saved.
	MandateNeeded, CardNeeded bool
}

// InstalmentService lists a claim's instalments with their statuses.
type InstalmentService interface {
	// ListInstalments returns the instalments of a claim in order.
	// ENOTFOUND for another tenant's claim.
	ListInstalments(ctx context.Context, tenantID, claimID string) ([]*Instalment, error)
	// ListClaimInstalments is ListInstalments for a claim the caller loaded
	// with FindClaim (the claim page): its tenant is not checked a second
	// time.
	ListClaimInstalments(ctx context.Context, c *Claim) ([]*Instalment, error)
}

// InstalmentStore is what the instalment scheduler needs from storage.
type InstalmentStore interface {
	InstalmentService
	// DueCardInstalments lists card instalments of plans in force that are
	// due for a charge on today and not leased at now.
	DueCardInstalments(ctx context.Context, today Date, now time.Time, limit int) ([]*Instalment, error)
	// ClaimInstalment takes the lease of an instalment until `until` for
	// owner with a conditional update, and counts the attempt. ok is false
	// when another instance holds it or it is no longer chargeable.
	ClaimInstalment(ctx context.Context, id, owner string, until time.Time, today Date) (lease InstalmentLease, ok bool, err error)
	// RecordInstalmentCharge stores the outcome of a charge attempt, with
	// its payment and evidence, and releases the lease.
	RecordInstalmentCharge(ctx context.Context, in *Instalment, attempt int, res *ChargeResult, p PlanPolicy, today Date) error
	// AnnounceDueInstalments records instalment.due for every unpaid
	// instalment of a plan in force whose due date is today or past, once
	// per instalment whatever the number of instances; it returns how many
	// it recorded (at most limit).
	AnnounceDueInstalments(ctx context.Context, today Date, limit int) (int, error)
	// SweepPlans marks unpaid instalments past their grace missed and breaks
	// the plans the policy says are broken (claim back to open, plan.broken).
	SweepPlans(ctx context.Context, today Date, p PlanPolicy) (missed, broken int, err error)
	// StripeCustomer returns a debtor's provider customer and saved card.
	StripeCustomer(ctx context.Context, tenantID, debtorID string) (customerID, paymentMethodID string, err error)
	// ActiveMandate returns the debtor's newest active SEPA mandate, nil
	// when there is none.
	ActiveMandate(ctx context.Context, tenantID, debtorID string) (*Mandate, error)
}

// InstalmentLease is the charge attempt an instance took.
type InstalmentLease struct {
	// Attempt numbers the charge (its idempotency key).
	Attempt int
	// InDoubtSince is set when this attempt retries one whose outcome was
	// never recorded (the answer was lost, the instance died): the time
	// that earlier try took its lease. The charge may have been made.
	InDoubtSince time.Time
}
