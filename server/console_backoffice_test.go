package server

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/store/storetest"
)

// upload posts a CSV file as the console's import form does (multipart,
// with the session's form token unless csrf is "").
func (a consoleAs) upload(path, csrf, name string, file []byte) consoleResp {
	a.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if csrf != "" {
		w.WriteField("csrf", csrf)
	}
	fw, _ := w.CreateFormFile("file", name)
	fw.Write(file)
	w.Close()
	req, _ := http.NewRequest("POST", a.base+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Cookie", consoleCookie+"="+a.cookie)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return consoleResp{resp.StatusCode, resp.Header, string(b)}
}

// post sends a form with the session's token.
func (a consoleAs) post(path string, form url.Values) consoleResp {
	a.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", a.csrf())
	return a.do("POST", path, form)
}

// lastEvent is the claim's newest evidence event.
func lastEvent(t *testing.T, e *chatEnv, claimID string) *portal.Event {
	t.Helper()
	evs, err := e.db.ListEvents(context.Background(), e.tenantID, claimID, 0, 0)
	if err != nil || len(evs) == 0 {
		t.Fatal(err, len(evs))
	}
	return evs[len(evs)-1]
}

func claimForm(ref, email, amount string) url.Values {
	return url.Values{"reference": {ref}, "currency": {"EUR"}, "jurisdiction": {"FR"}, "debtor.kind": {"business"},
		"debtor.name": {"Martin & Fils <SARL>"}, "debtor.language": {"fr"}, "debtor.email": {email}, "debtor.postcode": {"69002"},
		"invoices[0].number": {"F-10"}, "invoices[0].issue_date": {"2024-03-01"}, "invoices[0].due_date": {"2024-03-31"}, "invoices[0].amount": {amount},
		"invoices[2].number": {"F-11"}, "invoices[2].issue_date": {"2024-04-01"}, "invoices[2].due_date": {"2024-03-01"}, "invoices[2].amount": {"10"}}
}

// TestConsoleClaimCreate: an agent creates a claim from the form, checked
// as the API checks it. A refused form keeps what was typed and puts the
// problem beside its field, in the user's language; nothing is stored
// until the form is right; the claim's first event names the user.
func TestConsoleClaimCreate(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newChatEnv(t, dialect)
			agent := consoleAs{t, e.base, e.cookies[e.agent.ID]}
			if r := agent.get("/console/claims/new"); r.status != 200 || !strings.Contains(r.body, `name="invoices[4].amount"`) {
				t.Fatalf("form: %d", r.status)
			}
			count := func() int {
				cs, _, _ := e.db.FindClaims(context.Background(), e.tenantID, portal.ClaimFilter{})
				return len(cs)
			}
			before := count()

			// A bad e-mail address: beside its field, the text kept.
			form := claimForm("NEW-1", "martin at example", "1 250,50")
			form.Set("invoices[2].due_date", "2024-04-30")
			r := agent.post("/console/claims", form)
			if r.status != 400 {
				t.Fatalf("bad e-mail: %d", r.status)
			}
			mustContain(t, "refused form", r.body, `id="e-debtor.email">A valid e-mail address, or nothing.</span>`,
				`value="martin at example"`, `value="Martin &amp; Fils &lt;SARL&gt;"`, `value="1 250,50"`, `value="F-11"`)
			// The third row's due date before its issue date: the API calls it
			// invoices[1] (the blank row is skipped), the form row 3.
			form.Set("debtor.email", "compta@martin.test")
			form.Set("invoices[2].due_date", "2024-03-01")
			r = agent.post("/console/claims", form)
			mustContain(t, "due date", r.body, `id="e-invoices[2].due_date">Required: a date YYYY-MM-DD, not before the issue date.</span>`)
			// An amount that is not one, all at once with a bad rate.
			form.Set("invoices[2].due_date", "2024-04-30")
			form.Set("invoices[0].amount", "douze")
			form.Set("contract_rate", "huit")
			r = agent.post("/console/claims", form)
			mustContain(t, "amount", r.body, `id="e-invoices[0].amount"`, `id="e-contract_rate"`)
			if n := count(); n != before {
				t.Fatalf("a refused form stored %d claims", n-before)
			}

			// In French for a user who chose French.
			if err := e.db.SetUserLanguage(context.Background(), e.tenantID, e.agent.ID, "fr"); err != nil {
				t.Fatal(err)
			}
			form.Set("invoices[0].amount", "1 250,50")
			form.Set("contract_rate", "8,50")
			form.Set("debtor.phone", "0612")
			r = agent.post("/console/claims", form)
			mustContain(t, "French", html.UnescapeString(r.body), `id="e-debtor.phone">Un numéro international comme +32470123456, ou rien.</span>`,
				"Rien n'a été enregistré")
			form.Set("debtor.phone", "+33612345678")

			r = agent.post("/console/claims", form)
			if r.status != 303 || !strings.HasSuffix(r.header.Get("Location"), "/manage?done=created") {
				t.Fatalf("create: %d %s", r.status, r.body)
			}
			id := strings.Split(r.header.Get("Location"), "/")[3]
			got, err := e.db.FindClaim(context.Background(), e.tenantID, id)
			if err != nil || got.Principal() != 125050+1000 || got.Debtor.Name != "Martin & Fils <SARL>" || *got.ContractRateBP != 850 || len(got.Invoices) != 2 {
				t.Fatalf("stored: %v %+v", err, got)
			}
			if ev := lastEvent(t, e, id); ev.Kind != portal.EventClaimCreated || ev.Actor.Kind != portal.ActorUser || ev.Actor.ID != e.agent.ID {
				t.Fatalf("event %s by %+v", ev.Kind, ev.Actor)
			}
			if r := agent.get("/console/claims/" + id + "/manage?done=created"); r.status != 200 || !strings.Contains(r.body, "La créance est enregistrée.") {
				t.Fatalf("manage page: %d", r.status)
			}
			// The same reference again: a conflict beside the reference.
			r = agent.post("/console/claims", form)
			if r.status != 409 || !strings.Contains(r.body, `id="e-reference">Vous avez déjà une créance avec cette référence.</span>`) {
				t.Fatalf("conflict: %d", r.status)
			}
		})
	}
}

// TestConsoleImport: a CSV file is checked line by line before anything
// is imported; a bad line is listed with its column and rule and nothing
// is stored; the good file is previewed claim by claim, then imported as
// the API imports it; importing it twice imports nothing.
func TestConsoleImport(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newChatEnv(t, dialect)
			owner := consoleAs{t, e.base, e.cookies[e.owner.ID]}
			head := "reference,currency,jurisdiction,debtor_kind,debtor_name,debtor_language,debtor_postcode,invoice_number,issue_date,due_date,amount\n"
			bad := head + "C-1,EUR,FR,business,Dupont SARL,fr,75011,F-1,2024-01-01,2024-01-31,\"1 000,50\"\n" +
				"C-1,EUR,FR,business,Dupont SARL,fr,75011,F-2,2024-02-01,2024-02-29,abc\n" +
				"C-2,EUR,XX,business,Durand SA,fr,75012,F-3,2024-02-01,2024-02-29,10\n"
			r := owner.upload("/console/claims/import", owner.csrf(), "claims.csv", []byte(bad))
			if r.status != 400 {
				t.Fatalf("bad file: %d %s", r.status, r.body)
			}
			mustContain(t, "preview of a bad file", r.body, `<tr data-line="3"><td class="num">3</td><td><code>amount</code></td><td>Required: a positive amount such as 1234.56 or 1234,56.</td>`,
				`<tr data-line="4"><td class="num">4</td><td><code>jurisdiction</code></td><td>FR or BE.</td>`, "Nothing was imported", `id="import-form"`)
			mustNotContain(t, "preview of a bad file", r.body, `id="import-confirm"`)
			cs, _, _ := e.db.FindClaims(context.Background(), e.tenantID, portal.ClaimFilter{Reference: "C-1"})
			if len(cs) != 0 {
				t.Fatal("a bad file imported claims")
			}

			good := strings.Replace(strings.Replace(bad, ",abc", ",250.00", 1), ",XX,", ",BE,", 1)
			r = owner.upload("/console/claims/import", owner.csrf(), "claims.csv", []byte(good))
			if r.status != 200 {
				t.Fatalf("good file: %d %s", r.status, r.body)
			}
			mustContain(t, "preview", r.body, "The file is correct: 2 claim(s) to import", "<td>C-1</td>", "<td>2, 3</td>", "1,250.50 EUR", "Import 2 claim(s)")
			m := regexp.MustCompile(`name="file" value="([^"]+)"`).FindStringSubmatch(r.body)
			if m == nil {
				t.Fatal("no file to confirm")
			}
			file := html.UnescapeString(m[1])
			// Without the form token nothing is imported.
			if r := owner.do("POST", "/console/claims/import/confirm", url.Values{"file": {file}}); r.status != 403 {
				t.Fatalf("confirm without CSRF: %d", r.status)
			}
			r = owner.post("/console/claims/import/confirm", url.Values{"file": {file}, "filename": {"claims.csv"}})
			if r.status != 303 || r.header.Get("Location") != "/console/claims/import?imported=2" {
				t.Fatalf("confirm: %d %s", r.status, r.body)
			}
			cs, _, _ = e.db.FindClaims(context.Background(), e.tenantID, portal.ClaimFilter{Reference: "C-1"})
			if len(cs) != 1 || len(cs[0].Invoices) != 2 {
				t.Fatalf("imported: %+v", cs)
			}
			if ev := lastEvent(t, e, cs[0].ID); ev.Actor.ID != e.owner.ID {
				t.Fatalf("claim.created by %+v", ev.Actor)
			}
			if r := owner.get("/console/claims/import?imported=2"); !strings.Contains(r.body, "2 claim(s) imported.") {
				t.Fatal("no confirmation")
			}
			// The same file again: its references are taken, nothing imported.
			r = owner.post("/console/claims/import/confirm", url.Values{"file": {file}})
			if r.status != 400 || !strings.Contains(r.body, "duplicate reference") || strings.Contains(r.body, `id="import-confirm"`) {
				t.Fatalf("second import: %d %s", r.status, r.body)
			}
			// A viewer may not import.
			viewer := consoleAs{t, e.base, e.cookies[e.viewer.ID]}
			if r := viewer.upload("/console/claims/import", viewer.csrf(), "claims.csv", []byte(good)); r.status != 403 {
				t.Fatalf("viewer: %d", r.status)
			}
			if r := owner.upload("/console/claims/import", "", "claims.csv", []byte(good)); r.status != 403 {
				t.Fatalf("upload without CSRF: %d", r.status)
			}
		})
	}
}

// TestConsoleClaimManage: from the claim's back-office page an agent
// changes the debtor's contact data, records and reverses a payment,
// records a credit note, issues (shown once) and revokes a link, makes a
// letter with a link and downloads it, and moves stage and status, each an
// evidence event with the user; refusals are worded beside the field or
// as the rule's refusal; a viewer reads the page without its forms.
func TestConsoleClaimManage(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newChatEnv(t, dialect)
			ctx := context.Background()
			agent := consoleAs{t, e.base, e.cookies[e.agent.ID]}
			base := "/console/claims/" + e.claim.ID
			byAgent := func(what string, kind portal.EventKind) map[string]any {
				t.Helper()
				ev := lastEvent(t, e, e.claim.ID)
				if ev.Kind != kind || ev.Actor.Kind != portal.ActorUser || ev.Actor.ID != e.agent.ID {
					t.Fatalf("%s: last event %s by %+v", what, ev.Kind, ev.Actor)
				}
				var p map[string]any
				json.Unmarshal([]byte(ev.Payload), &p)
				return p
			}

			t.Run("Contact", func(t *testing.T) {
				r := agent.post(base+"/debtor", url.Values{"contact.email": {"nope"}, "contact.phone": {"+33612345678"}, "contact.language": {"fr"}, "contact.address": {"3 rue Oberkampf"}})
				if r.status != 400 || !strings.Contains(r.body, `id="e-contact.email">A valid e-mail address, or nothing.</span>`) || !strings.Contains(html.UnescapeString(r.body), `value="+33612345678"`) {
					t.Fatalf("bad e-mail: %d", r.status)
				}
				r = agent.post(base+"/debtor", url.Values{"contact.email": {"compta@dupont.test"}, "contact.phone": {"+33612345678"}, "contact.language": {"nl"}, "contact.address": {"3 rue Oberkampf"}, "contact.country": {"fr"}})
				if r.status != 303 {
					t.Fatalf("contact: %d %s", r.status, r.body)
				}
				p := byAgent("contact", portal.EventDebtorContactChanged)
				if ch, _ := p["changes"].(map[string]any); ch["language"] == nil || ch["email"] == nil || ch["address"] != nil {
					t.Fatalf("changes: %v", p)
				}
				got, _ := e.db.FindClaim(ctx, e.tenantID, e.claim.ID)
				if got.Debtor.Language != "nl" || got.Debtor.Country != "FR" {
					t.Fatalf("debtor: %+v", got.Debtor)
				}
			})
			t.Run("Payment", func(t *testing.T) {
				r := agent.post(base+"/payments", url.Values{"payment.amount": {"-5"}, "payment.received_on": {"2024-06-30"}, "payment.method": {"transfer"}})
				if r.status != 400 || !strings.Contains(r.body, `id="e-payment.amount">A positive amount such as 250.00.</span>`) {
					t.Fatalf("negative: %d", r.status)
				}
				r = agent.post(base+"/payments", url.Values{"payment.amount": {"100"}, "payment.received_on": {"30/06/2024"}, "payment.method": {"transfer"}})
				if r.status != 400 || !strings.Contains(r.body, `id="e-payment.received_on">Required: the day the money arrived`) {
					t.Fatalf("bad date: %d", r.status)
				}
				r = agent.post(base+"/payments", url.Values{"payment.amount": {"120,00"}, "payment.received_on": {"2024-06-29"}, "payment.method": {"transfer"}, "payment.reference": {"VIR 42"}})
				if r.status != 303 {
					t.Fatalf("payment: %d %s", r.status, r.body)
				}
				p := byAgent("payment", portal.EventPaymentRecorded)
				if p["amount"] != float64(12000) {
					t.Fatalf("payment: %v", p)
				}
				id, _ := p["payment_id"].(string)
				r = agent.post(base+"/payments/"+id+"/reverse", url.Values{"reverse.reason": {""}})
				if r.status != 400 || !strings.Contains(r.body, "Refused, nothing changed: Required: say why") {
					t.Fatalf("reverse without reason: %d %s", r.status, r.body)
				}
				if r = agent.post(base+"/payments/"+id+"/reverse", url.Values{"reverse.reason": {"entered twice"}}); r.status != 303 {
					t.Fatalf("reverse: %d", r.status)
				}
				if p := byAgent("reverse", portal.EventPaymentReversed); p["reason"] != "entered twice" {
					t.Fatalf("reversal: %v", p)
				}
				r = agent.post(base+"/payments/"+id+"/reverse", url.Values{"reverse.reason": {"again"}})
				if r.status != 409 || !strings.Contains(r.body, "already reversed") {
					t.Fatalf("second reversal: %d", r.status)
				}
			})
			t.Run("CreditNote", func(t *testing.T) {
				r := agent.post(base+"/credit-notes", url.Values{"credit.number": {"AV-1"}, "credit.issue_date": {"2024-06-01"}, "credit.amount": {"5000"}})
				if r.status != 400 || !strings.Contains(r.body, `id="e-credit.amount">A positive amount, at most what is left to credit`) || !strings.Contains(r.body, `value="AV-1"`) {
					t.Fatalf("too much: %d", r.status)
				}
				if r = agent.post(base+"/credit-notes", url.Values{"credit.number": {"AV-1"}, "credit.issue_date": {"2024-06-01"}, "credit.amount": {"50"}}); r.status != 303 {
					t.Fatalf("credit note: %d %s", r.status, r.body)
				}
				if p := byAgent("credit note", portal.EventCreditNoteRecorded); p["amount"] != float64(5000) {
					t.Fatalf("credit note: %v", p)
				}
			})
			t.Run("Links", func(t *testing.T) {
				r := agent.post(base+"/links", url.Values{"link.channel": {"email"}})
				m := regexp.MustCompile(`<code id="issued-url">` + regexp.QuoteMeta(e.base) + `/p/([A-Za-z0-9_-]+)</code>`).FindStringSubmatch(r.body)
				if r.status != 201 || m == nil || r.header.Get("Cache-Control") != "no-store" {
					t.Fatalf("issue: %d %v", r.status, r.header)
				}
				byAgent("link", portal.EventLinkIssued)
				page := agent.get(base + "/manage")
				if strings.Contains(page.body, m[1]) {
					t.Fatal("the link's token is shown again")
				}
				links, _ := e.db.FindLinks(ctx, e.tenantID, e.claim.ID)
				last := links[len(links)-1]
				if r := agent.post(base+"/links/"+last.ID+"/revoke", nil); r.status != 303 {
					t.Fatalf("revoke: %d", r.status)
				}
				byAgent("revoke", portal.EventLinkRevoked)
				if links, _ := e.db.FindLinks(ctx, e.tenantID, e.claim.ID); links[len(links)-1].RevokedAt == nil {
					t.Fatal("the link was not revoked")
				}
			})
			t.Run("Letter", func(t *testing.T) {
				r := agent.post(base+"/letters", url.Values{"letter.kind": {"reminder"}})
				m := regexp.MustCompile(`id="letter-pdf" href="([^"]+)"`).FindStringSubmatch(r.body)
				if r.status != 201 || m == nil {
					t.Fatalf("letter: %d %s", r.status, r.body)
				}
				byAgent("letter", portal.EventLetterGenerated)
				pdf := agent.get(m[1])
				if pdf.status != 200 || !strings.HasPrefix(pdf.body, "%PDF") || pdf.header.Get("Content-Type") != "application/pdf" {
					t.Fatalf("pdf: %d %v", pdf.status, pdf.header)
				}
				links, _ := e.db.FindLinks(ctx, e.tenantID, e.claim.ID)
				if links[len(links)-1].Channel != portal.ChannelLetter {
					t.Fatal("the letter issued no letter link")
				}
				// Posted: registered post needs its number, said in words.
				sent := strings.TrimSuffix(m[1], ".pdf") + "/sent"
				r = agent.post(sent, url.Values{"sent.channel": {"registered_post"}, "sent.sent_on": {"2024-06-30"}})
				if r.status != 400 || !strings.Contains(r.body, "Refused, nothing changed: The number is required for registered post") {
					t.Fatalf("sent without number: %d", r.status)
				}
				if r = agent.post(sent, url.Values{"sent.channel": {"post"}, "sent.sent_on": {"2024-06-30"}}); r.status != 303 {
					t.Fatalf("sent: %d %s", r.status, r.body)
				}
				byAgent("sent", portal.EventLetterSent)
				if r := agent.get(base + "/manage?done=sent"); !strings.Contains(r.body, "sent on "+i18n.Date("en", portal.MustDate("2024-06-30"))) || strings.Contains(r.body, `class="inline letter-sent"`) {
					t.Fatalf("letters after sending: %s", regexp.MustCompile(`(?s)<ul id="letter-list">.*?</ul>`).FindString(r.body))
				}
			})
			t.Run("StageAndStatus", func(t *testing.T) {
				r := agent.post(base+"/stage", url.Values{"stage.to": {"judgment"}, "stage.reason": {"court"}})
				if r.status != 400 || !strings.Contains(r.body, "Refused, nothing changed: cannot record a judgment before the claim is in litigation") ||
					!strings.Contains(r.body, "From the amicable stage the claim may move to: formal notice") {
					t.Fatalf("refused move: %d %s", r.status, r.body)
				}
				r = agent.post(base+"/stage", url.Values{"stage.to": {"formal_notice"}, "stage.reason": {""}})
				if r.status != 400 || !strings.Contains(r.body, `id="e-stage.reason">Required: say why`) {
					t.Fatalf("no reason: %d", r.status)
				}
				if r = agent.post(base+"/stage", url.Values{"stage.to": {"formal_notice"}, "stage.reason": {"no answer"}, "stage.formal_notice_on": {"2024-06-28"}}); r.status != 303 {
					t.Fatalf("stage: %d %s", r.status, r.body)
				}
				byAgent("stage", portal.EventStageChanged)
				r = agent.post(base+"/dates", url.Values{"dates.judgment_on": {"2024-06-01"}, "dates.reason": {"court"}})
				if r.status != 400 || !strings.Contains(r.body, "judgment_on is recorded once the claim is at the judgment stage") {
					t.Fatalf("dates refused: %d %s", r.status, r.body)
				}
				if r = agent.post(base+"/dates", url.Values{"dates.last_acknowledgement_on": {"2024-06-20"}, "dates.reason": {"phone call"}}); r.status != 303 {
					t.Fatalf("dates: %d %s", r.status, r.body)
				}
				byAgent("dates", portal.EventDatesRecorded)
				if r = agent.post(base+"/status", url.Values{"status.to": {"written_off"}, "status.reason": {"insolvent"}}); r.status != 303 {
					t.Fatalf("status: %d %s", r.status, r.body)
				}
				byAgent("status", portal.EventStatusChanged)
				r = agent.post(base+"/status", url.Values{"status.to": {"in_plan"}, "status.reason": {"agreed by phone"}})
				if r.status != 400 || !strings.Contains(r.body, "Refused, nothing changed: cannot change a written-off claim to in-plan") ||
					!strings.Contains(r.body, "With the status written off, the claim may become: open, settled.") {
					t.Fatalf("refused status: %d %s", r.status, regexp.MustCompile(`(?s)<section id="status">.*?</section>`).FindString(r.body))
				}
				got, _ := e.db.FindClaim(ctx, e.tenantID, e.claim.ID)
				if got.Stage != portal.StageFormalNotice || got.Status != portal.StatusWrittenOff || got.LastAcknowledgementOn != portal.MustDate("2024-06-20") {
					t.Fatalf("claim: %s %s %s", got.Stage, got.Status, got.LastAcknowledgementOn)
				}
			})
			t.Run("Viewer", func(t *testing.T) {
				viewer := consoleAs{t, e.base, e.cookies[e.viewer.ID]}
				r := viewer.get(base + "/manage")
				if r.status != 200 || strings.Contains(r.body, `action="`+base+`/payments"`) || !strings.Contains(r.body, "120.00") {
					t.Fatalf("viewer page: %d %s", r.status, regexp.MustCompile(`(?s)<table class="list" id="payments">.*?</table>`).FindString(r.body))
				}
				if r := viewer.post(base+"/payments", url.Values{"payment.amount": {"1"}, "payment.received_on": {"2024-06-29"}}); r.status != 403 {
					t.Fatalf("viewer payment: %d", r.status)
				}
			})
		})
	}
}

// TestConsoleBackOfficeRefusals: every back-office form refuses a missing
// form token, and another tenant's claim, payment and link IDs, changing
// nothing.
func TestConsoleBackOfficeRefusals(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newChatEnv(t, dialect)
			ctx := context.Background()
			agent := consoleAs{t, e.base, e.cookies[e.agent.ID]}
			if err := e.db.AddPayment(ctx, e.tenantID, &portal.Payment{ClaimID: e.claim.ID, Amount: 100, Currency: "EUR", ReceivedOn: e.today, Method: portal.PaymentTransfer}); err != nil {
				t.Fatal(err)
			}
			full, _ := e.db.FindClaim(ctx, e.tenantID, e.claim.ID)
			payID := full.Payments[0].ID
			links, _ := e.db.FindLinks(ctx, e.tenantID, e.claim.ID)
			linkID := links[0].ID
			base := "/console/claims/" + e.claim.ID
			forms := map[string]url.Values{
				"/console/claims":                        claimForm("X-1", "", "10"),
				"/console/claims/import/confirm":         {"file": {"cmVmZXJlbmNl"}},
				base + "/debtor":                         {"contact.email": {"x@y.test"}, "contact.language": {"fr"}},
				base + "/payments":                       {"payment.amount": {"1"}, "payment.received_on": {"2024-06-29"}},
				base + "/payments/" + payID + "/reverse": {"reverse.reason": {"x"}},
				base + "/credit-notes":                   {"credit.number": {"A"}, "credit.issue_date": {"2024-06-01"}, "credit.amount": {"1"}},
				base + "/links":                          {"link.channel": {"email"}},
				base + "/links/" + linkID + "/revoke":    {},
				base + "/letters":                        {"letter.kind": {"reminder"}},
				base + "/stage":                          {"stage.to": {"formal_notice"}, "stage.reason": {"x"}},
				base + "/status":                         {"status.to": {"written_off"}, "status.reason": {"x"}},
				base + "/dates":                          {"dates.last_acknowledgement_on": {"2024-06-20"}},
			}
			events := func() int {
				evs, _ := e.db.ListEvents(ctx, e.tenantID, e.claim.ID, 0, 0)
				return len(evs)
			}
			before := events()
			for path, form := range forms {
				if r := agent.do("POST", path, form); r.status != 403 {
					t.Errorf("%s without the form token: %d", path, r.status)
				}
			}
			// Another tenant's owner: A's claim, payment and link are not found.
			ownerB := otherTenantOwner(t, e)
			for path, form := range forms {
				if !strings.HasPrefix(path, base) {
					continue
				}
				if r := ownerB.post(path, form); r.status != 404 {
					t.Errorf("%s as another tenant: %d", path, r.status)
				}
			}
			for _, path := range []string{base + "/manage", base + "/letters/" + linkID + ".pdf"} {
				if r := ownerB.get(path); r.status != 404 {
					t.Errorf("GET %s as another tenant: %d", path, r.status)
				}
			}
			if n := events(); n != before {
				t.Fatalf("refused requests recorded %d events", n-before)
			}
			// B's own claim with A's payment and link: not found either.
			cb := &portal.Claim{Reference: "B-1", Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
				Debtor:   &portal.Debtor{Kind: portal.DebtorBusiness, Name: "B", Language: "fr", Postcode: "75001"},
				Invoices: []*portal.Invoice{{Number: "1", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-01-31"), Amount: 100}}}
			tenantB := tenantOfCookie(t, e, ownerB)
			if err := e.db.CreateCreditor(ctx, &portal.Creditor{TenantID: tenantB, LegalName: "Beta SA", Country: "FR"}); err != nil {
				t.Fatal(err)
			}
			if err := e.db.CreateClaim(ctx, tenantB, cb); err != nil {
				t.Fatal(err)
			}
			if r := ownerB.post("/console/claims/"+cb.ID+"/payments/"+payID+"/reverse", url.Values{"reverse.reason": {"x"}}); r.status != 404 {
				t.Errorf("A's payment under B's claim: %d", r.status)
			}
			if r := ownerB.post("/console/claims/"+cb.ID+"/links/"+linkID+"/revoke", nil); r.status != 404 {
				t.Errorf("A's link under B's claim: %d", r.status)
			}
			r := ownerB.post("/console/claims/"+cb.ID+"/payments", url.Values{"payment.amount": {"1"}, "payment.received_on": {"2024-06-29"}, "payment.invoice_id": {full.Invoices[0].ID}})
			if r.status != 400 || !strings.Contains(r.body, `<span class="problem">One of the claim&#39;s invoices, or none.</span>`) {
				t.Errorf("A's invoice in B's payment: %d", r.status)
			}
			if n := events(); n != before {
				t.Fatalf("refused requests recorded %d events on A's claim", n-before)
			}
			if l, _ := e.db.FindLinks(ctx, e.tenantID, e.claim.ID); l[0].RevokedAt != nil {
				t.Fatal("B revoked A's link")
			}
		})
	}
}

// tenantOfCookie is the tenant of a console session.
func tenantOfCookie(t *testing.T, e *chatEnv, a consoleAs) string {
	t.Helper()
	_, u, err := e.db.ConsoleSession(context.Background(), a.cookie)
	if err != nil {
		t.Fatal(err)
	}
	return u.TenantID
}

// TestConsoleBackOfficeTranslated: the back-office pages speak the user's
// language, refused forms included, and no message key is left unworded.
func TestConsoleBackOfficeTranslated(t *testing.T) {
	e := newChatEnv(t, storetest.Dialects[0])
	ctx := context.Background()
	owner := consoleAs{t, e.base, e.cookies[e.owner.ID]}
	base := "/console/claims/" + e.claim.ID
	want := map[string][]string{
		"fr": {"Nouvelle créance", "Importer des créances (CSV)", "Coordonnées du débiteur", "Changer d&#39;étape", "Dates de procédure"},
		"nl": {"Nieuwe vordering", "Vorderingen importeren (CSV)", "Contactgegevens van de schuldenaar", "Fase wijzigen", "Proceduredata"},
		"en": {"New claim", "Import claims (CSV)", "Debtor&#39;s contact data", "Change the stage", "Procedure dates"},
		"de": {"Neue Forderung", "Forderungen importieren (CSV)", "Kontaktdaten des Schuldners", "Stufe ändern", "Verfahrensdaten"},
	}
	for lang, words := range want {
		if err := e.db.SetUserLanguage(ctx, e.tenantID, e.owner.ID, lang); err != nil {
			t.Fatal(err)
		}
		pages := []consoleResp{owner.get("/console/claims/new"), owner.get("/console/claims/import"), owner.get(base + "/manage?done=created"),
			owner.post("/console/claims", url.Values{"reference": {" x"}}),
			owner.upload("/console/claims/import", owner.csrf(), "x.csv", []byte("reference\nA\n")),
			owner.post(base+"/stage", url.Values{"stage.to": {"enforcement"}, "stage.reason": {"x"}}),
			owner.post(base+"/links", url.Values{"link.channel": {"sms"}}),
			owner.post(base+"/letters", url.Values{"letter.kind": {"formal_notice"}})}
		all := ""
		for _, p := range pages {
			all += p.body
		}
		mustContain(t, lang+" back-office", all, words...)
		if i := strings.Index(all, "console.bo."); i >= 0 {
			t.Errorf("%s: a key is left unworded: %s", lang, all[i:min(len(all), i+60)])
		}
	}
}
