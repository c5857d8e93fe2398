// Package server owns HTTP: the Fiber app, its route table, middleware,
// error mapping and handlers. Handlers are thin: parse, validate, one
// service call, render. Dependencies arrive as interfaces in Deps.
package server

import (
	"context"
	"html/template"
	"log/slog"
	"net/netip"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/ratefeed"
	"github.com/relais/relais/portal/ratelimit"
	"github.com/relais/relais/portal/reminders"
	"github.com/relais/relais/portal/rules"
)

// Pinger checks a dependency for /readyz.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Config is what the server needs to know about its deployment.
type Config struct {
	// BaseURL is the public address (scheme and host) used in every link and
	// checked against websocket Origin headers.
	BaseURL string
	// Version is printed by /healthz and in evidence bundles.
	Version string
	// BodyLimit bounds the body of an API call, in bytes (default
	// DefaultBodyLimit); webhooks and forms get less, the three upload
	// routes their own limits (bodylimit.go).
	BodyLimit int
	// BodyBudget bounds the bytes of request bodies held at once by all
	// requests (default DefaultBodyBudget); over it a request is 503. It
	// must exceed the largest upload.
	BodyBudget int
	// RequestTimeout bounds the time a handler's database calls may take.
	RequestTimeout time.Duration
	// LinkTTL is how long a new portal link stays valid (default 90 days).
	LinkTTL time.Duration
	// TokenBurst and TokenEvery limit portal link attempts per client
	// address (an IPv6 client by its /64): TokenBurst at once, then one per
	// TokenEvery (default 10, 1 minute), counted by Deps.Limiter.
	TokenBurst int
	TokenEvery time.Duration
	// PresenceEvery and PresenceTTL tune how instances tell each other
	// about agents on conversations (default 20 s and 50 s; tests shorten
	// them).
	PresenceEvery, PresenceTTL time.Duration
	// RateEditors are the tenants whose owners (and API keys) may change
	// the interest rates, which every tenant shares; empty: none, the
	// operator uses the CLI.
	RateEditors []string
	// TrustedProxies are the addresses and CIDR ranges (ParseTrustedProxies)
	// of the reverse proxies in front of Relais. X-Forwarded-For is read
	// only from a peer in the list, and the client is its rightmost address
	// that is not in the list; empty (the default), the header is ignored
	// and the client is the peer.
	TrustedProxies []string
	// ChatPerSession bounds the live chat connections of one portal
	// session and of one console session (default 5); ChatPerAddress those
	// of debtors from one client address (default 50; an IPv6 client by its
	// /64); ChatMessagesPerMinute the messages stored per conversation and
	// side (debtor, agents) in a minute (default 30). Connections are
	// counted by this instance's hub (they are its sockets), messages by
	// Deps.Limiter (shared by the instances on PostgreSQL); negative: no
	// limit.
	ChatPerSession, ChatPerAddress, ChatMessagesPerMinute int
	// SecondFactor is which debtors get a one-time code after the identity
	// answer (issue 26.14): portal.SecondFactorConsumer (""; the default),
	// portal.SecondFactorAll or portal.SecondFactorOff. A code needs
	// Deps.Codes and a sender for a contact the debtor has on file
	// (Deps.CodeEmail for the e-mail address, else Deps.CodeSMS for the
	// phone); without one the identity answer alone opens the file.
	SecondFactor string
}

// Deps are the services handlers call.
type Deps struct {
	Claims  portal.ClaimService
	Tenants portal.TenantService
	Events  portal.EventLog
	// Links and Disputes run the debtor portal.
	Links    portal.LinkService
	Disputes portal.DisputeService
	// Codes keeps the one-time codes of the identity check's second
	// factor, sent through CodeEmail or CodeSMS (the reminders' channels);
	// nil, or neither sender: no second factor (Config.SecondFactor).
	Codes     portal.IdentityCodes
	CodeEmail reminders.EmailSender
	CodeSMS   reminders.SMSSender
	// Rates computes legal interest and indemnities (rules.Default()
	// extended by the configured rates file).
	Rates *rules.Rates
	// RateFeed records the rate lines an operator enters (nil: the rates
	// pages answer 503).
	RateFeed *ratefeed.Service
	DB       Pinger
	// Payments runs card checkout and the Stripe webhook; nil or without a
	// key, the portal offers bank transfer only.
	Payments portal.PaymentService
	// Transfers gives bank transfer details, reference and EPC QR code.
	Transfers portal.TransferService
	// Statements imports and reconciles bank statements.
	Statements portal.StatementService
	// Instalments lists plan instalments with their statuses.
	Instalments portal.InstalmentService
	// Mandates lists the SEPA Direct Debit mandates of a claim (nil: the
	// portal shows none).
	Mandates portal.MandateStore
	Clock    portal.Clock
	Logger   *slog.Logger
	// Limiter keeps the sign-in, link-open and chat message limits (issue
	// 26.5): the database's (store.DB.Limiter) when several instances
	// share PostgreSQL, so that every instance counts the same attempts;
	// nil: in this instance's memory (ratelimit.New on Clock).
	Limiter portal.Limiter
	// Jobs are the background schedulers of this instance, listed by
	// /healthz with their last run and success.
	Jobs []*portal.JobHealth
	// Promises records and lists promises to pay (issue 20; nil: the
	// promise routes and forms answer 503).
	Promises portal.PromiseService

	// Evidence makes evidence bundles and shows the signing key.
	Evidence EvidenceBundler
	// Court makes the court documents of a claim (nil: 503).
	Court CourtFiler

	// Live negotiation. Negotiation runs the offers and policy;
	// Conversations is its store; ChatBus carries new-message notices
	// between instances (nil: this instance alone, e.g. on SQLite).
	Negotiation     *negotiation.Service
	Conversations   negotiation.Store
	ChatBus         ChatBus
	ConsoleSessions portal.ConsoleSessions
	// Escalation moves claims through stages and statuses; Timelines
	// builds their timelines; Letters renders and keeps letters.
	Escalation portal.EscalationService
	Timelines  TimelineSource
	Letters    portal.LetterService

	// Reminders serves sequences, sends and letters to print; OptOuts the
	// debtor's unsubscribe page.
	Reminders portal.ReminderService
	OptOuts   portal.OptOutService
	// TemplateTexts keeps the tenant's own template texts (nil: the
	// console shows the shipped ones and cannot change them).
	TemplateTexts portal.TemplateTextService

	// Privacy sets the retention policy and exports a debtor's data.
	Privacy portal.PrivacyService

	// ClaimChanges edits a stored claim's debtor contact data and records
	// credit notes (the console's back-office; nil: those forms answer 503).
	ClaimChanges portal.ClaimChanges
	// AccountLog reads the account log: GET /api/v1/account-log, and the
	// history the console's policy and retention pages show (nil: the API
	// answers 503, the pages show no history).
	AccountLog portal.AccountLog
	// Dashboard computes the portfolio dashboard (nil: its pages answer 503).
	Dashboard portal.DashboardStore
	// Replies keeps the creditors' prepared replies (nil: the composer
	// offers none and their pages answer 503).
	Replies negotiation.ReplyStore
	// Resolutions resolves conversations and keeps the satisfaction
	// survey (nil: not offered).
	Resolutions negotiation.Resolutions
	// Reads keeps what each console user has read of each conversation
	// (nil: no unread counts).
	Reads negotiation.ReadMarks
	// Breaches records the response targets missed (nil: shown in the
	// queue, not recorded).
	Breaches negotiation.ResponseBreaches
}

// Server is the HTTP server.
type Server struct {
	cfg  Config
	deps Deps
	log  *slog.Logger
	app  *fiber.App
	// secure is true when BaseURL is https: cookies get Secure, HSTS is sent.
	secure bool

	// Live chat: the hub of this instance's connections, and the upgrader.
	hub          *Hub
	stopHub      context.CancelFunc
	chatOnce     sync.Once
	chatUpgrader fiber.Handler
	// chatWritePool holds the write buffers of the chat connections,
	// each taken for one frame (chatWS).
	chatWritePool sync.Pool
	// limiter is Deps.Limiter (or the in-memory one): sign-in, link-open
	// and chat message limits.
	limiter portal.Limiter
	// Debtor portal: translations, parsed pages and the zone "today" is
	// reckoned in.
	i18n  *i18n.Bundle
	pages map[string]map[string]*template.Template // by language, then page
	loc   *time.Location
	// bodies is the byte budget of request bodies in flight.
	bodies *byteBudget
	// trusted is the parsed TrustedProxies (ratelimit.go);
	// untrustedProxyOnce warns once of a private peer's ignored header.
	trusted            atomic.Pointer[[]netip.Prefix]
	untrustedProxyOnce sync.Once
}

// New builds the server and its routes. It panics if the embedded portal
// pages or messages do not parse, which tests catch before any release.
func New(cfg Config, deps Deps) *Server {
	if cfg.BodyLimit == 0 {
		cfg.BodyLimit = DefaultBodyLimit
	}
	if cfg.BodyBudget == 0 {
		cfg.BodyBudget = DefaultBodyBudget
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = 15 * time.Second
	}
	if deps.Clock == nil {
		deps.Clock = portal.SystemClock{}
	}
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	if cfg.LinkTTL <= 0 {
		cfg.LinkTTL = portal.DefaultLinkTTL
	}
	if cfg.TokenBurst <= 0 {
		cfg.TokenBurst = 10
	}
	if cfg.TokenEvery <= 0 {
		cfg.TokenEvery = time.Minute
	}
	s := &Server{cfg: cfg, deps: deps, log: deps.Logger, bodies: &byteBudget{max: cfg.BodyBudget}}
	if err := s.TrustProxies(cfg.TrustedProxies); err != nil {
		panic("server: " + err.Error()) // the CLI checks the list first (ParseTrustedProxies)
	}
	if s.limiter = deps.Limiter; s.limiter == nil {
		s.limiter = ratelimit.New(deps.Clock)
	}
	if deps.Conversations != nil && deps.Negotiation != nil {
		s.hub = NewHub(deps.Conversations, deps.ChatBus, deps.Logger)
		s.hub.limiter = s.limiter
		if cfg.PresenceEvery > 0 {
			s.hub.presenceEvery = cfg.PresenceEvery
		}
		if cfg.PresenceTTL > 0 {
			s.hub.presenceTTL = cfg.PresenceTTL
		}
		s.hub.limits = chatLimits{perSession: orDefault(cfg.ChatPerSession, defaultChatPerSession),
			perAddress: orDefault(cfg.ChatPerAddress, defaultChatPerAddress), perMinute: orDefault(cfg.ChatMessagesPerMinute, defaultChatPerMinute)}
		ctx, cancel := context.WithCancel(context.Background())
		s.stopHub = cancel
		go s.hub.Run(ctx)
	}
	if err := s.initPortal(); err != nil {
		panic("server: " + err.Error())
	}
	if u, err := url.Parse(cfg.BaseURL); err == nil && u.Scheme == "https" {
		s.secure = true
	}
	s.app = fiber.New(fiber.Config{
		AppName:               "relais",
		ErrorHandler:          s.handleError,
		DisableStartupMessage: true,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
		// Bodies are streamed, and limited per route by limitBody:
		// fasthttp reads at most 8 KiB of one before the app runs.
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		// Not ReduceMemoryUsage: with StreamRequestBody, fasthttp 1.52 then
		// gives a connection's reader back to its pool while the request's
		// body stream still reads from it (server.go, serveConn), so bodies
		// can mix between connections; oversize uploads stopped getting
		// their 413 (TestBodyLimitMemory). It saved 13 KiB per idle chat
		// connection (issue 22).
		BodyLimit: disputeBodyLimit,
		// Fiber believes no proxy header from anyone: its ProxyHeader
		// takes the leftmost X-Forwarded-For address, which the client
		// writes. clientAddress (ratelimit.go) decides the client address
		// from Config.TrustedProxies, and c.IP() returns it.
		EnableTrustedProxyCheck: true,
		TrustedProxies:          nil,
	})
	// A chat connection whose socket fasthttp does not read through its
	// buffer hands it to a goroutine of its own and lets fasthttp have its
	// request back (runConn, issue 22; without ReduceMemoryUsage that does
	// not happen yet): fasthttp must then leave the socket open, the chat
	// closes it, as it does on every path.
	s.app.Server().KeepHijackedConns = true
	s.app.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: s.logPanic}))
	s.app.Use(s.clientAddress)
	s.app.Use(requestid.New())
	s.app.Use(s.logRequests)
	s.app.Use(s.securityHeaders)
	s.app.Use(s.limitBody)
	s.routes()
	return s
}

// App exposes the Fiber app for tests (app.Test) and for listening.
func (s *Server) App() *fiber.App { return s.app }

// Listen serves on addr until Shutdown.
func (s *Server) Listen(addr string) error { return s.app.Listen(addr) }

// Shutdown closes every chat connection with 1001 (going away), stops
// accepting connections and waits for in-flight requests.
func (s *Server) Shutdown(timeout time.Duration) error {
	if s.hub != nil {
		s.hub.Shutdown(timeout / 4)
		s.stopHub()
	}
	return s.app.ShutdownWithTimeout(timeout)
}

// Hub is the live chat hub (nil when the negotiation is not wired).
func (s *Server) Hub() *Hub { return s.hub }

// userContext returns a context for service calls that outlives nothing of
// Fiber's: it carries the request timeout and the actor.
func (s *Server) userContext(c *fiber.Ctx) (context.Context, context.CancelFunc) {
	return s.actorContext(c, s.cfg.RequestTimeout)
}

// actorContext is userContext with its own timeout: the requests that
// build a bundle, and record what they made with the caller as actor.
func (s *Server) actorContext(c *fiber.Ctx, timeout time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(c.UserContext(), timeout)
	if a, ok := c.Locals(localActor).(portal.Actor); ok {
		if a.Forwarded == "" && a.IP != "" {
			a.Forwarded = forwardedOf(c) // the proxy chain, whoever built the actor
		}
		ctx = portal.WithActor(ctx, a)
	}
	return ctx, cancel
}

func (s *Server) logPanic(c *fiber.Ctx, e any) {
	s.log.Error("panic", "err", e, "route", routePattern(c), "request_id", c.Locals("requestid"), "stack", string(debug.Stack()))
}

// routePattern is the matched route ("/p/:token"), never the raw path, so
// that tokens in URLs do not reach the logs.
func routePattern(c *fiber.Ctx) string {
	if r := c.Route(); r != nil {
		return r.Path
	}
	return ""
}

func (s *Server) logRequests(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		if fe, ok := err.(*fiber.Error); ok {
			status = fe.Code
		} else {
			status = statusFor(err)
		}
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	s.log.LogAttrs(c.UserContext(), level, "request",
		slog.Group("http", slog.String("method", c.Method()), slog.String("route", routePattern(c)),
			slog.Int("status", status), slog.Int64("ms", time.Since(start).Milliseconds()),
			slog.String("request_id", stringLocal(c, "requestid"))))
	return err
}

func stringLocal(c *fiber.Ctx, key string) string {
	v, _ := c.Locals(key).(string)
	return v
}

// ContentSecurityPolicy allows only this origin: no inline script or style,
// no third-party resource, no framing.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// PortalPaymentCSP is the policy of portal pages when card payment is on:
// the same, except that the "Pay by card" form may be redirected to
// Stripe's hosted Checkout page (browsers apply form-action to the
// redirect that follows a form submission).
const PortalPaymentCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self' https://checkout.stripe.com; frame-ancestors 'none'"

func (s *Server) securityHeaders(c *fiber.Ctx) error {
	h := func(k, v string) { c.Set(k, v) }
	if strings.HasPrefix(c.Path(), "/p") && s.deps.Payments != nil && s.deps.Payments.CardEnabled() {
		h("Content-Security-Policy", PortalPaymentCSP)
	} else {
		h("Content-Security-Policy", ContentSecurityPolicy)
	}
	h("X-Content-Type-Options", "nosniff")
	h("X-Frame-Options", "DENY")
	h("Referrer-Policy", "no-referrer")
	h("Cross-Origin-Opener-Policy", "same-origin")
	h("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	if s.secure {
		h("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
	if strings.HasPrefix(c.Path(), "/api/") {
		h("Cache-Control", "no-store")
	}
	return c.Next()
}
