package portal

import (
	"context"
	"strings"
)

// DebtorContact is what a creditor may correct of a debtor once the claim
// is loaded: how to reach them and in which language. The name, kind,
// postcode, birth date and customer number stay as loaded: the debtor's
// identity check asks them.
type DebtorContact struct {
	Email    string
	Phone    string
	Address  string
	Country  string
	Language string
}

// Apply returns a copy of d with c's fields, trimmed; the copy is checked
// with Debtor.Validate, the rules of a new claim's debtor.
func (c DebtorContact) Apply(d Debtor) Debtor {
	d.Email, d.Phone, d.Address = strings.TrimSpace(c.Email), strings.TrimSpace(c.Phone), strings.TrimSpace(c.Address)
	d.Country, d.Language = strings.ToUpper(strings.TrimSpace(c.Country)), strings.ToLower(strings.TrimSpace(c.Language))
	return d
}

// ValidateNew checks a credit note the creditor records on a stored claim
// (its invoice and what is left to credit are the store's to check): a
// number, an issue date not after today, a positive amount.
func (cn *CreditNote) ValidateNew(today Date) error {
	if err := checkText("number", cn.Number, MaxReferenceLen, true); err != nil {
		return err
	}
	if cn.IssueDate.IsZero() {
		return FieldError("issue_date", "issue_date is required (YYYY-MM-DD)")
	}
	if cn.IssueDate.After(today) {
		return FieldError("issue_date", "issue_date %s is in the future: record a credit note once it is issued", cn.IssueDate)
	}
	if cn.Amount <= 0 {
		return FieldError("amount", "amount must be a positive amount in minor units (cents)")
	}
	if cn.Amount > MaxAmount {
		return FieldError("amount", "amount is too large")
	}
	return nil
}

// ClaimChanges are the creditor's corrections to a stored claim beyond
// payments (ClaimService): the console's back-office uses them.
type ClaimChanges interface {
	// UpdateDebtorContact changes the contact data of the claim's debtor
	// and records debtor.contact_changed with each field changed (from,
	// to) and who changed it; nothing changed records nothing. It returns
	// the debtor as stored. ENOTFOUND, EINVALID (the rules of
	// Debtor.Validate), ECONFLICT (personal data erased).
	UpdateDebtorContact(ctx context.Context, tenantID, claimID string, c DebtorContact) (*Debtor, error)
	// AddCreditNote records a credit note on the claim, on one of its
	// invoices or on the claim as a whole, and credit_note.recorded with
	// who recorded it. ENOTFOUND, EINVALID (CreditNote.ValidateNew; an
	// invoice that is not the claim's; more than is left to credit),
	// ECONFLICT (the number is already the claim's).
	AddCreditNote(ctx context.Context, tenantID string, cn *CreditNote) error
}
