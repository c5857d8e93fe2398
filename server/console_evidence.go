package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
)

// handleConsoleEvidenceBundle serves a claim's court evidence bundle to any
// console user of the claim's tenant (the same bundle as the API's, under
// the same name after the claim's reference).
func (s *Server) handleConsoleEvidenceBundle(c *fiber.Ctx) error {
	if s.deps.Evidence == nil {
		return portal.Errorf(portal.EUNAVAILABLE, "Evidence bundles are not configured on this instance.")
	}
	ctx, cancel := s.userContext(c)
	claim, err := s.deps.Claims.FindClaim(ctx, tenantOf(c), c.Params("id"))
	cancel()
	if err != nil {
		return err
	}
	return s.sendEvidenceBundle(c, claim.ID, claim.Reference)
}

// handleConsoleTimeline shows a claim's timeline: its events (optionally
// filtered by kind), its stages as periods and its deadlines, the data of
// GET /api/v1/claims/{id}/timeline.
func (s *Server) handleConsoleTimeline(c *fiber.Ctx) error {
	if s.deps.Timelines == nil {
		return portal.Errorf(portal.EUNAVAILABLE, "The claim timeline is not configured on this instance.")
	}
	kinds, err := parseKinds(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	t, err := s.deps.Timelines.Timeline(ctx, consoleUserOf(c).TenantID, c.Params("id"), kinds)
	if err != nil {
		return err
	}
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	return s.renderConsole(c, "timeline", map[string]any{"Title": "Timeline " + t.Reference, "T": t, "Kinds": strings.Join(names, ", ")})
}
