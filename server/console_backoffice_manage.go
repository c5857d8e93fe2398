package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/court"
	"github.com/relais/relais/portal/escalation"
	"github.com/relais/relais/portal/i18n"
)

// The back-office page of one claim (issue 18): the debtor's contact
// data, payments and their reversal, credit notes, portal links and a
// letter carrying one, stage, status and procedure dates. Every form calls
// the service the API calls, with the signed-in user as the actor of its
// evidence event; a refusal shows the page again with the form as typed
// and the problem beside its field, or the rule's refusal in words.

// manageSections are the page's forms; a form's fields are named
// "<section>.<field>" so that a refusal lands beside its field.
const (
	secContact = "contact"
	secPayment = "payment"
	secReverse = "reverse"
	secCredit  = "credit"
	secLink    = "link"
	secLetter  = "letter"
	secSent    = "sent"
	secStage   = "stage"
	secStatus  = "status"
	secDates   = "dates"
	secSeq     = "sequence"
)

// manageView is what the claim's back-office page shows besides the claim.
type manageView struct {
	Form *boForm
	// Problems holds a refused form's problem by section: a rule's refusal
	// in words, or "see the fields below".
	Problems map[string]string
	// Done names the change just made ("payment", "stage"…), for the
	// confirmation line.
	Done string
	// IssuedURL is a link just issued: shown this once, never stored.
	IssuedURL string
	// Letter is a letter just made, to download and print.
	Letter *portal.Letter
}

func newManageView() *manageView {
	return &manageView{Form: newBOForm(), Problems: map[string]string{}}
}

// manageDoneKinds are the confirmations the page shows after a redirect
// (?done=…; messages "console.bo.done.<kind>").
var manageDoneKinds = map[string]bool{"created": true, "contact": true, "payment": true, "reverse": true, "credit": true,
	"revoke": true, "sent": true, "stage": true, "status": true, "dates": true, "court": true, "sequence": true}

// consoleClaimOf loads the path's claim of the user's tenant: another
// tenant's is ENOTFOUND, as in the API.
func (s *Server) consoleClaimOf(c *fiber.Ctx) (*portal.Claim, error) {
	ctx, cancel := s.userContext(c)
	defer cancel()
	return s.deps.Claims.FindClaim(ctx, consoleUserOf(c).TenantID, c.Params("id"))
}

// reversible reports whether the console offers to reverse p: a payment
// recorded by hand, not a reversal, not reversed yet (the store decides;
// a card payment is refused in words).
func reversible(p *portal.Payment, all []*portal.Payment) bool {
	if p.Amount <= 0 || p.Reverses != "" {
		return false
	}
	for _, q := range all {
		if q.Reverses == p.ID {
			return false
		}
	}
	return true
}

func (s *Server) renderManage(c *fiber.Ctx, status int, v *manageView) error {
	u, t := consoleUserOf(c), s.consoleT(c)
	ctx, cancel := s.userContext(c)
	defer cancel()
	claim, err := s.deps.Claims.FindClaim(ctx, u.TenantID, c.Params("id"))
	if err != nil {
		return err
	}
	d := claim.Debtor
	// The contact form starts from the stored data; a refused one keeps
	// what was typed.
	for k, val := range map[string]string{"email": d.Email, "phone": d.Phone, "address": d.Address, "country": d.Country, "language": d.Language} {
		if _, typed := v.Form.V[secContact+"."+k]; !typed {
			v.Form.V[secContact+"."+k] = val
		}
	}
	today := s.claimsToday(ctx, u.TenantID).String()
	for _, f := range []string{secPayment + ".received_on", secCredit + ".issue_date"} {
		if v.Form.V[f] == "" {
			v.Form.V[f] = today
		}
	}
	data := map[string]any{"Title": t.Text("console.bo.manage.title", "Reference", claim.Reference), "Claim": claim, "V": v, "Form": v.Form,
		"CanWrite": u.Role.AtLeast(portal.RoleAgent), "Stages": consoleStages, "Statuses": consoleStatuses,
		"Today": today, "Allowed": escalation.AllowedStages(claim.Stage),
		"Procedures": escalation.Procedures(claim.Jurisdiction, d.Kind, true)}
	var reversibleIDs = map[string]bool{}
	for _, p := range claim.Payments {
		reversibleIDs[p.ID] = reversible(p, claim.Payments)
	}
	data["Reversible"] = reversibleIDs
	if data["Promises"], err = s.claimPromises(c, u.TenantID, claim.ID); err != nil {
		return err
	}
	data["PromiseGraceDays"] = portal.PromiseGraceDays
	if s.deps.Links != nil {
		links, err := s.deps.Links.FindLinks(ctx, u.TenantID, claim.ID)
		if err != nil {
			return err
		}
		data["Links"], data["Now"] = links, s.deps.Clock.Now()
	}
	if s.deps.Reminders != nil && u.Role.AtLeast(portal.RoleAgent) {
		seqs, err := s.deps.Reminders.FindSequences(ctx, u.TenantID)
		if err != nil {
			return err
		}
		var open []*portal.ReminderSequence
		for _, sq := range seqs {
			if sq.CreditorID == "" || sq.CreditorID == claim.CreditorID {
				open = append(open, sq)
			}
		}
		data["Sequences"] = open
	}
	if s.deps.Letters != nil {
		letters, err := s.deps.Letters.FindLetters(ctx, u.TenantID, claim.ID)
		if err != nil {
			return err
		}
		data["Letters"] = letters
	}
	if err := s.courtView(ctx, t, u.TenantID, claim, data); err != nil {
		return err
	}
	return s.renderConsole(c.Status(status), "claim_manage", data)
}

// handleConsoleClaimManage is GET /console/claims/:id/manage: any user of
// the tenant reads it; agents and owners get its forms.
func (s *Server) handleConsoleClaimManage(c *fiber.Ctx) error {
	v := newManageView()
	if done := c.Query("done"); manageDoneKinds[done] {
		v.Done = done
	}
	return s.renderManage(c, fiber.StatusOK, v)
}

// refuse shows the page again with section's form as typed and err in
// words: beside its field when it names one of the form's, else above
// the form (a rule's refusal, as the service words it).
func (s *Server) refuse(c *fiber.Ctx, v *manageView, section string, err error, fields ...string) error {
	switch portal.ErrorCode(err) {
	case portal.EINVALID, portal.ECONFLICT, portal.EGONE:
	default:
		return err
	}
	t := s.consoleT(c)
	field := portal.ErrorField(err)
	for _, f := range fields {
		if f == field {
			v.Form.Errs[section+"."+field] = ruleText(t, section+"_"+field)
			if v.Form.Errs[section+"."+field] == "" {
				v.Form.Errs[section+"."+field] = fieldProblem(t, err)
			}
			v.Problems[section] = t.Text("console.bo.problem.fields")
			return s.renderManage(c, statusFor(err), v)
		}
	}
	reason := ""
	if court.ReasonOf(err) != nil {
		reason = courtReason(t, err) // a court document's refusal, in words
	} else if field != "" {
		if reason = ruleText(t, section+"_"+field); reason == "" {
			reason = ruleText(t, field)
		}
	}
	if reason == "" {
		reason = portal.ErrorMessage(err)
	}
	v.Problems[section] = t.Text("console.bo.problem.refused", "Reason", reason)
	return s.renderManage(c, statusFor(err), v)
}

// readSection keeps the typed values of a section's fields.
func readSection(c *fiber.Ctx, v *manageView, section string, fields ...string) map[string]string {
	out := map[string]string{}
	for _, f := range fields {
		name := section + "." + f
		v.Form.read(c, name)
		out[f] = v.Form.V[name]
	}
	return out
}

func (s *Server) doneRedirect(c *fiber.Ctx, kind string) error {
	return c.Redirect("/console/claims/"+c.Params("id")+"/manage?done="+kind+"#"+kind, fiber.StatusSeeOther)
}

// handleConsoleDebtorContact is POST /console/claims/:id/debtor: the
// debtor's e-mail, phone, address, country and language, checked as a new
// debtor's (debtor.contact_changed with the user).
func (s *Server) handleConsoleDebtorContact(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleAgent); err != nil {
		return err
	}
	cc, err := s.claimChanges()
	if err != nil {
		return err
	}
	v := newManageView()
	in := readSection(c, v, secContact, "email", "phone", "address", "country", "language")
	ctx, cancel := s.userContext(c)
	defer cancel()
	_, err = cc.UpdateDebtorContact(ctx, consoleUserOf(c).TenantID, c.Params("id"),
		portal.DebtorContact{Email: in["email"], Phone: in["phone"], Address: in["address"], Country: in["country"], Language: in["language"]})
	if err != nil {
		// The debtor's rules name "debtor.email"…: the form's fields are "contact.email"….
		if f := portal.ErrorField(err); strings.HasPrefix(f, "debtor.") && portal.ErrorCode(err) == portal.EINVALID {
			err = &portal.Error{Code: portal.EINVALID, Field: strings.TrimPrefix(f, "debtor."), Message: portal.ErrorMessage(err)}
			v.Form.Errs[secContact+"."+portal.ErrorField(err)] = ruleText(s.consoleT(c), f)
			if v.Form.Errs[secContact+"."+portal.ErrorField(err)] == "" {
				v.Form.Errs[secContact+"."+portal.ErrorField(err)] = portal.ErrorMessage(err)
			}
			v.Problems[secContact] = s.consoleT(c).Text("console.bo.problem.fields")
			return s.renderManage(c, fiber.StatusBadRequest, v)
		}
		return s.refuse(c, v, secContact, err)
	}
	return s.doneRedirect(c, "contact")
}

// handleConsolePayment is POST /console/claims/:id/payments: a payment
// read like the API's (paymentInput), the amount a decimal in the claim's
// currency, recorded by AddPayment (payment.recorded with the user; the
// claim is settled when nothing is left to pay).
func (s *Server) handleConsolePayment(c *fiber.Ctx) error {
	claim, err := s.agentClaim(c, true, "")
	if err != nil {
		return err
	}
	v := newManageView()
	in := readSection(c, v, secPayment, "amount", "received_on", "method", "reference", "invoice_id")
	fields := []string{"amount", "received_on", "method", "reference", "invoice_id", "currency"}
	amount, err := portal.ParseAmount(in["amount"], claim.Currency.Exponent())
	if err != nil || amount <= 0 {
		return s.refuse(c, v, secPayment, portal.FieldError("amount", "amount must be a positive amount"), fields...)
	}
	p, err := (&paymentInput{Amount: amount, ReceivedOn: in["received_on"], Method: in["method"], Reference: in["reference"], InvoiceID: in["invoice_id"]}).toPayment(claim.ID)
	if err != nil {
		return s.refuse(c, v, secPayment, err, fields...)
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if err := s.deps.Claims.AddPayment(ctx, consoleUserOf(c).TenantID, p); err != nil {
		return s.refuse(c, v, secPayment, err, fields...)
	}
	return s.doneRedirect(c, "payment")
}

// handleConsolePaymentReverse is POST
// /console/claims/:id/payments/:payment_id/reverse: a payment recorded by
// mistake reversed with the reason (ReversePayment, as the API does).
func (s *Server) handleConsolePaymentReverse(c *fiber.Ctx) error {
	claim, err := s.agentClaim(c, true, "")
	if err != nil {
		return err
	}
	v := newManageView()
	in := readSection(c, v, secReverse, "reason")
	ctx, cancel := s.userContext(c)
	defer cancel()
	if _, err := s.deps.Claims.ReversePayment(ctx, consoleUserOf(c).TenantID, claim.ID, strings.Clone(c.Params("payment_id")), in["reason"]); err != nil {
		if portal.ErrorCode(err) == portal.ENOTFOUND {
			return err
		}
		return s.refuse(c, v, secReverse, err) // the reason is in each payment's row: said above the table
	}
	return s.doneRedirect(c, "reverse")
}

// handleConsoleCreditNote is POST /console/claims/:id/credit-notes: a
// credit note on an invoice or the claim (AddCreditNote,
// credit_note.recorded with the user).
func (s *Server) handleConsoleCreditNote(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleAgent); err != nil {
		return err
	}
	cc, err := s.claimChanges()
	if err != nil {
		return err
	}
	claim, err := s.consoleClaimOf(c)
	if err != nil {
		return err
	}
	v := newManageView()
	in := readSection(c, v, secCredit, "number", "issue_date", "amount", "invoice_id")
	fields := []string{"number", "issue_date", "amount", "invoice_id"}
	amount, err := portal.ParseAmount(in["amount"], claim.Currency.Exponent())
	if err != nil || amount <= 0 {
		return s.refuse(c, v, secCredit, portal.FieldError("amount", "amount must be a positive amount"), fields...)
	}
	cn, err := (&creditNoteInput{Number: in["number"], IssueDate: in["issue_date"], Amount: amount, InvoiceID: in["invoice_id"]}).toCreditNote(claim.ID)
	if err != nil {
		return s.refuse(c, v, secCredit, err, fields...)
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if err := cc.AddCreditNote(ctx, consoleUserOf(c).TenantID, cn); err != nil {
		return s.refuse(c, v, secCredit, err, fields...)
	}
	return s.doneRedirect(c, "credit")
}

// handleConsoleLinkIssue is POST /console/claims/:id/links: a new portal
// link (IssueLink, link.issued with the user), its address shown on this
// answer only: it is not stored, and the page is not cached.
func (s *Server) handleConsoleLinkIssue(c *fiber.Ctx) error {
	claim, err := s.agentClaim(c, s.deps.Links != nil, "Portal links are not available on this instance.")
	if err != nil {
		return err
	}
	v := newManageView()
	in := readSection(c, v, secLink, "channel")
	ch := portal.LinkChannel(in["channel"])
	if !ch.Valid() {
		return s.refuse(c, v, secLink, portal.FieldError("channel", "channel must be letter, sms or email"), "channel")
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	_, token, err := s.deps.Links.IssueLink(ctx, consoleUserOf(c).TenantID, claim.ID, ch, s.cfg.LinkTTL)
	if err != nil {
		return s.refuse(c, v, secLink, err, "channel")
	}
	v.IssuedURL, v.Done = PortalURL(s.cfg.BaseURL, token), "link"
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.renderManage(c, fiber.StatusCreated, v)
}

// handleConsoleLinkRevoke is POST /console/claims/:id/links/:link_id/revoke.
func (s *Server) handleConsoleLinkRevoke(c *fiber.Ctx) error {
	claim, err := s.agentClaim(c, s.deps.Links != nil, "Portal links are not available on this instance.")
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if err := s.deps.Links.RevokeLink(ctx, consoleUserOf(c).TenantID, claim.ID, strings.Clone(c.Params("link_id"))); err != nil {
		if portal.ErrorCode(err) == portal.ENOTFOUND {
			return err
		}
		return s.refuse(c, newManageView(), secLink, err)
	}
	return s.doneRedirect(c, "revoke")
}

// handleConsoleLetter is POST /console/claims/:id/letters: a reminder or
// formal notice rendered with a fresh letter link printed on it
// (CreateLetter, letter.generated with the user), to download and post.
func (s *Server) handleConsoleLetter(c *fiber.Ctx) error {
	claim, err := s.agentClaim(c, s.deps.Letters != nil, "Letters are not available on this instance.")
	if err != nil {
		return err
	}
	v := newManageView()
	in := readSection(c, v, secLetter, "kind")
	req := portal.LetterRequest{Kind: portal.LetterKind(in["kind"])}
	if err := req.Validate(); err != nil {
		return s.refuse(c, v, secLetter, err, "kind")
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	l, err := s.deps.Letters.CreateLetter(ctx, consoleUserOf(c).TenantID, claim.ID, req)
	if err != nil {
		return s.refuse(c, v, secLetter, err, "kind")
	}
	l.PortalURL = "" // printed in the PDF; the page need not show it
	v.Letter, v.Done = l, "letter"
	return s.renderManage(c, fiber.StatusCreated, v)
}

// handleConsoleLetterSent is POST
// /console/claims/:id/letters/:letter_id/sent: the letter was posted (or
// e-mailed) on a day, as the API records it (MarkLetterSent, letter.sent
// with the user; a formal notice moves the claim to that stage).
func (s *Server) handleConsoleLetterSent(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleAgent); err != nil {
		return err
	}
	if s.deps.Letters == nil {
		return portal.Errorf(portal.ENOTFOUND, "Letter not found.")
	}
	claim, err := s.consoleClaimOf(c)
	if err != nil {
		return err
	}
	v := newManageView()
	in := readSection(c, v, secSent, "channel", "registered_number", "sent_on")
	on, err := parseDateField("sent_on", in["sent_on"])
	if err != nil {
		return s.refuse(c, v, secSent, err)
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	_, err = s.deps.Letters.MarkLetterSent(ctx, consoleUserOf(c).TenantID, claim.ID, strings.Clone(c.Params("letter_id")),
		portal.LetterSending{Channel: portal.SendChannel(in["channel"]), RegisteredNumber: in["registered_number"], SentOn: on})
	if err != nil {
		if portal.ErrorCode(err) == portal.ENOTFOUND {
			return err
		}
		return s.refuse(c, v, secSent, err) // each letter has its form: said above the list
	}
	return s.doneRedirect(c, "sent")
}

// handleConsoleLetterPDF is GET /console/claims/:id/letters/:letter_id.pdf:
// the copy to print (with the working link) until the letter is recorded
// as sent, then the record copy, as the API serves it.
func (s *Server) handleConsoleLetterPDF(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleAgent); err != nil {
		return err
	}
	if s.deps.Letters == nil {
		return portal.Errorf(portal.ENOTFOUND, "Letter not found.")
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	l, err := s.deps.Letters.FindLetter(ctx, consoleUserOf(c).TenantID, c.Params("id"), c.Params("letter_id"))
	if err != nil {
		return err
	}
	attachment(c, "application/pdf", l.Filename())
	c.Set("X-Content-SHA256", portal.SHA256Hex(l.PDF))
	return c.Send(l.PDF)
}

// stagesText names stages in words, "none" for no stage.
func stagesText(t *i18n.T, st []portal.Stage) string {
	names := []string{}
	for _, x := range st {
		names = append(names, claimStageText(t, x))
	}
	if len(names) == 0 {
		return t.Text("console.bo.stage.nowhere")
	}
	return strings.Join(names, ", ")
}

// stageRefusal words a refused stage move: the rule's own sentence, and
// in the user's language where the claim may go from its stage.
func stageRefusal(t *i18n.T, claim *portal.Claim, err error) string {
	return t.Text("console.bo.problem.refused", "Reason", portal.ErrorMessage(err)) + " " +
		t.Text("console.bo.stage.allowed", "Stage", claimStageText(t, claim.Stage), "Stages", stagesText(t, escalation.AllowedStages(claim.Stage)))
}

// statusRefusal words a refused status change: the rule's own sentence,
// and in the user's language which statuses the claim may take.
func statusRefusal(t *i18n.T, claim *portal.Claim, err error) string {
	names := []string{}
	for _, st := range escalation.AllowedStatuses(claim.Status) {
		names = append(names, claimStatusText(t, st))
	}
	allowed := t.Text("console.bo.status.nowhere")
	if len(names) > 0 {
		allowed = strings.Join(names, ", ")
	}
	return t.Text("console.bo.problem.refused", "Reason", portal.ErrorMessage(err)) + " " +
		t.Text("console.bo.status.allowed", "Status", claimStatusText(t, claim.Status), "Statuses", allowed)
}

// handleConsoleStage is POST /console/claims/:id/stage: the API's
// stageInput, moved by ChangeStage under the escalation rules.
func (s *Server) handleConsoleStage(c *fiber.Ctx) error {
	claim, err := s.agentClaim(c, s.deps.Escalation != nil, "Escalation is not available on this instance.")
	if err != nil {
		return err
	}
	v := newManageView()
	in := readSection(c, v, secStage, "to", "procedure", "reason", "formal_notice_on", "order_on", "served_on", "judgment_on")
	fields := []string{"reason", "formal_notice_on", "order_on", "served_on", "judgment_on"}
	ch, err := (&stageInput{To: in["to"], Procedure: in["procedure"], Reason: in["reason"], FormalNoticeOn: in["formal_notice_on"],
		OrderOn: in["order_on"], ServedOn: in["served_on"], JudgmentOn: in["judgment_on"]}).toChange()
	if err != nil {
		return s.refuse(c, v, secStage, err, append(fields, "to")...)
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if _, err := s.deps.Escalation.ChangeStage(ctx, consoleUserOf(c).TenantID, claim.ID, ch); err != nil {
		if f := portal.ErrorField(err); portal.ErrorCode(err) == portal.EINVALID && (f == "reason" || strings.HasSuffix(f, "_on")) {
			return s.refuse(c, v, secStage, err, fields...)
		}
		if code := portal.ErrorCode(err); code != portal.EINVALID && code != portal.ECONFLICT {
			return err
		}
		v.Problems[secStage] = stageRefusal(s.consoleT(c), claim, err)
		return s.renderManage(c, statusFor(err), v)
	}
	return s.doneRedirect(c, "stage")
}

// handleConsoleStatus is POST /console/claims/:id/status: ChangeStatus
// under the status rules.
func (s *Server) handleConsoleStatus(c *fiber.Ctx) error {
	claim, err := s.agentClaim(c, s.deps.Escalation != nil, "Escalation is not available on this instance.")
	if err != nil {
		return err
	}
	v := newManageView()
	in := readSection(c, v, secStatus, "to", "reason")
	if in["to"] == "" {
		return s.refuse(c, v, secStatus, portal.FieldError("to", "to is required: the status to give the claim"), "to")
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if _, err := s.deps.Escalation.ChangeStatus(ctx, consoleUserOf(c).TenantID, claim.ID,
		portal.StatusChange{To: portal.Status(in["to"]), Reason: in["reason"]}); err != nil {
		if f := portal.ErrorField(err); f == "reason" || !(portal.ErrorCode(err) == portal.EINVALID || portal.ErrorCode(err) == portal.ECONFLICT) {
			return s.refuse(c, v, secStatus, err, "reason")
		}
		v.Problems[secStatus] = statusRefusal(s.consoleT(c), claim, err)
		return s.renderManage(c, statusFor(err), v)
	}
	return s.doneRedirect(c, "status")
}

// handleConsoleDates is POST /console/claims/:id/dates: the API's
// datesInput recorded by RecordDates (dates.recorded with the user).
func (s *Server) handleConsoleDates(c *fiber.Ctx) error {
	claim, err := s.agentClaim(c, s.deps.Escalation != nil, "Escalation is not available on this instance.")
	if err != nil {
		return err
	}
	v := newManageView()
	fields := []string{"order_on", "served_on", "judgment_on", "enforceable_on", "last_acknowledgement_on", "proceedings_ended_on",
		"first_reminder_on", "first_reminder_channel", "reason"}
	in := readSection(c, v, secDates, fields...)
	ch, err := (&datesInput{OrderOn: in["order_on"], ServedOn: in["served_on"], JudgmentOn: in["judgment_on"], EnforceableOn: in["enforceable_on"],
		LastAcknowledgementOn: in["last_acknowledgement_on"], ProceedingsEndedOn: in["proceedings_ended_on"],
		FirstReminderOn: in["first_reminder_on"], FirstReminderChannel: in["first_reminder_channel"], Reason: in["reason"]}).toChange()
	if err != nil {
		return s.refuse(c, v, secDates, err, fields...)
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if _, err := s.deps.Escalation.RecordDates(ctx, consoleUserOf(c).TenantID, claim.ID, ch); err != nil {
		return s.refuse(c, v, secDates, err, fields...)
	}
	return s.doneRedirect(c, "dates")
}

// handleConsoleClaimSequence is POST /console/claims/:id/sequence: the
// reminder sequence the claim follows from now on, as PUT
// /api/v1/claims/{id}/sequence (sequence.chosen in the account log, with
// the user).
func (s *Server) handleConsoleClaimSequence(c *fiber.Ctx) error {
	claim, err := s.agentClaim(c, s.deps.Reminders != nil, "Reminders are not available on this server.")
	if err != nil {
		return err
	}
	v := newManageView()
	in := readSection(c, v, secSeq, "sequence_id")
	if in["sequence_id"] == "" {
		return s.refuse(c, v, secSeq, portal.FieldError("sequence_id", "sequence_id is required"), "sequence_id")
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if err := s.deps.Reminders.SetClaimSequence(ctx, consoleUserOf(c).TenantID, claim.ID, in["sequence_id"]); err != nil {
		return s.refuse(c, v, secSeq, err, "sequence_id")
	}
	return s.doneRedirect(c, "sequence")
}

// agentClaim is the start of a claim's back-office form: an agent or
// owner, the service the form needs wired (else EUNAVAILABLE with
// unavailable), and the tenant's claim of the path.
func (s *Server) agentClaim(c *fiber.Ctx, wired bool, unavailable string) (*portal.Claim, error) {
	if err := requireRole(c, portal.RoleAgent); err != nil {
		return nil, err
	}
	if !wired {
		return nil, portal.Errorf(portal.EUNAVAILABLE, "%s", unavailable)
	}
	return s.consoleClaimOf(c)
}
