package server

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/webhooks"
)

// The console's webhook pages (issue 19): every user of the tenant reads
// its endpoints and their delivery logs; owners create, rotate, disable,
// enable and delete them and resend deliveries, through forms with the
// session's CSRF token (requireConsole).

// webhookConsolePages are parsed with the other console pages.
var webhookConsolePages = []string{"webhooks", "webhook"}

// webhookForm is what the creation form sent, shown again when refused.
type webhookForm struct{ URL, Description string }

func (s *Server) handleConsoleWebhooks(c *fiber.Ctx) error {
	return s.renderConsoleWebhooks(c, fiber.StatusOK, "", webhookForm{}, nil)
}

func (s *Server) renderConsoleWebhooks(c *fiber.Ctx, status int, problem string, form webhookForm, kinds []portal.EventKind) error {
	st, err := s.webhookEndpoints()
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	u := consoleUserOf(c)
	eps, err := st.ListWebhookEndpoints(ctx, u.TenantID)
	if err != nil {
		return err
	}
	checked := map[string]bool{}
	for _, k := range kinds {
		checked[string(k)] = true
	}
	c.Status(status)
	return s.renderConsole(c, "webhooks", map[string]any{"Title": s.consoleT(c).Text("console.webhooks.title"), "Endpoints": eps,
		"CanWrite": u.Role.AtLeast(portal.RoleOwner), "Kinds": webhooks.Kinds(), "Checked": checked, "Problem": problem, "Form": form})
}

// handleConsoleWebhookCreate registers an endpoint and shows its page with
// the secret, this once; a refused one shows the form again with why.
func (s *Server) handleConsoleWebhookCreate(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleOwner); err != nil {
		return err
	}
	st, err := s.webhookEndpoints()
	if err != nil {
		return err
	}
	in := webhooks.EndpointInput{URL: c.FormValue("url"), Description: c.FormValue("description")}
	for _, k := range c.Request().PostArgs().PeekMulti("kinds") {
		in.Kinds = append(in.Kinds, portal.EventKind(k))
	}
	ctx, cancel := s.userContext(c)
	ep, err := st.CreateWebhookEndpoint(ctx, consoleUserOf(c).TenantID, in)
	cancel()
	if code := portal.ErrorCode(err); code == portal.EINVALID || code == portal.ECONFLICT {
		return s.renderConsoleWebhooks(c, fiber.StatusBadRequest, portal.ErrorMessage(err), webhookForm{URL: in.URL, Description: in.Description}, in.Kinds)
	}
	if err != nil {
		return err
	}
	c.Status(fiber.StatusCreated)
	return s.renderConsoleWebhook(c, ep.ID, ep.Secret, "")
}

func (s *Server) handleConsoleWebhook(c *fiber.Ctx) error {
	return s.renderConsoleWebhook(c, c.Params("id"), "", "")
}

// renderConsoleWebhook is an endpoint's page: its settings, the owners'
// actions and its delivery log; secret is shown when just made.
func (s *Server) renderConsoleWebhook(c *fiber.Ctx, id, secret, problem string) error {
	st, err := s.webhookEndpoints()
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	u := consoleUserOf(c)
	ep, err := st.FindWebhookEndpoint(ctx, u.TenantID, id)
	if err != nil {
		return err
	}
	log, err := st.WebhookDeliveryLog(ctx, u.TenantID, id, 100)
	if err != nil {
		return err
	}
	return s.renderConsole(c, "webhook", map[string]any{"Title": s.consoleT(c).Text("console.webhooks.title"), "Endpoint": ep, "Log": log,
		"Secret": secret, "Problem": problem, "CanWrite": u.Role.AtLeast(portal.RoleOwner)})
}

// handleConsoleWebhookRotate makes a new secret and shows it this once.
func (s *Server) handleConsoleWebhookRotate(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleOwner); err != nil {
		return err
	}
	st, err := s.webhookEndpoints()
	if err != nil {
		return err
	}
	hours, err := strconv.Atoi(strings.TrimSpace(c.FormValue("previous_secret_hours", "24")))
	if err != nil {
		c.Status(fiber.StatusBadRequest)
		return s.renderConsoleWebhook(c, c.Params("id"), "", "previous_secret_hours must be a whole number of hours")
	}
	ctx, cancel := s.userContext(c)
	rot, err := st.RotateWebhookSecret(ctx, consoleUserOf(c).TenantID, c.Params("id"), time.Duration(hours)*time.Hour)
	cancel()
	if portal.ErrorCode(err) == portal.EINVALID {
		c.Status(fiber.StatusBadRequest)
		return s.renderConsoleWebhook(c, c.Params("id"), "", portal.ErrorMessage(err))
	}
	if err != nil {
		return err
	}
	return s.renderConsoleWebhook(c, c.Params("id"), rot.Secret, "")
}

func (s *Server) handleConsoleWebhookDisable(c *fiber.Ctx) error {
	return s.consoleWebhookEnabled(c, false)
}

func (s *Server) handleConsoleWebhookEnable(c *fiber.Ctx) error {
	return s.consoleWebhookEnabled(c, true)
}

func (s *Server) consoleWebhookEnabled(c *fiber.Ctx, enabled bool) error {
	if err := requireRole(c, portal.RoleOwner); err != nil {
		return err
	}
	st, err := s.webhookEndpoints()
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if _, err := st.SetWebhookEndpointEnabled(ctx, consoleUserOf(c).TenantID, c.Params("id"), enabled, disabledByHand); err != nil {
		return err
	}
	return c.Redirect("/console/webhooks/"+c.Params("id"), fiber.StatusSeeOther)
}

func (s *Server) handleConsoleWebhookDelete(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleOwner); err != nil {
		return err
	}
	st, err := s.webhookEndpoints()
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if err := st.DeleteWebhookEndpoint(ctx, consoleUserOf(c).TenantID, c.Params("id")); err != nil {
		return err
	}
	return c.Redirect("/console/webhooks", fiber.StatusSeeOther)
}

func (s *Server) handleConsoleWebhookResend(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleOwner); err != nil {
		return err
	}
	st, err := s.webhookEndpoints()
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if err := st.ResendWebhookDelivery(ctx, consoleUserOf(c).TenantID, c.Params("id"), c.Params("delivery_id")); err != nil {
		return err
	}
	return c.Redirect("/console/webhooks/"+c.Params("id")+"#log", fiber.StatusSeeOther)
}
