package journey

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/server/browsertest"
)

// journey is the state the steps hand on to each other.
type journey struct {
	top     *testing.T
	env     *env
	browser context.Context
	shots   *shots
	fr      *i18n.T

	claimID string
	linkURL string
	total   int64
	debtor  *tab
	agent   *tab
	// instalment is the amount of each instalment of the agreed plan.
	instalment int64
}

// TestJourney walks the product the way its three kinds of users meet it:
// a creditor through the API, debtors on a phone in French and an agent
// in the console at a desk. Each step
// builds on the one before; a step that fails stops the journey.
func TestJourney(t *testing.T) {
	e := newEnv(t)
	msgs, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	// Nothing in the background may call another host: a tab fails on any
	// request to another origin.
	browser := browsertest.Start(t, browsertest.Isolated()...)
	j := &journey{top: t, env: e, browser: browser, shots: newShots(t), fr: msgs.For("fr")}
	steps := []struct {
		name string
		fn   func(*testing.T)
	}{
		{"1_CreditorCreatesClaimAndLink", j.creditorCreatesClaim},
		{"2_DebtorOpensLinkOnPhone", j.debtorOpensLink},
		{"3_NegotiationInChatAndConsole", j.negotiate},
		{"4_DebtorPaysFirstInstalment", j.debtorPaysFirstInstalment},
		{"5_EvidenceBundleVerifies", j.evidenceVerifies},
		{"6_SecondDebtorContests", j.secondDebtorContests},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.fn) {
			t.Fatalf("step %s failed: the journey stops there", s.name)
		}
	}
}

type claimOut struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Stage  string `json:"stage"`
}

type linkOut struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}

// createClaim posts a French business claim with two late invoices and
// issues an e-mail link to it.
func (j *journey) createClaim(t *testing.T, ref, name, postcode string) (claimOut, linkOut) {
	t.Helper()
	in := map[string]any{
		"reference": ref, "currency": "EUR", "jurisdiction": "FR", "identity_check": "postcode",
		"debtor": map[string]any{"kind": "business", "name": name, "language": "fr", "email": "compta@debiteur.example",
			"phone": "+33612345678", "address": "4 quai Saint-Antoine", "postcode": postcode, "country": "FR"},
		"invoices": []map[string]any{
			{"number": ref + "-F1", "issue_date": date(-120), "due_date": date(-90), "amount": 124_000},
			{"number": ref + "-F2", "issue_date": date(-95), "due_date": date(-65), "amount": 86_050},
		},
	}
	var c claimOut
	j.env.mustAPI(t, 201, "POST", "/api/v1/claims", in, &c)
	if !portal.ValidID(c.ID) || c.Status != "open" || c.Stage != "amicable" {
		t.Fatalf("created claim: %+v", c)
	}
	var l linkOut
	j.env.mustAPI(t, 201, "POST", "/api/v1/claims/"+c.ID+"/links", map[string]any{"channel": "email"}, &l)
	if !strings.HasPrefix(l.URL, j.env.base+"/p/") || len(l.URL) < len(j.env.base)+3+20 {
		t.Fatalf("link URL %q is not %s/p/<token>", l.URL, j.env.base)
	}
	return c, l
}

// Step 1: the creditor creates a claim through the API and issues a link.
func (j *journey) creditorCreatesClaim(t *testing.T) {
	c, l := j.createClaim(t, "JRN-0001", "Dupont Traiteur SARL", "69002")
	j.claimID, j.linkURL = c.ID, l.URL
	var bal struct {
		Principal int64 `json:"principal"`
		Interest  int64 `json:"interest"`
		Total     int64 `json:"total"`
	}
	j.env.mustAPI(t, 200, "GET", "/api/v1/claims/"+c.ID+"/balance", nil, &bal)
	// 2 late invoices: principal, late interest and the 40 € indemnity
	// per invoice of a French B2B claim.
	if bal.Principal != 210_050 || bal.Interest <= 0 || bal.Total <= bal.Principal+8_000 {
		t.Fatalf("balance: %+v", bal)
	}
	j.total = bal.Total
}

// openAsDebtor opens a link in a new phone-sized French window and passes
// the identity check; it leaves the tab on the claim page.
func (j *journey) openAsDebtor(t *testing.T, name, link, postcode string) *tab {
	t.Helper()
	tb := newTab(t, j.top, j.browser, name, j.env.base, "fr-FR,fr;q=0.9", phone, j.shots)
	tb.do(t, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("answer")))
	// The token left the address bar for a session cookie.
	if p := tb.path(t); p != "/p" {
		t.Fatalf("after opening the link the address is %s, want /p", p)
	}
	if lang := run(t, tb, chromedp.Evaluate[string](`document.documentElement.lang`)); lang != "fr" {
		t.Fatalf("page language %q, want fr", lang)
	}
	if h := tb.text(t, "h1"); h != j.fr.Text("identity.title") {
		t.Fatalf("identity page title %q", h)
	}
	// Before the check nothing of the debt shows.
	if body := tb.text(t, "main"); strings.Contains(body, "€") || strings.Contains(body, "JRN-") {
		t.Fatalf("identity page reveals the claim: %q", body)
	}
	tb.shot(t, name+"-identity")
	tb.check(t)
	tb.do(t, chromedp.SendKeys(chromedp.ID("answer"), postcode))
	tb.submit(t, `form[action="/p/identity"] button[type=submit]`)
	if h := tb.text(t, "h1"); h != j.fr.Text("claim.title") {
		t.Fatalf("after the identity check the title is %q, want %q", h, j.fr.Text("claim.title"))
	}
	return tb
}

// submit clicks a button or link and waits for the page it loads.
func (tb *tab) submit(t *testing.T, css string) {
	t.Helper()
	run(t, tb, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(css), chromedp.NodeVisible)))
}

// Step 2: the debtor, on a phone and in French, opens the link, passes the
// identity check, reads the claim and how it is computed.
func (j *journey) debtorOpensLink(t *testing.T) {
	tb := j.openAsDebtor(t, "debtor", j.linkURL, "69 002")
	j.debtor = tb
	want := i18n.Money("fr", j.total, "EUR")
	if got := tb.text(t, "#total-due"); got != want {
		t.Fatalf("total shown %q, want %q (the API's balance in French)", got, want)
	}
	main := tb.text(t, "main")
	for _, s := range []string{"JRN-0001-F1", "JRN-0001-F2", i18n.Money("fr", 124_000, "EUR"), j.fr.Text("claim.how_computed")} {
		if !strings.Contains(main, s) {
			t.Errorf("claim page lacks %q", s)
		}
	}
	tb.shot(t, "debtor-claim")
	tb.shotTop(t, "debtor-claim-top")
	tb.check(t)

	tb.submit(t, `a[href="/p/computation"]`)
	if h := tb.text(t, "h1"); h != j.fr.Text("computation.title") {
		t.Fatalf("computation title %q", h)
	}
	comp := tb.text(t, "main")
	for _, s := range []string{"JRN-0001-F1", want} {
		if !strings.Contains(comp, s) {
			t.Errorf("computation page lacks %q", s)
		}
	}
	tb.shot(t, "debtor-computation")
	tb.check(t)
	tb.do(t, chromedp.Navigate(j.env.base+"/p"), chromedp.WaitVisible(chromedp.ID("total-due")))
	tb.clean(t)
}

// Step 5: the creditor downloads the evidence bundle; the Go verifier (what
// `relais verify` runs) and verify.html in Chromium accept it, and both
// reject a tampered copy.
func (j *journey) evidenceVerifies(t *testing.T) {
	status, b := j.env.api(t, "GET", "/api/v1/claims/"+j.claimID+"/evidence.zip", nil, nil)
	if status != 200 {
		t.Fatalf("evidence.zip: %d %s", status, b)
	}
	rep, err := evidence.VerifyBundle(bytes.NewReader(b), int64(len(b)), evidence.TrustedKey(j.env.signer.PublicKey()))
	if err != nil {
		t.Fatalf("relais verify rejects the bundle it was given: %v", err)
	}
	if rep.ClaimID != j.claimID || rep.Events < 3 {
		t.Fatalf("report: claim %s, %d events", rep.ClaimID, rep.Events)
	}
	names, files := unzip(t, b)
	events := files["events.jsonl"]
	for _, kind := range []portal.EventKind{portal.EventClaimCreated, portal.EventClaimViewed, portal.EventComputationViewed,
		portal.EventOfferMade, portal.EventOfferAccepted, portal.EventAgreementSigned, portal.EventPaymentStarted, portal.EventPaymentRecorded} {
		if !bytes.Contains(events, []byte(`"`+string(kind)+`"`)) {
			t.Errorf("events.jsonl has no %s event", kind)
		}
	}
	// The tampered copy says the debtor read the claim from another
	// address.
	lines := bytes.SplitAfter(events, []byte("\n"))
	viewed := -1
	for i, l := range lines {
		if bytes.Contains(l, []byte(`"`+string(portal.EventClaimViewed)+`"`)) && bytes.Contains(l, []byte("127.0.0.1")) {
			viewed = i
			break
		}
	}
	if viewed < 0 {
		t.Fatalf("no claim.viewed event from 127.0.0.1 in events.jsonl:\n%s", events)
	}
	forged := map[string][]byte{}
	for k, v := range files {
		forged[k] = v
	}
	lines[viewed] = bytes.Replace(lines[viewed], []byte("127.0.0.1"), []byte("203.0.113.9"), 1)
	forged["events.jsonl"] = bytes.Join(lines, nil)
	fz := rezip(t, names, forged)
	if _, err := evidence.VerifyBundle(bytes.NewReader(fz), int64(len(fz))); err == nil {
		t.Fatal("relais verify accepts a bundle whose events were changed")
	}

	tb := newTab(t, j.top, j.browser, "creditor", j.env.base, "fr-FR,fr;q=0.9", desktop, j.shots)
	tb.allowFiles()
	good, bad := t.TempDir(), t.TempDir()
	goodPaths, badPaths := writeAll(t, good, names, files), writeAll(t, bad, names, forged)
	if st, text := tb.verifyHTML(t, filepath.Join(good, "verify.html"), goodPaths); st != "intact" {
		t.Fatalf("verify.html on the unzipped bundle: %s: %s", st, text)
	}
	tb.shot(t, "verify-intact")
	if st, text := tb.verifyHTML(t, filepath.Join(bad, "verify.html"), badPaths); st != "tampered" {
		t.Fatalf("verify.html on the tampered files: %s: %s", st, text)
	}
	tb.shot(t, "verify-tampered")
	tb.clean(t)
}

// verifyHTML opens verify.html from disk, gives it the files and returns
// its verdict (data-status) and text.
func (tb *tab) verifyHTML(t *testing.T, page string, files []string) (status, text string) {
	t.Helper()
	tb.do(t,
		chromedp.Navigate("file://"+page),
		chromedp.SetUploadFiles(chromedp.ID("files"), files),
		chromedp.WaitVisible(chromedp.CSS(`#result[data-status="intact"], #result[data-status="tampered"], #result[data-status="unverified"]`)),
	)
	attr := run(t, tb, chromedp.AttributeValue(chromedp.ID("result"), "data-status"))
	return attr.Value, tb.text(t, "#result")
}

func unzip(t *testing.T, b []byte) ([]string, map[string][]byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, f.Name)
		files[f.Name] = data
	}
	return names, files
}

func rezip(t *testing.T, names []string, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(files[n])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeAll(t *testing.T, dir string, names []string, files map[string][]byte) []string {
	t.Helper()
	var paths []string
	for _, n := range names {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, files[n], 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

// Step 6: a second debtor contests their claim with a PDF; the claim is
// disputed and escalation waits for the dispute to be resolved.
func (j *journey) secondDebtorContests(t *testing.T) {
	c, l := j.createClaim(t, "JRN-0002", "Café Lefèvre SAS", "13001")
	tb := j.openAsDebtor(t, "debtor2", l.URL, "13001")
	tb.clean(t)
	tb.submit(t, `a[href="/p/contest"]`)
	if h := tb.text(t, "h1"); h != j.fr.Text("contest.title") {
		t.Fatalf("contest title %q", h)
	}
	pdf := filepath.Join(t.TempDir(), "bon-de-livraison.pdf")
	if err := os.WriteFile(pdf, tinyPDF(), 0o600); err != nil {
		t.Fatal(err)
	}
	tb.do(t,
		chromedp.Click(chromedp.ID("reason-"+string(portal.ReasonNotReceived)), chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.ID("text"), "La marchandise livrée le 3 mars était avariée ; voir le bon de livraison signé avec réserves."),
		chromedp.SetUploadFiles(chromedp.ID("files"), []string{pdf}),
	)
	tb.shot(t, "debtor2-contest")
	tb.check(t)
	tb.submit(t, `form[action="/p/contest"] button[type=submit]`)
	if p := tb.path(t); p != "/p" {
		t.Fatalf("after contesting the address is %s, want /p", p)
	}
	if h := tb.text(t, "#dispute h2"); h != j.fr.Text("dispute.status.title") {
		t.Fatalf("claim page does not show the dispute: %q", h)
	}
	tb.shot(t, "debtor2-disputed")
	tb.check(t)

	var got claimOut
	j.env.mustAPI(t, 200, "GET", "/api/v1/claims/"+c.ID, nil, &got)
	if got.Status != "disputed" {
		t.Fatalf("claim status %q after the contest, want disputed", got.Status)
	}
	var ds struct {
		Disputes []struct {
			Reason    string `json:"reason"`
			Status    string `json:"status"`
			Documents []struct {
				ContentType string `json:"content_type"`
			} `json:"documents"`
		} `json:"disputes"`
	}
	raw := j.env.mustAPI(t, 200, "GET", "/api/v1/claims/"+c.ID+"/disputes", nil, &ds)
	if len(ds.Disputes) != 1 || ds.Disputes[0].Reason != string(portal.ReasonNotReceived) || !bytes.Contains(raw, []byte("application/pdf")) {
		t.Fatalf("disputes: %s", raw)
	}
	status, body := j.env.api(t, "POST", "/api/v1/claims/"+c.ID+"/stage", map[string]any{"to": "formal_notice", "reason": "no answer"}, nil)
	if status != 409 || !strings.Contains(string(body), "disputed") {
		t.Fatalf("escalating a disputed claim: %d %s", status, body)
	}
	j.env.mustAPI(t, 200, "GET", "/api/v1/claims/"+c.ID, nil, &got)
	if got.Stage != "amicable" {
		t.Fatalf("stage %q after a refused escalation", got.Stage)
	}
}

// tinyPDF is a valid one-page PDF.
func tinyPDF() []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	var offs []int
	for i, o := range objs {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}
