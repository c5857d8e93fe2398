package rules

import (
	"sort"

	"github.com/relais/relais/portal"
)

// Balance is what a debtor owes on a claim on AsOf, with the detail that
// justifies it. It is returned as is by GET /api/v1/claims/{id}/balance.
//
// Amounts are in minor units of Currency. They satisfy
//
//	Principal - CreditNotes + Interest + Indemnities - Paid = Total - Unallocated
//
// and Total = PrincipalDue + InterestDue + IndemnitiesDue.
type Balance struct {
	AsOf         portal.Date         `json:"as_of"`
	Currency     portal.Currency     `json:"currency"`
	Jurisdiction portal.Jurisdiction `json:"jurisdiction"`
	DebtorKind   portal.DebtorKind   `json:"debtor_kind"`
	// RuleSet is "fr.b2b", "fr.consumer", "be.b2b" or "be.consumer".
	RuleSet string `json:"rule_set"`

	Principal   int64 `json:"principal"`    // sum of the invoices
	CreditNotes int64 `json:"credit_notes"` // credit notes issued on or before AsOf
	Paid        int64 `json:"paid"`         // payments received on or before AsOf, net of refunds
	Interest    int64 `json:"interest"`     // late interest accrued up to and including AsOf
	Indemnities int64 `json:"indemnities"`  // flat indemnities and damages due by AsOf

	PrincipalDue   int64 `json:"principal_due"`
	InterestDue    int64 `json:"interest_due"`
	IndemnitiesDue int64 `json:"indemnities_due"`
	// Unallocated is money (or credit) received beyond everything owed: it
	// is owed back to the debtor or kept as credit.
	Unallocated int64 `json:"unallocated"`
	// Total is what the debtor still owes on AsOf, with interest counted
	// up to ComputedTo.
	Total int64 `json:"total"`

	// Complete is false when a needed rate is not known for some days up
	// to AsOf: interest is then counted only up to ComputedTo (the last day
	// before the first missing rate) and MissingRates names what is
	// missing. Interest of the later days is added once the rate is
	// recorded; nothing is ever counted at a guessed rate.
	Complete     bool          `json:"complete"`
	ComputedTo   portal.Date   `json:"computed_to"`
	MissingRates []MissingRate `json:"missing_rates"`

	Invoices []InvoiceLine `json:"invoices"`
	// IndemnityLines lists flat indemnities (one per late invoice) and, for
	// Belgian consumers, the claim-level damages (no invoice).
	IndemnityLines []IndemnityLine `json:"indemnity_lines"`
	// Allocations shows how each credit note and payment was applied.
	Allocations []AllocationLine `json:"allocations"`
	// Rules lists the legal basis of every line, and the notes explaining
	// what was not charged and why.
	Rules []RuleRef `json:"rules"`
}

// InvoiceLine is the state of one invoice on AsOf.
type InvoiceLine struct {
	InvoiceID     string      `json:"invoice_id"`
	Number        string      `json:"number"`
	DueDate       portal.Date `json:"due_date"`
	Amount        int64       `json:"amount"`
	CreditNotes   int64       `json:"credit_notes"`
	PrincipalPaid int64       `json:"principal_paid"`
	PrincipalDue  int64       `json:"principal_due"`
	// DaysLate is AsOf - DueDate (0 when not yet due).
	DaysLate int `json:"days_late"`
	// InterestFrom is the first day interest may accrue (null when none
	// accrues under the rule set, e.g. no formal notice yet).
	InterestFrom  portal.Date  `json:"interest_from"`
	Interest      int64        `json:"interest"`
	InterestPaid  int64        `json:"interest_paid"`
	InterestDue   int64        `json:"interest_due"`
	Indemnity     int64        `json:"indemnity"`
	IndemnityPaid int64        `json:"indemnity_paid"`
	IndemnityDue  int64        `json:"indemnity_due"`
	Total         int64        `json:"total"` // PrincipalDue + InterestDue + IndemnityDue
	Periods       []PeriodLine `json:"periods"`
	// Pending is the days after the balance's ComputedTo on which interest
	// accrues at a rate not known yet (nil when none).
	Pending *PendingLine `json:"pending,omitempty"`
}

// PendingLine is the days of an invoice whose interest is not counted yet
// because the rate is not published: From and To included.
type PendingLine struct {
	From portal.Date `json:"from"`
	To   portal.Date `json:"to"`
	Days int         `json:"days"`
}

// MissingRate is a stretch of days (From and To included) for which a
// rate series the claim needs has no line.
type MissingRate struct {
	Series string      `json:"series"`
	From   portal.Date `json:"from"`
	To     portal.Date `json:"to"`
}

// PeriodLine is interest at one rate on one base. From and To are both
// included: Days = To - From + 1. Amount = Base * RateBP * Days /
// (10000 * 365), rounded half up to the minor unit.
type PeriodLine struct {
	From   portal.Date `json:"from"`
	To     portal.Date `json:"to"`
	Days   int         `json:"days"`
	RateBP int64       `json:"rate_bp"`
	Base   int64       `json:"base"`
	Amount int64       `json:"amount"`
	Rule   string      `json:"rule"`
}

// IndemnityLine is a flat indemnity for recovery costs (per invoice) or
// the Belgian consumer damages (claim level, InvoiceID empty).
type IndemnityLine struct {
	InvoiceID     string      `json:"invoice_id,omitempty"`
	InvoiceNumber string      `json:"invoice_number,omitempty"`
	On            portal.Date `json:"on"`   // the day it became due
	Base          int64       `json:"base"` // the unpaid principal it was reckoned on
	Amount        int64       `json:"amount"`
	Paid          int64       `json:"paid"`
	Rule          string      `json:"rule"`
}

// Allocation kinds, in the default order payments are applied.
const (
	KindIndemnity   = "indemnity"
	KindInterest    = "interest"
	KindPrincipal   = "principal"
	KindUnallocated = "unallocated"
)

// Allocation sources.
const (
	SourcePayment    = "payment"
	SourceCreditNote = "credit_note"
)

// AllocationLine is one part of a payment or credit note applied to one
// item. Refunds and chargebacks (negative payments) give negative lines
// that undo earlier allocations, latest first.
type AllocationLine struct {
	Source        string      `json:"source"`
	SourceID      string      `json:"source_id"`
	Date          portal.Date `json:"date"`
	InvoiceID     string      `json:"invoice_id,omitempty"`
	InvoiceNumber string      `json:"invoice_number,omitempty"`
	Kind          string      `json:"kind"`
	Amount        int64       `json:"amount"`
}

// RuleRef names a rule: Key is stable (for translation), Basis the legal
// text, Text a short English explanation, Detail the facts of this claim.
type RuleRef struct {
	Key    string `json:"key"`
	Basis  string `json:"basis"`
	Text   string `json:"text"`
	Detail string `json:"detail,omitempty"`
}

// Rule keys.
const (
	RuleFRB2BInterest          = "fr.b2b.interest"
	RuleFRB2BContractRate      = "fr.b2b.contract_rate"
	RuleFRB2BContractRateFloor = "fr.b2b.contract_rate_floor"
	RuleFRB2BIndemnity         = "fr.b2b.indemnity"
	RuleFRConsumerInterest     = "fr.consumer.interest"
	RuleFRConsumerNoNotice     = "fr.consumer.no_formal_notice"
	RuleFRConsumerNoIndemnity  = "fr.consumer.no_indemnity"
	RuleBEB2BInterest          = "be.b2b.interest"
	RuleBEB2BCompensation      = "be.b2b.compensation"
	RuleBEConsumerWaiting      = "be.consumer.waiting_period"
	RuleBEConsumerNoReminder   = "be.consumer.no_reminder"
	RuleBEConsumerInterest     = "be.consumer.interest"
	RuleBEConsumerContractRate = "be.consumer.contract_rate"
	RuleBEConsumerDamages      = "be.consumer.damages"
	// Legal rules II (docs/legal.md).
	RuleFRLegalIncreased          = "fr.legal.increased"
	RuleBEConsumerCivilRate       = "be.consumer.civil_rate"
	RuleBEConsumerNoDamagesClause = "be.consumer.no_damages_clause"
	RuleBEConsumerNotReminded     = "be.consumer.not_reminded"
	RuleAllocationChosen          = "common.allocation_chosen"
	RuleNoIndemnityCurrency       = "common.no_indemnity_currency"
	RuleAllocation                = "common.allocation"
	RuleCreditNotes               = "common.credit_notes"
	RuleRatePending               = "common.rate_pending"
)

var ruleCatalog = map[string]RuleRef{
	RuleFRB2BInterest: {Basis: "Code de commerce L441-10",
		Text: "Between professionals, interest runs from the day after the due date without notice, at the ECB main refinancing rate + 10 points; the rate in force on 1 January applies to the first half-year and the rate on 1 July to the second."},
	RuleFRB2BContractRate: {Basis: "Code de commerce L441-10",
		Text: "The contract sets the late-payment rate; it is used because it is not lower than three times the legal interest rate."},
	RuleFRB2BContractRateFloor: {Basis: "Code de commerce L441-10",
		Text: "The contract rate is lower than three times the legal interest rate, so three times the legal rate applies."},
	RuleFRB2BIndemnity: {Basis: "Code de commerce L441-10, D441-5",
		Text: "A flat indemnity of EUR 40 for recovery costs is due for each invoice paid late."},
	RuleFRConsumerInterest: {Basis: "Code civil 1231-6, 1344-1; Code monétaire et financier L313-2",
		Text: "Interest at the legal rate (rate for creditors other than private persons) runs only from the formal notice (mise en demeure)."},
	RuleFRConsumerNoNotice: {Basis: "Code civil 1231-6, 1344-1",
		Text: "No interest is charged: no formal notice (mise en demeure) had been sent by this date."},
	RuleFRConsumerNoIndemnity: {Basis: "Code des procédures civiles d'exécution L111-8",
		Text: "No recovery costs or flat indemnity may be charged to a consumer without an enforceable title."},
	RuleBEB2BInterest: {Basis: "Law of 2 August 2002 on late payment in commercial transactions",
		Text: "Between enterprises, interest runs from the day after the due date without notice, at the reference rate published for each half-year."},
	RuleBEB2BCompensation: {Basis: "Law of 2 August 2002, art. 6",
		Text: "A flat compensation of EUR 40 for recovery costs is due for each invoice paid late."},
	RuleBEConsumerWaiting: {Basis: "Code of Economic Law, Book XIX (XIX.2)",
		Text: "The first reminder of each debt is free; no interest or damages on it before the consumer has had 14 calendar days after it (from the day after an e-mail, or from the third working day after a letter is posted)."},
	RuleBEConsumerNotReminded: {Basis: "Code of Economic Law, Book XIX (XIX.2)",
		Text: "An invoice that fell due after the last first reminder bears nothing until a free first reminder covers it."},
	RuleBEConsumerCivilRate: {Basis: "Code of Economic Law, Book XIX (XIX.4); law of 5 May 1865, art. 2",
		Text: "The contract has no interest clause: after the 14-day period interest runs at the civil legal rate only."},
	RuleBEConsumerNoDamagesClause: {Basis: "Code of Economic Law, Book XIX (XIX.4)",
		Text: "No flat damages are charged: the contract does not provide for them, and the caps of Book XIX are maxima a contract may set, not automatic amounts."},
	RuleFRLegalIncreased: {Basis: "Code monétaire et financier L313-3",
		Text: "Two months after the court decision became enforceable, the legal rate is increased by 5 points."},
	RuleAllocationChosen: {Basis: "Code civil 1342-10 (FR); old Civil Code art. 1253 (BE)",
		Text: "The debtor said which invoice the payment was for: it went to that invoice first, its interest then its amount."},
	RuleBEConsumerNoReminder: {Basis: "Code of Economic Law, Book XIX (XIX.2)",
		Text: "Nothing is charged: no first (free) reminder had been sent by this date."},
	RuleBEConsumerInterest: {Basis: "Code of Economic Law, Book XIX (XIX.4)",
		Text: "Late interest runs after the 14-day period at the rate of the contract's interest clause, at no more than the reference rate of the law of 2 August 2002."},
	RuleBEConsumerContractRate: {Basis: "Code of Economic Law, Book XIX (XIX.4)",
		Text: "The contract rate is lower than the reference rate and is used."},
	RuleBEConsumerDamages: {Basis: "Code of Economic Law, Book XIX (XIX.4)",
		Text: "The contract provides for damages, charged after the 14-day period at no more than the caps: EUR 20 up to a balance of EUR 150; EUR 30 + 10 % of the part above EUR 150 up to EUR 500; EUR 65 + 5 % of the part above EUR 500; at most EUR 2,000 in all."},
	RuleNoIndemnityCurrency: {Basis: "Code de commerce D441-5; Law of 2 August 2002, art. 6; Code of Economic Law XIX.4",
		Text: "The flat indemnity and the damages bands are set in euro; the claim is in another currency, so none is charged."},
	RuleAllocation: {Basis: "Code civil 1342-10, 1343-1 (FR); old Civil Code art. 1254, 1256 (BE)",
		Text: "Payments are applied in date order, invoice by invoice: first the invoices bearing interest, oldest first, each to its interest and then its amount; the flat indemnities and damages, which bear no interest, last. A payment stops interest on the amount it pays from the day after it is received."},
	RuleRatePending: {Basis: "Rates published by the ECB, by arrêté (FR) or in the Moniteur belge (BE)",
		Text: "The rate for part of the period is not published yet: interest is counted up to the last day with a known rate, and the rest will be added once the rate is published."},
	RuleCreditNotes: {Basis: "Invoice correction",
		Text: "A credit note reduces the invoice it names (or the oldest invoices) from the start: the credited sum was never owed."},
}

func ruleRef(key, detail string) RuleRef {
	r := ruleCatalog[key]
	r.Key = key
	r.Detail = detail
	return r
}

// RuleKeys lists every rule key, for the translations to cover them all.
func RuleKeys() []string {
	keys := make([]string, 0, len(ruleCatalog))
	for k := range ruleCatalog {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Basis is the legal text a rule key rests on ("Code de commerce L441-10"),
// for the lines of the computation page and the dossier.
func Basis(key string) string { return ruleCatalog[key].Basis }

// PaidInFull reports whether nothing is left to pay on b's date: there was
// something to pay (invoices), the total is zero or less, and every rate
// needed was known (Complete), so that no interest is still to be counted.
// A claim so paid is settled (package store).
func PaidInFull(b *Balance) bool {
	return b != nil && b.Complete && b.Principal > 0 && b.Total <= 0
}
