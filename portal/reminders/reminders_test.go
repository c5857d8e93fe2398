package reminders

import (
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
)

func TestSegments(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    string
		n    int
		gsm  bool
	}{
		{"empty", "", 0, true},
		{"160 plain", strings.Repeat("a", 160), 1, true},
		{"161 plain", strings.Repeat("a", 161), 2, true},
		{"306 plain", strings.Repeat("a", 306), 2, true},
		{"307 plain", strings.Repeat("a", 307), 3, true},
		{"80 euro signs are 160 septets", strings.Repeat("€", 80), 1, true},
		{"81 euro signs", strings.Repeat("€", 81), 2, true},
		{"escape pair not split", strings.Repeat("a", 152) + "€" + strings.Repeat("a", 10), 2, true},
		{"accented GSM", "éèàùÇ", 1, true},
		{"70 ucs2", strings.Repeat("ê", 70), 1, false},
		{"71 ucs2", strings.Repeat("ê", 71), 2, false},
		{"134 ucs2", strings.Repeat("ж", 134), 2, false},
		{"135 ucs2", strings.Repeat("ж", 135), 3, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, gsm := Segments(tc.s)
			if n != tc.n || gsm != tc.gsm {
				t.Fatalf("Segments = %d, %v; want %d, %v", n, gsm, tc.n, tc.gsm)
			}
		})
	}
}

func TestToGSM7(t *testing.T) {
	if got := ToGSM7("Prêt à payer – façon « œuvre » ’"); got != "Pret à payer - facon \" oeuvre \" '" {
		t.Fatalf("ToGSM7 = %q", got)
	}
	if !IsGSM7(ToGSM7("Échéance dépassée, reçu, Müller, Straße, 5 €")) {
		t.Fatal("common French/German text should fold to GSM-7")
	}
	if IsGSM7(ToGSM7("Иван")) {
		t.Fatal("Cyrillic is not GSM-7")
	}
}

func TestQuietHours(t *testing.T) {
	loc := Location("Europe/Brussels")
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	q := SMSQuiet
	for _, tc := range []struct{ now, next string }{
		{"2024-07-03 10:00", "2024-07-03 10:00"}, // Wednesday morning: go
		{"2024-07-03 19:59", "2024-07-03 19:59"},
		{"2024-07-03 20:00", "2024-07-04 08:00"},
		{"2024-07-03 21:00", "2024-07-04 08:00"},
		{"2024-07-04 07:30", "2024-07-04 08:00"},
		{"2024-07-06 21:00", "2024-07-08 08:00"}, // Saturday night waits past Sunday
		{"2024-07-07 12:00", "2024-07-08 08:00"}, // Sunday noon waits until Monday
	} {
		got := q.Next(at(tc.now), loc)
		if !got.Equal(at(tc.next)) {
			t.Errorf("Next(%s) = %s, want %s", tc.now, got.In(loc).Format("2006-01-02 15:04 Mon"), tc.next)
		}
	}
	// The zone matters: 19:30 UTC is 21:30 in Brussels in summer.
	if !q.Quiet(time.Date(2024, 7, 3, 19, 30, 0, 0, time.UTC), loc) {
		t.Fatal("19:30 UTC is 21:30 in Brussels: quiet")
	}
	if QuietFor(portal.ChannelEmail) != nil || QuietFor(portal.ChannelSMS) == nil {
		t.Fatal("only SMS has quiet hours")
	}
}

func steps() []*portal.ReminderStep {
	return []*portal.ReminderStep{
		{ID: "s1", Position: 1, DayOffset: 3, Channel: portal.ChannelEmail},
		{ID: "s2", Position: 2, DayOffset: 10, Channel: portal.ChannelSMS},
		{ID: "s3", Position: 3, DayOffset: 20, Channel: portal.ChannelEmail},
	}
}

func TestNextStep(t *testing.T) {
	due := portal.MustDate("2024-06-01")
	d := portal.MustDate
	for _, tc := range []struct {
		name  string
		done  []Done
		today string
		want  string
	}{
		{"before the first", nil, "2024-06-03", ""},
		{"first on its day", nil, "2024-06-04", "s1"},
		{"first done, second not yet", []Done{{"s1", d("2024-06-04")}}, "2024-06-10", ""},
		{"second on its day", []Done{{"s1", d("2024-06-04")}}, "2024-06-11", "s2"},
		{"all done", []Done{{"s1", d("2024-06-04")}, {"s2", d("2024-06-11")}, {"s3", d("2024-06-21")}}, "2024-09-01", ""},
		{"late claim gets the first only", nil, "2024-08-01", "s1"},
		{"late claim: spacing kept after a late first", []Done{{"s1", d("2024-08-01")}}, "2024-08-07", ""},
		{"late claim: second after the interval", []Done{{"s1", d("2024-08-01")}}, "2024-08-08", "s2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, ok := NextStep(steps(), tc.done, due, d(tc.today))
			got := ""
			if ok {
				got = st.ID
			}
			if got != tc.want {
				t.Fatalf("NextStep = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestValidateSequence(t *testing.T) {
	ok := &portal.ReminderSequence{Name: "Mine", Steps: []*portal.ReminderStep{
		{DayOffset: 0, Channel: portal.ChannelEmail, TemplateKey: "friendly"},
		{DayOffset: 7, Channel: portal.ChannelSMS, TemplateKey: "sms_reminder"},
	}}
	if err := ValidateSequence(ok); err != nil || ok.Steps[1].Position != 2 {
		t.Fatalf("valid sequence: %v", err)
	}
	for _, tc := range []struct {
		field string
		s     *portal.ReminderSequence
	}{
		{"name", &portal.ReminderSequence{Steps: ok.Steps}},
		{"steps", &portal.ReminderSequence{Name: "x"}},
		{"steps[0].channel", &portal.ReminderSequence{Name: "x", Steps: []*portal.ReminderStep{{Channel: "fax", TemplateKey: "friendly"}}}},
		{"steps[0].template", &portal.ReminderSequence{Name: "x", Steps: []*portal.ReminderStep{{Channel: portal.ChannelSMS, TemplateKey: "friendly"}}}},
		{"steps[0].template", &portal.ReminderSequence{Name: "x", Steps: []*portal.ReminderStep{{Channel: portal.ChannelEmail, TemplateKey: "nope"}}}},
		{"steps[1].day_offset", &portal.ReminderSequence{Name: "x", Steps: []*portal.ReminderStep{
			{DayOffset: 10, Channel: portal.ChannelEmail, TemplateKey: "friendly"}, {DayOffset: 5, Channel: portal.ChannelEmail, TemplateKey: "second"}}}},
		{"steps[0].day_offset", &portal.ReminderSequence{Name: "x", Steps: []*portal.ReminderStep{{DayOffset: -1, Channel: portal.ChannelEmail, TemplateKey: "friendly"}}}},
	} {
		err := ValidateSequence(tc.s)
		if portal.ErrorCode(err) != portal.EINVALID || portal.ErrorField(err) != tc.field {
			t.Errorf("want EINVALID on %s, got %v (field %q)", tc.field, err, portal.ErrorField(err))
		}
	}
	for _, b := range Builtins {
		s := &portal.ReminderSequence{Name: b.Name}
		for _, st := range b.Steps {
			s.Steps = append(s.Steps, &portal.ReminderStep{DayOffset: st.DayOffset, Channel: st.Channel, TemplateKey: st.Template})
		}
		if err := ValidateSequence(s); err != nil {
			t.Errorf("builtin %s: %v", b.Key, err)
		}
	}
	for _, j := range []portal.Jurisdiction{portal.JurisdictionFR, portal.JurisdictionBE} {
		for _, k := range []portal.DebtorKind{portal.DebtorBusiness, portal.DebtorConsumer} {
			if _, ok := FindBuiltin(BuiltinKey(j, k)); !ok {
				t.Errorf("no builtin for %s %s", j, k)
			}
		}
	}
}

// Every template renders in every language; SMS fit two GSM-7 segments even
// with long links and names; e-mails carry both links in both parts.
func TestRenderAll(t *testing.T) {
	portalURL := "https://recouvrement.example-creancier.fr/p/" + strings.Repeat("A", 43)
	unsub := "https://recouvrement.example-creancier.fr/u/" + strings.Repeat("b", 26)
	for _, key := range TemplateKeys() {
		for _, lang := range portal.Languages {
			t.Run(key+"/"+lang, func(t *testing.T) {
				d := Data{
					DebtorName: "Jean-François Dupont-Lefèvre <script>", CreditorName: "Établissements Müller & Fils SPRL",
					Reference: "DOS-2024-000123", Amount: FormatAmount(lang, 123456789, "EUR"),
					DueDate: FormatDate(lang, portal.MustDate("2024-01-31")), PayBy: FormatDate(lang, portal.MustDate("2024-07-15")),
					PortalURL: portalURL, UnsubscribeURL: unsub,
				}
				m, err := Render(key, lang, d)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(m.Text, portalURL) {
					t.Fatalf("text lacks the portal link:\n%s", m.Text)
				}
				if strings.Contains(m.Text, "{{") || strings.Contains(m.Text, "<no value>") {
					t.Fatalf("unfilled placeholder:\n%s", m.Text)
				}
				switch m.Channel {
				case portal.ChannelSMS:
					if m.Segments > 2 || !m.GSM7 {
						t.Fatalf("SMS is %d segments, gsm7=%v (%d chars): %s", m.Segments, m.GSM7, len([]rune(m.Text)), m.Text)
					}
					if !strings.Contains(m.Text, unsub) {
						t.Fatal("SMS lacks the opt-out link")
					}
				case portal.ChannelEmail:
					if m.Subject == "" || strings.ContainsAny(m.Subject, "\r\n") {
						t.Fatalf("subject %q", m.Subject)
					}
					if !strings.Contains(m.Text, unsub) || !strings.Contains(m.HTML, `<a href="`+unsub+`">`) || !strings.Contains(m.HTML, `<a href="`+portalURL+`">`) {
						t.Fatalf("links missing:\n%s\n%s", m.Text, m.HTML)
					}
					if strings.Contains(m.HTML, "<script>") || !strings.Contains(m.HTML, "&lt;script&gt;") {
						t.Fatal("debtor name not escaped in HTML")
					}
				}
				if len(m.ContentSHA256()) != 64 {
					t.Fatal("hash")
				}
			})
		}
	}
	if _, err := Render("nope", "fr", Data{}); portal.ErrorCode(err) != portal.EINVALID {
		t.Fatal("unknown template should be EINVALID")
	}
}

func TestFormat(t *testing.T) {
	for lang, want := range map[string]string{"fr": "1 234,56 €", "nl": "€ 1.234,56", "de": "1.234,56 €", "en": "€1,234.56"} {
		if got := FormatAmount(lang, 123456, "EUR"); got != want {
			t.Errorf("%s: %q want %q", lang, got, want)
		}
	}
	if got := FormatAmount("en", 5, "EUR"); got != "€0.05" {
		t.Errorf("small amount %q", got)
	}
	if got := FormatDate("en", portal.MustDate("2024-01-31")); got != "31 January 2024" {
		t.Errorf("en date %q", got)
	}
	if got := FormatDate("fr", portal.MustDate("2024-01-31")); got != "31/01/2024" {
		t.Errorf("fr date %q", got)
	}
}
