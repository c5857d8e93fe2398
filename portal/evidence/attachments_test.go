package evidence_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// TestBundleStoreAttachments bundles the files the store keeps (a
// dispute's documents) through store.DB's AttachmentSource.
func TestBundleStoreAttachments(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			f := newFixture(t, d, portal.JurisdictionFR, 0)
			rates, err := rules.Default()
			if err != nil {
				t.Fatal(err)
			}
			letterStore := &store.LetterStore{DB: f.db, Rates: rates}
			f.builder.Attachments = []portal.AttachmentSource{f.db, letterStore}
			ctx := context.Background()
			doc := []byte("%PDF-1.4 preuve de virement")
			sess := &portal.PortalSession{ID: "s", TenantID: f.tenantID, ClaimID: f.claim.ID, Verified: true, Language: "fr"}
			letter, err := letterStore.CreateLetter(ctx, f.tenantID, f.claim.ID, portal.LetterRequest{Kind: portal.LetterReminder, PortalURL: "https://pay.example/p/x"})
			if err != nil {
				t.Fatal(err)
			}
			err = f.db.FileDispute(ctx, sess, &portal.Dispute{Reason: portal.ReasonAlreadyPaid, Text: "Déjà payé",
				Files: []*portal.DisputeFile{{Name: "../virement/mars.pdf", Content: doc}}})
			if err != nil {
				t.Fatal(err)
			}
			b := f.bundle(t)
			if _, err := verify(b); err != nil {
				t.Fatal(err)
			}
			names, files := entries(t, b)
			var found string
			var letters []string
			for _, n := range names {
				if strings.HasPrefix(n, "attachments/disputes/") {
					found = n
				}
				if strings.HasPrefix(n, "attachments/letters/") {
					letters = append(letters, n)
				}
			}
			if len(letters) != 1 || portal.SHA256Hex(files[letters[0]]) != letter.SHA256 {
				t.Fatalf("letters in the bundle: %q", letters)
			}
			if !strings.HasSuffix(found, "-mars.pdf") || strings.Contains(found, "..") || !bytes.Equal(files[found], doc) {
				t.Fatalf("dispute file entry %q in %q", found, names)
			}
			t.Run("ErrConflictWhenFileChanged", func(t *testing.T) {
				if _, err := f.db.SQL().Exec("UPDATE dispute_files SET content = $1", []byte("%PDF-1.4 forged")); err != nil {
					t.Fatal(err)
				}
				err := f.builder.WriteBundle(ctx, f.tenantID, f.claim.ID, &bytes.Buffer{})
				if portal.ErrorCode(err) != portal.ECONFLICT || !strings.Contains(err.Error(), "no longer matches") {
					t.Fatalf("changed file bundled: %v", err)
				}
			})
		})
	}
}

// The bundle of a claim with a signed agreement holds the agreement's PDF
// under attachments/agreements/, byte for byte, with the SHA-256 its
// agreement.signed event recorded (issue 24.17); once the PDF is erased
// with the claim's personal data it is left out and the bundle still
// verifies.
func TestBundleAgreementPDF(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			f := newJudgeFixture(t, d, portal.JurisdictionFR, "fr")
			b := f.bundle(t)
			if _, err := verify(b, evidence.TrustedKey(f.signer.PublicKey())); err != nil {
				t.Fatal(err)
			}
			names, files := entries(t, b)
			var agreements []string
			for _, n := range names {
				if strings.HasPrefix(n, "attachments/agreements/") {
					agreements = append(agreements, n)
				}
			}
			if len(agreements) != 1 || !strings.HasSuffix(agreements[0], ".pdf") || !bytes.Equal(files[agreements[0]], f.agreementPDF) {
				t.Fatalf("agreements in the bundle: %q (entries %q)", agreements, names)
			}
			var signed map[string]any
			for _, line := range strings.Split(string(files["events.jsonl"]), "\n") {
				var l evidence.EventLine
				if json.Unmarshal([]byte(line), &l) == nil && l.Kind == string(portal.EventAgreementSigned) && l.Payload != nil {
					json.Unmarshal([]byte(*l.Payload), &signed)
				}
			}
			if signed == nil || signed["pdf_sha256"] != portal.SHA256Hex(files[agreements[0]]) {
				t.Fatalf("the bundled PDF is not the one the agreement.signed event hashed: %v", signed)
			}
			if !strings.Contains(string(files["README.txt"]), "accords") {
				t.Error("README does not announce the agreements")
			}

			if _, err := f.db.SQL().Exec("UPDATE agreements SET pdf = NULL"); err != nil {
				t.Fatal(err)
			}
			b = f.bundle(t)
			if _, err := verify(b); err != nil {
				t.Fatal(err)
			}
			names, _ = entries(t, b)
			for _, n := range names {
				if strings.HasPrefix(n, "attachments/agreements/") {
					t.Fatalf("an erased agreement is bundled: %q", names)
				}
			}
		})
	}
}
