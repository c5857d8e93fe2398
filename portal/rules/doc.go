// Package rules computes what a debtor owes on a claim on a given date
// under French and Belgian late-payment law: late interest, flat
// indemnities for recovery costs and Belgian consumer damages, and how
// payments and credit notes are applied. It is pure domain code.
//
// # Rates are data
//
// Rates live in rates.json, embedded in the binary, then any rates file
// (Extend) and the lines recorded in the database (SetOverlay, kept by
// package ratefeed): per series (fr_b2b, fr_legal_other,
// fr_legal_natural_person, be_b2b, be_civil_legal), dated lines with a
// rate in basis points, a status (confirmed, likely or derived) and a
// source. A day without a known rate is never counted at a zero or guessed
// rate: the balance is counted up to the day before and says so
// (Balance.Complete, ComputedTo, MissingRates). Coverage tells what is
// known and missing.
//
// # Rule sets
//
// One file per jurisdiction and debtor kind (see ruleset.go):
//
//   - fr_b2b.go (Code de commerce L441-10, D441-5): interest from the day
//     after the due date at the half-year's fr_b2b rate, or at the contract
//     rate (Claim.ContractRateBP) but never below 3 × fr_legal_other; EUR 40
//     per late invoice.
//   - fr_consumer.go (Code civil 1231-6, 1344-1): fr_legal_other from the
//     day after the formal notice (Claim.FormalNoticeOn), or after the due
//     date if later; no notice, no interest; + 5 points two months after
//     the decision became enforceable (Claim.EnforceableOn, CMF L313-3). No
//     indemnity (CPCE L111-8).
//   - be_b2b.go (law of 2 August 2002): be_b2b from the day after the due
//     date; EUR 40 per late invoice.
//   - be_consumer.go (CEL Book XIX): nothing on an invoice until its free
//     period after its own first reminder has run
//     (escalation.BEConsumerFreePeriod); then interest at the contract rate
//     capped at be_b2b, or at be_civil_legal without an interest clause;
//     damages by band only with a damages clause (Claim.DamagesClause),
//     capped in all.
//
// Flat indemnities and damages bands are in euro: a claim in another
// currency gets none, and its Rules say so. An invoice is late, and bears a
// flat indemnity, when some of its principal is still unpaid at the end of
// its due date.
//
// # Interest
//
// Simple interest per invoice, actual/365, for each day from the day after
// the start (due date, formal notice or end of the free period) up to and
// including the as-of date. A period line ends where a rate line of the
// series used ends (each half-year is its own line) or where the unpaid
// principal changes. Each line is base × rate_bp × days / (10000 × 365),
// rounded half up to the minor unit in integer arithmetic.
//
// # Allocation
//
// Credit notes issued on or before the as-of date reduce the invoice they
// name (what exceeds it, and unnamed notes, go to the oldest invoices by due
// date) as from the start: the credited sum was never owed. Credit left
// over is Unallocated.
//
// Payments received on or before the as-of date are applied in date order
// (allocation.go; Code civil 1342-10, 1343-1): to the invoice the debtor
// named (Payment.InvoiceID), else to the invoices bearing interest on that
// day, then the others, oldest due date first; on each, to the interest
// accrued up to and including the payment date, then to the amount; the
// flat indemnities and damages, which bear no interest, last; what is left
// is Unallocated. A payment reduces the interest base from the day after it
// was received. A negative payment (refund, chargeback) first takes back
// Unallocated money, then undoes the latest allocations first; principal
// given back bears interest again from the day after. Every step is an
// AllocationLine.
package rules
