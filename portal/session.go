package portal

import (
	"strings"
	"time"
)

// PortalSession is a debtor's browser session, created when a portal link
// is opened (the token is exchanged for a session cookie). Nothing about
// the claim is shown, nor any action allowed, until Verified: the identity
// check passed (and, when a second factor is asked, the one-time code came
// back: IdentityPassed is set in between).
type PortalSession struct {
	ID        string    `json:"id"`
	TenantID  string    `json:"-"`
	ClaimID   string    `json:"claim_id"`
	LinkID    string    `json:"link_id"`
	Language  string    `json:"language"`
	Verified  bool      `json:"verified"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	// IdentityPassed: the identity answer passed; with a second factor the
	// session waits for the code before it is Verified.
	IdentityPassed bool `json:"identity_passed"`
	// PageVersion is the version of the claim page's rows read with the
	// session (zero when the store does not tell).
	PageVersion PageVersion `json:"-"`
}

// PageVersion is the state of the rows a claim's page reads, as the
// database counts it (issue 22): Claim moves with every change to the
// claim's row or to one of its invoices, payments, credit notes, disputes,
// payment reference, agreements or instalments, Creditor and Debtor with
// their rows. Rows read at or after a PageVersion are at least as recent
// as it, so a store may answer a page's reads from a cache kept under the
// same PageVersion and from nothing older. Known is false for the zero
// value.
type PageVersion struct {
	Claim, Creditor, Debtor int64
	Known                   bool
}

// NormalizeEmail is the one form of a user's e-mail address: trimmed and
// lower-cased, and always a fresh copy, so that a value read from a
// request buffer (Fiber's zero-copy FormValue) can outlive the request as a
// map key or a limiter key.
func NormalizeEmail(s string) string { return strings.ToLower(strings.Clone(strings.TrimSpace(s))) }
