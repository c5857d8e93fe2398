package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/court"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/store"
)

const courtUsage = "usage: relais court fr-injonction --tenant ID --claim ID --out FILE.pdf [--bordereau] [--consumer-credit] [--record]\n       relais court eu-form-a --tenant ID --claim ID --out FILE.json|FILE.pdf [--record]\n       relais court be-file --tenant ID --claim ID --out FILE.pdf [--record]"

func runCourt(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return courtCommand(ctx, args, stdout, stderr, nil)
}

// courtCommand writes a claim's court document: the French requête en
// injonction de payer with its bordereau de pièces (or the bordereau alone),
// or the European order's Form A (its JSON or its worksheet PDF), or the
// Belgian file. The exhibits' hashes are those of the evidence bundle
// signed with --key-file (read, never created here). Without --record the
// PDF is a draft, every page marked "PROJET — non enregistré", the same
// file as GET /api/v1/claims/{id}/court/fr-injonction.pdf; with --record it
// is the final document, stored as the claim's evidence with its
// court.document_made event, as POST /api/v1/claims/{id}/court/{document}
// does (the file written is the one recorded). clock is the database's
// (nil: the system clock; tests set it).
func courtCommand(ctx context.Context, args []string, stdout, stderr io.Writer, clock portal.Clock) error {
	var cfg config
	fs := flag.NewFlagSet("court", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.register(fs)
	tenant := fs.String("tenant", "", "tenant ID")
	claimID := fs.String("claim", "", "claim ID")
	out := fs.String("out", "", "file to write, - for stdout (eu-form-a: .json for the data, else the PDF worksheet)")
	bordereau := fs.Bool("bordereau", false, "write the bordereau de pièces alone")
	credit := fs.Bool("consumer-credit", false, "the consumer claim arises from a consumer credit: the juge des contentieux de la protection (CPC 1406)")
	record := fs.Bool("record", false, "make the final PDF and record it as the claim's evidence (court.document_made with its SHA-256; in the bundle's court/ folder); without it the PDF is a draft, marked so on every page")
	fs.Usage = func() { fmt.Fprintln(stderr, courtUsage); fs.PrintDefaults() }
	if len(args) == 0 || (args[0] != "fr-injonction" && args[0] != "eu-form-a" && args[0] != "be-file") {
		fs.Usage()
		return errUsage
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *tenant == "" || *claimID == "" || *out == "" || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	if *record && strings.HasSuffix(*out, ".json") {
		fmt.Fprintln(stderr, "--record records the PDF: write it to a .pdf file (the JSON is not recorded)")
		return errUsage
	}
	cfg.clock = clock
	keys, err := evidence.ReadKeySet(cfg.KeyFile)
	if err != nil {
		return fmt.Errorf("the evidence signing key: %w", err)
	}
	db, err := tenantDB(ctx, cfg, stderr, *tenant)
	if err != nil {
		return err
	}
	defer db.Close()
	rates, err := loadRates(cfg)
	if err != nil {
		return err
	}
	letters := newLetterStore(cfg, db, rates)
	bundler := &evidence.Builder{Source: db, Signer: keys.Signer, KeyHistory: &keys.History, Rates: rates, Version: version,
		Attachments: []portal.AttachmentSource{db, letters, store.ReminderContent{DB: db}, store.AgreementFiles{DB: db}, store.MandateAnnexes{DB: db}}}
	svc := &court.Service{Source: db, Bundles: bundler, Letters: letters, Rates: rates, Files: db}
	ctx = portal.WithActor(ctx, portal.Actor{Kind: portal.ActorSystem, ID: "cli"})
	name := args[0]
	if name == "fr-injonction" && *bordereau {
		name = "bordereau"
	}
	opt := court.FROptions{ConsumerCredit: *credit}
	if *record {
		return recordCourt(ctx, svc, *tenant, *claimID, name, opt, *out, stdout, stderr)
	}
	if strings.HasSuffix(*out, ".json") {
		if name != "eu-form-a" {
			fmt.Fprintln(stderr, "only eu-form-a writes JSON (its data); write the others to a .pdf file")
			return errUsage
		}
		f, err := svc.FormAData(ctx, *tenant, *claimID)
		if err != nil {
			return fmt.Errorf("claim %s: %s", *claimID, portal.ErrorMessage(err))
		}
		data, err := json.MarshalIndent(f, "", "  ")
		if err != nil {
			return err
		}
		if err := writeCourtFile(*out, data, stdout); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wrote %s (Form A's data, not recorded; --record with a .pdf records the worksheet)\n", *out)
		return nil
	}
	// Without --record: a draft, every page marked as not recorded.
	doc, err := svc.Draft(ctx, *tenant, *claimID, name, opt)
	if err != nil {
		return fmt.Errorf("claim %s: %s", *claimID, portal.ErrorMessage(err))
	}
	if err := writeCourtFile(*out, doc.PDF, stdout); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s: a DRAFT, not recorded, marked so on every page (SHA-256 %s; exhibits as of chain event %d, %s); --record makes the copy to file\n",
		*out, portal.SHA256Hex(doc.PDF), doc.Head.Seq, doc.Head.Hash)
	return nil
}

// recordCourt records the document named name (court.Documents) and
// writes the file recorded to out.
func recordCourt(ctx context.Context, svc *court.Service, tenant, claimID, name string, opt court.FROptions, out string, stdout, stderr io.Writer) error {
	rec, err := svc.Record(ctx, tenant, claimID, name, opt)
	if err != nil {
		return fmt.Errorf("claim %s: %s", claimID, portal.ErrorMessage(err))
	}
	f, err := svc.RecordedDocument(ctx, tenant, claimID, rec.File.ID)
	if err != nil {
		return err
	}
	if err := writeCourtFile(out, f.Content, stdout); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "recorded %s as file %s (SHA-256 %s), event %s at seq %d; wrote %s\n", f.Kind, f.ID, f.SHA256, rec.Event.Kind, rec.Event.Seq, out)
	return nil
}

// writeCourtFile writes data to out, or to stdout for "-".
func writeCourtFile(out string, data []byte, stdout io.Writer) error {
	if out == "-" {
		_, err := stdout.Write(data)
		return err
	}
	// Written next to its final name, then renamed: a failure leaves no
	// half file. 0600: it names the debtor.
	tmp, err := os.CreateTemp(filepath.Dir(out), ".relais-court-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), out)
}
