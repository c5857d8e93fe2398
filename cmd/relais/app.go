package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/breaches"
	"github.com/relais/relais/portal/court"
	"github.com/relais/relais/portal/datakey"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/payments"
	"github.com/relais/relais/portal/privacy"
	"github.com/relais/relais/portal/promises"
	"github.com/relais/relais/portal/ratefeed"
	"github.com/relais/relais/portal/ratelimit"
	"github.com/relais/relais/portal/reminders"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/stripe"
	"github.com/relais/relais/portal/webhooks"
	"github.com/relais/relais/server"
)

// app is everything a running instance holds, built once by build.
type app struct {
	cfg    config
	log    *slog.Logger
	clock  portal.Clock
	db     *store.DB
	server *server.Server
	// rates are the interest rates the server computes with; rateJobs
	// keeps them current (the database's lines, the daily ECB update).
	rates    *rules.Rates
	rateJobs *ratefeed.Scheduler
	// instalments charges due card instalments and sweeps broken plans.
	instalments *payments.Scheduler
	// reminders is the reminder scheduler, nil when off.
	reminders *reminders.Scheduler
	// webhooks sends the tenants' webhook deliveries (issue 19).
	webhooks *webhooks.Worker
	// checkpoints signs the chain heads daily (issue 26.6), nil when off.
	checkpoints *evidence.Checkpointer
	// promises judges promises to pay past their date (issue 20).
	promises *promises.Job
	// breaches records every minute the breaches of response targets of
	// the conversations still waiting past their due time (issue 21).
	breaches *breaches.Job
}

// openDB opens and (unless told not to) migrates the database.
func openDB(ctx context.Context, cfg config, log *slog.Logger, migrate bool, rates *rules.Rates) (*store.DB, error) {
	db, err := store.Open(cfg.DatabaseURL, store.Options{Logger: log, MaxOpenConns: cfg.MaxConnections, Clock: cfg.clock, Rates: rates})
	if err != nil {
		return nil, err
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("database %s is not reachable: %w", redactedDatabaseURL(cfg.DatabaseURL), err)
	}
	st, err := db.SchemaState(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if st.Current > st.Latest {
		db.Close()
		return nil, store.ErrSchemaTooNew{Database: st.Current, Binary: st.Latest}
	}
	if len(st.Pending) > 0 {
		if !migrate {
			db.Close()
			return nil, fmt.Errorf("the database has %d pending migrations (schema %d, binary %d): run 'relais migrate up' or start without --no-migrate", len(st.Pending), st.Current, st.Latest)
		}
		log.Info("applying migrations", "from", st.Current, "to", st.Latest)
		if err := db.Migrate(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

// loadRates returns the embedded interest rates extended by the
// configured rates file.
func loadRates(cfg config) (*rules.Rates, error) {
	rates, err := rules.Default()
	if err != nil {
		return nil, err
	}
	if cfg.RatesFile != "" {
		if err := rates.Extend(cfg.RatesFile); err != nil {
			return nil, fmt.Errorf("%s", portal.ErrorMessage(err))
		}
	}
	return rates, nil
}

// warnMissingRates says at start when today's published interest rates are
// not in Relais' data: claims needing them count interest up to the last
// day with a rate until they are added. /healthz keeps listing them
// (rates_missing) for monitoring, as an instance may run past the 1st of
// January or July.
func (a *app) warnMissingRates() {
	if missing := a.rates.MissingOn(portal.DateOf(a.clock.Now())); len(missing) > 0 {
		a.log.Warn("no published interest rate for today in some series: claims that need one count interest up to the last day with a rate; add the rates with 'relais rates update' or 'relais rates set' (see 'relais rates')",
			"series", strings.Join(missing, ","))
	}
}

// build wires the services into the HTTP server. server/servertest wires
// the end-to-end tests the same way: a service added here goes there too.
func build(ctx context.Context, cfg config, log *slog.Logger, migrate bool) (*app, error) {
	// The rates first: the store settles a claim paid in full with the
	// same rates the server computes balances with.
	rates, err := loadRates(cfg)
	if err != nil {
		return nil, err
	}
	db, err := openDB(ctx, cfg, log, migrate, rates)
	if err != nil {
		return nil, err
	}
	clock := portal.SystemClock{}
	host, _ := os.Hostname()
	owner := fmt.Sprintf("%s/%d", host, os.Getpid())
	feed, rateJobs, err := rateJobsFor(ctx, cfg, log, db, rates, owner)
	if err != nil {
		db.Close()
		return nil, err
	}
	bundler, err := evidenceBuilder(cfg, log, db, rates)
	if err != nil {
		db.Close()
		return nil, err
	}
	if err := useDataKeys(ctx, cfg, log, db); err != nil {
		db.Close()
		return nil, err
	}
	pay, err := buildPayments(cfg, log, clock, db, rates)
	if err != nil {
		db.Close()
		return nil, err
	}
	letters := newLetterStore(cfg, db, rates)
	bundler.Attachments = append(bundler.Attachments, letters, store.ReminderContent{DB: db}, store.AgreementFiles{DB: db}, store.MandateAnnexes{DB: db})
	deps := server.Deps{
		Claims: db, Tenants: db, Events: db, DB: db, Clock: clock, Logger: log,
		Evidence: bundler, Payments: pay, Transfers: pay, Instalments: db, Mandates: db, Statements: pay,
		Links: db, Disputes: db, Rates: rates, Dashboard: db,
		Escalation: db, Timelines: db, Letters: letters,
		Reminders: db, OptOuts: db, TemplateTexts: db,
		Negotiation: &negotiation.Service{Store: db, Claims: db, Balance: negotiation.RulesBalance(rates), Clock: clock,
			Location: negotiation.TenantLocation(db), Assignments: db},
		Conversations: db, Replies: db, Resolutions: db, Reads: db, Breaches: db, ConsoleSessions: db,
		Privacy:      &privacy.Service{Store: db, Clock: clock, Log: log},
		ClaimChanges: db,
		Court:        &court.Service{Source: db, Bundles: bundler, Letters: letters, Rates: rates, Files: db},
		AccountLog:   db,
	}
	if bus := db.ChatBus(); bus != nil { // PostgreSQL: several instances talk through LISTEN/NOTIFY
		deps.ChatBus = bus
	}
	// The sign-in, link and chat limits (issue 26.5): on PostgreSQL in the
	// database, which every instance behind the load balancer shares; on
	// SQLite (one instance) in memory.
	if db.Dialect == store.Postgres {
		deps.Limiter = db.Limiter()
	} else {
		deps.Limiter = ratelimit.New(clock)
	}
	sched, err := reminderScheduler(cfg, log, db, letters, clock)
	if err != nil {
		db.Close()
		return nil, err
	}
	// The identity check's one-time codes (issue 26.14) go through the
	// reminders' channels; the demo prints its e-mail instead.
	deps.Codes = db
	if deps.CodeEmail, deps.CodeSMS, err = cfg.Reminder.channels(clock); err != nil {
		db.Close()
		return nil, err
	}
	if cfg.codeMail != nil {
		deps.CodeEmail = cfg.codeMail
	}
	if cfg.SecondFactor != portal.SecondFactorOff && deps.CodeEmail == nil && deps.CodeSMS == nil {
		log.Warn("neither SMTP nor SMS is configured: the identity answer alone opens a consumer's file, with no one-time code (--second-factor)")
	}
	inst := &payments.Scheduler{Store: db, Card: pay.Card, Clock: clock, Owner: owner, Log: log,
		Interval: cfg.SchedulerEvery, Health: portal.NewJobHealth("instalments")}
	// SEPA Direct Debit (issue 20): each debit is pre-notified through the
	// reminder channels; without any channel no debit is ever taken.
	if notifier, err := debtorNotifier(cfg, clock); err != nil {
		db.Close()
		return nil, err
	} else if notifier != nil {
		inst.Mandates, inst.Notifier, pay.Notifier = db, notifier, notifier
	} else if pay.Card != nil {
		log.Info("SEPA Direct Debit plans cannot be debited: neither SMTP nor SMS is configured for their pre-notifications")
	}
	deps.Jobs = append(deps.Jobs, inst.Health)
	if sched != nil {
		sched.Health = portal.NewJobHealth("reminders")
		deps.Jobs = append(deps.Jobs, sched.Health)
	}
	deps.RateFeed = feed
	if rateJobs.Health != nil {
		deps.Jobs = append(deps.Jobs, rateJobs.Health)
	}
	// Webhooks (issue 19): the worker sends the outbox that each event's
	// transaction fills; public addresses only, unless the operator allows
	// private ones.
	hooks := &webhooks.Worker{Store: db, Clock: clock, Owner: owner, Log: log, Health: portal.NewJobHealth("webhooks"),
		AllowPrivate: cfg.WebhooksAllowPrivate, Lease: cfg.WebhooksLease}
	if cfg.WebhooksAllowPrivate {
		log.Warn("webhooks: --webhooks-allow-private is on, so a tenant's endpoint may make Relais POST into this machine's or network's private addresses")
	}
	// An endpoint disabled after three days of failures: its tenant's
	// owners are e-mailed when SMTP is configured (the console shows it
	// anyway).
	if mail, _, err := cfg.Reminder.channels(clock); err == nil && mail != nil {
		text, err := i18n.New()
		if err != nil {
			db.Close()
			return nil, err
		}
		hooks.Notify = &webhooks.MailOwners{Users: db, Mail: mail, Text: text, BaseURL: cfg.BaseURL}
	} else if mail == nil {
		log.Info("webhooks: no SMTP configured, so the owners of an endpoint disabled after three days of failures are not e-mailed (the console shows it)")
	}
	deps.Jobs = append(deps.Jobs, hooks.Health)
	// Promises to pay (issue 20): the job judges those past their date.
	deps.Promises = db
	promiseJob := &promises.Job{Store: db, Clock: clock, Owner: owner, Interval: cfg.SchedulerEvery, Log: log, Health: portal.NewJobHealth("promises")}
	deps.Jobs = append(deps.Jobs, promiseJob.Health)
	// Response targets (issue 21): the waits past their due time are
	// breaches whether or not a console page shows them.
	breachJob := &breaches.Job{Store: db, Clock: clock, Owner: owner, Log: log, Health: portal.NewJobHealth("breaches")}
	deps.Jobs = append(deps.Jobs, breachJob.Health)
	// Checkpoints of the chain heads (issue 26.6), outside the database.
	var checkpoints *evidence.Checkpointer
	if cfg.CheckpointEvery > 0 {
		checkpoints = &evidence.Checkpointer{Store: db, Leases: db, Signer: bundler.Signer, Clock: clock, Dir: cfg.CheckpointDir,
			Owner: owner, Every: cfg.CheckpointEvery, Log: log, Health: portal.NewJobHealth("checkpoints")}
		deps.Jobs = append(deps.Jobs, checkpoints.Health)
	}
	srv := server.New(server.Config{BaseURL: cfg.BaseURL, Version: version, LinkTTL: cfg.LinkTTL,
		RateEditors: splitList(cfg.RateEditors), TrustedProxies: splitList(cfg.TrustedProxies),
		ChatPerSession: cfg.ChatPerSession, ChatPerAddress: cfg.ChatPerAddress, ChatMessagesPerMinute: cfg.ChatMessagesPerMinute,
		SecondFactor: cfg.SecondFactor}, deps)
	promiseJob.Announce = srv.AnnounceSystemMessage
	return &app{cfg: cfg, log: log, clock: clock, db: db, server: srv, rates: rates, rateJobs: rateJobs, reminders: sched, instalments: inst,
		webhooks: hooks, checkpoints: checkpoints, promises: promiseJob, breaches: breachJob}, nil
}

// rateJobsFor loads the rate lines recorded in the database on top of the
// embedded and file rates, and sets up their scheduler: a refresh that
// picks up lines other instances record, and (with --rates-update on) the
// daily ECB update.
func rateJobsFor(ctx context.Context, cfg config, log *slog.Logger, db *store.DB, rates *rules.Rates, owner string) (*ratefeed.Service, *ratefeed.Scheduler, error) {
	feed := &ratefeed.Service{Rates: rates, Store: db, Clock: portal.SystemClock{}, Zone: portal.Zone(), Log: log}
	if err := feed.Reload(ctx); err != nil {
		return nil, nil, fmt.Errorf("load the rate lines recorded in the database: %w", err)
	}
	sc := &ratefeed.Scheduler{Feed: feed, Leases: db, Owner: owner, RefreshEvery: cfg.RatesRefresh, NoUpdate: true, Log: log}
	switch cfg.RatesUpdate {
	case "on":
		client, err := ecbClient(cfg)
		if err != nil {
			return nil, nil, err
		}
		feed.ECB, sc.NoUpdate = client, false
		sc.Health = portal.NewJobHealth("rates_update")
		log.Info("rates update on: the ECB main refinancing rate is read once a day", "ecb_url", cfg.ECBURL)
	case "off", "":
	default:
		return nil, nil, fmt.Errorf("--rates-update %q: give on or off", cfg.RatesUpdate)
	}
	return feed, sc, nil
}

// splitList reads a comma-separated flag value.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// newLetterStore keeps letters; a letter without a given portal URL
// carries a fresh letter-channel link.
func newLetterStore(cfg config, db *store.DB, rates *rules.Rates) *store.LetterStore {
	return &store.LetterStore{DB: db, Rates: rates,
		PortalLink: func(ctx context.Context, tenantID, claimID string) (string, string, error) {
			l, token, err := db.IssueLink(ctx, tenantID, claimID, portal.ChannelLetter, cfg.LinkTTL)
			if err != nil {
				return "", "", err
			}
			return l.ID, server.PortalURL(cfg.BaseURL, token), nil
		}}
}

// evidenceBuilder loads (or creates, at first start) the signing key and
// sets up evidence bundles. The store contributes dispute documents, build
// adds the letters; a feature that keeps other files adds its
// portal.AttachmentSource to Attachments.
func evidenceBuilder(cfg config, log *slog.Logger, db *store.DB, rates *rules.Rates) (*evidence.Builder, error) {
	keys, created, err := evidence.LoadKeySet(cfg.KeyFile)
	if err != nil {
		return nil, err
	}
	signer := keys.Signer
	if created {
		log.Warn("created a new evidence signing key: back it up and keep it secret", "key_file", cfg.KeyFile, "fingerprint", signer.Fingerprint())
	} else {
		log.Info("evidence signing key loaded", "fingerprint", signer.Fingerprint(), "retired_keys", len(keys.History.Retired))
	}
	return &evidence.Builder{Source: db, Signer: signer, KeyHistory: &keys.History, Rates: rates, Version: version,
		Attachments: []portal.AttachmentSource{db}}, nil
}

// useDataKeys loads (or creates, at first start) the data key file and
// seals with it the secrets of the database still in clear or under a
// retired key (store.DB.SealSecrets): an instance whose file lacks a key
// the database's secrets were sealed under does not start.
func useDataKeys(ctx context.Context, cfg config, log *slog.Logger, db *store.DB) error {
	path := cfg.dataKeyFile()
	keys, created, err := datakey.Load(path)
	if err != nil {
		return err
	}
	if created {
		log.Warn("created a new data key, which seals the webhook secrets in the database: back it up apart from the database, and give every instance the same file",
			"data_key_file", path, "key_id", keys.CurrentID())
	} else {
		log.Info("data key loaded", "key_id", keys.CurrentID(), "keys", len(keys.IDs()))
	}
	db.UseDataKeys(keys)
	rep, err := db.SealSecrets(ctx)
	if err != nil {
		return err
	}
	if rep.Encrypted > 0 || rep.Resealed > 0 {
		log.Info("secrets in the database sealed with the data key", "encrypted_from_clear", rep.Encrypted, "resealed_from_retired_key", rep.Resealed)
	}
	return nil
}

// buildPayments builds the payment service; card payment is on only with a
// Stripe secret key and a webhook secret (without the webhook no payment
// would ever be confirmed). The log says once why it is off.
func buildPayments(cfg config, log *slog.Logger, clock portal.Clock, db *store.DB, rates *rules.Rates) (*payments.Service, error) {
	svc := &payments.Service{Claims: db, Store: db, References: db, Statements: db, Rates: rates, Clock: clock, Log: log}
	switch {
	case cfg.StripeSecretKey == "":
		log.Info("card payment off: no --stripe-secret-key (STRIPE_SECRET_KEY); the portal offers bank transfer only")
	case cfg.StripeWebhookSecret == "":
		log.Warn("card payment off: --stripe-secret-key is set but --stripe-webhook-secret (STRIPE_WEBHOOK_SECRET) is not, so no card payment could be confirmed; the portal offers bank transfer only")
	default:
		sc, err := stripe.New(stripe.Config{SecretKey: cfg.StripeSecretKey, WebhookSecret: cfg.StripeWebhookSecret, APIBase: cfg.StripeAPIBase})
		if err != nil {
			return nil, err
		}
		svc.Card = sc
		mode := "live"
		if strings.HasPrefix(cfg.StripeSecretKey, "sk_test_") {
			mode = "test"
		}
		log.Info("card payment on", "provider", "stripe", "mode", mode, "api_base", cfg.StripeAPIBase)
	}
	return svc, nil
}

// serve listens until ctx is cancelled (SIGINT/SIGTERM), then lets
// in-flight requests finish and closes the database.
func (a *app) serve(ctx context.Context) error {
	remindersDone := make(chan struct{})
	rctx, stopReminders := context.WithCancel(ctx)
	defer stopReminders()
	if a.reminders != nil {
		a.log.Info("reminder scheduler started", "every", a.cfg.Reminder.Every)
		go runReminders(rctx, a.reminders, a.cfg.Reminder.Every, remindersDone)
	} else {
		close(remindersDone)
	}
	// The rates job loads other instances' rate lines and runs the daily
	// ECB update.
	ratesCtx, stopRates := context.WithCancel(ctx)
	defer stopRates()
	ratesDone := make(chan struct{})
	go func() {
		defer close(ratesDone)
		if a.rateJobs != nil {
			a.rateJobs.Run(ratesCtx)
		}
	}()
	// The instalment scheduler charges due card instalments and sweeps
	// broken plans.
	instCtx, stopInst := context.WithCancel(ctx)
	defer stopInst()
	instDone := make(chan struct{})
	go func() {
		defer close(instDone)
		if a.instalments != nil {
			a.instalments.Run(instCtx)
		}
	}()
	// The webhook worker sends the tenants' deliveries (issue 19).
	hooksCtx, stopHooks := context.WithCancel(ctx)
	defer stopHooks()
	hooksDone := make(chan struct{})
	go func() {
		defer close(hooksDone)
		if a.webhooks != nil {
			a.webhooks.Run(hooksCtx)
		}
	}()
	// The promises job judges promises to pay past their date (issue 20).
	promCtx, stopPromises := context.WithCancel(ctx)
	defer stopPromises()
	promDone := make(chan struct{})
	go func() {
		defer close(promDone)
		if a.promises != nil {
			a.promises.Run(promCtx)
		}
	}()
	// The breaches job records the late waits nobody has answered (issue 21).
	breachCtx, stopBreaches := context.WithCancel(ctx)
	defer stopBreaches()
	breachDone := make(chan struct{})
	go func() {
		defer close(breachDone)
		if a.breaches != nil {
			a.breaches.Run(breachCtx)
		}
	}()
	// The checkpoint job signs the chain heads once a day (issue 26.6).
	cpCtx, stopCheckpoints := context.WithCancel(ctx)
	defer stopCheckpoints()
	cpDone := make(chan struct{})
	go func() {
		defer close(cpDone)
		if a.checkpoints != nil {
			a.log.Info("evidence checkpoints on", "every", a.cfg.CheckpointEvery.String(), "dir", a.cfg.CheckpointDir)
			a.checkpoints.Run(cpCtx)
		}
	}()
	// The schedulers stop first on shutdown; a send or charge in flight
	// finishes and is recorded before the database closes.
	stop := func() {
		stopReminders()
		stopInst()
		stopRates()
		stopHooks()
		stopCheckpoints()
		stopPromises()
		stopBreaches()
		<-promDone
		<-breachDone
		<-remindersDone
		<-instDone
		<-ratesDone
		<-hooksDone
		<-cpDone
	}
	errc := make(chan error, 2)
	if a.cfg.DebugAddr != "" {
		dctx, stopDebug := context.WithCancel(ctx)
		defer stopDebug()
		go func() {
			if err := serveDebug(dctx, a.cfg.DebugAddr, a.log); err != nil {
				errc <- fmt.Errorf("--debug-addr: %w", err)
			}
		}()
	}
	go func() { errc <- a.server.Listen(a.cfg.Addr) }()
	select {
	case err := <-errc:
		stop()
		a.db.Close()
		return err
	case <-ctx.Done():
	}
	a.log.Info("shutting down: finishing in-flight requests")
	wait := a.cfg.ShutdownWait
	if wait == 0 {
		wait = 20 * time.Second
	}
	err := a.server.Shutdown(wait)
	stop()
	a.db.Close()
	return err
}
