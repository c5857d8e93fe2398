package portal

import "context"

// ClaimFilter narrows a claim listing. After is the cursor: the ID of the
// last claim of the previous page.
type ClaimFilter struct {
	After        string
	Limit        int
	Status       Status
	Stage        Stage
	Jurisdiction Jurisdiction
	CreditorID   string
	Reference    string // exact reference
	Query        string // substring of reference or debtor name
	// WithPayments loads each listed claim's payments and credit notes
	// too (two more queries a page), so that its balance can be computed.
	WithPayments bool
}

// ClaimTotal sums the claims of one currency that a filter matches:
// their number, their principal (sum of the invoices) and what was paid
// on or before a day (net of refunds and reversals, as Balance.Paid).
type ClaimTotal struct {
	Currency  Currency
	Claims    int
	Principal int64
	Paid      int64
}

// ClaimService loads and reads claims. Every method is scoped to a tenant:
// a claim of another tenant is ENOTFOUND, never EFORBIDDEN, so that IDs
// reveal nothing.
type ClaimService interface {
	// CreateClaim validates and stores a claim with its debtor and invoices,
	// and records claim.created. EINVALID on bad input, ECONFLICT when the
	// reference exists in the tenant.
	CreateClaim(ctx context.Context, tenantID string, c *Claim) error
	// ImportClaims stores every claim or none (same errors as CreateClaim).
	ImportClaims(ctx context.Context, tenantID string, claims []*Claim) error
	// FindClaim returns a claim with creditor, debtor, invoices, payments
	// and credit notes. ENOTFOUND.
	FindClaim(ctx context.Context, tenantID, id string) (*Claim, error)
	// FindClaims lists claims (without payments) in creation order and
	// returns the cursor of the next page, "" at the end.
	FindClaims(ctx context.Context, tenantID string, f ClaimFilter) ([]*Claim, string, error)
	// ClaimTotals sums every claim f matches (After and Limit ignored), one
	// line per currency in currency order, payments counted up to asOf.
	ClaimTotals(ctx context.Context, tenantID string, f ClaimFilter, asOf Date) ([]ClaimTotal, error)
	// AddPayment records a payment on a claim and an evidence event.
	// ENOTFOUND, EINVALID (currency must be the claim's; the amount
	// positive: a payment recorded by mistake is reversed, a card refund
	// comes from the provider).
	AddPayment(ctx context.Context, tenantID string, p *Payment) error
	// ReversePayment records that a payment was entered by mistake: a
	// negative payment of the same amount naming it, and payment.reversed
	// with the reason and who. Nothing is deleted. ENOTFOUND; ECONFLICT
	// when already reversed; EINVALID for a card payment (refund it at the
	// provider) or a reversal.
	ReversePayment(ctx context.Context, tenantID, claimID, paymentID, reason string) (*Payment, error)
}

// TenantService manages tenants, creditors, users and API keys.
type TenantService interface {
	CreateTenant(ctx context.Context, t *Tenant) error
	FindTenant(ctx context.Context, id string) (*Tenant, error)
	CreateCreditor(ctx context.Context, c *Creditor) error
	FindCreditors(ctx context.Context, tenantID string) ([]*Creditor, error)
	// CreateUser stores u with a hash of password. ECONFLICT for a used e-mail.
	CreateUser(ctx context.Context, u *User, password string) error
	// Authenticate returns the user for e-mail and password; EUNAUTHORIZED
	// for a wrong pair (the same error for an unknown e-mail).
	Authenticate(ctx context.Context, email, password string) (*User, error)
	FindUser(ctx context.Context, id string) (*User, error)
	// ListUsers returns the tenant's users, by name.
	ListUsers(ctx context.Context, tenantID string) ([]*User, error)
	// SetUserLanguage records the console language of a user of the
	// tenant. EINVALID for a language the console does not speak,
	// ENOTFOUND for a user of another tenant.
	SetUserLanguage(ctx context.Context, tenantID, userID, lang string) error
	// SetUserAway marks a user away or back (issue 21). ENOTFOUND.
	SetUserAway(ctx context.Context, tenantID, userID string, away bool) error
	// CreateAPIKey stores a new key and returns its secret, shown once.
	CreateAPIKey(ctx context.Context, tenantID, name string) (*APIKey, string, error)
	// AuthenticateAPIKey returns the key for a secret; EUNAUTHORIZED when
	// unknown or revoked.
	AuthenticateAPIKey(ctx context.Context, secret string) (*APIKey, error)
	RevokeAPIKey(ctx context.Context, tenantID, id string) error
}
