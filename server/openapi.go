package server

import (
	_ "embed"

	"github.com/gofiber/fiber/v2"
)

// openAPIDocument describes the creditor API and the probes. A test checks
// it against the app's routes both ways.
//
//go:embed openapi.json
var openAPIDocument []byte

func (s *Server) handleOpenAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(openAPIDocument)
}
