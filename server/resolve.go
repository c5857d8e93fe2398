package server

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
)

// After a conversation (issue 21): an agent resolves it, optionally asking
// the debtor one satisfaction question in their language; the debtor
// answers on the portal's claim page; owners and agents read the answers
// on /console/satisfaction.

func (s *Server) resolutionsReady() error {
	if s.deps.Resolutions == nil || s.deps.Conversations == nil {
		return portal.Errorf(portal.EUNAVAILABLE, "Resolving conversations is not available.")
	}
	return nil
}

// handleConsoleResolve is POST /console/conversations/:id/resolve (form
// field survey=1 asks the question). The agent who has the conversation,
// or an owner, resolves it; the debtor's open chat gets the system message
// at once.
func (s *Server) handleConsoleResolve(c *fiber.Ctx) error {
	if err := requireRole(c, portal.RoleAgent); err != nil {
		return err
	}
	if err := s.resolutionsReady(); err != nil {
		return err
	}
	u := consoleUserOf(c)
	ctx, cancel := s.userContext(c)
	defer cancel()
	conv, err := s.deps.Conversations.FindConversation(ctx, u.TenantID, c.Params("id"))
	if err != nil {
		return err
	}
	if conv.AgentID != "" && conv.AgentID != u.ID && u.Role != portal.RoleOwner {
		return portal.Errorf(portal.EFORBIDDEN, "Another agent has this conversation: they or an owner resolve it.")
	}
	claim, err := s.deps.Claims.FindClaim(ctx, u.TenantID, conv.ClaimID)
	if err != nil {
		return err
	}
	lang := "fr"
	if claim.Debtor != nil && portal.ValidLanguage(claim.Debtor.Language) {
		lang = claim.Debtor.Language
	}
	survey := c.FormValue("survey") == "1"
	text := s.i18n.For(lang).Text("chat.resolved")
	if survey {
		text += " " + s.i18n.For(lang).Text("chat.resolved.survey")
	}
	name := u.Name
	if name == "" {
		name = u.Email
	}
	msg, _, err := s.deps.Resolutions.ResolveConversation(ctx, negotiation.Resolution{TenantID: u.TenantID, ConversationID: conv.ID,
		Agent: negotiation.Author{Kind: portal.ActorUser, ID: u.ID, Name: name}, Text: text, Survey: survey, Language: lang})
	if err != nil {
		return err
	}
	if s.hub != nil {
		s.hub.Published(ctx, conv, []*negotiation.Message{msg})
	}
	s.assignWaiting(ctx, u.TenantID) // its agent has room for another
	return c.Redirect("/console/conversations/"+conv.ID, fiber.StatusSeeOther)
}

// openSurvey is the claim's unanswered question for the portal page, or
// nil (none, or surveys not wired).
func (s *Server) openSurvey(c *fiber.Ctx, ps *portal.PortalSession) *negotiation.Survey {
	if s.deps.Resolutions == nil {
		return nil
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	sv, err := s.deps.Resolutions.OpenSurvey(ctx, ps.TenantID, ps.ClaimID)
	if err != nil {
		s.log.Warn("find open survey", "err", err, "claim_id", ps.ClaimID)
		return nil
	}
	return sv
}

// handlePortalSurvey is POST /p/survey: the debtor's answer (survey, score
// 1–5) to the question of their own claim.
func (s *Server) handlePortalSurvey(c *fiber.Ctx) error {
	ps, err := s.debtorSession(c)
	if err != nil {
		return err
	}
	if err := s.checkCSRF(c); err != nil {
		return err
	}
	if err := s.resolutionsReady(); err != nil {
		return err
	}
	score, err := strconv.Atoi(c.FormValue("score"))
	if err != nil || score < negotiation.MinScore || score > negotiation.MaxScore {
		return portal.FieldError("score", "Choose an answer from %d to %d.", negotiation.MinScore, negotiation.MaxScore)
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if _, err := s.deps.Resolutions.AnswerSurvey(ctx, ps.TenantID, ps.ClaimID, c.FormValue("survey"), score); err != nil {
		return err
	}
	return c.Redirect("/p?survey=thanks#survey", fiber.StatusSeeOther)
}

// handleConsoleSatisfaction is GET /console/satisfaction: the tenant's
// satisfaction answers, for any user.
func (s *Server) handleConsoleSatisfaction(c *fiber.Ctx) error {
	if err := s.resolutionsReady(); err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	st, err := s.deps.Resolutions.SurveyStats(ctx, consoleUserOf(c).TenantID, 50)
	if err != nil {
		return err
	}
	type bar struct{ Score, Count, Percent int }
	bars := make([]bar, 0, negotiation.MaxScore)
	for i := negotiation.MaxScore; i >= negotiation.MinScore; i-- {
		b := bar{Score: i, Count: st.ByScore[i-1]}
		if st.Answered > 0 {
			b.Percent = (b.Count*100 + st.Answered/2) / st.Answered
		}
		bars = append(bars, b)
	}
	t := s.consoleT(c)
	return s.renderConsole(c, "satisfaction", map[string]any{"Title": t.Text("console.satisfaction.title"), "Stats": st, "Bars": bars,
		"Average": decimalIn(t.Lang, portal.FormatMinor(int64(st.AverageX100), 2))})
}

// decimalIn writes a "4.25" decimal with the language's separator.
func decimalIn(lang, v string) string {
	if lang == "en" {
		return v
	}
	return strings.Replace(v, ".", ",", 1)
}

// SurveyScores are the answers the portal offers, the best first.
func (*claimView) SurveyScores() []int { return []int{5, 4, 3, 2, 1} }

// handleConsoleAway is POST /console/away (away=1 or 0): the signed-in
// user marks themselves away or back, and returns to the page they were
// on. An away agent is not announced to debtors as online, nor given
// conversations by automatic assignment.
func (s *Server) handleConsoleAway(c *fiber.Ctx) error {
	u := consoleUserOf(c)
	away := c.FormValue("away")
	if away != "0" && away != "1" {
		return portal.FieldError("away", "away is 1 (away) or 0 (back)")
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if err := s.deps.Tenants.SetUserAway(ctx, u.TenantID, u.ID, away == "1"); err != nil {
		return err
	}
	u.Away = away == "1"
	s.log.Info("console user away", "tenant_id", u.TenantID, "user_id", u.ID, "away", u.Away)
	// Away: what waits in their hands goes to someone there; back: they
	// get what waits for an agent.
	s.assignWaiting(ctx, u.TenantID)
	back := c.FormValue("back")
	if !isConsolePage(back) || strings.ContainsAny(back, "\\\r\n") || strings.HasPrefix(back, "//") {
		back = "/console"
	}
	return c.Redirect(back, fiber.StatusSeeOther)
}
