package reminders

import (
	"errors"
	"sort"
	"strconv"
	"strings"
	"text/template/parse"

	"github.com/relais/relais/portal"
)

// A tenant's text (portal.TemplateText) replaces the shipped wording of a
// template, never the mentions the law requires of it: Relais appends
// those to the tenant's text when it renders (legalMentions), so no text
// can drop them. A text is written with the variables of Data only, as
// {{.Name}}; anything else of the template language (conditions, loops,
// functions) is refused, so that a variable is either filled or an empty
// string, never shown as braces.

// MaxTextLen bounds a tenant's body text (runes); subjects are shorter.
const (
	MaxTextLen    = 5000
	MaxSubjectLen = 200
)

// Variables lists the variables a template text may use, sorted.
func Variables() []string {
	out := []string{"Amount", "CreditorName", "DebtorName", "DueDate", "PayBy", "PortalURL", "Reference", "UnsubscribeURL"}
	sort.Strings(out)
	return out
}

func knownVariable(name string) bool {
	for _, v := range Variables() {
		if v == name {
			return true
		}
	}
	return false
}

// Text problems are field errors on "subject" or "body"; Reason is what the
// console translates (console.text.err.<reason>), Detail the variable or
// the parser's words.
type TextProblem struct {
	Field, Reason, Detail string
}

func (p *TextProblem) Error() string {
	switch p.Reason {
	case "unknown_variable":
		return p.Field + ": unknown variable {{." + p.Detail + "}}; allowed: " + strings.Join(Variables(), ", ")
	case "syntax":
		return p.Field + ": the template does not parse: " + p.Detail
	case "not_variable":
		return p.Field + ": only variables such as {{.DebtorName}} may be used, not " + p.Detail
	case "required_variable":
		return p.Field + ": the text must keep {{." + p.Detail + "}}"
	case "too_long":
		return p.Field + ": the text is too long"
	case "empty":
		return p.Field + ": the text is empty"
	case "sms_too_long":
		return p.Field + ": the SMS would take " + p.Detail + " segments, at most " + strconv.Itoa(MaxSMSSegments)
	}
	return p.Field + ": " + p.Reason
}

// ValidateText checks a tenant's text for template key: EINVALID with the
// field ("subject", "body") and a *TextProblem as its cause.
func ValidateText(key, subject, body string) error {
	t, ok := templates[key]
	if !ok {
		return portal.Errorf(portal.ENOTFOUND, "unknown reminder template %q", key)
	}
	fail := func(p *TextProblem) error {
		e := portal.FieldError(p.Field, "%s", p.Error())
		return &textError{err: e, Problem: p}
	}
	if strings.TrimSpace(body) == "" {
		return fail(&TextProblem{Field: "body", Reason: "empty"})
	}
	if len([]rune(body)) > MaxTextLen {
		return fail(&TextProblem{Field: "body", Reason: "too_long"})
	}
	if t.subject == nil {
		subject = ""
	} else if strings.TrimSpace(subject) == "" {
		return fail(&TextProblem{Field: "subject", Reason: "empty"})
	} else if len([]rune(subject)) > MaxSubjectLen {
		return fail(&TextProblem{Field: "subject", Reason: "too_long"})
	}
	for _, f := range []struct{ field, src string }{{"subject", subject}, {"body", body}} {
		if p := checkSource(f.field, f.src); p != nil {
			return fail(p)
		}
	}
	// An SMS carries its opt-out link in its text (an e-mail in its footer,
	// which Relais adds).
	if t.channel == portal.ChannelSMS && !usesVariable(body, "UnsubscribeURL") {
		return fail(&TextProblem{Field: "body", Reason: "required_variable", Detail: "UnsubscribeURL"})
	}
	if t.channel == portal.ChannelSMS {
		// Filled with values as long as real ones, it must fit the SMS.
		if _, err := render(key, tmpl{channel: t.channel, body: map[string]string{"en": body}}, "en", smsSample); err != nil {
			long, ok := errors.AsType[SMSTooLong](err)
			if !ok {
				return err
			}
			return fail(&TextProblem{Field: "body", Reason: "sms_too_long", Detail: strconv.Itoa(long.Segments)})
		}
	}
	return nil
}

// smsSample fills an SMS text at save time: a creditor's name at its
// longest in an SMS (40), links as long as Relais makes them.
var smsSample = Data{DebtorName: "Dupont", CreditorName: strings.Repeat("a", 40), Reference: "R-2024-000042",
	Amount: "€12,345.67", DueDate: "31 January 2024", PayBy: "15 February 2024",
	PortalURL: "https://relais.example.com/p/" + strings.Repeat("a", 26), UnsubscribeURL: "https://relais.example.com/u/" + strings.Repeat("a", 32)}

// textError is a portal.Error that also carries the problem for the
// console's translation.
type textError struct {
	err     *portal.Error
	Problem *TextProblem
}

func (e *textError) Error() string { return e.err.Error() }
func (e *textError) Unwrap() error { return e.err }

// ProblemOf returns the text problem of an error of ValidateText or
// RenderText, nil for any other error.
func ProblemOf(err error) *TextProblem {
	for err != nil {
		if te, ok := err.(*textError); ok {
			return te.Problem
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return nil
		}
		err = u.Unwrap()
	}
	return nil
}

func checkSource(field, src string) *TextProblem {
	tr, err := parse.Parse("text", src, "{{", "}}")
	if err != nil {
		msg := err.Error()
		if i := strings.Index(msg, ": "); i >= 0 && strings.HasPrefix(msg, "template: ") {
			msg = msg[i+2:]
		}
		return &TextProblem{Field: field, Reason: "syntax", Detail: msg}
	}
	root := tr["text"]
	if root == nil || root.Root == nil {
		return nil
	}
	for _, n := range root.Root.Nodes {
		switch n := n.(type) {
		case *parse.TextNode:
		case *parse.ActionNode:
			name, ok := fieldOf(n)
			if !ok {
				return &TextProblem{Field: field, Reason: "not_variable", Detail: n.String()}
			}
			if !knownVariable(name) {
				return &TextProblem{Field: field, Reason: "unknown_variable", Detail: name}
			}
		default:
			return &TextProblem{Field: field, Reason: "not_variable", Detail: n.String()}
		}
	}
	return nil
}

// fieldOf is the variable of {{.Name}}.
func fieldOf(n *parse.ActionNode) (string, bool) {
	if n.Pipe == nil || len(n.Pipe.Decl) > 0 || len(n.Pipe.Cmds) != 1 || len(n.Pipe.Cmds[0].Args) != 1 {
		return "", false
	}
	f, ok := n.Pipe.Cmds[0].Args[0].(*parse.FieldNode)
	if !ok || len(f.Ident) != 1 {
		return "", false
	}
	return f.Ident[0], true
}

func usesVariable(src, name string) bool {
	tr, err := parse.Parse("text", src, "{{", "}}")
	if err != nil || tr["text"] == nil {
		return false
	}
	for _, n := range tr["text"].Root.Nodes {
		if a, ok := n.(*parse.ActionNode); ok {
			if v, ok := fieldOf(a); ok && v == name {
				return true
			}
		}
	}
	return false
}

// TextSHA256 is the hash of a text as a sent reminder's evidence records
// it: SHA-256 of the canonical JSON of {"body","subject"}.
func TextSHA256(subject, body string) string {
	b, _ := portal.CanonicalJSON(map[string]string{"subject": subject, "body": body})
	return portal.SHA256Hex(b)
}

// ShippedText is the shipped subject and body of key in lang.
func ShippedText(key, lang string) (subject, body string, ok bool) {
	t, ok := templates[key]
	if !ok {
		return "", "", false
	}
	if !portal.ValidLanguage(lang) {
		lang = "en"
	}
	return t.subject[lang], t.body[lang], true
}

// Text sources a rendered message records.
const (
	TextShipped = "shipped"
	TextTenant  = "tenant"
	// TextCreditor: the creditor's own text, which wins over the tenant's.
	TextCreditor = "creditor"
)

// SourceOf is the text source a rendered txt records.
func SourceOf(txt *portal.TemplateText) string {
	switch {
	case txt == nil:
		return TextShipped
	case txt.CreditorID != "":
		return TextCreditor
	}
	return TextTenant
}

// RenderText renders key in lang with the tenant's text when txt is not
// nil (its subject and body replace the shipped ones; the legal mentions
// of the key are appended), else as Render. The message says which text it
// used (TextSource, TextSHA256).
func RenderText(key, lang string, d Data, txt *portal.TemplateText) (*Message, error) {
	if txt == nil {
		return Render(key, lang, d)
	}
	if err := ValidateText(key, txt.Subject, txt.Body); err != nil {
		return nil, err
	}
	t := templates[key]
	if !portal.ValidLanguage(lang) {
		lang = "en"
	}
	own := tmpl{channel: t.channel, body: map[string]string{lang: txt.Body + legalMentions[key][lang]}}
	if t.subject != nil {
		own.subject = map[string]string{lang: txt.Subject}
	}
	m, err := render(key, own, lang, d)
	if err != nil {
		if long, ok := errors.AsType[SMSTooLong](err); ok {
			p := &TextProblem{Field: "body", Reason: "sms_too_long", Detail: strconv.Itoa(long.Segments)}
			return nil, &textError{err: portal.FieldError("body", "%s", p.Error()), Problem: p}
		}
		return nil, err
	}
	m.TextSource, m.TextSHA256 = SourceOf(txt), TextSHA256(txt.Subject, txt.Body)
	return m, nil
}

// legalMentions are appended to a tenant's text of a template whose
// shipped text carries mentions the law requires: the Belgian consumer's
// free first reminder (Code of Economic Law, Book XIX: free, the 14 days
// and their last day, and the damages that will be claimed when the
// contract has them), and the formal notice (the sum, the demand and the
// deadline: Code civil 1344). Written with Relais's own template, not the
// tenant's.
var legalMentions = map[string]map[string]string{
	"be_first_free": {
		"fr": "\n\nCe premier rappel est gratuit. Vous disposez de 14 jours calendrier, jusqu'au {{.PayBy}} inclus, pour payer sans aucuns frais ni intérêts de retard (Code de droit économique, livre XIX).",
		"nl": "\n\nDeze eerste herinnering is kosteloos. U hebt 14 kalenderdagen, tot en met {{.PayBy}}, om te betalen zonder kosten of nalatigheidsinteresten (Wetboek van economisch recht, boek XIX).",
		"en": "\n\nThis first reminder is free of charge. You have 14 calendar days, until {{.PayBy}} inclusive, to pay without any costs or late interest (Belgian Code of Economic Law, Book XIX).",
		"de": "\n\nDiese erste Erinnerung ist kostenlos. Sie haben 14 Kalendertage, bis einschließlich {{.PayBy}}, um ohne Kosten oder Verzugszinsen zu zahlen (belgisches Wirtschaftsgesetzbuch, Buch XIX).",
	},
	"formal_notice": {
		"fr": "\n\nPar la présente, nous vous mettons en demeure de régler la somme de {{.Amount}} dans un délai de quinze jours à compter de la réception de ce courrier.",
		"nl": "\n\nWij stellen u hierbij in gebreke om het bedrag van {{.Amount}} te betalen binnen vijftien dagen na ontvangst van deze brief.",
		"en": "\n\nWe hereby give you formal notice to pay the sum of {{.Amount}} within fifteen days of receiving this letter.",
		"de": "\n\nWir fordern Sie hiermit förmlich auf, den Betrag von {{.Amount}} innerhalb von fünfzehn Tagen nach Erhalt dieses Schreibens zu zahlen.",
	},
}

// damagesMention states the damages a Belgian consumer's first reminder
// announces (Data.Damages, when the contract provides them), appended to
// the shipped text and to a tenant's alike.
var damagesMention = map[string]string{
	"fr": "\n\nVotre contrat prévoit une indemnité forfaitaire : sans paiement dans ce délai, une indemnité de {{.Damages}} sera réclamée.",
	"nl": "\n\nUw contract voorziet in een forfaitaire schadevergoeding: zonder betaling binnen deze termijn wordt een schadevergoeding van {{.Damages}} gevorderd.",
	"en": "\n\nYour contract provides for flat damages: if you do not pay within this period, damages of {{.Damages}} will be claimed.",
	"de": "\n\nIhr Vertrag sieht eine pauschale Entschädigung vor: ohne Zahlung innerhalb dieser Frist wird eine Entschädigung von {{.Damages}} verlangt.",
}

// LetterOpening fills a tenant's text of a letter template (the formal
// notice) for the letter PDF: the letter keeps its own request to pay with
// the sum and the deadline, its invoice table and its legal mentions
// (portal/letters), and the tenant's text replaces only its opening
// wording. amount is the letter's total, payBy its deadline.
func LetterOpening(txt *portal.TemplateText, c *portal.Claim, amount int64, payBy portal.Date, portalURL string) (string, error) {
	if err := ValidateText(txt.Key, txt.Subject, txt.Body); err != nil {
		return "", err
	}
	lang := c.Debtor.Language
	if !portal.ValidLanguage(lang) {
		lang = "en"
	}
	return fill(txt.Body, Data{DebtorName: c.Debtor.Name, CreditorName: c.Creditor.LegalName, Reference: c.Reference,
		Amount: FormatAmount(lang, amount, c.Currency), DueDate: FormatDate(lang, dueDate(c)), PayBy: FormatDate(lang, payBy),
		PortalURL: portalURL})
}
