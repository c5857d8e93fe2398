package server

import (
	"context"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/negotiation"
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
	if !res.Duplicate {
		for _, p := range res.Payments {
			s.announcePayment(ctx, p)
		}
	}
	return c.JSON(fiber.Map{"received": true, "duplicate": res.Duplicate})
}

// announcePayment tells the open chat windows of the claim (the debtor's
// page and the agents' console) that money arrived, without a reload: a
// system message in the claim's conversation, persisted and then fanned out
// like any message. The payment itself is already recorded; a failure here
// only costs the live notice.
func (s *Server) announcePayment(ctx context.Context, p *portal.Payment) {
	if s.hub == nil || s.deps.Conversations == nil || p.Amount == 0 {
		return
	}
	conv, err := s.deps.Conversations.OpenConversation(ctx, p.TenantID, p.ClaimID)
	if err != nil {
		s.log.Warn("payment notice: no conversation", "err", err)
		return
	}
	m := &negotiation.Message{TenantID: p.TenantID, ConversationID: conv.ID, ClientID: "payment:" + p.ID, Kind: negotiation.MsgSystem,
		Author: negotiation.Author{Kind: portal.ActorSystem, ID: "relais", Name: "Relais"},
		Text:   fmt.Sprintf("payment.received|%d|%s|%d", p.Amount, p.Currency, p.Currency.Exponent())}
	stored, _, err := s.deps.Conversations.PostMessage(ctx, m)
	if err != nil {
		s.log.Warn("payment notice: message not stored", "err", err)
		return
	}
	s.hub.Published(ctx, conv, []*negotiation.Message{stored})
}
