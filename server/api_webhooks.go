package server

import (
	"time"

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

// handleWebhookShow returns one endpoint, without its secret.
func (s *Server) handleWebhookShow(c *fiber.Ctx) error {
	st, err := s.webhookEndpoints()
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	ep, err := st.FindWebhookEndpoint(ctx, tenantOf(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(ep)
}

// rotateInput is the body of a rotation: how long the former secret keeps
// signing next to the new one (absent: 24 hours; 0: not at all).
type rotateInput struct {
	PreviousSecretHours *int `json:"previous_secret_hours"`
}

// defaultPreviousSecret is how long a rotated-out secret keeps signing
// when the rotation does not say.
const defaultPreviousSecret = 24 * time.Hour

// handleWebhookRotate gives an endpoint a new secret, shown this once;
// deliveries carry both signatures until the former one expires.
func (s *Server) handleWebhookRotate(c *fiber.Ctx) error {
	st, err := s.webhookEndpoints()
	if err != nil {
		return err
	}
	var in rotateInput
	if len(c.Body()) > 0 {
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
	}
	keep := defaultPreviousSecret
	if in.PreviousSecretHours != nil {
		keep = time.Duration(*in.PreviousSecretHours) * time.Hour
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	rot, err := st.RotateWebhookSecret(ctx, tenantOf(c), c.Params("id"), keep)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(rot)
}

// handleWebhookDisable stops the deliveries to an endpoint (they wait).
func (s *Server) handleWebhookDisable(c *fiber.Ctx) error { return s.setWebhookEnabled(c, false) }

// handleWebhookEnable sends an endpoint its waiting deliveries again.
func (s *Server) handleWebhookEnable(c *fiber.Ctx) error { return s.setWebhookEnabled(c, true) }

func (s *Server) setWebhookEnabled(c *fiber.Ctx, enabled bool) error {
	st, err := s.webhookEndpoints()
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	ep, err := st.SetWebhookEndpointEnabled(ctx, tenantOf(c), c.Params("id"), enabled, disabledByHand)
	if err != nil {
		return err
	}
	return c.JSON(ep)
}

// disabledByHand is the reason of an endpoint disabled through the API or
// the console.
const disabledByHand = "disabled by the account"

// handleWebhookDeliveries is an endpoint's delivery log: its deliveries,
// newest first, each with its attempts.
func (s *Server) handleWebhookDeliveries(c *fiber.Ctx) error {
	st, err := s.webhookEndpoints()
	if err != nil {
		return err
	}
	limit := c.QueryInt("limit", 100)
	if limit < 1 || limit > 500 {
		return portal.FieldError("limit", "limit must be between 1 and 500")
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	log, err := st.WebhookDeliveryLog(ctx, tenantOf(c), c.Params("id"), limit)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"deliveries": log})
}

// handleWebhookResend sends a delivery again, with the same webhook-id.
func (s *Server) handleWebhookResend(c *fiber.Ctx) error {
	st, err := s.webhookEndpoints()
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if err := st.ResendWebhookDelivery(ctx, tenantOf(c), c.Params("id"), c.Params("delivery_id")); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"status": "pending"})
}

// eventKind is an event kind an endpoint may ask for.
type eventKind struct {
	Kind portal.EventKind `json:"kind"`
	// Explicit kinds are sent only to endpoints that name them, not to
	// those that want every kind.
	Explicit bool `json:"explicit"`
}

// handleEventKinds lists what an endpoint's kinds may hold.
func (s *Server) handleEventKinds(c *fiber.Ctx) error {
	kinds := []eventKind{}
	for _, k := range webhooks.Kinds() {
		kinds = append(kinds, eventKind{Kind: k, Explicit: !webhooks.Wants(nil, k)})
	}
	return c.JSON(fiber.Map{"kinds": kinds})
}
