package court

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/go-pdf/fpdf"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/letters"
	"github.com/relais/relais/portal/pdffont"
	"github.com/relais/relais/portal/rules"
)

// FRInput is everything the French request and its bordereau say.
type FRInput struct {
	// Claim with its Creditor, Debtor, Invoices and Payments loaded.
	Claim *portal.Claim
	// Balance is the claim's balance on Date (rules.Rates.Compute): every
	// amount printed comes from it.
	Balance *rules.Balance
	Court   Court
	// Representative is who files for the creditor (the agency or law firm
	// tenant); "" when the creditor files itself.
	Representative string
	Exhibits       []Exhibit
	// MoreEvents counts the events left out of Exhibits (Exhibits' more).
	MoreEvents int
	// Head and Fingerprint are the bundle's chain head and signing key, as
	// its manifest gives them.
	Head        evidence.Head
	Fingerprint string
	// Date is the day of issue, printed and used as the PDF's dates.
	Date portal.Date
	// BordereauOnly renders the bordereau de pièces alone.
	BordereauOnly bool
	// Uncompressed writes the page content streams uncompressed (tests).
	Uncompressed bool
	// Draft marks every page as a draft not recorded (markDraft).
	Draft bool
}

type frDoc struct {
	*pdffont.Doc
	cur portal.Currency
	n   int
	// lang is the document's language for amounts ("" is French).
	lang string
}

func (d *frDoc) money(v int64) string {
	lang := d.lang
	if lang == "" {
		lang = "fr"
	}
	return letters.Money(lang, v, d.cur)
}

func (d *frDoc) h1(s string) {
	d.n++
	d.Ln(3)
	d.KeepSpace(7 + 3*5.5)
	d.Font("B", 12.5)
	d.MultiCell(0, 7, d.Str(fmt.Sprintf("%d. %s", d.n, s)), "", "L", false)
	d.Ln(1)
}

func (d *frDoc) h2(s string) {
	d.Ln(1)
	d.KeepSpace(6 + 2*5)
	d.Font("B", 10.5)
	d.MultiCell(0, 6, d.Str(s), "", "L", false)
}

// kv is "label : value" on one flowing line, so that a reader (or a
// greffe copying it) reads each value after its label.
func (d *frDoc) kv(k, v string) {
	d.KeepSpace(5.2 * 2)
	d.Font("B", 10)
	d.Write(5.2, d.Str(k+"\u00a0: "))
	d.Font("", 10)
	d.Write(5.2, d.Str(v))
	d.Ln(5.6)
}

func (d *frDoc) para(size float64, style, s string) {
	d.Font(style, size)
	d.MultiCell(0, size*0.5, d.Str(s), "", "L", false)
}

func (d *frDoc) amount(label string, v int64, style string) {
	d.Row([]pdffont.Cell{{W: 124, Text: label, Style: style}, {W: 0, Text: d.money(v), Align: "R", Style: style}}, 10, 5.5, "", false)
}

// toComplete marks a field Relais cannot fill.
const toComplete = "…………………… (à compléter)"

// RenderFR returns the requête en injonction de payer followed by its
// bordereau de pièces (or the bordereau alone), in French. It does not
// check the claim: call CheckFR first.
func RenderFR(in FRInput) ([]byte, error) {
	c, b := in.Claim, in.Balance
	if c == nil || c.Creditor == nil || c.Debtor == nil || b == nil {
		return nil, fmt.Errorf("court: the claim with its creditor and debtor, and its balance, are required")
	}
	f := fpdf.New("P", "mm", "A4", "")
	f.SetCompression(!in.Uncompressed)
	f.SetCreationDate(in.Date.Time())
	f.SetModificationDate(in.Date.Time())
	f.SetCatalogSort(true)
	title := "Requête en injonction de payer"
	if in.BordereauOnly {
		title = "Bordereau de pièces"
	}
	if in.Draft {
		f.SetTitle(DraftMark("fr")+" - "+title+" - "+c.Reference, true)
	} else {
		f.SetTitle(title+" - "+c.Reference, true)
	}
	f.SetAuthor(c.Creditor.LegalName, true)
	f.SetCreator("Relais", false)
	f.SetProducer("Relais", false)
	f.SetMargins(18, 18, 18)
	f.SetAutoPageBreak(true, 20)
	d := &frDoc{Doc: pdffont.New(f), cur: c.Currency}
	d.PageFooter(12, 7.5, func(page int) string {
		return fmt.Sprintf("%s – dossier %s – chaîne arrêtée à l'événement n° %d – page %d/{nb}", title, c.Reference, in.Head.Seq, page)
	})
	if in.Draft {
		d.markDraft("fr")
	}
	if !in.BordereauOnly {
		d.request(in)
	}
	d.bordereau(in)
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (d *frDoc) request(in FRInput) {
	c, b, ct := in.Claim, in.Balance, in.Court
	cr, db := c.Creditor, c.Debtor
	d.AddPage()
	d.Font("B", 17)
	d.MultiCell(0, 8, d.Str("REQUÊTE EN INJONCTION DE PAYER"), "", "C", false)
	d.para(9.5, "", "Articles 1405 à 1425 du code de procédure civile")
	d.Ln(3)
	d.para(10.5, "B", "À "+ct.Addressee+" dont le ressort comprend "+ct.Locality+" ("+ct.Postcode+")")
	d.Ln(1)

	d.h1("Juridiction saisie")
	d.kv("Juridiction", ct.Name)
	d.kv("Lieu déterminant", ct.Locality+" ("+ct.Postcode+"), département "+ct.Department)
	d.kv("Motif", ct.Basis)
	d.kv("Adresse du greffe", toComplete)
	for _, n := range ct.Notes {
		d.para(8, "I", "– "+n)
	}

	d.h1("Demandeur (créancier)")
	d.kv("Dénomination", cr.LegalName)
	form := LegalForm(cr.LegalName)
	if form == "" {
		form = toComplete
	} else {
		form += " (d'après la dénomination)"
	}
	d.kv("Forme", form)
	if siren, ok := SIREN(cr.CompanyNumber); ok && (cr.Country == "" || cr.Country == "FR") {
		d.kv("SIREN", siren[:3]+" "+siren[3:6]+" "+siren[6:])
		d.kv("RCS", "RCS "+toComplete+" (ville du greffe d'immatriculation) "+siren[:3]+" "+siren[3:6]+" "+siren[6:])
	} else {
		d.kv("N° d'immatriculation", strings.TrimSpace(cr.CompanyNumber+" ("+cr.Country+")"))
	}
	if cr.VATNumber != "" {
		d.kv("N° de TVA", cr.VATNumber)
	}
	d.kv("Siège social", strings.TrimSpace(oneLineAddr(cr.Address)+" "+countryName(cr.Country)))
	d.kv("Représentant légal", toComplete+" (organe qui représente légalement la société)")
	if in.Representative != "" {
		d.Ln(1)
		d.kv("Mandataire", in.Representative+", qui présente la requête pour le créancier (CPC art. 1407 : la requête est remise au greffe par le créancier ou par tout mandataire). Son pouvoir est à joindre s'il n'est ni avocat ni commissaire de justice.")
	}

	d.h1("Défendeur (débiteur)")
	if db.Kind == portal.DebtorBusiness {
		d.kv("Dénomination", db.Name)
		form := LegalForm(db.Name)
		if form == "" {
			form = toComplete
		}
		d.kv("Forme", form)
		d.kv("Siège social", strings.TrimSpace(oneLineAddr(db.Address)+" "+countryName(db.Country)))
		d.kv("Représentant légal", toComplete)
	} else {
		d.kv("Nom et prénoms", db.Name)
		d.kv("Domicile", strings.TrimSpace(oneLineAddr(db.Address)+" "+countryName(db.Country)))
		if !db.BirthDate.IsZero() {
			d.kv("Date de naissance", frDate(db.BirthDate))
		}
		d.kv("Qualité", "consommateur (personne physique agissant hors de son activité professionnelle)")
	}
	if db.CustomerNumber != "" {
		d.kv("N° de client", db.CustomerNumber)
	}

	d.h1("Montant de la somme réclamée et décompte")
	d.para(10, "", fmt.Sprintf("Le demandeur réclame la somme de %s, arrêtée au %s, qui se décompose ainsi :", d.money(b.Total), frDate(b.AsOf)))
	d.Ln(1)
	d.amount("Principal restant dû", b.PrincipalDue, "")
	interestTo := b.AsOf
	if !b.Complete {
		interestTo = b.ComputedTo
	}
	d.amount("Intérêts de retard échus au "+frDate(interestTo), b.InterestDue, "")
	d.amount("Indemnités forfaitaires pour frais de recouvrement", b.IndemnitiesDue, "")
	d.amount("Total réclamé", b.Total, "B")

	d.h2("Principal")
	for _, inv := range b.Invoices {
		line := fmt.Sprintf("Facture n° %s, échéance %s : %s", inv.Number, frDate(inv.DueDate), d.money(inv.Amount))
		if inv.CreditNotes != 0 {
			line += ", avoirs " + d.money(-inv.CreditNotes)
		}
		if inv.PrincipalPaid != 0 {
			line += ", payé " + d.money(inv.PrincipalPaid)
		}
		line += " ; reste dû " + d.money(inv.PrincipalDue)
		d.para(9, "", line)
	}
	if b.Paid != 0 {
		d.para(9, "", fmt.Sprintf("Paiements reçus : %s au total, imputés d'abord sur les intérêts puis sur le principal (C. civ. art. 1342-10, 1343-1), sauf choix du débiteur ; détail en pièces.", d.money(b.Paid)))
		for _, p := range c.Payments {
			if !p.ReceivedOn.After(b.AsOf) {
				d.para(8.5, "", "– "+frDate(p.ReceivedOn)+" : "+d.money(p.Amount))
			}
		}
	}

	d.h2("Intérêts de retard (taux et période)")
	periods := 0
	var interestPaid int64
	for _, inv := range b.Invoices {
		interestPaid += inv.InterestPaid
		for _, p := range inv.Periods {
			periods++
			d.para(9, "", fmt.Sprintf("Facture n° %s : du %s au %s, %d jours au taux de %s l'an sur %s = %s (%s)",
				inv.Number, frDate(p.From), frDate(p.To), p.Days, rateFR(p.RateBP), d.money(p.Base), d.money(p.Amount), evidence.RuleBasis("fr", p.Rule)))
		}
	}
	if periods == 0 {
		d.para(9, "", "Aucun intérêt échu à cette date.")
	}
	if interestPaid != 0 {
		d.para(9, "", "Intérêts déjà réglés par imputation des paiements : "+d.money(interestPaid)+".")
	}
	d.para(8.5, "I", "Chaque période est calculée sur 365 jours, arrondie au centime.")
	if !b.Complete {
		d.para(9, "", "Les intérêts sont arrêtés au "+frDate(b.ComputedTo)+" : le taux des jours suivants n'est pas encore publié.")
	}

	d.h2("Indemnités")
	if len(b.IndemnityLines) == 0 {
		d.para(9, "", "Aucune indemnité n'est réclamée.")
	}
	for _, l := range b.IndemnityLines {
		what := "Indemnité forfaitaire pour frais de recouvrement"
		if l.InvoiceNumber != "" {
			what += ", facture n° " + l.InvoiceNumber
		}
		line := fmt.Sprintf("%s : %s, due depuis le %s (%s)", what, d.money(l.Amount), frDate(l.On), evidence.RuleBasis("fr", l.Rule))
		if l.Paid != 0 {
			line += ", dont payé " + d.money(l.Paid)
		}
		d.para(9, "", line)
	}

	d.h1("Fondement de la créance")
	nums := make([]string, 0, len(c.Invoices))
	for _, inv := range c.Invoices {
		nums = append(nums, inv.Number)
	}
	d.para(10, "", "Créance de nature contractuelle, d'un montant déterminé (CPC art. 1405, 1°) : le prix des fournitures ou prestations facturées par le demandeur au défendeur, factures n° "+strings.Join(nums, ", ")+", exigible à l'échéance de chaque facture et resté impayé.")
	d.kv("Nature des prestations", toComplete+" (objet du contrat ou des commandes)")
	d.para(10, "", noticeText(c, in.Exhibits)+" ; cette mise en demeure est restée sans effet.")
	var bases []string
	for _, r := range b.Rules {
		text := evidence.RuleText("fr", r.Key)
		if text == "" {
			continue
		}
		bases = append(bases, "– "+evidence.RuleBasis("fr", r.Key)+" : "+text)
	}
	if len(bases) > 0 {
		d.para(9, "", "Règles de calcul appliquées :\n"+strings.Join(bases, "\n"))
	}
	if r := exhibitRange(in.Exhibits, ExDispute); r != "" {
		d.para(10, "", "Contestations du débiteur et leur examen : "+r+".")
	}
	if r := exhibitRange(in.Exhibits, ExAcknowledge); r != "" {
		d.para(10, "", "Reconnaissances de dette, offres et plans du débiteur : "+r+".")
	}

	d.h1("Pièces")
	d.para(10, "", fmt.Sprintf("La requête est accompagnée du bordereau des %d pièces produites à l'appui (CPC art. 1407), ci-après ; chaque pièce y porte l'empreinte SHA-256 de son fichier dans le dossier de preuve Relais.", len(in.Exhibits)))

	d.h1("Demande")
	later := "au taux de l'intérêt légal"
	if c.Debtor.Kind == portal.DebtorBusiness {
		later = "au taux de l'article L441-10 du code de commerce"
	}
	d.para(10, "", fmt.Sprintf("Par ces motifs, le demandeur prie %s de bien vouloir, par application des articles 1405 et suivants du code de procédure civile, enjoindre à %s de payer à %s la somme de %s en principal, intérêts et indemnités arrêtés au %s, outre les intérêts %s sur le principal à compter du %s jusqu'à parfait paiement, et les dépens.",
		ct.Addressee, db.Name, cr.LegalName, d.money(b.Total), frDate(b.AsOf), later, frDate(interestTo.AddDays(1))))
	d.Ln(3)
	d.para(10, "", "Fait à "+toComplete+", le "+frDate(in.Date)+".")
	d.Ln(2)
	d.para(10, "", "Signature du demandeur ou de son mandataire :")
	d.Ln(14)

	d.h1("À compléter à la main avant le dépôt")
	for _, s := range toAdd(in) {
		d.para(9, "", "– "+s)
	}
}

// toAdd lists what the creditor must write or join by hand.
func toAdd(in FRInput) []string {
	c := in.Claim
	out := []string{"l'adresse du greffe de la juridiction (Relais ne tient pas d'annuaire des juridictions)"}
	if LegalForm(c.Creditor.LegalName) == "" {
		out = append(out, "la forme sociale du demandeur")
	}
	out = append(out, "la ville du greffe où le demandeur est immatriculé au RCS, et l'organe qui le représente légalement")
	if c.Debtor.Kind == portal.DebtorBusiness {
		out = append(out, "la forme et le représentant légal du défendeur, s'ils sont connus")
	}
	out = append(out, "la nature des prestations (objet du contrat ou des commandes)")
	if in.Representative != "" {
		out = append(out, "le pouvoir du mandataire, s'il n'est ni avocat ni commissaire de justice")
	}
	for _, ex := range in.Exhibits {
		if ex.ToAdd != "" {
			out = append(out, fmt.Sprintf("pièce n° %d : %s", ex.Number, ex.ToAdd))
		}
	}
	out = append(out, "le lieu, la date du dépôt et la signature",
		"le formulaire Cerfa de la juridiction s'il est exigé (n° 12948 devant le tribunal judiciaire, n° 12946 devant le tribunal de commerce) : cette requête en reprend les mentions sans remplir le Cerfa")
	return out
}

func (d *frDoc) bordereau(in FRInput) {
	c := in.Claim
	d.AddPage()
	d.n = 0
	d.Font("B", 16)
	d.MultiCell(0, 8, d.Str("BORDEREAU DES PIÈCES"), "", "C", false)
	d.para(9.5, "", "produites à l'appui de la requête en injonction de payer (CPC art. 1407)")
	d.Ln(2)
	d.kv("Demandeur", c.Creditor.LegalName)
	d.kv("Défendeur", c.Debtor.Name)
	d.kv("Dossier", c.Reference)
	d.kv("Date", frDate(in.Date))
	d.Ln(2)
	d.para(9, "", fmt.Sprintf("Les pièces sont celles du dossier de preuve Relais du dossier %s (%s), arrêté à l'événement n° %d de sa chaîne, d'empreinte %s, dont le manifeste est signé en Ed25519 (clé %s). "+
		"Pour une pièce-fichier, l'empreinte donnée est le SHA-256 du fichier, identique à celle que le manifest.json du dossier de preuve lui donne ; pour un fait enregistré (paiement, offre, envoi), c'est l'empreinte de l'événement dans events.jsonl. "+
		"La page verify.html jointe au dossier de preuve vérifie hors ligne chaque empreinte, la chaîne et la signature.",
		c.Reference, evidence.BundleFileName(c.Reference, c.ID), in.Head.Seq, in.Head.Hash, in.Fingerprint))
	d.Ln(2)
	for _, ex := range in.Exhibits {
		d.KeepSpace(5 + 4.5 + 4.5)
		title := fmt.Sprintf("Pièce n° %d – %s", ex.Number, ex.Title)
		if !ex.Date.IsZero() && !strings.Contains(ex.Title, frDate(ex.Date)) {
			title += " (" + frDate(ex.Date) + ")"
		}
		d.para(9.5, "B", title)
		if ex.File != "" {
			d.para(8.5, "", "Fichier du dossier de preuve : "+ex.File)
			d.Mono(8)
			d.MultiCell(0, 4.2, "SHA-256 "+ex.SHA256, "", "L", false)
		}
		if ex.EventSeq != 0 {
			d.para(8.5, "", fmt.Sprintf("Événement n° %d du journal (events.jsonl), empreinte :", ex.EventSeq))
			d.Mono(8)
			d.MultiCell(0, 4.2, "SHA-256 "+ex.EventHash, "", "L", false)
		}
		if ex.ToAdd != "" {
			d.para(8.5, "I", "À joindre : "+ex.ToAdd)
		}
		d.Ln(1.5)
	}
	if in.MoreEvents > 0 {
		d.para(9, "", fmt.Sprintf("… et %d autres faits enregistrés (paiements, offres, contestations) : voir events.jsonl et dossier.pdf.", in.MoreEvents))
	}
}

func exhibitRange(list []Exhibit, kind string) string {
	var nums []string
	for _, ex := range list {
		if ex.Kind == kind {
			nums = append(nums, fmt.Sprint(ex.Number))
		}
	}
	switch len(nums) {
	case 0:
		return ""
	case 1:
		return "pièce n° " + nums[0]
	}
	return "pièces n° " + strings.Join(nums, ", ")
}

func rateFR(bp int64) string {
	return strings.Replace(portal.FormatMinor(bp, 2), ".", ",", 1) + "\u00a0%"
}

func oneLineAddr(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }), ", ")
}

func countryName(code string) string {
	switch code {
	case "", "FR":
		return "(France)"
	case "BE":
		return "(Belgique)"
	case "DE":
		return "(Allemagne)"
	}
	return "(" + code + ")"
}

// noticeText says when and how the debtor was put on notice, citing the
// exhibits that prove it.
func noticeText(c *portal.Claim, list []Exhibit) string {
	var letter, sent *Exhibit
	for i := range list {
		switch {
		case list[i].Kind == ExFormalNotice && letter == nil:
			letter = &list[i]
		case list[i].Kind == ExSending && list[i].sending != "" && letter != nil && sent == nil && list[i].letterID == letter.letterID:
			sent = &list[i]
		}
	}
	if letter == nil || letter.File == "" {
		s := "Le " + frDate(c.FormalNoticeOn) + ", le demandeur a mis le défendeur en demeure de payer"
		if letter != nil {
			s += fmt.Sprintf(" (pièce n° %d)", letter.Number)
		}
		return s
	}
	s := fmt.Sprintf("Par lettre du %s (pièce n° %d)", frDate(letter.Date), letter.Number)
	if sent != nil {
		s += fmt.Sprintf(", %s (pièce n° %d)", sent.sending, sent.Number)
	}
	return s + ", le demandeur a mis le défendeur en demeure de payer"
}
