package server

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/receipt"
	"github.com/relais/relais/portal/rules"
)

// receiptReady reports whether a claim has a receipt: it had something to
// pay, money was received, and nothing is left to pay on the balance's
// date.
func receiptReady(b *rules.Balance) bool {
	return b != nil && b.Principal > 0 && b.Paid > 0 && b.Total <= 0
}

// renderReceipt computes the claim's balance for today and writes its
// receipt in lang. EINVALID while something is left to pay (the link is
// only offered once the claim is paid): the claim is there, its receipt
// is not yet.
func (s *Server) renderReceipt(c *fiber.Ctx, cl *portal.Claim, today portal.Date, lang string) error {
	bal, err := s.deps.Rates.Compute(cl, today)
	if err != nil {
		return err
	}
	if !receiptReady(bal) {
		return portal.Errorf(portal.EINVALID, "This claim is not paid in full: there is no receipt yet.")
	}
	pdf, err := receipt.Render(receipt.Input{Claim: cl, Balance: bal, Date: today, Language: lang})
	if err != nil {
		return err
	}
	attachment(c, "application/pdf", receipt.FileName(cl.Reference, cl.ID))
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentLength, strconv.Itoa(len(pdf)))
	return c.Send(pdf)
}

// handlePortalReceipt is GET /p/receipt.pdf: the receipt of the debtor's
// claim once paid in full, in the page's language, to the identified
// session of that claim only (the session names the claim: no ID in the
// path).
func (s *Server) handlePortalReceipt(c *fiber.Ctx) error {
	ps, err := s.debtorSession(c)
	if err != nil {
		return err
	}
	cl, err := s.portalClaim(c, ps)
	if err != nil {
		return err
	}
	return s.renderReceipt(c, cl, s.today(), s.portalLang(c, ""))
}

// handleConsoleReceipt is GET /console/claims/:id/receipt.pdf: the same
// receipt, in the debtor's language, for an agent or owner of the tenant
// (to send it by post or answer the debtor).
func (s *Server) handleConsoleReceipt(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleAgent); err != nil {
		return err
	}
	if s.deps.Rates == nil {
		return portal.Errorf(portal.EUNAVAILABLE, "The balance computation is not configured.")
	}
	u := consoleUserOf(c)
	ctx, cancel := s.userContext(c)
	defer cancel()
	cl, err := s.deps.Claims.FindClaim(ctx, u.TenantID, c.Params("id"))
	if err != nil {
		return err
	}
	lang := "en"
	if cl.Debtor != nil && portal.ValidLanguage(cl.Debtor.Language) {
		lang = cl.Debtor.Language
	}
	today := portal.DateOf(s.deps.Clock.Now().In(s.tenantLocation(ctx, u.TenantID)))
	return s.renderReceipt(c, cl, today, lang)
}
