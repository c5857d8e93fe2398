package server

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
)

type linkInput struct {
	Channel string `json:"channel"`
}

// issuedLink is the answer to POST /links: the only time the token is seen.
type issuedLink struct {
	ID        string             `json:"id"`
	URL       string             `json:"url"`
	Channel   portal.LinkChannel `json:"channel"`
	ExpiresAt time.Time          `json:"expires_at"`
}

// PortalURL is the address a debtor opens for a link token.
func PortalURL(baseURL, token string) string { return baseURL + "/p/" + token }

func (s *Server) handleLinkCreate(c *fiber.Ctx) error {
	var in linkInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ch := portal.LinkChannel(in.Channel)
	if !ch.Valid() {
		return portal.FieldError("channel", "channel must be letter, sms or email")
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	l, token, err := s.deps.Links.IssueLink(ctx, tenantOf(c), c.Params("id"), ch, s.cfg.LinkTTL)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(issuedLink{ID: l.ID, URL: PortalURL(s.cfg.BaseURL, token), Channel: l.Channel, ExpiresAt: l.ExpiresAt})
}

func (s *Server) handleLinkList(c *fiber.Ctx) error {
	ctx, cancel := s.userContext(c)
	defer cancel()
	links, err := s.deps.Links.FindLinks(ctx, tenantOf(c), c.Params("id"))
	if err != nil {
		return err
	}
	if links == nil {
		links = []*portal.PortalLink{}
	}
	return c.JSON(fiber.Map{"links": links})
}

func (s *Server) handleLinkRevoke(c *fiber.Ctx) error {
	ctx, cancel := s.userContext(c)
	defer cancel()
	if err := s.deps.Links.RevokeLink(ctx, tenantOf(c), c.Params("id"), c.Params("link_id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// handleClaimBalance returns the legal computation of a claim on a date
// (default today).
func (s *Server) handleClaimBalance(c *fiber.Ctx) error {
	at := s.today()
	if v := c.Query("at"); v != "" {
		d, err := parseDateField("at", v)
		if err != nil {
			return err
		}
		at = d
	}
	b, err := s.deps.Rates.Compute(claimOf(c), at)
	if err != nil {
		return err
	}
	return c.JSON(b)
}

func (s *Server) handleDisputeList(c *fiber.Ctx) error {
	ctx, cancel := s.userContext(c)
	defer cancel()
	ds, err := s.deps.Disputes.FindDisputes(ctx, tenantOf(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"disputes": ds})
}

func (s *Server) handleDisputeResolve(c *fiber.Ctx) error {
	var in portal.Resolution
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	d, err := s.deps.Disputes.ResolveDispute(ctx, tenantOf(c), c.Params("id"), c.Params("dispute_id"), in)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

// handleDisputeFile sends a file the debtor attached, as an attachment of
// the type read from its content.
func (s *Server) handleDisputeFile(c *fiber.Ctx) error {
	ctx, cancel := s.userContext(c)
	defer cancel()
	f, err := s.deps.Disputes.FindDisputeFile(ctx, tenantOf(c), c.Params("id"), c.Params("dispute_id"), c.Params("file_id"))
	if err != nil {
		return err
	}
	attachment(c, f.ContentType, f.ID+extensionOf(f.ContentType))
	c.Set("Digest", "sha-256="+f.SHA256)
	return c.Send(f.Content)
}

func extensionOf(contentType string) string {
	switch contentType {
	case "application/pdf":
		return ".pdf"
	case "image/png":
		return ".png"
	case "image/jpeg":
		return ".jpg"
	}
	return ""
}
