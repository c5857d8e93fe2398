package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/webhooks"
)

// Webhook endpoints of the caller's tenant (issue 19). An API key acts for
// its whole tenant, as its owner does. The delivery itself is the
// webhooks.Worker's.

// webhookEndpoints is where endpoints are kept: the tenant store
// (store.DB) implements webhooks.EndpointStore.
func (s *Server) webhookEndpoints() (webhooks.EndpointStore, error) {
	if st, ok := s.deps.Tenants.(webhooks.EndpointStore); ok {
		return st, nil
	}
	return nil, portal.Errorf(portal.EUNAVAILABLE, "Webhooks are not available on this server.")
}

// handleWebhookCreate registers an endpoint; the answer holds its signing
// secret, the only time it is shown.
func (s *Server) handleWebhookCreate(c *fiber.Ctx) error {
	st, err := s.webhookEndpoints()
	if err != nil {
		return err
	}
	var in webhooks.EndpointInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	ep, err := st.CreateWebhookEndpoint(ctx, tenantOf(c), in)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(ep)
}

func (s *Server) handleWebhookList(c *fiber.Ctx) error {
	st, err := s.webhookEndpoints()
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	eps, err := st.ListWebhookEndpoints(ctx, tenantOf(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"webhooks": eps})
}

// handleWebhookDelete removes an endpoint; what it had not received yet
// is not sent.
func (s *Server) handleWebhookDelete(c *fiber.Ctx) error {
	st, err := s.webhookEndpoints()
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if err := st.DeleteWebhookEndpoint(ctx, tenantOf(c), c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
