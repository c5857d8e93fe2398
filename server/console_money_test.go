package server_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/reminders"
	"github.com/relais/relais/portal/store/storetest"
)

// upload sends the statement form (multipart) as u, with u's CSRF token
// unless csrf is false.
func (e *boEnv) upload(u *boUser, name, content string, csrf bool) (int, string, string) {
	e.t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if csrf {
		w.WriteField("csrf", u.csrf)
	}
	w.WriteField("format", "")
	fw, _ := w.CreateFormFile("statement", name)
	fw.Write([]byte(content))
	w.Close()
	req, _ := http.NewRequest("POST", e.run.Base+"/console/statements", &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.AddCookie(&http.Cookie{Name: "relais_console", Value: u.cookie})
	return e.send(req)
}

// payments lists the amounts paid on a claim.
func (e *boEnv) payments(tenantID string, c *portal.Claim) []int64 {
	e.t.Helper()
	full, err := e.db.FindClaim(context.Background(), tenantID, c.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []int64
	for _, p := range full.Payments {
		out = append(out, p.Amount)
	}
	return out
}

var acceptForm = regexp.MustCompile(`action="(/console/statements/[^/]+/lines/([^/]+)/accept)"`)

func TestConsoleStatements(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newBOEnv(t, dialect)
			ctx := context.Background()
			ref, err := e.db.ClaimPaymentReference(ctx, e.tenantA, e.claimA.ID)
			if err != nil {
				t.Fatal(err)
			}
			// The second claim's balance today, paid by a "Martin" without
			// reference: a suggestion.
			full, _ := e.db.FindClaim(ctx, e.tenantA, e.claimA2.ID)
			b, err := e.run.Deps.Rates.Compute(full, portal.DateOf(e.clock.T))
			if err != nil {
				t.Fatal(err)
			}
			due := portal.FormatMinor(b.Total, 2)
			csv := "date,amount,currency,reference,counterparty_name,counterparty_iban,bank_ref\n" +
				"2024-06-29,250.00,EUR," + ref.Printed + ",Dupont Alpha,,B-1\n" +
				"2024-06-29," + due + ",EUR,facture juin,MARTIN SARL,,B-2\n" +
				"2024-06-29,9.99,EUR,who knows,Somebody,,B-3\n"

			// Refused: no CSRF token, a viewer, a file that is no statement.
			if status, _, _ := e.upload(e.owner, "june.csv", csv, false); status != 403 {
				t.Errorf("upload without CSRF: %d", status)
			}
			if status, _, _ := e.upload(e.viewer, "june.csv", csv, true); status != 403 {
				t.Errorf("viewer uploads: %d", status)
			}
			status, page, _ := e.upload(e.agent, "june.xml", "<Document>not camt</Document>", true)
			if status != 400 || !strings.Contains(page, `id="statement-problem"`) || !strings.Contains(page, "Statement refused, nothing was recorded") {
				t.Fatalf("bad file: %d\n%s", status, page)
			}
			if p := e.payments(e.tenantA, e.claimA); len(p) != 0 {
				t.Fatalf("refused uploads recorded payments: %v", p)
			}

			// An agent imports it: the reference pays claim A at once.
			status, _, loc := e.upload(e.agent, "june.csv", csv, true)
			if status != 303 || !strings.HasPrefix(loc, "/console/statements/") {
				t.Fatalf("import: %d %s", status, loc)
			}
			if p := e.payments(e.tenantA, e.claimA); len(p) != 1 || p[0] != 25000 {
				t.Fatalf("matched payment: %v", p)
			}
			status, page, _ = e.do(e.viewer, "GET", loc, nil)
			if status != 200 || !strings.Contains(page, "Matched (1)") || !strings.Contains(page, "Suggestions (1)") || !strings.Contains(page, "Unmatched (1)") ||
				!strings.Contains(page, "R-Alpha-2") || strings.Contains(page, "/accept") {
				t.Fatalf("statement page as viewer: %d\n%s", status, page)
			}
			if status, _, _ := e.do(e.ownerB, "GET", loc, nil); status != 404 {
				t.Errorf("B's owner sees A's statement: %d", status)
			}
			listed := `<a href="` + loc + `">`
			if _, page, _ := e.do(e.viewer, "GET", "/console/statements", nil); !strings.Contains(page, listed) ||
				!regexp.MustCompile(`<td class="num">3</td><td class="num">2</td>`).MatchString(page) {
				t.Errorf("the statement is not listed with its 2 lines to settle")
			}
			if _, page, _ := e.do(e.ownerB, "GET", "/console/statements", nil); strings.Contains(page, listed) || !strings.Contains(page, "No statement imported.") {
				t.Errorf("B's owner sees A's statement in the list")
			}
			_, page, _ = e.do(e.agent, "GET", loc, nil)
			if !strings.Contains(page, `value="`+e.claimA2.ID+`" checked> R-Alpha-2 · <bdi>Martin SARL</bdi>`) {
				t.Errorf("the suggestion's claim is not offered to the agent")
			}
			forms := acceptForm.FindAllStringSubmatch(page, -1)
			if len(forms) != 2 {
				t.Fatalf("accept forms: %v", forms)
			}
			suggested, unmatched := forms[0][1], forms[1][1]

			// Refused: no CSRF, a viewer, B's owner, a claim of tenant B, a
			// claim that is not one of the suggestions, a reference nobody has.
			if status, _, _ := e.do(e.agent, "POST", suggested, url.Values{"csrf": {""}, "claim_id": {e.claimA2.ID}}); status != 403 {
				t.Errorf("accept without CSRF: %d", status)
			}
			if status, _, _ := e.do(e.viewer, "POST", suggested, url.Values{"claim_id": {e.claimA2.ID}}); status != 403 {
				t.Errorf("viewer accepts: %d", status)
			}
			if status, _, _ := e.do(e.ownerB, "POST", suggested, url.Values{"claim_id": {e.claimB.ID}}); status != 404 {
				t.Errorf("B's owner accepts A's line: %d", status)
			}
			if status, _, _ := e.do(e.agent, "POST", unmatched, url.Values{"claim_id": {e.claimB.ID}}); status != 404 {
				t.Errorf("A's line paid to B's claim: %d", status)
			}
			if status, _, _ := e.do(e.agent, "POST", unmatched, url.Values{"reference": {e.claimB.Reference}}); status != 400 {
				t.Errorf("A's line paid to B's reference: %d", status)
			}
			status, page, _ = e.do(e.agent, "POST", suggested, url.Values{"claim_id": {e.claimA.ID}})
			if status != 400 || !strings.Contains(page, "A suggestion can only pay one of the claims suggested.") {
				t.Errorf("suggestion to another claim: %d", status)
			}
			if p := e.payments(e.tenantB, e.claimB); len(p) != 0 {
				t.Fatalf("B's claim was paid: %v", p)
			}
			if p := e.payments(e.tenantA, e.claimA2); len(p) != 0 {
				t.Fatalf("refused accepts recorded payments: %v", p)
			}

			// Accepted: the suggestion pays claim A2, the unmatched line
			// goes to claim A by its reference; each is a payment with its
			// evidence event by the agent.
			if status, _, loc := e.do(e.agent, "POST", suggested, url.Values{"claim_id": {e.claimA2.ID}}); status != 303 || !strings.Contains(loc, "accepted=") {
				t.Fatalf("accept suggestion: %d %s", status, loc)
			}
			if status, _, _ := e.do(e.owner, "POST", unmatched, url.Values{"reference": {e.claimA.Reference}}); status != 303 {
				t.Fatalf("assign unmatched: %d", status)
			}
			if p := e.payments(e.tenantA, e.claimA2); len(p) != 1 || p[0] != b.Total {
				t.Fatalf("suggested payment: %v, want %d", p, b.Total)
			}
			if p := e.payments(e.tenantA, e.claimA); len(p) != 2 || p[1] != 999 {
				t.Fatalf("assigned payment: %v", p)
			}
			evs, _ := e.db.ListEvents(ctx, e.tenantA, e.claimA2.ID, 0, 0)
			found := false
			for _, ev := range evs {
				found = found || ev.Kind == portal.EventStatementMatched && ev.Actor.Kind == portal.ActorUser && ev.Actor.ID == e.agent.ID
			}
			if !found {
				t.Errorf("no statement.matched event by the agent on the claim")
			}
			if _, page, _ := e.do(e.viewer, "GET", "/console/statements", nil); !strings.Contains(page, `<td class="num">3</td><td class="num">0</td>`) {
				t.Errorf("the list still counts lines to settle")
			}
			status, page, _ = e.do(e.agent, "POST", suggested, url.Values{"claim_id": {e.claimA2.ID}})
			if status != 400 || !strings.Contains(page, "This line is settled already") {
				t.Errorf("accept twice: %d", status)
			}
			// The same file again: every line was there.
			if status, page, _ := e.upload(e.agent, "june.csv", csv, true); status != 200 || !strings.Contains(page, "This statement was imported before: its 3 lines") {
				t.Errorf("second import: %d", status)
			}
		})
	}
}

func TestConsoleLettersQueue(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newBOEnv(t, dialect)
			ctx := context.Background()
			// A letter-only sequence for every claim; one scheduler run
			// makes the letters of A's two claims and B's one.
			for _, tc := range []struct {
				tenant string
				claims []*portal.Claim
			}{{e.tenantA, []*portal.Claim{e.claimA, e.claimA2}}, {e.tenantB, []*portal.Claim{e.claimB}}} {
				seq := &portal.ReminderSequence{Name: "Letters", Steps: []*portal.ReminderStep{{DayOffset: 0, Channel: portal.ChannelLetter, TemplateKey: "formal_notice"}}}
				if err := e.db.CreateSequence(ctx, tc.tenant, seq); err != nil {
					t.Fatal(err)
				}
				for _, c := range tc.claims {
					if err := e.db.SetClaimSequence(ctx, tc.tenant, c.ID, seq.ID); err != nil {
						t.Fatal(err)
					}
				}
			}
			sched := &reminders.Scheduler{Store: e.db, Links: e.db, Letters: e.run.Letters, Clock: e.clock, BaseURL: e.run.Base, Holder: "test"}
			if r, err := sched.RunOnce(ctx); err != nil || r.ToPrint != 3 {
				t.Fatalf("scheduler: %+v %v", r, err)
			}
			queueA, _ := e.db.FindLettersToPrint(ctx, e.tenantA)
			queueB, _ := e.db.FindLettersToPrint(ctx, e.tenantB)
			if len(queueA) != 2 || len(queueB) != 1 {
				t.Fatalf("queues: %d %d", len(queueA), len(queueB))
			}
			status, page, _ := e.do(e.viewer, "GET", "/console/letters", nil)
			if status != 200 || !strings.Contains(page, "Every letter in one PDF (2)") || !strings.Contains(page, "R-Alpha-2") || strings.Contains(page, "R-Beta") ||
				strings.Contains(page, `action="/console/letters/posted"`) {
				t.Fatalf("queue as viewer: %d\n%s", status, page)
			}
			// The merged PDF holds both letters: its pages are theirs.
			req, _ := http.NewRequest("GET", e.run.Base+"/console/letters/print.pdf", nil)
			req.AddCookie(&http.Cookie{Name: "relais_console", Value: e.viewer.cookie})
			status, pdf, _ := e.send(req)
			pages := func(b string) int {
				n, err := api.PageCount(strings.NewReader(b), model.NewDefaultConfiguration())
				if err != nil {
					t.Errorf("page count: %v", err)
				}
				return n
			}
			one, err := e.run.Letters.FindLetter(ctx, e.tenantA, queueA[0].ClaimID, queueA[0].ProviderID)
			if err != nil {
				t.Fatal(err)
			}
			two, _ := e.run.Letters.FindLetter(ctx, e.tenantA, queueA[1].ClaimID, queueA[1].ProviderID)
			if status != 200 || !strings.HasPrefix(pdf, "%PDF") || pages(pdf) != pages(string(one.PDF))+pages(string(two.PDF)) || pages(pdf) < 2 {
				t.Fatalf("merged PDF: %d, %d pages, letters %d + %d", status, pages(pdf), pages(string(one.PDF)), pages(string(two.PDF)))
			}

			// Refused: no CSRF, a viewer, B's letter from A, a registered
			// letter without its number, a day to come.
			one1 := url.Values{"send": {queueA[0].ID}, "channel": {"post"}, "sent_on": {"2024-06-30"}}
			if status, _, _ := e.do(e.agent, "POST", "/console/letters/posted", url.Values{"csrf": {""}, "send": {queueA[0].ID}, "channel": {"post"}, "sent_on": {"2024-06-30"}}); status != 403 {
				t.Errorf("no CSRF: %d", status)
			}
			if status, _, _ := e.do(e.viewer, "POST", "/console/letters/posted", one1); status != 403 {
				t.Errorf("viewer marks posted: %d", status)
			}
			if status, _, _ := e.do(e.agent, "POST", "/console/letters/posted", url.Values{"send": {queueA[0].ID, queueB[0].ID}, "channel": {"post"}, "sent_on": {"2024-06-30"}}); status != 404 {
				t.Errorf("A marks B's letter: %d", status)
			}
			if status, page, _ := e.do(e.agent, "POST", "/console/letters/posted", url.Values{"send": {queueA[0].ID}, "channel": {"registered_post"}, "sent_on": {"2024-06-30"}}); status != 400 ||
				!strings.Contains(page, "A registered letter has its number") {
				t.Errorf("registered without number: %d", status)
			}
			if status, page, _ := e.do(e.agent, "POST", "/console/letters/posted", url.Values{"send": {queueA[0].ID}, "channel": {"post"}, "sent_on": {"2024-07-01"}}); status != 400 ||
				!strings.Contains(page, "today at the latest") {
				t.Errorf("posted tomorrow: %d", status)
			}
			if q, _ := e.db.FindLettersToPrint(ctx, e.tenantA); len(q) != 2 {
				t.Fatalf("refused forms marked letters: %d left", len(q))
			}
			if q, _ := e.db.FindLettersToPrint(ctx, e.tenantB); len(q) != 1 {
				t.Fatalf("B's letter was marked")
			}

			// One by registered post, then "all" (the one left) by post.
			reg := url.Values{"send": {queueA[0].ID}, "channel": {"registered_post"}, "registered_number": {"1A 123 456 7890 1"}, "sent_on": {"2024-06-30"}}
			if status, _, loc := e.do(e.agent, "POST", "/console/letters/posted", reg); status != 303 || loc != "/console/letters?posted=1" {
				_, page, _ := e.do(e.agent, "POST", "/console/letters/posted", reg)
				t.Fatalf("mark one: %d %s %s", status, loc, page[strings.Index(page, "<main"):])
			}
			_, page, _ = e.do(e.owner, "GET", "/console/letters", nil)
			all := regexp.MustCompile(`(?s)<form method="post" action="/console/letters/posted" id="letters-all">.*?</form>`).FindString(page)
			ids := regexp.MustCompile(`name="send" value="([^"]+)"`).FindAllStringSubmatch(all, -1)
			if len(ids) != 1 || ids[0][1] != queueA[1].ID {
				t.Fatalf("the 'all' form names %v", ids)
			}
			if status, _, _ := e.do(e.owner, "POST", "/console/letters/posted", url.Values{"send": {ids[0][1]}, "channel": {"post"}, "sent_on": {"2024-06-30"}}); status != 303 {
				t.Fatalf("mark all: %d", status)
			}
			if q, _ := e.db.FindLettersToPrint(ctx, e.tenantA); len(q) != 0 {
				t.Fatalf("%d letters left", len(q))
			}
			l, err := e.run.Letters.FindLetter(ctx, e.tenantA, queueA[0].ClaimID, queueA[0].ProviderID)
			if err != nil || l.SentAt == nil || l.SentBy != portal.SendRegisteredPost || l.RegisteredNumber != "1A 123 456 7890 1" {
				t.Fatalf("registered letter: %+v %v", l, err)
			}
			evs, _ := e.db.ListEvents(ctx, e.tenantA, queueA[1].ClaimID, 0, 0)
			found := false
			for _, ev := range evs {
				found = found || ev.Kind == portal.EventLetterSent && ev.Actor.ID == e.owner.ID
			}
			if !found {
				t.Errorf("no letter.sent event by the owner")
			}
			if _, page, _ := e.do(e.owner, "GET", "/console/letters", nil); !strings.Contains(page, "No letter is waiting to be posted.") {
				t.Errorf("empty queue page")
			}
		})
	}
}
