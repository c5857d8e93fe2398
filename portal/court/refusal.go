package court

import (
	"errors"
	"fmt"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/rules"
)

// Refusal is why a court document cannot be made for a claim today: a
// portal.Error (its code gives the status, 400 or 409, and its message the
// English words of the API) with the reason as a key and its values, which
// the console words in the user's language (messages
// "console.court.refused.<Reason>", Args naming their placeholders).
type Refusal struct {
	Reason string
	// Args are placeholder, value pairs. The console words the values of
	// "Status" and "Stage" as it words a claim's status and stage.
	Args []string
	Err  *portal.Error
}

func (r *Refusal) Error() string { return r.Err.Error() }

func (r *Refusal) Unwrap() error { return r.Err }

// ReasonCode is Reason, for the API's error body ("reason").
func (r *Refusal) ReasonCode() string { return r.Reason }

// The refusals' reasons.
const (
	ReasonJurisdictionFR = "jurisdiction_fr"
	ReasonJurisdictionBE = "jurisdiction_be"
	ReasonParties        = "parties"
	ReasonDebtorAbroad   = "debtor_abroad"
	ReasonNoCountry      = "eop_no_country"
	ReasonNotMember      = "eop_not_member"
	ReasonSameCountry    = "eop_same_country"
	ReasonEnded          = "ended"
	ReasonDisputed       = "disputed"
	ReasonInPlan         = "in_plan"
	ReasonAmicable       = "amicable"
	ReasonOtherProcedure = "other_procedure"
	ReasonJudged         = "judged"
	ReasonNoFormalNotice = "no_formal_notice"
	ReasonNoticeRunning  = "notice_running"
	ReasonFirstReminder  = "be_no_first_reminder"
	ReasonFreePeriod     = "be_free_period"
	ReasonMissing        = "missing"
	ReasonNothingOwed    = "nothing_owed"
	ReasonNotLiquid      = "not_liquid"
	ReasonNotDue         = "not_due"
)

// Reasons lists every reason, for the tests that check each is worded.
func Reasons() []string {
	return []string{ReasonJurisdictionFR, ReasonJurisdictionBE, ReasonParties, ReasonDebtorAbroad, ReasonNoCountry, ReasonNotMember,
		ReasonSameCountry, ReasonEnded, ReasonDisputed, ReasonInPlan, ReasonAmicable, ReasonOtherProcedure, ReasonJudged,
		ReasonNoFormalNotice, ReasonNoticeRunning, ReasonFirstReminder, ReasonFreePeriod, ReasonMissing, ReasonNothingOwed,
		ReasonNotLiquid, ReasonNotDue}
}

// refuse is a Refusal with code and the English message.
func refuse(code, reason string, args []string, format string, a ...any) error {
	return &Refusal{Reason: reason, Args: args, Err: &portal.Error{Code: code, Message: fmt.Sprintf(format, a...)}}
}

// refuseField is a Refusal of invalid data in one field.
func refuseField(field, reason string, args []string, format string, a ...any) error {
	return &Refusal{Reason: reason, Args: args, Err: &portal.Error{Code: portal.EINVALID, Field: field, Message: fmt.Sprintf(format, a...)}}
}

// ReasonOf returns err's Refusal, nil when it is another error.
func ReasonOf(err error) *Refusal {
	var r *Refusal
	if errors.As(err, &r) {
		return r
	}
	return nil
}

// owed is the last check of every court document: the sum claimed is
// owed, liquid and due today (ECONFLICT otherwise). Liquid: every part of
// it can be stated to the day, so none of the interest stops at a missing
// rate (the request states the exact amount, CPC 1407; the European form
// and the Belgian summons its interest to a day). Due: no invoice with
// principal still owed falls due after today. Both readings are Relais's,
// not confirmed in LEGAL.md (see docs/court.md).
func owed(b *rules.Balance, today portal.Date) error {
	if b == nil || b.Total <= 0 {
		return refuse(portal.ECONFLICT, ReasonNothingOwed, nil, "Nothing is owed on this claim today.")
	}
	if !b.Complete {
		series, from := "", b.ComputedTo.AddDays(1)
		if len(b.MissingRates) > 0 {
			series, from = b.MissingRates[0].Series, b.MissingRates[0].From
		}
		return refuse(portal.ECONFLICT, ReasonNotLiquid, []string{"Series", series, "From", from.String(), "To", b.ComputedTo.String()},
			"The amount is not liquid today: the %s rate from %s is not recorded, so interest can be computed only to %s. Record the rate first (PUT /api/v1/rates/{series}/{from}): a court document states the exact sum owed.", series, from, b.ComputedTo)
	}
	for _, l := range b.Invoices {
		if l.PrincipalDue > 0 && today.Before(l.DueDate) {
			return refuse(portal.ECONFLICT, ReasonNotDue, []string{"Invoice", l.Number, "Due", l.DueDate.String()},
				"Invoice %s falls due on %s: a sum not yet due cannot be claimed in court. Wait for its due date, or credit it out of this claim.", l.Number, l.DueDate)
		}
	}
	return nil
}
