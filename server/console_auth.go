package server

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
)

// Console sign-in settings.
const (
	consoleCookie     = "relais_console"
	consoleLoginCSRF  = "relais_login_csrf"
	consoleSessionTTL = 12 * time.Hour
	// Login throttling: attempts per client address, failures per account.
	loginPerIP         = 20
	loginFailsPerEmail = 5
	loginWindow        = 15 * time.Minute
)

const (
	localConsoleSession = "relais.console_session"
	localConsoleUser    = "relais.console_user"
)

// consoleUser returns the signed-in console user of the request (from the
// session cookie), and scopes the request to the user's tenant and actor.
// EUNAUTHORIZED without a live session. Other console pages use it.
func (s *Server) consoleUser(c *fiber.Ctx) (*portal.User, error) {
	if u, ok := c.Locals(localConsoleUser).(*portal.User); ok {
		return u, nil
	}
	if s.deps.ConsoleSessions == nil {
		return nil, portal.Errorf(portal.EUNAVAILABLE, "The console is not available.")
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	sess, u, err := s.deps.ConsoleSessions.ConsoleSession(ctx, c.Cookies(consoleCookie))
	if err != nil {
		return nil, err
	}
	c.Locals(localConsoleSession, sess)
	c.Locals(localConsoleUser, u)
	c.Locals(localTenant, u.TenantID)
	c.Locals(localActor, portal.Actor{Kind: portal.ActorUser, ID: u.ID, TenantID: u.TenantID, IP: c.IP(), Forwarded: forwardedOf(c), UserAgent: truncate(c.Get(fiber.HeaderUserAgent), 300)})
	return u, nil
}

// consoleSession is the session consoleUser loaded.
func consoleSession(c *fiber.Ctx) *portal.ConsoleSession {
	s, _ := c.Locals(localConsoleSession).(*portal.ConsoleSession)
	return s
}

// requireConsole guards console pages: no session → the sign-in page; a
// state-changing request must carry the session's CSRF token in the form
// field "csrf".
func (s *Server) requireConsole(c *fiber.Ctx) error {
	if _, err := s.consoleUser(c); err != nil {
		if portal.ErrorCode(err) == portal.EUNAUTHORIZED && c.Method() == fiber.MethodGet {
			return c.Redirect("/console/login", fiber.StatusSeeOther)
		}
		return err
	}
	if c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
		if !sameToken(c.FormValue("csrf"), consoleSession(c).CSRFToken) {
			return portal.Errorf(portal.EFORBIDDEN, "The form expired or came from another site: reload the page and try again.")
		}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Next()
}

// requireRole refuses users below role (viewer < agent < owner).
func requireRole(c *fiber.Ctx, role portal.Role) error {
	u, _ := c.Locals(localConsoleUser).(*portal.User)
	if u == nil || !u.Role.AtLeast(role) {
		return portal.Errorf(portal.EFORBIDDEN, "Your role does not allow this.")
	}
	return nil
}

func sameToken(a, b string) bool {
	return a != "" && b != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func newToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *Server) handleConsoleLoginForm(c *fiber.Ctx) error {
	return s.renderLogin(c, fiber.StatusOK, "", "")
}

// renderLogin shows the sign-in form with a fresh login CSRF token
// (double-submit: cookie and hidden field must match), keeping the e-mail
// address typed (never the password).
func (s *Server) renderLogin(c *fiber.Ctx, status int, problem, email string) error {
	token := newToken()
	c.Cookie(&fiber.Cookie{Name: consoleLoginCSRF, Value: token, Path: "/console/login", HTTPOnly: true, Secure: s.secure, SameSite: "Strict", MaxAge: 3600})
	c.Set(fiber.HeaderCacheControl, "no-store")
	if email = strings.TrimSpace(email); len(email) > 320 || !portal.ValidText(email) {
		email = ""
	}
	return s.renderConsole(c.Status(status), "login", map[string]any{"CSRF": token, "Problem": problem, "Email": email})
}

func (s *Server) handleConsoleLogin(c *fiber.Ctx) error {
	typed := strings.Clone(c.FormValue("email"))
	if !sameToken(c.FormValue("csrf"), c.Cookies(consoleLoginCSRF)) {
		return s.renderLogin(c, fiber.StatusForbidden, "The form expired: try again.", typed)
	}
	ip := c.IP()
	email := portal.NormalizeEmail(c.FormValue("email"))
	if !s.loginByIP.allow(ip) || !s.loginByEmail.allow(email) {
		c.Set(fiber.HeaderRetryAfter, "900")
		return s.renderLogin(c, fiber.StatusTooManyRequests, "Too many sign-in attempts: wait 15 minutes.", typed)
	}
	s.loginByIP.hit(ip)
	ctx, cancel := s.userContext(c)
	defer cancel()
	ctx = portal.WithActor(ctx, portal.Actor{Kind: portal.ActorUser, IP: ip, Forwarded: forwardedOf(c), UserAgent: truncate(c.Get(fiber.HeaderUserAgent), 300)})
	u, err := s.deps.Tenants.Authenticate(ctx, email, c.FormValue("password"))
	if err != nil {
		if portal.ErrorCode(err) == portal.EUNAUTHORIZED {
			s.loginByEmail.hit(email)
			return s.renderLogin(c, fiber.StatusUnauthorized, "Wrong e-mail or password.", typed)
		}
		return err
	}
	_, token, err := s.deps.ConsoleSessions.CreateConsoleSession(ctx, u, consoleSessionTTL)
	if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: consoleCookie, Value: token, Path: "/", HTTPOnly: true, Secure: s.secure, SameSite: "Lax", MaxAge: int(consoleSessionTTL.Seconds())})
	c.ClearCookie(consoleLoginCSRF)
	return c.Redirect("/console", fiber.StatusSeeOther)
}

func (s *Server) handleConsoleLogout(c *fiber.Ctx) error {
	ctx, cancel := s.userContext(c)
	defer cancel()
	if err := s.deps.ConsoleSessions.EndConsoleSession(ctx, c.Cookies(consoleCookie)); err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: consoleCookie, Value: "", Path: "/", HTTPOnly: true, Secure: s.secure, SameSite: "Lax", MaxAge: -1})
	return c.Redirect("/console/login", fiber.StatusSeeOther)
}
