package server

import (
	"regexp"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal/evidence"
)

// verifyCSP is the policy written in verify.html itself: its one inline
// script and style by their SHA-256 hashes, no request to anywhere.
var verifyCSP = string(regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]*)">`).
	FindSubmatch(evidence.VerifyHTML())[1]) + "; frame-ancestors 'none'"

// handleVerifyPage serves the bundle checker at a stable URL of the
// instance: the same bytes as the verify.html inside every bundle, so that
// a court can check a bundle with a copy it did not receive from the party
// that produced the bundle.
func (s *Server) handleVerifyPage(c *fiber.Ctx) error {
	c.Set("Content-Security-Policy", verifyCSP)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.Send(evidence.VerifyHTML())
}
