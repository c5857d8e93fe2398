// Package pdf renders a signed payment agreement, with the debtor's
// acknowledgement of debt when given, as a PDF with go-pdf/fpdf, in the
// debtor's language (fr, nl, en, de; English otherwise) and the embedded
// font of package pdffont (any script a name is written in).
//
// The agreement names the law of the claim's jurisdiction: France, Code
// civil 1343-5 (payment delays a court may also grant) and 2240 (an
// acknowledgement interrupts prescription); Belgium, old Civil Code 1244
// (grace periods) and 2248 (interruption), and for a consumer Book XIX of
// the Code of Economic Law. It carries the payment details (beneficiary,
// IBAN, BIC, the reference to quote), the creditor's contact and what
// happens when a payment is missed (the plan policy's thresholds).
//
// The output is deterministic for the same input (fixed creation date,
// sorted catalogue), so its SHA-256 identifies the document.
package pdf

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/banking"
	"github.com/relais/relais/portal/letters"
	"github.com/relais/relais/portal/pdffont"
)

// Input is what the agreement shows.
type Input struct {
	Agreement *negotiation.Agreement
	Claim     *portal.Claim // with Creditor and Debtor
	Terms     negotiation.Offer
	Language  string
	SignedAt  time.Time
	// Acknowledged adds the acknowledgement of debt (Code civil 2240, old
	// Belgian Civil Code 2248).
	Acknowledged bool
	// PaymentReference is the reference to quote with a transfer, as
	// printed (the claim's RF or Belgian structured reference:
	// portal.TransferDetails.Reference); the claim's reference when empty.
	PaymentReference string
	// Plan is when a missed payment ends the agreement (the creditor's
	// negotiation.Policy.Plan); zero fields take Relais' defaults.
	Plan portal.PlanPolicy
	// Zone is the time zone the signature time is shown in (nil:
	// portal.Zone(), Europe/Paris).
	Zone *time.Location
}

type texts struct {
	title, ack, creditor, creditorID, contact, debtor, claim, balance, kind, schedule, due, amount, total, method, card, transfer,
	interestOn, interestOff, ackTitle, signed, id, down, instalment string
	// Payment details.
	payTitle, payTransfer, payCard, beneficiary, reference, noIBAN string
	// What happens when a payment is missed: %d grace days, %d missed
	// instalments, %d days late, %s the interest sentence (may be empty).
	missedTitle, missed, missedInterest string
	// missedCard: %d days, %d attempts.
	missedCard string
	// SEPA Direct Debit: the method's names, how it is paid (%d notice
	// days), and a returned debit (%d attempts).
	sepa, sepaBancontact, paySEPA, missedSEPA string
	// The law: legal* by jurisdiction, ack* the acknowledgement's article.
	legalTitle, legalFR, legalBE, legalBEConsumer, ackFR, ackBE string
	// at joins a date and a time: "%s à %s".
	at    string
	kinds map[negotiation.Kind]string
}

var catalogue = map[string]texts{
	"fr": {title: "Accord de paiement", ack: "et reconnaissance de dette", creditor: "Créancier", creditorID: "N° d'entreprise",
		contact: "Contact du créancier", debtor: "Débiteur",
		claim: "Dossier", balance: "Solde dû à la date de l'accord", kind: "Type d'accord", schedule: "Échéancier", due: "Échéance",
		amount: "Montant", total: "Total", method: "Mode de paiement", card: "carte (prélèvement automatique)", transfer: "virement bancaire",
		sepa: "prélèvement SEPA", sepaBancontact: "prélèvement SEPA (mandat donné par Bancontact)",
		paySEPA:     "Chaque échéance est prélevée sur votre compte à sa date, au titre d'un mandat de prélèvement SEPA que vous donnez sur la page sécurisée de notre prestataire de paiement, Stripe, juste après cette acceptation. Vous êtes informé du montant et de la date de chaque prélèvement au moins %d jours à l'avance, par e-mail ou SMS. La référence du mandat, sa date et les quatre derniers chiffres de votre IBAN sont conservés dans votre dossier et rappelés dans chaque pré-notification. Vous pouvez aussi payer une échéance par virement, sur le compte ci-dessous avec exactement cette référence.",
		missedSEPA:  " Un prélèvement rejeté est présenté de nouveau après une nouvelle pré-notification, %d tentatives au plus. Si le mandat prend fin, les échéances restantes se paient par virement.",
		interestOn:  "Les intérêts de retard continuent de courir sur le principal restant dû pendant l'accord ; ils seront réclamés après la dernière échéance.",
		interestOff: "Tant que l'accord est respecté, le créancier renonce aux intérêts de retard postérieurs à l'accord.",
		ackTitle:    "Reconnaissance de dette",
		signed:      "Accepté en ligne le", id: "Référence de l'accord", down: "Acompte", instalment: "Échéance",
		payTitle:    "Paiement",
		payTransfer: "Payez chaque échéance par virement sur le compte ci-dessous, en indiquant exactement cette référence : elle permet de reconnaître votre paiement.",
		payCard:     "Chaque échéance est prélevée sur votre carte à sa date. Pour payer une échéance par virement, utilisez le compte ci-dessous et indiquez exactement cette référence.",
		beneficiary: "Bénéficiaire", reference: "Référence à indiquer",
		noIBAN:          "Le créancier vous communiquera ses coordonnées bancaires sur demande.",
		missedTitle:     "En cas de retard ou de défaut de paiement",
		missed:          "Une échéance non payée %d jours après sa date est considérée comme manquée. Après %d échéances manquées, ou si une échéance reste impayée plus de %d jours, l'accord prend fin : le recouvrement reprend pour le solde alors restant dû, déduction faite des paiements reçus%s.",
		missedInterest:  ", et la renonciation aux intérêts de retard cesse",
		missedCard:      " Un prélèvement refusé est présenté de nouveau %d jours plus tard (%d tentatives au plus).",
		legalTitle:      "Cadre légal",
		legalFR:         "Cet accord relève du droit français. Les délais de paiement qu'il prévoit sont consentis à l'amiable par le créancier ; le juge peut aussi reporter ou échelonner le paiement des sommes dues, dans la limite de deux années (Code civil, article 1343-5).",
		legalBE:         "Cet accord relève du droit belge. Les délais de paiement qu'il prévoit sont consentis à l'amiable par le créancier ; le juge peut aussi accorder des délais de grâce (ancien Code civil, article 1244).",
		legalBEConsumer: "Le débiteur étant un consommateur, le recouvrement amiable de sa dette reste soumis au livre XIX du Code de droit économique (dettes du consommateur), qui limite les sommes qui peuvent lui être réclamées.",
		ackFR:           "Je reconnais devoir au créancier la somme indiquée ci-dessus au titre de ce dossier. Cette reconnaissance interrompt le délai de prescription (Code civil, article 2240).",
		ackBE:           "Je reconnais devoir au créancier la somme indiquée ci-dessus au titre de ce dossier. Cette reconnaissance interrompt la prescription (ancien Code civil, article 2248).",
		at:              "%s à %s",
		kinds:           map[negotiation.Kind]string{negotiation.KindPlan: "Paiement échelonné", negotiation.KindSettlement: "Règlement transactionnel", negotiation.KindPromise: "Promesse de paiement"}},
	"nl": {title: "Betalingsovereenkomst", ack: "en schuldbekentenis", creditor: "Schuldeiser", creditorID: "Ondernemingsnummer",
		contact: "Contact van de schuldeiser", debtor: "Schuldenaar",
		claim: "Dossier", balance: "Verschuldigd saldo op de datum van de overeenkomst", kind: "Soort overeenkomst", schedule: "Afbetalingsplan", due: "Vervaldag",
		amount: "Bedrag", total: "Totaal", method: "Betaalwijze", card: "kaart (automatische inning)", transfer: "overschrijving",
		sepa: "SEPA-domiciliëring", sepaBancontact: "SEPA-domiciliëring (mandaat gegeven via Bancontact)",
		paySEPA:     "Elke termijn wordt op de vervaldag van uw rekening gedebiteerd, op grond van een SEPA-domiciliëringsmandaat dat u onmiddellijk na deze aanvaarding geeft op de beveiligde pagina van onze betaaldienstverlener, Stripe. U wordt minstens %d dagen vooraf per e-mail of sms op de hoogte gebracht van het bedrag en de datum van elke domiciliëring. De referentie van het mandaat, de datum ervan en de laatste vier cijfers van uw IBAN worden in uw dossier bewaard en in elke vooraankondiging vermeld. U kunt een termijn ook per overschrijving betalen, op de rekening hieronder met precies deze mededeling.",
		missedSEPA:  " Een geweigerde domiciliëring wordt opnieuw aangeboden na een nieuwe vooraankondiging, hoogstens %d pogingen. Eindigt het mandaat, dan worden de overige termijnen per overschrijving betaald.",
		interestOn:  "De verwijlintresten lopen tijdens de overeenkomst verder op de resterende hoofdsom; ze worden na de laatste termijn gevorderd.",
		interestOff: "Zolang de overeenkomst wordt nageleefd, ziet de schuldeiser af van verwijlintresten na de overeenkomst.",
		ackTitle:    "Schuldbekentenis",
		signed:      "Online aanvaard op", id: "Referentie van de overeenkomst", down: "Voorschot", instalment: "Termijn",
		payTitle:    "Betaling",
		payTransfer: "Betaal elke termijn per overschrijving op de rekening hieronder, met precies deze mededeling: zo wordt uw betaling herkend.",
		payCard:     "Elke termijn wordt op de vervaldag van uw kaart geïnd. Wilt u een termijn per overschrijving betalen, gebruik dan de rekening hieronder met precies deze mededeling.",
		beneficiary: "Begunstigde", reference: "Te vermelden mededeling",
		noIBAN:          "De schuldeiser bezorgt u op verzoek zijn bankgegevens.",
		missedTitle:     "Bij laattijdige of uitblijvende betaling",
		missed:          "Een termijn die %d dagen na de vervaldag niet betaald is, geldt als gemist. Na %d gemiste termijnen, of als een termijn meer dan %d dagen onbetaald blijft, eindigt de overeenkomst: de invordering wordt hervat voor het saldo dat dan nog verschuldigd is, na aftrek van de ontvangen betalingen%s.",
		missedInterest:  ", en de verzaking aan de verwijlintresten vervalt",
		missedCard:      " Een geweigerde inning wordt %d dagen later opnieuw aangeboden (ten hoogste %d pogingen).",
		legalTitle:      "Wettelijk kader",
		legalFR:         "Deze overeenkomst valt onder het Franse recht. De betalingstermijnen ervan worden minnelijk door de schuldeiser toegestaan; de rechter kan de betaling van de verschuldigde bedragen ook uitstellen of spreiden, binnen een termijn van twee jaar (Frans Burgerlijk Wetboek, artikel 1343-5).",
		legalBE:         "Deze overeenkomst valt onder het Belgische recht. De betalingstermijnen ervan worden minnelijk door de schuldeiser toegestaan; de rechter kan ook uitstel van betaling toestaan (oud Burgerlijk Wetboek, artikel 1244).",
		legalBEConsumer: "Omdat de schuldenaar een consument is, blijft de minnelijke invordering van zijn schuld onderworpen aan boek XIX van het Wetboek van economisch recht (schulden van de consument), dat beperkt welke bedragen van hem gevorderd kunnen worden.",
		ackFR:           "Ik erken het hierboven vermelde bedrag voor dit dossier aan de schuldeiser verschuldigd te zijn. Deze erkenning stuit de verjaring (Frans Burgerlijk Wetboek, artikel 2240).",
		ackBE:           "Ik erken het hierboven vermelde bedrag voor dit dossier aan de schuldeiser verschuldigd te zijn. Deze erkenning stuit de verjaring (oud Burgerlijk Wetboek, artikel 2248).",
		at:              "%s om %s",
		kinds:           map[negotiation.Kind]string{negotiation.KindPlan: "Afbetalingsplan", negotiation.KindSettlement: "Minnelijke schikking", negotiation.KindPromise: "Betalingsbelofte"}},
	"en": {title: "Payment agreement", ack: "and acknowledgement of debt", creditor: "Creditor", creditorID: "Company number",
		contact: "Creditor's contact", debtor: "Debtor",
		claim: "Claim", balance: "Balance due on the date of the agreement", kind: "Kind of agreement", schedule: "Schedule", due: "Due on",
		amount: "Amount", total: "Total", method: "Payment method", card: "card (automatic charge)", transfer: "bank transfer",
		sepa: "SEPA Direct Debit", sepaBancontact: "SEPA Direct Debit (mandate given through Bancontact)",
		paySEPA:     "Each instalment is debited from your account on its date, under a SEPA Direct Debit mandate you give on the secure page of our payment provider, Stripe, right after this acceptance. You are told the amount and date of each debit at least %d days ahead, by e-mail or SMS. The mandate's reference, its date and the last four digits of your IBAN are kept in your file and quoted in each pre-notification. You may also pay an instalment by transfer, to the account below with exactly this reference.",
		missedSEPA:  " A returned debit is presented again after a new pre-notification, %d attempts at most. If the mandate ends, the remaining instalments are paid by transfer.",
		interestOn:  "Late-payment interest keeps running on the unpaid principal during the agreement; it will be claimed after the last instalment.",
		interestOff: "As long as the agreement is kept, the creditor waives late-payment interest after the agreement.",
		ackTitle:    "Acknowledgement of debt",
		signed:      "Accepted online on", id: "Agreement reference", down: "Down payment", instalment: "Instalment",
		payTitle:    "Payment",
		payTransfer: "Pay each instalment by bank transfer to the account below, quoting exactly this reference: it is how your payment is recognised.",
		payCard:     "Each instalment is charged to your card on its due date. To pay an instalment by bank transfer instead, use the account below and quote exactly this reference.",
		beneficiary: "Beneficiary", reference: "Reference to quote",
		noIBAN:          "The creditor will give you its bank details on request.",
		missedTitle:     "If a payment is late or missed",
		missed:          "An instalment not paid %d days after its due date counts as missed. After %d missed instalments, or when an instalment stays unpaid more than %d days, the agreement ends: recovery resumes for the balance then outstanding, less the payments received%s.",
		missedInterest:  ", and the creditor's waiver of late-payment interest ends",
		missedCard:      " A declined card charge is presented again %d days later (at most %d attempts).",
		legalTitle:      "Legal basis",
		legalFR:         "This agreement is governed by French law. Its payment terms are granted amicably by the creditor; a court may also postpone or spread the payment of the sums due, over up to two years (French Code civil, article 1343-5).",
		legalBE:         "This agreement is governed by Belgian law. Its payment terms are granted amicably by the creditor; a court may also grant a period of grace (former Belgian Civil Code, article 1244).",
		legalBEConsumer: "As the debtor is a consumer, the amicable recovery of the debt remains subject to Book XIX of the Belgian Code of Economic Law (consumer debts), which limits the sums that may be claimed from them.",
		ackFR:           "I acknowledge owing the creditor the sum stated above on this claim. This acknowledgement interrupts prescription (French Code civil, article 2240).",
		ackBE:           "I acknowledge owing the creditor the sum stated above on this claim. This acknowledgement interrupts prescription (former Belgian Civil Code, article 2248).",
		at:              "%s at %s",
		kinds:           map[negotiation.Kind]string{negotiation.KindPlan: "Instalment plan", negotiation.KindSettlement: "Settlement", negotiation.KindPromise: "Promise to pay"}},
	"de": {title: "Zahlungsvereinbarung", ack: "und Schuldanerkenntnis", creditor: "Gläubiger", creditorID: "Unternehmensnummer",
		contact: "Kontakt des Gläubigers", debtor: "Schuldner",
		claim: "Forderung", balance: "Geschuldeter Betrag am Tag der Vereinbarung", kind: "Art der Vereinbarung", schedule: "Zahlungsplan", due: "Fällig am",
		amount: "Betrag", total: "Summe", method: "Zahlungsart", card: "Karte (automatische Abbuchung)", transfer: "Banküberweisung",
		sepa: "SEPA-Lastschrift", sepaBancontact: "SEPA-Lastschrift (Mandat über Bancontact erteilt)",
		paySEPA:     "Jede Rate wird an ihrem Fälligkeitstag von Ihrem Konto eingezogen, aufgrund eines SEPA-Lastschriftmandats, das Sie unmittelbar nach dieser Annahme auf der sicheren Seite unseres Zahlungsdienstleisters Stripe erteilen. Betrag und Datum jeder Lastschrift werden Ihnen mindestens %d Tage vorher per E-Mail oder SMS angekündigt. Referenz und Datum des Mandats sowie die letzten vier Ziffern Ihrer IBAN werden in Ihrem Vorgang aufbewahrt und in jeder Vorabankündigung genannt. Sie können eine Rate auch per Überweisung zahlen, auf das unten genannte Konto mit genau dieser Referenz.",
		missedSEPA:  " Eine zurückgegebene Lastschrift wird nach einer neuen Vorabankündigung erneut eingereicht, höchstens %d Versuche. Endet das Mandat, werden die übrigen Raten per Überweisung gezahlt.",
		interestOn:  "Verzugszinsen laufen während der Vereinbarung auf die offene Hauptforderung weiter; sie werden nach der letzten Rate gefordert.",
		interestOff: "Solange die Vereinbarung eingehalten wird, verzichtet der Gläubiger auf Verzugszinsen nach der Vereinbarung.",
		ackTitle:    "Schuldanerkenntnis",
		signed:      "Online angenommen am", id: "Referenz der Vereinbarung", down: "Anzahlung", instalment: "Rate",
		payTitle:    "Zahlung",
		payTransfer: "Zahlen Sie jede Rate per Überweisung auf das unten genannte Konto und geben Sie genau diese Referenz an: daran wird Ihre Zahlung erkannt.",
		payCard:     "Jede Rate wird am Fälligkeitstag von Ihrer Karte abgebucht. Wenn Sie eine Rate lieber überweisen, nutzen Sie das unten genannte Konto und geben Sie genau diese Referenz an.",
		beneficiary: "Empfänger", reference: "Anzugebende Referenz",
		noIBAN:          "Der Gläubiger teilt Ihnen seine Bankverbindung auf Anfrage mit.",
		missedTitle:     "Bei verspäteter oder ausbleibender Zahlung",
		missed:          "Eine Rate, die %d Tage nach Fälligkeit nicht bezahlt ist, gilt als versäumt. Nach %d versäumten Raten, oder wenn eine Rate länger als %d Tage unbezahlt bleibt, endet die Vereinbarung: die Beitreibung wird für den dann noch offenen Betrag fortgesetzt, abzüglich der erhaltenen Zahlungen%s.",
		missedInterest:  ", und der Verzicht auf Verzugszinsen entfällt",
		missedCard:      " Eine abgelehnte Abbuchung wird %d Tage später erneut versucht (höchstens %d Versuche).",
		legalTitle:      "Rechtlicher Rahmen",
		legalFR:         "Diese Vereinbarung unterliegt französischem Recht. Ihre Zahlungsfristen gewährt der Gläubiger gütlich; auch das Gericht kann die Zahlung der geschuldeten Beträge um bis zu zwei Jahre aufschieben oder staffeln (französischer Code civil, Artikel 1343-5).",
		legalBE:         "Diese Vereinbarung unterliegt belgischem Recht. Ihre Zahlungsfristen gewährt der Gläubiger gütlich; auch das Gericht kann einen Zahlungsaufschub gewähren (früheres belgisches Zivilgesetzbuch, Artikel 1244).",
		legalBEConsumer: "Da der Schuldner Verbraucher ist, bleibt die gütliche Beitreibung seiner Schuld Buch XIX des belgischen Wirtschaftsgesetzbuchs (Schulden des Verbrauchers) unterworfen, das begrenzt, welche Beträge von ihm verlangt werden dürfen.",
		ackFR:           "Ich erkenne an, dem Gläubiger den oben genannten Betrag aus dieser Forderung zu schulden. Dieses Anerkenntnis unterbricht die Verjährung (französischer Code civil, Artikel 2240).",
		ackBE:           "Ich erkenne an, dem Gläubiger den oben genannten Betrag aus dieser Forderung zu schulden. Dieses Anerkenntnis unterbricht die Verjährung (früheres belgisches Zivilgesetzbuch, Artikel 2248).",
		at:              "%s um %s",
		kinds:           map[negotiation.Kind]string{negotiation.KindPlan: "Ratenzahlung", negotiation.KindSettlement: "Vergleich", negotiation.KindPromise: "Zahlungsversprechen"}},
}

// Page geometry, in millimetres (A4).
const (
	margin = 20.0
	width  = 170.0
	labelW = 62.0
)

// Render returns the PDF bytes.
func Render(in Input) ([]byte, error) {
	lang := in.Language
	t, ok := catalogue[lang]
	if !ok {
		lang, t = "en", catalogue["en"]
	}
	a, c := in.Agreement, in.Claim
	if a == nil || c == nil || c.Creditor == nil || c.Debtor == nil {
		return nil, fmt.Errorf("agreement pdf: agreement and claim with creditor and debtor are required")
	}
	cur := c.Currency
	if a.Schedule.Currency != "" {
		cur = a.Schedule.Currency
	}
	money := func(v int64) string { return letters.Money(lang, v, cur) }
	date := func(d portal.Date) string { return letters.FormatDate(lang, d) }

	f, d := newDocument(in.SignedAt, t.title, c.Reference, a.ID)
	d.AddPage()

	d.Font("B", 16)
	title := t.title
	if in.Acknowledged {
		title += " " + t.ack
	}
	d.MultiCell(0, 8, d.Str(title), "", "L", false)
	d.Ln(4)
	// line is a label and its value side by side, each wrapped in its
	// column: a long label never runs over the value.
	line := func(label, value string) {
		d.Row([]pdffont.Cell{{W: labelW, Text: label, Style: "B"}, {W: width - labelW, Text: value}}, 10, 5.5, "", false)
		d.Ln(0.8)
	}
	heading := func(s string) {
		d.Ln(3)
		d.KeepSpace(8 + 3*5)
		d.Font("B", 12)
		d.MultiCell(0, 8, d.Str(s), "", "L", false)
	}
	para := func(s string) {
		d.Font("", 10)
		d.MultiCell(0, 5, d.Str(s), "", "L", false)
	}

	cr := c.Creditor
	line(t.creditor, cr.LegalName+nonEmpty(", ", oneLine(cr.Address)))
	if cr.CompanyNumber != "" {
		line(t.creditorID, cr.CompanyNumber)
	}
	if contact := strings.TrimSpace(strings.Join(nonBlank(cr.Email, cr.Phone), " · ")); contact != "" {
		line(t.contact, contact)
	}
	db := c.Debtor
	line(t.debtor, db.Name+nonEmpty(", ", strings.Join(nonBlank(oneLine(db.Address), db.Postcode), " ")))
	line(t.claim, c.Reference)
	line(t.balance, money(a.Balance))
	line(t.kind, t.kinds[in.Terms.Kind])
	card := a.Schedule.Method == negotiation.MethodCard
	sepa := a.Schedule.Method == negotiation.MethodSEPADebit
	notice := a.Schedule.NoticeDays
	if notice <= 0 || notice > portal.DefaultDebitNoticeDays {
		notice = portal.DefaultDebitNoticeDays
	}
	if in.Terms.Kind == negotiation.KindPlan {
		m := t.transfer
		switch {
		case card:
			m = t.card
		case sepa && a.Schedule.MandateVia == negotiation.PayBancontact:
			m = t.sepaBancontact
		case sepa:
			m = t.sepa
		}
		line(t.method, m)
	}

	heading(t.schedule)
	cols := []float64{56, 57, 57}
	d.Row([]pdffont.Cell{{W: cols[0], Text: t.instalment, Style: "B"}, {W: cols[1], Text: t.due, Style: "B"}, {W: cols[2], Text: t.amount, Style: "B", Align: "R"}}, 10, 7, "1", false)
	for _, it := range a.Schedule.Instalments {
		label := fmt.Sprintf("%s %d", t.instalment, it.Seq)
		if it.Seq == 0 {
			label = t.down
		}
		d.Row([]pdffont.Cell{{W: cols[0], Text: label}, {W: cols[1], Text: date(it.DueOn)}, {W: cols[2], Text: money(it.Amount), Align: "R"}}, 10, 7, "1", false)
	}
	d.Row([]pdffont.Cell{{W: cols[0] + cols[1], Text: t.total, Style: "B"}, {W: cols[2], Text: money(a.Schedule.Total), Style: "B", Align: "R"}}, 10, 7, "1", false)
	d.Ln(4)
	if in.Terms.Kind == negotiation.KindPlan {
		if a.InterestDuringPlan {
			para(t.interestOn)
		} else {
			para(t.interestOff)
		}
	}

	// How to pay.
	heading(t.payTitle)
	ref := in.PaymentReference
	if ref == "" {
		ref = c.Reference
	}
	if banking.ValidateIBAN(cr.IBAN) == nil {
		switch {
		case card:
			para(t.payCard)
		case sepa:
			para(fmt.Sprintf(t.paySEPA, notice))
		default:
			para(t.payTransfer)
		}
		d.Ln(1.5)
		line(t.beneficiary, cr.LegalName)
		line("IBAN", banking.FormatIBAN(cr.IBAN))
		if cr.BIC != "" && banking.ValidateBIC(cr.BIC) == nil {
			line("BIC", banking.NormalizeBIC(cr.BIC))
		}
		line(t.reference, ref)
	} else {
		if card {
			para(t.payCard)
		}
		if sepa {
			para(fmt.Sprintf(t.paySEPA, notice))
		}
		para(t.noIBAN)
		line(t.reference, ref)
	}

	// A missed payment.
	heading(t.missedTitle)
	p := in.Plan.WithDefaults()
	interest := ""
	if in.Terms.Kind == negotiation.KindPlan && !a.InterestDuringPlan {
		interest = t.missedInterest
	}
	text := fmt.Sprintf(t.missed, p.RetryAfterDays, p.MaxMissed, p.MaxDaysLate, interest)
	if card {
		text += fmt.Sprintf(t.missedCard, p.RetryAfterDays, p.MaxAttempts)
	}
	if sepa {
		text += fmt.Sprintf(t.missedSEPA, p.MaxAttempts)
	}
	para(text)

	// The law of the claim's jurisdiction.
	heading(t.legalTitle)
	ack := t.ackFR
	if c.Jurisdiction == portal.JurisdictionBE {
		para(t.legalBE)
		if db.Kind == portal.DebtorConsumer {
			d.Ln(1.5)
			para(t.legalBEConsumer)
		}
		ack = t.ackBE
	} else {
		para(t.legalFR)
	}
	if in.Acknowledged {
		heading(t.ackTitle)
		para(ack)
	}

	d.Ln(6)
	zone := in.Zone
	if zone == nil {
		zone = portal.Zone()
	}
	at := in.SignedAt.In(zone)
	line(t.signed, fmt.Sprintf(t.at, date(portal.DateOf(at)), at.Format("15:04")+" (UTC"+at.Format("-07:00")+")"))
	line(t.id, a.ID)
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, fmt.Errorf("agreement pdf: %w", err)
	}
	return buf.Bytes(), nil
}

// newDocument starts an A4 document of an agreement, dated at (so that the
// same input gives the same bytes): every page names the agreement and
// counts the pages, so that none can go missing unnoticed.
func newDocument(at time.Time, title, reference, agreementID string) (*fpdf.Fpdf, *pdffont.Doc) {
	f := fpdf.New("P", "mm", "A4", "")
	f.SetCreationDate(at.UTC())
	f.SetModificationDate(at.UTC())
	f.SetCatalogSort(true)
	f.SetTitle(title+" "+reference, true)
	f.SetAuthor("Relais", true)
	f.SetMargins(margin, margin, margin)
	f.SetAutoPageBreak(true, margin)
	d := pdffont.New(f)
	d.PageFooter(14, 8, func(page int) string {
		return fmt.Sprintf("%s %s - %s - %d/{nb}", title, reference, agreementID, page)
	})
	return f, d
}

func nonEmpty(sep, s string) string {
	if s == "" {
		return ""
	}
	return sep + s
}

func nonBlank(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }), ", ")
}
