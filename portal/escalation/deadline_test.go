package escalation_test

import (
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
		})
	}
}

func TestDeadlinesSelection(t *testing.T) {
	t.Run("SortedByDue", func(t *testing.T) {
		ds := escalation.Deadlines(escalation.Facts{
			Jurisdiction: portal.JurisdictionFR, DebtorKind: portal.DebtorBusiness,
			OldestDueDate:  d("2024-01-31"), // prescription 2029-01-31
			FormalNoticeOn: d("2024-03-04"), // notice ends 2024-03-12
			Procedure:      escalation.ProcInjonctionDePayer,
			OrderOn:        d("2024-05-02"), // not served: serve by 2024-11-02
		}, d("2024-06-01"))
		var kinds []string
		for _, x := range ds {
			kinds = append(kinds, string(x.Kind))
		}
		if got, want := strings.Join(kinds, " "), "formal_notice_period serve_order prescription"; got != want {
			t.Fatalf("kinds = %s, want %s", got, want)
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
	t.Run("NoBEPrescription", func(t *testing.T) {
		ds := escalation.Deadlines(escalation.Facts{Jurisdiction: portal.JurisdictionBE, DebtorKind: portal.DebtorBusiness, OldestDueDate: d("2020-01-01")}, d("2024-01-01"))
		absent(t, ds, escalation.KindPrescription)
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
