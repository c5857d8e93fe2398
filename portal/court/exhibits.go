package court

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/letters"
)

// Exhibit kinds, in the order the bordereau lists them.
const (
	ExInvoice      = "invoice"
	ExFormalNotice = "formal_notice"
	ExSending      = "sending"
	ExReminder     = "reminder"
	ExAcknowledge  = "acknowledgement"
	ExPayment      = "payment"
	ExDispute      = "dispute"
	ExOther        = "other"
	ExRecord       = "record"
)

var kindOrder = map[string]int{ExInvoice: 1, ExFormalNotice: 2, ExSending: 2, ExReminder: 3, ExAcknowledge: 4, ExPayment: 5, ExDispute: 6, ExOther: 7, ExRecord: 8}

// Exhibit is one numbered line of the bordereau de pièces: a file of the
// evidence bundle with the SHA-256 its manifest gives it, or a fact recorded
// in the claim's chain (a payment, an offer, a registered sending) with the
// event's hash as events.jsonl holds it, or a document Relais does not
// hold (ToAdd says what to join by hand).
type Exhibit struct {
	Number int    `json:"number"`
	Kind   string `json:"kind"`
	// Title says what it is, in French.
	Title string      `json:"title"`
	Date  portal.Date `json:"date"`
	// File is the file's path in the bundle ("attachments/letters/...pdf");
	// SHA256 its hash from the manifest.
	File   string `json:"file,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	// EventSeq and EventHash name the event of events.jsonl that records it.
	EventSeq  int64  `json:"event_seq,omitempty"`
	EventHash string `json:"event_hash,omitempty"`
	// ToAdd is what the creditor must join by hand (in French).
	ToAdd string `json:"to_add,omitempty"`
	seq   int64  // for a stable order within a kind
	// letterID and sending (a letter's exhibits): the letter, and how it
	// went out in words ("envoyée en recommandé n° … le …").
	letterID, sending string
}

// maxEventExhibits bounds the exhibits drawn from events (payments,
// offers...); the rest are counted and found in events.jsonl.
const maxEventExhibits = 300

// Exhibits lists the claim's exhibits from the bundle's manifest (its
// files and chain head), the claim's letters (to say which file is the
// formal notice and how it was sent) and its events up to the manifest's
// head. Numbers run from 1 in kind order: invoices, formal notice and its
// sending, reminders, acknowledgements and offers, payments, disputes,
// other files, then the dossier and the event journal. more counts the
// events left out past maxEventExhibits.
func Exhibits(lang string, c *portal.Claim, m evidence.Manifest, ls []*portal.Letter, events []*portal.Event) (list []Exhibit, more int) {
	w := wordsFor(lang)
	byFile := map[string]*portal.Letter{}
	for _, l := range ls {
		byFile[evidence.DirAttach+"letters/"+l.Filename()] = l
	}
	sentBy := map[string]*portal.Event{} // letter id -> letter.sent
	imports := 0
	for _, f := range m.Files {
		if strings.HasPrefix(f.Name, evidence.DirAttach+"imports/") {
			imports++
		}
	}
	nEvents := 0
	for _, e := range events {
		if e.Seq > m.ChainHead.Seq {
			continue
		}
		p := payloadOf(e)
		kind := ""
		switch e.Kind {
		case portal.EventLetterSent:
			if id, _ := p["letter_id"].(string); id != "" {
				sentBy[id] = e
			}
			continue
		case portal.EventPaymentRecorded, portal.EventPaymentRefunded, portal.EventPaymentReversed, portal.EventChargeback, portal.EventCreditNoteRecorded:
			kind = ExPayment
		case portal.EventOfferMade, portal.EventOfferAccepted, portal.EventOfferRefused:
			kind = ExAcknowledge
		case portal.EventDatesRecorded:
			if v, _ := p["last_acknowledgement_on"].(string); v == "" {
				continue
			}
			kind = ExAcknowledge
		case portal.EventDisputeFiled, portal.EventDisputeResolved:
			kind = ExDispute
		default:
			continue
		}
		if nEvents >= maxEventExhibits {
			more++
			continue
		}
		nEvents++
		title, _, text := evidence.DescribeEvent(w.lang, c, e)
		list = append(list, Exhibit{Kind: kind, Title: title + oneLine(text), Date: portal.DateOf(e.At.In(portal.Zone())),
			EventSeq: e.Seq, EventHash: e.Hash, seq: e.Seq})
	}

	if imports == 0 {
		for i, inv := range c.Invoices {
			list = append(list, Exhibit{Kind: ExInvoice, Date: inv.IssueDate, seq: int64(i),
				Title: w.f("invoice", inv.Number, w.date(inv.IssueDate), w.date(inv.DueDate), w.money(inv.Amount, c.Currency)),
				ToAdd: w.f("invoice.add")})
		}
	}
	for i, f := range m.Files {
		name, ok := strings.CutPrefix(f.Name, evidence.DirAttach)
		if !ok {
			continue
		}
		ex := Exhibit{File: f.Name, SHA256: f.SHA256, seq: int64(1000 + i)}
		dir, rest, _ := strings.Cut(name, "/")
		switch dir {
		case "imports":
			ex.Kind, ex.Title = ExInvoice, w.f("import", stripID(rest))
			numbers := make([]string, 0, len(c.Invoices))
			for _, inv := range c.Invoices {
				numbers = append(numbers, inv.Number)
			}
			ex.Title += w.f("import.invoices", strings.Join(numbers, ", "))
		case "letters":
			l := byFile[f.Name]
			if l == nil {
				ex.Kind, ex.Title = ExOther, w.f("letter", rest)
				break
			}
			ex.Date, ex.letterID = l.LetterDate, l.ID
			if l.Kind == portal.LetterFormalNotice {
				ex.Kind, ex.Title = ExFormalNotice, w.f("notice", w.date(l.LetterDate), w.money(l.Total, c.Currency))
				if !l.PayBy.IsZero() {
					ex.Title = w.f("notice.by", w.date(l.LetterDate), w.money(l.Total, c.Currency), w.date(l.PayBy))
				}
			} else {
				ex.Kind, ex.Title = ExReminder, w.f("reminder.letter", w.date(l.LetterDate))
			}
			list = append(list, ex)
			if s := sending(w, l, sentBy[l.ID]); s != nil {
				s.seq = ex.seq
				list = append(list, *s)
			}
			continue
		case "reminders":
			ex.Kind = ExReminder
			ex.Title, ex.Date = reminderTitle(w, rest)
		case "agreements":
			ex.Kind, ex.Date = ExAcknowledge, datePrefix(rest)
			ex.Title = w.f("agreement", w.date(ex.Date))
			if c.Jurisdiction == portal.JurisdictionBE {
				ex.Title += w.f("agreement.be")
			} else {
				ex.Title += w.f("agreement.fr")
			}
		case "disputes":
			ex.Kind, ex.Date = ExDispute, datePrefix(rest)
			ex.Title = w.f("dispute.file", w.date(ex.Date), stripID(stripDate(rest)))
		default:
			ex.Kind, ex.Title = ExOther, w.f("other", name)
		}
		list = append(list, ex)
	}
	if !c.FormalNoticeOn.IsZero() && !hasKind(list, ExFormalNotice) {
		list = append(list, Exhibit{Kind: ExFormalNotice, Date: c.FormalNoticeOn, Title: w.f("notice.outside", w.date(c.FormalNoticeOn)),
			ToAdd: w.f("notice.outside.add")})
	}
	for i, f := range m.Files {
		switch f.Name {
		case evidence.FileDossier:
			list = append(list, Exhibit{Kind: ExRecord, File: f.Name, SHA256: f.SHA256, seq: int64(i),
				Title: w.f("dossier")})
		case evidence.FileEvents:
			list = append(list, Exhibit{Kind: ExRecord, File: f.Name, SHA256: f.SHA256, seq: int64(i),
				Title: w.f("journal", m.ChainHead.Seq, m.ChainHead.Hash)})
		}
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if kindOrder[a.Kind] != kindOrder[b.Kind] {
			return kindOrder[a.Kind] < kindOrder[b.Kind]
		}
		if a.Kind == ExRecord || a.Date == b.Date {
			return a.seq < b.seq
		}
		return a.Date.Before(b.Date)
	})
	for i := range list {
		list[i].Number = i + 1
	}
	return list, more
}

// sending is the exhibit of how a letter went out, from its letter.sent
// event; nil when it was not recorded as sent.
func sending(w *exWords, l *portal.Letter, e *portal.Event) *Exhibit {
	if l.SentOn.IsZero() {
		return nil
	}
	ex := &Exhibit{Kind: ExSending, Date: l.SentOn, letterID: l.ID}
	switch l.SentBy {
	case portal.SendRegisteredPost:
		ex.sending = w.f("sent.registered", l.RegisteredNumber, w.date(l.SentOn))
		ex.ToAdd = w.f("sent.registered.add", l.RegisteredNumber)
	case portal.SendEmail:
		ex.sending = w.f("sent.email", w.date(l.SentOn))
	default:
		ex.sending = w.f("sent.post", w.date(l.SentOn))
	}
	ex.Title = w.f("sent", w.date(l.LetterDate), ex.sending)
	if e != nil {
		ex.EventSeq, ex.EventHash = e.Seq, e.Hash
	}
	return ex
}

// reminderTitle reads "2026-01-10-1-email-<id>.json".
func reminderTitle(w *exWords, name string) (string, portal.Date) {
	d := datePrefix(name)
	parts := strings.Split(stripDate(name), "-")
	pos, channel := "?", ""
	if len(parts) >= 2 {
		pos, channel = parts[0], w.f("channel."+parts[1])
	}
	return w.f("reminder", pos, channel, w.date(d)), d
}

func datePrefix(name string) portal.Date {
	if len(name) < 10 {
		return portal.Date{}
	}
	d, err := portal.ParseDate(name[:10])
	if err != nil {
		return portal.Date{}
	}
	return d
}

func stripDate(name string) string {
	if !datePrefix(name).IsZero() && len(name) > 11 {
		return name[11:]
	}
	return name
}

// stripID drops the lower-case id Relais puts before a file's own name.
func stripID(name string) string {
	if id, rest, ok := strings.Cut(name, "-"); ok && len(id) == 26 {
		return rest
	}
	return name
}

func payloadOf(e *portal.Event) map[string]any {
	var m map[string]any
	if e.Payload != "" {
		json.Unmarshal([]byte(e.Payload), &m)
	}
	return m
}

// oneLine joins an event's text lines after its title, cut to a readable
// length (the dossier and events.jsonl have it all).
func oneLine(text string) string {
	if text == "" {
		return ""
	}
	s := strings.Join(strings.Fields(strings.ReplaceAll(text, "\n", " ; ")), " ")
	if utf8.RuneCountInString(s) > 300 {
		s = string([]rune(s)[:300]) + " [...]"
	}
	return " — " + s
}

func frDate(d portal.Date) string { return letters.FormatDate("fr", d) }

// exWords are the exhibits' words in a court language (fr, nl).
type exWords struct {
	lang string
	m    map[string]string
}

func wordsFor(lang string) *exWords {
	if m, ok := exhibitWords[lang]; ok {
		return &exWords{lang, m}
	}
	return &exWords{"fr", exhibitWords["fr"]}
}

func (w *exWords) f(key string, args ...any) string {
	s, ok := w.m[key]
	if !ok {
		return ""
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

func (w *exWords) date(d portal.Date) string {
	if d.IsZero() {
		return "?"
	}
	return letters.FormatDate(w.lang, d)
}

func (w *exWords) money(v int64, cur portal.Currency) string { return letters.Money(w.lang, v, cur) }

var exhibitWords = map[string]map[string]string{
	"fr": {
		"invoice":             "Facture n° %s du %s, échéance %s, %s",
		"invoice.add":         "Copie de la facture à joindre : Relais n'en conserve que les données (dossier.pdf, chapitre « Créance »).",
		"import":              "Facture électronique d'origine (fichier importé) : %s",
		"import.invoices":     " ; factures du dossier : %s",
		"letter":              "Lettre : %s",
		"notice":              "Mise en demeure du %s (%s à payer)",
		"notice.by":           "Mise en demeure du %s (%s à payer avant le %s)",
		"notice.outside":      "Mise en demeure du %s",
		"notice.outside.add":  "Copie de la mise en demeure et preuve de son envoi à joindre : elle n'a pas été faite avec Relais, qui n'en garde que la date.",
		"reminder.letter":     "Lettre de relance du %s",
		"reminder":            "Relance n° %s %s du %s (texte envoyé)",
		"channel.email":       "par courriel",
		"channel.sms":         "par SMS",
		"channel.letter":      "par courrier",
		"agreement":           "Plan de paiement signé par le débiteur le %s",
		"agreement.fr":        " (reconnaissance de la dette, C. civ. art. 2240)",
		"agreement.be":        " (reconnaissance de la dette, ancien C. civ. art. 2248)",
		"dispute.file":        "Pièce jointe par le débiteur à sa contestation du %s : %s",
		"other":               "Pièce : %s",
		"dossier":             "Dossier de preuve Relais (dossier.pdf) : parties, créance, décompte, relances, offres, paiements, contestations et chronologie complète",
		"journal":             "Journal des événements (events.jsonl) : %d événements chaînés par SHA-256, tête %s",
		"sent":                "Lettre du %s %s",
		"sent.registered":     "envoyée en recommandé n° %s le %s",
		"sent.registered.add": "Preuve de dépôt et avis de réception du recommandé n° %s à joindre : Relais n'en garde que le numéro et la date.",
		"sent.email":          "envoyée par courriel le %s",
		"sent.post":           "envoyée par courrier simple le %s",
	},
	"nl": {
		"invoice":             "Factuur nr. %s van %s, vervaldag %s, %s",
		"invoice.add":         "Kopie van de factuur bij te voegen: Relais bewaart alleen de gegevens (dossier.pdf, hoofdstuk „Schuldvordering”).",
		"import":              "Oorspronkelijke elektronische factuur (ingelezen bestand): %s",
		"import.invoices":     "; facturen van het dossier: %s",
		"letter":              "Brief: %s",
		"notice":              "Ingebrekestelling van %s (%s te betalen)",
		"notice.by":           "Ingebrekestelling van %s (%s te betalen vóór %s)",
		"notice.outside":      "Ingebrekestelling van %s",
		"notice.outside.add":  "Kopie van de ingebrekestelling en bewijs van verzending bij te voegen: zij werd niet met Relais gemaakt, dat alleen de datum bewaart.",
		"reminder.letter":     "Herinneringsbrief van %s",
		"reminder":            "Herinnering nr. %s %s van %s (verzonden tekst)",
		"channel.email":       "per e-mail",
		"channel.sms":         "per sms",
		"channel.letter":      "per brief",
		"agreement":           "Afbetalingsplan ondertekend door de schuldenaar op %s",
		"agreement.fr":        " (erkenning van de schuld, Frans BW art. 2240)",
		"agreement.be":        " (erkenning van de schuld, oud BW art. 2248)",
		"dispute.file":        "Stuk gevoegd door de schuldenaar bij zijn betwisting van %s: %s",
		"other":               "Stuk: %s",
		"dossier":             "Relais-bewijsdossier (dossier.pdf): partijen, schuldvordering, afrekening, herinneringen, voorstellen, betalingen, betwistingen en volledige tijdlijn",
		"journal":             "Logboek van de gebeurtenissen (events.jsonl): %d gebeurtenissen geketend met SHA-256, kop %s",
		"sent":                "Brief van %s %s",
		"sent.registered":     "aangetekend verzonden nr. %s op %s",
		"sent.registered.add": "Bewijs van afgifte en ontvangstbewijs van de aangetekende zending nr. %s bij te voegen: Relais bewaart alleen het nummer en de datum.",
		"sent.email":          "per e-mail verzonden op %s",
		"sent.post":           "per gewone post verzonden op %s",
	},
}

func hasKind(list []Exhibit, kind string) bool {
	for _, ex := range list {
		if ex.Kind == kind {
			return true
		}
	}
	return false
}
