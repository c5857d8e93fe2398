// Package receipt renders the receipt of a claim paid in full, as a PDF in
// the debtor's language (fr, nl, en, de; English otherwise): the creditor,
// the debtor, the claim's reference, every payment with its date, channel
// and amount, what was owed, the total paid, the balance of zero, the date
// of issue and a statement that the claim is settled.
//
// Text is set in the embedded DejaVu Sans of package pdffont, so names in
// any script the font has print as written (Arabic shaped, right to left);
// amounts and dates are written the way a reader of the language writes
// them (letters.Money, letters.FormatDate). The output is deterministic for
// the same input (dated by the issue date, sorted catalogue). The package
// is pure: no database, no HTTP.
package receipt

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/go-pdf/fpdf"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/letters"
	"github.com/relais/relais/portal/pdffont"
	"github.com/relais/relais/portal/rules"
)

// Input is what the receipt shows.
type Input struct {
	// Claim with its Creditor, Debtor and Payments loaded.
	Claim *portal.Claim
	// Balance is the claim's balance on Date (rules.Rates.Compute): it must
	// leave nothing to pay.
	Balance *rules.Balance
	// Date is the date of issue, printed and used as the PDF's dates.
	Date portal.Date
	// Language is the debtor's language; English when it has no texts.
	Language string
	// Uncompressed writes the page content streams uncompressed, so that
	// tests can read their strings.
	Uncompressed bool
}

type texts struct {
	title, issued, creditor, creditorID, debtor, claim, intro      string
	owed, principal, creditNotes, interest, indemnities, owedTotal string
	payments, date, channel, amount, none                          string
	totalPaid, balance, overpaid                                   string
	settled, keep, page                                            string
	channels                                                       map[portal.PaymentMethod]string
	refund                                                         string
}

var catalogue = map[string]texts{
	"fr": {title: "Reçu de paiement", issued: "Émis le %s", creditor: "Créancier", creditorID: "N° d'entreprise", debtor: "Débiteur",
		claim: "Dossier", intro: "%s confirme avoir reçu les paiements ci-dessous pour le dossier %s.",
		owed: "Montant dû", principal: "Principal (factures)", creditNotes: "Avoirs", interest: "Intérêts de retard",
		indemnities: "Indemnités", owedTotal: "Total dû",
		payments: "Paiements reçus", date: "Date", channel: "Moyen de paiement", amount: "Montant", none: "Aucun paiement",
		totalPaid: "Total payé", balance: "Solde restant dû", overpaid: "Payé au-delà du montant dû : %s, qui vous est remboursé ou reste à votre crédit.",
		settled:  "Ce dossier est soldé : vous ne devez plus rien au créancier à son titre. Merci.",
		keep:     "Conservez ce reçu : il prouve votre paiement.",
		page:     "Reçu %s – page %d/{nb}",
		channels: map[portal.PaymentMethod]string{portal.PaymentCard: "carte bancaire", portal.PaymentTransfer: "virement bancaire", portal.PaymentOther: "autre"},
		refund:   "remboursement ou annulation"},
	"nl": {title: "Betalingsbewijs", issued: "Uitgereikt op %s", creditor: "Schuldeiser", creditorID: "Ondernemingsnummer", debtor: "Schuldenaar",
		claim: "Dossier", intro: "%s bevestigt de onderstaande betalingen voor dossier %s te hebben ontvangen.",
		owed: "Verschuldigd bedrag", principal: "Hoofdsom (facturen)", creditNotes: "Creditnota's", interest: "Verwijlintresten",
		indemnities: "Vergoedingen", owedTotal: "Totaal verschuldigd",
		payments: "Ontvangen betalingen", date: "Datum", channel: "Betaalwijze", amount: "Bedrag", none: "Geen betalingen",
		totalPaid: "Totaal betaald", balance: "Openstaand saldo", overpaid: "Betaald boven het verschuldigde bedrag: %s, dat u wordt terugbetaald of als tegoed blijft staan.",
		settled:  "Dit dossier is vereffend: u bent de schuldeiser hiervoor niets meer verschuldigd. Dank u.",
		keep:     "Bewaar dit bewijs: het toont uw betaling aan.",
		page:     "Betalingsbewijs %s – pagina %d/{nb}",
		channels: map[portal.PaymentMethod]string{portal.PaymentCard: "bankkaart", portal.PaymentTransfer: "overschrijving", portal.PaymentOther: "andere"},
		refund:   "terugbetaling of annulering"},
	"en": {title: "Payment receipt", issued: "Issued on %s", creditor: "Creditor", creditorID: "Company number", debtor: "Debtor",
		claim: "Claim", intro: "%s confirms receiving the payments below for claim %s.",
		owed: "Amount owed", principal: "Principal (invoices)", creditNotes: "Credit notes", interest: "Late-payment interest",
		indemnities: "Indemnities", owedTotal: "Total owed",
		payments: "Payments received", date: "Date", channel: "Paid by", amount: "Amount", none: "No payments",
		totalPaid: "Total paid", balance: "Balance outstanding", overpaid: "Paid beyond the amount owed: %s, which is refunded to you or kept as your credit.",
		settled:  "This claim is settled: you owe the creditor nothing more on it. Thank you.",
		keep:     "Keep this receipt: it proves your payment.",
		page:     "Receipt %s – page %d/{nb}",
		channels: map[portal.PaymentMethod]string{portal.PaymentCard: "card", portal.PaymentTransfer: "bank transfer", portal.PaymentOther: "other"},
		refund:   "refund or reversal"},
	"de": {title: "Zahlungsbestätigung", issued: "Ausgestellt am %s", creditor: "Gläubiger", creditorID: "Unternehmensnummer", debtor: "Schuldner",
		claim: "Forderung", intro: "%s bestätigt den Eingang der folgenden Zahlungen zur Forderung %s.",
		owed: "Geschuldeter Betrag", principal: "Hauptforderung (Rechnungen)", creditNotes: "Gutschriften", interest: "Verzugszinsen",
		indemnities: "Pauschalen und Entschädigungen", owedTotal: "Summe geschuldet",
		payments: "Erhaltene Zahlungen", date: "Datum", channel: "Zahlungsart", amount: "Betrag", none: "Keine Zahlungen",
		totalPaid: "Summe bezahlt", balance: "Offener Betrag", overpaid: "Mehr als geschuldet bezahlt: %s; der Betrag wird Ihnen erstattet oder bleibt als Guthaben stehen.",
		settled:  "Diese Forderung ist beglichen: Sie schulden dem Gläubiger daraus nichts mehr. Vielen Dank.",
		keep:     "Bewahren Sie diese Bestätigung auf: sie belegt Ihre Zahlung.",
		page:     "Zahlungsbestätigung %s – Seite %d/{nb}",
		channels: map[portal.PaymentMethod]string{portal.PaymentCard: "Karte", portal.PaymentTransfer: "Banküberweisung", portal.PaymentOther: "sonstige"},
		refund:   "Erstattung oder Storno"},
}

// Languages lists the languages the receipt is written in.
func Languages() []string { return []string{"fr", "nl", "en", "de"} }

// Page geometry, in millimetres (A4).
const (
	margin = 20.0
	width  = 170.0
	labelW = 60.0
	lineH  = 5.5
)

// Render returns the receipt as PDF. EINVALID when the balance leaves
// something to pay: a receipt says the claim is settled.
func Render(in Input) ([]byte, error) {
	c, b := in.Claim, in.Balance
	if c == nil || c.Creditor == nil || c.Debtor == nil || b == nil {
		return nil, fmt.Errorf("receipt: the claim with its creditor and debtor, and its balance, are required")
	}
	if b.Total > 0 {
		return nil, portal.Errorf(portal.EINVALID, "This claim is not paid in full: there is no receipt yet.")
	}
	lang := in.Language
	t, ok := catalogue[lang]
	if !ok {
		lang, t = "en", catalogue["en"]
	}
	money := func(v int64) string { return letters.Money(lang, v, c.Currency) }
	date := func(d portal.Date) string { return letters.FormatDate(lang, d) }
	colon := ": "
	if lang == "fr" {
		colon = "\u00a0: "
	}

	f := fpdf.New("P", "mm", "A4", "")
	d := pdffont.New(f)
	f.SetCompression(!in.Uncompressed)
	f.SetCreationDate(in.Date.Time())
	f.SetModificationDate(in.Date.Time())
	f.SetCatalogSort(true)
	f.SetTitle(t.title+" "+c.Reference, true)
	f.SetAuthor(c.Creditor.LegalName, true)
	f.SetCreator("Relais", false)
	f.SetProducer("Relais", false)
	f.SetMargins(margin, margin, margin)
	f.SetAutoPageBreak(true, margin)
	d.PageFooter(14, 8, func(page int) string { return fmt.Sprintf(t.page, c.Reference, page) })
	f.AddPage()

	d.Font("B", 16)
	f.MultiCell(0, 8, d.Str(t.title), "", "L", false)
	d.Font("", 10)
	f.MultiCell(0, lineH, d.Str(fmt.Sprintf(t.issued, date(in.Date))), "", "L", false)
	f.Ln(4)

	pair := func(label, value string) {
		d.Row([]pdffont.Cell{{W: labelW, Text: label, Style: "B"}, {Text: value}}, 10, lineH, "", false)
	}
	creditor := c.Creditor.LegalName
	if a := strings.TrimSpace(c.Creditor.Address); a != "" {
		creditor += "\n" + a
	}
	pair(t.creditor, creditor)
	if c.Creditor.CompanyNumber != "" {
		pair(t.creditorID, c.Creditor.CompanyNumber)
	}
	debtor := c.Debtor.Name
	if a := strings.TrimSpace(c.Debtor.Address); a != "" {
		debtor += "\n" + a
	}
	pair(t.debtor, debtor)
	pair(t.claim, c.Reference)
	f.Ln(3)
	d.Font("", 10)
	f.MultiCell(0, lineH, d.Str(fmt.Sprintf(t.intro, c.Creditor.LegalName, c.Reference)), "", "L", false)
	f.Ln(3)

	heading := func(s string) {
		d.KeepSpace(4 * lineH)
		d.Font("B", 12)
		f.MultiCell(0, 7, d.Str(s), "", "L", false)
		f.Ln(1)
	}
	sum := func(style, label string, v int64) {
		d.Row([]pdffont.Cell{{W: 120, Text: label, Style: style}, {W: 50, Text: money(v), Align: "R", Style: style}}, 10, lineH, "", false)
	}
	rule := func() {
		x, y := f.GetX(), f.GetY()
		f.Line(x, y, x+width, y)
	}

	heading(t.owed)
	sum("", t.principal, b.Principal)
	if b.CreditNotes != 0 {
		sum("", t.creditNotes, -b.CreditNotes)
	}
	sum("", t.interest, b.Interest)
	sum("", t.indemnities, b.Indemnities)
	rule()
	sum("B", t.owedTotal, b.Principal-b.CreditNotes+b.Interest+b.Indemnities)
	f.Ln(4)

	heading(t.payments)
	cols := []float64{45, 75, 50}
	d.SetFillColor(230, 230, 230)
	d.Row([]pdffont.Cell{{W: cols[0], Text: t.date, Style: "B"}, {W: cols[1], Text: t.channel, Style: "B"}, {W: cols[2], Text: t.amount, Align: "R", Style: "B"}},
		9, 6, "B", true)
	for _, p := range c.Payments {
		if p.ReceivedOn.After(b.AsOf) {
			continue // not counted in the balance either
		}
		channel := t.channels[p.Method]
		if channel == "" {
			channel = t.channels[portal.PaymentOther]
		}
		if p.Amount < 0 {
			channel += " (" + t.refund + ")"
		}
		d.Row([]pdffont.Cell{{W: cols[0], Text: date(p.ReceivedOn)}, {W: cols[1], Text: channel}, {W: cols[2], Text: money(p.Amount), Align: "R"}},
			10, lineH, "", false)
	}
	if len(c.Payments) == 0 {
		d.Font("I", 10)
		f.MultiCell(0, lineH, d.Str(t.none), "", "L", false)
	}
	rule()
	sum("B", t.totalPaid, b.Paid)
	sum("B", t.balance, max(b.Total, 0))
	if b.Unallocated > 0 {
		d.Font("", 9)
		f.MultiCell(0, 4.5, d.Str(fmt.Sprintf(t.overpaid, money(b.Unallocated))), "", "L", false)
	}
	f.Ln(5)

	d.KeepSpace(3 * lineH)
	d.Font("B", 11)
	f.MultiCell(0, 6, d.Str(t.settled), "", "L", false)
	f.Ln(1)
	d.Font("", 9)
	f.MultiCell(0, 4.5, d.Str(t.keep+" "+t.claim+colon+c.Reference+"."), "", "L", false)

	var out bytes.Buffer
	if err := f.Output(&out); err != nil {
		return nil, fmt.Errorf("render receipt: %w", err)
	}
	return out.Bytes(), nil
}

// FileName is the receipt's attachment name, after the claim's reference
// in ASCII letters, digits, dots, dashes and underscores (the claim's id
// when nothing is left): "receipt-FR-B2B-0001.pdf".
func FileName(reference, claimID string) string {
	var b strings.Builder
	for _, r := range reference {
		switch {
		case r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'):
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
		if b.Len() >= 80 {
			break
		}
	}
	name := strings.Trim(b.String(), "-.")
	if name == "" {
		name = claimID
	}
	return "receipt-" + name + ".pdf"
}
