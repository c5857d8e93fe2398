package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
)

func (s *Server) handleLivez(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// handleReadyz answers 503 while the database is unreachable, so a load
// balancer stops sending traffic to this instance.
func (s *Server) handleReadyz(c *fiber.Ctx) error {
	ctx, cancel := s.userContext(c)
	defer cancel()
	if err := s.deps.DB.Ping(ctx); err != nil {
		s.log.Warn("readiness: database unreachable", "err", err)
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable", "database": "unreachable"})
	}
	return c.JSON(fiber.Map{"status": "ok", "database": "ok"})
}

// handleHealthz tells the version, how this instance's schedulers are
// doing (after an outage an operator sees whether they recovered) and which
// interest rate series lack today's rate.
func (s *Server) handleHealthz(c *fiber.Ctx) error {
	jobs := make([]portal.JobStatus, 0, len(s.deps.Jobs))
	for _, j := range s.deps.Jobs {
		jobs = append(jobs, j.Status())
	}
	out := fiber.Map{"status": "ok", "version": s.cfg.Version, "jobs": jobs}
	if s.deps.Rates != nil && s.deps.Clock != nil {
		// Series without today's published rate: claims needing one show no
		// total until an operator adds it (relais rates, --rates-file).
		missing := s.deps.Rates.MissingOn(portal.DateOf(s.deps.Clock.Now()))
		if missing == nil {
			missing = []string{}
		}
		out["rates_missing"] = missing
	}
	return c.JSON(out)
}
