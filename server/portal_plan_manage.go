package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
)

// The plan the debtor manages (issue 20), beyond moving a date
// (portal_pay.go): changing how it is paid, asking for a new plan after a
// hardship.

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

// planWays lists the ways the debtor may switch the rest of the plan to:
// those the creditor's policy allows on this claim (negotiation.Policy.
// SigningMethods), but the one it is paid now. Nil when the plans' store
// cannot change it or nothing is left to pay.
func (s *Server) planWays(cl *portal.Claim, pv *payView, pol *negotiation.Policy) []string {
	if _, ok := s.deps.Instalments.(portal.PlanManager); !ok || cl.Status != portal.StatusInPlan || pv == nil || pv.Next == nil || pol == nil {
		return nil
	}
	var out []string
	for _, w := range pol.SigningMethods(cl, s.cardOn()) {
		if wayMethod(w) != pv.Next.Method {
			out = append(out, w)
		}
	}
	return out
}

// wayMethod is the instalments' method of a way to pay a plan.
func wayMethod(way string) string {
	if way == negotiation.PayBancontact {
		return portal.MethodSEPADebit
	}
	return way
}

// handlePortalPlanMethod is POST /p/plan/method: the debtor changes how
// the instalments still to pay are paid (form field way: sepa_debit,
// bancontact, card, transfer), among the ways the creditor's policy allows
// (plan.method_changed reaches the creditor). Switched to a debit without
// a mandate, or to a card without one saved, the debtor goes on to
// Stripe's page to give it.
func (s *Server) handlePortalPlanMethod(c *fiber.Ctx) error {
	ps, err := s.debtorSession(c)
	if err != nil {
		return err
	}
	if err := s.checkCSRF(c); err != nil {
		return err
	}
	pm, ok := s.deps.Instalments.(portal.PlanManager)
	if !ok || s.deps.Conversations == nil {
		return portal.Errorf(portal.ENOTFOUND, "No plan.")
	}
	cl, err := s.portalClaim(c, ps)
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	pol, err := s.deps.Conversations.Policy(ctx, ps.TenantID, ps.ClaimID)
	if err != nil {
		return err
	}
	choice, err := pol.ChoosePay(strings.Clone(c.FormValue("way")), cl, s.cardOn())
	if err != nil {
		return planError(err)
	}
	ch, err := pm.ChangePlanMethod(ctx, ps.TenantID, ps.ClaimID, portal.PlanPayment{Method: string(choice.Method), MandateVia: choice.MandateVia})
	if err != nil {
		return planError(err)
	}
	if !ch.MandateNeeded && !ch.CardNeeded {
		return c.Redirect("/p#plan-h", fiber.StatusSeeOther)
	}
	// The mandate or the card the new way needs, on Stripe's page.
	u, err := s.deps.Payments.StartSetup(ctx, portal.CheckoutStart{TenantID: ps.TenantID, ClaimID: ps.ClaimID, Via: choice.MandateVia,
		SuccessURL: s.paySuccessURL(), CancelURL: s.cfg.BaseURL + "/p#pay"})
	if err != nil {
		return cardUnavailable(err)
	}
	return c.Redirect(u, fiber.StatusSeeOther)
}

// planError marks a refused change of the plan so that the debtor's error
// page says what may be changed and leads back to the plan.
func planError(err error) error {
	if c := portal.ErrorCode(err); c != portal.EINVALID && c != portal.ECONFLICT {
		return err
	}
	return &portal.Error{Code: portal.ErrorCode(err), Field: planField, Message: portal.ErrorMessage(err), Err: err}
}

// planField marks the errors of changing a plan for the portal's error page.
const planField = "plan"
