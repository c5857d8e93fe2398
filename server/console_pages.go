package server

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/rules"
)

//go:embed console_templates/*.html
var consoleTemplateFS embed.FS

var consoleFuncs = template.FuncMap{
	"money": func(v int64, cur portal.Currency) string { return portal.NewMoney(v, cur).String() },
	"bp":    func(bp int64) string { return portal.FormatMinor(bp, 2) + " %" },
	"offer": offerSummary,
	"rate":  rules.FormatRate,
	// lastDay shows the exclusive end of a rate line as the last day it covers.
	"lastDay": func(d portal.Date) portal.Date { return d.AddDays(-1) },
}

// consolePages holds one template set per page (layout + page + panel).
var consolePages = func() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, name := range []string{"login", "queue", "claims", "claim", "conversation", "timeline", "rates"} {
		out[name] = template.Must(template.New(name).Funcs(consoleFuncs).ParseFS(consoleTemplateFS,
			"console_templates/layout.html", "console_templates/claim_panel.html", "console_templates/"+name+".html"))
	}
	return out
}()

// offerSummary is a one-line reading of offer terms for agents.
func offerSummary(o negotiation.Offer, cur portal.Currency) string {
	m := func(v int64) string { return portal.NewMoney(v, cur).String() }
	switch o.Kind {
	case negotiation.KindPlan:
		s := fmt.Sprintf("plan %d × %s %s from %s by %s", o.Count, m(o.Amount), o.Frequency, o.FirstDate, o.Method)
		if o.DownPayment > 0 {
			s += ", " + m(o.DownPayment) + " down"
		}
		return s
	case negotiation.KindSettlement:
		return "settlement " + m(o.Amount)
	case negotiation.KindPromise:
		return "promise to pay by " + o.Date.String()
	case negotiation.KindCallback:
		return "call-back request " + o.Phone
	}
	return string(o.Kind)
}

// renderConsole renders a console page; data gets the user and the CSRF
// token of the session.
func (s *Server) renderConsole(c *fiber.Ctx, page string, data map[string]any) error {
	if u, ok := c.Locals(localConsoleUser).(*portal.User); ok {
		data["User"] = u
		if sess := consoleSession(c); sess != nil {
			data["CSRF"] = sess.CSRFToken
		}
	}
	if data["Title"] == nil {
		data["Title"] = page
	}
	var buf bytes.Buffer
	if err := consolePages[page].ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("render console %s: %w", page, err)
	}
	c.Type("html", "utf-8")
	return c.Send(buf.Bytes())
}

func consoleUserOf(c *fiber.Ctx) *portal.User {
	u, _ := c.Locals(localConsoleUser).(*portal.User)
	return u
}

func (s *Server) handleConsoleQueue(c *fiber.Ctx) error {
	if err := s.negotiationReady(); err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	items, err := s.deps.Conversations.Queue(ctx, consoleUserOf(c).TenantID, 200)
	if err != nil {
		return err
	}
	return s.renderConsole(c, "queue", map[string]any{"Title": "Queue", "Items": items})
}

func (s *Server) handleConsoleClaims(c *fiber.Ctx) error {
	f := portal.ClaimFilter{Query: c.Query("q"), After: c.Query("cursor"), Limit: 50}
	if f.After != "" && !portal.ValidID(f.After) {
		f.After = ""
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	claims, next, err := s.deps.Claims.FindClaims(ctx, consoleUserOf(c).TenantID, f)
	if err != nil {
		return err
	}
	return s.renderConsole(c, "claims", map[string]any{"Title": "Claims", "Claims": claims, "Q": f.Query, "Next": next})
}

// claimPanel gathers what the claim panel shows: balance breakdown,
// disputes, earlier offers and the policy.
func (s *Server) claimPanel(c *fiber.Ctx, claimID string) (map[string]any, error) {
	if err := s.negotiationReady(); err != nil {
		return nil, err
	}
	u := consoleUserOf(c)
	ctx, cancel := s.userContext(c)
	defer cancel()
	claim, err := s.deps.Claims.FindClaim(ctx, u.TenantID, claimID)
	if err != nil {
		return nil, err
	}
	data := map[string]any{"Claim": claim, "Title": "Claim " + claim.Reference, "Exponent": claim.Currency.Exponent(),
		"CanWrite": u.Role.AtLeast(portal.RoleAgent), "IsOwner": u.Role.AtLeast(portal.RoleOwner)}
	if s.deps.Rates != nil {
		today := portal.DateOf(s.deps.Clock.Now().In(s.tenantLocation(ctx, u.TenantID)))
		if b, err := s.deps.Rates.Compute(claim, today); err == nil {
			data["Balance"] = b
		} else {
			data["BalanceProblem"] = portal.ErrorMessage(err)
		}
	} else {
		data["BalanceProblem"] = "The balance computation is not configured."
	}
	if data["Balance"] == nil {
		data["Balance"] = (*rules.Balance)(nil)
	}
	offers, err := s.deps.Conversations.ClaimOffers(ctx, u.TenantID, claim.ID)
	if err != nil {
		return nil, err
	}
	data["Offers"] = offers
	policy, err := s.deps.Conversations.Policy(ctx, u.TenantID, claim.ID)
	if err != nil {
		return nil, err
	}
	data["Policy"] = policy
	var disputes []*portal.Event
	if evs, err := s.deps.Events.ListEvents(ctx, u.TenantID, claim.ID, 0, 0); err == nil {
		for _, e := range evs {
			if e.Kind == portal.EventDisputeFiled || e.Kind == portal.EventDisputeResolved {
				disputes = append(disputes, e)
			}
		}
	}
	data["Disputes"] = disputes
	return data, nil
}

func (s *Server) handleConsoleClaim(c *fiber.Ctx) error {
	data, err := s.claimPanel(c, c.Params("id"))
	if err != nil {
		return err
	}
	return s.renderConsole(c, "claim", data)
}

// handleConsoleOpenConversation opens (or finds) a claim's conversation.
func (s *Server) handleConsoleOpenConversation(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleAgent); err != nil {
		return err
	}
	if err := s.negotiationReady(); err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	conv, err := s.deps.Conversations.OpenConversation(ctx, consoleUserOf(c).TenantID, c.Params("id"))
	if err != nil {
		return err
	}
	return c.Redirect("/console/conversations/"+conv.ID, fiber.StatusSeeOther)
}

func (s *Server) handleConsoleConversation(c *fiber.Ctx) error {
	if err := s.negotiationReady(); err != nil {
		return err
	}
	u := consoleUserOf(c)
	ctx, cancel := s.userContext(c)
	conv, err := s.deps.Conversations.FindConversation(ctx, u.TenantID, c.Params("id"))
	cancel()
	if err != nil {
		return err
	}
	data, err := s.claimPanel(c, conv.ClaimID)
	if err != nil {
		return err
	}
	data["Conv"] = conv
	data["Title"] = "Conversation " + data["Claim"].(*portal.Claim).Reference
	if data["CanWrite"] == true {
		// The agents the conversation can be handed to.
		ctx, cancel := s.userContext(c)
		users, err := s.deps.Tenants.ListUsers(ctx, u.TenantID)
		cancel()
		if err != nil {
			return err
		}
		var agents []*portal.User
		for _, a := range users {
			if a.ID != u.ID && a.Role.AtLeast(portal.RoleAgent) {
				agents = append(agents, a)
			}
		}
		data["Agents"] = agents
	}
	data["WSPath"] = "/console/chat/" + conv.ID
	return s.renderConsole(c, "conversation", data)
}

// handleConsoleTake assigns the conversation to the signed-in agent; an
// owner may take it from another agent.
func (s *Server) handleConsoleTake(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleAgent); err != nil {
		return err
	}
	if err := s.negotiationReady(); err != nil {
		return err
	}
	u := consoleUserOf(c)
	ctx, cancel := s.userContext(c)
	defer cancel()
	if _, err := s.deps.Conversations.TakeConversation(ctx, u.TenantID, c.Params("id"), u.ID, u.Role == portal.RoleOwner); err != nil {
		return err
	}
	return c.Redirect("/console/conversations/"+c.Params("id"), fiber.StatusSeeOther)
}

// handleConsoleAgreementPDF serves a signed agreement's PDF.
func (s *Server) handleConsoleAgreementPDF(c *fiber.Ctx) error {
	if err := s.negotiationReady(); err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	a, err := s.deps.Conversations.FindAgreement(ctx, consoleUserOf(c).TenantID, c.Params("id"))
	if err != nil {
		return err
	}
	if a.Status != negotiation.AgreementSigned {
		return portal.Errorf(portal.ENOTFOUND, "This agreement is not signed yet.")
	}
	if len(a.PDF) == 0 {
		return portal.Errorf(portal.EGONE, "This agreement's PDF was erased with the claim's personal data at the end of its retention; its SHA-256 stays on record.")
	}
	c.Type("pdf")
	c.Set(fiber.HeaderContentDisposition, `inline; filename="agreement-`+a.ID+`.pdf"`)
	c.Set("X-Content-SHA256", a.PDFSHA256)
	c.Set(fiber.HeaderContentLength, strconv.Itoa(len(a.PDF)))
	return c.Send(a.PDF)
}
