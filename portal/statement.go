package portal

import (
	"context"
	"time"
)

// Statement line statuses.
const (
	LineMatched   = "matched"   // the reference named a claim: recorded as a payment
	LineSuggested = "suggested" // amount and name resemble an open claim: a person decides
	LineUnmatched = "unmatched" // a credit nothing matched
	LineSkipped   = "skipped"   // a debit or a reversal
	LineAccepted  = "accepted"  // a suggestion a person accepted: recorded as a payment
)

// StatementLine is one booked movement of an imported bank statement.
type StatementLine struct {
	ID          string   `json:"id"`
	TenantID    string   `json:"-"`
	StatementID string   `json:"statement_id"`
	BankRef     string   `json:"bank_ref"`
	BookedOn    Date     `json:"booked_on"`
	Amount      int64    `json:"amount"` // magnitude in minor units
	Currency    Currency `json:"currency"`
	Credit      bool     `json:"credit"`
	Reference   string   `json:"reference"`
	Name        string   `json:"name"`
	IBAN        string   `json:"iban"`
	Status      string   `json:"status"`
	// ClaimID is the matched or accepted claim; Candidates the suggested ones.
	ClaimID    string   `json:"claim_id,omitempty"`
	PaymentID  string   `json:"payment_id,omitempty"`
	Candidates []string `json:"candidates,omitempty"`
}

// Statement is an imported bank statement. Duplicates counts lines already
// imported before (same bank reference), which were left alone.
type Statement struct {
	ID         string           `json:"id"`
	TenantID   string           `json:"-"`
	Format     string           `json:"format"` // camt053 or csv
	Lines      int              `json:"lines"`
	Duplicates int              `json:"duplicates"`
	CreatedAt  time.Time        `json:"created_at"`
	Matched    []*StatementLine `json:"matched"`
	Suggested  []*StatementLine `json:"suggested"`
	Unmatched  []*StatementLine `json:"unmatched"`
	Skipped    []*StatementLine `json:"skipped"`
	// Pending counts the suggested and unmatched lines still waiting for a
	// person (set by ListStatements, whose statements have no lines).
	Pending int `json:"pending,omitempty"`
}

// StatementService imports bank statements and reconciles them.
type StatementService interface {
	// ImportStatement parses a camt.053 or CSV statement (format "camt053"
	// or "csv"), records exact reference matches as payments (with
	// statement.matched and payment.recorded events) and keeps the rest
	// as suggestions or unmatched lines. Lines imported before are skipped:
	// when all are, the result has no ID and records nothing. EINVALID for
	// an unreadable file, ETOOLARGE.
	ImportStatement(ctx context.Context, tenantID, format string, body []byte) (*Statement, error)
	// ListStatements lists the tenant's statements, newest first, at most
	// limit, without their lines but with the count of lines pending.
	ListStatements(ctx context.Context, tenantID string, limit int) ([]*Statement, error)
	// FindStatement returns a statement with its lines by status. ENOTFOUND.
	FindStatement(ctx context.Context, tenantID, id string) (*Statement, error)
	// AcceptLine records a suggested (or unmatched) credit as a payment on
	// claimID, which must be one of the candidates unless the line was
	// unmatched. ENOTFOUND, ECONFLICT when the line is already settled.
	AcceptLine(ctx context.Context, tenantID, statementID, lineID, claimID string) (*StatementLine, error)
}
