// Package servertest wires and runs the whole server on a store.DB the way
// cmd/relais build() does, for tests that drive the product end to end (the
// journey, fault injection). Tests of one feature in package server wire
// only the dependencies they exercise and do not use it (they could not:
// it imports server).
package servertest

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/court"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/payments"
	"github.com/relais/relais/portal/privacy"
	"github.com/relais/relais/portal/promises"
	"github.com/relais/relais/portal/ratefeed"
	"github.com/relais/relais/portal/ratelimit"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/webhooks"
	"github.com/relais/relais/server"
)

// Options are what a test chooses; the zero value is a server with bank
// transfer only, the system clock, the embedded rates, a fresh signing key
// and no log.
type Options struct {
	// BaseURL is the public URL printed in links. Start sets it to the
	// address it listens on.
	BaseURL string
	// Version is reported by the server and written in evidence bundles.
	Version string
	Clock   portal.Clock
	Logger  *slog.Logger
	// Rates are the interest rates (rules.Default() when nil).
	Rates *rules.Rates
	// Signer signs evidence bundles (a fresh key when nil).
	Signer *evidence.Signer
	// Card takes card payments (e.g. a stripe.Client on stripe-mock); nil
	// leaves bank transfer only, as serve does without a Stripe key.
	Card portal.CardPayments
	// LinkTTL is the validity of new portal links (portal.DefaultLinkTTL
	// when zero).
	LinkTTL time.Duration
	// RateEditors are the tenants whose owners may change the rates.
	RateEditors []string
}

// Wiring is the wired server: its configuration and dependencies, and the
// services a test reaches into.
type Wiring struct {
	Config   server.Config
	Deps     server.Deps
	Payments *payments.Service
	Letters  *store.LetterStore
	Evidence *evidence.Builder
	// RateFeed loads the rate lines recorded in the database on top of
	// Rates; a test calls its Refresh where serve's scheduler would.
	RateFeed *ratefeed.Service
	// Webhooks sends the webhook outbox (issue 19); a test calls its
	// RunOnce where serve runs it. It may reach loopback receivers.
	Webhooks *webhooks.Worker
	// Promises judges overdue promises to pay; a test calls its RunOnce
	// where serve runs it.
	Promises *promises.Job
}

// Wire builds the services on db as cmd/relais build() does.
func Wire(t testing.TB, db *store.DB, o Options) *Wiring {
	t.Helper()
	if o.Version == "" {
		o.Version = "test"
	}
	if o.Clock == nil {
		o.Clock = portal.SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.LinkTTL == 0 {
		o.LinkTTL = portal.DefaultLinkTTL
	}
	var err error
	if o.Rates == nil {
		if o.Rates, err = rules.Default(); err != nil {
			t.Fatal(err)
		}
	}
	db.UseRates(o.Rates) // as cmd/relais opens the store with the server's rates
	if o.Signer == nil {
		if o.Signer, err = evidence.GenerateSigner(); err != nil {
			t.Fatal(err)
		}
	}
	feed := &ratefeed.Service{Rates: o.Rates, Store: db, Clock: o.Clock, Zone: portal.Zone()}
	if err := feed.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	pay := &payments.Service{Claims: db, Store: db, References: db, Statements: db, Rates: o.Rates, Clock: o.Clock, Log: o.Logger}
	if o.Card != nil {
		pay.Card = o.Card
	}
	// A letter without a given portal URL carries a fresh letter link.
	letters := &store.LetterStore{DB: db, Rates: o.Rates,
		PortalLink: func(ctx context.Context, tenantID, claimID string) (string, string, error) {
			l, token, err := db.IssueLink(ctx, tenantID, claimID, portal.ChannelLetter, o.LinkTTL)
			if err != nil {
				return "", "", err
			}
			return l.ID, server.PortalURL(o.BaseURL, token), nil
		}}
	bundler := &evidence.Builder{Source: db, Signer: o.Signer, Rates: o.Rates, Version: o.Version,
		Attachments: []portal.AttachmentSource{db, letters, store.ReminderContent{DB: db}, store.AgreementFiles{DB: db}, store.MandateAnnexes{DB: db}}}
	deps := server.Deps{
		Claims: db, Tenants: db, Events: db, DB: db, Clock: o.Clock, Logger: o.Logger,
		Evidence: bundler, Payments: pay, Transfers: pay, Instalments: db, Mandates: db, Statements: pay,
		Links: db, Disputes: db, Codes: db, Rates: o.Rates, RateFeed: feed, Dashboard: db,
		Escalation: db, Timelines: db, Letters: letters,
		Reminders: db, OptOuts: db, TemplateTexts: db,
		Negotiation: &negotiation.Service{Store: db, Claims: db, Balance: negotiation.RulesBalance(o.Rates), Clock: o.Clock,
			Location: negotiation.TenantLocation(db), Assignments: db},
		Conversations: db, Replies: db, Resolutions: db, Reads: db, Breaches: db, ConsoleSessions: db,
		Privacy:      &privacy.Service{Store: db, Clock: o.Clock, Log: o.Logger},
		Court:        &court.Service{Source: db, Bundles: bundler, Letters: letters, Rates: o.Rates, Files: db},
		ClaimChanges: db,
		AccountLog:   db,
	}
	if bus := db.ChatBus(); bus != nil { // PostgreSQL: LISTEN/NOTIFY, as in production
		deps.ChatBus = bus
	}
	if db.Dialect == store.Postgres { // the limits in the database, as in production
		deps.Limiter = db.Limiter()
	} else {
		deps.Limiter = ratelimit.New(o.Clock)
	}
	hooks := &webhooks.Worker{Store: db, Clock: o.Clock, Owner: "servertest", Log: o.Logger, AllowPrivate: true,
		Health: portal.NewJobHealth("webhooks")}
	deps.Jobs = append(deps.Jobs, hooks.Health)
	deps.Promises = db
	promiseJob := &promises.Job{Store: db, Clock: o.Clock, Owner: "servertest", Log: o.Logger, Health: portal.NewJobHealth("promises")}
	deps.Jobs = append(deps.Jobs, promiseJob.Health)
	return &Wiring{Promises: promiseJob,
		Config: server.Config{BaseURL: o.BaseURL, Version: o.Version, LinkTTL: o.LinkTTL, RateEditors: o.RateEditors},
		Deps:   deps, Payments: pay, Letters: letters, Evidence: bundler, RateFeed: feed, Webhooks: hooks,
	}
}

// Running is a server listening on a loopback port until the test ends.
type Running struct {
	*Wiring
	Server *server.Server
	// Base is http://127.0.0.1:port, the server's only origin.
	Base string
}

// Start wires the server on db and serves it on a free loopback port,
// which becomes o.BaseURL; it shuts down when the test ends.
func Start(t testing.TB, db *store.DB, o Options) *Running {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o.BaseURL = "http://" + ln.Addr().String()
	w := Wire(t, db, o)
	srv := server.New(w.Config, w.Deps)
	w.Promises.Announce = srv.AnnounceSystemMessage
	go func() { _ = srv.App().Listener(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown(5 * time.Second) })
	return &Running{Wiring: w, Server: srv, Base: o.BaseURL}
}
