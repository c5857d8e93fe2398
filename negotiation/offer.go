package negotiation

import (
	"errors"
	"fmt"

	"github.com/relais/relais/portal"
)

// Kind is the kind of a structured offer.
type Kind string

const (
	// KindPlan is an instalment plan: Count instalments of Amount, the first
	// on FirstDate, then every week or month, after an optional DownPayment.
	KindPlan Kind = "plan"
	// KindSettlement is a one-off payment of Amount in full and final
	// settlement (a discount on the balance).
	KindSettlement Kind = "settlement"
	// KindPromise is a promise to pay the whole balance by Date.
	KindPromise Kind = "promise"
	// KindCallback asks an agent to call back, at Date when given.
	KindCallback Kind = "callback"
)

// Frequency is how often plan instalments fall due.
type Frequency string

const (
	Weekly  Frequency = "weekly"
	Monthly Frequency = "monthly"
)

// Method is how plan instalments are paid.
type Method string

const (
	// MethodCard charges a saved card automatically on each due date.
	MethodCard Method = "card"
	// MethodTransfer expects a bank transfer with the structured reference.
	MethodTransfer Method = "transfer"
	// MethodSEPADebit debits each instalment under a SEPA Direct Debit
	// mandate, after a pre-notification.
	MethodSEPADebit Method = "sepa_debit"
)

// Hard limits, whatever the creditor's policy says.
const (
	// MaxInstalments bounds a plan's number of instalments (ten years of
	// monthly payments).
	MaxInstalments = 120
	// MaxHorizonDays bounds how far ahead any date in an offer may be.
	MaxHorizonDays = 3660
	// MaxNoteLen bounds the free text of an offer and of a refusal reason.
	MaxNoteLen = 500
)

// Offer is the terms of a proposal, as the debtor or an agent typed them.
// Which fields matter depends on Kind; Validate says which are missing.
type Offer struct {
	Kind        Kind        `json:"kind"`
	Count       int         `json:"count,omitempty"`        // plan
	Amount      int64       `json:"amount,omitempty"`       // plan: each instalment; settlement: the sum offered
	DownPayment int64       `json:"down_payment,omitempty"` // plan: paid on FirstDate before the first instalment
	FirstDate   portal.Date `json:"first_date,omitzero"`    // plan
	Frequency   Frequency   `json:"frequency,omitempty"`    // plan
	Method      Method      `json:"method,omitempty"`       // plan
	Date        portal.Date `json:"date,omitzero"`          // promise, settlement: pay by; callback: preferred day
	Phone       string      `json:"phone,omitempty"`        // callback
	Note        string      `json:"note,omitempty"`
}

// Reason is the machine-readable cause of an invalid offer, wrapped in the
// *portal.Error that Validate returns. Its Key selects the translated text
// shown to the debtor; Limit is the bound that was broken, when there is one.
type Reason struct {
	Key   string
	Limit int64
	// Verdict is the policy's verdict of an agent's offer or acceptance
	// refused for want of confirmation (ReasonOutsidePolicy).
	Verdict *Verdict
}

func (r *Reason) Error() string { return r.Key }

// Reason keys.
const (
	ReasonUnknownKind         = "offer.unknown_kind"
	ReasonAmountNotPositive   = "offer.amount_not_positive"
	ReasonAmountTooLarge      = "offer.amount_too_large"
	ReasonCountNotPositive    = "offer.count_not_positive"
	ReasonTooManyInstalments  = "offer.too_many_instalments"
	ReasonDateMissing         = "offer.date_missing"
	ReasonDatePast            = "offer.date_past"
	ReasonDateTooFar          = "offer.date_too_far"
	ReasonBadFrequency        = "offer.bad_frequency"
	ReasonBadMethod           = "offer.bad_method"
	ReasonNoteTooLong         = "offer.note_too_long"
	ReasonDownPaymentNegative = "offer.down_payment_negative"
	ReasonExceedsBalance      = "offer.exceeds_balance"
	ReasonNothingOwed         = "offer.nothing_owed"
	ReasonBadPhone            = "offer.bad_phone"
	// ReasonOutsidePolicy: an agent's counter-offer or acceptance outside
	// the policy without confirmation and reason.
	ReasonOutsidePolicy = "offer.outside_policy"
	// ReasonConversationHeld: another agent holds the conversation.
	ReasonConversationHeld = "conversation.held"
)

// invalid builds the error for a broken rule: EINVALID, the field, an
// English message, and the Reason for translation.
func invalid(key, field string, limit int64, format string, args ...any) error {
	return &portal.Error{Code: portal.EINVALID, Field: field, Message: fmt.Sprintf(format, args...), Err: &Reason{Key: key, Limit: limit}}
}

// ReasonOf returns the Reason inside err, or nil.
func ReasonOf(err error) *Reason {
	var r *Reason
	if errors.As(err, &r) {
		return r
	}
	return nil
}

// Validate checks an offer on its own, against hard limits only (the
// creditor's policy is Evaluate's business). today is the creditor's
// calendar day; balance is what is owed now, in minor units.
func (o *Offer) Validate(today portal.Date, balance int64) error {
	if len([]rune(o.Note)) > MaxNoteLen {
		return invalid(ReasonNoteTooLong, "note", MaxNoteLen, "note is longer than %d characters", MaxNoteLen)
	}
	checkAmount := func(field string, v int64) error {
		if v <= 0 {
			return invalid(ReasonAmountNotPositive, field, 0, "%s must be a positive amount in minor units (cents)", field)
		}
		if v > portal.MaxAmount {
			return invalid(ReasonAmountTooLarge, field, portal.MaxAmount, "%s is too large", field)
		}
		return nil
	}
	checkDate := func(field string, d portal.Date, required bool) error {
		switch {
		case d.IsZero() && required:
			return invalid(ReasonDateMissing, field, 0, "%s is required (YYYY-MM-DD)", field)
		case d.IsZero():
			return nil
		case d.Before(today):
			return invalid(ReasonDatePast, field, 0, "%s %s is in the past", field, d)
		case d.After(today.AddDays(MaxHorizonDays)):
			return invalid(ReasonDateTooFar, field, MaxHorizonDays, "%s %s is too far ahead", field, d)
		}
		return nil
	}
	switch o.Kind {
	case KindPlan:
		if o.Count <= 0 {
			return invalid(ReasonCountNotPositive, "count", 0, "count must be at least 1")
		}
		if o.Count > MaxInstalments {
			return invalid(ReasonTooManyInstalments, "count", MaxInstalments, "a plan has at most %d instalments", MaxInstalments)
		}
		if err := checkAmount("amount", o.Amount); err != nil {
			return err
		}
		if o.DownPayment < 0 {
			return invalid(ReasonDownPaymentNegative, "down_payment", 0, "down_payment must not be negative")
		}
		if o.DownPayment > portal.MaxAmount {
			return invalid(ReasonAmountTooLarge, "down_payment", portal.MaxAmount, "down_payment is too large")
		}
		if o.Frequency != Weekly && o.Frequency != Monthly {
			return invalid(ReasonBadFrequency, "frequency", 0, "frequency must be weekly or monthly")
		}
		if o.Method != MethodCard && o.Method != MethodTransfer && o.Method != MethodSEPADebit {
			return invalid(ReasonBadMethod, "method", 0, "method must be card, transfer or sepa_debit")
		}
		if err := checkDate("first_date", o.FirstDate, true); err != nil {
			return err
		}
		if last := o.LastDate(); last.After(today.AddDays(MaxHorizonDays)) {
			return invalid(ReasonDateTooFar, "count", MaxHorizonDays, "the last instalment (%s) is too far ahead", last)
		}
		if balance <= 0 {
			return invalid(ReasonNothingOwed, "", 0, "nothing is owed on this claim")
		}
		if o.DownPayment >= balance {
			return invalid(ReasonExceedsBalance, "down_payment", balance, "down_payment covers the whole balance: pay it at once instead")
		}
		// Overflow-safe: Count ≤ 120 and Amount ≤ 10^13.
		if int64(o.Count-1)*o.Amount+o.DownPayment >= balance {
			return invalid(ReasonExceedsBalance, "count", balance, "%d instalments of this amount are more than the balance: fewer are enough", o.Count)
		}
	case KindSettlement:
		if err := checkAmount("amount", o.Amount); err != nil {
			return err
		}
		if err := checkDate("date", o.Date, false); err != nil {
			return err
		}
		if balance <= 0 {
			return invalid(ReasonNothingOwed, "", 0, "nothing is owed on this claim")
		}
		if o.Amount > balance {
			return invalid(ReasonExceedsBalance, "amount", balance, "amount is more than the balance")
		}
	case KindPromise:
		if err := checkDate("date", o.Date, true); err != nil {
			return err
		}
		if balance <= 0 {
			return invalid(ReasonNothingOwed, "", 0, "nothing is owed on this claim")
		}
	case KindCallback:
		if err := checkDate("date", o.Date, false); err != nil {
			return err
		}
		if o.Phone != "" && !isPhone(o.Phone) {
			return invalid(ReasonBadPhone, "phone", 0, "phone must be an international number such as +32470123456")
		}
	default:
		return invalid(ReasonUnknownKind, "kind", 0, "kind must be plan, settlement, promise or callback")
	}
	return nil
}

// LastDate is the due date of a plan's last instalment.
// With a down payment (due on FirstDate) the instalments start one period
// later.
func (o *Offer) LastDate() portal.Date {
	if o.DownPayment > 0 {
		return dueDate(o.FirstDate, o.Frequency, o.Count)
	}
	return dueDate(o.FirstDate, o.Frequency, o.Count-1)
}

// Total is what an offer pays in all, given the balance it settles: a plan
// pays the balance (its last instalment takes the remainder), a settlement
// its amount, a promise the balance, a call-back nothing.
func (o *Offer) Total(balance int64) int64 {
	switch o.Kind {
	case KindPlan, KindPromise:
		return balance
	case KindSettlement:
		return o.Amount
	}
	return 0
}

func dueDate(first portal.Date, f Frequency, i int) portal.Date {
	if f == Weekly {
		return first.AddDays(7 * i)
	}
	return first.AddMonths(i)
}

func isPhone(s string) bool {
	if len(s) < 8 || len(s) > 16 || s[0] != '+' {
		return false
	}
	for _, r := range s[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
