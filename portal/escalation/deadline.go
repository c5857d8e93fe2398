package escalation

import (
	"fmt"
	"sort"
	"time"

	"github.com/relais/relais/portal"
)

// Channel is how a reminder was sent; it matters for the Belgian consumer
// period, which starts later for a letter than for an e-mail.
type Channel string

const (
	ChannelLetter Channel = "letter"
	ChannelEmail  Channel = "email"
)

// Default formal notice periods. No text fixes them: LEGAL.md only says the
// mise en demeure must state a deadline (Code civil 1344). Eight days in
// France and fifteen in Belgium are common practice; a creditor may set
// another period in Facts.NoticePeriodDays.
const (
	DefaultNoticeDaysFR = 8
	DefaultNoticeDaysBE = 15
)

// How long before a deadline it is flagged.
const (
	WarnPrescription = 30 // days before prescription
	WarnLong         = 30 // days before the end of a period counted in months (6 months to serve an order)
	WarnShort        = 7  // days before the end of a period of a month or less
)

// Facts are the dates known on a claim. A zero date means "not known or
// not happened"; a deadline that needs it is left out.
type Facts struct {
	Jurisdiction portal.Jurisdiction
	DebtorKind   portal.DebtorKind

	// OldestDueDate is the due date of the oldest unpaid invoice: the
	// prescription of that invoice comes first.
	OldestDueDate portal.Date
	// FirstReminderOn and FirstReminderChannel: the first, free reminder
	// (the Belgian consumer period runs from it).
	FirstReminderOn      portal.Date
	FirstReminderChannel Channel
	// FormalNoticeOn is the date the formal notice was sent, and
	// NoticePeriodDays the period it gave (0: the default for the
	// jurisdiction).
	FormalNoticeOn   portal.Date
	NoticePeriodDays int

	// Procedure is the court procedure, when there is one.
	Procedure Procedure
	// OrderOn is the date of the order for payment (injonction de payer,
	// European order).
	OrderOn portal.Date
	// ServedOn is the date the order (injonction de payer, European order)
	// or the summons to pay (Belgian uncontested procedure) was served on
	// the debtor.
	ServedOn portal.Date

	// LastAcknowledgementOn is the last time the debtor acknowledged the
	// debt: a signed payment plan or a partial payment (Code civil 2240).
	LastAcknowledgementOn portal.Date
}

// DeadlineKind names a deadline; it is stable and may be stored.
type DeadlineKind string

const (
	KindNoticePeriod       DeadlineKind = "formal_notice_period"
	KindBEConsumerPeriod   DeadlineKind = "be_consumer_free_period"
	KindServeOrder         DeadlineKind = "serve_order"
	KindOrderOpposition    DeadlineKind = "order_opposition"
	KindEuropeanOpposition DeadlineKind = "european_order_opposition"
	KindUncontestedAnswer  DeadlineKind = "be_uncontested_answer"
	KindPrescription       DeadlineKind = "prescription"
)

// DeadlineStatus is where today stands against a deadline.
type DeadlineStatus string

const (
	Upcoming DeadlineStatus = "upcoming" // before WarnFrom
	Warning  DeadlineStatus = "warning"  // from WarnFrom to Due, both included
	Passed   DeadlineStatus = "passed"   // after Due
)

// Deadline is a date that matters on a claim, with the rule it comes from.
// Due is the last day of the period (the last day the debtor may pay or
// oppose, or the last day the creditor may act).
type Deadline struct {
	Kind        DeadlineKind
	Due         portal.Date
	Rule        string // the article, or "practice"
	Explanation string // plain English, for agents
	WarnFrom    portal.Date
	Status      DeadlineStatus
}

// Deadlines computes the deadlines that follow from the facts, sorted by
// due date, with each one's status on today.
func Deadlines(in Facts, today portal.Date) []Deadline {
	var out []Deadline
	add := func(d Deadline, start portal.Date, warnDays int) {
		d.WarnFrom = d.Due.AddDays(-warnDays)
		if d.WarnFrom.Before(start) {
			d.WarnFrom = start
		}
		switch {
		case today.After(d.Due):
			d.Status = Passed
		case today.Before(d.WarnFrom):
			d.Status = Upcoming
		default:
			d.Status = Warning
		}
		out = append(out, d)
	}

	if d, ok := noticePeriod(in); ok {
		add(d, in.FormalNoticeOn, WarnShort)
	}
	if d, ok := beConsumerPeriod(in); ok {
		add(d, in.FirstReminderOn, WarnShort)
	}
	if d, ok := serveOrder(in); ok {
		add(d, in.OrderOn, WarnLong)
	}
	if d, ok := opposition(in); ok {
		add(d, in.ServedOn, WarnShort)
	}
	if d, ok := prescription(in); ok {
		add(d, in.OldestDueDate, WarnPrescription)
	}

	sort.SliceStable(out, func(i, k int) bool {
		if out[i].Due != out[k].Due {
			return out[i].Due.Before(out[k].Due)
		}
		return out[i].Kind < out[k].Kind
	})
	return out
}

// noticePeriod: the payment period given in the formal notice. Practice,
// not law: the notice must give a deadline (Code civil 1344) but no text
// fixes its length.
func noticePeriod(in Facts) (Deadline, bool) {
	if in.FormalNoticeOn.IsZero() {
		return Deadline{}, false
	}
	days, source := in.NoticePeriodDays, "the period set on the claim"
	if days <= 0 {
		source = "the default period for " + string(in.Jurisdiction)
		switch in.Jurisdiction {
		case portal.JurisdictionBE:
			days = DefaultNoticeDaysBE
		default:
			days = DefaultNoticeDaysFR
		}
	}
	due := in.FormalNoticeOn.AddDays(days)
	return Deadline{
		Kind: KindNoticePeriod,
		Due:  due,
		Rule: "practice (Code civil 1344: the notice states a deadline; no text fixes its length)",
		Explanation: fmt.Sprintf("The formal notice sent on %s gave the debtor %d days to pay (%s): until %s. "+
			"The length is common practice, not law; do not escalate before it ends.", in.FormalNoticeOn, days, source, due),
	}, true
}

// beConsumerPeriod: Belgian enterprise-to-consumer debts, Code of Economic
// Law Book XIX. No costs, damages or interest before the consumer has had
// 14 calendar days after the free first reminder, counted from the third
// working day after posting a letter, or from the day after an e-mail.
//
// Reading: the start day is treated as the event the period runs from and
// is not counted (as in Code judiciaire 53), so Due = start + 14. Reading it
// as the first day of the period would end one day earlier; the later date
// is the safe one for the creditor. Charges may be added from the day after
// Due. A reminder sent any way other than e-mail is treated as a letter.
// BEConsumerFreePeriod is the Belgian consumer's free period after a
// first reminder sent on on by ch (Book XIX): it starts the day after an
// e-mail, or on the third working day after a letter is posted (any other
// channel counts as a letter, the later start), and its last day is 14
// days after the start. No cost, damages or interest may be charged up to
// and including last. The letters, the timeline and the balance all take
// it from here, so that they name one day. Of the two readings of "14
// calendar days from" the start (last = start + 13 or start + 14), Relais
// takes the later, so that nothing is charged on a day a letter said was
// free.
func BEConsumerFreePeriod(on portal.Date, ch Channel) (start, last portal.Date) {
	if ch == ChannelEmail {
		start = on.AddDays(1)
	} else {
		start = AddWorkingDays(portal.JurisdictionBE, on, 3)
	}
	return start, start.AddDays(14)
}

func beConsumerPeriod(in Facts) (Deadline, bool) {
	if in.Jurisdiction != portal.JurisdictionBE || in.DebtorKind != portal.DebtorConsumer || in.FirstReminderOn.IsZero() {
		return Deadline{}, false
	}
	start, due := BEConsumerFreePeriod(in.FirstReminderOn, in.FirstReminderChannel)
	how := fmt.Sprintf("e-mailed on %s, so the period runs from the next day, %s", in.FirstReminderOn, start)
	if in.FirstReminderChannel != ChannelEmail {
		how = fmt.Sprintf("posted on %s, so the period runs from the third working day after posting, %s "+
			"(Monday to Friday, Belgian public holidays excluded)", in.FirstReminderOn, start)
	}
	return Deadline{
		Kind: KindBEConsumerPeriod,
		Due:  due,
		Rule: "Code of Economic Law, Book XIX (law of 4 May 2023)",
		Explanation: fmt.Sprintf("The free first reminder was %s. The consumer has 14 calendar days to pay before any "+
			"cost, damages or interest may be charged: no charges until %s included; charges may be added from %s.",
			how, due, due.AddDays(1)),
	}, true
}

// serveOrder: a French injonction de payer lapses if it is not served
// within six months of its date (CPC 1411). Shown while the order is not
// served, or when it was served too late.
func serveOrder(in Facts) (Deadline, bool) {
	if in.Jurisdiction != portal.JurisdictionFR || in.Procedure != ProcInjonctionDePayer || in.OrderOn.IsZero() {
		return Deadline{}, false
	}
	due := in.OrderOn.AddMonths(6)
	if !in.ServedOn.IsZero() && !in.ServedOn.After(due) {
		return Deadline{}, false
	}
	expl := fmt.Sprintf("The injonction de payer of %s must be served on the debtor by a commissaire de justice "+
		"by %s, or it lapses. This date is not moved past weekends or holidays: serve before it.", in.OrderOn, due)
	if !in.ServedOn.IsZero() {
		expl += fmt.Sprintf(" It was served on %s, after that date: the order has lapsed.", in.ServedOn)
	}
	return Deadline{Kind: KindServeOrder, Due: due, Rule: "CPC 1411", Explanation: expl}, true
}

// opposition: the debtor's period to oppose an order or answer a summons,
// counted from service and extended to the next working day when it ends
// on a weekend or public holiday.
func opposition(in Facts) (Deadline, bool) {
	if in.ServedOn.IsZero() {
		return Deadline{}, false
	}
	switch {
	case in.Procedure == ProcInjonctionDePayer && in.Jurisdiction == portal.JurisdictionFR:
		raw := in.ServedOn.AddMonths(1)
		due := NextWorkingDay(portal.JurisdictionFR, raw)
		return Deadline{
			Kind: KindOrderOpposition,
			Due:  due,
			Rule: "CPC 1416 (period), CPC 641 and 642 (counting)",
			Explanation: fmt.Sprintf("The debtor may oppose the injonction de payer within one month of its service on %s: "+
				"until %s%s. Ask for the enforceable formula only after that. This assumes service to the debtor in person; "+
				"otherwise the month runs from the first act served in person or the first enforcement measure (CPC 1416 al. 2). "+
				"A debtor living abroad may have more time (CPC 643, to confirm).",
				in.ServedOn, due, extended(raw, due)),
		}, true
	case in.Procedure == ProcEuropeanOrder:
		raw := in.ServedOn.AddDays(30)
		due := NextWorkingDay(in.Jurisdiction, raw)
		return Deadline{
			Kind: KindEuropeanOpposition,
			Due:  due,
			Rule: "Reg. (EC) 1896/2006 art. 16(2); counting: Reg. (EEC, Euratom) 1182/71",
			Explanation: fmt.Sprintf("The defendant may lodge a statement of opposition to the European order for payment "+
				"within 30 days of its service on %s: until %s%s. Holidays are those of the court's country (%s).",
				in.ServedOn, due, extended(raw, due), in.Jurisdiction),
		}, true
	case in.Procedure == ProcUncontestedB2B && in.Jurisdiction == portal.JurisdictionBE:
		raw := in.ServedOn.AddMonths(1)
		due := NextWorkingDay(portal.JurisdictionBE, raw)
		return Deadline{
			Kind: KindUncontestedAnswer,
			Due:  due,
			Rule: "Code judiciaire 1394/20 ff. (period), Code judiciaire 53 (counting)",
			Explanation: fmt.Sprintf("The debtor has one month from the summons to pay served on %s to pay or contest: "+
				"until %s%s. Without an answer, the claim can be made enforceable after that.",
				in.ServedOn, due, extended(raw, due)),
		}, true
	}
	return Deadline{}, false
}

func extended(raw, due portal.Date) string {
	if raw == due {
		return ""
	}
	return fmt.Sprintf(" (the period would end on %s, a %s, so it runs to the next working day)", raw, dayKind(raw))
}

func dayKind(d portal.Date) string {
	switch wd := d.Time().Weekday(); wd {
	case time.Saturday, time.Sunday:
		return wd.String()
	}
	return "public holiday"
}

// Prescription returns the claim's prescription deadline (the last day the
// creditor may act) when the rules can compute one: French claims only, see
// prescription. Retention of personal data (package privacy) starts from it.
func Prescription(in Facts) (Deadline, bool) { return prescription(in) }

// prescription: French limitation of the creditor's action, from the oldest
// due date, restarted by the debtor's last acknowledgement.
//
// Belgian prescription is left out: LEGAL.md gives no source, and the old
// Civil Code has several candidate rules for a payment claim (art. 2262bis:
// 10 years for personal actions; art. 2277: 5 years for sums payable
// periodically; art. 2272: 1 year for goods sold by traders to
// non-traders) that need a legal check before Relais shows a date.
func prescription(in Facts) (Deadline, bool) {
	if in.Jurisdiction != portal.JurisdictionFR || in.OldestDueDate.IsZero() {
		return Deadline{}, false
	}
	years, rule, who := 5, "Code de commerce L110-4 (Code civil 2224 for a non-trader creditor)",
		"A claim against a business prescribes after 5 years"
	if in.DebtorKind == portal.DebtorConsumer {
		years, rule, who = 2, "Code de la consommation L218-2",
			"A professional's claim against a consumer for goods or services prescribes after 2 years"
	}
	due := in.OldestDueDate.AddMonths(12 * years)
	expl := fmt.Sprintf("%s, counted here from the oldest due date %s: until %s.", who, in.OldestDueDate, due)
	ack := in.LastAcknowledgementOn
	switch {
	case ack.IsZero():
	case ack.Before(in.OldestDueDate):
		expl += fmt.Sprintf(" The acknowledgement of %s is older than the due date and changes nothing.", ack)
	case ack.After(due):
		expl += fmt.Sprintf(" The acknowledgement of %s came after prescription was reached and does not restart it "+
			"(whether it waives the prescription, Code civil 2250-2251, needs a legal check).", ack)
	default:
		due = ack.AddMonths(12 * years)
		rule += "; restarted by Code civil 2240 and 2231"
		expl = fmt.Sprintf("%s. The debtor acknowledged the debt on %s (a signed plan or a partial payment, Code civil 2240), "+
			"which restarts a full period: until %s.", who, ack, due)
	}
	expl += " Courts may count from when the goods or services were supplied, which can be earlier; " +
		"a court application interrupts prescription (Code civil 2241), which this date ignores."
	return Deadline{Kind: KindPrescription, Due: due, Rule: rule, Explanation: expl}, true
}
