package main

import (
	"context"
	"flag"
	"io"
	"time"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.register(fs)
	fs.BoolVar(&cfg.NoMigrate, "no-migrate", false, "refuse to start when migrations are pending instead of applying them")
	fs.DurationVar(&cfg.ShutdownWait, "shutdown-wait", 20e9, "how long in-flight requests may take on shutdown")
	cfg.Reminder.register(fs)
	fs.DurationVar(&cfg.SchedulerEvery, "scheduler-every", envDuration("RELAIS_SCHEDULER_EVERY", 15*time.Minute), "how often the instalment scheduler charges due instalments and sweeps broken plans (env RELAIS_SCHEDULER_EVERY)")
	registerECB(fs, &cfg)
	registerCheckpointDir(fs, &cfg.CheckpointDir)
	fs.DurationVar(&cfg.CheckpointEvery, "checkpoint-every", envDuration("RELAIS_CHECKPOINT_EVERY", 24*time.Hour), "how often each tenant's evidence chain heads are checkpointed: signed, written to --checkpoint-dir and sent to its webhook endpoints that want checkpoint.signed, by one instance at a time; 0: never (env RELAIS_CHECKPOINT_EVERY)")
	fs.StringVar(&cfg.RatesUpdate, "rates-update", envOr("RELAIS_RATES_UPDATE", "on"), "on: derive fr_b2b and be_b2b from the ECB rate once a day (one instance at a time); off: only the lines recorded with 'relais rates' (env RELAIS_RATES_UPDATE)")
	fs.DurationVar(&cfg.RatesRefresh, "rates-refresh", envDuration("RELAIS_RATES_REFRESH", 30*time.Second), "how often this instance loads rate lines recorded by another instance or the CLI (env RELAIS_RATES_REFRESH)")
	fs.StringVar(&cfg.RateEditors, "rate-editors", envOr("RELAIS_RATE_EDITORS", ""), "comma-separated tenant IDs whose owners may change the interest rates, which every tenant shares, from the API and console (env RELAIS_RATE_EDITORS; default none: the CLI only)")
	fs.StringVar(&cfg.TrustedProxies, "trusted-proxies", envOr("RELAIS_TRUSTED_PROXIES", ""), "comma-separated addresses and CIDR ranges of the reverse proxies in front of Relais, e.g. 10.0.0.0/8: X-Forwarded-For is read only from them, and the client is its rightmost address that is not one of them (env RELAIS_TRUSTED_PROXIES; default none: the header is ignored and the client is the connection's peer)")
	fs.IntVar(&cfg.ChatPerSession, "chat-per-session", envInt("RELAIS_CHAT_PER_SESSION", 0), "live chat connections per portal or console session (env RELAIS_CHAT_PER_SESSION; default 5; negative: no limit)")
	fs.IntVar(&cfg.ChatPerAddress, "chat-per-address", envInt("RELAIS_CHAT_PER_ADDRESS", 0), "debtors' live chat connections per client address (env RELAIS_CHAT_PER_ADDRESS; default 50; negative: no limit)")
	fs.IntVar(&cfg.ChatMessagesPerMinute, "chat-messages-per-minute", envInt("RELAIS_CHAT_MESSAGES_PER_MINUTE", 0), "chat messages stored per conversation and side in a minute (env RELAIS_CHAT_MESSAGES_PER_MINUTE; default 30; negative: no limit)")
	fs.BoolVar(&cfg.WebhooksAllowPrivate, "webhooks-allow-private", envOr("RELAIS_WEBHOOKS_ALLOW_PRIVATE", "off") == "on", "let webhook deliveries connect to loopback, private and link-local addresses, for a receiver on this machine or network (env RELAIS_WEBHOOKS_ALLOW_PRIVATE=on; default off: such addresses are refused after DNS)")
	fs.DurationVar(&cfg.WebhooksLease, "webhooks-lease", envDuration("RELAIS_WEBHOOKS_LEASE", 2*time.Minute), "how long an instance holds the webhook deliveries it takes: when it dies, another instance (or itself restarted) sends them after this; keep it above 4 request timeouts, 40 s (env RELAIS_WEBHOOKS_LEASE)")
	fs.StringVar(&cfg.DebugAddr, "debug-addr", envOr("RELAIS_DEBUG_ADDR", ""), "serve Go profiles (/debug/pprof/) on this separate address, e.g. 127.0.0.1:6060; keep it private (env RELAIS_DEBUG_ADDR; default off)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := cfg.finish(); err != nil {
		return err
	}
	log := cfg.logger(stderr)
	a, err := build(ctx, cfg, log, !cfg.NoMigrate)
	if err != nil {
		return err
	}
	log.Info("relais serving", "addr", cfg.Addr, "base_url", cfg.BaseURL, "database", a.db.Dialect, "version", version,
		"trusted_proxies", cfg.TrustedProxies)
	a.warnMissingRates()
	return a.serve(ctx)
}
