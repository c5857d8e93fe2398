package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/relais/relais/portal/datakey"
)

// runDataKey manages the data key that seals the secrets kept in the
// database: `data-key show` lists its keys, `data-key rotate` puts a new
// key first in the file (the former ones stay, to open what they sealed)
// and re-seals every secret of the database under it.
func runDataKey(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("data-key", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: relais data-key show [--data-key-file F] | relais data-key rotate [--data-key-file F] [--database-url URL]")
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
	path := cfg.dataKeyFile()
	if args[0] == "show" {
		keys, err := datakey.Read(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "data key file  %s\ncurrent        %s\n", path, keys.CurrentID())
		for _, id := range keys.IDs()[1:] {
			fmt.Fprintf(stdout, "retired        %s\n", id)
		}
		return nil
	}
	// The database first: a rotation whose re-sealing cannot run is not
	// started.
	db, err := openDB(ctx, cfg, cfg.logger(stderr), false, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	keys, err := datakey.Rotate(path)
	if err != nil {
		return err
	}
	db.UseDataKeys(keys)
	rep, err := db.SealSecrets(ctx)
	if err != nil {
		return fmt.Errorf("the data key file %s holds the new key %s, but the secrets were not re-sealed (run the command again): %w", path, keys.CurrentID(), err)
	}
	fmt.Fprintf(stdout, "Rotated the data key in %s: new key %s, %d former key(s) kept to open older values.\n", path, keys.CurrentID(), len(keys.IDs())-1)
	fmt.Fprintf(stdout, "Re-sealed %d secret(s) under the new key (%d found in clear).\n", rep.Resealed+rep.Encrypted, rep.Encrypted)
	fmt.Fprintln(stdout, "Copy the file to every instance and restart them: an instance still on the former file cannot open the re-sealed secrets.")
	return nil
}
