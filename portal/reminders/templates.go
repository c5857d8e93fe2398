package reminders

import (
	"bytes"
	"fmt"
	"html/template"
	"sort"
	"strings"
	ttemplate "text/template"

	"github.com/relais/relais/portal"
)

// Data fills a template. Every field is plain text; the HTML part escapes it.
type Data struct {
	DebtorName   string
	CreditorName string
	Reference    string
	Amount       string // formatted for the language, see FormatAmount
	DueDate      string // formatted for the language, see FormatDate
	PayBy        string // end of the Belgian 14-day period, formatted
	PortalURL    string
	// UnsubscribeURL opts the debtor out of this message's channel.
	UnsubscribeURL string
	// Damages is the flat damages a Belgian consumer's first reminder
	// announces, formatted ("" when the contract provides none). Relais
	// states it (damagesMention); it is not a variable of tenants' texts.
	Damages string
}

// Message is a rendered reminder.
type Message struct {
	Channel  portal.Channel
	Language string
	Subject  string // e-mail subject, letter title; empty for SMS
	Text     string // plain text (SMS text, e-mail text part, letter body)
	HTML     string // e-mail HTML part
	// Segments and GSM7 describe an SMS.
	Segments int
	GSM7     bool
	// TextSource says whose text was rendered (TextShipped, TextTenant, TextCreditor) and
	// TextSHA256 the hash of the tenant's text (TextSHA256) or of the
	// shipped one.
	TextSource, TextSHA256 string
}

// ContentSHA256 is the hash recorded in the evidence event: SHA-256 of the
// canonical JSON of {"html","subject","text"}, recomputable from the kept
// content.
func (m *Message) ContentSHA256() string {
	return portal.SHA256Hex(ContentJSON(m.Subject, m.Text, m.HTML))
}

// ContentJSON is the canonical JSON of a rendered message, the file the
// evidence bundle holds for it and whose SHA-256 the evidence event records.
func ContentJSON(subject, text, html string) []byte {
	b, _ := portal.CanonicalJSON(map[string]string{"subject": subject, "text": text, "html": html})
	return b
}

// MaxSMSSegments is the longest SMS a reminder may be.
const MaxSMSSegments = 2

// SMSTooLong is the cause of a rendering refused for its length: how many
// segments the SMS would take (more than MaxSMSSegments).
type SMSTooLong struct{ Segments int }

func (e SMSTooLong) Error() string { return fmt.Sprintf("%d SMS segments", e.Segments) }

type tmpl struct {
	channel portal.Channel
	subject map[string]string
	body    map[string]string
}

// TemplateKeys lists the known template keys, sorted.
func TemplateKeys() []string {
	var out []string
	for k := range templates {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TemplateChannel returns the channel of a template key.
func TemplateChannel(key string) (portal.Channel, bool) {
	t, ok := templates[key]
	return t.channel, ok
}

// Render fills template key in lang (one of portal.Languages; anything else
// falls back to English). An SMS is folded to GSM-7 where possible and must
// fit MaxSMSSegments, else EINVALID.
func Render(key, lang string, d Data) (*Message, error) {
	t, ok := templates[key]
	if !ok {
		return nil, portal.Errorf(portal.EINVALID, "unknown reminder template %q", key)
	}
	if !portal.ValidLanguage(lang) {
		lang = "en"
	}
	m, err := render(key, t, lang, d)
	if err != nil {
		return nil, err
	}
	m.TextSource, m.TextSHA256 = TextShipped, TextSHA256(t.subject[lang], t.body[lang])
	return m, nil
}

// render fills t in lang (valid), with the damages mention of a Belgian
// consumer's first reminder.
func render(key string, t tmpl, lang string, d Data) (*Message, error) {
	m := &Message{Channel: t.channel, Language: lang}
	var err error
	if t.subject != nil {
		if m.Subject, err = fill(t.subject[lang], d); err != nil {
			return nil, err
		}
		m.Subject = strings.Join(strings.Fields(m.Subject), " ") // no line breaks in a header
	}
	src := t.body[lang]
	if key == "be_first_free" && d.Damages != "" {
		src += damagesMention[lang]
	}
	body, err := fill(src, d)
	if err != nil {
		return nil, err
	}
	switch t.channel {
	case portal.ChannelSMS:
		m.Text = ToGSM7(body)
		m.Segments, m.GSM7 = Segments(m.Text)
		if m.Segments > MaxSMSSegments {
			return nil, &portal.Error{Code: portal.EINVALID, Message: fmt.Sprintf("the SMS is %d segments long, more than %d", m.Segments, MaxSMSSegments),
				Err: SMSTooLong{Segments: m.Segments}}
		}
	case portal.ChannelEmail:
		footer, err := fill(emailFooter[lang], d)
		if err != nil {
			return nil, err
		}
		m.Text = body + "\n\n-- \n" + footer + "\n"
		m.HTML, err = toHTML(lang, m.Subject, body, footer, d)
		if err != nil {
			return nil, err
		}
	default:
		m.Text = body
	}
	return m, nil
}

func fill(src string, d Data) (string, error) {
	t, err := ttemplate.New("").Option("missingkey=error").Parse(src)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, d); err != nil {
		return "", err
	}
	return b.String(), nil
}

var htmlPage = template.Must(template.New("mail").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{{.Subject}}</title></head>
<body>
{{range .Paras}}<p>{{.}}</p>
{{end}}<hr>
<p><small>{{.Footer}}</small></p>
</body></html>
`))

// toHTML turns the plain text into paragraphs, escaped, with the portal and
// unsubscribe URLs made into links.
func toHTML(lang, subject, body, footer string, d Data) (string, error) {
	link := func(s string) template.HTML {
		e := template.HTMLEscapeString(s)
		for _, u := range []string{d.PortalURL, d.UnsubscribeURL} {
			if u == "" {
				continue
			}
			eu := template.HTMLEscapeString(u)
			e = strings.ReplaceAll(e, eu, `<a href="`+eu+`">`+eu+`</a>`)
		}
		return template.HTML(strings.ReplaceAll(e, "\n", "<br>\n"))
	}
	var paras []template.HTML
	for _, p := range strings.Split(body, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			paras = append(paras, link(p))
		}
	}
	var b bytes.Buffer
	err := htmlPage.Execute(&b, map[string]any{"Lang": lang, "Subject": subject, "Paras": paras, "Footer": link(footer)})
	return b.String(), err
}

// FormatAmount writes minor units in the debtor's language:
// fr "1 234,56 €", nl "€ 1.234,56", de "1.234,56 €", en "€1,234.56".
// Currencies other than EUR are written with their code.
func FormatAmount(lang string, amount int64, cur portal.Currency) string {
	plain := portal.FormatMinor(amount, cur.Exponent()) // "-1234.56"
	neg := strings.HasPrefix(plain, "-")
	plain = strings.TrimPrefix(plain, "-")
	intPart, frac, _ := strings.Cut(plain, ".")
	group, dec := ".", ","
	switch lang {
	case "fr":
		group = " "
	case "en":
		group, dec = ",", "."
	}
	var g []string
	for len(intPart) > 3 {
		g = append([]string{intPart[len(intPart)-3:]}, g...)
		intPart = intPart[:len(intPart)-3]
	}
	g = append([]string{intPart}, g...)
	num := strings.Join(g, group)
	if frac != "" {
		num += dec + frac
	}
	if neg {
		num = "-" + num
	}
	sym := string(cur)
	if cur == "EUR" {
		sym = "€"
	}
	switch lang {
	case "nl":
		return sym + " " + num
	case "en":
		if sym == "€" {
			return sym + num
		}
		return sym + " " + num
	}
	return num + " " + sym
}

var monthsEN = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}

// FormatDate writes a date the way the language does: fr 31/01/2024,
// nl 31-01-2024, de 31.01.2024, en 31 January 2024.
func FormatDate(lang string, d portal.Date) string {
	if d.IsZero() {
		return ""
	}
	t := d.Time()
	switch lang {
	case "fr":
		return t.Format("02/01/2006")
	case "nl":
		return t.Format("02-01-2006")
	case "de":
		return t.Format("02.01.2006")
	}
	return itoa(d.Day) + " " + monthsEN[d.Month-1] + " " + itoa(d.Year)
}
