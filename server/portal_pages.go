package server

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/escalation"
	"github.com/relais/relais/portal/rules"
)

// handlePortalOpen exchanges a link token for a session cookie and sends
// the debtor to /p, so that the token leaves the address bar and history.
//
// A segment that cannot be a token (such as "chat") passes on to the routes
// registered after this one, and finally to the 404 page.
func (s *Server) handlePortalOpen(c *fiber.Ctx) error {
	token := portal.NormaliseToken(c.Params("token"))
	if !portal.ValidSecret(token) {
		return c.Next()
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	// Every attempt counts, good token or bad: the limiter cannot tell a
	// guess from a debtor's click before the lookup it protects.
	ok, wait, err := s.limiter.Take(ctx, portal.LimitKey("link-ip", addressKey(c.IP())), portal.Bucket{Burst: s.cfg.TokenBurst, Every: s.cfg.TokenEvery}, 1)
	if err != nil {
		return err
	}
	if !ok {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait/time.Second)))
		return portal.Errorf(portal.ERATELIMIT, "Too many attempts.")
	}
	op, err := s.deps.Links.OpenLink(ctx, token)
	if err != nil {
		if op != nil && op.Claim != nil {
			c.Locals(localPortalClaim, op.Claim)
		}
		return err
	}
	s.setSessionCookie(c, op.Secret, op.Session.ExpiresAt)
	return c.Redirect("/p", fiber.StatusSeeOther)
}

// handleHome is "/": a short page saying what Relais is and that a
// debtor's file opens from the link of their letter or message. It shows
// nothing of any claim.
func (s *Server) handleHome(c *fiber.Ctx) error {
	v := s.newView(c, s.portalLang(c, ""), "/", nil)
	return s.render(c, fiber.StatusOK, "home", v)
}

// handlePortalLang sets the language chosen with the switcher.
func (s *Server) handlePortalLang(c *fiber.Ctx) error {
	lang := c.Params("lang")
	if !portal.ValidLanguage(lang) {
		return portal.Errorf(portal.ENOTFOUND, "Unknown language.")
	}
	c.Cookie(&fiber.Cookie{Name: cookieLang, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, HTTPOnly: true,
		Secure: s.secure, SameSite: fiber.CookieSameSiteLaxMode})
	// The session follows, so that the chat and messages use it too.
	if ps, err := s.portalSession(c); err == nil && ps.Language != lang {
		ctx, cancel := s.userContext(c)
		defer cancel()
		if err := s.deps.Links.SetSessionLanguage(ctx, ps.ID, lang); err != nil {
			return err
		}
	}
	return c.Redirect(backPath(c.Query("next")), fiber.StatusSeeOther)
}

// identityView is the data of the identity check form.
type identityView struct {
	Check   portal.IdentityCheck
	Error   string
	Answer  string
	Locked  bool
	Attempt int
	// Left is how many wrong answers the link still takes before it locks
	// (0: not known, or no wrong answer yet): the debtor is warned. Wait is
	// how long the lock would last, or (Locked) still lasts, in words.
	Left int
	Wait string
}

// handlePortalHome is /p: the identity check until it passes, then the
// code when one is needed, then the claim.
func (s *Server) handlePortalHome(c *fiber.Ctx) error {
	ps, err := s.portalSession(c)
	if err != nil {
		return err
	}
	if !ps.Verified && ps.IdentityPassed && s.deps.Codes != nil {
		return s.renderCode(c, ps, fiber.StatusOK, &codeView{Resent: c.Query("code") == "sent"})
	}
	if !ps.Verified {
		return s.renderIdentity(c, ps, fiber.StatusOK, &identityView{})
	}
	return s.renderClaim(c, ps)
}

func (s *Server) portalClaim(c *fiber.Ctx, ps *portal.PortalSession) (*portal.Claim, error) {
	if cl, ok := c.Locals(localPortalClaim).(*portal.Claim); ok {
		return cl, nil
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	cl, err := s.deps.Links.FindPortalClaim(ctx, ps)
	if err != nil {
		return nil, err
	}
	c.Locals(localPortalClaim, cl)
	return cl, nil
}

func (s *Server) renderIdentity(c *fiber.Ctx, ps *portal.PortalSession, status int, page *identityView) error {
	cl, err := s.portalClaim(c, ps)
	if err != nil {
		return err
	}
	// Only the creditor is named before the check: a forwarded link must
	// not reveal the debt.
	v := s.newView(c, s.portalLang(c, ""), "/p", cl.Creditor)
	page.Check = cl.IdentityCheck
	v.Page = page
	return s.render(c, status, "identity", v)
}

// handlePortalIdentity checks the identity answer: the session is
// verified at once, or, for a claim that needs a second factor
// (codeChannel), a code is sent and awaited.
func (s *Server) handlePortalIdentity(c *fiber.Ctx) error {
	ps, err := s.portalSession(c)
	if err != nil {
		return err
	}
	if err := s.checkCSRF(c); err != nil {
		return err
	}
	if ps.Verified || ps.IdentityPassed && s.deps.Codes != nil {
		return c.Redirect("/p", fiber.StatusSeeOther)
	}
	answer := strings.Clone(c.FormValue("answer"))
	if len(answer) > 100 {
		answer = answer[:100]
	}
	cl, err := s.portalClaim(c, ps)
	if err != nil {
		return err
	}
	if ch, to := s.codeChannel(cl); ch != "" {
		return s.passIdentity(c, ps, cl, ch, to, answer)
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	secret, err := s.deps.Links.CheckIdentity(ctx, ps.ID, answer)
	if err != nil {
		return s.identityRefused(c, ps, answer, err)
	}
	// The session lives on under the secret issued now: the one the
	// browser held before the check no longer opens it.
	s.setSessionCookie(c, secret, ps.ExpiresAt)
	return c.Redirect("/p", fiber.StatusSeeOther)
}

// identityRefused shows the identity form again after a wrong answer (with
// the attempts left) or while the link is locked (with how long).
func (s *Server) identityRefused(c *fiber.Ctx, ps *portal.PortalSession, answer string, err error) error {
	var locked *portal.LockedError
	switch {
	case errors.As(err, &locked):
		wait := locked.Until.Sub(s.deps.Clock.Now())
		if wait < time.Second {
			wait = time.Second
		}
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int((wait+time.Second-1)/time.Second)))
		return s.renderIdentity(c, ps, fiber.StatusTooManyRequests, &identityView{Locked: true, Error: "identity.locked", Wait: s.waitText(c, wait)})
	case portal.ErrorCode(err) == portal.EFORBIDDEN:
		left, next := s.attemptsLeft(c, ps)
		return s.renderIdentity(c, ps, fiber.StatusForbidden, &identityView{Error: "identity.wrong", Answer: answer, Left: left, Wait: s.waitText(c, next)})
	}
	return err
}

// attemptsLeft is how many wrong answers the session's link still takes
// before it locks (0 when it cannot be told), and how long that lock
// would last.
func (s *Server) attemptsLeft(c *fiber.Ctx, ps *portal.PortalSession) (int, time.Duration) {
	ctx, cancel := s.userContext(c)
	defer cancel()
	links, err := s.deps.Links.FindLinks(ctx, ps.TenantID, ps.ClaimID)
	if err != nil {
		return 0, portal.IdentityLockout
	}
	for _, l := range links {
		if l.ID == ps.LinkID {
			next := portal.IdentityLockoutFor(l.Lockouts + 1)
			if left := portal.MaxIdentityFailures - l.FailedAttempts; left > 0 && l.FailedAttempts > 0 {
				return left, next
			}
			return 0, next
		}
	}
	return 0, portal.IdentityLockout
}

// today is the date in the portal's zone (France and Belgium share one).
func (s *Server) today() portal.Date { return portal.DateOf(s.deps.Clock.Now().In(s.loc)) }

// claimView is the data of the claim page.
type claimView struct {
	Claim   *portal.Claim
	Balance *rules.Balance
	// Pending is set when interest is counted only up to a day because a
	// rate is not published yet: the total is shown and says so.
	Pending   *pendingNote
	Today     portal.Date
	StageKey  string
	NextKey   string
	StatusKey string
	Disputes  []*portal.Dispute
	Promise   *promiseView // the promise to pay section (portal_promise.go)
	// Hardship is the plan's "ask for a new plan" form (portal_plan_manage.go).
	Hardship *hardshipView
	// Open is the dispute being examined, if any.
	Open *portal.Dispute
	// Deadlines are the dates the debtor should know (the formal notice's
	// period, the Belgian consumer free period), still ahead.
	Deadlines []deadlineLine
	// Ended is set when nothing is asked any more (settled, written off,
	// closed): the page offers no action but contact.
	Ended bool
	// Pay is the pay section: card, bank transfer, instalments.
	Pay *payView
	// Paid is set when nothing is left to pay: the page thanks the debtor
	// and shows no pay button (a settled claim included).
	Paid bool
	// Settled is set when the claim's status is settled.
	Settled bool
	// Receipt is set when the receipt can be downloaded (/p/receipt.pdf).
	Receipt bool
	// PayMethods are the ways to pay a plan the debtor may choose when
	// signing one, space-separated (the chat's sign card offers them).
	PayMethods string
	// Survey is the satisfaction question left to answer after a
	// resolved conversation (issue 21); SurveyThanks follows an answer.
	Survey       *negotiation.Survey
	SurveyThanks bool
}

// pendingNote is the sentence a debtor reads when interest is counted only
// up to a day: its key names the period whose rate is awaited.
type pendingNote struct {
	Key        string
	Year       string
	ComputedTo portal.Date
}

// pendingNoteOf returns the note of an incomplete balance, nil otherwise.
// The first missing stretch names the period: the half-year of a
// half-yearly series, the year of the Belgian civil rate.
func pendingNoteOf(b *rules.Balance) *pendingNote {
	if b == nil || b.Complete || len(b.MissingRates) == 0 {
		return nil
	}
	m := b.MissingRates[0]
	key := "claim.rate_pending.h2"
	switch {
	case m.Series == rules.SeriesBECivilLegal:
		key = "claim.rate_pending.year"
	case m.From.Month < time.July:
		key = "claim.rate_pending.h1"
	}
	return &pendingNote{Key: key, Year: strconv.Itoa(m.From.Year), ComputedTo: b.ComputedTo}
}

func (s *Server) renderClaim(c *fiber.Ctx, ps *portal.PortalSession) error {
	cl, err := s.portalClaim(c, ps)
	if err != nil {
		return err
	}
	today := s.today()
	bal, err := s.deps.Rates.Compute(cl, today)
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	disputes, err := s.deps.Disputes.FindClaimDisputes(ctx, cl)
	if err != nil {
		return err
	}
	stage := shownStage(cl, today)
	page := &claimView{Claim: cl, Balance: bal, Pending: pendingNoteOf(bal), Today: today, Disputes: disputes,
		StageKey: escalation.StageKey(stage), NextKey: escalation.NextKey(stage), Ended: escalation.Ended(cl.Status)}
	page.Settled = cl.Status == portal.StatusSettled
	page.Paid = (page.Settled || !page.Ended) && bal.Total <= 0 && bal.Principal > 0
	page.Receipt = page.Paid && receiptReady(bal)
	if escalation.DefaultMessages()[escalation.StatusKey(cl.Status)] != "" && !page.Paid {
		// A paid claim's section says it all: no second "thank you".
		page.StatusKey = escalation.StatusKey(cl.Status)
	}
	if page.Promise, err = s.promiseViewFor(c, ps, cl, bal.Total, today); err != nil {
		return err
	}
	page.Deadlines = debtorDeadlines(cl, today)
	for _, d := range disputes {
		if d.Status == portal.DisputeOpen {
			page.Open = d
		}
	}
	page.Survey, page.SurveyThanks = s.openSurvey(c, ps), c.Query("survey") == "thanks"
	if page.Pay, err = s.payViewFor(c, ps, cl, bal.Total); err != nil {
		return err
	}
	page.Hardship = s.hardshipViewFor(c, cl, page.Pay)
	page.PayMethods = negotiation.PayTransfer
	if s.deps.Conversations != nil {
		if pol, err := s.deps.Conversations.Policy(ctx, ps.TenantID, ps.ClaimID); err == nil {
			page.PayMethods = strings.Join(pol.SigningMethods(cl, s.cardOn()), " ")
			if page.Pay != nil {
				page.Pay.Ways = s.planWays(cl, page.Pay, &pol)
			}
		}
	}
	// The event records what the debtor was shown, and up to which day.
	payload := map[string]any{"as_of": today.String(), "total": bal.Total}
	if !bal.Complete {
		payload["computed_to"] = bal.ComputedTo.String()
	}
	if err := s.deps.Links.RecordPortalEvent(ctx, ps, portal.EventClaimViewed, payload); err != nil {
		return err
	}
	v := s.newView(c, s.portalLang(c, ""), "/p", cl.Creditor)
	v.Currency, v.Page = cl.Currency, page
	return s.render(c, portalStatus(c), "claim", v)
}

// computationView is the data of the "how is this computed?" page.
type computationView struct {
	Claim   *portal.Claim
	Balance *rules.Balance
	Pending *pendingNote
	Today   portal.Date
}

// handlePortalComputation shows every line of the computation with its rule.
func (s *Server) handlePortalComputation(c *fiber.Ctx) error {
	ps, err := s.debtorSession(c)
	if err != nil {
		return err
	}
	cl, err := s.portalClaim(c, ps)
	if err != nil {
		return err
	}
	today := s.today()
	bal, err := s.deps.Rates.Compute(cl, today)
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if err := s.deps.Links.RecordPortalEvent(ctx, ps, portal.EventComputationViewed, map[string]any{"as_of": today.String()}); err != nil {
		return err
	}
	v := s.newView(c, s.portalLang(c, ""), "/p/computation", cl.Creditor)
	v.Currency = cl.Currency
	v.Page = &computationView{Claim: cl, Balance: bal, Pending: pendingNoteOf(bal), Today: today}
	return s.render(c, fiber.StatusOK, "computation", v)
}

// shownStage is the stage the claim page describes. A claim still at the
// amicable stage whose formal notice was sent (imported with its date, or
// the stage not moved yet) is described as at the formal notice: the page
// must not say "nothing formal has happened" next to the notice's date.
func shownStage(cl *portal.Claim, today portal.Date) portal.Stage {
	if cl.Stage == portal.StageAmicable && !cl.FormalNoticeOn.IsZero() && !cl.FormalNoticeOn.After(today) {
		return portal.StageFormalNotice
	}
	if cl.Stage == "" {
		return portal.StageAmicable
	}
	return cl.Stage
}

// deadlineLine is a date shown to the debtor with the key of its sentence.
type deadlineLine struct {
	Key string
	Due portal.Date
}

// debtorDeadlines lists the deadlines that tell the debtor "by when":
// those still ahead of the kinds a debtor acts on.
func debtorDeadlines(cl *portal.Claim, today portal.Date) []deadlineLine {
	facts := escalation.Facts{Jurisdiction: cl.Jurisdiction, FirstReminderOn: cl.FirstReminderOn,
		FirstReminderChannel: escalation.ChannelEmail, FormalNoticeOn: cl.FormalNoticeOn}
	if cl.Debtor != nil {
		facts.DebtorKind = cl.Debtor.Kind
	}
	var out []deadlineLine
	for _, d := range escalation.Deadlines(facts, today) {
		if d.Status == escalation.Passed {
			continue
		}
		switch d.Kind {
		case escalation.KindNoticePeriod, escalation.KindBEConsumerPeriod:
			out = append(out, deadlineLine{Key: "deadline." + string(d.Kind), Due: d.Due})
		}
	}
	return out
}
