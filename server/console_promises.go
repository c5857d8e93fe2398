package server

import (
	"context"
	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
)

// Promises to pay in the console (issue 20): agents and owners record one
// from the claim's back-office page, the claim panel lists them with
// their status, the queue the ones to follow.

const secPromise = "promise"

func init() { manageDoneKinds[secPromise] = true }

// handleConsolePromise is POST /console/claims/:id/promises: a promise
// the debtor made by phone or letter (source agent, promise.recorded with
// the user).
func (s *Server) handleConsolePromise(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleAgent); err != nil {
		return err
	}
	ps, err := s.promises()
	if err != nil {
		return err
	}
	claim, err := s.consoleClaimOf(c)
	if err != nil {
		return err
	}
	v := newManageView()
	in := readSection(c, v, secPromise, "amount", "due_on", "note")
	fields := []string{"amount", "due_on", "note", "currency"}
	amount, err := portal.ParseAmount(in["amount"], claim.Currency.Exponent())
	if err != nil || amount <= 0 {
		return s.refuse(c, v, secPromise, portal.FieldError("amount", "amount must be a positive amount"), fields...)
	}
	pin, err := (&promiseInput{Amount: amount, DueOn: in["due_on"], Note: in["note"]}).toInput(portal.PromiseFromAgent)
	if err != nil {
		return s.refuse(c, v, secPromise, err, fields...)
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if _, err := ps.RecordPromise(ctx, consoleUserOf(c).TenantID, claim.ID, pin); err != nil {
		return s.refuse(c, v, secPromise, err, fields...)
	}
	s.announceSystemMessage(c, consoleUserOf(c).TenantID, claim.ID)
	return s.doneRedirect(c, secPromise)
}

// claimPromises lists a claim's promises for its pages (none when the
// instance has no promise service).
func (s *Server) claimPromises(c *fiber.Ctx, tenantID, claimID string) ([]*portal.Promise, error) {
	if s.deps.Promises == nil {
		return nil, nil
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	return s.deps.Promises.ClaimPromises(ctx, tenantID, claimID)
}

// promisesToFollow lists the queue's promises: broken or partly kept in
// the last 30 days, then the expected ones by date.
func (s *Server) promisesToFollow(c *fiber.Ctx, tenantID string) ([]*portal.PromiseItem, error) {
	if s.deps.Promises == nil {
		return nil, nil
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	return s.deps.Promises.PromisesToFollow(ctx, tenantID, 200)
}

// announceSystemMessage tells the open chat windows of the claim that a
// promise (or a hardship request) was just recorded (the store wrote its
// system message in the same transaction): the hub delivers what they have
// not seen yet. A failure only costs the live notice.
func (s *Server) announceSystemMessage(c *fiber.Ctx, tenantID, claimID string) {
	ctx, cancel := s.userContext(c)
	defer cancel()
	s.AnnounceSystemMessage(ctx, tenantID, claimID)
}

// AnnounceSystemMessage is announceSystemMessage for the background jobs
// (the promises job: a promise judged broken goes back to the queue).
func (s *Server) AnnounceSystemMessage(ctx context.Context, tenantID, claimID string) {
	if s.hub == nil || s.deps.Conversations == nil {
		return
	}
	conv, err := s.deps.Conversations.OpenConversation(ctx, tenantID, claimID)
	if err != nil || conv.LastSeq == 0 {
		return
	}
	msgs, err := s.deps.Conversations.Messages(ctx, tenantID, conv.ID, conv.LastSeq-1, 1, true)
	if err != nil {
		s.log.Warn("promise notice: messages not read", "err", err)
		return
	}
	s.hub.Published(ctx, conv, msgs)
}
