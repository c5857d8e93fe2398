package server

import (
	"crypto/subtle"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/i18n"
)

// Portal cookies: the session secret (HttpOnly) and the language the
// debtor chose with the switcher.
const (
	cookieSession = "relais_portal"
	cookieLang    = "relais_lang"
)

// Request-scoped values of portal pages.
const (
	localSession       = "relais.portal_session"
	localSessionSecret = "relais.portal_secret"
	localPortalClaim   = "relais.portal_claim"
)

// portalMiddleware runs before every /p page: no indexing, no caching,
// localised HTML errors, and the debtor as the actor of evidence events.
func (s *Server) portalMiddleware(c *fiber.Ctx) error {
	c.Set("X-Robots-Tag", "noindex, nofollow")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Locals(localErrorRenderer, s.renderPortalError)
	c.Locals(localActor, portal.Actor{Kind: portal.ActorDebtor, IP: c.IP(), Forwarded: forwardedOf(c), UserAgent: truncate(c.Get(fiber.HeaderUserAgent), 300)})
	return c.Next()
}

// portalSession returns the debtor's session from the cookie, verified or
// not, or EUNAUTHORIZED.
func (s *Server) portalSession(c *fiber.Ctx) (*portal.PortalSession, error) {
	if ps, ok := c.Locals(localSession).(*portal.PortalSession); ok {
		return ps, nil
	}
	secret := c.Cookies(cookieSession)
	if secret == "" {
		return nil, portal.Errorf(portal.EUNAUTHORIZED, "No portal session: open the link from your letter or message.")
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	ps, err := s.deps.Links.FindSession(ctx, secret)
	if err != nil {
		return nil, err
	}
	c.Locals(localSession, ps)
	c.Locals(localSessionSecret, strings.Clone(secret))
	a, _ := c.Locals(localActor).(portal.Actor)
	a.Kind, a.ID, a.TenantID = portal.ActorDebtor, ps.ID, ps.TenantID
	c.Locals(localActor, a)
	return ps, nil
}

// debtorSession returns the debtor's portal session once the identity
// check has passed: EUNAUTHORIZED without a live session, EFORBIDDEN
// before the identity check. Every page or action that shows or changes
// anything of a claim starts with it.
func (s *Server) debtorSession(c *fiber.Ctx) (*portal.PortalSession, error) {
	ps, err := s.portalSession(c)
	if err != nil {
		return nil, err
	}
	if !ps.Verified {
		return nil, portal.Errorf(portal.EFORBIDDEN, "Answer the identity question first.")
	}
	return ps, nil
}

// setSessionCookie hands the session secret to the browser. Its lifetime
// is a Max-Age, not a date, so that a phone with a wrong clock keeps it;
// the server enforces the session's expiry anyway.
func (s *Server) setSessionCookie(c *fiber.Ctx, secret string, expires time.Time) {
	maxAge := int(expires.Sub(s.deps.Clock.Now()) / time.Second)
	if maxAge < 1 {
		maxAge = 1
	}
	c.Cookie(&fiber.Cookie{Name: cookieSession, Value: secret, Path: "/", MaxAge: maxAge, HTTPOnly: true,
		Secure: s.secure, SameSite: fiber.CookieSameSiteLaxMode})
}

// csrfToken is the anti-forgery token of the current session: derived
// from the session secret (which only the HttpOnly cookie holds), so it
// needs no storage and differs per session.
func (s *Server) csrfToken(c *fiber.Ctx) string {
	secret, _ := c.Locals(localSessionSecret).(string)
	if secret == "" {
		return ""
	}
	return portal.SHA256Hex([]byte("relais-csrf:" + secret))[:32]
}

// checkCSRF compares the form's csrf field with the session's token in
// constant time: EFORBIDDEN when missing or wrong. Call it after
// debtorSession or portalSession on every state-changing portal form.
func (s *Server) checkCSRF(c *fiber.Ctx) error {
	want := s.csrfToken(c)
	got := c.FormValue("csrf")
	if want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
		return &portal.Error{Code: portal.EFORBIDDEN, Field: "csrf", Message: "The form has expired; reload the page and try again."}
	}
	return nil
}

// portalLang picks the language of a portal page: the switcher's cookie,
// else the debtor's language (from the session, or the given claim),
// else the browser's, else French.
func (s *Server) portalLang(c *fiber.Ctx, known string) string {
	if l := c.Cookies(cookieLang); portal.ValidLanguage(l) {
		return l
	}
	if portal.ValidLanguage(known) {
		return known
	}
	if ps, ok := c.Locals(localSession).(*portal.PortalSession); ok && portal.ValidLanguage(ps.Language) {
		return ps.Language
	}
	if cl, ok := c.Locals(localPortalClaim).(*portal.Claim); ok && cl.Debtor != nil && portal.ValidLanguage(cl.Debtor.Language) {
		return cl.Debtor.Language
	}
	if l := i18n.Match(c.Get(fiber.HeaderAcceptLanguage)); l != "" {
		return l
	}
	return i18n.Fallback
}

// handlePortalSignOut ends the debtor's session: its secret stops working
// at once, on every device that held it, and the cookie is cleared. The
// link opens a new session, behind the identity question again.
func (s *Server) handlePortalSignOut(c *fiber.Ctx) error {
	ps, err := s.portalSession(c)
	if err != nil {
		return err
	}
	if err := s.checkCSRF(c); err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	if err := s.deps.Links.EndSession(ctx, ps); err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: cookieSession, Value: "", Path: "/", MaxAge: -1, HTTPOnly: true, Secure: s.secure, SameSite: fiber.CookieSameSiteLaxMode})
	c.Locals(localSession, nil)
	v := s.newView(c, s.portalLang(c, ps.Language), "/p", nil)
	v.SignedIn, v.CSRF = false, ""
	v.Title = v.Tr("signout.title")
	v.Page = &errorView{Heading: v.Title, Message: v.Tr("signout.text")}
	return s.render(c, fiber.StatusOK, "error", v)
}
