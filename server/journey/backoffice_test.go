package journey

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/server/browsertest"
)

// TestBackOfficeRulesAndMoney is the rules and money part of issue 18 in
// Chromium: the creditor's owner signs in, previews then saves a
// negotiation policy, reads the reminder sequences, a template and the
// retention, imports a bank statement and accepts its suggestion, and
// opens the letters to post. Every page must be clean (CSP, no console
// error, no foreign request) and have no serious or critical axe-core
// violation; screenshots go to artifacts/backoffice.
func TestBackOfficeRulesAndMoney(t *testing.T) {
	e := newEnv(t)
	browser := browsertest.Start(t, browsertest.Isolated()...)
	j := &journey{top: t, env: e, browser: browser, shots: artifactsDir(t, "backoffice")}
	c, _ := j.createClaim(t, "BO-0001", "Dupont Traiteur SARL", "69002")
	var bal struct {
		Total int64 `json:"total"`
	}
	e.mustAPI(t, 200, "GET", "/api/v1/claims/"+c.ID+"/balance", nil, &bal)

	ctx := context.Background()
	u := &portal.User{TenantID: e.tenant, Email: "owner@martin.example", Name: "Anne Owner", Role: portal.RoleOwner}
	must(t, e.db.CreateUser(ctx, u, agentPassword))
	tb := newTab(t, t, browser, "owner", e.base, "en-GB,en;q=0.9", desktop, j.shots)
	tb.signIn(t, e.base, u.Email, agentPassword)

	// Policy: a preview of the typed values, then saved.
	tb.do(t, chromedp.Navigate(e.base+"/console/policy"), chromedp.WaitVisible(chromedp.CSS(`#policy-form`)))
	tb.check(t)
	tb.do(t, chromedp.SetValue(chromedp.CSS(`input[name=min_instalment]`), "35.00"),
		chromedp.SetValue(chromedp.CSS(`#policy-form input[name=balance]`), "2400"))
	tb.submit(t, `#policy-form button[value=preview]`)
	if p := tb.text(t, "#preview-plan"); !strings.Contains(p, "instalments of at least 35.00") {
		t.Fatalf("preview: %q", p)
	}
	tb.check(t)
	tb.shot(t, "policy-preview")
	tb.submit(t, `#policy-form button[value=save]`)
	if s := tb.text(t, "#policy-saved"); s != "Policy saved." {
		t.Fatalf("after saving: %q", s)
	}
	if p, custom, err := e.db.CreditorPolicy(ctx, e.tenant, mustCreditor(t, j)); err != nil || !custom || p.MinInstalment != 3500 {
		t.Fatalf("stored policy: %+v %v", p, err)
	}

	// Sequences, a template in four languages, retention.
	for _, page := range []string{"/console/sequences", "/console/sequences/templates/friendly", "/console/retention", "/console/letters"} {
		tb.do(t, chromedp.Navigate(e.base+page), chromedp.WaitVisible(chromedp.CSS(`h1`)))
		tb.check(t)
	}
	// The creditor's own text of a template: chosen on the template's
	// page, typed in French and saved, then listed among the creditors with
	// their own text.
	tb.do(t, chromedp.Navigate(e.base+"/console/sequences/templates/friendly"), chromedp.WaitVisible(chromedp.CSS(`#template-creditor`)))
	crs, err := e.db.FindCreditors(ctx, e.tenant)
	must(t, err)
	tb.do(t, chromedp.SetValue(chromedp.CSS(`#template-creditor select`), crs[0].ID),
		chromedp.Click(chromedp.CSS(`#template-creditor button`), chromedp.NodeVisible), chromedp.WaitReady(chromedp.CSS(`#text-form-fr input[name=creditor_id]`)))
	tb.do(t, chromedp.SetValue(chromedp.CSS(`#text-form-fr textarea`), "Bonjour {{.DebtorName}}, texte du créancier : {{.Amount}}. {{.PortalURL}}"),
		chromedp.Click(chromedp.CSS(`#text-form-fr button[value=save]`), chromedp.NodeVisible), chromedp.WaitVisible(chromedp.CSS(`#text-saved-fr`)))
	tb.check(t)
	if txt, err := e.db.TemplateTextFor(ctx, e.tenant, crs[0].ID, "friendly", "fr"); err != nil || txt == nil || txt.CreditorID != crs[0].ID || !strings.Contains(txt.Body, "texte du créancier") {
		t.Fatalf("the creditor's text: %+v %v", txt, err)
	}
	tb.shot(t, "creditor-template-text")
	tb.do(t, chromedp.Navigate(e.base+"/console/sequences/templates/friendly"), chromedp.WaitVisible(chromedp.CSS(`#override-`+crs[0].ID)))
	tb.check(t)

	// A statement: the debtor paid the balance without the reference.
	tb.acceptStatementSuggestion(t, e.base, filepath.Join(t.TempDir(), "statement.csv"),
		date(-1)+","+portal.FormatMinor(bal.Total, 2)+",EUR,virement,DUPONT TRAITEUR,,BO-B-1")
	full, err := e.db.FindClaim(ctx, e.tenant, c.ID)
	must(t, err)
	if len(full.Payments) != 1 || full.Payments[0].Amount != bal.Total {
		t.Fatalf("payments: %+v", full.Payments)
	}
}

func mustCreditor(t *testing.T, j *journey) string {
	t.Helper()
	cs, err := j.env.db.FindCreditors(context.Background(), j.env.tenant)
	must(t, err)
	return cs[0].ID
}

// acceptStatementSuggestion uploads a one-line CSV bank statement (line, in
// the columns below) on /console/statements, checks that it is suggested
// for one claim and accepts it, with the page checks and a screenshot.
func (tb *tab) acceptStatementSuggestion(t *testing.T, base, file, line string) {
	t.Helper()
	must(t, os.WriteFile(file, []byte("date,amount,currency,reference,counterparty_name,counterparty_iban,bank_ref\n"+line+"\n"), 0o600))
	tb.do(t, chromedp.Navigate(base+"/console/statements"), chromedp.WaitVisible(chromedp.CSS(`input[name=statement]`)),
		chromedp.SetUploadFiles(chromedp.CSS(`input[name=statement]`), []string{file}))
	tb.check(t)
	tb.submit(t, `#statement-upload button[type=submit]`)
	if h := tb.text(t, "#suggested h2"); !strings.Contains(h, "(1)") {
		t.Fatalf("suggestions: %q", h)
	}
	tb.check(t)
	tb.shot(t, "statement-suggestion")
	tb.submit(t, `#suggested button[type=submit]`)
	if s := tb.text(t, "#line-accepted"); s != "Payment recorded on the claim." {
		t.Fatalf("after accepting: %q", s)
	}
}
