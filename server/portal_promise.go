package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
)

// The debtor's promise to pay on the portal (issue 20): an amount by a
// date within the creditor's promise horizon; reminders wait until then.

// promiseView is the claim page's promise section.
type promiseView struct {
	// Last is the claim's latest promise (expected, or how it ended).
	Last *portal.Promise
	// Form is set when the debtor may promise now (no promise expected,
	// an open claim with something to pay).
	Form bool
	// Latest is the last day a promise may name (the policy's horizon).
	Latest portal.Date
	// Amount and Due are the form's values (as typed after a refusal);
	// Error is the refusal's message key.
	Amount, Due, Error string
	Grace              int
}

const localPromiseForm = "promise.form"

// promiseViewFor builds the section: nil without a promise service.
func (s *Server) promiseViewFor(c *fiber.Ctx, ps *portal.PortalSession, cl *portal.Claim, total int64, today portal.Date) (*promiseView, error) {
	if s.deps.Promises == nil {
		return nil, nil
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	list, err := s.deps.Promises.ClaimPromises(ctx, ps.TenantID, cl.ID)
	if err != nil {
		return nil, err
	}
	policy := negotiation.DefaultPolicy()
	if s.deps.Conversations != nil {
		if policy, err = s.deps.Conversations.Policy(ctx, ps.TenantID, cl.ID); err != nil {
			return nil, err
		}
	}
	v := &promiseView{Latest: today.AddDays(policy.MaxPromiseDays), Grace: portal.PromiseGraceDays}
	if typed, ok := c.Locals(localPromiseForm).(*promiseView); ok {
		v.Amount, v.Due, v.Error = typed.Amount, typed.Due, typed.Error
	}
	if len(list) > 0 {
		v.Last = list[0]
	}
	v.Form = cl.Status == portal.StatusOpen && total > 0 && (v.Last == nil || v.Last.Status != portal.PromiseExpected)
	return v, nil
}

// handlePortalPromise is POST /p/promise: the debtor promises an amount by
// a date (source portal, promise.recorded with the session). A refusal
// shows the page again with the form as typed and the reason, 4xx.
func (s *Server) handlePortalPromise(c *fiber.Ctx) error {
	ps, err := s.debtorSession(c)
	if err != nil {
		return err
	}
	if err := s.checkCSRF(c); err != nil {
		return err
	}
	promises, err := s.promises()
	if err != nil {
		return err
	}
	cl, err := s.portalClaim(c, ps)
	if err != nil {
		return err
	}
	typed := &promiseView{Amount: strings.TrimSpace(strings.Clone(c.FormValue("amount"))), Due: strings.TrimSpace(strings.Clone(c.FormValue("due_on")))}
	refuse := func(status int, key string) error {
		typed.Error = key
		c.Locals(localPromiseForm, typed)
		c.Locals(localPortalStatus, status)
		return s.renderClaim(c, ps)
	}
	amount, err := portal.ParseAmount(typed.Amount, cl.Currency.Exponent())
	if err != nil || amount <= 0 {
		return refuse(fiber.StatusBadRequest, "promise.error.amount")
	}
	in, err := (&promiseInput{Amount: amount, DueOn: typed.Due}).toInput(portal.PromiseFromPortal)
	if err != nil {
		return refuse(fiber.StatusBadRequest, "promise.error.date")
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if _, err := promises.RecordPromise(ctx, ps.TenantID, ps.ClaimID, in); err != nil {
		switch {
		case portal.ErrorCode(err) == portal.EINVALID && portal.ErrorField(err) == "due_on":
			return refuse(fiber.StatusBadRequest, "promise.error.date")
		case portal.ErrorCode(err) == portal.EINVALID && portal.ErrorField(err) == "amount":
			return refuse(fiber.StatusBadRequest, "promise.error.amount")
		case portal.ErrorCode(err) == portal.EINVALID:
			return refuse(fiber.StatusBadRequest, "promise.error.invalid")
		case portal.ErrorCode(err) == portal.ECONFLICT:
			return refuse(fiber.StatusConflict, "promise.error.conflict")
		}
		return err
	}
	s.announceSystemMessage(c, ps.TenantID, ps.ClaimID)
	return c.Redirect("/p#promise", fiber.StatusSeeOther)
}

// localPortalStatus is the status a refused form's page is sent with.
const localPortalStatus = "portal.status"

func portalStatus(c *fiber.Ctx) int {
	if st, ok := c.Locals(localPortalStatus).(int); ok {
		return st
	}
	return fiber.StatusOK
}
