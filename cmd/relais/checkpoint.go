package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
)

const checkpointUsage = "relais checkpoint [--checkpoint-dir DIR] [--tenant ID] | relais checkpoint excerpt --claim ID CHECKPOINT.json"

// runCheckpoint signs a checkpoint of every tenant's chain heads now (as
// serve does daily), writes each to its file and sends it to the tenant's
// webhook endpoints; `checkpoint excerpt` cuts one claim's excerpt out of
// a checkpoint file.
func runCheckpoint(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return checkpoint(ctx, args, stdout, stderr, nil)
}

// checkpoint is runCheckpoint on clock (nil: the system clock).
func checkpoint(ctx context.Context, args []string, stdout, stderr io.Writer, clock portal.Clock) error {
	if len(args) > 0 && args[0] == "excerpt" {
		return runCheckpointExcerpt(args[1:], stdout, stderr)
	}
	var cfg config
	fs := flag.NewFlagSet("checkpoint", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.register(fs)
	registerCheckpointDir(fs, &cfg.CheckpointDir)
	tenant := fs.String("tenant", "", "only this tenant (default: every tenant)")
	fs.Usage = func() { fmt.Fprintln(stderr, "usage: "+checkpointUsage); fs.PrintDefaults() }
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	cfg.clock = clock
	keys, err := evidence.ReadKeySet(cfg.KeyFile)
	if err != nil {
		return err
	}
	db, err := adminDB(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	if clock == nil {
		clock = portal.SystemClock{}
	}
	c := &evidence.Checkpointer{Store: db, Leases: db, Signer: keys.Signer, Clock: clock, Dir: cfg.CheckpointDir}
	var written []evidence.Written
	if *tenant != "" {
		if _, err := db.FindTenant(ctx, *tenant); err != nil {
			return fmt.Errorf("tenant %q: %s", *tenant, portal.ErrorMessage(err))
		}
		w, err := c.Make(ctx, *tenant)
		if err != nil {
			return err
		}
		written = append(written, w)
	} else if written, err = c.MakeDue(ctx, true); err != nil {
		for _, w := range written {
			fmt.Fprintf(stdout, "%s  %d claims  root %s\n", w.Path, w.Claims, w.Root)
		}
		return err
	}
	for _, w := range written {
		fmt.Fprintf(stdout, "%s  %d claims  root %s\n", w.Path, w.Claims, w.Root)
	}
	fmt.Fprintf(stdout, "%d checkpoint(s) signed with key %s\n", len(written), keys.Signer.Fingerprint())
	return nil
}

// runCheckpointExcerpt prints the excerpt of one claim: the signed tree
// head, the claim's leaf and its audit path, for a holder of that claim
// alone (relais verify --checkpoint accepts it).
func runCheckpointExcerpt(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("checkpoint excerpt", flag.ContinueOnError)
	fs.SetOutput(stderr)
	claim := fs.String("claim", "", "the claim ID")
	fs.Usage = func() { fmt.Fprintln(stderr, "usage: "+checkpointUsage); fs.PrintDefaults() }
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *claim == "" {
		fs.Usage()
		return errUsage
	}
	cp, err := readCheckpoint(fs.Arg(0))
	if err != nil {
		return err
	}
	ex, err := cp.Excerpt(*claim)
	if err != nil {
		return err
	}
	_, err = stdout.Write(ex.Marshal())
	return err
}

// readCheckpoint reads and checks a checkpoint file on its own.
func readCheckpoint(path string) (*evidence.Checkpoint, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cp, _, err := evidence.ParseCheckpoint(b)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	return cp, nil
}
