package court

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/go-pdf/fpdf"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/escalation"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/letters"
	"github.com/relais/relais/portal/pdffont"
	"github.com/relais/relais/portal/rules"
)

// The Belgian files, in the court's language (evidence.CourtLanguage:
// Dutch for a Dutch-speaking debtor, French otherwise):
//
//   - a business debtor: the file the creditor's lawyer hands to the
//     gerechtsdeurwaarder / huissier de justice for the recovery of an
//     uncontested debt between enterprises (Code judiciaire 1394/20 ff.;
//     LEGAL.md: a summons to pay, one month to pay or contest, then the
//     claim is made enforceable);
//   - a consumer: the file for an ordinary summons (citation / dagvaarding,
//     Code judiciaire 700) with the Book XIX steps proven: the free first
//     reminder, its date and channel, the 14 days (LEGAL.md, confirmed).
//
// Unconfirmed (not in LEGAL.md), and printed as "à vérifier": the list of
// the summons' mentions (art. 1394/21), and the cap of a penalty clause in
// that procedure (10 % of the principal). Relais claims no penalty clause.

// BEInput is what a Belgian file says.
type BEInput struct {
	Claim          *portal.Claim
	Balance        *rules.Balance
	Representative string
	Exhibits       []Exhibit
	MoreEvents     int
	Head           evidence.Head
	Fingerprint    string
	Date           portal.Date
	Uncompressed   bool
	// Draft marks every page as a draft not recorded (markDraft).
	Draft bool
}

// CheckBE says whether the claim may go to the Belgian procedure its
// debtor's kind gives (uncontested B2B recovery, or a summons for a
// consumer) today. EINVALID or ECONFLICT with the reason, as CheckFR; for
// a consumer, ECONFLICT while no free first reminder is recorded or its 14
// days run (Book XIX).
func CheckBE(c *portal.Claim, b *rules.Balance, today portal.Date) error {
	if c.Jurisdiction != portal.JurisdictionBE {
		return refuseField("jurisdiction", ReasonJurisdictionBE, []string{"Law", string(c.Jurisdiction)}, "The Belgian court file is for a claim under Belgian law: this claim is under %s law.", string(c.Jurisdiction))
	}
	if c.Debtor == nil || c.Creditor == nil {
		return refuse(portal.EINVALID, ReasonParties, nil, "The claim has no creditor or no debtor.")
	}
	if ctry := c.Debtor.Country; ctry != "" && ctry != "BE" {
		return refuseField("debtor.country", ReasonDebtorAbroad, []string{"Country", ctry}, "The debtor lives in %s: for a debtor in another EU member state, use the European order for payment (Regulation 1896/2006).", ctry)
	}
	proc := escalation.ProcUncontestedB2B
	if c.Debtor.Kind == portal.DebtorConsumer {
		proc = escalation.ProcCitation
	}
	if err := readyForCourt(c, today, proc); err != nil {
		return err
	}
	if c.Debtor.Kind == portal.DebtorConsumer {
		if c.FirstReminderOn.IsZero() {
			return refuse(portal.ECONFLICT, ReasonFirstReminder, nil, "No free first reminder is recorded: a Belgian consumer owes no cost before it and its 14 days (Code of Economic Law, Book XIX). Send it, or record it (first_reminder_on, first_reminder_channel).")
		}
		if _, last := BEFreePeriod(c); !today.After(last) {
			return refuse(portal.ECONFLICT, ReasonFreePeriod, []string{"Until", last.String(), "From", last.AddDays(1).String()}, "The 14 days after the first reminder run until %s (Book XIX): the file can be made from %s.", last, last.AddDays(1))
		}
	}
	var missing []string
	cr, d := c.Creditor, c.Debtor
	if strings.TrimSpace(cr.LegalName) == "" {
		missing = append(missing, "the creditor's legal name (creditor.legal_name)")
	}
	if strings.TrimSpace(cr.Address) == "" {
		missing = append(missing, "the creditor's address (creditor.address)")
	}
	if cr.Country == "" || cr.Country == "BE" {
		if _, ok := EnterpriseNumber(cr.CompanyNumber); !ok {
			missing = append(missing, "a valid Belgian enterprise number for the creditor (creditor.company_number: 10 digits, 0xxx.xxx.xxx, modulo-97 check)")
		}
	}
	if strings.TrimSpace(d.Name) == "" {
		missing = append(missing, "the debtor's name (debtor.name)")
	}
	if pc, city := place(d.Address, d.Postcode); strings.TrimSpace(d.Address) == "" || pc == "" || city == "" {
		missing = append(missing, "the debtor's address with its postal code and town (debtor.address ending with e.g. \"9000 Gent\", debtor.postcode)")
	}
	if len(missing) > 0 {
		return refuse(portal.EINVALID, ReasonMissing, []string{"Fields", fieldNames(missing)}, "The file cannot be made: missing %s.", strings.Join(missing, "; "))
	}
	return owed(b, today)
}

// BEFreePeriod is the Book XIX period after the claim's first reminder
// (escalation.BEConsumerFreePeriod: the letters, the timeline and the
// balance name the same days).
func BEFreePeriod(c *portal.Claim) (start, last portal.Date) {
	ch := escalation.ChannelLetter
	if c.FirstReminderChannel == string(portal.ChannelEmail) {
		ch = escalation.ChannelEmail
	}
	return escalation.BEConsumerFreePeriod(c.FirstReminderOn, ch)
}

// EnterpriseNumber returns a Belgian enterprise number (KBO/BCE) written
// 0xxx.xxx.xxx, and whether it is one: 10 digits (9 with the leading 0
// left out; "BE" and dots, spaces allowed) whose last two are 97 minus the
// first eight modulo 97.
func EnterpriseNumber(s string) (string, bool) {
	s = strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "BE")
	var digits []byte
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits = append(digits, byte(r))
		case r == ' ' || r == '.' || r == '\u00a0':
		default:
			return "", false
		}
	}
	if len(digits) == 9 {
		digits = append([]byte{'0'}, digits...)
	}
	if len(digits) != 10 {
		return "", false
	}
	var n, check int
	for _, c := range digits[:8] {
		n = n*10 + int(c-'0')
	}
	check = int(digits[8]-'0')*10 + int(digits[9]-'0')
	if 97-n%97 != check {
		return "", false
	}
	d := string(digits)
	return d[:4] + "." + d[4:7] + "." + d[7:], true
}

var beWords = map[string]map[string]string{
	"fr": {
		"title.b2b": "DOSSIER DE RECOUVREMENT D'UNE DETTE D'ARGENT NON CONTESTÉE", "sub.b2b": "Code judiciaire, articles 1394/20 et suivants – dossier à remettre par l'avocat du créancier à l'huissier de justice",
		"title.cons": "DOSSIER POUR CITATION – CRÉANCE SUR UN CONSOMMATEUR", "sub.cons": "Code judiciaire, article 700 ; Code de droit économique, livre XIX",
		"footer":    "Dossier %s – chaîne arrêtée à l'événement n° %d – page %d/{nb}",
		"h.parties": "Parties", "creditor": "Créancier", "kbo": "N° d'entreprise (BCE)", "vat": "N° de TVA", "address": "Adresse", "iban": "Compte de paiement",
		"rep": "Mandataire", "rep.text": "%s, pour le créancier", "debtor": "Débiteur", "debtor.kbo": "N° d'entreprise du débiteur", "consumer": "Qualité", "consumer.text": "consommateur",
		"h.claim": "Créance", "invoice": "Facture n° %s du %s, échéance %s : %s ; reste dû %s",
		"h.amounts": "Montants au %s", "principal": "Principal restant dû", "interest": "Intérêts de retard échus", "indemnities": "Indemnités et dommages", "total": "Total",
		"period": "Facture n° %s : du %s au %s, %d jours au taux de %s l'an sur %s = %s (%s)", "indemnity": "Facture n° %s : %s, due depuis le %s (%s)", "damages": "Dommages : %s, dus depuis le %s (%s)",
		"later":       "Les intérêts continuent de courir sur le principal jusqu'au paiement.",
		"accessories": "Accessoires : les intérêts de retard au taux de référence (loi du 2 août 2002, art. 5) et l'indemnité forfaitaire de 40 € par facture (art. 6). Aucune clause pénale n'est réclamée ; dans cette procédure, une clause pénale serait limitée (à vérifier : 10 % du principal, art. 1394/21 ; non confirmé dans la référence juridique de Relais).",
		"h.summons":   "Mentions de la sommation de payer (art. 1394/21, liste à vérifier)",
		"m.parties":   "l'identité du créancier et du débiteur : ci-dessus", "m.object": "l'objet et la justification de la créance : factures n° %s, mise en demeure du %s",
		"m.amounts": "le décompte : principal, intérêts et indemnités ci-dessus, total %s", "m.account": "le compte sur lequel payer : %s",
		"m.term":   "le délai d'un mois à compter de la signification pour payer, demander des termes de paiement ou contester (formulaire de réponse joint)",
		"m.effect": "qu'à défaut de paiement ou de contestation, la créance peut être rendue exécutoire", "m.lawyer": "l'identité de l'avocat du créancier : %s",
		"disputed": "Attention : le débiteur a contesté la créance par le passé (pièces n° %s) ; la procédure suppose une dette non contestée.",
		"h.book19": "Livre XIX – étapes prouvées", "first": "Premier rappel gratuit", "first.text": "le %s, %s", "channel.letter": "par courrier (le délai court du 3e jour ouvrable après l'envoi)", "channel.email": "par courriel (le délai court du lendemain)",
		"period19": "Délai de 14 jours", "period19.text": "du %s au %s : aucun frais, dommages ni intérêts avant le %s", "first.ex": "Preuve du premier rappel", "first.none": "à joindre (non conservée par Relais)",
		"clause.damages": "Clause de dommages", "clause.interest": "Clause d'intérêts", "yes": "oui (dommages plafonnés, livre XIX)", "no": "non : aucun dommage forfaitaire", "rate": "%s l'an", "norate": "aucune : taux d'intérêt légal civil",
		"inv.first":   "Facture n° %s : premier rappel le %s",
		"h.deadlines": "Délais", "d.b2b": "Le débiteur dispose d'un mois à compter de la signification de la sommation pour payer ou contester ; à défaut, la créance est rendue exécutoire.",
		"d.cons":     "La citation suit les règles ordinaires (Code judiciaire, art. 700 et suivants) ; le juge compétent se détermine selon le montant et le domicile du débiteur (à vérifier).",
		"h.exhibits": "Inventaire des pièces", "exhibits.intro": "Pièces du dossier de preuve Relais (%s), arrêté à l'événement n° %d (empreinte %s), manifeste signé en Ed25519 (clé %s) ; chaque empreinte est celle du manifest.json ou de l'événement dans events.jsonl.",
		"piece": "Pièce n° %d – %s", "file": "Fichier : %s", "event": "Événement n° %d (events.jsonl) :", "add": "À joindre : %s", "more": "… et %d autres faits : voir events.jsonl.",
		"h.todo": "À compléter", "todo": "…………………… (à compléter)",
		"t.debtor.kbo": "le numéro d'entreprise du débiteur", "t.lawyer": "l'identité et l'adresse de l'avocat du créancier", "t.court": "le juge compétent et son adresse (Relais ne tient pas d'annuaire des juridictions)",
		"t.nature": "la nature des prestations (objet du contrat ou des commandes)", "t.sign": "la date et la signature",
	},
	"nl": {
		"title.b2b": "DOSSIER INVORDERING VAN EEN ONBETWISTE GELDSCHULD", "sub.b2b": "Gerechtelijk Wetboek, artikelen 1394/20 en volgende – dossier door de advocaat van de schuldeiser te bezorgen aan de gerechtsdeurwaarder",
		"title.cons": "DOSSIER VOOR DAGVAARDING – SCHULDVORDERING OP EEN CONSUMENT", "sub.cons": "Gerechtelijk Wetboek, artikel 700; Wetboek van economisch recht, boek XIX",
		"footer":    "Dossier %s – keten tot gebeurtenis nr. %d – pagina %d/{nb}",
		"h.parties": "Partijen", "creditor": "Schuldeiser", "kbo": "Ondernemingsnummer (KBO)", "vat": "Btw-nummer", "address": "Adres", "iban": "Rekening voor betaling",
		"rep": "Lasthebber", "rep.text": "%s, voor de schuldeiser", "debtor": "Schuldenaar", "debtor.kbo": "Ondernemingsnummer van de schuldenaar", "consumer": "Hoedanigheid", "consumer.text": "consument",
		"h.claim": "Schuldvordering", "invoice": "Factuur nr. %s van %s, vervaldag %s: %s; nog verschuldigd %s",
		"h.amounts": "Bedragen op %s", "principal": "Openstaande hoofdsom", "interest": "Vervallen verwijlintresten", "indemnities": "Vergoedingen en schadevergoeding", "total": "Totaal",
		"period": "Factuur nr. %s: van %s tot %s, %d dagen tegen %s per jaar op %s = %s (%s)", "indemnity": "Factuur nr. %s: %s, verschuldigd sinds %s (%s)", "damages": "Schadevergoeding: %s, verschuldigd sinds %s (%s)",
		"later":       "De intresten lopen verder op de hoofdsom tot de betaling.",
		"accessories": "Toebehoren: de verwijlintresten tegen de referentierentevoet (wet van 2 augustus 2002, art. 5) en de forfaitaire vergoeding van 40 € per factuur (art. 6). Er wordt geen schadebeding gevorderd; in deze procedure zou een schadebeding beperkt zijn (na te gaan: 10 % van de hoofdsom, art. 1394/21; niet bevestigd in de juridische referentie van Relais).",
		"h.summons":   "Vermeldingen van de aanmaning tot betalen (art. 1394/21, lijst na te gaan)",
		"m.parties":   "de identiteit van de schuldeiser en de schuldenaar: hierboven", "m.object": "het voorwerp en de verantwoording van de schuldvordering: facturen nr. %s, ingebrekestelling van %s",
		"m.amounts": "de afrekening: hoofdsom, intresten en vergoedingen hierboven, totaal %s", "m.account": "de rekening waarop te betalen: %s",
		"m.term":   "de termijn van een maand vanaf de betekening om te betalen, afbetalingstermijnen te vragen of te betwisten (antwoordformulier bijgevoegd)",
		"m.effect": "dat de schuldvordering bij gebrek aan betaling of betwisting uitvoerbaar kan worden verklaard", "m.lawyer": "de identiteit van de advocaat van de schuldeiser: %s",
		"disputed": "Let op: de schuldenaar heeft de schuldvordering in het verleden betwist (stukken nr. %s); de procedure veronderstelt een onbetwiste schuld.",
		"h.book19": "Boek XIX – bewezen stappen", "first": "Eerste kosteloze herinnering", "first.text": "op %s, %s", "channel.letter": "per brief (de termijn loopt vanaf de 3de werkdag na verzending)", "channel.email": "per e-mail (de termijn loopt vanaf de volgende dag)",
		"period19": "Termijn van 14 dagen", "period19.text": "van %s tot %s: geen kosten, schadevergoeding of intresten vóór %s", "first.ex": "Bewijs van de eerste herinnering", "first.none": "bij te voegen (niet bewaard door Relais)",
		"clause.damages": "Schadebeding", "clause.interest": "Intrestbeding", "yes": "ja (schadevergoeding begrensd, boek XIX)", "no": "neen: geen forfaitaire schadevergoeding", "rate": "%s per jaar", "norate": "geen: burgerlijke wettelijke intrestvoet",
		"inv.first":   "Factuur nr. %s: eerste herinnering op %s",
		"h.deadlines": "Termijnen", "d.b2b": "De schuldenaar heeft een maand vanaf de betekening van de aanmaning om te betalen of te betwisten; zo niet wordt de schuldvordering uitvoerbaar verklaard.",
		"d.cons":     "De dagvaarding volgt de gewone regels (Gerechtelijk Wetboek, art. 700 en volgende); de bevoegde rechter hangt af van het bedrag en de woonplaats van de schuldenaar (na te gaan).",
		"h.exhibits": "Inventaris van de stukken", "exhibits.intro": "Stukken van het Relais-bewijsdossier (%s), tot gebeurtenis nr. %d (vingerafdruk %s), manifest ondertekend met Ed25519 (sleutel %s); elke vingerafdruk is die van manifest.json of van de gebeurtenis in events.jsonl.",
		"piece": "Stuk nr. %d – %s", "file": "Bestand: %s", "event": "Gebeurtenis nr. %d (events.jsonl):", "add": "Bij te voegen: %s", "more": "… en %d andere feiten: zie events.jsonl.",
		"h.todo": "In te vullen", "todo": "…………………… (in te vullen)",
		"t.debtor.kbo": "het ondernemingsnummer van de schuldenaar", "t.lawyer": "de identiteit en het adres van de advocaat van de schuldeiser", "t.court": "de bevoegde rechter en zijn adres (Relais houdt geen lijst van rechtbanken bij)",
		"t.nature": "de aard van de prestaties (voorwerp van het contract of de bestellingen)", "t.sign": "de datum en de handtekening",
	},
}

// RenderBE returns the Belgian file of the claim (its debtor's kind chooses
// which) in the court's language. It does not check: call CheckBE first.
func RenderBE(in BEInput) ([]byte, error) {
	c, b := in.Claim, in.Balance
	if c == nil || c.Creditor == nil || c.Debtor == nil || b == nil {
		return nil, fmt.Errorf("court: the claim with its creditor and debtor, and its balance, are required")
	}
	lang := evidence.CourtLanguage(c)
	m := beWords[lang]
	t := func(k string, args ...any) string {
		if len(args) == 0 {
			return m[k]
		}
		return fmt.Sprintf(m[k], args...)
	}
	date := func(d portal.Date) string { return letters.FormatDate(lang, d) }
	rate := func(bp int64) string {
		return strings.Replace(portal.FormatMinor(bp, 2), ".", ",", 1) + "\u00a0%"
	}
	b2b := c.Debtor.Kind == portal.DebtorBusiness
	kind := "cons"
	if b2b {
		kind = "b2b"
	}
	f := fpdf.New("P", "mm", "A4", "")
	f.SetCompression(!in.Uncompressed)
	f.SetCreationDate(in.Date.Time())
	f.SetModificationDate(in.Date.Time())
	f.SetCatalogSort(true)
	if in.Draft {
		f.SetTitle(DraftMark(lang)+" - "+t("title."+kind)+" - "+c.Reference, true)
	} else {
		f.SetTitle(t("title."+kind)+" - "+c.Reference, true)
	}
	f.SetAuthor(c.Creditor.LegalName, true)
	f.SetCreator("Relais", false)
	f.SetProducer("Relais", false)
	f.SetMargins(18, 18, 18)
	f.SetAutoPageBreak(true, 20)
	d := &frDoc{Doc: pdffont.New(f), cur: c.Currency, lang: lang}
	d.PageFooter(12, 7.5, func(page int) string { return t("footer", c.Reference, in.Head.Seq, page) })
	if in.Draft {
		d.markDraft(lang)
	}
	d.AddPage()
	d.Font("B", 15)
	d.MultiCell(0, 8, d.Str(t("title."+kind)), "", "C", false)
	d.para(9.5, "", t("sub."+kind))
	d.Ln(2)

	cr, db := c.Creditor, c.Debtor
	d.h1(t("h.parties"))
	d.kv(t("creditor"), cr.LegalName)
	if kbo, ok := EnterpriseNumber(cr.CompanyNumber); ok {
		d.kv(t("kbo"), kbo)
	} else if cr.CompanyNumber != "" {
		d.kv(t("kbo"), cr.CompanyNumber)
	}
	if cr.VATNumber != "" {
		d.kv(t("vat"), cr.VATNumber)
	}
	d.kv(t("address"), oneLineAddr(cr.Address))
	iban := strings.TrimSpace(cr.IBAN + " " + cr.BIC)
	if iban == "" {
		iban = t("todo")
	}
	d.kv(t("iban"), iban)
	if in.Representative != "" {
		d.kv(t("rep"), t("rep.text", in.Representative))
	}
	d.Ln(1)
	d.kv(t("debtor"), db.Name)
	d.kv(t("address"), oneLineAddr(db.Address))
	if b2b {
		d.kv(t("debtor.kbo"), t("todo"))
	} else {
		d.kv(t("consumer"), t("consumer.text"))
	}

	d.h1(t("h.claim"))
	nums := make([]string, 0, len(b.Invoices))
	for _, inv := range b.Invoices {
		nums = append(nums, inv.Number)
		var issued portal.Date
		for _, x := range c.Invoices {
			if x.ID == inv.InvoiceID {
				issued = x.IssueDate
			}
		}
		d.para(9.5, "", t("invoice", inv.Number, date(issued), date(inv.DueDate), d.money(inv.Amount), d.money(inv.PrincipalDue)))
	}

	d.h1(t("h.amounts", date(b.AsOf)))
	d.amount(t("principal"), b.PrincipalDue, "")
	d.amount(t("interest"), b.InterestDue, "")
	d.amount(t("indemnities"), b.IndemnitiesDue, "")
	d.amount(t("total"), b.Total, "B")
	d.Ln(1)
	for _, inv := range b.Invoices {
		for _, p := range inv.Periods {
			d.para(8.5, "", t("period", inv.Number, date(p.From), date(p.To), p.Days, rate(p.RateBP), d.money(p.Base), d.money(p.Amount), evidence.RuleBasis(lang, p.Rule)))
		}
	}
	for _, l := range b.IndemnityLines {
		if l.InvoiceNumber != "" {
			d.para(8.5, "", t("indemnity", l.InvoiceNumber, d.money(l.Amount), date(l.On), evidence.RuleBasis(lang, l.Rule)))
		} else {
			d.para(8.5, "", t("damages", d.money(l.Amount), date(l.On), evidence.RuleBasis(lang, l.Rule)))
		}
	}
	d.para(8.5, "", t("later"))
	if b2b {
		d.para(8.5, "I", t("accessories"))
	}

	if b2b {
		d.h1(t("h.summons"))
		for _, s := range []string{t("m.parties"), t("m.object", strings.Join(nums, ", "), date(c.FormalNoticeOn)), t("m.amounts", d.money(b.Total)),
			t("m.account", iban), t("m.term"), t("m.effect"), t("m.lawyer", t("todo"))} {
			d.para(9.5, "", "– "+s)
		}
		if r := exhibitNumbers(in.Exhibits, ExDispute); r != "" {
			d.para(9.5, "B", t("disputed", r))
		}
	} else {
		d.h1(t("h.book19"))
		start, last := BEFreePeriod(c)
		d.kv(t("first"), t("first.text", date(c.FirstReminderOn), t("channel."+channelKey(c.FirstReminderChannel))))
		d.kv(t("period19"), t("period19.text", date(start), date(last), date(last.AddDays(1))))
		proof := t("first.none")
		for _, ex := range in.Exhibits {
			if ex.Kind == ExReminder && ex.Date == c.FirstReminderOn {
				proof = t("piece", ex.Number, ex.Title)
				break
			}
		}
		d.kv(t("first.ex"), proof)
		damages := t("no")
		if c.DamagesClause {
			damages = t("yes")
		}
		d.kv(t("clause.damages"), damages)
		interest := t("norate")
		if c.ContractRateBP != nil {
			interest = t("rate", rate(*c.ContractRateBP))
		}
		d.kv(t("clause.interest"), interest)
		for _, inv := range c.Invoices {
			if !inv.FirstReminderOn.IsZero() {
				d.para(9, "", "– "+t("inv.first", inv.Number, date(inv.FirstReminderOn)))
			}
		}
	}

	d.h1(t("h.deadlines"))
	d.para(9.5, "", t("d."+kind))

	d.h1(t("h.exhibits"))
	d.para(8.5, "", t("exhibits.intro", evidence.BundleFileName(c.Reference, c.ID), in.Head.Seq, in.Head.Hash, in.Fingerprint))
	d.Ln(1)
	for _, ex := range in.Exhibits {
		d.KeepSpace(5 + 4.5 + 4.5)
		d.para(9.5, "B", t("piece", ex.Number, ex.Title))
		if ex.File != "" {
			d.para(8.5, "", t("file", ex.File))
			d.Mono(8)
			d.MultiCell(0, 4.2, "SHA-256 "+ex.SHA256, "", "L", false)
		}
		if ex.EventSeq != 0 {
			d.para(8.5, "", t("event", ex.EventSeq))
			d.Mono(8)
			d.MultiCell(0, 4.2, "SHA-256 "+ex.EventHash, "", "L", false)
		}
		if ex.ToAdd != "" {
			d.para(8.5, "I", t("add", ex.ToAdd))
		}
		d.Ln(1)
	}
	if in.MoreEvents > 0 {
		d.para(9, "", t("more", in.MoreEvents))
	}

	d.h1(t("h.todo"))
	todo := []string{t("t.nature"), t("t.court")}
	if b2b {
		todo = []string{t("t.debtor.kbo"), t("t.lawyer"), t("t.nature")}
	}
	for _, ex := range in.Exhibits {
		if ex.ToAdd != "" {
			todo = append(todo, t("piece", ex.Number, ex.ToAdd))
		}
	}
	todo = append(todo, t("t.sign"))
	for _, s := range todo {
		d.para(9, "", "– "+s)
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func channelKey(ch string) string {
	if ch == string(portal.ChannelEmail) {
		return "email"
	}
	return "letter"
}

func exhibitNumbers(list []Exhibit, kind string) string {
	var nums []string
	for _, ex := range list {
		if ex.Kind == kind {
			nums = append(nums, fmt.Sprint(ex.Number))
		}
	}
	return strings.Join(nums, ", ")
}
