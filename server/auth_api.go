package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
)

// requireAPIKey authenticates "Authorization: Bearer <key>" and scopes the
// request to the key's tenant.
func (s *Server) requireAPIKey(c *fiber.Ctx) error {
	h := c.Get(fiber.HeaderAuthorization)
	secret, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || secret == "" {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="relais"`)
		return portal.Errorf(portal.EUNAUTHORIZED, "Send your API key as \"Authorization: Bearer <key>\".")
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	key, err := s.deps.Tenants.AuthenticateAPIKey(ctx, strings.TrimSpace(secret))
	if err != nil {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="relais", error="invalid_token"`)
		return err
	}
	c.Locals(localTenant, key.TenantID)
	c.Locals(localActor, portal.Actor{Kind: portal.ActorAPIKey, ID: key.ID, TenantID: key.TenantID, IP: c.IP(), UserAgent: truncate(c.Get(fiber.HeaderUserAgent), 300)})
	return c.Next()
}

func tenantOf(c *fiber.Ctx) string {
	t, _ := c.Locals(localTenant).(string)
	return t
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// requireClaim loads the claim named by :id within the caller's tenant
// (404 otherwise) for the handlers of the group.
func (s *Server) requireClaim(c *fiber.Ctx) error {
	ctx, cancel := s.userContext(c)
	defer cancel()
	claim, err := s.deps.Claims.FindClaim(ctx, tenantOf(c), c.Params("id"))
	if err != nil {
		return err
	}
	c.Locals(localClaim, claim)
	return c.Next()
}

// claimOf returns the claim loaded by requireClaim.
func claimOf(c *fiber.Ctx) *portal.Claim {
	claim, _ := c.Locals(localClaim).(*portal.Claim)
	return claim
}
