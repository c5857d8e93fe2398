// Package escalation holds the recovery rules of a claim: which stage and
// status moves are allowed (the stage machine), the legal and practical
// deadlines that follow from the dates known on a claim, and the message
// keys that explain each stage to the debtor in plain words.
//
// It is pure domain code: it imports only the standard library and the
// portal root package, reads no clock (callers pass "today") and keeps no
// state. The legal facts it rests on are listed in LEGAL.md; each rule in
// this package names the article it comes from, or says "practice" when it
// comes from no text.
package escalation
