// Package privacy handles the personal data Relais holds about debtors: the
// retention rule that says when a closed claim's personal data may go
// (Decide), the purge that erases it while keeping the evidence chain
// verifiable (Service.Purge), and the export of everything held on one
// debtor for an access request (Service.WriteDebtorExport).
//
// Storage is behind the Store port, implemented by portal/store. The rule
// itself reads no clock and keeps no state: callers pass "today".
package privacy
