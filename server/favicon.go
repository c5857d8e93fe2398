package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/static"
)

// handleFavicon answers the request every browser makes for /favicon.ico,
// so that no page logs a failed load in the debtor's console.
func (s *Server) handleFavicon(c *fiber.Ctx) error {
	b, err := static.FS.ReadFile("img/favicon.png")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/png")
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	return c.Send(b)
}
