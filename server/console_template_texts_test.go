package server_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/reminders"
	"github.com/relais/relais/portal/smtp"
	"github.com/relais/relais/portal/smtp/smtptest"
	"github.com/relais/relais/portal/store/storetest"
)

// TestConsoleTemplateTexts: an owner writes the tenant's own text of a
// template in one language, previews it, has it refused for an unknown
// variable or broken syntax (beside the field, translated), saves it (the
// account log has the user), and the scheduler's next reminder is made
// from it (read back from the SMTP server, its evidence naming the text);
// reset goes back to the shipped text. Agents, viewers, a missing CSRF
// token and another tenant are refused.
func TestConsoleTemplateTexts(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newBOEnv(t, dialect)
			ctx := context.Background()
			page := "/console/sequences/templates/friendly"
			path := page + "/fr"
			form := func(action, body string) url.Values {
				return url.Values{"action": {action}, "subject": {"Dossier {{.Reference}} en attente"}, "body": {body}}
			}
			good := "Bonjour {{.DebtorName}},\r\n\r\nTexte-maison-42 : {{.Amount}} <b>restent dus</b>.\r\n{{.PortalURL}}"

			status, html, _ := e.do(e.owner, "GET", page, nil)
			if status != 200 || !strings.Contains(html, `action="`+path+`"`) || !strings.Contains(html, `id="text-source-fr">The text shipped with Relais.`) ||
				!strings.Contains(html, "<code>{{.DebtorName}}</code>") {
				t.Fatalf("owner's page: %d", status)
			}
			if _, html, _ := e.do(e.viewer, "GET", page, nil); strings.Contains(html, `action="`+path+`"`) {
				t.Errorf("a viewer is offered the form")
			}

			t.Run("Refused", func(t *testing.T) {
				f := form("save", good)
				f.Set("csrf", "")
				if status, _, _ := e.do(e.owner, "POST", path, f); status != 403 {
					t.Errorf("no CSRF: %d", status)
				}
				for _, u := range []*boUser{e.agent, e.viewer} {
					if status, _, _ := e.do(u, "POST", path, form("save", good)); status != 403 {
						t.Errorf("%s: %d", u.Role, status)
					}
				}
				status, html, _ := e.do(e.owner, "POST", path, form("save", "Bonjour {{.Nom}}"))
				if status != 400 || !strings.Contains(html, `id="err-body-fr">Unknown variable: Nom. Allowed variables: Amount, CreditorName, DebtorName`) ||
					!strings.Contains(html, `aria-invalid="true"`) || !strings.Contains(html, "Bonjour {{.Nom}}</textarea>") {
					t.Fatalf("unknown variable: %d", status)
				}
				f = form("save", good)
				f.Set("subject", "Dossier {{.Reference")
				if status, html, _ := e.do(e.owner, "POST", path, f); status != 400 || !strings.Contains(html, `id="err-subject-fr">The template is badly written:`) {
					t.Fatalf("broken syntax: %d", status)
				}
				if txts, _ := e.db.FindTemplateTexts(ctx, e.tenantA, ""); len(txts) != 0 {
					t.Fatalf("a refused text was saved: %+v", txts)
				}
			})

			t.Run("Preview", func(t *testing.T) {
				status, html, _ := e.do(e.owner, "POST", path, form("preview", good))
				if status != 200 || !strings.Contains(html, `id="text-source-fr">Preview of the typed text`) ||
					!strings.Contains(html, "Bonjour Dupont SARL,\n\nTexte-maison-42 : 1 250,50 € &lt;b&gt;restent dus&lt;/b&gt;.") ||
					!strings.Contains(html, "<strong>Dossier R-2024-0042 en attente</strong>") {
					t.Fatalf("preview: %d", status)
				}
				if txts, _ := e.db.FindTemplateTexts(ctx, e.tenantA, ""); len(txts) != 0 {
					t.Fatalf("a preview was saved: %+v", txts)
				}
			})

			status, _, loc := e.do(e.owner, "POST", path, form("save", good))
			if status != 303 || loc != page+"?saved=fr#preview-fr" {
				t.Fatalf("save: %d %s", status, loc)
			}
			txts, _ := e.db.FindTemplateTexts(ctx, e.tenantA, "friendly")
			if len(txts) != 1 || txts[0].Language != "fr" || txts[0].CreditorID != "" || strings.Contains(txts[0].Body, "\r") || len(txts[0].SHA256) != 64 {
				t.Fatalf("stored: %+v", txts)
			}
			chs, _ := e.db.AccountChanges(ctx, e.tenantA, portal.AccountTemplateTextSet, "friendly", 10)
			if len(chs) != 1 || chs[0].Actor.ID != e.owner.ID || !strings.Contains(string(chs[0].Payload), "Texte-maison-42") {
				t.Fatalf("account log: %+v", chs)
			}
			_, html, _ = e.do(e.owner, "GET", page, nil)
			if !strings.Contains(html, `id="text-source-fr">Your text.`) || !strings.Contains(html, `id="text-source-nl">The text shipped`) || !strings.Contains(html, `value="reset"`) {
				t.Fatalf("page after saving")
			}
			// Another tenant neither sees nor uses A's text.
			if _, html, _ := e.do(e.ownerB, "GET", page, nil); strings.Contains(html, "Texte-maison-42") || !strings.Contains(html, `id="text-source-fr">The text shipped`) {
				t.Errorf("B sees A's text")
			}
			if txt, _ := e.db.TemplateTextFor(ctx, e.tenantB, e.creditorB.ID, "friendly", "fr"); txt != nil {
				t.Errorf("B uses A's text")
			}
			if err := e.db.SetTemplateText(ctx, e.tenantB, &portal.TemplateText{CreditorID: e.creditorA.ID, Key: "friendly", Language: "fr", Subject: "x", Body: "y"}); portal.ErrorCode(err) != portal.ENOTFOUND {
				t.Errorf("B's text for A's creditor: %v", err)
			}

			t.Run("Sent", func(t *testing.T) {
				seq := &portal.ReminderSequence{Name: "Maison", Steps: []*portal.ReminderStep{{DayOffset: 3, Channel: portal.ChannelEmail, TemplateKey: "friendly"}}}
				if err := e.db.CreateSequence(ctx, e.tenantA, seq); err != nil {
					t.Fatal(err)
				}
				if err := e.db.SetClaimSequence(ctx, e.tenantA, e.claimA.ID, seq.ID); err != nil {
					t.Fatal(err)
				}
				mail := smtptest.Start(t, smtptest.Options{})
				sched := &reminders.Scheduler{Store: e.db, Links: e.db, Texts: e.db, Clock: e.clock, BaseURL: e.run.Base, Holder: "test",
					Email: &smtp.Mailer{Host: mail.Host, Port: mail.Port, From: "relances@alpha.example", TLS: smtp.TLSNone}}
				if _, err := sched.RunOnce(ctx); err != nil {
					t.Fatal(err)
				}
				var raw, rawB string
				for _, m := range mail.Messages() {
					switch d := string(m.Data); {
					case strings.Contains(d, "Bonjour Dupont Alpha,"):
						raw = d
					case strings.Contains(d, "Bonjour Dupont Beta,"):
						rawB = d
					}
				}
				if !strings.Contains(rawB, "Sauf erreur de notre part") { // B's claim: the shipped text
					t.Errorf("B's reminder:\n%s", rawB)
				}
				if !strings.Contains(raw, "Texte-maison-42") || !strings.Contains(raw, "Dossier R-Alpha en attente") || strings.Contains(raw, "Sauf erreur de notre part") {
					t.Fatalf("e-mail not from the tenant's text:\n%s", raw)
				}
				sends, _ := e.db.FindReminders(ctx, e.tenantA, e.claimA.ID)
				if len(sends) != 1 || sends[0].Status != portal.SendSent || !strings.Contains(sends[0].BodyHTML, "&lt;b&gt;restent dus&lt;/b&gt;") {
					t.Fatalf("send: %+v", sends)
				}
				evs, _ := e.db.ListEvents(ctx, e.tenantA, e.claimA.ID, 0, 100)
				var payload map[string]any
				for _, ev := range evs {
					if ev.Kind == portal.EventReminderSent {
						_ = json.Unmarshal([]byte(ev.Payload), &payload)
					}
				}
				if payload["text_source"] != "tenant" || payload["text_sha256"] != txts[0].SHA256 {
					t.Fatalf("evidence: %v", payload)
				}
			})

			t.Run("Letter", func(t *testing.T) {
				own := &portal.TemplateText{Key: "formal_notice", Language: "fr", Subject: "Mise en demeure", Body: "{{.DebtorName}}, dernier avis maison."}
				if err := e.db.SetTemplateText(ctx, e.tenantA, own); err != nil {
					t.Fatal(err)
				}
				l, err := e.run.Letters.CreateLetter(ctx, e.tenantA, e.claimA2.ID, portal.LetterRequest{Kind: portal.LetterFormalNotice})
				if err != nil {
					t.Fatal(err)
				}
				evs, _ := e.db.ListEvents(ctx, e.tenantA, e.claimA2.ID, 0, 100)
				var payload map[string]any
				for _, ev := range evs {
					if ev.Kind == portal.EventLetterGenerated {
						_ = json.Unmarshal([]byte(ev.Payload), &payload)
					}
				}
				if payload["letter_id"] != l.ID || payload["text_source"] != "tenant" || payload["text_sha256"] != own.SHA256 {
					t.Fatalf("letter evidence: %v", payload)
				}
				if err := e.db.ResetTemplateText(ctx, e.tenantA, "", "formal_notice", "fr"); err != nil {
					t.Fatal(err)
				}
			})

			status, _, _ = e.do(e.owner, "POST", path, url.Values{"action": {"reset"}})
			if txts, _ := e.db.FindTemplateTexts(ctx, e.tenantA, ""); status != 303 || len(txts) != 0 {
				t.Fatalf("reset: %d %+v", status, txts)
			}
			if chs, _ := e.db.AccountChanges(ctx, e.tenantA, portal.AccountTemplateTextReset, "friendly", 10); len(chs) != 1 || chs[0].Actor.ID != e.owner.ID {
				t.Fatalf("reset not in the account log: %+v", chs)
			}
		})
	}
}

// TestConsoleCreditorTemplateTexts: on a template's page an owner chooses
// one creditor of the tenant, sees which text each language uses for its
// claims (its own, the tenant's for every creditor, or the shipped one),
// previews and saves its own text (checked like the tenant's, an SMS
// refused for its length), which the page lists among the creditors with
// their own text and the scheduler uses for that creditor's claims only
// (the evidence naming the text); reset goes back to the tenant's text.
// Both changes are in the account log with the user. A missing CSRF token,
// agents, viewers and another tenant's creditor are refused, nothing
// changed; viewers read the creditor's texts.
func TestConsoleCreditorTemplateTexts(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newBOEnv(t, dialect)
			ctx := context.Background()
			gamma := &portal.Creditor{TenantID: e.tenantA, LegalName: "Gamma Recouvrement SAS", Country: "FR", Address: "2 rue de Rivoli, 75001 Paris", IBAN: "FR7630006000011234567890189"}
			if err := e.db.CreateCreditor(ctx, gamma); err != nil {
				t.Fatal(err)
			}
			claimG := &portal.Claim{CreditorID: gamma.ID, Reference: "R-Gamma", Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
				Debtor:   &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Durand Gamma", Language: "fr", Postcode: "75011", Address: "3 rue Oberkampf, 75011 Paris", Email: "compta@durand.test"},
				Invoices: []*portal.Invoice{{Number: "F-G", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-01-31"), Amount: 100000}}}
			if err := e.db.CreateClaim(ctx, e.tenantA, claimG); err != nil {
				t.Fatal(err)
			}
			tenantText := &portal.TemplateText{Key: "friendly", Language: "fr", Subject: "Rappel {{.Reference}}", Body: "Texte-compte-7 {{.DebtorName}} {{.Amount}} {{.PortalURL}}"}
			if err := e.db.SetTemplateText(ctx, e.tenantA, tenantText); err != nil {
				t.Fatal(err)
			}
			base := "/console/sequences/templates/friendly"
			page := base + "?creditor=" + gamma.ID
			path := base + "/fr"
			form := func(action, body string) url.Values {
				return url.Values{"action": {action}, "creditor_id": {gamma.ID}, "subject": {"Gamma {{.Reference}}"}, "body": {body}}
			}
			good := "Bonjour {{.DebtorName}},\r\nTexte-creancier-9 de {{.CreditorName}} : {{.Amount}}.\r\n{{.PortalURL}}"
			creditorTexts := func() []*portal.TemplateText {
				var out []*portal.TemplateText
				txts, _ := e.db.FindTemplateTexts(ctx, e.tenantA, "")
				for _, x := range txts {
					if x.CreditorID != "" {
						out = append(out, x)
					}
				}
				return out
			}

			status, html, _ := e.do(e.owner, "GET", page, nil)
			if status != 200 || !strings.Contains(html, `<option value="`+gamma.ID+`" selected>Gamma Recouvrement SAS</option>`) ||
				!strings.Contains(html, `id="template-scope">Texts of Gamma Recouvrement SAS:`) ||
				!strings.Contains(html, `id="text-source-fr">Your text for every creditor of the account: this creditor has none of its own`) ||
				!strings.Contains(html, `id="text-source-nl">The text shipped`) || !strings.Contains(html, "Texte-compte-7 Dupont SARL") ||
				!strings.Contains(html, `<input type="hidden" name="creditor_id" value="`+gamma.ID+`">`) ||
				!strings.Contains(html, "No creditor has its own text of this template") {
				t.Fatalf("owner's page for the creditor: %d", status)
			}
			if strings.Contains(html, `value="reset"`) {
				t.Errorf("reset offered while the creditor has no text of its own")
			}

			t.Run("Refused", func(t *testing.T) {
				f := form("save", good)
				f.Set("csrf", "")
				if status, _, _ := e.do(e.owner, "POST", path, f); status != 403 {
					t.Errorf("no CSRF: %d", status)
				}
				for _, u := range []*boUser{e.agent, e.viewer} {
					if status, _, _ := e.do(u, "POST", path, form("save", good)); status != 403 {
						t.Errorf("%s: %d", u.Role, status)
					}
				}
				for _, action := range []string{"save", "preview", "reset"} {
					f := form(action, good)
					f.Set("creditor_id", e.creditorB.ID)
					if status, html, _ := e.do(e.owner, "POST", path, f); status != 404 || strings.Contains(html, "Texte-creancier-9") {
						t.Errorf("%s for another tenant's creditor: %d", action, status)
					}
				}
				if status, _, _ := e.do(e.owner, "GET", base+"?creditor="+e.creditorB.ID, nil); status != 404 {
					t.Errorf("page for another tenant's creditor: %d", status)
				}
				if status, _, _ := e.do(e.ownerB, "GET", page, nil); status != 404 {
					t.Errorf("B reads A's creditor: %d", status)
				}
				status, html, _ := e.do(e.owner, "POST", path, form("save", "Bonjour {{.Nom}}"))
				if status != 400 || !strings.Contains(html, `id="err-body-fr">Unknown variable: Nom.`) || !strings.Contains(html, "Bonjour {{.Nom}}</textarea>") ||
					!strings.Contains(html, `<input type="hidden" name="creditor_id" value="`+gamma.ID+`">`) {
					t.Fatalf("unknown variable: %d", status)
				}
				sms := url.Values{"action": {"save"}, "creditor_id": {gamma.ID}, "body": {strings.Repeat("Merci de payer vite. ", 20) + "{{.UnsubscribeURL}}"}}
				status, html, _ = e.do(e.owner, "POST", "/console/sequences/templates/sms_reminder/fr", sms)
				if status != 400 || !strings.Contains(html, `id="err-body-fr">The SMS is too long:`) || !strings.Contains(html, "segments with real values, at most 2.") {
					t.Fatalf("long SMS: %d", status)
				}
				if txts := creditorTexts(); len(txts) != 0 {
					t.Fatalf("a refused text was saved: %+v", txts)
				}
			})

			t.Run("Preview", func(t *testing.T) {
				status, html, _ := e.do(e.owner, "POST", path, form("preview", good))
				if status != 200 || !strings.Contains(html, `id="text-source-fr">Preview of the typed text`) ||
					!strings.Contains(html, "Bonjour Dupont SARL,\nTexte-creancier-9 de Gamma Recouvrement SAS : 1 250,50 €.") ||
					!strings.Contains(html, "<strong>Gamma R-2024-0042</strong>") || !strings.Contains(html, `<option value="`+gamma.ID+`" selected>`) {
					t.Fatalf("preview: %d", status)
				}
				if txts := creditorTexts(); len(txts) != 0 {
					t.Fatalf("a preview was saved: %+v", txts)
				}
			})

			status, _, loc := e.do(e.owner, "POST", path, form("save", good))
			if status != 303 || loc != page+"&saved=fr#preview-fr" {
				t.Fatalf("save: %d %s", status, loc)
			}
			own := creditorTexts()
			if len(own) != 1 || own[0].CreditorID != gamma.ID || own[0].Language != "fr" || strings.Contains(own[0].Body, "\r") || own[0].SHA256 == tenantText.SHA256 {
				t.Fatalf("stored: %+v", own)
			}
			chs, _ := e.db.AccountChanges(ctx, e.tenantA, portal.AccountTemplateTextSet, "friendly", 10)
			if len(chs) != 2 || chs[0].Actor.ID != e.owner.ID || !strings.Contains(string(chs[0].Payload), `"creditor_id":"`+gamma.ID+`"`) ||
				!strings.Contains(string(chs[0].Payload), "Texte-creancier-9") {
				t.Fatalf("account log: %+v", chs)
			}
			_, html, _ = e.do(e.owner, "GET", page, nil)
			if !strings.Contains(html, `id="text-source-fr">This creditor&#39;s own text.`) || !strings.Contains(html, "Texte-creancier-9 de Gamma Recouvrement SAS") ||
				!strings.Contains(html, `value="reset">Back to the text for every creditor</button>`) || !strings.Contains(html, `<td>Gamma Recouvrement SAS</td>`) {
				t.Fatalf("creditor's page after saving:\n%s", html)
			}
			// The page for every creditor keeps the tenant's text and lists
			// the creditor with its own.
			_, html, _ = e.do(e.owner, "GET", base, nil)
			if !strings.Contains(html, `id="text-source-fr">Your text.`) || strings.Contains(html, "Texte-creancier-9") ||
				!strings.Contains(html, `<tr id="override-`+gamma.ID+`"><td><a href="`+base+`?creditor=`+gamma.ID+`">Gamma Recouvrement SAS</a></td><td>French</td></tr>`) {
				t.Fatalf("page for every creditor after saving")
			}
			if status, html, _ := e.do(e.viewer, "GET", page, nil); status != 200 || !strings.Contains(html, "Texte-creancier-9") || strings.Contains(html, `action="`+path+`"`) {
				t.Errorf("viewer's page: %d", status)
			}

			t.Run("Sent", func(t *testing.T) {
				seq := &portal.ReminderSequence{Name: "Maison", Steps: []*portal.ReminderStep{{DayOffset: 3, Channel: portal.ChannelEmail, TemplateKey: "friendly"}}}
				if err := e.db.CreateSequence(ctx, e.tenantA, seq); err != nil {
					t.Fatal(err)
				}
				for _, id := range []string{e.claimA.ID, claimG.ID} {
					if err := e.db.SetClaimSequence(ctx, e.tenantA, id, seq.ID); err != nil {
						t.Fatal(err)
					}
				}
				mail := smtptest.Start(t, smtptest.Options{})
				sched := &reminders.Scheduler{Store: e.db, Links: e.db, Texts: e.db, Clock: e.clock, BaseURL: e.run.Base, Holder: "test",
					Email: &smtp.Mailer{Host: mail.Host, Port: mail.Port, From: "relances@alpha.example", TLS: smtp.TLSNone}}
				if _, err := sched.RunOnce(ctx); err != nil {
					t.Fatal(err)
				}
				var rawA, rawG string
				for _, m := range mail.Messages() {
					switch d := string(m.Data); {
					case strings.Contains(d, "Dupont Alpha"):
						rawA = d
					case strings.Contains(d, "Durand Gamma"):
						rawG = d
					}
				}
				if !strings.Contains(rawG, "Texte-creancier-9 de Gamma Recouvrement SAS") || !strings.Contains(rawG, "Gamma R-Gamma") || strings.Contains(rawG, "Texte-compte-7") {
					t.Fatalf("the creditor's e-mail not from its text:\n%s", rawG)
				}
				if !strings.Contains(rawA, "Texte-compte-7 Dupont Alpha") || strings.Contains(rawA, "Texte-creancier-9") {
					t.Fatalf("another creditor's e-mail not from the tenant's text:\n%s", rawA)
				}
				evs, _ := e.db.ListEvents(ctx, e.tenantA, claimG.ID, 0, 100)
				var payload map[string]any
				for _, ev := range evs {
					if ev.Kind == portal.EventReminderSent {
						_ = json.Unmarshal([]byte(ev.Payload), &payload)
					}
				}
				if payload["text_source"] != "creditor" || payload["text_sha256"] != own[0].SHA256 {
					t.Fatalf("evidence: %v", payload)
				}
			})

			status, _, loc = e.do(e.owner, "POST", path, url.Values{"action": {"reset"}, "creditor_id": {gamma.ID}})
			if status != 303 || loc != page+"&saved=fr#preview-fr" || len(creditorTexts()) != 0 {
				t.Fatalf("reset: %d %s %+v", status, loc, creditorTexts())
			}
			if txt, _ := e.db.TemplateTextFor(ctx, e.tenantA, gamma.ID, "friendly", "fr"); txt == nil || txt.SHA256 != tenantText.SHA256 {
				t.Fatalf("after reset the creditor uses %+v, not the tenant's text", txt)
			}
			chs, _ = e.db.AccountChanges(ctx, e.tenantA, portal.AccountTemplateTextReset, "friendly", 10)
			if len(chs) != 1 || chs[0].Actor.ID != e.owner.ID || !strings.Contains(string(chs[0].Payload), `"creditor_id":"`+gamma.ID+`"`) {
				t.Fatalf("reset not in the account log: %+v", chs)
			}
			_, html, _ = e.do(e.owner, "GET", page, nil)
			if !strings.Contains(html, `id="text-source-fr">Your text for every creditor`) || !strings.Contains(html, "<td>Text removed</td><td>French</td><td>Gamma Recouvrement SAS</td>") {
				t.Fatalf("creditor's page after reset")
			}
		})
	}
}
