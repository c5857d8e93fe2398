// Package negotiation is the domain of the live negotiation between a
// debtor and the creditor's agents: the offers a debtor (or an agent) can
// make, their validation, the creditor's policy that decides which offers
// Relais accepts by itself, and the payment schedule of an accepted plan.
//
// It is pure: no Fiber, no GORM, no driver. Amounts are int64 minor units of
// the claim's currency and dates are portal.Date; "today" is always passed
// in, never read from the system clock.
//
// The conversation types (Conversation, Message, Offer records, Agreement)
// and the Store port that portal/store implements are declared here too, so
// that server depends on this package and not on the database.
package negotiation
