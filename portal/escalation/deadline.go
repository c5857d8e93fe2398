package escalation

import (
	"fmt"
	"sort"
	"strings"
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

	// JudgmentOn is the date of the judgment, and EnforceableOn the day the
	// judgment or the order for payment became enforceable: either makes
	// an enforceable title (French claims: 10 years, CPCE L111-4).
	JudgmentOn    portal.Date
	EnforceableOn portal.Date
	// ProceedingsEndedOn is the day the court proceedings ended; zero while
	// they run (a court application interrupts French prescription until
	// then, Code civil 2241, 2242).
	ProceedingsEndedOn portal.Date

	// LastAcknowledgementOn is the last time the debtor acknowledged the
	// debt as recorded by hand: a signed payment plan or a written
	// acknowledgement (Code civil 2240; Belgium: old Civil Code 2248).
	LastAcknowledgementOn portal.Date
	// PaymentsOn are the days the debtor's payments (positive amounts)
	// were received, in any order: each partial payment is an
	// acknowledgement that restarts prescription like
	// LastAcknowledgementOn.
	PaymentsOn []portal.Date

	// DebtorCountry is the ISO code of the country the debtor lives in
	// ("" when not recorded) and DebtorPostcode their postcode: a debtor
	// outside metropolitan France has longer to oppose a French order
	// (CPC 643).
	DebtorCountry  string
	DebtorPostcode string

	// Prescription is the Belgian prescription recorded on the claim (a
	// portal.Prescription* value); "" takes the default of the debtor
	// kind, see bePrescription.
	Prescription string
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
//
// The French injonction de payer gives one month (CPC 1416), plus the
// distance extension of CPC 643 (DistanceExtension). The month and the
// extension are counted together as one period of months from service
// (CPC 641): served on 31 January, a debtor abroad has until 30 April, not
// 28 April; the later reading is the safe one for the creditor.
func opposition(in Facts) (Deadline, bool) {
	if in.ServedOn.IsZero() {
		return Deadline{}, false
	}
	switch {
	case in.Procedure == ProcInjonctionDePayer && in.Jurisdiction == portal.JurisdictionFR:
		ext, where := DistanceExtension(in.DebtorCountry, in.DebtorPostcode)
		raw := in.ServedOn.AddMonths(1 + ext)
		due := NextWorkingDay(portal.JurisdictionFR, raw)
		period := "one month"
		switch ext {
		case 1:
			period = "one month, plus one month for distance (two months in all),"
		case 2:
			period = "one month, plus two months for distance (three months in all),"
		}
		return Deadline{
			Kind: KindOrderOpposition,
			Due:  due,
			Rule: "CPC 1416 (period), CPC 643 (distance extension), CPC 641 and 642 (counting)",
			Explanation: fmt.Sprintf("The debtor may oppose the injonction de payer within %s of its service on %s: "+
				"until %s%s. Ask for the enforceable formula only after that. %s This assumes service to the debtor in person; "+
				"otherwise the period runs from the first act served in person or the first enforcement measure (CPC 1416 al. 2).",
				period, in.ServedOn, due, extended(raw, due), where),
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

// French overseas territories (CPC 643 1°: Guadeloupe, Guyane,
// Martinique, La Réunion, Mayotte, Saint-Barthélemy, Saint-Martin,
// Saint-Pierre-et-Miquelon, French Polynesia, Wallis and Futuna, New
// Caledonia, the French Southern and Antarctic Lands) by their ISO 3166
// code, and the postcode prefixes of an address there recorded with the
// country FR.
var (
	overseasCountries = map[string]bool{"GP": true, "GF": true, "MQ": true, "RE": true, "YT": true, "BL": true,
		"MF": true, "PM": true, "PF": true, "WF": true, "NC": true, "TF": true}
	overseasPostcodes = []string{"971", "972", "973", "974", "975", "976", "977", "978", "984", "986", "987", "988"}
)

// DistanceExtension is the number of months CPC 643 adds to a period to
// oppose or appeal before a court in metropolitan France, for a debtor
// living in country (ISO code) at postcode, with the sentence that says
// so: 1 for the French overseas territories (told by their own ISO code,
// or by a French postcode in 971-978, 984, 986-988), 2 for any other
// country than France (abroad), 0 in metropolitan France. A debtor with no
// country recorded is taken to live in metropolitan France, and the
// sentence says the extension was not applied for that reason.
func DistanceExtension(country, postcode string) (months int, explanation string) {
	country = strings.ToUpper(strings.TrimSpace(country))
	postcode = strings.TrimSpace(postcode)
	switch {
	case country == "":
		return 0, "No country is recorded for the debtor, so this assumes they live in metropolitan France: " +
			"a debtor living abroad has two more months, one in the French overseas territories (CPC 643); record the debtor's country."
	case overseasCountries[country]:
		return 1, fmt.Sprintf("The debtor lives in a French overseas territory (%s): one more month (CPC 643 1°).", country)
	case country == "FR":
		for _, p := range overseasPostcodes {
			if strings.HasPrefix(postcode, p) {
				return 1, fmt.Sprintf("The debtor's postcode %s is in a French overseas territory: one more month (CPC 643 1°).", postcode)
			}
		}
		return 0, "The debtor lives in metropolitan France: no distance extension (CPC 643)."
	}
	return 2, fmt.Sprintf("The debtor lives abroad (country %s): two more months (CPC 643 2°). Any country other than France "+
		"and its overseas territories counts as abroad. This assumes the court sits in metropolitan France "+
		"(CPC 644 sets the extensions before a court overseas).", country)
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
// creditor may act or, under an enforceable title, enforce it) when the
// rules can compute one; see frPrescription and bePrescription. None is
// computed when no due date (and no title) is known, while French court
// proceedings run (prescription does not run then), and for a Belgian
// claim in court or under a title. Retention of personal data (package
// privacy) starts from it, so the timeline and the retention name one day.
func Prescription(in Facts) (Deadline, bool) { return prescription(in) }

func prescription(in Facts) (Deadline, bool) {
	switch in.Jurisdiction {
	case portal.JurisdictionFR:
		return frPrescription(in)
	case portal.JurisdictionBE:
		return bePrescription(in)
	}
	return Deadline{}, false
}

// acknowledgement is a day the debtor acknowledged the debt.
type acknowledgement struct {
	On   portal.Date
	What string // "a payment received on 2024-06-10"
}

// acknowledgements are the debtor's acknowledgements in date order: the
// one recorded by hand and every payment.
func (in Facts) acknowledgements() []acknowledgement {
	var out []acknowledgement
	if !in.LastAcknowledgementOn.IsZero() {
		out = append(out, acknowledgement{in.LastAcknowledgementOn, "an acknowledgement recorded on " + in.LastAcknowledgementOn.String()})
	}
	for _, p := range in.PaymentsOn {
		if !p.IsZero() {
			out = append(out, acknowledgement{p, "a payment received on " + p.String()})
		}
	}
	sort.SliceStable(out, func(i, k int) bool { return out[i].On.Before(out[k].On) })
	return out
}

// period is a prescription run from a start for some months, restarted by
// each acknowledgement made before it ended.
type period struct {
	Due portal.Date
	// Restarted is the last acknowledgement that restarted it; Late the
	// first that came after it was reached (it restarts nothing).
	Restarted, Late *acknowledgement
}

// run counts months from start; each acknowledgement from start to the
// current end (both included) starts a full period again (Code civil 2231,
// 2240; old Civil Code 2248). Acknowledgements before start, or after
// until when until is set, are not looked at.
func run(start portal.Date, months int, acks []acknowledgement, until portal.Date) period {
	p := period{Due: start.AddMonths(months)}
	for i := range acks {
		a := &acks[i]
		if a.On.Before(start) || (!until.IsZero() && a.On.After(until)) {
			continue
		}
		if a.On.After(p.Due) {
			p.Late = a
			break
		}
		p.Due, p.Restarted = a.On.AddMonths(months), a
	}
	return p
}

// title is the day an enforceable title exists, when it does: the day the
// judgment or order became enforceable, or failing that the judgment's
// date (the earlier one, so the 10 years are not overstated).
func (in Facts) title() (portal.Date, string) {
	switch {
	case !in.EnforceableOn.IsZero():
		return in.EnforceableOn, "the judgment or order for payment became enforceable on " + in.EnforceableOn.String()
	case !in.JudgmentOn.IsZero():
		return in.JudgmentOn, "the judgment of " + in.JudgmentOn.String() +
			" (the day it became enforceable is not recorded: counted from the judgment, the earlier date)"
	}
	return portal.Date{}, ""
}

// application is the day a court application is taken to interrupt
// prescription: when the claim is in a court procedure, the earliest of
// the order's date and the service. Relais does not record the
// application itself (the requête of an injonction de payer, filed before
// the order); for an assignation the service is the application. The
// earliest date Relais knows is later than or equal to the real one, so a
// prescription reached in between is shown as reached: the cautious side.
func (in Facts) application() (portal.Date, string) {
	if in.Procedure == "" {
		return portal.Date{}, ""
	}
	name := DefaultMessages()[ProcedureKey(in.Procedure)]
	if name == "" {
		name = string(in.Procedure)
	}
	switch {
	case !in.OrderOn.IsZero() && (in.ServedOn.IsZero() || !in.ServedOn.Before(in.OrderOn)):
		return in.OrderOn, name + ", dated from its order of " + in.OrderOn.String() + " (the earliest date recorded)"
	case !in.ServedOn.IsZero():
		return in.ServedOn, name + ", dated from its service on " + in.ServedOn.String() + " (the earliest date recorded)"
	}
	return portal.Date{}, ""
}

// frPrescription: French limitation of the creditor's action.
//
//   - 5 years against a business (Code de commerce L110-4; Code civil 2224
//     for a non-trader creditor), 2 years for a professional against a
//     consumer (Code de la consommation L218-2), from the oldest due date.
//   - Each acknowledgement restarts a full period (Code civil 2240, 2231):
//     the one recorded on the claim and every payment received (a partial
//     payment acknowledges the debt).
//   - A court application interrupts it until the proceedings end (Code
//     civil 2241, 2242): from the earliest of the order and its service
//     (see application) no date is shown until Claim.ProceedingsEndedOn;
//     then a full period runs again from that day. An application made
//     after prescription was reached interrupts nothing.
//   - Once an enforceable title exists (EnforceableOn, or JudgmentOn when
//     it is not recorded) it runs 10 years from then (CPCE L111-4), and
//     the 2- or 5-year rule no longer applies.
func frPrescription(in Facts) (Deadline, bool) {
	years, rule, who := 5, "Code de commerce L110-4 (Code civil 2224 for a non-trader creditor)",
		"A claim against a business prescribes after 5 years"
	if in.DebtorKind == portal.DebtorConsumer {
		years, rule, who = 2, "Code de la consommation L218-2",
			"A professional's claim against a consumer for goods or services prescribes after 2 years"
	}
	if on, what := in.title(); !on.IsZero() {
		due := on.AddMonths(12 * 10)
		return Deadline{
			Kind: KindPrescription,
			Due:  due,
			Rule: "CPCE L111-4 (enforceable title)",
			Explanation: fmt.Sprintf("An enforceable title exists: %s. It can be enforced for 10 years (CPCE L111-4): until %s. "+
				"The %d-year prescription of the claim itself (%s) no longer applies. An enforcement measure or a payment "+
				"after the title may restart the 10 years (Code civil 2240, 2244; to confirm): this date ignores them, so it is the earliest.",
				what, due, years, rule),
		}, true
	}
	if in.OldestDueDate.IsZero() {
		return Deadline{}, false
	}
	months, acks := 12*years, in.acknowledgements()
	app, appWhat := in.application()
	p := run(in.OldestDueDate, months, acks, app)
	expl := fmt.Sprintf("%s, counted here from the oldest due date %s", who, in.OldestDueDate)
	var tail string
	if !app.IsZero() {
		switch {
		case app.After(p.Due):
			tail = fmt.Sprintf(" The court application, the %s, came after that date: it does not interrupt a prescription already reached.", appWhat)
		case in.ProceedingsEndedOn.IsZero():
			// Interrupted while the proceedings run (Code civil 2242):
			// there is no date to show until they end.
			return Deadline{}, false
		default:
			// Without the interruption (2243), every acknowledgement counts.
			before := run(in.OldestDueDate, months, acks, portal.Date{}).Due
			rule += "; interrupted by Code civil 2241 and 2242"
			expl = fmt.Sprintf("%s. A court application, the %s, interrupted it until the proceedings ended on %s (Code civil 2241, 2242); "+
				"a full period runs again from that day", who, appWhat, in.ProceedingsEndedOn)
			p = run(in.ProceedingsEndedOn, months, acks, portal.Date{})
			tail = fmt.Sprintf(" If the application was withdrawn, lapsed or was dismissed for good, the interruption never "+
				"happened (Code civil 2243) and the earlier date applies: %s.", before)
		}
	}
	if p.Restarted != nil {
		rule += "; restarted by Code civil 2240 and 2231"
		expl += fmt.Sprintf(", restarted by %s (Code civil 2240: a partial payment or a signed plan acknowledges the debt, "+
			"and a full period runs again from it)", p.Restarted.What)
	}
	expl += fmt.Sprintf(": until %s.", p.Due)
	if p.Late != nil {
		expl += fmt.Sprintf(" %s came after prescription was reached and does not restart it "+
			"(whether it waives the prescription, Code civil 2250-2251, needs a legal check).", capitalize(p.Late.What))
	}
	expl += tail + " Courts may count from when the goods or services were supplied, which can be earlier."
	return Deadline{Kind: KindPrescription, Due: p.Due, Rule: rule, Explanation: expl}, true
}

// bePrescription: Belgian limitation of the creditor's action (old Civil
// Code, still applied to these claims; the rules are "likely" in the legal
// reference, LEGAL.md, and the explanation says so). The claim records
// which applies (Claim.Prescription):
//
//   - personal: personal actions, 10 years (art. 2262bis §1);
//   - goods_to_consumer: a seller of goods against a consumer (a
//     non-trader), 1 year (art. 2272);
//   - periodic: sums payable periodically (rent, interest), 5 years
//     (art. 2277).
//
// When it records none, a business debtor takes personal (10 years) and a
// consumer goods_to_consumer (1 year): the cautious default, under which
// the creditor acts sooner; the explanation says a default was taken. The
// period runs from the oldest due date, restarted by an acknowledgement or
// a partial payment (art. 2248), like the French one. A Belgian claim in
// court or under a title gets no date: the interruption by a court
// application (art. 2244) and the prescription of a judgment are not in
// the legal reference yet.
func bePrescription(in Facts) (Deadline, bool) {
	if in.OldestDueDate.IsZero() {
		return Deadline{}, false
	}
	if on, _ := in.title(); !on.IsZero() {
		return Deadline{}, false
	}
	if on, _ := in.application(); !on.IsZero() {
		return Deadline{}, false
	}
	kind, defaulted := in.Prescription, false
	switch kind {
	case portal.PrescriptionPersonal, portal.PrescriptionGoodsToConsumer, portal.PrescriptionPeriodic:
	default:
		defaulted, kind = true, portal.PrescriptionPersonal
		if in.DebtorKind == portal.DebtorConsumer {
			kind = portal.PrescriptionGoodsToConsumer
		}
	}
	var years int
	var article, what, note string
	switch kind {
	case portal.PrescriptionGoodsToConsumer:
		years, article = 1, "art. 2272"
		what = "a seller's claim for goods sold to a consumer (a non-trader) prescribes after 1 year"
		note = " The 1-year period rests on a presumption of payment (art. 2275: the creditor may ask the debtor to swear " +
			"the debt was paid), and a settled account or a written acknowledgement may replace it by the 10-year period " +
			"(art. 2274, to confirm): this date ignores that, so it is the earliest."
	case portal.PrescriptionPeriodic:
		years, article = 5, "art. 2277"
		what = "sums payable yearly or at shorter periodic terms (rent, interest) prescribe after 5 years"
		note = " Each sum prescribes 5 years after its own due date: the oldest comes first."
	default:
		years, article = 10, "art. 2262bis §1"
		what = "a personal action prescribes after 10 years"
	}
	if defaulted {
		if in.DebtorKind == portal.DebtorConsumer {
			note += " The claim does not say which prescription applies: for a consumer Relais takes the 1-year prescription " +
				"of a seller of goods (art. 2272), the shortest and so the cautious one, under which the creditor acts sooner. " +
				"Record the prescription on the claim (personal, goods_to_consumer or periodic) if another applies, e.g. for services."
		} else {
			note += " The claim does not say which prescription applies: for a business Relais takes the 10-year prescription " +
				"of personal actions (art. 2262bis §1). Record goods_to_consumer or periodic on the claim if a shorter one applies."
		}
	}
	p := run(in.OldestDueDate, 12*years, in.acknowledgements(), portal.Date{})
	rule := "old Civil Code " + article + " (likely)"
	expl := fmt.Sprintf("Belgian prescription, likely (old Civil Code, still applied; check with a lawyer before relying on it): "+
		"%s (%s), counted here from the oldest due date %s", what, article, in.OldestDueDate)
	if p.Restarted != nil {
		rule += "; restarted by art. 2248"
		expl += fmt.Sprintf(", restarted by %s (art. 2248: an acknowledgement or a partial payment interrupts it, "+
			"and a full period runs again from it)", p.Restarted.What)
	}
	expl += fmt.Sprintf(": until %s.", p.Due)
	if p.Late != nil {
		expl += fmt.Sprintf(" %s came after prescription was reached and does not restart it "+
			"(whether it waives the prescription, art. 2220-2221, needs a legal check).", capitalize(p.Late.What))
	}
	expl += note + " Courts may count from the delivery, which can be earlier than the due date. A court application " +
		"also interrupts prescription (art. 2244): a Belgian claim in court or under a title shows no date here."
	return Deadline{Kind: KindPrescription, Due: p.Due, Rule: rule, Explanation: expl}, true
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
