package server

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
)

// Disputes in the console: the queue lists the open ones, the claim page
// every one, and a dispute's page shows what the debtor wrote and sent,
// its history, and lets an agent or owner resolve it (the API's
// POST /api/v1/claims/{id}/disputes/{dispute_id}/resolve, from a form).

// openDispute is a line of the queue's open disputes.
type openDispute struct {
	Claim   *portal.Claim
	Dispute *portal.Dispute
}

// openDisputes lists the tenant's open disputes, oldest first: those of
// its disputed claims (an open dispute always leaves its claim disputed
// until it is resolved, unless the claim was closed meanwhile).
func (s *Server) openDisputes(ctx context.Context, tenantID string) ([]openDispute, error) {
	if s.deps.Disputes == nil {
		return nil, nil
	}
	claims, _, err := s.deps.Claims.FindClaims(ctx, tenantID, portal.ClaimFilter{Status: portal.StatusDisputed, Limit: 200})
	if err != nil {
		return nil, err
	}
	var out []openDispute
	for _, cl := range claims {
		ds, err := s.deps.Disputes.FindDisputes(ctx, tenantID, cl.ID)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			if d.Status == portal.DisputeOpen {
				out = append(out, openDispute{Claim: cl, Dispute: d})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Dispute.CreatedAt.Before(out[j].Dispute.CreatedAt) })
	return out, nil
}

// consoleDispute loads the claim and one of its disputes for the signed-in
// user's tenant: ENOTFOUND for another tenant's claim or an unknown dispute.
func (s *Server) consoleDispute(ctx context.Context, c *fiber.Ctx) (*portal.Claim, *portal.Dispute, error) {
	if s.deps.Disputes == nil {
		return nil, nil, portal.Errorf(portal.EUNAVAILABLE, "Disputes are not available on this instance.")
	}
	tenantID := consoleUserOf(c).TenantID
	claim, err := s.deps.Claims.FindClaim(ctx, tenantID, c.Params("id"))
	if err != nil {
		return nil, nil, err
	}
	ds, err := s.deps.Disputes.FindDisputes(ctx, tenantID, claim.ID)
	if err != nil {
		return nil, nil, err
	}
	for _, d := range ds {
		if d.ID == c.Params("dispute_id") {
			return claim, d, nil
		}
	}
	return nil, nil, portal.Errorf(portal.ENOTFOUND, "Dispute not found.")
}

// resolveForm is what the resolve form sent, shown again with a problem.
type resolveForm struct {
	Outcome, Note, Amount string
}

// disputeOutcome is a choice of the resolve form with its effect on the claim.
type disputeOutcome struct {
	Value  portal.DisputeStatus
	Label  string
	Effect string
}

var disputeOutcomes = []disputeOutcome{
	{portal.DisputeUpheld, "Reject the dispute: the claim is upheld", "The claim resumes (status open) for its full balance; collection goes on."},
	{portal.DisputePartlyAccepted, "Partly accept: grant a credit", "A credit note of the amount below is issued (on the contested invoice, if any) and the claim resumes for the rest."},
	{portal.DisputeAccepted, "Accept: the debtor is right", "The claim is closed; nothing more is collected."},
}

// historyLine is one event of a dispute's history, in words.
type historyLine struct {
	At   time.Time
	By   string
	Text string
}

func (s *Server) renderDispute(c *fiber.Ctx, status int, claim *portal.Claim, d *portal.Dispute, form resolveForm, problem string) error {
	u := consoleUserOf(c)
	ctx, cancel := s.userContext(c)
	defer cancel()
	history, err := s.disputeHistory(ctx, u.TenantID, claim, d)
	if err != nil {
		return err
	}
	data := map[string]any{"Title": "Dispute on claim " + claim.Reference, "Claim": claim, "Dispute": d, "History": history,
		"Outcomes": disputeOutcomes, "Form": form, "Problem": problem, "CanWrite": u.Role.AtLeast(portal.RoleAgent)}
	if d.InvoiceID != "" {
		for _, in := range claim.Invoices {
			if in.ID == d.InvoiceID {
				data["Invoice"] = in
			}
		}
	}
	return s.renderConsole(c.Status(status), "dispute", data)
}

// handleConsoleDispute shows one dispute to any console user of the tenant;
// agents and owners get the resolve form while it is open.
func (s *Server) handleConsoleDispute(c *fiber.Ctx) error {
	ctx, cancel := s.userContext(c)
	claim, d, err := s.consoleDispute(ctx, c)
	cancel()
	if err != nil {
		return err
	}
	return s.renderDispute(c, fiber.StatusOK, claim, d, resolveForm{}, "")
}

// handleConsoleDisputeFile sends a file the debtor attached as a download
// (never shown inline), typed from its content, named by Relais.
func (s *Server) handleConsoleDisputeFile(c *fiber.Ctx) error {
	if s.deps.Disputes == nil {
		return portal.Errorf(portal.EUNAVAILABLE, "Disputes are not available on this instance.")
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	f, err := s.deps.Disputes.FindDisputeFile(ctx, consoleUserOf(c).TenantID, c.Params("id"), c.Params("dispute_id"), c.Params("file_id"))
	if err != nil {
		return err
	}
	attachment(c, f.ContentType, f.ID+extensionOf(f.ContentType))
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set("Digest", "sha-256="+f.SHA256)
	return c.Send(f.Content)
}

// handleConsoleDisputeResolve applies an agent's or owner's decision.
func (s *Server) handleConsoleDisputeResolve(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleAgent); err != nil {
		return err
	}
	form := resolveForm{Outcome: strings.Clone(c.FormValue("outcome")), Note: strings.Clone(c.FormValue("note")),
		Amount: strings.Clone(c.FormValue("adjusted_amount"))}
	ctx, cancel := s.userContext(c)
	defer cancel()
	claim, d, err := s.consoleDispute(ctx, c)
	if err != nil {
		return err
	}
	if d.Status != portal.DisputeOpen {
		return s.renderDispute(c, fiber.StatusConflict, claim, d, form, "This dispute was already resolved.")
	}
	r := portal.Resolution{Outcome: portal.DisputeStatus(form.Outcome), Reason: strings.TrimSpace(form.Note)}
	if r.Outcome == portal.DisputePartlyAccepted {
		amount, err := portal.ParseAmount(form.Amount, claim.Currency.Exponent())
		if err != nil || amount <= 0 {
			return s.renderDispute(c, fiber.StatusBadRequest, claim, d, form, "Enter the credit granted as a positive amount, for example 120.50.")
		}
		r.AdjustedAmount = amount
	}
	if err := r.Validate(); err != nil {
		return s.renderDispute(c, fiber.StatusBadRequest, claim, d, form, resolveProblem(err))
	}
	if _, err := s.deps.Disputes.ResolveDispute(ctx, consoleUserOf(c).TenantID, claim.ID, d.ID, r); err != nil {
		switch portal.ErrorCode(err) {
		case portal.EINVALID:
			return s.renderDispute(c, fiber.StatusBadRequest, claim, d, form, portal.ErrorMessage(err))
		case portal.ECONFLICT:
			// Resolved meanwhile (by someone else): show it as it is now.
			if fc, fd, e := s.consoleDispute(ctx, c); e == nil {
				claim, d = fc, fd
			}
			return s.renderDispute(c, fiber.StatusConflict, claim, d, form, portal.ErrorMessage(err))
		}
		return err
	}
	return c.Redirect("/console/claims/"+claim.ID+"/disputes/"+d.ID, fiber.StatusSeeOther)
}

// resolveProblem words a resolution the form refused.
func resolveProblem(err error) string {
	switch portal.ErrorField(err) {
	case "outcome":
		return "Choose an outcome."
	case "reason":
		return "Write a note saying why (required, at most 2000 characters)."
	case "adjusted_amount":
		return "Enter the credit granted as a positive amount, for example 120.50."
	}
	return portal.ErrorMessage(err)
}

// disputeHistory is the dispute's events in order: filed, files received,
// the claim's status changes it caused, the resolution and its credit note.
func (s *Server) disputeHistory(ctx context.Context, tenantID string, claim *portal.Claim, d *portal.Dispute) ([]historyLine, error) {
	evs, err := s.deps.Events.ListEvents(ctx, tenantID, claim.ID, 0, 0)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	if users, err := s.deps.Tenants.ListUsers(ctx, tenantID); err == nil {
		for _, u := range users {
			names[u.ID] = u.Name
			if u.Name == "" {
				names[u.ID] = u.Email
			}
		}
	}
	m := func(v int64) string { return consoleMoney(v, claim.Currency) }
	var out []historyLine
	prevOurs := false
	for _, e := range evs {
		var p map[string]any
		_ = json.Unmarshal([]byte(e.Payload), &p)
		str := func(k string) string { v, _ := p[k].(string); return v }
		num := func(k string) int64 { v, _ := p[k].(float64); return int64(v) }
		ours := str("dispute_id") == d.ID
		line := historyLine{At: e.At, By: actorName(e.Actor, names)}
		switch {
		case ours && e.Kind == portal.EventDisputeFiled:
			line.Text = "Dispute filed: " + disputeReasonText(portal.DisputeReason(str("reason")))
			if n := num("files"); n > 0 {
				line.Text += ", with " + plural(n, "file", "files")
			}
		case ours && e.Kind == portal.EventFileUploaded:
			line.Text = "File received: " + str("name") + " (" + str("content_type") + ", " + fileSize(num("size")) + ")"
		case ours && e.Kind == portal.EventDisputeResolved:
			line.Text = "Resolved: " + disputeStatusText(portal.DisputeStatus(str("outcome")))
			if a := num("adjusted_amount"); a > 0 {
				line.Text += ", credit of " + m(a)
			}
			if r := str("reason"); r != "" {
				line.Text += ". Note: “" + r + "”"
			}
		case ours && e.Kind == portal.EventCreditNoteRecorded:
			line.Text = "Credit note " + str("number") + " of " + m(num("amount")) + " recorded on the claim"
		case !ours && prevOurs && e.Kind == portal.EventStatusChanged && strings.HasPrefix(str("why"), "dispute"):
			line.Text = "Claim status changed from " + str("from") + " to " + str("to")
			ours = true
		}
		prevOurs = ours
		if line.Text != "" {
			out = append(out, line)
		}
	}
	return out, nil
}

func actorName(a portal.Actor, names map[string]string) string {
	switch a.Kind {
	case portal.ActorDebtor:
		return "the debtor"
	case portal.ActorUser:
		if n := names[a.ID]; n != "" {
			return n
		}
		return "a user"
	case portal.ActorAPIKey:
		return "the creditor's system (API)"
	}
	return "Relais"
}
