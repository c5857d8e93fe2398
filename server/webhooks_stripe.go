package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
)

// maxStripeWebhookBody bounds a Stripe event body; real events are a few kB.
const maxStripeWebhookBody = 256 << 10

// handleStripeWebhook verifies and applies a Stripe event. A replayed event
// is answered 200 and changes nothing; a bad signature is 400 and changes
// nothing; an event that cannot be placed yet (a refund of a payment not
// seen yet) is 503 so that Stripe retries it later.
func (s *Server) handleStripeWebhook(c *fiber.Ctx) error {
	if s.deps.Payments == nil || !s.deps.Payments.CardEnabled() {
		return portal.Errorf(portal.ENOTFOUND, "Card payments are not configured on this server.")
	}
	body := c.Body()
	if len(body) > maxStripeWebhookBody {
		return portal.Errorf(portal.ETOOLARGE, "The event body is too large.")
	}
	// Fiber reuses its buffers after the handler returns: copy.
	payload := append([]byte(nil), body...)
	sig := string([]byte(c.Get("Stripe-Signature")))
	ctx, cancel := s.userContext(c)
	defer cancel()
	res, err := s.deps.Payments.HandleWebhook(ctx, payload, sig)
	if err != nil {
		// No payload or header in the log: only what went wrong.
		switch portal.ErrorCode(err) {
		case portal.EUNAUTHORIZED, portal.EINVALID:
			s.log.Warn("stripe webhook refused", "err", err)
		case portal.EUNAVAILABLE:
			s.log.Warn("stripe webhook deferred: Stripe will retry", "err", err)
		}
		if portal.ErrorCode(err) == portal.EUNAUTHORIZED {
			// Stripe expects a 400 for a signature it did not make.
			return &portal.Error{Code: portal.EINVALID, Message: portal.ErrorMessage(err), Err: err}
		}
		return err
	}
	return c.JSON(fiber.Map{"received": true, "duplicate": res.Duplicate})
}
