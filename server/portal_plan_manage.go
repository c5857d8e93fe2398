package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
)

// The plan the debtor manages (issue 20), beyond moving a date
// (portal_pay.go): asking for a new plan after a hardship.

// hardshipView is the plan section's "ask for a new plan" form.
type hardshipView struct {
	// Kinds are the hardships the debtor may name.
	Kinds []string
	// Kind and Reason are the form as typed after a refusal; Error is the
	// refusal's message key; Sent follows a request sent.
	Kind, Reason, Error string
	Sent                bool
	Min, Max            int
}

const localHardshipForm = "hardship.form"

// hardshipViewFor is the form of a plan in force with something left to
// pay; nil when the plans' store cannot take a request.
func (s *Server) hardshipViewFor(c *fiber.Ctx, cl *portal.Claim, pv *payView) *hardshipView {
	if _, ok := s.deps.Instalments.(portal.PlanManager); !ok || cl.Status != portal.StatusInPlan || pv == nil || pv.RestCount == 0 {
		return nil
	}
	v := &hardshipView{Kinds: portal.HardshipKinds, Sent: c.Query("hardship") == "sent", Min: portal.HardshipReasonMin, Max: portal.HardshipReasonMax}
	if typed, ok := c.Locals(localHardshipForm).(*hardshipView); ok {
		v.Kind, v.Reason, v.Error = typed.Kind, typed.Reason, typed.Error
	}
	return v
}

// handlePortalPlanHardship is POST /p/plan/hardship: the debtor in
// difficulty asks for a new plan and says why; an agent takes it up (the
// conversation waits in the queue, marked) and the creditor is told
// (plan.hardship_requested). A refusal shows the page again with the form
// as typed and the reason, 4xx.
func (s *Server) handlePortalPlanHardship(c *fiber.Ctx) error {
	ps, err := s.debtorSession(c)
	if err != nil {
		return err
	}
	if err := s.checkCSRF(c); err != nil {
		return err
	}
	pm, ok := s.deps.Instalments.(portal.PlanManager)
	if !ok {
		return portal.Errorf(portal.ENOTFOUND, "No plan.")
	}
	h := portal.Hardship{Kind: strings.Clone(c.FormValue("kind")), Reason: strings.Clone(c.FormValue("reason"))}
	refuse := func(status int, key string) error {
		c.Locals(localHardshipForm, &hardshipView{Kind: h.Kind, Reason: h.Reason, Error: key})
		c.Locals(localPortalStatus, status)
		return s.renderClaim(c, ps)
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if err := pm.RequestHardship(ctx, ps.TenantID, ps.ClaimID, h); err != nil {
		switch {
		case portal.ErrorCode(err) == portal.EINVALID && portal.ErrorField(err) == "kind":
			return refuse(fiber.StatusBadRequest, "hardship.error.kind")
		case portal.ErrorCode(err) == portal.EINVALID:
			return refuse(fiber.StatusBadRequest, "hardship.error.reason")
		case portal.ErrorCode(err) == portal.ECONFLICT:
			return refuse(fiber.StatusConflict, "hardship.error.conflict")
		}
		return err
	}
	s.announceSystemMessage(c, ps.TenantID, ps.ClaimID)
	return c.Redirect("/p?hardship=sent#plan-hardship", fiber.StatusSeeOther)
}
