package server

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/negotiation/pdf"
	"github.com/relais/relais/portal"
)

// handleSign is the debtor's "sign" frame: confirm an accepted agreement
// and, unless the claim is disputed, acknowledge the debt (Code civil
// 2240). The PDF is rendered in the debtor's language and stored with its
// SHA-256; the claim goes in_plan; a system message tells the agents.
func (s *Server) handleSign(ctx context.Context, c *chatConn, f *clientFrame) bool {
	if c.internal {
		s.sendFrameError(c, f.ID, portal.EFORBIDDEN, "", "")
		return false
	}
	a, err := s.signAgreement(ctx, c.p, f.AgreementID, f.Acknowledge, f.Method)
	if err != nil {
		s.sendError(c, f.ID, err)
		return false
	}
	b, _ := json.Marshal(frame{Type: "signed", ID: f.ID, Agreement: a})
	c.queue(b)
	m := &negotiation.Message{TenantID: c.conv.TenantID, ConversationID: c.conv.ID, ClientID: "signed:" + a.ID, Kind: negotiation.MsgSystem,
		Author: negotiation.Author{Kind: portal.ActorSystem, ID: "relais", Name: "Relais"}, Text: "agreement.signed", AgreementID: a.ID}
	if stored, _, err := s.deps.Conversations.PostMessage(ctx, m); err == nil {
		s.hub.Published(ctx, c.conv, []*negotiation.Message{stored})
	} else {
		s.log.Warn("agreement signed: system message failed", "err", err)
	}
	return true
}

// signAgreement checks the debtor may sign, renders the PDF and stores it.
func (s *Server) signAgreement(ctx context.Context, p negotiation.Participant, agreementID string, acknowledge bool, method string) (*negotiation.Agreement, error) {
	if !portal.ValidID(agreementID) {
		return nil, portal.FieldError("agreement_id", "agreement_id must be the id of an agreement")
	}
	a, err := s.deps.Conversations.FindAgreement(ctx, p.TenantID, agreementID)
	if err != nil {
		return nil, err
	}
	if a.ClaimID != p.ClaimID {
		return nil, portal.Errorf(portal.ENOTFOUND, "Agreement not found.")
	}
	if a.Status == negotiation.AgreementSigned {
		return nil, portal.Errorf(portal.ECONFLICT, "This agreement is already signed.")
	}
	claim, err := s.deps.Claims.FindClaim(ctx, p.TenantID, a.ClaimID)
	if err != nil {
		return nil, err
	}
	disputed := claim.Status == portal.StatusDisputed
	switch {
	case disputed && acknowledge:
		return nil, portal.FieldError("acknowledge", "a disputed claim cannot be acknowledged")
	case !disputed && !acknowledge:
		return nil, portal.FieldError("acknowledge", "tick the acknowledgement of debt to sign")
	}
	offer, err := s.deps.Conversations.FindOffer(ctx, p.TenantID, a.OfferID)
	if err != nil {
		return nil, err
	}
	pol, err := s.deps.Conversations.Policy(ctx, p.TenantID, claim.ID)
	if err != nil {
		return nil, err
	}
	// The way to pay a plan, chosen now among those the creditor's policy
	// allows and this server offers (SEPA and card need Stripe).
	var pay negotiation.PayChoice
	if method != "" && offer.Terms.Kind == negotiation.KindPlan {
		if pay, err = pol.ChoosePay(method, claim, s.cardOn()); err != nil {
			return nil, err
		}
		a.Schedule.Method, a.Schedule.MandateVia, a.Schedule.NoticeDays = pay.Method, pay.MandateVia, pay.NoticeDays
	}
	signedAt := s.deps.Clock.Now().UTC().Truncate(1e3)
	a.ID = agreementID
	in := pdf.Input{Agreement: a, Claim: claim, Terms: offer.Terms, Language: p.Language, SignedAt: signedAt, Acknowledged: acknowledge}
	if s.deps.Transfers != nil { // the RF or structured reference the portal and its QR code use
		if d, err := s.deps.Transfers.TransferDetails(ctx, claim); err == nil {
			in.PaymentReference = d.Reference
		}
	}
	in.Plan = pol.Plan
	if t, err := s.deps.Tenants.FindTenant(ctx, p.TenantID); err == nil {
		if z, err := time.LoadLocation(t.Timezone); err == nil {
			in.Zone = z
		}
	}
	doc, err := pdf.Render(in)
	if err != nil {
		return nil, err
	}
	return s.deps.Conversations.SignAgreement(ctx, p.TenantID, agreementID, acknowledge, p.Language, doc, pay)
}

// cardOn reports whether Stripe is configured (card, SEPA Direct Debit
// and Bancontact all go through it).
func (s *Server) cardOn() bool { return s.deps.Payments != nil && s.deps.Payments.CardEnabled() }

// handleDebtorAgreementPDF is GET /p/agreements/:id/pdf: the debtor's copy
// of a signed agreement of their claim.
func (s *Server) handleDebtorAgreementPDF(c *fiber.Ctx) error {
	sess, err := s.debtorSession(c)
	if err != nil {
		return err
	}
	if s.deps.Conversations == nil {
		return portal.Errorf(portal.EUNAVAILABLE, "Negotiation is not available.")
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	a, err := s.deps.Conversations.FindAgreement(ctx, sess.TenantID, c.Params("id"))
	if err != nil {
		return err
	}
	if a.ClaimID != sess.ClaimID || a.Status != negotiation.AgreementSigned {
		return portal.Errorf(portal.ENOTFOUND, "Agreement not found.")
	}
	attachment(c, "application/pdf", "agreement-"+a.ID+".pdf")
	return c.Send(a.PDF)
}

// handleDebtorMandatePDF is GET /p/agreements/:id/mandate.pdf: the annex
// of a signed agreement of the debtor's claim that states the SEPA
// mandate its instalments are debited under (reference, date, the IBAN's
// last four digits, how it was given), in the debtor's language. The
// mandate is given after signing, so the signed PDF (whose hash is
// evidence) is never rewritten; the annex goes beside it. The claim's
// active mandate, else its newest; none: not found.
func (s *Server) handleDebtorMandatePDF(c *fiber.Ctx) error {
	sess, err := s.debtorSession(c)
	if err != nil {
		return err
	}
	if s.deps.Conversations == nil || s.deps.Mandates == nil {
		return portal.Errorf(portal.ENOTFOUND, "Mandate not found.")
	}
	cl, err := s.portalClaim(c, sess)
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	a, err := s.deps.Conversations.FindAgreement(ctx, sess.TenantID, c.Params("id"))
	if err != nil {
		return err
	}
	if a.ClaimID != sess.ClaimID || a.Status != negotiation.AgreementSigned {
		return portal.Errorf(portal.ENOTFOUND, "Agreement not found.")
	}
	// As in the evidence bundle: an annex only for an agreement debited by
	// SEPA, never for a card or transfer plan of a claim that has a mandate.
	sepa, err := s.deps.Mandates.SEPAAgreements(ctx, sess.TenantID, sess.ClaimID)
	if err != nil {
		return err
	}
	if !slices.Contains(sepa, a.ID) {
		return portal.Errorf(portal.ENOTFOUND, "Mandate not found.")
	}
	ms, err := s.deps.Mandates.ClaimMandates(ctx, sess.TenantID, sess.ClaimID)
	if err != nil {
		return err
	}
	m := portal.AnnexMandate(ms)
	if m == nil {
		return portal.Errorf(portal.ENOTFOUND, "Mandate not found.")
	}
	doc, err := pdf.RenderMandate(pdf.MandateInput{Agreement: a, Claim: cl, Mandate: m, Language: s.portalLang(c, ""), Zone: s.tenantLocation(ctx, sess.TenantID)})
	if err != nil {
		return err
	}
	attachment(c, "application/pdf", "agreement-"+a.ID+"-mandate.pdf")
	return c.Send(doc)
}
