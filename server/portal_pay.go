package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/banking"
	"github.com/relais/relais/portal/rules"
)

// payView is the pay section of the claim page.
type payView struct {
	// Card is set when card payment is configured.
	Card bool
	// Bancontact is offered beside the card for Belgian claims in euro.
	Bancontact bool
	// Transfer is nil when the creditor has no valid IBAN.
	Transfer *portal.TransferDetails
	// Instalments of an agreed plan, with their statuses.
	Instalments []*portal.Instalment
	// CardPlan is set when some unpaid instalment is to be charged by card.
	CardPlan bool
	// SEPAPlan is set when some unpaid instalment is to be debited under a
	// SEPA mandate; Mandate is the claim's active mandate (nil: the debtor
	// is asked to give one).
	SEPAPlan bool
	Mandate  *portal.Mandate
	// Moves says whether and how far the debtor may still move a due date
	// (nil: not offered).
	Moves *portal.DateMoves
	// Next is the first instalment still to pay of a plan: the transfer
	// block and its QR code ask for it, not for the whole balance.
	Next *portal.Instalment
	// Agreements are the signed agreements of the plan, for the debtor to
	// download at any time.
	Agreements []string
	// Rest is what is left on the instalments still to pay (not a debit
	// the bank is settling), RestCount how many: with two or more the
	// debtor is offered to settle the rest at once.
	Rest      int64
	RestCount int
	// Ways are the ways to pay the debtor may switch the rest of the plan
	// to (portal_plan_manage.go).
	Ways []string
}

// PayInvoice reports whether the claim page offers "Pay this invoice" by
// card for an invoice line: card payment is on and something is due on it
// today.
func (p *payView) PayInvoice(l rules.InvoiceLine) bool {
	return p != nil && p.Card && l.Total > 0
}

// Movable reports whether the debtor may move the due date of in, and
// MoveMin and MoveMax bound the new date.
func (p *payView) Movable(in *portal.Instalment) bool {
	return p != nil && p.Moves != nil && in.Status == portal.InstalmentDue && in.Amount > in.Paid
}

func (p *payView) MoveMin(in *portal.Instalment) portal.Date { return in.DueOn.AddDays(1) }
func (p *payView) MoveMax(in *portal.Instalment) portal.Date {
	return in.DueOn.AddDays(p.Moves.MaxDays)
}

// Open reports whether an instalment can still be paid.
func (p *payView) Open(in *portal.Instalment) bool {
	return in.Status == portal.InstalmentDue || in.Status == portal.InstalmentFailed || in.Status == portal.InstalmentMissed
}

// payViewFor gathers the pay section, the transfer asking for due (the
// balance the page computed); a part that is unavailable is left out,
// never an error of the whole page.
func (s *Server) payViewFor(c *fiber.Ctx, ps *portal.PortalSession, cl *portal.Claim, due int64) (*payView, error) {
	v := &payView{}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if s.deps.Payments != nil && s.deps.Payments.CardEnabled() {
		v.Card = true
		v.Bancontact = cl.Jurisdiction == portal.JurisdictionBE && cl.Currency == "EUR"
	}
	if s.deps.Transfers != nil {
		d, err := s.deps.Transfers.TransferDetailsDue(ctx, cl, due)
		switch {
		case err == nil:
			v.Transfer = d
		case portal.ErrorCode(err) == portal.EUNAVAILABLE:
		default:
			// The rest of the claim page is still worth showing.
			s.log.Warn("pay section: transfer details", "err", err, "claim", ps.ClaimID)
		}
	}
	if s.deps.Instalments != nil {
		ins, err := s.deps.Instalments.ListClaimInstalments(ctx, cl)
		if err != nil {
			return nil, err
		}
		v.Instalments = ins
		seen := map[string]bool{}
		for _, in := range ins {
			if in.Method == "card" && v.Open(in) {
				v.CardPlan = v.Card
			}
			if in.Method == portal.MethodSEPADebit && (v.Open(in) || in.Status == portal.InstalmentProcessing) {
				v.SEPAPlan = v.Card
			}
			if v.Open(in) && in.Amount > in.Paid && (v.Next == nil || in.DueOn.Before(v.Next.DueOn)) {
				v.Next = in
			}
			if v.Open(in) && in.Amount > in.Paid {
				v.Rest += in.Amount - in.Paid
				v.RestCount++
			}
			if in.AgreementID != "" && !seen[in.AgreementID] {
				seen[in.AgreementID] = true
				v.Agreements = append(v.Agreements, in.AgreementID)
			}
		}
		if mover, ok := s.deps.Instalments.(portal.InstalmentMover); ok && v.Next != nil {
			m, err := mover.DateMoves(ctx, ps.TenantID, ps.ClaimID)
			if err != nil {
				return nil, err
			}
			if m.Left > 0 {
				v.Moves = &m
			}
		}
		if v.SEPAPlan && s.deps.Mandates != nil {
			ms, err := s.deps.Mandates.ClaimMandates(ctx, ps.TenantID, ps.ClaimID)
			if err != nil {
				return nil, err
			}
			for _, m := range ms {
				if m.Status == portal.MandateActive {
					v.Mandate = m
					break
				}
			}
		}
		if v.Transfer != nil && v.Next != nil {
			t := *v.Transfer
			t.Amount = min(v.Next.Amount-v.Next.Paid, v.Transfer.Amount)
			t.QR = t.QR && t.Amount > 0
			v.Transfer = &t
		}
	}
	return v, nil
}

// paySuccessURL is where Stripe sends the debtor back; Stripe fills in
// the session id.
func (s *Server) paySuccessURL() string {
	return s.cfg.BaseURL + "/p/pay/return?session_id={CHECKOUT_SESSION_ID}"
}

// handlePortalPayCard starts a card payment of the balance (or of one
// instalment, or of what is due on one invoice) and sends the debtor to
// Stripe's hosted page. The amount is computed by the service; the form
// only names what to pay.
func (s *Server) handlePortalPayCard(c *fiber.Ctx) error {
	ps, err := s.debtorSession(c)
	if err != nil {
		return err
	}
	if err := s.checkCSRF(c); err != nil {
		return err
	}
	if s.deps.Payments == nil || !s.deps.Payments.CardEnabled() {
		return cardUnavailable(portal.Errorf(portal.EUNAVAILABLE, "Card payment is not available; please pay by bank transfer."))
	}
	instalment := strings.Clone(c.FormValue("instalment"))
	if instalment != "" && !portal.ValidID(instalment) {
		return portal.Errorf(portal.ENOTFOUND, "Instalment not found.")
	}
	// The invoice the debtor chose to pay (Code civil 1342-10): the service
	// checks it is one of the claim's and prices what is due on it today.
	invoice := strings.Clone(c.FormValue("invoice"))
	if invoice != "" && !portal.ValidID(invoice) {
		return portal.Errorf(portal.ENOTFOUND, "Invoice not found.")
	}
	// rest=1 settles the rest of the plan at once (the service prices it).
	rest := c.FormValue("rest") == "1"
	if invoice != "" && instalment != "" || rest && (invoice != "" || instalment != "") {
		return portal.Errorf(portal.EINVALID, "Pay either an instalment or an invoice, not both at once.")
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	u, err := s.deps.Payments.StartCheckout(ctx, portal.CheckoutStart{TenantID: ps.TenantID, ClaimID: ps.ClaimID, InstalmentID: instalment,
		InvoiceID: invoice, Rest: rest, SuccessURL: s.paySuccessURL(), CancelURL: s.cfg.BaseURL + "/p#pay"})
	if err != nil {
		return cardUnavailable(err)
	}
	return c.Redirect(u, fiber.StatusSeeOther)
}

// handlePortalPaySetup sends the debtor to Stripe to save a card for the
// instalments of their plan, or to give the SEPA Direct Debit mandate they
// are debited under (form field via: sepa_debit, or bancontact for a
// Belgian claim).
func (s *Server) handlePortalPaySetup(c *fiber.Ctx) error {
	ps, err := s.debtorSession(c)
	if err != nil {
		return err
	}
	if err := s.checkCSRF(c); err != nil {
		return err
	}
	if s.deps.Payments == nil || !s.deps.Payments.CardEnabled() {
		return cardUnavailable(portal.Errorf(portal.EUNAVAILABLE, "Card payment is not available; please pay by bank transfer."))
	}
	// "" saves a card; sepa_debit or bancontact gives a SEPA mandate (the
	// service checks the claim allows it).
	via := strings.Clone(c.FormValue("via"))
	switch via {
	case "", portal.MandateViaSEPADebit, portal.MandateViaBancontact:
	default:
		return portal.FieldError("via", "Unknown way to pay the plan.")
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	u, err := s.deps.Payments.StartSetup(ctx, portal.CheckoutStart{TenantID: ps.TenantID, ClaimID: ps.ClaimID, Via: via,
		SuccessURL: s.paySuccessURL(), CancelURL: s.cfg.BaseURL + "/p#pay"})
	if err != nil {
		return cardUnavailable(err)
	}
	return c.Redirect(u, fiber.StatusSeeOther)
}

// handlePortalPlanMove moves one due date of the debtor's plan later,
// within the creditor's policy (how many moves per plan, how many days);
// the move is evidence and reaches the creditor (CPCE R124-5).
func (s *Server) handlePortalPlanMove(c *fiber.Ctx) error {
	ps, err := s.debtorSession(c)
	if err != nil {
		return err
	}
	if err := s.checkCSRF(c); err != nil {
		return err
	}
	mover, ok := s.deps.Instalments.(portal.InstalmentMover)
	if !ok {
		return portal.Errorf(portal.ENOTFOUND, "Instalment not found.")
	}
	instalment := strings.Clone(c.FormValue("instalment"))
	if !portal.ValidID(instalment) {
		return moveError(portal.FieldError("instalment", "Choose the instalment to move."))
	}
	to, err := portal.ParseDate(strings.Clone(c.FormValue("date")))
	if err != nil {
		return moveError(portal.FieldError("date", "Give the new date as YYYY-MM-DD."))
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if _, err := mover.MoveInstalment(ctx, ps.TenantID, ps.ClaimID, instalment, to); err != nil {
		return moveError(err)
	}
	return c.Redirect("/p#plan-h", fiber.StatusSeeOther)
}

// moveError marks a refused move so that the debtor's error page says what
// the policy allows and leads back to the plan.
func moveError(err error) error {
	if c := portal.ErrorCode(err); c != portal.EINVALID && c != portal.ECONFLICT {
		return err
	}
	return &portal.Error{Code: portal.ErrorCode(err), Field: moveField, Message: portal.ErrorMessage(err), Err: err}
}

// moveField marks the errors of moving a due date for the portal's error page.
const moveField = "move"

// cardUnavailable marks an outage of the card provider (or card payment
// switched off) so that the debtor's error page says nothing was charged
// and points back to the bank transfer details.
func cardUnavailable(err error) error {
	if portal.ErrorCode(err) != portal.EUNAVAILABLE {
		return err
	}
	return &portal.Error{Code: portal.EUNAVAILABLE, Field: cardField, Message: portal.ErrorMessage(err), Err: err}
}

// cardField marks card payment errors for the portal's error page.
const cardField = "card"

// payReturnView is the page Stripe sends the debtor back to.
type payReturnView struct {
	// Confirmed is set once the signed webhook recorded the payment; until
	// then the page says the payment is being confirmed.
	Confirmed bool
	Setup     bool
	// Mandate is set for a set-up that gives a SEPA mandate (the plan is
	// paid by direct debit).
	Mandate bool
	Amount  int64
}

// validSessionID accepts Stripe's Checkout session ids (cs_test_..., cs_live_...).
func validSessionID(id string) bool {
	if !strings.HasPrefix(id, "cs_") || len(id) > 255 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// handlePortalPayReturn says "payment being confirmed" until the webhook
// has recorded it: the redirect itself changes nothing.
func (s *Server) handlePortalPayReturn(c *fiber.Ctx) error {
	ps, err := s.debtorSession(c)
	if err != nil {
		return err
	}
	id := strings.Clone(c.Query("session_id"))
	if !validSessionID(id) || s.deps.Payments == nil {
		return portal.Errorf(portal.ENOTFOUND, "Payment not found.")
	}
	cl, err := s.portalClaim(c, ps)
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	cs, err := s.deps.Payments.CheckoutState(ctx, ps.TenantID, ps.ClaimID, id)
	if err != nil {
		return err
	}
	v := s.newView(c, s.portalLang(c, ""), "/p/pay/return?session_id="+id, cl.Creditor)
	v.Currency = cl.Currency
	page := &payReturnView{Confirmed: cs.Status == portal.CheckoutCompleted, Setup: cs.Mode == "setup", Amount: cs.Amount}
	if page.Setup && s.deps.Instalments != nil {
		if ins, err := s.deps.Instalments.ListInstalments(ctx, ps.TenantID, ps.ClaimID); err == nil {
			for _, in := range ins {
				page.Mandate = page.Mandate || in.Method == portal.MethodSEPADebit
			}
		}
	}
	v.Page = page
	return s.render(c, fiber.StatusOK, "payreturn", v)
}

// handlePortalPayQR serves the EPC ("SEPA QR") code of the transfer as a
// PNG, for banking apps to scan.
func (s *Server) handlePortalPayQR(c *fiber.Ctx) error {
	ps, err := s.debtorSession(c)
	if err != nil {
		return err
	}
	if s.deps.Transfers == nil {
		return portal.Errorf(portal.ENOTFOUND, "No QR code.")
	}
	cl, err := s.portalClaim(c, ps)
	if err != nil {
		return err
	}
	// The QR code asks for what the page's transfer block shows: a plan's
	// next instalment, or else the balance.
	bal, err := s.deps.Rates.Compute(cl, s.today())
	if err != nil {
		return err
	}
	pv, err := s.payViewFor(c, ps, cl, bal.Total)
	if err != nil {
		return err
	}
	var png []byte
	if pv.Transfer != nil && cl.Creditor != nil {
		png, err = banking.TransferQRCode(pv.Transfer, cl.Creditor.IBAN, 300)
	} else {
		// Unavailable details: the service says why.
		ctx, cancel := s.userContext(c)
		defer cancel()
		png, err = s.deps.Transfers.TransferQR(ctx, cl, 300)
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/png")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(png)
}
