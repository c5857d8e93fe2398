package server

import (
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

// kindChoice is a checkbox of the timeline's kind filter.
type kindChoice struct {
	Kind    portal.EventKind
	Checked bool
}

// handleConsoleTimeline shows a claim's timeline: its events (optionally
// filtered by kind: the form's checkboxes send kind=a&kind=b, which the
// API's comma-separated kind=a,b also reads), its stages as periods and
// its deadlines, the data of GET /api/v1/claims/{id}/timeline.
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
	picked := map[portal.EventKind]bool{}
	for _, k := range kinds {
		picked[k] = true
	}
	var choices []kindChoice
	for _, k := range portal.EventKinds() {
		choices = append(choices, kindChoice{Kind: k, Checked: picked[k]})
	}
	return s.renderConsole(c, "timeline", map[string]any{"Title": s.consoleT(c).Text("console.timeline.title", "Reference", t.Reference),
		"T": t, "Kinds": choices, "Filtered": len(kinds) > 0})
}
