package main

import (
	"context"
	"flag"
	"io"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.register(fs)
	fs.BoolVar(&cfg.NoMigrate, "no-migrate", false, "refuse to start when migrations are pending instead of applying them")
	fs.DurationVar(&cfg.ShutdownWait, "shutdown-wait", 20e9, "how long in-flight requests may take on shutdown")
	cfg.Reminder.register(fs)
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
	log.Info("relais serving", "addr", cfg.Addr, "base_url", cfg.BaseURL, "database", a.db.Dialect, "version", version)
	return a.serve(ctx)
}
