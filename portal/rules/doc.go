// Package rules computes what a debtor owes on a claim on a given date
// under French and Belgian late-payment law: late interest, flat
// indemnities for recovery costs and Belgian consumer damages, and how
// payments and credit notes are applied. It is pure domain code.
//
// # Rates are data
//
// Rates live in rates.json, embedded in the binary: per series (fr_b2b,
// fr_legal_other, fr_legal_natural_person, be_b2b, be_civil_legal), dated
// lines with a rate in basis points, a status (confirmed or likely) and a
// source. Rates still to confirm are left out, so that a date in their
// period gives an error wrapping ErrRateUnknown rather than a zero rate.
// An operator adds newly published rates with Rates.Extend and a file in
// the same format; its lines replace whatever was known for their days.
// Coverage tells what is known and missing.
//
// # Rule sets
//
//   - FR business (Code de commerce L441-10, D441-5): interest from the day
//     after the due date at the half-year's fr_b2b rate, or at the contract
//     rate (Claim.ContractRateBP) but never below 3 × fr_legal_other; EUR 40
//     per late invoice.
//   - FR consumer (Code civil 1231-6, 1344-1): fr_legal_other from the day
//     after the formal notice (Claim.FormalNoticeOn), or after the due date
//     if later; no notice, no interest. No indemnity (CPCE L111-8).
//   - BE business (law of 2 August 2002): be_b2b from the day after the due
//     date; EUR 40 per late invoice.
//   - BE consumer (CEL Book XIX): nothing until 14 calendar days after the
//     first reminder (Claim.FirstReminderOn), counted from the day after an
//     e-mail or from the 3rd working day (Monday to Friday, Belgian public
//     holidays excluded) after a letter is posted (WithReminderChannel).
//     Then damages by band on the unpaid principal of the invoices due on
//     the first day after the period, and interest at the contract rate if
//     lower than be_b2b, else at be_b2b.
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
// (on one day, costs falling due that day come first): first to unpaid
// indemnities and damages, in the order they fell due; then to interest
// accrued up to and including the payment date, oldest invoice first; then
// to principal, oldest invoice first; what is left is Unallocated. A
// payment reduces the interest base from the day after it was received. A
// negative payment (refund, chargeback) first takes back Unallocated money,
// then undoes the latest allocations first; principal given back bears
// interest again from the day after. Every step is an AllocationLine.
package rules
