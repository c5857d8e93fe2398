package payments

import (
	"bytes"
	"context"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/banking"
)

// StatementStore keeps imported statements (the store).
type StatementStore interface {
	RecordStatement(ctx context.Context, tenantID, format string, lines []*portal.StatementLine) (*portal.Statement, error)
	FindStatement(ctx context.Context, tenantID, id string) (*portal.Statement, error)
	ListStatements(ctx context.Context, tenantID string, limit int) ([]*portal.Statement, error)
	AcceptLine(ctx context.Context, tenantID, statementID, lineID, claimID string) (*portal.StatementLine, error)
	OpenClaimsForMatching(ctx context.Context, tenantID string) ([]*portal.Claim, map[string]string, error)
}

var _ portal.StatementService = (*Service)(nil)

// Statement formats.
const (
	FormatCamt053 = "camt053"
	FormatCSV     = "csv"
)

// ImportStatement implements portal.StatementService: parse, match
// against the open claims' references (exact) and balances and debtor
// names (near), and record.
func (s *Service) ImportStatement(ctx context.Context, tenantID, format string, body []byte) (*portal.Statement, error) {
	if s.Statements == nil {
		return nil, portal.Errorf(portal.EUNAVAILABLE, "Statement import is not configured.")
	}
	var lines []banking.StatementLine
	var err error
	switch format {
	case FormatCamt053:
		lines, err = banking.ParseCamt053(bytes.NewReader(body))
	case FormatCSV:
		lines, err = banking.ParseStatementCSV(bytes.NewReader(body))
	default:
		return nil, portal.FieldError("format", "format must be camt053 or csv")
	}
	if err != nil {
		return nil, err
	}
	claims, refs, err := s.Statements.OpenClaimsForMatching(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	today := s.Today()
	open := make([]banking.OpenClaim, 0, len(claims))
	for _, c := range claims {
		oc := banking.OpenClaim{ClaimID: c.ID, Reference: refs[c.ID], Currency: c.Currency}
		if c.Debtor != nil {
			oc.DebtorName = c.Debtor.Name
		}
		b, err := s.Rates.Compute(c, today)
		if err != nil {
			return nil, err
		}
		oc.Balance = b.Total
		open = append(open, oc)
	}
	matches := banking.MatchLines(lines, open)
	out := make([]*portal.StatementLine, len(lines))
	for i, l := range lines {
		pl := &portal.StatementLine{BankRef: l.BankRef, BookedOn: l.BookedOn, Amount: l.Amount, Currency: l.Currency, Credit: l.Credit,
			Reference: l.Reference, Name: l.Name, IBAN: l.IBAN}
		switch m := matches[i]; m.Kind {
		case banking.MatchExact:
			pl.Status, pl.ClaimID = portal.LineMatched, m.ClaimIDs[0]
		case banking.MatchNear:
			pl.Status, pl.Candidates = portal.LineSuggested, m.ClaimIDs
		case banking.MatchSkipped:
			pl.Status = portal.LineSkipped
		default:
			pl.Status = portal.LineUnmatched
		}
		out[i] = pl
	}
	return s.Statements.RecordStatement(ctx, tenantID, format, out)
}

// ListStatements implements portal.StatementService.
func (s *Service) ListStatements(ctx context.Context, tenantID string, limit int) ([]*portal.Statement, error) {
	if s.Statements == nil {
		return nil, nil
	}
	return s.Statements.ListStatements(ctx, tenantID, limit)
}

// FindStatement implements portal.StatementService.
func (s *Service) FindStatement(ctx context.Context, tenantID, id string) (*portal.Statement, error) {
	if s.Statements == nil {
		return nil, portal.Errorf(portal.ENOTFOUND, "Statement not found.")
	}
	return s.Statements.FindStatement(ctx, tenantID, id)
}

// AcceptLine implements portal.StatementService.
func (s *Service) AcceptLine(ctx context.Context, tenantID, statementID, lineID, claimID string) (*portal.StatementLine, error) {
	if s.Statements == nil {
		return nil, portal.Errorf(portal.ENOTFOUND, "Statement not found.")
	}
	return s.Statements.AcceptLine(ctx, tenantID, statementID, lineID, claimID)
}
