package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
)

// runKey manages the evidence signing key: `key show` prints it with its
// history, `key rotate` replaces it. Neither needs the database: the key
// lives outside it on purpose.
func runKey(_ context.Context, args []string, stdout, stderr io.Writer) error {
	var keyFile string
	fs := flag.NewFlagSet("key", flag.ContinueOnError)
	fs.SetOutput(stderr)
	registerKeyFile(fs, &keyFile)
	asJSON := fs.Bool("json", false, "show: print the JSON of GET /api/v1/evidence/public-key (for relais verify --key-history)")
	compromised := fs.Bool("compromised", false, "rotate: mark the retired key as compromised (someone else may hold it)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: relais key show [--json] [--key-file F] | relais key rotate [--compromised] [--key-file F]")
		fs.PrintDefaults()
	}
	if len(args) == 0 || (args[0] != "show" && args[0] != "rotate") {
		fs.Usage()
		return errUsage
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	if args[0] == "rotate" {
		return rotateKey(keyFile, *compromised, portal.SystemClock{}, stdout)
	}
	return showKey(keyFile, *asJSON, stdout)
}

func rotateKey(keyFile string, compromised bool, clock portal.Clock, stdout io.Writer) error {
	retired, set, err := evidence.RotateKey(keyFile, clock, evidence.RotateOptions{Compromised: compromised})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Rotated the evidence signing key in %s.\n", keyFile)
	fmt.Fprintf(stdout, "  current   %s  since %s\n", set.Signer.Fingerprint(), keyTime(set.History.Since))
	fmt.Fprintf(stdout, "  retired   %s\n", retired.Describe())
	fmt.Fprintf(stdout, "  history   %s (%d retired key(s))\n", evidence.HistoryPath(keyFile), len(set.History.Retired))
	fmt.Fprintln(stdout, "Restart every instance using this key file now: until then they keep signing with the retired key.")
	fmt.Fprintln(stdout, "The retired private key is destroyed; destroy it in backups too. Back up the new key file.")
	return nil
}

func showKey(keyFile string, asJSON bool, stdout io.Writer) error {
	set, err := evidence.ReadKeySet(keyFile)
	if err != nil {
		return err
	}
	p := evidence.Published(set.Signer, &set.History)
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	}
	fmt.Fprintf(stdout, "key file     %s\n", keyFile)
	fmt.Fprintf(stdout, "current      %s  since %s\n", p.Fingerprint, keyTime(set.History.Since))
	fmt.Fprintf(stdout, "public key   %s\n", p.PublicKey)
	if len(p.History) == 0 {
		fmt.Fprintln(stdout, "retired      none")
		return nil
	}
	fmt.Fprintf(stdout, "retired      %d key(s), oldest first (%s):\n", len(p.History), evidence.HistoryPath(keyFile))
	for _, k := range p.History {
		fmt.Fprintf(stdout, "  %s\n", k.Describe())
	}
	return nil
}

func keyTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }
