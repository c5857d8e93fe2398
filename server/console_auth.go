package server

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/i18n"
)

// Console sign-in settings.
const (
	consoleCookie     = "relais_console"
	consoleLoginCSRF  = "relais_login_csrf"
	consoleSessionTTL = 12 * time.Hour
)

// Sign-in throttling (issue 26.5): lock the source, slow the account.
//
// The source (the client address, an IPv6 client by its /64) has
// loginPerIP attempts, refilled over loginWindow (one every 45 s): past
// them it is refused, whatever the account, until a token comes back.
// A sign-in that succeeds gives its token back, so the source counts
// failures (and refusals).
//
// The account (the normalised e-mail address) has loginFailsPerEmail
// attempts at once from anywhere, then one every loginAccountEvery. A
// plain bucket shared by everyone would let an attacker who fails from
// many addresses take each token as it comes back and keep the real user
// out for as long as the attack lasts. So once the account's bucket is
// empty no source competes for it: each source waits its own turn, a
// bucket of its own for that account (loginTurn): the first attempt is
// refused with "wait loginAccountEvery", and from then on the source may
// try once every loginAccountEvery whatever other sources do. The real
// user signing in from an address of their own therefore waits at most
// loginAccountEvery (30 s) while the account is under attack, and never a
// lock that an attacker renews; each attacking address gets one guess at
// the account per 30 s, and its own source limit besides.
const (
	loginPerIP         = 20
	loginWindow        = 15 * time.Minute
	loginFailsPerEmail = 5
	loginAccountEvery  = 30 * time.Second
)

var (
	loginSource  = portal.Bucket{Burst: loginPerIP, Every: loginWindow / loginPerIP}
	loginAccount = portal.Bucket{Burst: loginFailsPerEmail, Every: loginAccountEvery}
	// loginTurn holds two tokens: a source that finds the account slowed
	// takes both (its turn starts), and comes back for one when it has
	// refilled. A source quiet for two periods starts over.
	loginTurn = portal.Bucket{Burst: 2, Every: loginAccountEvery}
)

// loginGate decides whether a sign-in attempt on email from source may
// check the password. It returns the wait when it may not, and when it may
// what to give back if the password is right.
func (s *Server) loginGate(ctx context.Context, source, email string) (wait time.Duration, onSuccess func(), err error) {
	lim := s.limiter
	src := portal.LimitKey("login-ip", addressKey(source))
	ok, wait, err := lim.Take(ctx, src, loginSource, 1)
	if err != nil || !ok {
		return wait, nil, err
	}
	acct := portal.LimitKey("login-acct", email)
	giveBack := func(account bool) func() {
		return func() {
			_, _, err := lim.Take(ctx, src, loginSource, -1)
			if account && err == nil {
				_, _, err = lim.Take(ctx, acct, loginAccount, -1)
			}
			if err != nil {
				s.log.WarnContext(ctx, "give back a sign-in attempt", "err", err)
			}
		}
	}
	if ok, _, err = lim.Take(ctx, acct, loginAccount, 1); err != nil {
		return 0, nil, err
	}
	if ok {
		return 0, giveBack(true), nil
	}
	turn := portal.LimitKey("login-turn", email, addressKey(source))
	if ok, _, err = lim.Take(ctx, turn, loginTurn, 2); err != nil || ok {
		return loginAccountEvery, nil, err // the turn starts now
	}
	if ok, wait, err = lim.Take(ctx, turn, loginTurn, 1); err != nil || !ok {
		return wait, nil, err
	}
	return 0, giveBack(false), nil
}

// waitText says a wait in whole seconds, or minutes past two, in t's
// language.
func waitText(t *i18n.T, d time.Duration) string {
	sec := int(portal.RetryAfter(d) / time.Second)
	if sec < 120 {
		return countText(t, "second", sec)
	}
	return countText(t, "minute", (sec+59)/60)
}

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
	return s.renderConsole(c.Status(status), "login", map[string]any{"Title": s.consoleT(c).Text("console.login.title"), "CSRF": token, "Problem": problem, "Email": email})
}

func (s *Server) handleConsoleLogin(c *fiber.Ctx) error {
	typed := strings.Clone(c.FormValue("email"))
	if !sameToken(c.FormValue("csrf"), c.Cookies(consoleLoginCSRF)) {
		return s.renderLogin(c, fiber.StatusForbidden, s.consoleT(c).Text("console.login.expired"), typed)
	}
	ip := c.IP()
	email := portal.NormalizeEmail(c.FormValue("email"))
	ctx, cancel := s.userContext(c)
	defer cancel()
	wait, onSuccess, err := s.loginGate(ctx, ip, email)
	if err != nil {
		return err
	}
	if onSuccess == nil {
		wait = portal.RetryAfter(wait)
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait/time.Second)))
		return s.renderLogin(c, fiber.StatusTooManyRequests, s.consoleT(c).Text("console.login.toomany", "Wait", waitText(s.consoleT(c), wait)), typed)
	}
	ctx = portal.WithActor(ctx, portal.Actor{Kind: portal.ActorUser, IP: ip, Forwarded: forwardedOf(c), UserAgent: truncate(c.Get(fiber.HeaderUserAgent), 300)})
	u, err := s.deps.Tenants.Authenticate(ctx, email, c.FormValue("password"))
	if err != nil {
		if portal.ErrorCode(err) == portal.EUNAUTHORIZED {
			return s.renderLogin(c, fiber.StatusUnauthorized, s.consoleT(c).Text("console.login.wrong"), typed)
		}
		return err
	}
	onSuccess()
	_, token, err := s.deps.ConsoleSessions.CreateConsoleSession(ctx, u, consoleSessionTTL)
	if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: consoleCookie, Value: token, Path: "/", HTTPOnly: true, Secure: s.secure, SameSite: "Lax", MaxAge: int(consoleSessionTTL.Seconds())})
	c.ClearCookie(consoleLoginCSRF)
	if u.Role.AtLeast(portal.RoleAgent) && !u.Away {
		// An agent arriving, a new one too, gets what waits for an agent
		// (and any run missed, a failed one or a crash, is caught up).
		s.assignWaiting(ctx, u.TenantID)
	}
	if u.Role == portal.RoleOwner {
		// The portfolio dashboard is the owners' home (issue 18).
		return c.Redirect("/console/dashboard", fiber.StatusSeeOther)
	}
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
