package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/payments"
	"github.com/relais/relais/portal/reminders"
	"github.com/relais/relais/portal/sms"
	"github.com/relais/relais/portal/smtp"
	"github.com/relais/relais/portal/store"
)

// reminderConfig configures the reminder channels and scheduler. Secrets
// (the SMTP password, the SMS token) come from the environment only, so
// that they never show in a process list.
type reminderConfig struct {
	SMTPHost     string
	SMTPPort     int
	SMTPUser     string
	SMTPPassword string
	SMTPFrom     string
	SMTPTLS      string
	SMSEndpoint  string
	SMSToken     string
	SMSSender    string
	// Enabled is auto (on when SMTP or SMS is configured), on or off.
	Enabled string
	Every   time.Duration
}

func envInt(key string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(key)); err == nil {
		return v
	}
	return def
}

func (c *reminderConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.SMTPHost, "smtp-host", envOr("SMTP_HOST", ""), "SMTP server for reminder e-mails (env SMTP_HOST)")
	fs.IntVar(&c.SMTPPort, "smtp-port", envInt("SMTP_PORT", 587), "SMTP port (env SMTP_PORT)")
	fs.StringVar(&c.SMTPUser, "smtp-user", envOr("SMTP_USER", ""), "SMTP user for AUTH PLAIN (env SMTP_USER); the password comes from env SMTP_PASSWORD only")
	fs.StringVar(&c.SMTPFrom, "smtp-from", envOr("SMTP_FROM", ""), "sender of reminder e-mails, e.g. \"Acme <relances@acme.fr>\" (env SMTP_FROM)")
	fs.StringVar(&c.SMTPTLS, "smtp-tls", envOr("SMTP_TLS", smtp.TLSStartTLS), "starttls (port 587), tls (port 465) or none (local relay only) (env SMTP_TLS)")
	fs.StringVar(&c.SMSEndpoint, "sms-endpoint", envOr("SMS_ENDPOINT", ""), "HTTP endpoint of the SMS provider, see docs/sms-provider.md (env SMS_ENDPOINT); bearer token from env SMS_TOKEN only")
	fs.StringVar(&c.SMSSender, "sms-sender", envOr("SMS_SENDER", ""), "SMS sender name or number (env SMS_SENDER)")
	fs.StringVar(&c.Enabled, "reminders", envOr("RELAIS_REMINDERS", "auto"), "run the reminder scheduler: auto (when SMTP or SMS is configured), on or off (env RELAIS_REMINDERS)")
	fs.DurationVar(&c.Every, "reminders-every", time.Minute, "how often the reminder scheduler looks for due steps")
	c.SMTPPassword = os.Getenv("SMTP_PASSWORD")
	c.SMSToken = os.Getenv("SMS_TOKEN")
}

// channels builds the configured senders (nil when not configured).
func (c *reminderConfig) channels(clock portal.Clock) (reminders.EmailSender, reminders.SMSSender, error) {
	var email reminders.EmailSender
	var text reminders.SMSSender
	if c.SMTPHost != "" {
		m := &smtp.Mailer{Host: c.SMTPHost, Port: c.SMTPPort, Username: c.SMTPUser, Password: c.SMTPPassword,
			From: c.SMTPFrom, TLS: c.SMTPTLS, Clock: clock}
		if err := m.Validate(); err != nil {
			return nil, nil, fmt.Errorf("--smtp-*: %w", err)
		}
		email = m
	}
	if c.SMSEndpoint != "" {
		if !strings.HasPrefix(c.SMSEndpoint, "https://") && !strings.HasPrefix(c.SMSEndpoint, "http://") {
			return nil, nil, fmt.Errorf("--sms-endpoint %q must be an http(s) URL", c.SMSEndpoint)
		}
		text = &sms.Provider{Endpoint: c.SMSEndpoint, Token: c.SMSToken, Sender: c.SMSSender}
	}
	return email, text, nil
}

// reminderScheduler returns the scheduler to run, or nil when reminders
// are off.
func reminderScheduler(cfg config, log *slog.Logger, db *store.DB, letters reminders.LetterMaker, clock portal.Clock) (*reminders.Scheduler, error) {
	rc := cfg.Reminder
	switch rc.Enabled {
	case "", "auto", "on", "true", "off", "false":
	default:
		return nil, fmt.Errorf("--reminders must be auto, on or off, not %q", rc.Enabled)
	}
	email, text, err := rc.channels(clock)
	if err != nil {
		return nil, err
	}
	on := rc.Enabled == "on" || rc.Enabled == "true" || ((rc.Enabled == "auto" || rc.Enabled == "") && (email != nil || text != nil))
	if !on {
		return nil, nil
	}
	if email == nil && text == nil {
		log.Warn("reminders are on but neither SMTP nor SMS is configured: e-mail and SMS steps will be recorded as skipped")
	}
	return &reminders.Scheduler{Store: db, Links: db, Letters: letters, Texts: db, LinkTTL: cfg.LinkTTL,
		Email: email, SMS: text, Clock: clock, BaseURL: cfg.BaseURL, Log: log}, nil
}

// debtorNotifier sends the notices of SEPA plans (pre-notification of each
// debit, end of a mandate) through the reminder channels; nil when none is
// configured.
func debtorNotifier(cfg config, clock portal.Clock) (payments.DebtorNotifier, error) {
	email, text, err := cfg.Reminder.channels(clock)
	if err != nil || (email == nil && text == nil) {
		return nil, err
	}
	texts, err := i18n.New()
	if err != nil {
		return nil, err
	}
	return &payments.ChannelNotifier{Email: email, SMS: text, Texts: texts}, nil
}

// runReminders runs the scheduler until ctx is done and closes done.
func runReminders(ctx context.Context, s *reminders.Scheduler, every time.Duration, done chan<- struct{}) {
	defer close(done)
	if every <= 0 {
		every = time.Minute
	}
	s.Run(ctx, every)
}
