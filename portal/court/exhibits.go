package court

import (
	"encoding/json"
	"sort"
	"strconv"
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
func Exhibits(c *portal.Claim, m evidence.Manifest, ls []*portal.Letter, events []*portal.Event) (list []Exhibit, more int) {
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
		title, _, text := evidence.DescribeEvent("fr", c, e)
		list = append(list, Exhibit{Kind: kind, Title: title + oneLine(text), Date: portal.DateOf(e.At.In(portal.Zone())),
			EventSeq: e.Seq, EventHash: e.Hash, seq: e.Seq})
	}

	if imports == 0 {
		for i, inv := range c.Invoices {
			list = append(list, Exhibit{Kind: ExInvoice, Date: inv.IssueDate, seq: int64(i),
				Title: "Facture n° " + inv.Number + " du " + frDate(inv.IssueDate) + ", échéance " + frDate(inv.DueDate) + ", " + letters.Money("fr", inv.Amount, c.Currency),
				ToAdd: "Copie de la facture à joindre : Relais n'en conserve que les données (dossier.pdf, chapitre « Créance »)."})
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
			ex.Kind, ex.Title = ExInvoice, "Facture électronique d'origine (fichier importé) : "+stripID(rest)
			numbers := make([]string, 0, len(c.Invoices))
			for _, inv := range c.Invoices {
				numbers = append(numbers, inv.Number)
			}
			ex.Title += " ; factures du dossier : " + strings.Join(numbers, ", ")
		case "letters":
			l := byFile[f.Name]
			if l == nil {
				ex.Kind, ex.Title = ExOther, "Lettre : "+rest
				break
			}
			ex.Date, ex.letterID = l.LetterDate, l.ID
			if l.Kind == portal.LetterFormalNotice {
				ex.Kind, ex.Title = ExFormalNotice, "Mise en demeure du "+frDate(l.LetterDate)+" ("+letters.Money("fr", l.Total, c.Currency)+" à payer"
				if !l.PayBy.IsZero() {
					ex.Title += " avant le " + frDate(l.PayBy)
				}
				ex.Title += ")"
			} else {
				ex.Kind, ex.Title = ExReminder, "Lettre de relance du "+frDate(l.LetterDate)
			}
			list = append(list, ex)
			if s := sending(l, sentBy[l.ID]); s != nil {
				s.seq = ex.seq
				list = append(list, *s)
			}
			continue
		case "reminders":
			ex.Kind = ExReminder
			ex.Title, ex.Date = reminderTitle(rest)
		case "agreements":
			ex.Kind, ex.Date = ExAcknowledge, datePrefix(rest)
			ex.Title = "Plan de paiement signé par le débiteur"
			if !ex.Date.IsZero() {
				ex.Title += " le " + frDate(ex.Date)
			}
			ex.Title += " (reconnaissance de la dette, C. civ. art. 2240)"
		case "disputes":
			ex.Kind, ex.Date = ExDispute, datePrefix(rest)
			ex.Title = "Pièce jointe par le débiteur à sa contestation"
			if !ex.Date.IsZero() {
				ex.Title += " du " + frDate(ex.Date)
			}
			ex.Title += " : " + stripID(stripDate(rest))
		default:
			ex.Kind, ex.Title = ExOther, "Pièce : "+name
		}
		list = append(list, ex)
	}
	if !c.FormalNoticeOn.IsZero() && !hasKind(list, ExFormalNotice) {
		list = append(list, Exhibit{Kind: ExFormalNotice, Date: c.FormalNoticeOn, Title: "Mise en demeure du " + frDate(c.FormalNoticeOn),
			ToAdd: "Copie de la mise en demeure et preuve de son envoi à joindre : elle n'a pas été faite avec Relais, qui n'en garde que la date."})
	}
	for i, f := range m.Files {
		switch f.Name {
		case evidence.FileDossier:
			list = append(list, Exhibit{Kind: ExRecord, File: f.Name, SHA256: f.SHA256, seq: int64(i),
				Title: "Dossier de preuve Relais (dossier.pdf) : parties, créance, décompte, relances, offres, paiements, contestations et chronologie complète"})
		case evidence.FileEvents:
			list = append(list, Exhibit{Kind: ExRecord, File: f.Name, SHA256: f.SHA256, seq: int64(i),
				Title: "Journal des événements (events.jsonl) : " + plural(m.ChainHead.Seq, "événement chaîné", "événements chaînés") + " par SHA-256, tête " + m.ChainHead.Hash})
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
func sending(l *portal.Letter, e *portal.Event) *Exhibit {
	if l.SentOn.IsZero() {
		return nil
	}
	ex := &Exhibit{Kind: ExSending, Date: l.SentOn, letterID: l.ID}
	switch l.SentBy {
	case portal.SendRegisteredPost:
		ex.sending = "envoyée en recommandé n° " + l.RegisteredNumber + " le " + frDate(l.SentOn)
		ex.ToAdd = "Preuve de dépôt et avis de réception du recommandé n° " + l.RegisteredNumber + " à joindre : Relais n'en garde que le numéro et la date."
	case portal.SendEmail:
		ex.sending = "envoyée par courriel le " + frDate(l.SentOn)
	default:
		ex.sending = "envoyée par courrier simple le " + frDate(l.SentOn)
	}
	ex.Title = "Lettre du " + frDate(l.LetterDate) + " " + ex.sending
	if e != nil {
		ex.EventSeq, ex.EventHash = e.Seq, e.Hash
	}
	return ex
}

// reminderTitle reads "2026-01-10-1-email-<id>.json".
func reminderTitle(name string) (string, portal.Date) {
	d := datePrefix(name)
	parts := strings.Split(stripDate(name), "-")
	channel := map[string]string{"email": "par courriel", "sms": "par SMS", "letter": "par courrier"}
	t := "Relance"
	if len(parts) >= 2 {
		t += " n° " + parts[0]
		if ch := channel[parts[1]]; ch != "" {
			t += " " + ch
		}
	}
	if !d.IsZero() {
		t += " du " + frDate(d)
	}
	return t + " (texte envoyé)", d
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

func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return itoa(n) + " " + many
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func hasKind(list []Exhibit, kind string) bool {
	for _, ex := range list {
		if ex.Kind == kind {
			return true
		}
	}
	return false
}
