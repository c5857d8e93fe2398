package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/court"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/pdffont/pdftest"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// TestCourtCommand: relais court fr-injonction writes the request of a
// claim ready for it, the bordereau alone with --bordereau, and refuses a
// claim at the amicable stage with the reason, writing nothing.
func TestCourtCommand(t *testing.T) {
	clock := &portal.FixedClock{T: time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)}
	db, url := openAt(t, storetest.Dialects[0], clock)
	ctx := portal.WithActor(context.Background(), portal.Actor{Kind: portal.ActorSystem, ID: "test"})
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "signing.key")
	if _, _, err := evidence.LoadKeySet(keyFile); err != nil {
		t.Fatal(err)
	}
	tn := &portal.Tenant{Name: "Boulangerie Martin SAS", Timezone: "Europe/Paris"}
	if err := db.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: "Boulangerie Martin SAS", CompanyNumber: "55210055400013",
		Address: "12 rue de la Paix, 75002 Paris", Country: "FR"}); err != nil {
		t.Fatal(err)
	}
	claim := func(ref string) *portal.Claim {
		c := &portal.Claim{Reference: ref, Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
			Debtor:   &portal.Debtor{Kind: portal.DebtorConsumer, Name: "Marie Durand", Language: "fr", Address: "8 rue Oberkampf, 75011 Paris", Postcode: "75011"},
			Invoices: []*portal.Invoice{{Number: "F-1", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-01-31"), Amount: 50_000}}}
		if err := db.CreateClaim(ctx, tn.ID, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	ready, amicable := claim("C-1"), claim("C-2")
	rates, _ := rules.Default()
	letters := &store.LetterStore{DB: db, Rates: rates}
	l, err := letters.CreateLetter(ctx, tn.ID, ready.ID, portal.LetterRequest{Kind: portal.LetterFormalNotice, PortalURL: "https://relais.test/p/x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := letters.MarkLetterSent(ctx, tn.ID, ready.ID, l.ID, portal.LetterSending{Channel: portal.SendRegisteredPost, RegisteredNumber: "RR1", SentOn: portal.MustDate("2024-06-01")}); err != nil {
		t.Fatal(err)
	}
	clock.T = time.Date(2024, 6, 30, 9, 0, 0, 0, time.UTC)
	run := func(args ...string) (error, string) {
		var out, errb bytes.Buffer
		err := courtCommand(ctx, append(args, "--database-url", url, "--key-file", keyFile, "--tenant", tn.ID), &out, &errb, clock)
		return err, errb.String()
	}
	out := filepath.Join(dir, "requete.pdf")
	err, msg := run("fr-injonction", "--claim", ready.ID, "--out", out, "--consumer-credit")
	if err != nil || !strings.Contains(msg, "wrote "+out) {
		t.Fatalf("%v %s", err, msg)
	}
	pdf, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	txt := pdftest.Joined(t, pdf)
	for _, want := range []string{"REQUÊTE EN INJONCTION DE PAYER", "juge des contentieux de la protection", "Paris (75011)",
		"SIREN : 552 100 554", "attachments/letters/" + l.Filename() + " SHA-256 " + l.SHA256, "recommandé n° RR1"} {
		if !strings.Contains(txt, want) {
			t.Errorf("the request lacks %q:\n%s", want, txt)
		}
	}
	if strings.Contains(txt, "Mandataire") {
		t.Error("the creditor's own tenant is no mandataire")
	}
	// Without --record the file is a draft, marked on every page.
	if !strings.Contains(msg, "DRAFT, not recorded") {
		t.Errorf("the command does not say it wrote a draft: %s", msg)
	}
	for i, p := range pdftest.Pages(t, pdf) {
		if !strings.Contains(p, court.DraftMark("fr")) {
			t.Errorf("page %d of the draft is not marked:\n%s", i+1, p)
		}
	}
	if err, _ := run("fr-injonction", "--claim", ready.ID, "--out", out, "--bordereau"); err != nil {
		t.Fatal(err)
	}
	if pdf, _ := os.ReadFile(out); strings.Contains(pdftest.Joined(t, pdf), "REQUÊTE EN INJONCTION") {
		t.Error("--bordereau wrote the request")
	}
	refused := filepath.Join(dir, "refused.pdf")
	if err, _ := run("fr-injonction", "--claim", amicable.ID, "--out", refused); err == nil || !strings.Contains(err.Error(), "send the formal notice") {
		t.Fatalf("amicable claim: %v", err)
	}
	if _, err := os.Stat(refused); !os.IsNotExist(err) {
		t.Error("a refused request left a file")
	}
	// Form A refuses a debtor in France, by its reason.
	if err, _ := run("eu-form-a", "--claim", ready.ID, "--out", filepath.Join(dir, "a.json")); err == nil || !strings.Contains(err.Error(), "debtor domiciled in another member state") {
		t.Errorf("form A for a French debtor: %v", err)
	}
	if err, _ := run("fr-injonction", "--claim", ready.ID); err != errUsage {
		t.Errorf("without --out: %v", err)
	}

	// --record: the bordereau is stored as the claim's evidence with its
	// court.document_made (actor system/cli), and the file written is the
	// one recorded; nothing is recorded without it, nor for a refusal.
	if files, _ := db.ClaimFiles(ctx, tn.ID, ready.ID, portal.IsCourtFile); len(files) != 0 {
		t.Fatalf("%d court files recorded without --record", len(files))
	}
	recordedOut := filepath.Join(dir, "bordereau.pdf")
	err, msg = run("fr-injonction", "--claim", ready.ID, "--out", recordedOut, "--bordereau", "--record")
	files, ferr := db.ClaimFiles(ctx, tn.ID, ready.ID, portal.IsCourtFile)
	if err != nil || ferr != nil || len(files) != 1 || files[0].Kind != portal.FileCourtBordereau || !strings.Contains(msg, "recorded court.bordereau as file "+files[0].ID) {
		t.Fatalf("--record: %v %s, files %v %v", err, msg, files, ferr)
	}
	written, _ := os.ReadFile(recordedOut)
	last, _ := db.LastEvent(ctx, tn.ID, ready.ID)
	if portal.SHA256Hex(written) != files[0].SHA256 || last.Kind != portal.EventCourtDocumentMade || last.Actor.ID != "cli" ||
		!strings.Contains(last.Payload, `"sha256":"`+files[0].SHA256+`"`) || !strings.Contains(last.Payload, `"court":"tribunal_judiciaire"`) {
		t.Errorf("recorded %s, wrote %s, event %+v", files[0].SHA256, portal.SHA256Hex(written), last)
	}
	if txt := pdftest.Joined(t, written); !strings.Contains(txt, "BORDEREAU DES PIÈCES") || strings.Contains(txt, "PROJET") {
		t.Errorf("the recorded bordereau is not the final document:\n%s", txt)
	}
	if err, _ := run("fr-injonction", "--claim", amicable.ID, "--out", refused, "--record"); err == nil {
		t.Error("a refused --record succeeded")
	}
	if files, _ := db.ClaimFiles(ctx, tn.ID, amicable.ID, portal.IsCourtFile); len(files) != 0 {
		t.Errorf("a refusal recorded %d files", len(files))
	}
	if err, _ := run("eu-form-a", "--claim", ready.ID, "--out", filepath.Join(dir, "a.json"), "--record"); err != errUsage {
		t.Errorf("--record of the JSON: %v", err)
	}
}
