// Package pdf renders a signed payment agreement, with the debtor's
// acknowledgement of debt when given, as a PDF with go-pdf/fpdf. The output
// is deterministic for the same input (fixed creation date, sorted
// catalogue), so its SHA-256 identifies the document.
package pdf

import (
	"bytes"
	"fmt"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
)

// Input is what the agreement shows.
type Input struct {
	Agreement *negotiation.Agreement
	Claim     *portal.Claim // with Creditor and Debtor
	Terms     negotiation.Offer
	Language  string
	SignedAt  time.Time
	// Acknowledged adds the acknowledgement of debt (Code civil 2240).
	Acknowledged bool
}

type texts struct {
	title, ack, parties, creditor, debtor, claim, balance, kind, schedule, due, amount, total, method, card, transfer,
	interestOn, interestOff, ackTitle, ackBody, signed, id, down, instalment string
	kinds map[negotiation.Kind]string
}

var catalogue = map[string]texts{
	"fr": {title: "Accord de paiement", ack: "et reconnaissance de dette", parties: "Parties", creditor: "Créancier", debtor: "Débiteur",
		claim: "Dossier", balance: "Solde dû à la date de l'accord", kind: "Type d'accord", schedule: "Échéancier", due: "Échéance",
		amount: "Montant", total: "Total", method: "Mode de paiement", card: "carte (prélèvement automatique)", transfer: "virement bancaire",
		interestOn:  "Les intérêts de retard continuent de courir sur le principal restant dû pendant l'accord ; ils seront réclamés après la dernière échéance.",
		interestOff: "Tant que l'accord est respecté, le créancier renonce aux intérêts de retard postérieurs à l'accord.",
		ackTitle:    "Reconnaissance de dette",
		ackBody:     "Je reconnais devoir au créancier la somme indiquée ci-dessus au titre de ce dossier. Cette reconnaissance interrompt le délai de prescription (Code civil, article 2240).",
		signed:      "Accepté en ligne le", id: "Référence de l'accord", down: "Acompte", instalment: "Échéance",
		kinds: map[negotiation.Kind]string{negotiation.KindPlan: "Paiement échelonné", negotiation.KindSettlement: "Règlement transactionnel", negotiation.KindPromise: "Promesse de paiement"}},
	"nl": {title: "Betalingsovereenkomst", ack: "en schuldbekentenis", parties: "Partijen", creditor: "Schuldeiser", debtor: "Schuldenaar",
		claim: "Dossier", balance: "Verschuldigd saldo op de datum van de overeenkomst", kind: "Soort overeenkomst", schedule: "Afbetalingsplan", due: "Vervaldag",
		amount: "Bedrag", total: "Totaal", method: "Betaalwijze", card: "kaart (automatische inning)", transfer: "overschrijving",
		interestOn:  "De verwijlintresten lopen tijdens de overeenkomst verder op de resterende hoofdsom; ze worden na de laatste termijn gevorderd.",
		interestOff: "Zolang de overeenkomst wordt nageleefd, ziet de schuldeiser af van verwijlintresten na de overeenkomst.",
		ackTitle:    "Schuldbekentenis",
		ackBody:     "Ik erken het hierboven vermelde bedrag voor dit dossier aan de schuldeiser verschuldigd te zijn. Deze erkenning stuit de verjaring.",
		signed:      "Online aanvaard op", id: "Referentie van de overeenkomst", down: "Voorschot", instalment: "Termijn",
		kinds: map[negotiation.Kind]string{negotiation.KindPlan: "Afbetalingsplan", negotiation.KindSettlement: "Minnelijke schikking", negotiation.KindPromise: "Betalingsbelofte"}},
	"en": {title: "Payment agreement", ack: "and acknowledgement of debt", parties: "Parties", creditor: "Creditor", debtor: "Debtor",
		claim: "Claim", balance: "Balance due on the date of the agreement", kind: "Kind of agreement", schedule: "Schedule", due: "Due on",
		amount: "Amount", total: "Total", method: "Payment method", card: "card (automatic charge)", transfer: "bank transfer",
		interestOn:  "Late-payment interest keeps running on the unpaid principal during the agreement; it will be claimed after the last instalment.",
		interestOff: "As long as the agreement is kept, the creditor waives late-payment interest after the agreement.",
		ackTitle:    "Acknowledgement of debt",
		ackBody:     "I acknowledge owing the creditor the sum stated above on this claim. This acknowledgement interrupts prescription (French Code civil, article 2240).",
		signed:      "Accepted online on", id: "Agreement reference", down: "Down payment", instalment: "Instalment",
		kinds: map[negotiation.Kind]string{negotiation.KindPlan: "Instalment plan", negotiation.KindSettlement: "Settlement", negotiation.KindPromise: "Promise to pay"}},
	"de": {title: "Zahlungsvereinbarung", ack: "und Schuldanerkenntnis", parties: "Parteien", creditor: "Gläubiger", debtor: "Schuldner",
		claim: "Forderung", balance: "Geschuldeter Betrag am Tag der Vereinbarung", kind: "Art der Vereinbarung", schedule: "Zahlungsplan", due: "Fällig am",
		amount: "Betrag", total: "Summe", method: "Zahlungsart", card: "Karte (automatische Abbuchung)", transfer: "Banküberweisung",
		interestOn:  "Verzugszinsen laufen während der Vereinbarung auf die offene Hauptforderung weiter; sie werden nach der letzten Rate gefordert.",
		interestOff: "Solange die Vereinbarung eingehalten wird, verzichtet der Gläubiger auf Verzugszinsen nach der Vereinbarung.",
		ackTitle:    "Schuldanerkenntnis",
		ackBody:     "Ich erkenne an, dem Gläubiger den oben genannten Betrag aus dieser Forderung zu schulden. Dieses Anerkenntnis unterbricht die Verjährung.",
		signed:      "Online angenommen am", id: "Referenz der Vereinbarung", down: "Anzahlung", instalment: "Rate",
		kinds: map[negotiation.Kind]string{negotiation.KindPlan: "Ratenzahlung", negotiation.KindSettlement: "Vergleich", negotiation.KindPromise: "Zahlungsversprechen"}},
}

// Render returns the PDF bytes.
func Render(in Input) ([]byte, error) {
	t, ok := catalogue[in.Language]
	if !ok {
		t = catalogue["en"]
	}
	a, c := in.Agreement, in.Claim
	if a == nil || c == nil || c.Creditor == nil || c.Debtor == nil {
		return nil, fmt.Errorf("agreement pdf: agreement and claim with creditor and debtor are required")
	}
	f := fpdf.New("P", "mm", "A4", "")
	f.SetCreationDate(in.SignedAt.UTC())
	f.SetModificationDate(in.SignedAt.UTC())
	f.SetCatalogSort(true)
	f.SetTitle(t.title, true)
	f.SetAuthor("Relais", true)
	tr := f.UnicodeTranslatorFromDescriptor("") // cp1252: accents of fr, nl, de
	exp := c.Currency.Exponent()
	money := func(v int64) string { return portal.FormatMinor(v, exp) + " " + string(c.Currency) }
	f.AddPage()
	f.SetFont("Helvetica", "B", 16)
	title := t.title
	if in.Acknowledged {
		title += " " + t.ack
	}
	f.MultiCell(0, 8, tr(title), "", "L", false)
	f.Ln(4)
	line := func(label, value string) {
		f.SetFont("Helvetica", "B", 10)
		f.CellFormat(60, 6, tr(label), "", 0, "L", false, 0, "")
		f.SetFont("Helvetica", "", 10)
		f.MultiCell(0, 6, tr(value), "", "L", false)
	}
	line(t.creditor, c.Creditor.LegalName+nonEmpty(", ", c.Creditor.Address))
	line(t.debtor, c.Debtor.Name+nonEmpty(", ", c.Debtor.Address))
	line(t.claim, c.Reference)
	line(t.balance, money(a.Balance))
	line(t.kind, t.kinds[in.Terms.Kind])
	if in.Terms.Kind == negotiation.KindPlan {
		m := t.transfer
		if a.Schedule.Method == negotiation.MethodCard {
			m = t.card
		}
		line(t.method, m)
	}
	f.Ln(4)
	f.SetFont("Helvetica", "B", 12)
	f.CellFormat(0, 8, tr(t.schedule), "", 1, "L", false, 0, "")
	f.SetFont("Helvetica", "B", 10)
	f.CellFormat(50, 7, tr(t.instalment), "1", 0, "L", false, 0, "")
	f.CellFormat(50, 7, tr(t.due), "1", 0, "L", false, 0, "")
	f.CellFormat(50, 7, tr(t.amount), "1", 1, "R", false, 0, "")
	f.SetFont("Helvetica", "", 10)
	for _, in := range a.Schedule.Instalments {
		label := fmt.Sprintf("%s %d", t.instalment, in.Seq)
		if in.Seq == 0 {
			label = t.down
		}
		f.CellFormat(50, 7, tr(label), "1", 0, "L", false, 0, "")
		f.CellFormat(50, 7, in.DueOn.String(), "1", 0, "L", false, 0, "")
		f.CellFormat(50, 7, money(in.Amount), "1", 1, "R", false, 0, "")
	}
	f.SetFont("Helvetica", "B", 10)
	f.CellFormat(100, 7, tr(t.total), "1", 0, "L", false, 0, "")
	f.CellFormat(50, 7, money(a.Schedule.Total), "1", 1, "R", false, 0, "")
	f.Ln(4)
	f.SetFont("Helvetica", "", 10)
	if in.Terms.Kind == negotiation.KindPlan {
		if a.InterestDuringPlan {
			f.MultiCell(0, 5, tr(t.interestOn), "", "L", false)
		} else {
			f.MultiCell(0, 5, tr(t.interestOff), "", "L", false)
		}
	}
	if in.Acknowledged {
		f.Ln(4)
		f.SetFont("Helvetica", "B", 12)
		f.CellFormat(0, 8, tr(t.ackTitle), "", 1, "L", false, 0, "")
		f.SetFont("Helvetica", "", 10)
		f.MultiCell(0, 5, tr(t.ackBody), "", "L", false)
	}
	f.Ln(6)
	line(t.signed, in.SignedAt.UTC().Format("2006-01-02 15:04:05 UTC"))
	line(t.id, a.ID)
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, fmt.Errorf("agreement pdf: %w", err)
	}
	return buf.Bytes(), nil
}

func nonEmpty(sep, s string) string {
	if s == "" {
		return ""
	}
	return sep + s
}
