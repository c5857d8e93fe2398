package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
)

func (s *Server) negotiationReady() error {
	if s.deps.Conversations == nil {
		return portal.Errorf(portal.EUNAVAILABLE, "Negotiation is not available.")
	}
	return nil
}

// handleOfferList is GET /api/v1/claims/{id}/offers: every proposal made on
// the claim, with the policy verdict and what became of it (CPCE R124-5).
func (s *Server) handleOfferList(c *fiber.Ctx) error {
	if err := s.negotiationReady(); err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	offers, err := s.deps.Conversations.ClaimOffers(ctx, tenantOf(c), claimOf(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"offers": offers})
}

// handleConversationShow is GET /api/v1/claims/{id}/conversation: the
// conversation with every message, internal notes included (the creditor
// is the agency's principal).
func (s *Server) handleConversationShow(c *fiber.Ctx) error {
	if err := s.negotiationReady(); err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	conv, err := s.deps.Conversations.OpenConversation(ctx, tenantOf(c), claimOf(c).ID)
	if err != nil {
		return err
	}
	after, ok := seqOf(c.Query("after"))
	if !ok {
		return portal.FieldError("after", "after must be a seq (a whole number)")
	}
	msgs, err := s.deps.Conversations.Messages(ctx, tenantOf(c), conv.ID, after, 1000, true)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"conversation": conv, "messages": msgs})
}

// handlePolicyShow is GET /api/v1/claims/{id}/policy: the policy that
// applies to the claim.
func (s *Server) handlePolicyShow(c *fiber.Ctx) error {
	if err := s.negotiationReady(); err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	p, err := s.deps.Conversations.Policy(ctx, tenantOf(c), claimOf(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (s *Server) handleClaimPolicyUpdate(c *fiber.Ctx) error {
	claim := claimOf(c)
	return s.updatePolicy(c, claim.CreditorID, claim.ID)
}

func (s *Server) handleCreditorPolicyUpdate(c *fiber.Ctx) error {
	if !portal.ValidID(c.Params("id")) {
		return portal.Errorf(portal.ENOTFOUND, "Creditor not found.")
	}
	return s.updatePolicy(c, c.Params("id"), "")
}

func (s *Server) updatePolicy(c *fiber.Ctx, creditorID, claimID string) error {
	if err := s.negotiationReady(); err != nil {
		return err
	}
	var p negotiation.Policy
	if err := decodeJSON(c, &p); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if err := s.deps.Conversations.SetPolicy(ctx, tenantOf(c), creditorID, claimID, p); err != nil {
		return err
	}
	return c.JSON(p)
}
