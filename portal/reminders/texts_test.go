package reminders

import (
	"strings"
	"testing"

	"github.com/relais/relais/portal"
)

func TestValidateText(t *testing.T) {
	for _, tc := range []struct {
		name, key, subject, body string
		field, reason            string
	}{
		{"OK", "friendly", "Dossier {{.Reference}}", "Bonjour {{.DebtorName}}, {{.Amount}} : {{.PortalURL}}", "", ""},
		{"UnknownVariable", "friendly", "Dossier", "Bonjour {{.Nom}}", "body", "unknown_variable"},
		{"UnknownInSubject", "friendly", "Dossier {{.Ref}}", "Bonjour", "subject", "unknown_variable"},
		{"Syntax", "friendly", "Dossier", "Bonjour {{.DebtorName", "body", "syntax"},
		{"Condition", "friendly", "Dossier", "{{if .Amount}}x{{end}}", "body", "not_variable"},
		{"Function", "friendly", "Dossier", `{{printf "%s" .Amount}}`, "body", "syntax"},
		{"Nested", "friendly", "Dossier", "{{.Amount.X}}", "body", "not_variable"},
		{"Empty", "friendly", "Dossier", "  ", "body", "empty"},
		{"NoSubject", "friendly", " ", "Bonjour", "subject", "empty"},
		{"SMSWithoutOptOut", "sms_reminder", "", "{{.Amount}} dus: {{.PortalURL}}", "body", "required_variable"},
		{"SMSOK", "sms_reminder", "", "{{.Amount}} dus: {{.PortalURL}} Stop: {{.UnsubscribeURL}}", "", ""},
		{"SMSTooLong", "sms_reminder", "", strings.Repeat("long ", 50) + "{{.PortalURL}} {{.UnsubscribeURL}}", "body", "sms_too_long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateText(tc.key, tc.subject, tc.body)
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			p := ProblemOf(err)
			if portal.ErrorCode(err) != portal.EINVALID || p == nil || p.Field != tc.field || p.Reason != tc.reason || portal.ErrorField(err) != tc.field {
				t.Fatalf("%v %+v", err, p)
			}
		})
	}
	if err := ValidateText("nope", "a", "b"); portal.ErrorCode(err) != portal.ENOTFOUND {
		t.Fatalf("unknown key: %v", err)
	}
}

func TestRenderTenantText(t *testing.T) {
	d := Data{DebtorName: "Dupont <b>", CreditorName: "Alpha", Reference: "R-1", Amount: "1 000,00 €", PayBy: "15/07/2024",
		PortalURL: "http://x/p/T", UnsubscribeURL: "http://x/u/U"}
	txt := &portal.TemplateText{Subject: "Votre dossier {{.Reference}}", Body: "Cher {{.DebtorName}}, payez ici : {{.PortalURL}}"}
	m, err := RenderText("friendly", "fr", d, txt)
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Votre dossier R-1" || !strings.HasPrefix(m.Text, "Cher Dupont <b>, payez ici : http://x/p/T") ||
		!strings.Contains(m.HTML, "Cher Dupont &lt;b&gt;") || strings.Contains(m.HTML, "<b>") || !strings.Contains(m.Text, "http://x/u/U") {
		t.Fatalf("%+v", m)
	}
	if m.TextSource != TextTenant || m.TextSHA256 != TextSHA256(txt.Subject, txt.Body) || len(m.TextSHA256) != 64 {
		t.Fatalf("source %s %s", m.TextSource, m.TextSHA256)
	}
	own := *txt
	own.CreditorID = "creditor-1"
	if mc, err := RenderText("friendly", "fr", d, &own); err != nil || mc.TextSource != TextCreditor || mc.TextSHA256 != m.TextSHA256 {
		t.Fatalf("a creditor's own text: %+v %v", mc, err)
	}
	shipped, _ := Render("friendly", "fr", d)
	if shipped.TextSource != TextShipped || shipped.TextSHA256 == m.TextSHA256 {
		t.Fatalf("shipped source %s", shipped.TextSource)
	}
	// A missing value is empty, never braces.
	m, _ = RenderText("friendly", "fr", Data{}, txt)
	if strings.Contains(m.Text, "{{") || strings.Contains(m.Text, "<no value>") {
		t.Fatalf("%q", m.Text)
	}

	t.Run("LegalMentionsKept", func(t *testing.T) {
		d.Damages = "40,00 €"
		free := &portal.TemplateText{Subject: "Rappel", Body: "Payez {{.Amount}}."}
		m, err := RenderText("be_first_free", "fr", d, free)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Payez 1 000,00 €.", "Ce premier rappel est gratuit", "jusqu'au 15/07/2024 inclus", "livre XIX", "une indemnité de 40,00 € sera réclamée"} {
			if !strings.Contains(m.Text, want) {
				t.Errorf("missing %q in %q", want, m.Text)
			}
		}
		shipped, _ := Render("be_first_free", "nl", d)
		if !strings.Contains(shipped.Text, "schadevergoeding van 40,00 €") {
			t.Errorf("shipped text without the damages: %q", shipped.Text)
		}
		notice, err := RenderText("formal_notice", "en", d, &portal.TemplateText{Subject: "Notice", Body: "Pay now."})
		if err != nil || !strings.Contains(notice.Text, "We hereby give you formal notice to pay the sum of 1 000,00 € within fifteen days") {
			t.Fatalf("%v %+v", err, notice)
		}
	})
	t.Run("SMSTooLong", func(t *testing.T) {
		_, err := RenderText("sms_reminder", "fr", d, &portal.TemplateText{Body: strings.Repeat("long ", 80) + "{{.UnsubscribeURL}}"})
		if p := ProblemOf(err); p == nil || p.Reason != "sms_too_long" || p.Field != "body" || p.Detail != "4" {
			t.Fatalf("%v", err)
		}
	})
}

// Every shipped text is a valid tenant text: an owner may start from it.
func TestShippedTextsValidate(t *testing.T) {
	for _, key := range TemplateKeys() {
		for _, lang := range portal.Languages {
			subject, body, _ := ShippedText(key, lang)
			if err := ValidateText(key, subject, body); err != nil {
				t.Errorf("%s %s: %v", key, lang, err)
			}
		}
	}
}
