package evidence

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/rules"
)

// Bounds that keep the dossier's memory in check on long chains: the cover
// lists keep at most maxSectionItems entries each (the timeline and
// events.jsonl have everything), and one event's text in the timeline is
// cut at maxSummaryRunes (transcripts at maxMessageRunes).
const (
	maxSectionItems = 1000
	maxSummaryRunes = 1500
	maxMessageRunes = 20000
)

// section groups the event kinds a dossier chapter lists.
type section struct {
	title string
	kinds []portal.EventKind
	items []*portal.Event
	more  int
}

func dossierSections() []*section {
	return []*section{
		{title: "Historique des étapes et statuts", kinds: []portal.EventKind{portal.EventStageChanged, portal.EventStatusChanged}},
		{title: "Offres et accords", kinds: []portal.EventKind{portal.EventOfferMade, portal.EventOfferAccepted, portal.EventOfferRefused, portal.EventAgreementSigned, portal.EventInstalmentMissed, portal.EventPlanBroken}},
		{title: "Contestations", kinds: []portal.EventKind{portal.EventDisputeFiled, portal.EventDisputeResolved}},
		{title: "Paiements", kinds: []portal.EventKind{portal.EventPaymentRecorded, portal.EventPaymentStarted, portal.EventPaymentFailed, portal.EventPaymentRefunded, portal.EventChargeback, portal.EventCreditNoteRecorded, portal.EventStatementMatched}},
		{title: "Courriers et relances", kinds: []portal.EventKind{portal.EventLetterGenerated, portal.EventLetterSent, portal.EventReminderSent, portal.EventReminderFailed}},
		{title: "Documents reçus", kinds: []portal.EventKind{portal.EventFileUploaded}},
	}
}

var kindLabels = map[portal.EventKind]string{
	portal.EventClaimCreated: "Créance enregistrée", portal.EventPaymentRecorded: "Paiement enregistré",
	portal.EventCreditNoteRecorded: "Note de crédit enregistrée", portal.EventLinkIssued: "Lien d'accès émis",
	portal.EventLinkRevoked: "Lien d'accès révoqué", portal.EventLinkOpened: "Lien d'accès ouvert",
	portal.EventIdentityPassed: "Identité vérifiée", portal.EventIdentityFailed: "Échec de vérification d'identité",
	portal.EventIdentityLocked: "Accès bloqué après échecs", portal.EventClaimViewed: "Créance consultée",
	portal.EventComputationViewed: "Calcul consulté", portal.EventDisputeFiled: "Contestation déposée",
	portal.EventDisputeResolved: "Contestation résolue", portal.EventFileUploaded: "Document reçu",
	portal.EventMessageSent: "Message", portal.EventNoteWritten: "Note interne", portal.EventOfferMade: "Offre faite",
	portal.EventOfferAccepted: "Offre acceptée", portal.EventOfferRefused: "Offre refusée",
	portal.EventAgreementSigned: "Accord signé", portal.EventPaymentStarted: "Paiement commencé",
	portal.EventPaymentFailed: "Paiement échoué", portal.EventPaymentRefunded: "Paiement remboursé",
	portal.EventChargeback: "Rétrofacturation", portal.EventInstalmentDue: "Échéance due",
	portal.EventInstalmentMissed: "Échéance manquée", portal.EventPlanBroken: "Plan de paiement rompu",
	portal.EventLetterGenerated: "Courrier établi", portal.EventLetterSent: "Courrier envoyé",
	portal.EventReminderSent: "Relance envoyée", portal.EventReminderFailed: "Relance non délivrée",
	portal.EventContactOptOut: "Refus de contact", portal.EventStageChanged: "Changement d'étape",
	portal.EventStatusChanged: "Changement de statut", portal.EventStatementMatched: "Virement rapproché",
}

func kindLabel(k string) string {
	if l, ok := kindLabels[portal.EventKind(k)]; ok {
		return l + " (" + k + ")"
	}
	return k
}

var actorLabels = map[portal.ActorKind]string{
	portal.ActorDebtor: "le débiteur", portal.ActorUser: "un utilisateur du créancier",
	portal.ActorAPIKey: "le système du créancier (clé API)", portal.ActorSystem: "Relais (automatique)",
}

func actorText(a portal.Actor) string {
	s := actorLabels[a.Kind]
	if s == "" {
		s = string(a.Kind)
	}
	if a.ID != "" {
		s += " " + a.ID
	}
	if a.IP != "" {
		s += ", IP " + a.IP
	}
	if a.UserAgent != "" {
		s += ", navigateur « " + cut(a.UserAgent, 160) + " »"
	}
	return s
}

func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + " [...]"
}

func fmtTime(t time.Time) string { return t.UTC().Format("02/01/2006 15:04:05") + " UTC" }

func money(amount int64, cur portal.Currency) string {
	s := portal.FormatMinor(amount, cur.Exponent())
	return strings.Replace(s, ".", ",", 1) + " " + string(cur)
}

// payloadText renders a payload as "key: value" lines, sorted by key;
// nested values stay JSON. An erased payload says so.
func payloadText(e *portal.Event, cur portal.Currency) string {
	if e.Payload == "" {
		return "[contenu effacé au titre de la protection des données ; son empreinte reste dans la chaîne]"
	}
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(e.Payload))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return e.Payload
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		var v string
		switch x := m[k].(type) {
		case string:
			v = x
		case json.Number:
			v = x.String()
			// Amounts are minor units: show them as money, not as a
			// number a reader would take for euros.
			if n, err := x.Int64(); err == nil && isAmountKey(k) {
				v = money(n, cur)
			}
		case nil:
			v = "-"
		default:
			raw, _ := portal.CanonicalJSON(x)
			v = string(raw)
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(k + " : " + v)
	}
	return b.String()
}

func isAmountKey(k string) bool {
	switch k {
	case "principal", "paid", "total", "balance", "interest", "indemnities":
		return true
	}
	return strings.Contains(k, "amount")
}

// messageText is the text of a message.sent event.
func messageText(e *portal.Event) (string, bool) {
	var m map[string]any
	if e.Payload == "" || json.Unmarshal([]byte(e.Payload), &m) != nil {
		return "", false
	}
	for _, k := range []string{"text", "body", "message"} {
		if s, ok := m[k].(string); ok {
			return s, true
		}
	}
	return "", false
}

// pdfDoc wraps fpdf with the dossier's few layouts, translating UTF-8 text
// to the core fonts' cp1252 (characters outside it print as ".").
type pdfDoc struct {
	*fpdf.Fpdf
	tr func(string) string
}

func (d *pdfDoc) h1(s string) {
	d.Ln(4)
	d.SetFont("Helvetica", "B", 14)
	d.MultiCell(0, 7, d.tr(s), "", "L", false)
	d.Ln(2)
	d.SetFont("Helvetica", "", 10)
}

func (d *pdfDoc) kv(k, v string) {
	d.SetFont("Helvetica", "B", 10)
	d.CellFormat(55, 5.5, d.tr(k), "", 0, "L", false, 0, "")
	d.SetFont("Helvetica", "", 10)
	d.MultiCell(0, 5.5, d.tr(v), "", "L", false)
}

func (d *pdfDoc) para(size float64, s string) {
	d.SetFont("Helvetica", "", size)
	d.MultiCell(0, size*0.5, d.tr(s), "", "L", false)
}

func (d *pdfDoc) entry(e *portal.Event, body string) {
	d.SetFont("Helvetica", "B", 9)
	d.MultiCell(0, 4.6, d.tr(fmt.Sprintf("n° %d  -  %s  -  %s", e.Seq, fmtTime(e.At), kindLabel(string(e.Kind)))), "", "L", false)
	d.SetFont("Helvetica", "I", 8)
	d.MultiCell(0, 4, d.tr("Par "+actorText(e.Actor)), "", "L", false)
	if body != "" {
		d.SetFont("Helvetica", "", 9)
		d.MultiCell(0, 4.4, d.tr(body), "", "L", false)
	}
	d.Ln(1.5)
}

func (b *Builder) dossier(ctx context.Context, c *portal.Claim, head Head, atts []portal.Attachment, events *chainReader, rates *rules.Rates, at time.Time) ([]byte, error) {
	// Pass 1: the short lists of the cover chapters.
	sections := dossierSections()
	byKind := map[portal.EventKind]*section{}
	for _, s := range sections {
		for _, k := range s.kinds {
			byKind[k] = s
		}
	}
	messages := 0
	err := events.each(ctx, func(e *portal.Event) error {
		if e.Kind == portal.EventMessageSent {
			messages++
		}
		if s := byKind[e.Kind]; s != nil {
			if len(s.items) < maxSectionItems {
				s.items = append(s.items, e)
			} else {
				s.more++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	f := fpdf.New("P", "mm", "A4", "")
	f.SetCreationDate(at)
	f.SetModificationDate(at)
	f.SetCatalogSort(true)
	// fpdf would start a new 1 MB deflate writer for every page (about 1 GB
	// of garbage for 10,000 events); the zip entry deflates the PDF anyway.
	f.SetCompression(false)
	d := &pdfDoc{Fpdf: f, tr: f.UnicodeTranslatorFromDescriptor("")}
	f.SetTitle("Dossier de preuve - "+c.Reference, true)
	f.SetCreator("Relais "+b.Version, true)
	f.SetMargins(18, 18, 18)
	f.SetAutoPageBreak(true, 18)
	f.AliasNbPages("{nb}")
	f.SetFooterFunc(func() {
		f.SetY(-12)
		f.SetFont("Helvetica", "", 7.5)
		f.CellFormat(0, 4, d.tr(fmt.Sprintf("Créance %s  -  chaîne jusqu'à l'événement n° %d (empreinte %s)  -  page %d/{nb}",
			c.Reference, head.Seq, short(head.Hash), f.PageNo())), "", 0, "C", false, 0, "")
	})
	f.AddPage()
	f.SetFont("Helvetica", "B", 18)
	f.MultiCell(0, 9, d.tr("Dossier de preuve"), "", "L", false)
	d.para(11, "Créance "+c.Reference+" - état au "+fmtTime(at))
	d.Ln(2)
	d.para(9, "Ce dossier a été établi par Relais, le portail de paiement et de négociation utilisé par le créancier. "+
		"Il reprend, dans l'ordre, tout ce qui a été enregistré sur la créance : ce qui a été demandé au débiteur, ce qu'il a vu, "+
		"ce qu'il a écrit, ce qui a été offert et payé. Chaque événement est enchaîné au précédent par une empreinte SHA-256 et "+
		"la fin de la chaîne est signée (Ed25519) : le fichier verify.html joint permet de vérifier qu'aucun élément n'a été "+
		"modifié, supprimé ou ajouté depuis. Les heures sont en temps universel (UTC).")

	d.h1("1. Parties")
	if cr := c.Creditor; cr != nil {
		d.kv("Créancier", cr.LegalName)
		d.kv("N° d'entreprise", dash(cr.CompanyNumber))
		d.kv("Adresse", dash(cr.Address)+" "+cr.Country)
		d.kv("Contact", dash(strings.TrimSpace(cr.Email+" "+cr.Phone)))
	}
	if db := c.Debtor; db != nil {
		d.Ln(2)
		kind := "professionnel"
		if db.Kind == portal.DebtorConsumer {
			kind = "consommateur"
		}
		d.kv("Débiteur", db.Name+" ("+kind+")")
		d.kv("Adresse", dash(strings.TrimSpace(db.Address+" "+db.Postcode+" "+db.Country)))
		d.kv("Contact", dash(strings.TrimSpace(db.Email+" "+db.Phone)))
		if db.CustomerNumber != "" {
			d.kv("N° client", db.CustomerNumber)
		}
	}

	d.h1("2. Créance")
	d.kv("Référence", c.Reference)
	d.kv("Identifiant Relais", c.ID)
	d.kv("Droit applicable", map[portal.Jurisdiction]string{portal.JurisdictionFR: "France", portal.JurisdictionBE: "Belgique"}[c.Jurisdiction])
	d.kv("Étape / statut actuels", string(c.Stage)+" / "+string(c.Status))
	if c.ContractRateBP != nil {
		d.kv("Taux contractuel", portal.FormatMinor(*c.ContractRateBP, 2)+" % l'an")
	}
	d.Ln(1)
	for _, inv := range c.Invoices {
		d.kv("Facture "+inv.Number, fmt.Sprintf("émise le %s, échue le %s : %s", inv.IssueDate, inv.DueDate, money(inv.Amount, c.Currency)))
	}
	for _, p := range c.Payments {
		d.kv("Paiement", fmt.Sprintf("reçu le %s : %s (%s %s)", p.ReceivedOn, money(p.Amount, c.Currency), p.Method, p.Reference))
	}
	for _, cn := range c.CreditNotes {
		d.kv("Note de crédit "+cn.Number, fmt.Sprintf("du %s : %s", cn.IssueDate, money(cn.Amount, c.Currency)))
	}

	asOf := portal.DateOf(at)
	d.h1("3. Montants au " + asOf.String())
	if bal, err := rates.Compute(c, asOf); err != nil {
		d.para(10, "Le calcul des montants n'a pas pu être fait à cette date : "+portal.ErrorMessage(err)+
			" Les factures et paiements ci-dessus restent exacts.")
	} else {
		d.kv("Principal", money(bal.Principal, bal.Currency))
		d.kv("Notes de crédit", money(bal.CreditNotes, bal.Currency))
		d.kv("Intérêts de retard", money(bal.Interest, bal.Currency))
		d.kv("Indemnités", money(bal.Indemnities, bal.Currency))
		d.kv("Payé", money(bal.Paid, bal.Currency))
		d.kv("Reste dû", money(bal.Total, bal.Currency))
		if !bal.Complete {
			d.para(9, "Intérêts comptés jusqu'au "+bal.ComputedTo.String()+" : le taux officiel des jours suivants n'était pas encore publié à cette date.")
		}
		d.Ln(1)
		for _, inv := range bal.Invoices {
			for _, p := range inv.Periods {
				d.para(8.5, fmt.Sprintf("Facture %s : du %s au %s, %d jours à %s %% l'an sur %s = %s (%s)",
					inv.Number, p.From, p.To, p.Days, portal.FormatMinor(p.RateBP, 2), money(p.Base, bal.Currency), money(p.Amount, bal.Currency), ruleName(p.Rule)))
			}
		}
		for _, l := range bal.IndemnityLines {
			d.para(8.5, fmt.Sprintf("Indemnité %s au %s : %s (%s)", l.InvoiceNumber, l.On, money(l.Amount, bal.Currency), ruleName(l.Rule)))
		}
		d.Ln(1)
		for _, r := range bal.Rules {
			d.para(8.5, "- "+r.Basis+" : "+r.Text+" "+r.Detail)
		}
	}

	n := 4
	for _, s := range sections {
		d.h1(fmt.Sprintf("%d. %s", n, s.title))
		n++
		if len(s.items) == 0 {
			d.para(10, "Aucun.")
		}
		for _, e := range s.items {
			d.entry(e, cut(payloadText(e, c.Currency), maxSummaryRunes))
		}
		if s.more > 0 {
			d.para(9, fmt.Sprintf("... et %d autres, qui figurent dans la chronologie et dans events.jsonl.", s.more))
		}
	}

	d.h1(fmt.Sprintf("%d. Pièces jointes (dossier attachments/)", n))
	n++
	if len(atts) == 0 {
		d.para(10, "Aucune.")
	}
	for _, a := range atts {
		d.SetFont("Helvetica", "B", 9)
		d.MultiCell(0, 4.6, d.tr(a.Name), "", "L", false)
		d.SetFont("Courier", "", 8)
		d.MultiCell(0, 4, "SHA-256 "+a.SHA256, "", "L", false)
		d.Ln(1)
	}

	// Pass 2: the conversation.
	d.h1(fmt.Sprintf("%d. Transcription des messages (%d)", n, messages))
	n++
	if messages == 0 {
		d.para(10, "Aucun message.")
	}
	err = events.each(ctx, func(e *portal.Event) error {
		if e.Kind != portal.EventMessageSent {
			return nil
		}
		text, ok := messageText(e)
		if !ok {
			text = payloadText(e, c.Currency)
		}
		d.entry(e, cut(text, maxMessageRunes))
		return nil
	})
	if err != nil {
		return nil, err
	}

	// Pass 3: everything, in order.
	f.AddPage()
	d.h1(fmt.Sprintf("%d. Chronologie complète (%d événements)", n, head.Seq))
	err = events.each(ctx, func(e *portal.Event) error {
		body := payloadText(e, c.Currency)
		if e.Kind == portal.EventMessageSent {
			if t, ok := messageText(e); ok {
				body = t
			}
		}
		d.entry(e, cut(body, maxSummaryRunes))
		return nil
	})
	if err != nil {
		return nil, err
	}

	d.h1("Intégrité")
	d.para(9, fmt.Sprintf("Dernier événement de la chaîne : n° %d, empreinte SHA-256 %s, %s. "+
		"Clé publique de signature de l'instance (empreinte) : %s. Le fichier manifest.json contient la signature; "+
		"verify.html et la commande « relais verify » la contrôlent.", head.Seq, head.Hash, fmtTime(at), b.Signer.Fingerprint()))

	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func short(h string) string {
	if len(h) > 16 {
		return h[:16] + "..."
	}
	return h
}

func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

// ruleName is a computation line's rule with the article it rests on.
func ruleName(key string) string {
	if b := rules.Basis(key); b != "" {
		return key + ", " + b
	}
	return key
}
