package privacy_test

import (
	"testing"
	"time"

	"github.com/relais/relais/portal"
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
		// run from it.
		{"judgment executed, proceedings ended, inside grace", policy, privacy.Facts{Claim: ended(portal.StageJudgment, portal.StatusSettled), LastActivity: closedOn}, "2031-03-01",
			privacy.Decision{KeepUntil: portal.MustDate("2031-03-01"), Basis: privacy.BasisGrace, Prescription: portal.MustDate("2029-01-31")}},
		{"enforcement ended, past grace", policy, privacy.Facts{Claim: ended(portal.StageEnforcement, portal.StatusWrittenOff), LastActivity: closedOn}, "2031-03-02",
			privacy.Decision{Erase: true, KeepUntil: portal.MustDate("2031-03-01"), Basis: privacy.BasisGrace, Prescription: portal.MustDate("2029-01-31")}},
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
		// Grace later than prescription: activity after the closure counts.
		{"FR consumer, activity late after closure", policy, privacy.Facts{Claim: claim(fr, con, amicable, portal.StatusClosed), LastActivity: portal.MustDate("2025-09-15")}, "2026-02-01",
			privacy.Decision{KeepUntil: portal.MustDate("2026-09-15"), Basis: privacy.BasisGrace, Prescription: portal.MustDate("2026-01-31")}},
		{"FR consumer, long grace", portal.RetentionPolicy{NoPrescriptionMonths: 60, GraceMonths: 36}, privacy.Facts{Claim: claim(fr, con, amicable, portal.StatusSettled), LastActivity: closedOn}, "2027-07-01",
			privacy.Decision{Erase: true, KeepUntil: portal.MustDate("2027-06-30"), Basis: privacy.BasisGrace, Prescription: portal.MustDate("2026-01-31")}},
		// BE: no prescription computed; the tenant's period after the last activity.
		{"BE paid, inside the period", policy, privacy.Facts{Claim: claim(be, biz, amicable, portal.StatusSettled), LastActivity: closedOn}, "2029-06-30",
			privacy.Decision{KeepUntil: portal.MustDate("2029-06-30"), Basis: privacy.BasisNoPrescription}},
		{"BE paid, past the period", policy, privacy.Facts{Claim: claim(be, con, amicable, portal.StatusSettled), LastActivity: closedOn}, "2029-07-01",
			privacy.Decision{Erase: true, KeepUntil: portal.MustDate("2029-06-30"), Basis: privacy.BasisNoPrescription}},
		{"BE, shorter period", portal.RetentionPolicy{NoPrescriptionMonths: 24, GraceMonths: 12}, privacy.Facts{Claim: claim(be, biz, amicable, portal.StatusWrittenOff), LastActivity: closedOn}, "2026-07-01",
			privacy.Decision{Erase: true, KeepUntil: portal.MustDate("2026-06-30"), Basis: privacy.BasisNoPrescription}},
		{"BE, grace longer than the period", portal.RetentionPolicy{NoPrescriptionMonths: 12, GraceMonths: 18}, privacy.Facts{Claim: claim(be, biz, amicable, portal.StatusSettled), LastActivity: closedOn}, "2025-12-30",
			privacy.Decision{KeepUntil: portal.MustDate("2025-12-30"), Basis: privacy.BasisGrace}},
		{"no last activity known: last update", policy, privacy.Facts{Claim: claim(be, biz, amicable, portal.StatusSettled)}, "2029-07-01",
			privacy.Decision{Erase: true, KeepUntil: portal.MustDate("2029-06-30"), Basis: privacy.BasisNoPrescription}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := privacy.Decide(tt.policy, tt.facts, portal.MustDate(tt.today))
			if got != tt.want {
				t.Fatalf("Decide on %s:\n got %+v\nwant %+v", tt.today, got, tt.want)
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
