package server

import (
	"context"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/rules"
)

// Prepared replies (issue 21): owners keep each creditor's canned answers
// per language on /console/replies; agents insert them in the composer
// with "/" and the short name, filled from the claim (conversationReplies).

func (s *Server) repliesReady() error {
	if s.deps.Replies == nil {
		return portal.Errorf(portal.EUNAVAILABLE, "Prepared replies are not available.")
	}
	return nil
}

// replyForm is what the reply form holds, kept when it is refused.
type replyForm struct {
	ID, CreditorID, Name, Language, Body string
}

// handleConsoleReplies lists the tenant's prepared replies with the form
// for a new one (owners only).
func (s *Server) handleConsoleReplies(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleOwner); err != nil {
		return err
	}
	return s.renderReplies(c, fiber.StatusOK, replyForm{Language: consoleLanguage(c)}, "")
}

// handleConsoleReplyEdit shows one reply in the form.
func (s *Server) handleConsoleReplyEdit(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleOwner); err != nil {
		return err
	}
	if err := s.repliesReady(); err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	r, err := s.deps.Replies.FindReply(ctx, consoleUserOf(c).TenantID, c.Params("reply_id"))
	cancel()
	if err != nil {
		return err
	}
	return s.renderReplies(c, fiber.StatusOK, replyForm{ID: r.ID, CreditorID: r.CreditorID, Name: r.Name, Language: r.Language, Body: r.Body}, "")
}

// handleConsoleReplySave creates a reply (POST /console/replies) or
// replaces one (POST /console/replies/:reply_id); a refused form comes back
// with what was typed and the reason.
func (s *Server) handleConsoleReplySave(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleOwner); err != nil {
		return err
	}
	if err := s.repliesReady(); err != nil {
		return err
	}
	u := consoleUserOf(c)
	form := replyForm{ID: c.Params("reply_id"), CreditorID: c.FormValue("creditor_id"), Name: c.FormValue("name"), Language: c.FormValue("language"), Body: c.FormValue("body")}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if form.ID != "" { // the reply must be the tenant's before anything else is said about the form
		if _, err := s.deps.Replies.FindReply(ctx, u.TenantID, form.ID); err != nil {
			return err
		}
	}
	r := &negotiation.PreparedReply{ID: form.ID, TenantID: u.TenantID, CreditorID: form.CreditorID, Name: form.Name, Language: form.Language, Body: form.Body, UpdatedBy: u.ID}
	if err := s.deps.Replies.SaveReply(ctx, r); err != nil {
		switch portal.ErrorCode(err) {
		case portal.EINVALID, portal.ECONFLICT:
			return s.renderReplies(c, fiber.StatusBadRequest, form, portal.ErrorMessage(err))
		case portal.ENOTFOUND:
			return s.renderReplies(c, fiber.StatusBadRequest, form, s.consoleT(c).Text("console.replies.nocreditor"))
		}
		return err
	}
	s.log.Info("prepared reply saved", "tenant_id", u.TenantID, "user_id", u.ID, "reply_id", r.ID, "name", r.Name, "language", r.Language)
	return c.Redirect("/console/replies#reply-"+r.ID, fiber.StatusSeeOther)
}

// handleConsoleReplyDelete deletes a reply.
func (s *Server) handleConsoleReplyDelete(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleOwner); err != nil {
		return err
	}
	if err := s.repliesReady(); err != nil {
		return err
	}
	u := consoleUserOf(c)
	ctx, cancel := s.userContext(c)
	defer cancel()
	if err := s.deps.Replies.DeleteReply(ctx, u.TenantID, c.Params("reply_id")); err != nil {
		return err
	}
	s.log.Info("prepared reply deleted", "tenant_id", u.TenantID, "user_id", u.ID, "reply_id", c.Params("reply_id"))
	return c.Redirect("/console/replies", fiber.StatusSeeOther)
}

// consoleReplyRow is a reply as the list shows it.
type consoleReplyRow struct {
	*negotiation.PreparedReply
	Creditor string
}

func (s *Server) renderReplies(c *fiber.Ctx, status int, form replyForm, problem string) error {
	return s.renderRepliesWith(c, status, form, problem, nil)
}

// renderRepliesWith renders the page with the assignment form assign as
// refused (nil: the stored settings).
func (s *Server) renderRepliesWith(c *fiber.Ctx, status int, form replyForm, problem string, assign *assignForm) error {
	if err := s.repliesReady(); err != nil {
		return err
	}
	u := consoleUserOf(c)
	ctx, cancel := s.userContext(c)
	defer cancel()
	creditors, err := s.deps.Tenants.FindCreditors(ctx, u.TenantID)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, cr := range creditors {
		names[cr.ID] = cr.LegalName
	}
	replies, err := s.deps.Replies.ListReplies(ctx, u.TenantID, "")
	if err != nil {
		return err
	}
	rows := make([]consoleReplyRow, len(replies))
	for i, r := range replies {
		rows[i] = consoleReplyRow{r, names[r.CreditorID]}
	}
	if form.CreditorID == "" && len(creditors) > 0 {
		form.CreditorID = creditors[0].ID
	}
	t := s.consoleT(c)
	data := map[string]any{"Title": t.Text("console.replies.title"), "Replies": rows,
		"Creditors": creditors, "Form": form, "Problem": problem, "Variables": negotiation.ReplyVariables, "Assigned": c.Query("assigned") != ""}
	if err := s.assignmentPage(ctx, u.TenantID, assign, data); err != nil {
		return err
	}
	return s.renderConsole(c.Status(status), "replies", data)
}

// filledReply is a prepared reply as the composer offers it: the text
// filled from the claim, or the variables the claim has no value for.
type filledReply struct {
	Name, Language, Text, Missing string
}

// conversationReplies fills the claim's creditor's replies for the
// composer, the debtor's language first. Values are written the way a
// reader of the reply's language writes them.
func (s *Server) conversationReplies(ctx context.Context, u *portal.User, claim *portal.Claim, balance *int64) []filledReply {
	if s.deps.Replies == nil || claim == nil {
		return nil
	}
	replies, err := s.deps.Replies.ListReplies(ctx, u.TenantID, claim.CreditorID)
	if err != nil {
		s.log.Warn("list prepared replies", "err", err, "tenant_id", u.TenantID)
		return nil
	}
	debtorLang := ""
	if claim.Debtor != nil {
		debtorLang = claim.Debtor.Language
	}
	due := s.nextDue(ctx, u.TenantID, claim)
	out := make([]filledReply, 0, len(replies))
	for _, r := range replies {
		values := replyValues(s.i18n.For(r.Language), s.cfg.BaseURL, u, claim, balance, due)
		f := filledReply{Name: r.Name, Language: r.Language}
		if text, err := negotiation.FillReply(r.Body, values); err != nil {
			var missing []string
			for _, v := range r.Variables() {
				if strings.TrimSpace(values[v]) == "" {
					missing = append(missing, "{"+v+"}")
				}
			}
			f.Missing = strings.Join(missing, ", ")
		} else {
			f.Text = text
		}
		out = append(out, f)
	}
	// The debtor's language first, the order of the list otherwise.
	sorted := make([]filledReply, 0, len(out))
	for _, pass := range []bool{true, false} {
		for _, f := range out {
			if (f.Language == debtorLang) == pass {
				sorted = append(sorted, f)
			}
		}
	}
	return sorted
}

// instalmentDue is the next instalment the debtor has to pay.
type instalmentDue struct {
	On     portal.Date
	Amount int64
}

// nextDue is the claim's next unpaid instalment of a signed agreement, or
// nil when there is none (no plan, or everything paid).
func (s *Server) nextDue(ctx context.Context, tenantID string, claim *portal.Claim) *instalmentDue {
	var best *instalmentDue
	consider := func(on portal.Date, amount int64) {
		if best == nil || on.Before(best.On) {
			best = &instalmentDue{On: on, Amount: amount}
		}
	}
	if s.deps.Instalments != nil {
		ins, err := s.deps.Instalments.ListInstalments(ctx, tenantID, claim.ID)
		if err != nil {
			return nil
		}
		for _, in := range ins {
			if in.Paid < in.Amount && in.Status != string(negotiation.InstalmentPaid) && in.Status != string(negotiation.InstalmentWaived) {
				consider(in.DueOn, in.Amount-in.Paid)
			}
		}
		return best
	}
	if s.deps.Conversations == nil {
		return nil
	}
	ins, err := s.deps.Conversations.PlanInstalments(ctx, tenantID, claim.ID)
	if err != nil {
		return nil
	}
	for _, in := range ins {
		if in.Status == negotiation.InstalmentDue || in.Status == negotiation.InstalmentFailed || in.Status == negotiation.InstalmentMissed {
			consider(in.DueOn, in.Amount)
		}
	}
	return best
}

// replyValues are the variables of a reply for a claim, in t's language;
// a value the claim does not have is left out (FillReply refuses it).
func replyValues(t *i18n.T, baseURL string, u *portal.User, claim *portal.Claim, balance *int64, due *instalmentDue) map[string]string {
	v := map[string]string{"reference": claim.Reference}
	if baseURL != "" {
		// The portal's entry page, never a link token (see ReplyVariables).
		v["portal_link"] = strings.TrimSuffix(baseURL, "/") + "/p/"
	}
	if claim.Debtor != nil {
		v["debtor_name"] = claim.Debtor.Name
	}
	if claim.Creditor != nil {
		v["creditor_name"] = claim.Creditor.LegalName
	}
	if balance != nil {
		v["balance"] = t.Money(*balance, claim.Currency)
	}
	if due != nil {
		v["next_due_date"], v["next_due_amount"] = t.Date(due.On), t.Money(due.Amount, claim.Currency)
	}
	if u != nil {
		v["agent_name"] = u.Name
	}
	return v
}

// composerReplies is conversationReplies for the conversation page's
// data (its claim and balance), for users who write.
func (s *Server) composerReplies(c *fiber.Ctx, data map[string]any) []filledReply {
	claim, _ := data["Claim"].(*portal.Claim)
	if data["CanWrite"] != true || claim == nil {
		return nil
	}
	var balance *int64
	if b, ok := data["Balance"].(*rules.Balance); ok && b != nil {
		balance = &b.Total
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	return s.conversationReplies(ctx, consoleUserOf(c), claim, balance)
}
