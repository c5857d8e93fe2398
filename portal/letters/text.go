package letters

// texts are the words of the letters in one language. Placeholders are
// fmt verbs, documented on each field.
type texts struct {
	SubjectReminder, SubjectNotice string
	OurRef                         string // label
	YourCustomerNumber             string // label
	DateLine                       string // %s: the date
	Salutation                     string
	IntroCreditor                  string // %s: creditor
	IntroAgency                    string // %s: creditor
	Basis                          string // %s: creditor (basis of the claim: the invoices below)

	ColInvoice, ColIssued, ColDue, ColAmount, ColInterest, ColOutstanding string

	Principal, Interest, Other, Total, Deducted string
	// InterestPending: %s is the last day interest is counted to, when a
	// rate is not published yet (rules.Balance.ComputedTo).
	InterestPending string
	// Rules explains the interest and other sums, by rules.Balance.RuleSet.
	Rules map[string]string

	RequestReminder   string // %s amount, %s date
	RequestNotice     string // %s amount, %s date
	ConsequenceNotice string // %s: creditor
	FRConsumerNotice  string
	PayTransfer       string // %s IBAN, %s reference
	PayOnline         string
	Scan              string
	Dispute           string
	Closing           string
	Page              string // %s reference, %d page; "{nb}" is replaced by the page count

	// France, an agency's letter: CPCE R124-4.
	FRHeading   string
	FRAgency    string // %s name, %s address
	FRCreditor  string // %s name, %s address
	FRCosts     string
	FRLawIntro  string
	FRNoCharges string // consumer: no recovery costs charged

	// Belgium, consumer: Code of Economic Law, Book XIX.
	BEHeading  string
	BECreditor string // %s name, %s address, %s company number
	BEObject   string // %s invoices
	BEAmount   string // %s amount
	BEFree     string
	BEPeriod   string // %s date
	// What may be charged after the period, as the contract says (Book
	// XIX: interest and damages are contractual maxima).
	BEInterestClause string // %s contract rate
	BEInterestLegal  string
	BEDamages        string // %s the damages amount for this balance
	BENoDamages      string
	// Belgium, business: law of 2 August 2002.
	BEB2B string

	Months [12]string
}

// l111_8 is the text of the third and fourth paragraphs ("alinéas") of
// article L111-8 of the Code des procédures civiles d'exécution, which an
// agency's letter must reproduce (CPCE R124-4 5°). They are reproduced in
// French whatever the letter's language, as the law is French.
//
// Source: Legifrance, article L111-8 in the version in force since
// 19 March 2014 (loi n° 2014-344 du 17 mars 2014, art. 12), as shown by
// Legifrance-derived copies (doctrine.fr, LEGIARTI000025025657 /
// LEGIARTI000028747701). TO CONFIRM: the current Legifrance layout shows
// three paragraphs; R124-4 was written against the former numbering
// (loi du 9 juillet 1991, art. 32), in which the two paragraphs below are
// the ones on recovery without an enforceable title. Check against
// Legifrance before production use.
var l111_8 = []string{
	"Les frais de recouvrement entrepris sans titre exécutoire restent à la charge du créancier, sauf s'ils concernent un acte dont l'accomplissement est prescrit par la loi au créancier. Toute stipulation contraire est réputée non écrite, sauf disposition législative contraire.",
	"Cependant, le créancier qui justifie du caractère nécessaire des démarches entreprises pour recouvrer sa créance peut demander au juge de l'exécution de laisser tout ou partie des frais ainsi exposés à la charge du débiteur de mauvaise foi.",
}

var languages = map[string]*texts{
	"fr": {
		SubjectReminder:    "Rappel de paiement",
		SubjectNotice:      "Mise en demeure de payer",
		OurRef:             "Notre référence",
		YourCustomerNumber: "Votre numéro de client",
		DateLine:           "Le %s",
		Salutation:         "Madame, Monsieur,",
		IntroCreditor:      "Sauf erreur de notre part, la somme ci-dessous due à %s reste impayée à ce jour.",
		IntroAgency:        "Nous intervenons pour le compte de %s, qui nous a confié le recouvrement amiable de sa créance à votre égard.",
		Basis:              "Cette créance résulte des factures suivantes, émises par %s et restées impayées :",
		ColInvoice:         "Facture", ColIssued: "Date", ColDue: "Échéance", ColAmount: "Montant", ColInterest: "Intérêts", ColOutstanding: "Reste dû",
		Principal:       "Principal restant dû",
		Interest:        "Intérêts de retard",
		Other:           "Autres sommes (indemnités)",
		Total:           "Total à payer",
		Deducted:        "Paiements et avoirs déjà déduits",
		InterestPending: "Intérêts comptés jusqu'au %s : le taux officiel de la période suivante n'est pas encore publié ; les intérêts de cette période seront ajoutés dès sa publication.",
		Rules: map[string]string{
			"fr.b2b":      "Intérêts de retard au taux de la Banque centrale européenne majoré de 10 points, à compter du lendemain de l'échéance, et indemnité forfaitaire pour frais de recouvrement de 40 € par facture (Code de commerce, art. L441-10 et D441-5).",
			"fr.consumer": "Intérêts au taux de l'intérêt légal à compter de la mise en demeure (Code civil, art. 1231-6 et 1344-1). Aucun frais de recouvrement ne vous est réclamé.",
			"be.b2b":      "Intérêts de retard au taux de référence de la loi du 2 août 2002 concernant la lutte contre le retard de paiement dans les transactions commerciales, et indemnité forfaitaire de 40 € par facture (art. 6).",
			"be.consumer": "Intérêts et indemnités dans les limites du livre XIX du Code de droit économique.",
		},
		RequestReminder:   "Nous vous remercions de bien vouloir régler la somme de %s au plus tard le %s.",
		RequestNotice:     "Par la présente, nous vous mettons en demeure de payer la somme de %s au plus tard le %s.",
		ConsequenceNotice: "À défaut de paiement dans ce délai, %s pourra engager une procédure judiciaire pour obtenir le paiement, sans autre avis.",
		FRConsumerNotice:  "La présente mise en demeure fait courir les intérêts au taux légal sur les sommes dues (Code civil, art. 1231-6 et 1344-1).",
		PayTransfer:       "Paiement par virement : IBAN %s, en indiquant la référence %s.",
		PayOnline:         "Consultez votre dossier, payez ou proposez un échéancier en ligne :",
		Scan:              "Scannez ce code pour ouvrir votre dossier.",
		Dispute:           "Si vous contestez cette somme ou l'avez déjà réglée, merci de nous le faire savoir sans délai, par le même lien.",
		Closing:           "Veuillez agréer, Madame, Monsieur, l'expression de nos salutations distinguées.",
		Page:              "Réf. %s - page %d/{nb}",
		FRHeading:         "Informations légales (Code des procédures civiles d'exécution, art. R124-4)",
		FRAgency:          "Personne chargée du recouvrement amiable : %s, %s. Elle exerce une activité de recouvrement amiable pour le compte d'autrui (art. L124-1 et R124-1 et suivants).",
		FRCreditor:        "Créancier : %s, %s.",
		FRCosts:           "Les frais de recouvrement amiable restent à la charge du créancier, sauf dans les cas prévus par l'article L111-8 du Code des procédures civiles d'exécution ; ils ne sont pas compris dans les sommes ci-dessus.",
		FRLawIntro:        "Article L111-8 du Code des procédures civiles d'exécution (extrait) :",
		FRNoCharges:       "Aucun frais de recouvrement ne vous est réclamé.",
		BEHeading:         "Informations légales (Code de droit économique, livre XIX)",
		BECreditor:        "Créancier : %s, %s, numéro d'entreprise %s.",
		BEObject:          "Objet de la dette : %s.",
		BEAmount:          "Montant réclamé : %s.",
		BEFree:            "Ce premier rappel est gratuit.",
		BEPeriod:          "Vous disposez d'un délai de 14 jours calendrier pour payer sans frais, à compter du troisième jour ouvrable suivant l'envoi de ce courrier (ou du lendemain de son envoi par e-mail) : au plus tard le %s si ce courrier est posté à sa date.",
		BEInterestClause:  "Sans paiement dans ce délai, des intérêts de retard pourront être réclamés au taux de votre contrat (%s %% l'an), au plus au taux de référence de la loi du 2 août 2002.",
		BEInterestLegal:   "Sans paiement dans ce délai, des intérêts de retard pourront être réclamés au taux légal (loi du 5 mai 1865).",
		BEDamages:         "Votre contrat prévoit une indemnité forfaitaire : sans paiement dans ce délai, une indemnité de %s sera réclamée (le maximum du livre XIX pour ce solde : 20 € si le solde est inférieur ou égal à 150 € ; 30 € plus 10 %% de la partie comprise entre 150,01 € et 500 € ; 65 € plus 5 %% de la partie au-delà de 500 € ; 2 000 € au maximum).",
		BENoDamages:       "Aucune indemnité forfaitaire n'est réclamée : votre contrat n'en prévoit pas.",
		BEB2B:             "Conformément à la loi du 2 août 2002, des intérêts de retard et une indemnité forfaitaire de 40 € par facture sont dus de plein droit.",
		Months:            [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
	},
	"nl": {
		SubjectReminder:    "Betalingsherinnering",
		SubjectNotice:      "Ingebrekestelling",
		OurRef:             "Onze referentie",
		YourCustomerNumber: "Uw klantnummer",
		DateLine:           "%s",
		Salutation:         "Geachte mevrouw, geachte heer,",
		IntroCreditor:      "Behoudens vergissing onzerzijds is het onderstaande bedrag verschuldigd aan %s nog steeds niet betaald.",
		IntroAgency:        "Wij treden op namens %s, die ons de minnelijke invordering van haar schuldvordering op u heeft toevertrouwd.",
		Basis:              "Deze schuld volgt uit de volgende facturen, uitgereikt door %s en niet betaald:",
		ColInvoice:         "Factuur", ColIssued: "Datum", ColDue: "Vervaldag", ColAmount: "Bedrag", ColInterest: "Interesten", ColOutstanding: "Openstaand",
		Principal:       "Openstaande hoofdsom",
		Interest:        "Verwijlinteresten",
		Other:           "Andere bedragen (vergoedingen)",
		Total:           "Totaal te betalen",
		Deducted:        "Reeds afgetrokken betalingen en creditnota's",
		InterestPending: "Interest berekend tot %s: de officiële rentevoet voor de volgende periode is nog niet bekendgemaakt; de interest van die periode wordt toegevoegd zodra hij bekendgemaakt is.",
		Rules: map[string]string{
			"fr.b2b":      "Verwijlinteresten tegen de rentevoet van de Europese Centrale Bank verhoogd met 10 punten, vanaf de dag na de vervaldag, en een forfaitaire vergoeding voor invorderingskosten van 40 EUR per factuur (Frans Wetboek van koophandel, art. L441-10 en D441-5).",
			"fr.consumer": "Interesten tegen de wettelijke rentevoet vanaf de ingebrekestelling (Frans Burgerlijk Wetboek, art. 1231-6 en 1344-1). Er worden u geen invorderingskosten aangerekend.",
			"be.b2b":      "Verwijlinteresten tegen de referentie-intrestvoet van de wet van 2 augustus 2002 betreffende de bestrijding van de betalingsachterstand bij handelstransacties, en een forfaitaire vergoeding van 40 EUR per factuur (art. 6).",
			"be.consumer": "Interesten en vergoedingen binnen de grenzen van boek XIX van het Wetboek van economisch recht.",
		},
		RequestReminder:   "Wij verzoeken u vriendelijk het bedrag van %s uiterlijk op %s te betalen.",
		RequestNotice:     "Bij deze stellen wij u in gebreke het bedrag van %s uiterlijk op %s te betalen.",
		ConsequenceNotice: "Zonder betaling binnen deze termijn kan %s zonder verdere verwittiging een gerechtelijke procedure starten om betaling te verkrijgen.",
		FRConsumerNotice:  "Deze ingebrekestelling doet de wettelijke interesten op de verschuldigde bedragen lopen (Frans Burgerlijk Wetboek, art. 1231-6 en 1344-1).",
		PayTransfer:       "Betaling per overschrijving: IBAN %s, met vermelding van de referentie %s.",
		PayOnline:         "Bekijk uw dossier, betaal of stel online een afbetalingsplan voor:",
		Scan:              "Scan deze code om uw dossier te openen.",
		Dispute:           "Betwist u dit bedrag of hebt u het al betaald, laat het ons dan onmiddellijk weten via dezelfde link.",
		Closing:           "Met vriendelijke groeten,",
		Page:              "Ref. %s - pagina %d/{nb}",
		FRHeading:         "Wettelijke vermeldingen (Frans Wetboek van burgerlijke uitvoeringsprocedures, art. R124-4)",
		FRAgency:          "Met de minnelijke invordering belast: %s, %s. Zij oefent een activiteit van minnelijke invordering voor rekening van derden uit (art. L124-1 en R124-1 e.v.).",
		FRCreditor:        "Schuldeiser: %s, %s.",
		FRCosts:           "De kosten van minnelijke invordering blijven ten laste van de schuldeiser, behalve in de gevallen van artikel L111-8 van het Frans Wetboek van burgerlijke uitvoeringsprocedures; zij zijn niet in de bovenstaande bedragen begrepen.",
		FRLawIntro:        "Artikel L111-8 van het Frans Wetboek van burgerlijke uitvoeringsprocedures (uittreksel, in het Frans zoals de wet het voorschrijft):",
		FRNoCharges:       "Er worden u geen invorderingskosten aangerekend.",
		BEHeading:         "Wettelijke vermeldingen (Wetboek van economisch recht, boek XIX)",
		BECreditor:        "Schuldeiser: %s, %s, ondernemingsnummer %s.",
		BEObject:          "Voorwerp van de schuld: %s.",
		BEAmount:          "Gevorderd bedrag: %s.",
		BEFree:            "Deze eerste herinnering is kosteloos.",
		BEPeriod:          "U beschikt over een termijn van 14 kalenderdagen om zonder kosten te betalen, te rekenen vanaf de derde werkdag na de verzending van deze brief (of vanaf de dag na verzending per e-mail): uiterlijk op %s als deze brief op zijn datum wordt verstuurd.",
		BEInterestClause:  "Zonder betaling binnen deze termijn kan verwijlinterest worden gevorderd tegen de rentevoet van uw contract (%s %% per jaar), ten hoogste de referentie-intrestvoet van de wet van 2 augustus 2002.",
		BEInterestLegal:   "Zonder betaling binnen deze termijn kan verwijlinterest worden gevorderd tegen de wettelijke rentevoet (wet van 5 mei 1865).",
		BEDamages:         "Uw contract voorziet in een forfaitaire schadevergoeding: zonder betaling binnen deze termijn wordt een schadevergoeding van %s gevorderd (het maximum van boek XIX voor dit saldo: 20 EUR als het saldo 150 EUR of minder bedraagt; 30 EUR plus 10 %% van het deel tussen 150,01 EUR en 500 EUR; 65 EUR plus 5 %% van het deel boven 500 EUR; met een maximum van 2.000 EUR).",
		BENoDamages:       "Er wordt geen forfaitaire schadevergoeding gevorderd: uw contract voorziet er geen.",
		BEB2B:             "Overeenkomstig de wet van 2 augustus 2002 zijn verwijlinteresten en een forfaitaire vergoeding van 40 EUR per factuur van rechtswege verschuldigd.",
		Months:            [12]string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"},
	},
	"en": {
		SubjectReminder:    "Payment reminder",
		SubjectNotice:      "Formal notice to pay",
		OurRef:             "Our reference",
		YourCustomerNumber: "Your customer number",
		DateLine:           "%s",
		Salutation:         "Dear Sir or Madam,",
		IntroCreditor:      "Unless we are mistaken, the sum below owed to %s is still unpaid.",
		IntroAgency:        "We act on behalf of %s, who has instructed us to recover amicably the sum you owe them.",
		Basis:              "This debt arises from the following invoices, issued by %s and still unpaid:",
		ColInvoice:         "Invoice", ColIssued: "Date", ColDue: "Due date", ColAmount: "Amount", ColInterest: "Interest", ColOutstanding: "Outstanding",
		Principal:       "Outstanding principal",
		Interest:        "Late-payment interest",
		Other:           "Other sums (compensation)",
		Total:           "Total to pay",
		Deducted:        "Payments and credit notes already deducted",
		InterestPending: "Interest counted to %s: the official rate for the following period is not published yet; the interest of that period will be added once it is published.",
		Rules: map[string]string{
			"fr.b2b":      "Late-payment interest at the European Central Bank rate plus 10 points from the day after the due date, and a flat compensation for recovery costs of EUR 40 per invoice (French Commercial Code, art. L441-10 and D441-5).",
			"fr.consumer": "Interest at the statutory rate from the formal notice (French Civil Code, art. 1231-6 and 1344-1). No recovery costs are charged to you.",
			"be.b2b":      "Late-payment interest at the reference rate of the Belgian law of 2 August 2002 on late payment in commercial transactions, and a flat compensation of EUR 40 per invoice (art. 6).",
			"be.consumer": "Interest and compensation within the limits of Book XIX of the Belgian Code of Economic Law.",
		},
		RequestReminder:   "Please pay the sum of %s by %s at the latest.",
		RequestNotice:     "We hereby give you formal notice to pay the sum of %s by %s at the latest.",
		ConsequenceNotice: "If the sum is not paid by then, %s may start court proceedings to obtain payment without further notice.",
		FRConsumerNotice:  "This formal notice makes statutory interest run on the sums due (French Civil Code, art. 1231-6 and 1344-1).",
		PayTransfer:       "Payment by bank transfer: IBAN %s, quoting the reference %s.",
		PayOnline:         "See your file, pay or propose a payment plan online:",
		Scan:              "Scan this code to open your file.",
		Dispute:           "If you dispute this sum or have already paid it, please tell us at once through the same link.",
		Closing:           "Yours faithfully,",
		Page:              "Ref. %s - page %d/{nb}",
		FRHeading:         "Legal information (French Code of Civil Enforcement Procedures, art. R124-4)",
		FRAgency:          "Person in charge of amicable recovery: %s, %s, who carries on the business of amicable debt recovery for others (art. L124-1 and R124-1 ff.).",
		FRCreditor:        "Creditor: %s, %s.",
		FRCosts:           "The costs of amicable recovery are borne by the creditor, except as article L111-8 of the French Code of Civil Enforcement Procedures allows; they are not included in the sums above.",
		FRLawIntro:        "Article L111-8 of the French Code of Civil Enforcement Procedures (extract, in French as the law requires):",
		FRNoCharges:       "No recovery costs are charged to you.",
		BEHeading:         "Legal information (Belgian Code of Economic Law, Book XIX)",
		BECreditor:        "Creditor: %s, %s, enterprise number %s.",
		BEObject:          "What the debt is for: %s.",
		BEAmount:          "Amount claimed: %s.",
		BEFree:            "This first reminder is free of charge.",
		BEPeriod:          "You have 14 calendar days to pay without any costs, counted from the third working day after this letter is sent (or from the day after it is sent by e-mail): until %s if this letter is posted on its date.",
		BEInterestClause:  "If you do not pay within this period, late-payment interest may be claimed at the rate of your contract (%s %% a year), at most the reference rate of the law of 2 August 2002.",
		BEInterestLegal:   "If you do not pay within this period, late-payment interest may be claimed at the legal rate (law of 5 May 1865).",
		BEDamages:         "Your contract provides for flat damages: if you do not pay within this period, damages of %s will be claimed (the maximum of Book XIX for this balance: EUR 20 if the balance is EUR 150 or less; EUR 30 plus 10 %% of the part from EUR 150.01 to EUR 500; EUR 65 plus 5 %% of the part above EUR 500; EUR 2,000 at most).",
		BENoDamages:       "No flat damages are charged: your contract does not provide for them.",
		BEB2B:             "Under the law of 2 August 2002, late-payment interest and a flat compensation of EUR 40 per invoice are due by operation of law.",
		Months:            [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	},
	"de": {
		SubjectReminder:    "Zahlungserinnerung",
		SubjectNotice:      "Mahnung und Inverzugsetzung",
		OurRef:             "Unser Zeichen",
		YourCustomerNumber: "Ihre Kundennummer",
		DateLine:           "%s",
		Salutation:         "Sehr geehrte Damen und Herren,",
		IntroCreditor:      "Sofern wir uns nicht irren, ist der unten genannte, %s geschuldete Betrag bis heute nicht bezahlt.",
		IntroAgency:        "Wir handeln im Auftrag von %s, die uns mit der außergerichtlichen Einziehung ihrer Forderung gegen Sie beauftragt hat.",
		Basis:              "Die Forderung beruht auf den folgenden, von %s ausgestellten und unbezahlten Rechnungen:",
		ColInvoice:         "Rechnung", ColIssued: "Datum", ColDue: "Fällig am", ColAmount: "Betrag", ColInterest: "Zinsen", ColOutstanding: "Offen",
		Principal:       "Offene Hauptforderung",
		Interest:        "Verzugszinsen",
		Other:           "Sonstige Beträge (Pauschalen)",
		Total:           "Zu zahlender Gesamtbetrag",
		Deducted:        "Bereits abgezogene Zahlungen und Gutschriften",
		InterestPending: "Zinsen berechnet bis zum %s: der amtliche Zinssatz für den folgenden Zeitraum ist noch nicht veröffentlicht; die Zinsen dieses Zeitraums werden nach seiner Veröffentlichung hinzugefügt.",
		Rules: map[string]string{
			"fr.b2b":      "Verzugszinsen zum Satz der Europäischen Zentralbank zuzüglich 10 Prozentpunkten ab dem Tag nach Fälligkeit und eine Pauschale für Beitreibungskosten von 40 EUR je Rechnung (französisches Handelsgesetzbuch, Art. L441-10 und D441-5).",
			"fr.consumer": "Zinsen zum gesetzlichen Zinssatz ab der Inverzugsetzung (französisches Zivilgesetzbuch, Art. 1231-6 und 1344-1). Beitreibungskosten werden Ihnen nicht berechnet.",
			"be.b2b":      "Verzugszinsen zum Referenzzinssatz des belgischen Gesetzes vom 2. August 2002 zur Bekämpfung des Zahlungsverzugs im Handelsverkehr und eine Pauschale von 40 EUR je Rechnung (Art. 6).",
			"be.consumer": "Zinsen und Entschädigungen in den Grenzen von Buch XIX des belgischen Wirtschaftsgesetzbuches.",
		},
		RequestReminder:   "Bitte zahlen Sie den Betrag von %s spätestens bis zum %s.",
		RequestNotice:     "Hiermit fordern wir Sie förmlich auf, den Betrag von %s spätestens bis zum %s zu zahlen.",
		ConsequenceNotice: "Erfolgt bis dahin keine Zahlung, kann %s ohne weitere Ankündigung gerichtliche Schritte einleiten.",
		FRConsumerNotice:  "Mit dieser Inverzugsetzung beginnen die gesetzlichen Zinsen auf die geschuldeten Beträge zu laufen (französisches Zivilgesetzbuch, Art. 1231-6 und 1344-1).",
		PayTransfer:       "Zahlung per Überweisung: IBAN %s, unter Angabe des Verwendungszwecks %s.",
		PayOnline:         "Sehen Sie Ihre Akte ein, zahlen Sie oder schlagen Sie online eine Ratenzahlung vor:",
		Scan:              "Scannen Sie diesen Code, um Ihre Akte zu öffnen.",
		Dispute:           "Wenn Sie den Betrag bestreiten oder bereits bezahlt haben, teilen Sie uns dies bitte umgehend über denselben Link mit.",
		Closing:           "Mit freundlichen Grüßen",
		Page:              "Zeichen %s - Seite %d/{nb}",
		FRHeading:         "Gesetzliche Angaben (französisches Gesetzbuch über Zwangsvollstreckungsverfahren, Art. R124-4)",
		FRAgency:          "Mit der außergerichtlichen Einziehung beauftragt: %s, %s; sie betreibt die außergerichtliche Forderungseinziehung für Dritte (Art. L124-1 und R124-1 ff.).",
		FRCreditor:        "Gläubiger: %s, %s.",
		FRCosts:           "Die Kosten der außergerichtlichen Einziehung trägt der Gläubiger, außer in den Fällen des Artikels L111-8 des französischen Gesetzbuchs über Zwangsvollstreckungsverfahren; sie sind in den obigen Beträgen nicht enthalten.",
		FRLawIntro:        "Artikel L111-8 des französischen Gesetzbuchs über Zwangsvollstreckungsverfahren (Auszug, auf Französisch, wie gesetzlich vorgeschrieben):",
		FRNoCharges:       "Beitreibungskosten werden Ihnen nicht berechnet.",
		BEHeading:         "Gesetzliche Angaben (belgisches Wirtschaftsgesetzbuch, Buch XIX)",
		BECreditor:        "Gläubiger: %s, %s, Unternehmensnummer %s.",
		BEObject:          "Gegenstand der Forderung: %s.",
		BEAmount:          "Geforderter Betrag: %s.",
		BEFree:            "Diese erste Zahlungserinnerung ist kostenlos.",
		BEPeriod:          "Sie haben 14 Kalendertage Zeit, ohne Kosten zu zahlen, gerechnet ab dem dritten Werktag nach Versand dieses Schreibens (oder ab dem Tag nach Versand per E-Mail): bis zum %s, wenn dieses Schreiben an seinem Datum aufgegeben wird.",
		BEInterestClause:  "Ohne Zahlung innerhalb dieser Frist können Verzugszinsen zum Satz Ihres Vertrags (%s %% pro Jahr) verlangt werden, höchstens zum Referenzzinssatz des Gesetzes vom 2. August 2002.",
		BEInterestLegal:   "Ohne Zahlung innerhalb dieser Frist können Verzugszinsen zum gesetzlichen Zinssatz (Gesetz vom 5. Mai 1865) verlangt werden.",
		BEDamages:         "Ihr Vertrag sieht eine pauschale Entschädigung vor: ohne Zahlung innerhalb dieser Frist wird eine Entschädigung von %s verlangt (der Höchstbetrag nach Buch XIX für diesen Saldo: 20 EUR bei einem Saldo bis 150 EUR; 30 EUR zuzüglich 10 %% des Teils zwischen 150,01 EUR und 500 EUR; 65 EUR zuzüglich 5 %% des Teils über 500 EUR; insgesamt höchstens 2.000 EUR).",
		BENoDamages:       "Es wird keine pauschale Entschädigung verlangt: Ihr Vertrag sieht keine vor.",
		BEB2B:             "Nach dem Gesetz vom 2. August 2002 sind Verzugszinsen und eine Pauschale von 40 EUR je Rechnung von Rechts wegen geschuldet.",
		Months:            [12]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
	},
}
