package store_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// A letter is kept as a record copy without the link's token, the only one
// that goes into bundles and exports, and as the copy to print with the
// working link until it is recorded as sent.
func TestLetterRecordCopyHasNoLiveLink(t *testing.T) {
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is required under CI (apt-get install poppler-utils)")
		}
		t.Skip("pdftotext not installed (apt-get install poppler-utils)")
	}
	text := func(t *testing.T, pdf []byte) string {
		t.Helper()
		path := filepath.Join(t.TempDir(), "l.pdf")
		noErr(t, os.WriteFile(path, pdf, 0o600))
		out, err := exec.Command(bin, path, "-").Output()
		noErr(t, err)
		return strings.Join(strings.Fields(string(out)), "")
	}
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			clock := &portal.FixedClock{T: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
			db := storetest.MustOpen(t, dialect, clock)
			ctx := context.Background()
			tn := &portal.Tenant{Name: "T"}
			noErr(t, db.CreateTenant(ctx, tn))
			noErr(t, db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: "Atelier SARL", Country: "FR", IBAN: "FR1420041010050500013M02606"}))
			c := &portal.Claim{Reference: "L-1", Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
				Debtor:   &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Garage", Language: "fr", Postcode: "69007"},
				Invoices: []*portal.Invoice{{Number: "F-1", IssueDate: portal.MustDate("2026-01-01"), DueDate: portal.MustDate("2026-01-31"), Amount: 100000}}}
			noErr(t, db.CreateClaim(ctx, tn.ID, c))
			rates, err := rules.Default()
			noErr(t, err)
			var token string
			letters := &store.LetterStore{DB: db, Rates: rates, PortalLink: func(ctx context.Context, tenantID, claimID string) (string, string, error) {
				l, tok, err := db.IssueLink(ctx, tenantID, claimID, portal.ChannelLetter, 0)
				token = tok
				return l.ID, "https://pay.example/p/" + tok, err
			}}
			l, err := letters.CreateLetter(ctx, tn.ID, c.ID, portal.LetterRequest{Kind: portal.LetterReminder})
			noErr(t, err)
			if token == "" || l.PrintSHA256 == "" || l.PrintSHA256 == l.SHA256 {
				t.Fatalf("letter %+v", l)
			}
			printed, err := letters.FindLetter(ctx, tn.ID, c.ID, l.ID)
			noErr(t, err)
			if portal.SHA256Hex(printed.PDF) != l.PrintSHA256 || !strings.Contains(text(t, printed.PDF), token) {
				t.Fatal("the copy to print does not carry the working link")
			}
			files, err := letters.LetterFiles(ctx, tn.ID, c.ID)
			noErr(t, err)
			if len(files) != 1 || portal.SHA256Hex(files[0].Data) != l.SHA256 || files[0].SHA256 != l.SHA256 {
				t.Fatalf("record copy %+v", files)
			}
			record := text(t, files[0].Data)
			if strings.Contains(record, token) || !strings.Contains(record, "link-removed-from-this-copy") {
				t.Fatalf("the record copy carries the link: %s", record)
			}
			// Sent: the copy with the link is dropped; the download is the record.
			_, err = letters.MarkLetterSent(ctx, tn.ID, c.ID, l.ID, portal.LetterSending{Channel: portal.SendPost, SentOn: portal.MustDate("2026-03-02")})
			noErr(t, err)
			after, err := letters.FindLetter(ctx, tn.ID, c.ID, l.ID)
			noErr(t, err)
			if !bytes.Equal(after.PDF, files[0].Data) {
				t.Error("after sending, the letter still serves the copy with the working link")
			}
		})
	}
}
