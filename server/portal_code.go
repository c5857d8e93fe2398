package server

import (
	"errors"
	"html"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/reminders"
)

// The second factor of the identity check (issue 26.14): after the
// identity answer of a claim that needs one (portal.CodeChannel), the
// portal sends a one-time code to the e-mail or phone on file and the
// session is verified, under a new secret, when the code comes back.

// codeChannel is the channel and destination of the code a claim needs on
// this instance, or "" when it needs none (no code store, no sender for
// the debtor's contacts, the policy).
func (s *Server) codeChannel(cl *portal.Claim) (portal.LinkChannel, string) {
	if s.deps.Codes == nil {
		return "", ""
	}
	return portal.CodeChannel(cl, s.cfg.SecondFactor, s.deps.CodeEmail != nil, s.deps.CodeSMS != nil)
}

// codeView is the data of the code page.
type codeView struct {
	// Channel and To (masked) say where the latest code went; Live whether
	// it may still be entered.
	Channel portal.LinkChannel
	To      string
	Live    bool
	// Error is the message key of what went wrong; Wait fills it in.
	Error string
	Wait  string
	Left  int
	// Resent is set after a new code was sent on request.
	Resent bool
}

// renderCode shows the code form of a session whose identity passed.
func (s *Server) renderCode(c *fiber.Ctx, ps *portal.PortalSession, status int, page *codeView) error {
	cl, err := s.portalClaim(c, ps)
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	code, err := s.deps.Codes.FindCode(ctx, ps.ID)
	switch {
	case err == nil:
		page.Channel, page.To, page.Live = code.Channel, code.Destination, code.Live(s.deps.Clock.Now())
		if !page.Live && page.Error == "" {
			page.Error = "code.expired"
			if code.EndReason == portal.CodeSpent {
				page.Error = "code.spent"
			}
		}
	case portal.ErrorCode(err) != portal.ENOTFOUND:
		return err
	case page.Error == "":
		// The answer passed but no code went out (the send failed before
		// a code was stored): the debtor asks for one.
		page.Error = "code.not_sent"
	}
	v := s.newView(c, s.portalLang(c, ""), "/p", cl.Creditor)
	v.Page = page
	return s.render(c, status, "code", v)
}

// sendCode issues a code to the session and sends it: nil once it went
// out, else the code page to show (too many codes for the claim, the
// channel failed). Each send is an evidence event, without the code.
func (s *Server) sendCode(c *fiber.Ctx, ps *portal.PortalSession, cl *portal.Claim, ch portal.LinkChannel, to string) (*codeView, error) {
	ctx, cancel := s.userContext(c)
	defer cancel()
	// Per claim, whatever the session or link: someone who knows the
	// identity answer cannot flood the debtor with codes.
	ok, wait, err := s.limiter.Take(ctx, portal.LimitKey("code-send", ps.TenantID, ps.ClaimID), portal.CodeSends, 1)
	if err != nil {
		return nil, err
	}
	if !ok {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait/time.Second)))
		return &codeView{Error: "code.too_many", Wait: s.waitText(c, wait)}, nil
	}
	code, clear, err := s.deps.Codes.IssueCode(ctx, ps.ID, ch, to)
	if err != nil {
		return nil, err
	}
	t := s.i18n.For(s.portalLang(c, ps.Language))
	name := cl.Creditor.LegalName
	var providerID string
	var sendErr error
	switch ch {
	case portal.ChannelEmail:
		body := t.Text("code.email.body", "Code", clear, "Name", name)
		providerID, _, sendErr = s.deps.CodeEmail.SendEmail(ctx, &reminders.Email{To: to,
			Subject: t.Text("code.email.subject", "Name", name), Text: body,
			HTML: "<p>" + strings.ReplaceAll(html.EscapeString(body), "\n\n", "</p>\n<p>") + "</p>", Ref: code.ID})
	case portal.ChannelSMS:
		text := reminders.ToGSM7(t.Text("code.sms", "Code", clear, "Name", name))
		n, gsm := reminders.Segments(text)
		providerID, _, sendErr = s.deps.CodeSMS.SendSMS(ctx, &reminders.SMS{To: to, Text: text, GSM7: gsm, Segments: n, Ref: code.ID})
	}
	if sendErr != nil {
		s.log.Warn("identity code not sent", "channel", ch, "code_id", code.ID, "err", sendErr)
	}
	if err := s.deps.Codes.RecordCodeSent(ctx, code, providerID, sendErr); err != nil {
		return nil, err
	}
	if sendErr != nil {
		// The code cannot be entered anyway; the send is given back so that
		// a failing channel does not use up the debtor's codes.
		_, _, _ = s.limiter.Take(ctx, portal.LimitKey("code-send", ps.TenantID, ps.ClaimID), portal.CodeSends, -1)
		return &codeView{Error: "code.not_sent"}, nil
	}
	return nil, nil
}

// passIdentity is the identity step of a claim that needs a code: a right
// answer sends the first code and leads to the code page.
func (s *Server) passIdentity(c *fiber.Ctx, ps *portal.PortalSession, cl *portal.Claim, ch portal.LinkChannel, to, answer string) error {
	ctx, cancel := s.userContext(c)
	defer cancel()
	err := s.deps.Codes.PassIdentity(ctx, ps.ID, answer)
	if err != nil {
		return s.identityRefused(c, ps, answer, err)
	}
	ps.IdentityPassed = true
	page, err := s.sendCode(c, ps, cl, ch, to)
	if err != nil {
		return err
	}
	if page != nil {
		return s.renderCode(c, ps, codeStatus(page), page)
	}
	return c.Redirect("/p", fiber.StatusSeeOther)
}

// codeStatus is the HTTP status of a code page showing an error.
func codeStatus(page *codeView) int {
	switch page.Error {
	case "code.too_many":
		return fiber.StatusTooManyRequests
	case "code.not_sent":
		return fiber.StatusServiceUnavailable
	case "code.expired", "code.spent":
		return fiber.StatusGone
	case "code.wrong":
		return fiber.StatusForbidden
	}
	return fiber.StatusOK
}

// codeSession returns the session of a code step: nil (after redirecting
// to /p) when it has no code step, verified or not passed yet.
func (s *Server) codeSession(c *fiber.Ctx) (*portal.PortalSession, bool, error) {
	ps, err := s.portalSession(c)
	if err != nil {
		return nil, false, err
	}
	if err := s.checkCSRF(c); err != nil {
		return nil, false, err
	}
	if ps.Verified || !ps.IdentityPassed || s.deps.Codes == nil {
		return ps, false, c.Redirect("/p", fiber.StatusSeeOther)
	}
	return ps, true, nil
}

// handlePortalCode checks the code the debtor typed.
func (s *Server) handlePortalCode(c *fiber.Ctx) error {
	ps, ok, err := s.codeSession(c)
	if !ok || err != nil {
		return err
	}
	typed := strings.Clone(c.FormValue("code"))
	if len(typed) > 32 {
		typed = typed[:32]
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	secret, err := s.deps.Codes.VerifyCode(ctx, ps.ID, typed)
	var wrong *portal.CodeError
	switch {
	case err == nil:
		// The session lives on under the secret issued now (as at the
		// identity check without a code).
		s.setSessionCookie(c, secret, ps.ExpiresAt)
		return c.Redirect("/p", fiber.StatusSeeOther)
	case errors.As(err, &wrong):
		page := &codeView{Error: "code.wrong", Left: wrong.Left}
		if wrong.Left == 0 {
			page.Error = "code.spent"
		}
		return s.renderCode(c, ps, fiber.StatusForbidden, page)
	case portal.ErrorCode(err) == portal.EGONE:
		return s.renderCode(c, ps, fiber.StatusGone, &codeView{Error: "code.expired"})
	case portal.ErrorCode(err) == portal.ECONFLICT, portal.ErrorCode(err) == portal.EFORBIDDEN:
		return c.Redirect("/p", fiber.StatusSeeOther)
	}
	return err
}

// handlePortalCodeResend sends a new code (the one before stops working).
func (s *Server) handlePortalCodeResend(c *fiber.Ctx) error {
	ps, ok, err := s.codeSession(c)
	if !ok || err != nil {
		return err
	}
	cl, err := s.portalClaim(c, ps)
	if err != nil {
		return err
	}
	ch, to := s.codeChannel(cl)
	if ch == "" {
		// The contact was removed (or erased) meanwhile: nothing to send
		// to. The creditor is the way on.
		return s.renderCode(c, ps, fiber.StatusServiceUnavailable, &codeView{Error: "code.not_sent"})
	}
	page, err := s.sendCode(c, ps, cl, ch, to)
	if err != nil {
		return err
	}
	if page != nil {
		return s.renderCode(c, ps, codeStatus(page), page)
	}
	return c.Redirect("/p?code=sent", fiber.StatusSeeOther)
}

// waitText says a wait in words of the page's language, rounded up to
// whole minutes, or hours from an hour on.
func (s *Server) waitText(c *fiber.Ctx, d time.Duration) string {
	t := s.i18n.For(s.portalLang(c, ""))
	if d <= time.Minute {
		return t.Text("wait.minute")
	}
	if d < time.Hour {
		return t.Text("wait.minutes", "Count", int((d+time.Minute-1)/time.Minute))
	}
	h := int((d + time.Hour - 1) / time.Hour)
	if h == 1 {
		return t.Text("wait.hour")
	}
	return t.Text("wait.hours", "Count", h)
}
