package escalation_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/escalation"
)

var d = portal.MustDate

func TestEaster(t *testing.T) {
	// Known Easter Sundays, including the earliest (22 March) and latest
	// (25 April) possible dates.
	for _, want := range []string{"2008-03-23", "2019-04-21", "2024-03-31", "2025-04-20", "2026-04-05", "2038-04-25", "2285-03-22"} {
		got := escalation.Easter(d(want).Year)
		if got != d(want) {
			t.Errorf("Easter(%d) = %s, want %s", d(want).Year, got, want)
		}
	}
}

func TestHolidays(t *testing.T) {
	// Belgium 2025: Easter Sunday 20 April, so Easter Monday 21 April,
	// Ascension 20 April + 39 = 29 May, Whit Monday 20 April + 50 = 9 June.
	var got []string
	for _, h := range escalation.Holidays(portal.JurisdictionBE, 2025) {
		got = append(got, h.Date.String())
	}
	want := "2025-01-01 2025-04-21 2025-05-01 2025-05-29 2025-06-09 2025-07-21 2025-08-15 2025-11-01 2025-11-11 2025-12-25"
	if g := strings.Join(got, " "); g != want {
		t.Fatalf("BE holidays 2025 = %s\nwant %s", g, want)
	}
	if n := len(escalation.Holidays(portal.JurisdictionFR, 2025)); n != 11 {
		t.Errorf("FR has %d holidays in 2025, want 11", n)
	}
	for _, tt := range []struct {
		j    portal.Jurisdiction
		date string
		want bool
	}{
		{portal.JurisdictionBE, "2024-07-21", false}, // National Day 2024 is a Sunday: not a working day anyway
		{portal.JurisdictionBE, "2024-07-22", true},  // Monday: Belgium does not move the holiday
		{portal.JurisdictionFR, "2024-07-15", true},  // Monday after Bastille Day
		{portal.JurisdictionFR, "2024-05-08", false}, // Victory in Europe Day, Wednesday
		{portal.JurisdictionBE, "2024-05-08", true},  // not a Belgian holiday
		{portal.JurisdictionBE, "2024-05-09", false}, // Ascension 2024: 31 March + 39
		{portal.JurisdictionBE, "2024-12-26", true},  // Boxing Day is not a Belgian legal holiday
	} {
		if got := escalation.WorkingDay(tt.j, d(tt.date)); got != tt.want {
			t.Errorf("WorkingDay(%s, %s) = %v, want %v", tt.j, tt.date, got, tt.want)
		}
	}
}

// find returns the deadline of a kind, failing the test if it is missing.
func find(t *testing.T, ds []escalation.Deadline, k escalation.DeadlineKind) escalation.Deadline {
	t.Helper()
	for _, x := range ds {
		if x.Kind == k {
			return x
		}
	}
	t.Fatalf("no %s deadline in %+v", k, ds)
	return escalation.Deadline{}
}

func absent(t *testing.T, ds []escalation.Deadline, k escalation.DeadlineKind) {
	t.Helper()
	for _, x := range ds {
		if x.Kind == k {
			t.Fatalf("unexpected %s deadline: %+v", k, x)
		}
	}
}

func TestDeadlines(t *testing.T) {
	for _, tt := range []struct {
		name     string
		facts    escalation.Facts
		today    string
		kind     escalation.DeadlineKind
		due      string
		warnFrom string
		status   escalation.DeadlineStatus
		rule     string // part of Rule
		expl     string // part of Explanation, when set
	}{
		// --- Belgian consumer 14-day period after the free first reminder ---
		{
			// Letter posted Friday 2024-03-29. Sat 30 and Sun 31 March are
			// weekend, Monday 1 April is Easter Monday (Easter 31 March).
			// Working days: Tue 2 April (1st), Wed 3 (2nd), Thu 4 (3rd).
			// The period runs from Thursday 2024-04-04; + 14 days = Thursday
			// 2024-04-18. Warning 7 days before: 2024-04-11.
			name:  "BE letter over Easter",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionBE, DebtorKind: portal.DebtorConsumer, FirstReminderOn: d("2024-03-29"), FirstReminderChannel: escalation.ChannelLetter},
			today: "2024-04-10", kind: escalation.KindBEConsumerPeriod, due: "2024-04-18", warnFrom: "2024-04-11", status: escalation.Upcoming, rule: "Book XIX",
		},
		{
			// Letter posted Tuesday 2024-05-07. Wed 8 May is the 1st working
			// day (8 May is a French holiday, not a Belgian one); Thu 9 May
			// is Ascension (31 March + 39); Fri 10 May is the 2nd; the
			// weekend is skipped; Mon 13 May is the 3rd. 13 May + 14 =
			// Monday 2024-05-27.
			name:  "BE letter over Ascension",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionBE, DebtorKind: portal.DebtorConsumer, FirstReminderOn: d("2024-05-07")},
			today: "2024-05-20", kind: escalation.KindBEConsumerPeriod, due: "2024-05-27", warnFrom: "2024-05-20", status: escalation.Warning, rule: "Book XIX",
		},
		{
			// Letter posted Monday 2024-12-23. Tue 24 Dec is the 1st working
			// day, Wed 25 is Christmas, Thu 26 the 2nd (not a Belgian
			// holiday), Fri 27 the 3rd. 27 Dec + 14 days = Friday 2025-01-10
			// (4 days to 31 Dec, 10 more in January).
			name:  "BE letter over Christmas and new year",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionBE, DebtorKind: portal.DebtorConsumer, FirstReminderOn: d("2024-12-23"), FirstReminderChannel: escalation.ChannelLetter},
			today: "2025-01-11", kind: escalation.KindBEConsumerPeriod, due: "2025-01-10", warnFrom: "2025-01-03", status: escalation.Passed, rule: "Book XIX",
		},
		{
			// E-mail sent Wednesday 2024-05-08: the period runs from the next
			// day, 9 May (a holiday does not matter for e-mail); 9 May + 14
			// = Thursday 2024-05-23.
			name:  "BE e-mail",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionBE, DebtorKind: portal.DebtorConsumer, FirstReminderOn: d("2024-05-08"), FirstReminderChannel: escalation.ChannelEmail},
			today: "2024-05-23", kind: escalation.KindBEConsumerPeriod, due: "2024-05-23", warnFrom: "2024-05-16", status: escalation.Warning, rule: "Book XIX",
		},

		// --- formal notice period (practice) ---
		{
			// FR default 8 days: Monday 2024-03-04 + 8 = Tuesday 2024-03-12.
			// Warning 7 days before: 2024-03-05.
			name:  "FR notice default",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionFR, FormalNoticeOn: d("2024-03-04")},
			today: "2024-03-04", kind: escalation.KindNoticePeriod, due: "2024-03-12", warnFrom: "2024-03-05", status: escalation.Upcoming, rule: "practice",
		},
		{
			// BE default 15 days: 2024-03-04 + 15 = Tuesday 2024-03-19.
			name:  "BE notice default",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionBE, FormalNoticeOn: d("2024-03-04")},
			today: "2024-03-20", kind: escalation.KindNoticePeriod, due: "2024-03-19", warnFrom: "2024-03-12", status: escalation.Passed, rule: "practice",
		},
		{
			// Set on the claim: 3 days from 2024-03-04 = 2024-03-07; the
			// warning cannot start before the notice itself, so 2024-03-04.
			name:  "notice period set on the claim",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionFR, FormalNoticeOn: d("2024-03-04"), NoticePeriodDays: 3},
			today: "2024-03-04", kind: escalation.KindNoticePeriod, due: "2024-03-07", warnFrom: "2024-03-04", status: escalation.Warning, rule: "practice",
		},

		// --- injonction de payer ---
		{
			// Order of 2024-08-31 + 6 months: 31 February 2025 does not
			// exist, so the last day of February, Friday 2025-02-28.
			// Warning 30 days before: 28 Feb − 28 days = 31 Jan, − 2 more = 2025-01-29.
			name:  "serve injonction, month end",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionFR, Procedure: escalation.ProcInjonctionDePayer, OrderOn: d("2024-08-31")},
			today: "2025-01-28", kind: escalation.KindServeOrder, due: "2025-02-28", warnFrom: "2025-01-29", status: escalation.Upcoming, rule: "CPC 1411",
		},
		{
			// Served Monday 2024-07-15; one month later is Thursday
			// 2024-08-15, Assumption, a French holiday: CPC 642 moves the
			// end to Friday 2024-08-16. Warning 7 days before: 2024-08-09.
			name:  "opposition to injonction ends on a holiday",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionFR, Procedure: escalation.ProcInjonctionDePayer, OrderOn: d("2024-07-01"), ServedOn: d("2024-07-15")},
			today: "2024-08-16", kind: escalation.KindOrderOpposition, due: "2024-08-16", warnFrom: "2024-08-09", status: escalation.Warning, rule: "CPC 1416",
		},
		{
			// Served Wednesday 2024-01-31; one month later: 31 February does
			// not exist, so the last day of February 2024, a leap year:
			// Thursday 2024-02-29, a working day.
			name:  "opposition to injonction, leap February",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionFR, Procedure: escalation.ProcInjonctionDePayer, ServedOn: d("2024-01-31")},
			today: "2024-03-01", kind: escalation.KindOrderOpposition, due: "2024-02-29", warnFrom: "2024-02-22", status: escalation.Passed, rule: "CPC 1416",
		},

		// --- European order for payment ---
		{
			// Served Thursday 2024-04-25; + 30 days: 5 days to 30 April, 25
			// more = Saturday 2024-05-25. The period runs to the next working
			// day in France: Monday 2024-05-27.
			name:  "European order opposition ends on a Saturday",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionFR, Procedure: escalation.ProcEuropeanOrder, OrderOn: d("2024-04-10"), ServedOn: d("2024-04-25")},
			today: "2024-05-01", kind: escalation.KindEuropeanOpposition, due: "2024-05-27", warnFrom: "2024-05-20", status: escalation.Upcoming, rule: "1896/2006 art. 16",
		},

		// --- Belgian uncontested B2B ---
		{
			// Summons served Friday 2024-10-11; one month later is Monday
			// 2024-11-11, Armistice Day: Code judiciaire 53 moves the end to
			// Tuesday 2024-11-12.
			name:  "BE uncontested answer ends on Armistice Day",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionBE, DebtorKind: portal.DebtorBusiness, Procedure: escalation.ProcUncontestedB2B, ServedOn: d("2024-10-11")},
			today: "2024-11-13", kind: escalation.KindUncontestedAnswer, due: "2024-11-12", warnFrom: "2024-11-05", status: escalation.Passed, rule: "1394/20",
		},

		// --- French prescription ---
		{
			// Business debtor, 5 years (L110-4): due 2020-02-29 + 60 months:
			// 29 February 2025 does not exist, so 2025-02-28. Warning 30
			// days before: 2025-01-29.
			name:  "FR business prescription from a leap day",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionFR, DebtorKind: portal.DebtorBusiness, OldestDueDate: d("2020-02-29")},
			today: "2025-01-29", kind: escalation.KindPrescription, due: "2025-02-28", warnFrom: "2025-01-29", status: escalation.Warning, rule: "L110-4",
		},
		{
			// Consumer, 2 years (L218-2): due 2023-03-15 → 2025-03-15.
			// Warning 30 days before: 15 March − 15 = 28 Feb, − 15 more =
			// 2025-02-13.
			name:  "FR consumer prescription",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionFR, DebtorKind: portal.DebtorConsumer, OldestDueDate: d("2023-03-15")},
			today: "2024-06-01", kind: escalation.KindPrescription, due: "2025-03-15", warnFrom: "2025-02-13", status: escalation.Upcoming, rule: "L218-2",
		},
		{
			// Same claim; a partial payment on 2024-06-10 acknowledges the
			// debt (Code civil 2240) and restarts a full 2-year period:
			// 2024-06-10 + 2 years = 2026-06-10; warning from 2026-05-11
			// (10 June − 10 = 31 May, − 20 more = 11 May).
			name:  "FR consumer prescription restarted by a partial payment",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionFR, DebtorKind: portal.DebtorConsumer, OldestDueDate: d("2023-03-15"), LastAcknowledgementOn: d("2024-06-10")},
			today: "2025-03-16", kind: escalation.KindPrescription, due: "2026-06-10", warnFrom: "2026-05-11", status: escalation.Upcoming, rule: "2240",
		},
		{
			// Due 2021-01-10, consumer: prescribed on 2023-01-10. A plan
			// signed on 2023-05-01 comes too late to restart it.
			name:  "FR acknowledgement after prescription does not restart it",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionFR, DebtorKind: portal.DebtorConsumer, OldestDueDate: d("2021-01-10"), LastAcknowledgementOn: d("2023-05-01")},
			today: "2023-05-02", kind: escalation.KindPrescription, due: "2023-01-10", warnFrom: "2022-12-11", status: escalation.Passed, rule: "L218-2",
		},
		{
			// A payment is an acknowledgement (Code civil 2240), and the later
			// of it and the recorded one restarts: acknowledgement 2023-06-01,
			// payments 2023-09-01 and 2024-06-10; the last, 2024-06-10,
			// + 2 years = 2026-06-10; warning from 2026-05-11.
			name: "FR consumer prescription restarted by a payment",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionFR, DebtorKind: portal.DebtorConsumer, OldestDueDate: d("2023-03-15"),
				LastAcknowledgementOn: d("2023-06-01"), PaymentsOn: []portal.Date{d("2024-06-10"), d("2023-09-01")}},
			today: "2025-03-16", kind: escalation.KindPrescription, due: "2026-06-10", warnFrom: "2026-05-11", status: escalation.Upcoming, rule: "2240",
			expl: "a payment received on 2024-06-10",
		},
		{
			// Each acknowledgement in time restarts: due 2021-01-10, consumer:
			// 2023-01-10; a payment on 2022-06-01 restarts to 2024-06-01; the
			// payment of 2024-09-01 comes after that and restarts nothing.
			// Warning 30 days before 2024-06-01: 2024-05-02.
			name: "FR consumer payments: an earlier one restarts, a late one does not",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionFR, DebtorKind: portal.DebtorConsumer, OldestDueDate: d("2021-01-10"),
				PaymentsOn: []portal.Date{d("2022-06-01"), d("2024-09-01")}},
			today: "2024-09-02", kind: escalation.KindPrescription, due: "2024-06-01", warnFrom: "2024-05-02", status: escalation.Passed, rule: "2240",
			expl: "A payment received on 2024-09-01 came after prescription was reached",
		},
		{
			// Interrupted by the injonction de payer (order 2024-05-02, earliest
			// date of the proceedings, before the 2-year end 2025-03-15) until
			// the proceedings ended on 2024-11-30 (Code civil 2241, 2242): a
			// new 2 years from 2024-11-30 = 2026-11-30; warning from
			// 2026-10-31. Without the interruption (2243): 2025-03-15.
			name: "FR consumer prescription interrupted by proceedings, ended",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionFR, DebtorKind: portal.DebtorConsumer, OldestDueDate: d("2023-03-15"),
				Procedure: escalation.ProcInjonctionDePayer, OrderOn: d("2024-05-02"), ServedOn: d("2024-05-20"), ProceedingsEndedOn: d("2024-11-30")},
			today: "2025-06-01", kind: escalation.KindPrescription, due: "2026-11-30", warnFrom: "2026-10-31", status: escalation.Upcoming, rule: "2241",
			expl: "the earlier date applies: 2025-03-15",
		},
		{
			// The same, and a payment on 2025-02-01 after the end restarts:
			// 2025-02-01 + 2 years = 2027-02-01; warning from 2027-01-02.
			name: "FR prescription after proceedings restarted by a payment",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionFR, DebtorKind: portal.DebtorConsumer, OldestDueDate: d("2023-03-15"),
				Procedure: escalation.ProcInjonctionDePayer, OrderOn: d("2024-05-02"), ServedOn: d("2024-05-20"), ProceedingsEndedOn: d("2024-11-30"),
				PaymentsOn: []portal.Date{d("2025-02-01")}},
			today: "2025-06-01", kind: escalation.KindPrescription, due: "2027-02-01", warnFrom: "2027-01-02", status: escalation.Upcoming, rule: "2240",
		},
		{
			// An application after prescription interrupts nothing: due
			// 2021-01-10, consumer: 2023-01-10; the order of 2023-05-02 is later.
			name: "FR application after prescription",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionFR, DebtorKind: portal.DebtorConsumer, OldestDueDate: d("2021-01-10"),
				Procedure: escalation.ProcInjonctionDePayer, OrderOn: d("2023-05-02")},
			today: "2023-05-03", kind: escalation.KindPrescription, due: "2023-01-10", warnFrom: "2022-12-11", status: escalation.Passed, rule: "L218-2",
			expl: "does not interrupt",
		},
		{
			// Consumer claim due 2021-01-10 (2 years: 2023-01-10), judgment
			// 2022-11-10, enforceable 2022-12-20: the title runs 10 years from
			// 2022-12-20 = 2032-12-20 (CPCE L111-4); warning from 2032-11-20.
			// On 2024-01-01 it is not prescribed.
			name: "FR consumer under an enforceable title",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionFR, DebtorKind: portal.DebtorConsumer, OldestDueDate: d("2021-01-10"),
				Procedure: escalation.ProcInjonctionDePayer, OrderOn: d("2022-10-01"), ServedOn: d("2022-10-15"),
				JudgmentOn: d("2022-11-10"), EnforceableOn: d("2022-12-20")},
			today: "2024-01-01", kind: escalation.KindPrescription, due: "2032-12-20", warnFrom: "2032-11-20", status: escalation.Upcoming, rule: "L111-4",
		},
		{
			// Judgment of 2022-11-10, enforceable date not recorded: 10 years
			// from the judgment, 2032-11-10; warning from 2032-10-11 (10 Nov −
			// 10 = 31 Oct, − 20 = 11 Oct).
			name: "FR title counted from the judgment",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionFR, DebtorKind: portal.DebtorConsumer, OldestDueDate: d("2021-01-10"),
				JudgmentOn: d("2022-11-10")},
			today: "2024-01-01", kind: escalation.KindPrescription, due: "2032-11-10", warnFrom: "2032-10-11", status: escalation.Upcoming, rule: "L111-4",
			expl: "not recorded",
		},

		// --- Belgian prescription (old Civil Code, likely) ---
		{
			// Business, nothing recorded: personal action, 10 years (art.
			// 2262bis §1): 2024-01-31 + 10 years = 2034-01-31; warning from
			// 2034-01-01.
			name:  "BE business default: 10 years",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionBE, DebtorKind: portal.DebtorBusiness, OldestDueDate: d("2024-01-31")},
			today: "2025-01-01", kind: escalation.KindPrescription, due: "2034-01-31", warnFrom: "2034-01-01", status: escalation.Upcoming, rule: "2262bis",
			expl: "likely",
		},
		{
			// Consumer, nothing recorded: goods sold to a consumer, 1 year
			// (art. 2272), the cautious default: 2024-01-31 + 1 year =
			// 2025-01-31; warning from 2025-01-01.
			name:  "BE consumer default: 1 year",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionBE, DebtorKind: portal.DebtorConsumer, OldestDueDate: d("2024-01-31")},
			today: "2025-02-01", kind: escalation.KindPrescription, due: "2025-01-31", warnFrom: "2025-01-01", status: escalation.Passed, rule: "2272",
			expl: "does not say which prescription applies",
		},
		{
			// Periodic payments recorded: 5 years (art. 2277): 2024-01-31 +
			// 5 years = 2029-01-31; warning from 2029-01-01.
			name: "BE periodic: 5 years",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionBE, DebtorKind: portal.DebtorBusiness, OldestDueDate: d("2024-01-31"),
				Prescription: portal.PrescriptionPeriodic},
			today: "2025-01-01", kind: escalation.KindPrescription, due: "2029-01-31", warnFrom: "2029-01-01", status: escalation.Upcoming, rule: "2277",
		},
		{
			// Personal recorded for a consumer (e.g. services): 10 years:
			// 2024-01-31 → 2034-01-31.
			name: "BE consumer, personal recorded",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionBE, DebtorKind: portal.DebtorConsumer, OldestDueDate: d("2024-01-31"),
				Prescription: portal.PrescriptionPersonal},
			today: "2025-02-01", kind: escalation.KindPrescription, due: "2034-01-31", warnFrom: "2034-01-01", status: escalation.Upcoming, rule: "2262bis",
		},
		{
			// Consumer default, 1 year, restarted by a partial payment on
			// 2024-11-15 (art. 2248), before the end 2025-01-31: 2024-11-15 +
			// 1 year = 2025-11-15; warning 30 days before: 15 Nov − 15 =
			// 31 Oct, − 15 = 2025-10-16.
			name: "BE consumer restarted by a payment",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionBE, DebtorKind: portal.DebtorConsumer, OldestDueDate: d("2024-01-31"),
				PaymentsOn: []portal.Date{d("2024-11-15")}},
			today: "2025-02-01", kind: escalation.KindPrescription, due: "2025-11-15", warnFrom: "2025-10-16", status: escalation.Upcoming, rule: "2248",
		},

		// --- opposition to an injonction de payer, debtor outside France (CPC 643) ---
		{
			// Debtor in Belgium: one month + two (CPC 643 2°). Served Tuesday
			// 2026-03-10 + 3 months = Wednesday 2026-06-10, a working day
			// (Whit Monday 2026 is 25 May), so it stays. Warning 7 days
			// before: 2026-06-03.
			name: "opposition, debtor in Belgium",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionFR, Procedure: escalation.ProcInjonctionDePayer, DebtorCountry: "BE",
				OrderOn: d("2026-02-20"), ServedOn: d("2026-03-10")},
			today: "2026-04-11", kind: escalation.KindOrderOpposition, due: "2026-06-10", warnFrom: "2026-06-03", status: escalation.Upcoming, rule: "CPC 643",
			expl: "two more months",
		},
		{
			// Debtor in Belgium, served Friday 2025-11-14 + 3 months =
			// Saturday 2026-02-14: next working day Monday 2026-02-16 (CPC
			// 642). Warning from 2026-02-09.
			name: "opposition, debtor in Belgium, ends on a Saturday",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionFR, Procedure: escalation.ProcInjonctionDePayer, DebtorCountry: "BE",
				ServedOn: d("2025-11-14")},
			today: "2026-02-15", kind: escalation.KindOrderOpposition, due: "2026-02-16", warnFrom: "2026-02-09", status: escalation.Warning, rule: "CPC 643",
		},
		{
			// Debtor in Germany served Saturday 2026-01-31: one period of 3
			// months from service (CPC 641) ends on the last day of April,
			// Thursday 2026-04-30 (not 28 April, as 31 Jan + 1 month = 28
			// Feb, + 2 = 28 Apr would give). Warning from 2026-04-23.
			name: "opposition, debtor abroad, served on the 31st",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionFR, Procedure: escalation.ProcInjonctionDePayer, DebtorCountry: "DE",
				ServedOn: d("2026-01-31")},
			today: "2026-04-29", kind: escalation.KindOrderOpposition, due: "2026-04-30", warnFrom: "2026-04-23", status: escalation.Warning, rule: "CPC 643",
		},
		{
			// Debtor in La Réunion (ISO RE): one month + one (CPC 643 1°).
			// Served 2026-03-10 + 2 months = Sunday 2026-05-10: Monday
			// 2026-05-11. Warning from 2026-05-04.
			name: "opposition, debtor overseas",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionFR, Procedure: escalation.ProcInjonctionDePayer, DebtorCountry: "RE",
				ServedOn: d("2026-03-10")},
			today: "2026-05-01", kind: escalation.KindOrderOpposition, due: "2026-05-11", warnFrom: "2026-05-04", status: escalation.Upcoming, rule: "CPC 643",
			expl: "one more month",
		},
		{
			// Country FR with a Réunion postcode (974..): overseas, the same
			// 2026-05-11.
			name: "opposition, French overseas postcode",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionFR, Procedure: escalation.ProcInjonctionDePayer, DebtorCountry: "FR",
				DebtorPostcode: "97400", ServedOn: d("2026-03-10")},
			today: "2026-05-01", kind: escalation.KindOrderOpposition, due: "2026-05-11", warnFrom: "2026-05-04", status: escalation.Upcoming, rule: "CPC 643",
			expl: "97400",
		},
		{
			// No country recorded: metropolitan France assumed, one month:
			// 2026-03-10 + 1 month = Friday 2026-04-10; warning from
			// 2026-04-03. The explanation says it assumed so.
			name: "opposition, debtor's country unknown",
			facts: escalation.Facts{Jurisdiction: portal.JurisdictionFR, Procedure: escalation.ProcInjonctionDePayer,
				ServedOn: d("2026-03-10")},
			today: "2026-04-01", kind: escalation.KindOrderOpposition, due: "2026-04-10", warnFrom: "2026-04-03", status: escalation.Upcoming, rule: "CPC 643",
			expl: "No country is recorded",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := find(t, escalation.Deadlines(tt.facts, d(tt.today)), tt.kind)
			if got.Due != d(tt.due) {
				t.Errorf("Due = %s, want %s", got.Due, tt.due)
			}
			if got.WarnFrom != d(tt.warnFrom) {
				t.Errorf("WarnFrom = %s, want %s", got.WarnFrom, tt.warnFrom)
			}
			if got.Status != tt.status {
				t.Errorf("Status on %s = %s, want %s", tt.today, got.Status, tt.status)
			}
			if !strings.Contains(got.Rule, tt.rule) {
				t.Errorf("Rule = %q, want it to cite %q", got.Rule, tt.rule)
			}
			if !strings.Contains(got.Explanation, tt.due) {
				t.Errorf("Explanation does not give the date %s: %q", tt.due, got.Explanation)
			}
			if !strings.Contains(got.Explanation, tt.expl) {
				t.Errorf("Explanation does not say %q: %q", tt.expl, got.Explanation)
			}
			if strings.Contains(got.Explanation, "CPC 643, to confirm") {
				t.Errorf("Explanation still doubts CPC 643: %q", got.Explanation)
			}
		})
	}
}

func TestDeadlinesSelection(t *testing.T) {
	t.Run("SortedByDue", func(t *testing.T) {
		ds := escalation.Deadlines(escalation.Facts{
			Jurisdiction: portal.JurisdictionBE, DebtorKind: portal.DebtorConsumer,
			OldestDueDate:        d("2024-01-31"), // prescription (1 year, art. 2272) 2025-01-31
			FormalNoticeOn:       d("2024-03-04"), // notice ends 2024-03-19
			FirstReminderOn:      d("2024-02-05"), // e-mail: 2024-02-06 + 14 = 2024-02-20
			FirstReminderChannel: escalation.ChannelEmail,
		}, d("2024-06-01"))
		var kinds []string
		for _, x := range ds {
			kinds = append(kinds, string(x.Kind))
		}
		if got, want := strings.Join(kinds, " "), "be_consumer_free_period formal_notice_period prescription"; got != want {
			t.Fatalf("kinds = %s, want %s", got, want)
		}
	})
	t.Run("NoPrescriptionWhileProceedingsRun", func(t *testing.T) {
		// Consumer due 2023-03-15 (2 years: 2025-03-15); the injonction de
		// payer of 2024-05-02 interrupts it until the proceedings end (Code
		// civil 2241, 2242): on 2025-06-01 nothing is shown, in particular
		// not "prescribed".
		facts := escalation.Facts{Jurisdiction: portal.JurisdictionFR, DebtorKind: portal.DebtorConsumer, OldestDueDate: d("2023-03-15"),
			Procedure: escalation.ProcInjonctionDePayer, OrderOn: d("2024-05-02"), ServedOn: d("2024-05-20")}
		absent(t, escalation.Deadlines(facts, d("2025-06-01")), escalation.KindPrescription)
		if _, ok := escalation.Prescription(facts); ok {
			t.Fatal("Prescription computed a date while the proceedings run")
		}
		// Served only (an assignation): the service is the application.
		facts.OrderOn = portal.Date{}
		facts.Procedure = escalation.ProcAssignationAuFond
		absent(t, escalation.Deadlines(facts, d("2025-06-01")), escalation.KindPrescription)
		// A procedure chosen but nothing filed yet: prescription runs.
		facts.ServedOn = portal.Date{}
		if x := find(t, escalation.Deadlines(facts, d("2025-06-01")), escalation.KindPrescription); x.Due != d("2025-03-15") {
			t.Fatalf("no application recorded: %+v", x)
		}
	})
	t.Run("ConsumerUnderJudgmentNotPrescribed", func(t *testing.T) {
		// Consumer due 2021-01-10 (2 years: 2023-01-10), in enforcement
		// after a judgment of 2022-11-10: on 2025-01-01 the title runs
		// (until 2032-11-10), nothing says "passed".
		ds := escalation.Deadlines(escalation.Facts{Jurisdiction: portal.JurisdictionFR, DebtorKind: portal.DebtorConsumer,
			OldestDueDate: d("2021-01-10"), Procedure: escalation.ProcAssignationAuFond, ServedOn: d("2022-03-01"),
			JudgmentOn: d("2022-11-10")}, d("2025-01-01"))
		x := find(t, ds, escalation.KindPrescription)
		if x.Status == escalation.Passed || x.Due != d("2032-11-10") {
			t.Fatalf("got %+v, want the title's 10 years", x)
		}
	})
	t.Run("ServedInTime", func(t *testing.T) {
		// Once served within the 6 months, only the opposition period shows.
		ds := escalation.Deadlines(escalation.Facts{Jurisdiction: portal.JurisdictionFR, Procedure: escalation.ProcInjonctionDePayer,
			OrderOn: d("2024-05-02"), ServedOn: d("2024-05-20")}, d("2024-06-01"))
		absent(t, ds, escalation.KindServeOrder)
		find(t, ds, escalation.KindOrderOpposition)
	})
	t.Run("ServedTooLate", func(t *testing.T) {
		// Order 2024-05-02, served 2024-11-04, after 2024-11-02: lapsed.
		ds := escalation.Deadlines(escalation.Facts{Jurisdiction: portal.JurisdictionFR, Procedure: escalation.ProcInjonctionDePayer,
			OrderOn: d("2024-05-02"), ServedOn: d("2024-11-04")}, d("2024-11-05"))
		x := find(t, ds, escalation.KindServeOrder)
		if x.Status != escalation.Passed || !strings.Contains(x.Explanation, "lapsed") {
			t.Fatalf("got %+v, want a passed deadline that says the order lapsed", x)
		}
	})
	t.Run("NoBEPrescriptionInCourt", func(t *testing.T) {
		// Belgian claims in court or under a title: the effect of the
		// application (art. 2244) and of a judgment is not in the legal
		// reference yet, so no date rather than a wrong one.
		in := escalation.Facts{Jurisdiction: portal.JurisdictionBE, DebtorKind: portal.DebtorConsumer, OldestDueDate: d("2020-01-01"),
			Procedure: escalation.ProcUncontestedB2B, ServedOn: d("2020-06-01")}
		absent(t, escalation.Deadlines(in, d("2024-01-01")), escalation.KindPrescription)
		in.Procedure, in.ServedOn, in.JudgmentOn = "", portal.Date{}, d("2020-09-01")
		absent(t, escalation.Deadlines(in, d("2024-01-01")), escalation.KindPrescription)
	})
	t.Run("NoConsumerPeriodForBusiness", func(t *testing.T) {
		ds := escalation.Deadlines(escalation.Facts{Jurisdiction: portal.JurisdictionBE, DebtorKind: portal.DebtorBusiness, FirstReminderOn: d("2024-03-29")}, d("2024-04-01"))
		absent(t, ds, escalation.KindBEConsumerPeriod)
	})
	t.Run("NoFacts", func(t *testing.T) {
		if ds := escalation.Deadlines(escalation.Facts{Jurisdiction: portal.JurisdictionFR}, d("2024-04-01")); len(ds) != 0 {
			t.Fatalf("got %+v, want none", ds)
		}
	})
}

func TestMessages(t *testing.T) {
	msgs := escalation.DefaultMessages()
	stages := []portal.Stage{portal.StageAmicable, portal.StageFormalNotice, portal.StagePreLitigation,
		portal.StageLitigation, portal.StageJudgment, portal.StageEnforcement}
	for _, s := range stages {
		for _, k := range []string{escalation.StageKey(s), escalation.NextKey(s)} {
			if msgs[k] == "" {
				t.Errorf("no English default for %s", k)
			}
		}
	}
	if escalation.StageKey(portal.StageFormalNotice) != "stage.formal_notice" || escalation.NextKey(portal.StageFormalNotice) != "stage.formal_notice.next" {
		t.Errorf("stage keys changed: they are stable")
	}
	for _, p := range escalation.Procedures(portal.JurisdictionFR, portal.DebtorBusiness, true) {
		if msgs[escalation.ProcedureKey(p)] == "" {
			t.Errorf("no English default for %s", escalation.ProcedureKey(p))
		}
	}
	for _, p := range escalation.Procedures(portal.JurisdictionBE, portal.DebtorBusiness, false) {
		if msgs[escalation.ProcedureKey(p)] == "" {
			t.Errorf("no English default for %s", escalation.ProcedureKey(p))
		}
	}
	for _, s := range []portal.Status{portal.StatusDisputed, portal.StatusInPlan, portal.StatusSettled} {
		if msgs[escalation.StatusKey(s)] == "" {
			t.Errorf("no English default for %s", escalation.StatusKey(s))
		}
	}
}

// TestFactsOf checks what the deadline rules read from a claim: the
// payments that restart prescription, the dates of the proceedings and the
// debtor's country.
func TestFactsOf(t *testing.T) {
	c := &portal.Claim{
		Jurisdiction: portal.JurisdictionFR, Procedure: string(escalation.ProcInjonctionDePayer),
		OrderOn: d("2026-02-20"), ServedOn: d("2026-03-10"),
		LastAcknowledgementOn: d("2024-01-15"),
		Debtor:                &portal.Debtor{Kind: portal.DebtorConsumer, Country: "BE", Postcode: "1000"},
		Invoices: []*portal.Invoice{
			{ID: "inv-new", DueDate: d("2024-03-31")},
			{ID: "inv-old", DueDate: d("2023-11-30")},
		},
		Payments: []*portal.Payment{
			{Amount: 5000, ReceivedOn: d("2024-02-10")},                       // counts
			{Amount: 2000, ReceivedOn: d("2024-05-02"), InvoiceID: "inv-old"}, // counts: the oldest invoice
			{Amount: -2000, ReceivedOn: d("2024-06-01")},                      // a refund: not the debtor's payment
			{Amount: 1000, ReceivedOn: d("2024-07-01"), InvoiceID: "inv-new"}, // another invoice than the oldest
		},
	}
	f := escalation.FactsOf(c)
	if f.DebtorCountry != "BE" || f.DebtorPostcode != "1000" || f.DebtorKind != portal.DebtorConsumer || f.OldestDueDate != d("2023-11-30") {
		t.Fatalf("facts %+v", f)
	}
	if got := fmt.Sprint(f.PaymentsOn); got != "[2024-02-10 2024-05-02]" {
		t.Fatalf("PaymentsOn = %s, want the debtor's payments on the oldest invoice or on none", got)
	}
	// Served 2026-03-10 on a debtor in Belgium: one month + two (CPC 643)
	// = Wednesday 2026-06-10.
	if x := find(t, escalation.Deadlines(f, d("2026-04-01")), escalation.KindOrderOpposition); x.Due != d("2026-06-10") {
		t.Fatalf("opposition %+v", x)
	}

	// Out of court: the payment of 2024-05-02, later than the recorded
	// acknowledgement of 2024-01-15, restarts the 2 years: 2026-05-02.
	c.Procedure, c.OrderOn, c.ServedOn = "", portal.Date{}, portal.Date{}
	if x, ok := escalation.Prescription(escalation.FactsOf(c)); !ok || x.Due != d("2026-05-02") {
		t.Fatalf("prescription %+v %v, want 2026-05-02", x, ok)
	}
	// The title's dates and the end of the proceedings come through:
	// enforceable 2025-01-20 + 10 years = 2035-01-20.
	c.JudgmentOn, c.EnforceableOn, c.ProceedingsEndedOn = d("2024-12-01"), d("2025-01-20"), d("2025-06-30")
	f = escalation.FactsOf(c)
	if f.JudgmentOn != c.JudgmentOn || f.EnforceableOn != c.EnforceableOn || f.ProceedingsEndedOn != c.ProceedingsEndedOn {
		t.Fatalf("facts %+v", f)
	}
	if x, _ := escalation.Prescription(f); x.Due != d("2035-01-20") {
		t.Fatalf("prescription under a title %+v", x)
	}
	// The Belgian choice comes through: periodic, 5 years from the
	// payment of 2024-05-02 = 2029-05-02.
	b := &portal.Claim{Jurisdiction: portal.JurisdictionBE, Prescription: portal.PrescriptionPeriodic,
		Debtor: &portal.Debtor{Kind: portal.DebtorBusiness}, Invoices: c.Invoices, Payments: c.Payments}
	if x, _ := escalation.Prescription(escalation.FactsOf(b)); x.Due != d("2029-05-02") || !strings.Contains(x.Rule, "2277") {
		t.Fatalf("BE periodic %+v", x)
	}
}
