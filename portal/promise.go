package portal

import (
	"context"
	"time"
)

// PromiseStatus is where a promise to pay stands.
type PromiseStatus string

const (
	// PromiseExpected: the date (and its grace) has not passed and the
	// amount is not paid yet; reminders of the claim wait.
	PromiseExpected PromiseStatus = "expected"
	// PromiseKept: payments reached the amount.
	PromiseKept PromiseStatus = "kept"
	// PromisePartlyKept: the date and grace passed with part of the amount
	// paid.
	PromisePartlyKept PromiseStatus = "partly_kept"
	// PromiseBroken: the date and grace passed with nothing paid.
	PromiseBroken PromiseStatus = "broken"
)

// PromiseSource is where a promise was made.
type PromiseSource string

const (
	PromiseFromPortal PromiseSource = "portal" // the debtor, on the portal's form
	PromiseFromChat   PromiseSource = "chat"   // a promise offer accepted in the conversation
	PromiseFromAgent  PromiseSource = "agent"  // a console user or an API key, for a promise made by phone or letter
)

// PromiseGraceDays is how long after its date a promise is judged: a
// transfer made on the date takes a day or two to reach the creditor's
// account and the bank statement. Reminders wait until then too.
const PromiseGraceDays = 3

// MaxPromiseNoteLen bounds the note of a promise.
const MaxPromiseNoteLen = 500

// Promise is a promise to pay Amount by DueOn on a claim.
type Promise struct {
	ID       string        `json:"id"`
	TenantID string        `json:"-"`
	ClaimID  string        `json:"claim_id"`
	Amount   int64         `json:"amount"`
	Currency Currency      `json:"currency"`
	DueOn    Date          `json:"due_on"`
	Source   PromiseSource `json:"source"`
	// By is who recorded it: the debtor's session, the user, the API key,
	// or the policy for a chat offer accepted at once.
	ByKind ActorKind `json:"by_kind"`
	ByID   string    `json:"by_id"`
	// OfferID is the chat offer it comes from (source chat).
	OfferID string        `json:"offer_id,omitempty"`
	Note    string        `json:"note,omitempty"`
	Status  PromiseStatus `json:"status"`
	// PaidAmount is what payments recorded since the promise brought
	// towards it (at most Amount).
	PaidAmount int64     `json:"paid_amount"`
	CreatedAt  time.Time `json:"created_at"`
	// ClosedAt is when it was kept, partly kept or broken.
	ClosedAt *time.Time `json:"closed_at,omitempty"`
}

// JudgedAfter is the last day of the grace: the day after it, an unpaid
// promise is broken.
func (p *Promise) JudgedAfter() Date { return p.DueOn.AddDays(PromiseGraceDays) }

// PromiseInput is a promise as the debtor, an agent or an API client
// states it.
type PromiseInput struct {
	Amount int64 `json:"amount"`
	// Currency is the claim's when empty.
	Currency Currency      `json:"currency,omitempty"`
	DueOn    Date          `json:"due_on"`
	Note     string        `json:"note,omitempty"`
	Source   PromiseSource `json:"-"`
}

// Validate checks the input on its own: a positive amount, a date from
// today to maxDays ahead (the creditor's policy, MaxPromiseDays), a short
// note. The balance and the claim's currency are the store's to check.
func (in *PromiseInput) Validate(today Date, maxDays int) error {
	if in.Amount <= 0 {
		return FieldError("amount", "amount must be a positive amount in minor units (cents)")
	}
	if in.Amount > MaxAmount {
		return FieldError("amount", "amount is too large")
	}
	switch {
	case in.DueOn.IsZero():
		return FieldError("due_on", "due_on is required (YYYY-MM-DD)")
	case in.DueOn.Before(today):
		return FieldError("due_on", "due_on %s is in the past", in.DueOn)
	case in.DueOn.After(today.AddDays(maxDays)):
		return FieldError("due_on", "due_on %s is more than %d days ahead, the creditor's limit for a promise (latest %s)", in.DueOn, maxDays, today.AddDays(maxDays))
	}
	return checkText("note", in.Note, MaxPromiseNoteLen, false)
}

// PromiseItem is a promise listed with its claim, for the console queue.
type PromiseItem struct {
	Promise
	ClaimReference string
	DebtorName     string
}

// PromiseService records and lists promises to pay (portal/store).
// Payments apply to the open promise in the payment's own transaction;
// the promises job (SweepPromises) judges the overdue ones.
type PromiseService interface {
	// RecordPromise records a promise on an open claim with
	// promise.recorded and the actor of ctx. EINVALID (Validate, an amount
	// over the balance, another currency), ENOTFOUND, ECONFLICT (the
	// claim is not open; from the portal: a promise is already expected).
	RecordPromise(ctx context.Context, tenantID, claimID string, in PromiseInput) (*Promise, error)
	// ClaimPromises lists a claim's promises, newest first. ENOTFOUND.
	ClaimPromises(ctx context.Context, tenantID, claimID string) ([]*Promise, error)
	// PromisesToFollow lists the tenant's expected promises by date and
	// those broken or partly kept in the last 30 days, newest first.
	PromisesToFollow(ctx context.Context, tenantID string, limit int) ([]*PromiseItem, error)
}

// Evidence of promises. promise.kept, promise.partly_kept and
// promise.broken are webhook kinds too (issue 19: "promise kept or
// broken").
const (
	EventPromiseRecorded   EventKind = "promise.recorded"
	EventPromiseKept       EventKind = "promise.kept"
	EventPromisePartlyKept EventKind = "promise.partly_kept"
	EventPromiseBroken     EventKind = "promise.broken"
)

// The promise kinds join the closed list of event.go here, after the
// plans' (a file of their own keeps the list's lines untouched).
func init() {
	for _, k := range []EventKind{EventPromiseRecorded, EventPromiseKept, EventPromisePartlyKept, EventPromiseBroken} {
		eventKinds[k] = true
		eventKindList = append(eventKindList, k)
	}
}

// PromiseReport says what one judgement of the overdue promises did.
type PromiseReport struct {
	PartlyKept, Broken int
	// Told are the claims whose conversation got a system message for an
	// agent (committed): the job announces them to the live chat and queue.
	Told []ClaimRef
}

// ClaimRef names one claim of one tenant.
type ClaimRef struct{ TenantID, ClaimID string }
