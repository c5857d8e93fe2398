package privacy_test

import (
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/escalation"
	"github.com/relais/relais/portal/privacy"
)

// TestDecide is the decision table of the retention rule.
func TestDecide(t *testing.T) {
	policy := portal.DefaultRetention() // 60 months without prescription, 12 of grace
	claim := func(j portal.Jurisdiction, kind portal.DebtorKind, stage portal.Stage, status portal.Status) *portal.Claim {
		return &portal.Claim{Jurisdiction: j, Stage: stage, Status: status, UpdatedAt: time.Date(2024, 6, 30, 10, 0, 0, 0, time.UTC),
			Debtor:   &portal.Debtor{Kind: kind},
			Invoices: []*portal.Invoice{{DueDate: portal.MustDate("2024-03-31")}, {DueDate: portal.MustDate("2024-01-31")}}}
	}
	fr, be := portal.JurisdictionFR, portal.JurisdictionBE
	biz, con := portal.DebtorBusiness, portal.DebtorConsumer
	amicable := portal.StageAmicable
	closedOn := portal.MustDate("2024-06-30")
	erasedAt := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	erased := claim(fr, biz, amicable, portal.StatusSettled)
	erased.PersonalDataErasedAt = &erasedAt
	acked := claim(fr, con, amicable, portal.StatusSettled)
	acked.LastAcknowledgementOn = portal.MustDate("2025-03-01")
	ended := func(stage portal.Stage, status portal.Status) *portal.Claim {
		c := claim(fr, biz, stage, status)
		c.JudgmentOn, c.ProceedingsEndedOn = portal.MustDate("2027-05-10"), portal.MustDate("2030-03-01")
		return c
	}
	paid := func(c *portal.Claim, on string, amount int64) *portal.Claim {
		c.Payments = append(c.Payments, &portal.Payment{Amount: amount, ReceivedOn: portal.MustDate(on)})
		return c
	}
	// A French consumer claim whose injonction de payer (order 2024-04-10,
	// served 2024-04-20) ended on 2024-06-20 without a title recorded.
	frCourtEnded := claim(fr, con, portal.StageLitigation, portal.StatusSettled)
	frCourtEnded.Procedure, frCourtEnded.OrderOn, frCourtEnded.ServedOn = "injonction_de_payer", portal.MustDate("2024-04-10"), portal.MustDate("2024-04-20")
	frCourtEnded.ProceedingsEndedOn = portal.MustDate("2024-06-20")
	// A Belgian claim after a judgment, proceedings ended: no prescription
	// is computed for a Belgian claim under a title.
	beJudged := func() *portal.Claim {
		c := claim(be, biz, portal.StageJudgment, portal.StatusClosed)
		c.JudgmentOn, c.ProceedingsEndedOn = portal.MustDate("2024-05-10"), portal.MustDate("2024-06-15")
		return c
	}
	bePeriodic := claim(be, biz, amicable, portal.StatusSettled)
	bePeriodic.Prescription = portal.PrescriptionPeriodic
	tests := []struct {
		name   string
		policy portal.RetentionPolicy
		facts  privacy.Facts
		today  string
		want   privacy.Decision
	}{
		{"open claim, whatever the date", policy, privacy.Facts{Claim: claim(fr, biz, amicable, portal.StatusOpen), LastActivity: closedOn}, "2060-01-01",
			privacy.Decision{Hold: privacy.HoldNotClosed}},
		{"disputed claim", policy, privacy.Facts{Claim: claim(fr, biz, amicable, portal.StatusDisputed), OpenDisputes: 1, LastActivity: closedOn}, "2060-01-01",
			privacy.Decision{Hold: privacy.HoldDispute}},
		{"settled claim with a dispute still open", policy, privacy.Facts{Claim: claim(fr, biz, amicable, portal.StatusSettled), OpenDisputes: 1, LastActivity: closedOn}, "2060-01-01",
			privacy.Decision{Hold: privacy.HoldDispute}},
		{"claim in a plan", policy, privacy.Facts{Claim: claim(fr, biz, amicable, portal.StatusInPlan), UnpaidInstalments: 2, LastActivity: closedOn}, "2060-01-01",
			privacy.Decision{Hold: privacy.HoldPlan}},
		{"settled claim in litigation", policy, privacy.Facts{Claim: claim(fr, biz, portal.StageLitigation, portal.StatusSettled), LastActivity: closedOn}, "2060-01-01",
			privacy.Decision{Hold: privacy.HoldCourt}},
		{"closed claim after a judgment", policy, privacy.Facts{Claim: claim(be, biz, portal.StageJudgment, portal.StatusClosed), LastActivity: closedOn}, "2060-01-01",
			privacy.Decision{Hold: privacy.HoldCourt}},
		{"written-off claim in enforcement", policy, privacy.Facts{Claim: claim(fr, con, portal.StageEnforcement, portal.StatusWrittenOff), LastActivity: closedOn}, "2060-01-01",
			privacy.Decision{Hold: privacy.HoldCourt}},
		// Once the creditor records the end of the proceedings, the periods
		// run from it; the judgment of 2027-05-10 is an enforceable title
		// that runs 10 years (CPCE L111-4): 2037-05-10, later than the
		// grace (2030-03-01 + 12 months = 2031-03-01).
		{"judgment executed, proceedings ended, inside the title's 10 years", policy, privacy.Facts{Claim: ended(portal.StageJudgment, portal.StatusSettled), LastActivity: closedOn}, "2031-03-02",
			privacy.Decision{KeepUntil: portal.MustDate("2037-05-10"), Basis: privacy.BasisPrescription, Prescription: portal.MustDate("2037-05-10")}},
		{"enforcement ended, past the title's 10 years", policy, privacy.Facts{Claim: ended(portal.StageEnforcement, portal.StatusWrittenOff), LastActivity: closedOn}, "2037-05-11",
			privacy.Decision{Erase: true, KeepUntil: portal.MustDate("2037-05-10"), Basis: privacy.BasisPrescription, Prescription: portal.MustDate("2037-05-10")}},
		{"proceedings ended but the claim is still open", policy, privacy.Facts{Claim: ended(portal.StageEnforcement, portal.StatusOpen), LastActivity: closedOn}, "2040-01-01",
			privacy.Decision{Hold: privacy.HoldNotClosed}},
		{"already erased", policy, privacy.Facts{Claim: erased, LastActivity: closedOn}, "2060-01-01",
			privacy.Decision{Hold: privacy.HoldErased}},
		// A plan whose claim left in_plan is over: its unpaid instalments hold nothing.
		{"written off with instalments left unpaid", policy, privacy.Facts{Claim: claim(fr, con, amicable, portal.StatusWrittenOff), UnpaidInstalments: 2, LastActivity: closedOn}, "2026-02-01",
			privacy.Decision{Erase: true, KeepUntil: portal.MustDate("2026-01-31"), Basis: privacy.BasisPrescription, Prescription: portal.MustDate("2026-01-31")}},

		// FR business: 5 years from the oldest due date, later than the grace.
		{"FR business paid, inside grace", policy, privacy.Facts{Claim: claim(fr, biz, amicable, portal.StatusSettled), LastActivity: closedOn}, "2025-06-30",
			privacy.Decision{KeepUntil: portal.MustDate("2029-01-31"), Basis: privacy.BasisPrescription, Prescription: portal.MustDate("2029-01-31")}},
		{"FR business paid, on the prescription day", policy, privacy.Facts{Claim: claim(fr, biz, amicable, portal.StatusSettled), LastActivity: closedOn}, "2029-01-31",
			privacy.Decision{KeepUntil: portal.MustDate("2029-01-31"), Basis: privacy.BasisPrescription, Prescription: portal.MustDate("2029-01-31")}},
		{"FR business paid, past prescription and grace", policy, privacy.Facts{Claim: claim(fr, biz, amicable, portal.StatusSettled), LastActivity: closedOn}, "2029-02-01",
			privacy.Decision{Erase: true, KeepUntil: portal.MustDate("2029-01-31"), Basis: privacy.BasisPrescription, Prescription: portal.MustDate("2029-01-31")}},
		// FR consumer: 2 years; an acknowledgement restarts them.
		{"FR consumer paid, past prescription", policy, privacy.Facts{Claim: claim(fr, con, amicable, portal.StatusSettled), LastActivity: closedOn}, "2026-02-01",
			privacy.Decision{Erase: true, KeepUntil: portal.MustDate("2026-01-31"), Basis: privacy.BasisPrescription, Prescription: portal.MustDate("2026-01-31")}},
		{"FR consumer acknowledged, prescription restarted", policy, privacy.Facts{Claim: acked, LastActivity: closedOn}, "2026-02-01",
			privacy.Decision{KeepUntil: portal.MustDate("2027-03-01"), Basis: privacy.BasisPrescription, Prescription: portal.MustDate("2027-03-01")}},
		// A payment restarts it like an acknowledgement (Code civil 2240):
		// paid 2024-06-20, + 2 years = 2026-06-20, later than the grace
		// (2025-06-30).
		{"FR consumer, prescription restarted by a payment", policy, privacy.Facts{Claim: paid(claim(fr, con, amicable, portal.StatusSettled), "2024-06-20", 5000), LastActivity: closedOn}, "2026-06-20",
			privacy.Decision{KeepUntil: portal.MustDate("2026-06-20"), Basis: privacy.BasisPrescription, Prescription: portal.MustDate("2026-06-20")}},
		{"FR consumer, past the prescription restarted by a payment", policy, privacy.Facts{Claim: paid(claim(fr, con, amicable, portal.StatusSettled), "2024-06-20", 5000), LastActivity: closedOn}, "2026-06-21",
			privacy.Decision{Erase: true, KeepUntil: portal.MustDate("2026-06-20"), Basis: privacy.BasisPrescription, Prescription: portal.MustDate("2026-06-20")}},
		// A refund is no payment by the debtor: 2024-01-31 + 2 years.
		{"FR consumer, a refund restarts nothing", policy, privacy.Facts{Claim: paid(claim(fr, con, amicable, portal.StatusSettled), "2025-01-10", -5000), LastActivity: closedOn}, "2026-02-01",
			privacy.Decision{Erase: true, KeepUntil: portal.MustDate("2026-01-31"), Basis: privacy.BasisPrescription, Prescription: portal.MustDate("2026-01-31")}},
		// Interrupted by the order of 2024-04-10 until the proceedings ended
		// on 2024-06-20 (Code civil 2241, 2242): 2024-06-20 + 2 years =
		// 2026-06-20, not 2026-01-31.
		{"FR consumer, proceedings ended: a new period from their end", policy, privacy.Facts{Claim: frCourtEnded, LastActivity: closedOn}, "2026-02-01",
			privacy.Decision{KeepUntil: portal.MustDate("2026-06-20"), Basis: privacy.BasisPrescription, Prescription: portal.MustDate("2026-06-20")}},
		// Grace later than prescription: activity after the closure counts.
		{"FR consumer, activity late after closure", policy, privacy.Facts{Claim: claim(fr, con, amicable, portal.StatusClosed), LastActivity: portal.MustDate("2025-09-15")}, "2026-02-01",
			privacy.Decision{KeepUntil: portal.MustDate("2026-09-15"), Basis: privacy.BasisGrace, Prescription: portal.MustDate("2026-01-31")}},
		{"FR consumer, long grace", portal.RetentionPolicy{NoPrescriptionMonths: 60, GraceMonths: 36}, privacy.Facts{Claim: claim(fr, con, amicable, portal.StatusSettled), LastActivity: closedOn}, "2027-07-01",
			privacy.Decision{Erase: true, KeepUntil: portal.MustDate("2027-06-30"), Basis: privacy.BasisGrace, Prescription: portal.MustDate("2026-01-31")}},
		// BE: the Belgian prescription of the timeline (old Civil Code). A
		// business by default: 10 years (art. 2262bis §1), 2024-01-31 →
		// 2034-01-31.
		{"BE business paid, inside the 10 years", policy, privacy.Facts{Claim: claim(be, biz, amicable, portal.StatusSettled), LastActivity: closedOn}, "2034-01-31",
			privacy.Decision{KeepUntil: portal.MustDate("2034-01-31"), Basis: privacy.BasisPrescription, Prescription: portal.MustDate("2034-01-31")}},
		{"BE business paid, past the 10 years", policy, privacy.Facts{Claim: claim(be, biz, amicable, portal.StatusWrittenOff), LastActivity: closedOn}, "2034-02-01",
			privacy.Decision{Erase: true, KeepUntil: portal.MustDate("2034-01-31"), Basis: privacy.BasisPrescription, Prescription: portal.MustDate("2034-01-31")}},
		// A consumer by default: 1 year (art. 2272), 2025-01-31; the grace
		// (2024-06-30 + 12 months = 2025-06-30) is later.
		{"BE consumer paid, grace after the 1 year", policy, privacy.Facts{Claim: claim(be, con, amicable, portal.StatusSettled), LastActivity: closedOn}, "2025-07-01",
			privacy.Decision{Erase: true, KeepUntil: portal.MustDate("2025-06-30"), Basis: privacy.BasisGrace, Prescription: portal.MustDate("2025-01-31")}},
		// Restarted by a payment on 2024-11-15 (art. 2248): 2025-11-15.
		{"BE consumer, restarted by a payment", policy, privacy.Facts{Claim: paid(claim(be, con, amicable, portal.StatusSettled), "2024-11-15", 2000), LastActivity: closedOn}, "2025-07-01",
			privacy.Decision{KeepUntil: portal.MustDate("2025-11-15"), Basis: privacy.BasisPrescription, Prescription: portal.MustDate("2025-11-15")}},
		// Periodic payments recorded: 5 years (art. 2277), 2029-01-31.
		{"BE periodic, 5 years", policy, privacy.Facts{Claim: bePeriodic, LastActivity: closedOn}, "2029-02-01",
			privacy.Decision{Erase: true, KeepUntil: portal.MustDate("2029-01-31"), Basis: privacy.BasisPrescription, Prescription: portal.MustDate("2029-01-31")}},
		// A Belgian claim under a title has no prescription computed: the
		// tenant's period after the last activity (2024-06-30, later than
		// the end of the proceedings 2024-06-15).
		{"BE judged, shorter period", portal.RetentionPolicy{NoPrescriptionMonths: 24, GraceMonths: 12}, privacy.Facts{Claim: beJudged(), LastActivity: closedOn}, "2026-07-01",
			privacy.Decision{Erase: true, KeepUntil: portal.MustDate("2026-06-30"), Basis: privacy.BasisNoPrescription}},
		{"BE judged, grace longer than the period", portal.RetentionPolicy{NoPrescriptionMonths: 12, GraceMonths: 18}, privacy.Facts{Claim: beJudged(), LastActivity: closedOn}, "2025-12-30",
			privacy.Decision{KeepUntil: portal.MustDate("2025-12-30"), Basis: privacy.BasisGrace}},
		{"no last activity known: last update", policy, privacy.Facts{Claim: beJudged()}, "2029-07-01",
			privacy.Decision{Erase: true, KeepUntil: portal.MustDate("2029-06-30"), Basis: privacy.BasisNoPrescription}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := privacy.Decide(tt.policy, tt.facts, portal.MustDate(tt.today))
			if got != tt.want {
				t.Fatalf("Decide on %s:\n got %+v\nwant %+v", tt.today, got, tt.want)
			}
			// The retention and the timeline name the same prescription day.
			if got.Hold == "" {
				dl, ok := escalation.Prescription(escalation.FactsOf(tt.facts.Claim))
				if ok != !got.Prescription.IsZero() || (ok && dl.Due != got.Prescription) {
					t.Fatalf("Decide's prescription %s, the timeline's %s (%v)", got.Prescription, dl.Due, ok)
				}
			}
		})
	}
}

func TestRetentionPolicyValidate(t *testing.T) {
	for _, tt := range []struct {
		p     portal.RetentionPolicy
		field string
	}{
		{portal.DefaultRetention(), ""},
		{portal.RetentionPolicy{NoPrescriptionMonths: 12, GraceMonths: 0}, ""},
		{portal.RetentionPolicy{NoPrescriptionMonths: 360, GraceMonths: 120}, ""},
		{portal.RetentionPolicy{NoPrescriptionMonths: 11, GraceMonths: 12}, "no_prescription_months"},
		{portal.RetentionPolicy{NoPrescriptionMonths: 361, GraceMonths: 12}, "no_prescription_months"},
		{portal.RetentionPolicy{NoPrescriptionMonths: 60, GraceMonths: -1}, "grace_months"},
		{portal.RetentionPolicy{NoPrescriptionMonths: 60, GraceMonths: 121}, "grace_months"},
	} {
		err := tt.p.Validate()
		if portal.ErrorField(err) != tt.field || (tt.field != "" && portal.ErrorCode(err) != portal.EINVALID) {
			t.Errorf("%+v: got %v, want an error on %q", tt.p, err, tt.field)
		}
	}
}
