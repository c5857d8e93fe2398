package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/store/storetest"
)

// consoleResp is a console response read whole.
type consoleResp struct {
	status int
	header http.Header
	body   string
}

// consoleAs sends console requests with a user's session cookie (no
// redirect followed).
type consoleAs struct {
	t      *testing.T
	base   string
	cookie string
}

func (a consoleAs) do(method, path string, form url.Values) consoleResp {
	a.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, a.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if a.cookie != "" {
		req.Header.Set("Cookie", consoleCookie+"="+a.cookie)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return consoleResp{resp.StatusCode, resp.Header, string(b)}
}

func (a consoleAs) get(path string) consoleResp { return a.do("GET", path, nil) }

// csrf is the session's form token, read from a console page.
func (a consoleAs) csrf() string {
	a.t.Helper()
	m := csrfField.FindStringSubmatch(a.get("/console/claims").body)
	if m == nil {
		a.t.Fatal("no CSRF token on the claims page")
	}
	return m[1]
}

// otherTenantOwner creates tenant Beta with an owner signed in.
func otherTenantOwner(t *testing.T, e *chatEnv) consoleAs {
	t.Helper()
	ctx := context.Background()
	other := &portal.Tenant{Name: "Beta", Timezone: "UTC"}
	if err := e.db.CreateTenant(ctx, other); err != nil {
		t.Fatal(err)
	}
	ownerB := &portal.User{TenantID: other.ID, Email: "owner@beta.test", Name: "Bob", Role: portal.RoleOwner}
	if err := e.db.CreateUser(ctx, ownerB, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	_, cookie, err := e.db.CreateConsoleSession(ctx, ownerB, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return consoleAs{t, e.base, cookie}
}

// fileTestDispute has the debtor contest the claim's invoice with a PDF
// and a PNG, and a text that tries to be HTML.
func fileTestDispute(t *testing.T, e *chatEnv) (*portal.Dispute, []byte) {
	t.Helper()
	ctx := context.Background()
	sess := *e.debtor
	sess.Verified = true
	full, err := e.db.FindClaim(ctx, e.tenantID, e.claim.ID)
	if err != nil {
		t.Fatal(err)
	}
	pdf := []byte("%PDF-1.4\n1 0 obj <<>> endobj\n<script>alert(1)</script>\n%%EOF\n")
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	d := &portal.Dispute{InvoiceID: full.Invoices[0].ID, Reason: portal.ReasonWrongAmount,
		Text:  "<script>alert('x')</script> Le montant facturé est faux : 800 € convenus.",
		Files: []*portal.DisputeFile{{Name: "devis <b>signé</b>.pdf", Content: pdf}, {Name: "photo.png", Content: png}}}
	if err := e.db.FileDispute(ctx, &sess, d); err != nil {
		t.Fatal(err)
	}
	return d, pdf
}

// TestConsoleDisputes: a dispute reaches the agents. It is in the queue
// and on the claim page with a link; its page gives the reason in words,
// the debtor's text escaped, the files as downloads and the history;
// agents and owners resolve it with a note through a CSRF-protected form
// (a viewer reads it but gets 403 on resolve; another tenant 404
// everywhere), and the outcome changes the claim.
func TestConsoleDisputes(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newChatEnv(t, dialect)
			d, pdf := fileTestDispute(t, e)
			agent := consoleAs{t, e.base, e.cookies[e.agent.ID]}
			viewer := consoleAs{t, e.base, e.cookies[e.viewer.ID]}
			ownerB := otherTenantOwner(t, e)
			page := "/console/claims/" + e.claim.ID + "/disputes/" + d.ID
			file := page + "/files/" + d.Files[0].ID
			resolve := page + "/resolve"

			// The queue and the claim page lead to it.
			q := agent.get("/console")
			if q.status != 200 || !strings.Contains(q.body, `href="`+page+`"`) || !strings.Contains(q.body, "Wrong amount") || !strings.Contains(q.body, "Waiting conversations") {
				t.Fatalf("queue without the open dispute: %d\n%s", q.status, q.body)
			}
			cl := agent.get("/console/claims/" + e.claim.ID)
			if cl.status != 200 || !strings.Contains(cl.body, `href="`+page+`"`) || strings.Contains(cl.body, "dispute.filed") {
				t.Fatalf("claim page without a link to the dispute: %d\n%s", cl.status, cl.body)
			}

			// The dispute's page.
			p := agent.get(page)
			if p.status != 200 {
				t.Fatalf("dispute page: %d %s", p.status, p.body)
			}
			mustContain(t, "dispute page", p.body, "Wrong amount", "invoice F-1",
				"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Le montant facturé est faux",
				`href="`+file+`" download><bdi>devis &lt;b&gt;signé&lt;/b&gt;.pdf</bdi></a>`, "application/pdf", "image/png",
				"Dispute filed: Wrong amount, with 2 files", "File received: devis &lt;b&gt;signé&lt;/b&gt;.pdf (application/pdf",
				"Claim status changed from open to disputed", `action="`+resolve+`"`, `value="upheld"`, `value="partly_accepted"`, `value="accepted"`)
			mustNotContain(t, "dispute page", p.body, "<script>alert", "<b>signé</b>", "<script")

			// Files are downloads typed from their content.
			f := agent.get(file)
			if f.status != 200 || f.body != string(pdf) || f.header.Get("Content-Type") != "application/pdf" ||
				!strings.HasPrefix(f.header.Get("Content-Disposition"), "attachment;") || f.header.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("file: %d %v", f.status, f.header)
			}
			if f := viewer.get(page + "/files/" + d.Files[1].ID); f.status != 200 || f.header.Get("Content-Type") != "image/png" ||
				!strings.HasPrefix(f.header.Get("Content-Disposition"), "attachment;") {
				t.Fatalf("png as viewer: %d %v", f.status, f.header)
			}

			// A viewer reads the dispute without the form and may not resolve.
			v := viewer.get(page)
			if v.status != 200 || strings.Contains(v.body, `action="`+resolve+`"`) || !strings.Contains(v.body, "Wrong amount") {
				t.Fatalf("viewer's dispute page: %d", v.status)
			}
			if r := viewer.do("POST", resolve, url.Values{"csrf": {viewer.csrf()}, "outcome": {"accepted"}, "note": {"ok"}}); r.status != 403 {
				t.Fatalf("viewer resolves: %d", r.status)
			}
			// Another tenant sees nothing of it.
			for _, path := range []string{page, file} {
				if r := ownerB.get(path); r.status != 404 {
					t.Fatalf("%s as another tenant: %d", path, r.status)
				}
			}
			if r := ownerB.do("POST", resolve, url.Values{"csrf": {ownerB.csrf()}, "outcome": {"accepted"}, "note": {"mine"}}); r.status != 404 {
				t.Fatalf("resolve as another tenant: %d", r.status)
			}
			// The form needs the session's token.
			if r := agent.do("POST", resolve, url.Values{"outcome": {"accepted"}, "note": {"ok"}}); r.status != 403 {
				t.Fatalf("resolve without CSRF: %d", r.status)
			}
			token := agent.csrf()
			// A partly accepted dispute needs the credit; what was typed stays.
			r := agent.do("POST", resolve, url.Values{"csrf": {token}, "outcome": {"partly_accepted"}, "note": {"Devis <signé> à 800 €."}})
			if r.status != 400 || !strings.Contains(r.body, "Enter the credit granted") || !strings.Contains(r.body, "Devis &lt;signé&gt; à 800 €.</textarea>") ||
				!strings.Contains(r.body, `value="partly_accepted" required checked`) {
				t.Fatalf("partly accepted without an amount: %d\n%s", r.status, r.body)
			}
			if r := agent.do("POST", resolve, url.Values{"csrf": {token}, "outcome": {"upheld"}, "note": {"  "}}); r.status != 400 || !strings.Contains(r.body, "Write a note") {
				t.Fatalf("resolve without a note: %d", r.status)
			}
			r = agent.do("POST", resolve, url.Values{"csrf": {token}, "outcome": {"partly_accepted"}, "adjusted_amount": {"200,00"}, "note": {"Devis <signé> à 800 €."}})
			if r.status != 303 || r.header.Get("Location") != page {
				t.Fatalf("resolve: %d %s", r.status, r.body)
			}
			ds, _ := e.db.FindDisputes(context.Background(), e.tenantID, e.claim.ID)
			if ds[0].Status != portal.DisputePartlyAccepted || ds[0].AdjustedAmount != 20000 || ds[0].Resolution != "Devis <signé> à 800 €." {
				t.Fatalf("dispute after resolve: %+v", ds[0])
			}
			if c, _ := e.db.FindClaim(context.Background(), e.tenantID, e.claim.ID); c.Status != portal.StatusOpen {
				t.Fatalf("claim status after a partly accepted dispute: %s", c.Status)
			}
			p = agent.get(page)
			mustContain(t, "resolved dispute", p.body, "partly accepted: credit note issued", "Resolved: partly accepted: credit note issued, credit of 200.00 EUR. Note: “Devis &lt;signé&gt; à 800 €.”",
				"Credit note DISPUTE-", "of 200.00 EUR recorded", "Claim status changed from disputed to open", "(Ann agent)")
			mustNotContain(t, "resolved dispute", p.body, `action="`+resolve+`"`)
			// Resolved disputes leave the queue; resolving twice is a conflict.
			if q := agent.get("/console"); strings.Contains(q.body, `href="`+page+`"`) {
				t.Fatal("a resolved dispute stays in the queue")
			}
			if r := agent.do("POST", resolve, url.Values{"csrf": {token}, "outcome": {"accepted"}, "note": {"again"}}); r.status != 409 || !strings.Contains(r.body, "already resolved") {
				t.Fatalf("second resolve: %d", r.status)
			}
		})
	}
}

// TestConsoleErrorPages: errors on console routes, unknown pages
// included, are console pages (HTML, console layout, request id), never
// raw JSON; the API keeps JSON.
func TestConsoleErrorPages(t *testing.T) {
	e := newChatEnv(t, storetest.Dialects[0])
	agent := consoleAs{t, e.base, e.cookies[e.agent.ID]}
	anon := consoleAs{t, e.base, ""}
	for _, tc := range []struct {
		name   string
		as     consoleAs
		method string
		path   string
		status int
		want   string
	}{
		{"unknown page", agent, "GET", "/console/no-such-page", 404, "There is no such console page."},
		{"unknown claim", agent, "GET", "/console/claims/" + portal.NewID(time.Now()), 404, "Not found"},
		{"unknown dispute", agent, "GET", "/console/claims/" + e.claim.ID + "/disputes/" + portal.NewID(time.Now()), 404, "Dispute not found."},
		{"form without its token", agent, "POST", "/console/claims/" + e.claim.ID + "/conversation", 403, "reload the page"},
		{"signed out", anon, "POST", "/console/claims/" + e.claim.ID + "/conversation", 401, "Sign in"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.as.do(tc.method, tc.path, url.Values{})
			id := r.header.Get("X-Request-ID")
			if r.status != tc.status || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || id == "" {
				t.Fatalf("%d %s (request id %q): %s", r.status, r.header.Get("Content-Type"), id, r.body)
			}
			mustContain(t, tc.name, r.body, "Relais console</title>", `<code id="request-id">`+id+`</code>`, tc.want)
			if tc.as.cookie != "" {
				mustContain(t, tc.name, r.body, `class="console-bar"`, e.agent.Email)
			}
			mustNotContain(t, tc.name, r.body, `{"error"`, "<script")
		})
	}
	// The API still answers JSON.
	resp, err := http.Get(e.base + "/api/v1/claims")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("API error as %s", resp.Header.Get("Content-Type"))
	}
}

// TestConsoleLoginKeepsEmail: a wrong password shows the form again with
// the e-mail address typed (escaped) and the password empty.
func TestConsoleLoginKeepsEmail(t *testing.T) {
	e := newChatEnv(t, storetest.Dialects[0])
	client := &http.Client{}
	resp, err := client.Get(e.base + "/console/login")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	token := csrfField.FindStringSubmatch(string(b))[1]
	var cookie string
	for _, c := range resp.Cookies() {
		if c.Name == consoleLoginCSRF {
			cookie = c.Value
		}
	}
	for _, email := range []string{e.agent.Email, `"><b>x</b>@alpha.test`} {
		req, _ := http.NewRequest("POST", e.base+"/console/login", strings.NewReader(url.Values{"csrf": {token}, "email": {email}, "password": {"not the password"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: consoleLoginCSRF, Value: cookie})
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		page := string(b)
		if resp.StatusCode != 401 || !strings.Contains(page, "Wrong e-mail or password.") {
			t.Fatalf("wrong password: %d", resp.StatusCode)
		}
		want := `value="` + strings.NewReplacer(`"`, "&#34;", "<", "&lt;", ">", "&gt;").Replace(email) + `"`
		if !strings.Contains(page, want) || strings.Contains(page, "not the password") || strings.Contains(page, "<b>x</b>") {
			t.Fatalf("the form lost the e-mail %q (want %s):\n%s", email, want, page)
		}
		for _, c := range resp.Cookies() {
			if c.Name == consoleLoginCSRF {
				cookie = c.Value
			}
		}
		token = csrfField.FindStringSubmatch(page)[1]
	}
}

// TestConsoleClaimsColumns: the claims list shows, per claim, what was paid,
// the balance today and the days late, beside stage and status.
func TestConsoleClaimsColumns(t *testing.T) {
	e := newChatEnv(t, storetest.Dialects[0])
	ctx := context.Background()
	if err := e.db.AddPayment(ctx, e.tenantID, &portal.Payment{ClaimID: e.claim.ID, Amount: 25000, Currency: "EUR", ReceivedOn: e.today, Method: portal.PaymentTransfer}); err != nil {
		t.Fatal(err)
	}
	full, _ := e.db.FindClaim(ctx, e.tenantID, e.claim.ID)
	b, err := e.srv.deps.Rates.Compute(full, e.today)
	if err != nil {
		t.Fatal(err)
	}
	r := consoleAs{t, e.base, e.cookies[e.viewer.ID]}.get("/console/claims")
	if r.status != 200 {
		t.Fatalf("claims: %d", r.status)
	}
	// Due 2024-01-31, today 2024-06-30: 151 days late.
	mustContain(t, "claims list", r.body, "<th class=\"num\">Paid</th>", "<th class=\"num\">Balance</th>", "<th class=\"num\">Days late</th>",
		"<td>open</td>", "1,000.00 EUR", "250.00 EUR", consoleMoney(b.Total, "EUR"), "<td class=\"num\">151</td>")
}

// signTestPlan has the debtor offer a plan inside the policy (Relais
// accepts it at once) and sign it; it returns the agreement.
func signTestPlan(t *testing.T, e *chatEnv) *negotiation.Agreement {
	t.Helper()
	debtor := e.debtorClient(t, 0)
	debtor.expect("welcome")
	debtor.send(map[string]any{"type": "offer", "id": "d-1", "offer": map[string]any{
		"kind": "plan", "count": 3, "amount": (e.balance + 2) / 3, "first_date": "2024-07-01", "frequency": "monthly", "method": "transfer"}})
	var agreementID string
	for agreementID == "" {
		if m := debtor.message(); m["kind"] == "accept" {
			agreementID, _ = m["agreement_id"].(string)
		}
	}
	debtor.send(map[string]any{"type": "sign", "id": "d-2", "agreement_id": agreementID, "acknowledge": true})
	debtor.next("signed")
	a, err := e.db.FindAgreement(context.Background(), e.tenantID, agreementID)
	if err != nil || a.Status != negotiation.AgreementSigned {
		t.Fatalf("agreement: %v %+v", err, a)
	}
	return a
}

// TestConsoleClaimAgreements: the claim page links the signed agreement's
// PDF and shows its instalment schedule.
func TestConsoleClaimAgreements(t *testing.T) {
	e := newChatEnv(t, storetest.Dialects[0])
	a := signTestPlan(t, e)
	viewer := consoleAs{t, e.base, e.cookies[e.viewer.ID]}
	r := viewer.get("/console/claims/" + e.claim.ID)
	pdf := "/console/agreements/" + a.ID + "/pdf"
	if r.status != 200 || !strings.Contains(r.body, `href="`+pdf+`"`) {
		t.Fatalf("claim page without the agreement's PDF: %d\n%s", r.status, r.body)
	}
	mustContain(t, "claim page", r.body, "Instalment schedule", a.PDFSHA256)
	for _, in := range a.Schedule.Instalments {
		mustContain(t, "schedule", r.body, fmt.Sprintf("<tr><td>%d</td><td>%s</td><td class=\"num\">%s</td>", in.Seq, i18n.Date("en", in.DueOn), consoleMoney(in.Amount, "EUR")))
	}
	if f := viewer.get(pdf); f.status != 200 || !strings.HasPrefix(f.body, "%PDF-") {
		t.Fatalf("agreement PDF: %d", f.status)
	}
}
