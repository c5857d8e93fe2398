package main

import (
	"flag"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

func TestReminderConfig(t *testing.T) {
	db := storetest.MustOpen(t, store.SQLite, nil)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	parse := func(args ...string) config {
		t.Setenv("SMTP_PASSWORD", "from-env")
		var cfg config
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		cfg.register(fs)
		cfg.Reminder.register(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	if cfg := parse(); cfg.Reminder.SMTPPassword != "from-env" || cfg.Reminder.SMTPPort != 587 || cfg.Reminder.SMTPTLS != "starttls" {
		t.Fatalf("defaults: %+v", cfg.Reminder)
	}
	if s, err := reminderScheduler(parse(), log, db, nil, portal.SystemClock{}); s != nil || err != nil {
		t.Fatalf("auto without channels must stay off: %v %v", s, err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--reminders", "maybe"}, "--reminders"},
		{[]string{"--smtp-host", "mail.example.com", "--smtp-from", "not an address"}, "from"},
		{[]string{"--smtp-host", "mail.example.com", "--smtp-from", "a@example.com", "--smtp-tls", "ssl3"}, "tls"},
		{[]string{"--sms-endpoint", "ftp://x"}, "--sms-endpoint"},
	} {
		if _, err := reminderScheduler(parse(tc.args...), log, db, nil, portal.SystemClock{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: want an error about %s, got %v", tc.args, tc.want, err)
		}
	}
	cfg := parse("--smtp-host", "mail.example.com", "--smtp-from", "Acme <a@example.com>")
	email, text, err := cfg.Reminder.channels(portal.SystemClock{})
	if err != nil || email == nil || text != nil {
		t.Fatalf("smtp only: %v %v %v", email, text, err)
	}
}
