package server

import (
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"github.com/relais/relais/static"
)

// routes is the one table of every route the app serves, grouped by who
// calls it. The OpenAPI document and the authorisation tests are checked
// against the app's routes, so a route added here without them fails CI.
func (s *Server) routes() {
	app := s.app

	// Probes for orchestrators and load balancers.
	app.Get("/livez", s.handleLivez)
	app.Get("/readyz", s.handleReadyz)
	app.Get("/healthz", s.handleHealthz)

	// Embedded assets, immutable for a release.
	app.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(static.FS), MaxAge: 3600}))

	// Creditor API, authenticated by API key.
	app.Get("/api/openapi.json", s.handleOpenAPI)
	api := app.Group("/api/v1", s.requireAPIKey)
	api.Post("/claims", s.handleClaimCreate)
	api.Get("/claims", s.handleClaimList)
	api.Post("/claims/import", s.handleClaimImport)
	// Every route under one claim first checks that the claim is the
	// tenant's: another tenant's claim is 404 whatever the route or body.
	claim := api.Group("/claims/:id", s.requireClaim)
	claim.Get("", s.handleClaimShow)
	claim.Post("/payments", s.handlePaymentCreate)
	claim.Get("/events", s.handleEventList)
	claim.Get("/instalments", s.handleInstalmentList)
	claim.Get("/evidence.zip", s.handleEvidenceBundle)
	api.Get("/evidence/public-key", s.handleEvidencePublicKey)

	// Provider webhooks, authenticated by their signature.
	app.Post("/webhooks/stripe", s.handleStripeWebhook)

	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}
