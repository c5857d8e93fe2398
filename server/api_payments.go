package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
)

// handleInstalmentList lists a claim's instalments with their statuses
// (due, paid, failed, missed, waived) and charging state.
func (s *Server) handleInstalmentList(c *fiber.Ctx) error {
	if s.deps.Instalments == nil {
		return c.JSON(fiber.Map{"instalments": []*portal.Instalment{}})
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	ins, err := s.deps.Instalments.ListInstalments(ctx, tenantOf(c), claimOf(c).ID)
	if err != nil {
		return err
	}
	if ins == nil {
		ins = []*portal.Instalment{}
	}
	return c.JSON(fiber.Map{"instalments": ins})
}
