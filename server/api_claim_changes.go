package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
)

// The creditor's corrections to a stored claim beyond payments: the
// debtor's contact data and credit notes (portal.ClaimChanges), for the
// API and the console alike.

// debtorContactInput is the body of PATCH /api/v1/claims/{id}/debtor: the
// fields given replace the stored ones, the others stay.
type debtorContactInput struct {
	Email    *string `json:"email"`
	Phone    *string `json:"phone"`
	Address  *string `json:"address"`
	Country  *string `json:"country"`
	Language *string `json:"language"`
}

// over is the contact data of d with in's fields.
func (in *debtorContactInput) over(d *portal.Debtor) portal.DebtorContact {
	c := portal.DebtorContact{Email: d.Email, Phone: d.Phone, Address: d.Address, Country: d.Country, Language: d.Language}
	for _, f := range []struct {
		v   *string
		dst *string
	}{{in.Email, &c.Email}, {in.Phone, &c.Phone}, {in.Address, &c.Address}, {in.Country, &c.Country}, {in.Language, &c.Language}} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	return c
}

// creditNoteInput is the body of POST /api/v1/claims/{id}/credit-notes.
type creditNoteInput struct {
	Number    string `json:"number"`
	IssueDate string `json:"issue_date"`
	Amount    int64  `json:"amount"`
	InvoiceID string `json:"invoice_id"`
}

// toCreditNote reads a credit note on claimID, the API's and the console's.
func (in *creditNoteInput) toCreditNote(claimID string) (*portal.CreditNote, error) {
	on, err := parseDateField("issue_date", in.IssueDate)
	if err != nil {
		return nil, err
	}
	return &portal.CreditNote{ClaimID: claimID, InvoiceID: in.InvoiceID, Number: in.Number, IssueDate: on, Amount: in.Amount}, nil
}

func (s *Server) claimChanges() (portal.ClaimChanges, error) {
	if s.deps.ClaimChanges == nil {
		return nil, portal.Errorf(portal.EUNAVAILABLE, "Changing a claim is not available on this instance.")
	}
	return s.deps.ClaimChanges, nil
}

// handleDebtorContactUpdate is PATCH /api/v1/claims/{id}/debtor: the
// debtor's e-mail, phone, address, country or language, checked as a new
// claim's debtor (debtor.contact_changed with each field from/to).
func (s *Server) handleDebtorContactUpdate(c *fiber.Ctx) error {
	cc, err := s.claimChanges()
	if err != nil {
		return err
	}
	var in debtorContactInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	claim := claimOf(c)
	ctx, cancel := s.userContext(c)
	defer cancel()
	d, err := cc.UpdateDebtorContact(ctx, tenantOf(c), claim.ID, in.over(claim.Debtor))
	if err != nil {
		return err
	}
	return c.JSON(d)
}

// handleCreditNoteCreate is POST /api/v1/claims/{id}/credit-notes.
func (s *Server) handleCreditNoteCreate(c *fiber.Ctx) error {
	cc, err := s.claimChanges()
	if err != nil {
		return err
	}
	var in creditNoteInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	cn, err := in.toCreditNote(claimOf(c).ID)
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if err := cc.AddCreditNote(ctx, tenantOf(c), cn); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(cn)
}
