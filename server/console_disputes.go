package server

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/i18n"
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

// disputeOutcomes are the resolve form's choices in t's language (keys
// "console.dispute.outcome.<status>" and "….effect").
func disputeOutcomes(t *i18n.T) []disputeOutcome {
	var out []disputeOutcome
	for _, v := range []portal.DisputeStatus{portal.DisputeUpheld, portal.DisputePartlyAccepted, portal.DisputeAccepted} {
		k := "console.dispute.outcome." + string(v)
		out = append(out, disputeOutcome{Value: v, Label: t.Text(k), Effect: t.Text(k + ".effect")})
	}
	return out
}

// historyLine is one event of a dispute's history, in words.
type historyLine struct {
	At   time.Time
	By   string
	Text string
}

func (s *Server) renderDispute(c *fiber.Ctx, status int, claim *portal.Claim, d *portal.Dispute, form resolveForm, problem string) error {
	u, t := consoleUserOf(c), s.consoleT(c)
	ctx, cancel := s.userContext(c)
	defer cancel()
	history, err := s.disputeHistory(ctx, t, u.TenantID, claim, d)
	if err != nil {
		return err
	}
	data := map[string]any{"Title": t.Text("console.dispute.title", "Reference", claim.Reference), "Claim": claim, "Dispute": d, "History": history,
		"Outcomes": disputeOutcomes(t), "Form": form, "Problem": problem, "CanWrite": u.Role.AtLeast(portal.RoleAgent)}
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
	t := s.consoleT(c)
	if d.Status != portal.DisputeOpen {
		return s.renderDispute(c, fiber.StatusConflict, claim, d, form, t.Text("console.dispute.problem.resolved"))
	}
	r := portal.Resolution{Outcome: portal.DisputeStatus(form.Outcome), Reason: strings.TrimSpace(form.Note)}
	if r.Outcome == portal.DisputePartlyAccepted {
		amount, err := portal.ParseAmount(form.Amount, claim.Currency.Exponent())
		if err != nil || amount <= 0 {
			return s.renderDispute(c, fiber.StatusBadRequest, claim, d, form, t.Text("console.dispute.problem.amount"))
		}
		r.AdjustedAmount = amount
	}
	if err := r.Validate(); err != nil {
		return s.renderDispute(c, fiber.StatusBadRequest, claim, d, form, resolveProblem(t, err))
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

// resolveProblem words a resolution the form refused, in t's language.
func resolveProblem(t *i18n.T, err error) string {
	switch portal.ErrorField(err) {
	case "outcome":
		return t.Text("console.dispute.problem.outcome")
	case "reason":
		return t.Text("console.dispute.problem.note", "Max", portal.MaxDisputeText)
	case "adjusted_amount":
		return t.Text("console.dispute.problem.amount")
	}
	return portal.ErrorMessage(err)
}

// disputeHistory is the dispute's events in order: filed, files received,
// the claim's status changes it caused, the resolution and its credit
// note, in t's language.
func (s *Server) disputeHistory(ctx context.Context, t *i18n.T, tenantID string, claim *portal.Claim, d *portal.Dispute) ([]historyLine, error) {
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
	m := func(v int64) string { return t.Amount(v, claim.Currency) }
	var out []historyLine
	prevOurs := false
	for _, e := range evs {
		var p map[string]any
		_ = json.Unmarshal([]byte(e.Payload), &p)
		str := func(k string) string { v, _ := p[k].(string); return v }
		num := func(k string) int64 { v, _ := p[k].(float64); return int64(v) }
		ours := str("dispute_id") == d.ID
		line := historyLine{At: e.At, By: actorName(t, e.Actor, names)}
		switch {
		case ours && e.Kind == portal.EventDisputeFiled:
			line.Text = t.Text("console.dispute.history.filed", "Reason", disputeReasonText(t, portal.DisputeReason(str("reason"))))
			if n := num("files"); n == 1 {
				line.Text += t.Text("console.dispute.history.files.one")
			} else if n > 1 {
				line.Text += t.Text("console.dispute.history.files.many", "Count", n)
			}
		case ours && e.Kind == portal.EventFileUploaded:
			line.Text = t.Text("console.dispute.history.file", "Name", str("name"), "Type", str("content_type"), "Size", fileSize(num("size")))
		case ours && e.Kind == portal.EventDisputeResolved:
			line.Text = t.Text("console.dispute.history.resolved", "Outcome", disputeStatusText(t, portal.DisputeStatus(str("outcome"))))
			if a := num("adjusted_amount"); a > 0 {
				line.Text += t.Text("console.dispute.history.credit", "Amount", m(a))
			}
			if r := str("reason"); r != "" {
				line.Text += t.Text("console.dispute.history.note", "Note", r)
			}
		case ours && e.Kind == portal.EventCreditNoteRecorded:
			line.Text = t.Text("console.dispute.history.creditnote", "Number", str("number"), "Amount", m(num("amount")))
		case !ours && prevOurs && e.Kind == portal.EventStatusChanged && strings.HasPrefix(str("why"), "dispute"):
			line.Text = t.Text("console.dispute.history.status", "From", claimStatusText(t, portal.Status(str("from"))),
				"To", claimStatusText(t, portal.Status(str("to"))))
			ours = true
		}
		prevOurs = ours
		if line.Text != "" {
			out = append(out, line)
		}
	}
	return out, nil
}

// actorName names who did something: a console user by name, else the
// kind of actor in t's language (keys "console.actor.<kind>").
func actorName(t *i18n.T, a portal.Actor, names map[string]string) string {
	if n := names[a.ID]; a.Kind == portal.ActorUser && n != "" {
		return n
	}
	switch a.Kind {
	case portal.ActorDebtor, portal.ActorUser, portal.ActorAPIKey:
		return t.Text("console.actor." + string(a.Kind))
	}
	return t.Text("console.actor.system")
}

// claimStatusText is a claim's status in words (keys
// "console.status.<status>"); claimStageText its stage
// ("console.stage.<stage>").
func claimStatusText(t *i18n.T, st portal.Status) string {
	return textOr(t, "console.status."+string(st), string(st))
}

func claimStageText(t *i18n.T, st portal.Stage) string {
	return textOr(t, "console.stage."+string(st), string(st))
}
