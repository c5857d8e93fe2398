package privacy

import (
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/escalation"
)

// Hold says why a claim's personal data is kept whatever the dates.
type Hold string

const (
	// HoldErased: the data is already gone.
	HoldErased Hold = "already_erased"
	// HoldCourt: the claim is in litigation, judgment or enforcement, and
	// the end of the proceedings is not recorded.
	HoldCourt Hold = "court_stage"
	// HoldDispute: a dispute of the claim is open.
	HoldDispute Hold = "open_dispute"
	// HoldPlan: an instalment plan is running.
	HoldPlan Hold = "running_plan"
	// HoldNotClosed: the claim is open, disputed or in a plan.
	HoldNotClosed Hold = "not_closed"
)

// Basis names what decided a claim's retention date.
type Basis string

const (
	// BasisPrescription: the claim's prescription as the timeline shows it
	// (escalation.Prescription: French or Belgian, restarted by payments
	// and acknowledgements, or the 10 years of a French enforceable title).
	BasisPrescription Basis = "prescription"
	// BasisNoPrescription: no prescription is computed for the claim (no
	// due date known, French court proceedings whose end is not recorded,
	// or a Belgian claim in court or under a title); the tenant's period
	// after the last activity.
	BasisNoPrescription Basis = "no_prescription_period"
	// BasisGrace: the tenant's grace period after the last activity, which
	// ends later than the prescription.
	BasisGrace Basis = "grace"
)

// Facts are what the rule needs to know about one claim.
type Facts struct {
	// Claim with its debtor, invoices and payments (the prescription reads
	// the debtor's kind, the oldest due date, and the payments, which
	// restart it).
	Claim *portal.Claim
	// LastActivity is the tenant's calendar date of the claim's last
	// evidence event: its closure, or anything after it (a refund, a page
	// view). Zero: the date the claim was last updated.
	LastActivity portal.Date
	// OpenDisputes counts the claim's disputes still open.
	OpenDisputes int
	// UnpaidInstalments counts instalments due or failed.
	UnpaidInstalments int
}

// Decision is the rule's answer for one claim on one day.
type Decision struct {
	// Erase is true when the claim's personal data must be erased today.
	Erase bool
	// Hold is why the data is kept whatever the dates; "" when only the
	// date keeps it (or Erase).
	Hold Hold
	// KeepUntil is the last day the data is kept; zero under a hold.
	KeepUntil portal.Date
	// Basis is what set KeepUntil.
	Basis Basis
	// Prescription is the claim's prescription date, zero when none is
	// computed.
	Prescription portal.Date
}

// Decide applies the retention rule: this function is the one place it is
// written down (docs/security.md, "Personal data", explains it).
//
// A claim's personal data is kept while any of these holds, because the
// creditor may still need to prove who owes what to whom:
//   - the claim is in a court stage (litigation, judgment, enforcement)
//     and the end of the proceedings is not recorded
//     (Claim.ProceedingsEndedOn): a judgment stays enforceable for ten
//     years and can be renewed, so only the creditor can say that the
//     proceedings and the enforcement are over;
//   - a dispute is open: the debtor's own proof is under examination;
//   - an instalment plan is running: instalments due or failed while the
//     claim is in_plan (the only status in which Relais charges or expects
//     them; a claim settled, written off or closed ends its plan);
//   - the claim is not closed: its status is open, disputed or in_plan.
//
// Otherwise the data is kept until the later of
//   - the prescription date, while the creditor could still sue, enforce
//     or be asked to justify the claim: escalation.Prescription on
//     escalation.FactsOf(claim), the very date the timeline shows
//     (France and Belgium, restarted by the last payment or
//     acknowledgement, interrupted by French proceedings, 10 years from a
//     French enforceable title; docs/legal.md). Where none is computed
//     (no due date, French proceedings whose end is not recorded, a
//     Belgian claim in court or under a title), the tenant's
//     NoPrescriptionMonths after the last activity;
//   - the tenant's GraceMonths after the last activity, which covers the
//     late events of a closed claim (a refund, a chargeback, a question);
//
// and erased on the first day after it. The last activity, not the
// closure, starts the periods: it is the closure or later, so a claim is
// never erased sooner than its closure would allow. The end of the
// proceedings counts as an activity.
func Decide(p portal.RetentionPolicy, f Facts, today portal.Date) Decision {
	c := f.Claim
	var d Decision
	switch {
	case c.PersonalDataErasedAt != nil:
		d.Hold = HoldErased
	case (c.Stage == portal.StageLitigation || c.Stage == portal.StageJudgment || c.Stage == portal.StageEnforcement) &&
		c.ProceedingsEndedOn.IsZero():
		d.Hold = HoldCourt
	case f.OpenDisputes > 0:
		d.Hold = HoldDispute
	case f.UnpaidInstalments > 0 && c.Status == portal.StatusInPlan:
		d.Hold = HoldPlan
	case c.Status != portal.StatusSettled && c.Status != portal.StatusWrittenOff && c.Status != portal.StatusClosed:
		d.Hold = HoldNotClosed
	}
	if d.Hold != "" {
		return d
	}
	last := f.LastActivity
	if last.IsZero() {
		last = portal.DateOf(c.UpdatedAt)
	}
	if c.ProceedingsEndedOn.After(last) {
		last = c.ProceedingsEndedOn
	}
	if dl, ok := escalation.Prescription(escalation.FactsOf(c)); ok {
		d.Prescription = dl.Due
		d.KeepUntil, d.Basis = dl.Due, BasisPrescription
	} else {
		d.KeepUntil, d.Basis = last.AddMonths(p.NoPrescriptionMonths), BasisNoPrescription
	}
	if grace := last.AddMonths(p.GraceMonths); grace.After(d.KeepUntil) {
		d.KeepUntil, d.Basis = grace, BasisGrace
	}
	d.Erase = today.After(d.KeepUntil)
	return d
}
