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
