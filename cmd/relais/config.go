package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/reminders"
	"github.com/relais/relais/server"
)

// config is every setting of a running Relais. Defaults come from the
// environment, flags override them.
type config struct {
	Addr           string
	DatabaseURL    string
	BaseURL        string
	LogLevel       string
	LogFormat      string
	NoMigrate      bool
	ShutdownWait   time.Duration
	MaxConnections int
	// LinkTTL is how long a new debtor portal link stays valid.
	LinkTTL time.Duration
	// RatesFile extends the embedded interest rates (newly published rates).
	RatesFile string
	// ECBURL and ECBFormat are where the rates update reads the ECB main
	// refinancing rate; RatesUpdate turns serve's daily update on or off;
	// RatesRefresh is how often serve loads lines other instances recorded.
	ECBURL, ECBFormat string
	RatesUpdate       string
	RatesRefresh      time.Duration
	// RateEditors are the tenants whose owners may change the rates,
	// which every tenant of the instance shares (serve only).
	RateEditors string
	// Stripe: without a secret key card payment is off (bank transfer only).
	StripeSecretKey     string
	StripeWebhookSecret string
	StripeAPIBase       string
	// KeyFile holds the instance's Ed25519 evidence signing key, outside
	// the database; created at first start.
	KeyFile string
	// DataKeyFile holds the AES-256 data keys sealing the secrets kept in
	// the database (webhook signing secrets), outside it; created at first
	// start. Empty: data.key beside KeyFile.
	DataKeyFile string
	// CheckpointDir receives the signed checkpoints of the chain heads,
	// one directory per tenant, outside the database (issue 26.6);
	// CheckpointEvery is how often serve makes them (0: never).
	CheckpointDir   string
	CheckpointEvery time.Duration
	// Reminder configures reminder channels and the scheduler (serve only).
	Reminder reminderConfig
	// SchedulerEvery is the interval of the instalment scheduler (serve only).
	SchedulerEvery time.Duration
	// DebugAddr, when set, serves Go's profiles (net/http/pprof) on a
	// separate listener for operators (serve only).
	DebugAddr string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed, comma-separated addresses and CIDR ranges (serve only;
	// empty: none, the client is the TCP peer).
	TrustedProxies string
	// WebhooksAllowPrivate lets webhook deliveries reach loopback,
	// private and link-local addresses (a receiver on the operator's own
	// network; off by default: server-side request forgery).
	WebhooksAllowPrivate bool
	// WebhooksLease is how long an instance holds the deliveries it
	// takes: another takes them over after it when the first died.
	WebhooksLease time.Duration
	// ChatPerSession, ChatPerAddress and ChatMessagesPerMinute bound the
	// live chat (server.Config; 0: the server's default, negative: none).
	ChatPerSession, ChatPerAddress, ChatMessagesPerMinute int

	// SecondFactor is which debtors get a one-time code after the identity
	// answer: consumer (default), all or off (server.Config.SecondFactor).
	SecondFactor string

	// clock is the time the database side of a command reads (nil: the
	// system clock). Tests set it: the purge decides on its today.
	clock portal.Clock
	// codeMail, when set, carries the one-time codes' e-mail instead of
	// SMTP: the demo prints them.
	codeMail reminders.EmailSender
}

func envOr(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

// envDuration reads a duration from the environment ("2160h"), or def.
func envDuration(key string, def time.Duration) time.Duration {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			return d
		}
	}
	return def
}

// register adds the shared flags to fs.
func (c *config) register(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", envOr("RELAIS_ADDR", "127.0.0.1:8080"), "listen address (env RELAIS_ADDR)")
	fs.StringVar(&c.DatabaseURL, "database-url", envOr("DATABASE_URL", "relais.db"), "postgres:// URL, or a SQLite file path (env DATABASE_URL)")
	fs.StringVar(&c.BaseURL, "base-url", envOr("RELAIS_BASE_URL", ""), "public URL used in every link (env RELAIS_BASE_URL; default http://<addr>)")
	fs.StringVar(&c.LogLevel, "log-level", envOr("RELAIS_LOG_LEVEL", "info"), "debug, info, warn or error (env RELAIS_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", envOr("RELAIS_LOG_FORMAT", "text"), "text or json (env RELAIS_LOG_FORMAT)")
	fs.IntVar(&c.MaxConnections, "db-max-conns", 20, "PostgreSQL pool size of this instance")
	fs.DurationVar(&c.LinkTTL, "link-ttl", envDuration("RELAIS_LINK_TTL", 90*24*time.Hour), "how long a debtor portal link stays valid, e.g. 2160h (env RELAIS_LINK_TTL)")
	fs.StringVar(&c.RatesFile, "rates-file", envOr("RELAIS_RATES_FILE", ""), "JSON file of interest rates extending the embedded ones (env RELAIS_RATES_FILE)")
	fs.StringVar(&c.StripeSecretKey, "stripe-secret-key", envOr("STRIPE_SECRET_KEY", ""), "Stripe secret key; empty turns card payment off (env STRIPE_SECRET_KEY)")
	fs.StringVar(&c.StripeWebhookSecret, "stripe-webhook-secret", envOr("STRIPE_WEBHOOK_SECRET", ""), "signing secret of the /webhooks/stripe endpoint (env STRIPE_WEBHOOK_SECRET)")
	fs.StringVar(&c.StripeAPIBase, "stripe-api-base", envOr("STRIPE_API_BASE", ""), "Stripe API base URL, e.g. a stripe-mock (env STRIPE_API_BASE; default https://api.stripe.com)")
	fs.StringVar(&c.SecondFactor, "second-factor", envOr("RELAIS_SECOND_FACTOR", portal.SecondFactorConsumer),
		"which debtors must enter a one-time code, sent to the e-mail address (else the phone) on file through the reminders' SMTP or SMS settings, after the identity answer: consumer, all or off; a debtor without such a contact, or an instance with neither channel, gets no code (env RELAIS_SECOND_FACTOR)")
	registerKeyFile(fs, &c.KeyFile)
	registerDataKeyFile(fs, &c.DataKeyFile)
}

// registerCheckpointDir adds --checkpoint-dir, shared by serve and
// `relais checkpoint`.
func registerCheckpointDir(fs *flag.FlagSet, p *string) {
	fs.StringVar(p, "checkpoint-dir", envOr("RELAIS_CHECKPOINT_DIR", "checkpoints"),
		"directory outside the database receiving the signed checkpoints of the evidence chains, one sub-directory per tenant; keep it off the database's host and backups, or copy it elsewhere (env RELAIS_CHECKPOINT_DIR)")
}

// registerKeyFile adds --key-file, shared by serve and `relais key`.
func registerKeyFile(fs *flag.FlagSet, p *string) {
	fs.StringVar(p, "key-file", envOr("RELAIS_KEY_FILE", filepath.Join(".relais", "signing.key")),
		"Ed25519 evidence signing key, created with mode 0600 if missing; share it between instances; its retired keys are in the same path + "+
			evidence.HistorySuffix+" (env RELAIS_KEY_FILE)")
}

// registerDataKeyFile adds --data-key-file, shared by serve and `relais
// data-key`.
func registerDataKeyFile(fs *flag.FlagSet, p *string) {
	fs.StringVar(p, "data-key-file", envOr("RELAIS_DATA_KEY_FILE", ""),
		"AES-256 data key sealing the secrets kept in the database (webhook signing secrets), created with mode 0600 if missing; every instance needs the same file; keep it out of the database's backups (env RELAIS_DATA_KEY_FILE; default data.key beside --key-file, .relais/data.key)")
}

// dataKeyFile is --data-key-file, or data.key beside the signing key.
func (c *config) dataKeyFile() string {
	if c.DataKeyFile != "" {
		return c.DataKeyFile
	}
	return filepath.Join(filepath.Dir(c.KeyFile), "data.key")
}

func (c *config) finish() error {
	if c.LinkTTL < time.Hour {
		return fmt.Errorf("--link-ttl %s is too short: give at least 1h (default 2160h, 90 days)", c.LinkTTL)
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if !portal.ValidSecondFactor(c.SecondFactor) {
		return fmt.Errorf("--second-factor must be consumer, all or off, not %q", c.SecondFactor)
	}
	if _, err := server.ParseTrustedProxies(splitList(c.TrustedProxies)); err != nil {
		return fmt.Errorf("--trusted-proxies: %w", err)
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--base-url %q must be an http(s) URL such as https://pay.example.com", c.BaseURL)
	}
	return nil
}

// redactedDatabaseURL hides the password of a database URL for logs.
func redactedDatabaseURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

func (c *config) logger(w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// parseFlags parses args into fs, mapping -h to errUsage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return errUsage
		}
		return errUsage
	}
	return nil
}
