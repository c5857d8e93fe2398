package server

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/banking"
)

// The creditors of the caller's tenant (issue 19): a claim names one by
// its creditor_id, and an e-invoice's seller is matched to one by its VAT
// or company number.

// creditorStore is where creditors are kept: the tenant store (store.DB).
type creditorStore interface {
	portal.CreditorStore
	CreditorPolicy(ctx context.Context, tenantID, creditorID string) (p negotiation.Policy, custom bool, err error)
}

func (s *Server) creditors() (creditorStore, error) {
	if st, ok := s.deps.Tenants.(creditorStore); ok {
		return st, nil
	}
	return nil, portal.Errorf(portal.EUNAVAILABLE, "Creditors are not available on this server.")
}

// validateCreditor checks a creditor as the API stores it: its fields
// (portal.Creditor.Validate), its IBAN and BIC.
func validateCreditor(c *portal.Creditor) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if c.IBAN != "" {
		c.IBAN = banking.NormalizeIBAN(c.IBAN)
		if err := banking.ValidateIBAN(c.IBAN); err != nil {
			return err // EINVALID, field iban
		}
	}
	if c.BIC != "" {
		c.BIC = banking.NormalizeBIC(c.BIC)
		if err := banking.ValidateBIC(c.BIC); err != nil {
			return err // EINVALID, field bic
		}
	}
	return nil
}

func (s *Server) handleCreditorList(c *fiber.Ctx) error {
	st, err := s.creditors()
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	list, err := st.FindCreditors(ctx, tenantOf(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"creditors": list})
}

func (s *Server) handleCreditorCreate(c *fiber.Ctx) error {
	st, err := s.creditors()
	if err != nil {
		return err
	}
	var in portal.CreditorInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	cr := &portal.Creditor{TenantID: tenantOf(c), Country: "FR"}
	in.Apply(cr)
	if err := validateCreditor(cr); err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if err := st.CreateCreditor(ctx, cr); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(cr)
}

func (s *Server) handleCreditorShow(c *fiber.Ctx) error {
	st, err := s.creditors()
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	cr, err := st.FindCreditor(ctx, tenantOf(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(cr)
}

// handleCreditorUpdate changes the fields the body names (its VAT number,
// company number, IBAN…); the others stay.
func (s *Server) handleCreditorUpdate(c *fiber.Ctx) error {
	st, err := s.creditors()
	if err != nil {
		return err
	}
	var in portal.CreditorInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	cr, err := st.FindCreditor(ctx, tenantOf(c), c.Params("id"))
	if err != nil {
		return err
	}
	in.Apply(cr)
	if err := validateCreditor(cr); err != nil {
		return err
	}
	if err := st.UpdateCreditor(ctx, cr); err != nil {
		return err
	}
	return c.JSON(cr)
}

// handleCreditorPolicyShow is the creditor's own negotiation policy (a
// claim's override aside: GET /claims/{id}/policy).
func (s *Server) handleCreditorPolicyShow(c *fiber.Ctx) error {
	st, err := s.creditors()
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	p, _, err := st.CreditorPolicy(ctx, tenantOf(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(p)
}

// handleAccountLog lists the changes of the account's settings (webhook
// endpoints, creditors, policies, sequences, retention), newest first,
// with who made them.
func (s *Server) handleAccountLog(c *fiber.Ctx) error {
	st := s.deps.AccountLog
	if st == nil {
		return portal.Errorf(portal.EUNAVAILABLE, "The account log is not available on this server.")
	}
	limit := c.QueryInt("limit", 100)
	if limit < 1 || limit > 500 {
		return portal.FieldError("limit", "limit must be between 1 and 500")
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	entries, err := st.AccountLog(ctx, tenantOf(c), limit)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"entries": entries})
}
