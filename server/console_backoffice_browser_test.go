package server

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/server/browsertest"
)

// TestConsoleBackOfficeInBrowser: in Chromium an owner creates a claim
// with a bad e-mail address first (the problem beside the field, what was
// typed kept), then succeeds; then uploads a CSV file with a bad line
// (the preview lists it, nothing imported), then the good file, and
// imports it.
func TestConsoleBackOfficeInBrowser(t *testing.T) {
	bctx := browsertest.Start(t, chromedp.WindowSize(1366, 900))
	e := newChatEnv(t, store.SQLite)
	ctx, cancel := context.WithTimeout(bctx, 60*time.Second)
	defer cancel()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	must(chromedp.Do(ctx,
		browsertest.ConsoleSignIn(e.base, e.owner.Email, "correct horse battery"),
		chromedp.Navigate(e.base+"/console/claims"),
		chromedp.Click(css(`#claims-actions a.button`)),
		chromedp.WaitVisible(css(`#claim-new`)),
		chromedp.SendKeys(css(`[id="f-reference"]`), "WEB-1"),
		chromedp.SendKeys(css(`[id="f-debtor.name"]`), "Boulangerie Martin"),
		chromedp.SendKeys(css(`[id="f-debtor.email"]`), "martin at example"),
		chromedp.SendKeys(css(`[id="f-debtor.postcode"]`), "69002"),
		chromedp.SendKeys(css(`[id="f-invoices[0].number"]`), "F-77"),
		chromedp.SetValue(css(`[id="f-invoices[0].issue_date"]`), "2024-03-01"),
		chromedp.SetValue(css(`[id="f-invoices[0].due_date"]`), "2024-03-31"),
		chromedp.SendKeys(css(`[id="f-invoices[0].amount"]`), "480,00"),
		chromedp.Click(css(`#claim-new button[type="submit"]`)),
		chromedp.WaitVisible(css(`[id="e-debtor.email"]`)),
	))
	problem, err := chromedp.Run(ctx, chromedp.Text(css(`[id="e-debtor.email"]`)))
	must(err)
	name, err := chromedp.Run(ctx, chromedp.Value(css(`[id="f-debtor.name"]`)))
	must(err)
	amount, err := chromedp.Run(ctx, chromedp.Value(css(`[id="f-invoices[0].amount"]`)))
	must(err)
	if problem != "A valid e-mail address, or nothing." || name != "Boulangerie Martin" || amount != "480,00" {
		t.Fatalf("refused form: problem %q, name %q, amount %q", problem, name, amount)
	}
	must(chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`document.getElementById("f-debtor.email").value = ""`),
		chromedp.SendKeys(css(`[id="f-debtor.email"]`), "compta@martin.test"),
		chromedp.Click(css(`#claim-new button[type="submit"]`)),
		chromedp.WaitVisible(css(`#done`)),
	))
	cs, _, err := e.db.FindClaims(context.Background(), e.tenantID, portal.ClaimFilter{Reference: "WEB-1"})
	if err != nil || len(cs) != 1 || cs[0].Debtor.Email != "compta@martin.test" || cs[0].Principal() != 48000 {
		t.Fatalf("created: %v %+v", err, cs)
	}

	dir := t.TempDir()
	head := "reference,currency,jurisdiction,debtor_kind,debtor_name,debtor_language,debtor_postcode,invoice_number,issue_date,due_date,amount\n"
	bad := head + "CSV-1,EUR,FR,business,Durand SA,fr,75012,F-1,2024-01-01,2024-01-31,100.00\n" +
		"CSV-2,EUR,FR,business,Petit SARL,fr,75013,F-2,2024-02-01,2024-01-15,50.00\n"
	must(os.WriteFile(filepath.Join(dir, "bad.csv"), []byte(bad), 0o600))
	must(os.WriteFile(filepath.Join(dir, "good.csv"), []byte(strings.Replace(bad, "2024-01-15", "2024-02-29", 1)), 0o600))
	must(chromedp.Do(ctx,
		chromedp.Navigate(e.base+"/console/claims/import"),
		chromedp.WaitVisible(css(`#import-form`)),
		chromedp.SetUploadFiles(css(`#f-file`), []string{filepath.Join(dir, "bad.csv")}),
		chromedp.Click(css(`#import-form button[type="submit"]`)),
		chromedp.WaitVisible(css(`#import-lines`)),
	))
	row, err := chromedp.Run(ctx, chromedp.Text(css(`#import-lines tbody tr`)))
	must(err)
	if !strings.Contains(row, "3") || !strings.Contains(row, "due_date") || !strings.Contains(row, "not before the issue date") {
		t.Fatalf("preview row: %q", row)
	}
	if cs, _, _ := e.db.FindClaims(context.Background(), e.tenantID, portal.ClaimFilter{Reference: "CSV-1"}); len(cs) != 0 {
		t.Fatal("a file with a bad line imported claims")
	}
	must(chromedp.Do(ctx,
		chromedp.SetUploadFiles(css(`#f-file`), []string{filepath.Join(dir, "good.csv")}),
		chromedp.Click(css(`#import-form button[type="submit"]`)),
		chromedp.WaitVisible(css(`#import-confirm`)),
		chromedp.Click(css(`#import-confirm button[type="submit"]`)),
		chromedp.WaitVisible(css(`#import-done`)),
	))
	done, err := chromedp.Run(ctx, chromedp.Text(css(`#import-done`)))
	must(err)
	if !strings.Contains(done, "2 claim(s) imported.") {
		t.Fatalf("import: %q", done)
	}
	for _, ref := range []string{"CSV-1", "CSV-2"} {
		if cs, _, _ := e.db.FindClaims(context.Background(), e.tenantID, portal.ClaimFilter{Reference: ref}); len(cs) != 1 {
			t.Fatalf("%s not imported", ref)
		}
	}
}
