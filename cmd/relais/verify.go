package main

import (
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/relais/relais/portal/evidence"
)

// runVerify checks an evidence bundle offline: every file's hash, the
// event chain and the signature. It exits 1 naming the first file or event
// that does not match.
func runVerify(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pub := fs.String("public-key", "", "also require this signing key (base64, from GET /api/v1/evidence/public-key; a retired key for a bundle signed before a rotation)")
	history := fs.String("key-history", "", "also require one of the operator's published keys: a file holding the JSON of GET /api/v1/evidence/public-key (or of relais key show --json); says which key signed and when it was valid")
	checkpoint := fs.String("checkpoint", "", "also check the bundle against a checkpoint kept outside the database (a file of --checkpoint-dir, the payload of a checkpoint.signed webhook, or an excerpt): the claim's chain must hold the checkpoint's head")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: relais verify [--public-key KEY] [--key-history FILE] [--checkpoint FILE] bundle.zip")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	var opts []evidence.VerifyOption
	if *pub != "" {
		k, err := base64.StdEncoding.DecodeString(*pub)
		if err != nil || len(k) != 32 {
			return errors.New("--public-key must be the base64 of a 32-byte Ed25519 key")
		}
		opts = append(opts, evidence.TrustedKey(k))
	}
	if *history != "" {
		b, err := os.ReadFile(*history)
		if err != nil {
			return fmt.Errorf("--key-history: %w", err)
		}
		keys, err := evidence.ParsePublishedKeys(b)
		if err != nil {
			return fmt.Errorf("--key-history %s: %w", *history, err)
		}
		opts = append(opts, evidence.TrustedKeys(keys))
	}
	if *checkpoint != "" {
		cp, err := readCheckpoint(*checkpoint)
		if err != nil {
			return err
		}
		opts = append(opts, evidence.AgainstCheckpoint(cp))
	}
	path := fs.Arg(0)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	rep, err := evidence.VerifyBundle(f, st.Size(), opts...)
	var cpErr *evidence.CheckpointError
	if errors.As(err, &cpErr) {
		// The bundle is intact; the checkpoint refused or contradicted.
		if cpErr.Contradiction {
			return fmt.Errorf("%s %w (checkpoint file %s; the bundle is intact on its own)", path, err, *checkpoint)
		}
		return fmt.Errorf("%s is intact, but the %w (checkpoint file %s)", path, err, *checkpoint)
	}
	if err != nil {
		return fmt.Errorf("%s is NOT intact: %w", path, err)
	}
	fmt.Fprintf(stdout, "%s is intact.\n", path)
	fmt.Fprintf(stdout, "  claim        %s\n", rep.ClaimID)
	fmt.Fprintf(stdout, "  events       %d (chain head %d, %s, at %s)\n", rep.Events, rep.Head.Seq, rep.Head.Hash, rep.Head.At)
	if rep.ErasedPayloads > 0 {
		fmt.Fprintf(stdout, "  erased       %d payload(s) erased for data protection (their hashes still chain)\n", rep.ErasedPayloads)
	}
	fmt.Fprintf(stdout, "  files        %d, every SHA-256 matches the manifest\n", len(rep.Files))
	fmt.Fprintf(stdout, "  signed by    Ed25519 key %s (Relais %s)\n", rep.Fingerprint, rep.RelaisVersion)
	if k := rep.SignedBy; k != nil {
		switch {
		case k.Current && k.From.IsZero():
			fmt.Fprintln(stdout, "  key          the operator's current key")
		case k.Current:
			fmt.Fprintf(stdout, "  key          the operator's current key, signing since %s\n", keyTime(k.From))
		default:
			fmt.Fprintf(stdout, "  key          a retired key of the operator, valid from %s until %s\n", keyTime(k.From), keyTime(k.Until))
		}
	}
	if c := rep.Checkpoint; c != nil {
		kind := "checkpoint"
		if c.Excerpt {
			kind = "checkpoint excerpt (inclusion proof checked)"
		}
		fmt.Fprintf(stdout, "  checkpoint   agrees with the %s of %s (tenant %s, %d claims, key %s): event %d hash %s; %d event(s) since\n",
			kind, c.Date, c.TenantID, c.TreeSize, c.Fingerprint, c.Leaf.Seq, c.Leaf.Hash, c.Later)
		if k := c.SignedBy; k != nil && !k.Current {
			fmt.Fprintf(stdout, "  checkpoint   signed by a retired key of the operator, valid from %s until %s\n", keyTime(k.From), keyTime(k.Until))
		}
	}
	for _, w := range rep.Warnings {
		fmt.Fprintf(stdout, "  WARNING      %s\n", w)
	}
	if *pub == "" && *history == "" {
		fmt.Fprintln(stdout, "  Compare that fingerprint with the operator's published key, or pass --public-key or --key-history.")
	}
	return nil
}
