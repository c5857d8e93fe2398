package evidence

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/i18n"
	"github.com/relais/relais/portal/rules"
)

// CourtLanguage is the one language dossier.pdf is written in, the
// court's: French for a French claim; for a Belgian claim, Dutch when the
// debtor's language is Dutch and French otherwise (a French-, English- or
// German-speaking debtor, the languages of most Belgian courts after
// Dutch; Relais writes no German dossier for the court of Eupen).
func CourtLanguage(c *portal.Claim) string {
	if c.Jurisdiction == portal.JurisdictionBE && c.Debtor != nil && c.Debtor.Language == "nl" {
		return "nl"
	}
	return "fr"
}

// CourtZone is the time zone the dossier's times are given in (and the
// mandate annexes' in a bundle).
func CourtZone(c *portal.Claim) *time.Location {
	if c.Jurisdiction == portal.JurisdictionBE {
		return brussels
	}
	return portal.Zone()
}

// brussels is Belgium's zone, loaded once (portal.Zone() without zone data).
var brussels = func() *time.Location {
	if z, err := time.LoadLocation("Europe/Brussels"); err == nil {
		return z
	}
	return portal.Zone()
}()

// dossierMsgs are the dossier's words, by language and key.
var dossierMsgs = map[string]map[string]string{
	"fr": {
		"title":          "Dossier de preuve",
		"subtitle":       "Créance %s - état au %s",
		"intro":          "Ce dossier a été établi par Relais, le portail de paiement et de négociation utilisé par le créancier. Il reprend, dans l'ordre, tout ce qui a été enregistré sur la créance : ce qui a été demandé au débiteur, ce qu'il a vu, ce qu'il a écrit, ce qui a été offert et payé. Chaque événement est enchaîné au précédent par une empreinte SHA-256 et la fin de la chaîne est signée (Ed25519) : le fichier verify.html joint permet de vérifier qu'aucun élément n'a été modifié, supprimé ou ajouté depuis. Les heures sont celles de %s, avec leur écart au temps universel (UTC). Le fichier events.jsonl contient chaque événement en entier, avec ses identifiants techniques. Les caractères que la police du document ne peut pas afficher (émojis notamment) y sont remplacés par « \uFFFD » ; events.jsonl contient le texte exact.",
		"zone.fr":        "Paris",
		"zone.be":        "Bruxelles",
		"footer":         "Créance %s  -  chaîne jusqu'à l'événement n° %d (empreinte %s)  -  page %d/{nb}",
		"h.parties":      "Parties",
		"h.claim":        "Créance",
		"h.amounts":      "Montants au %s",
		"h.stages":       "Historique des étapes et statuts",
		"h.offers":       "Offres et accords",
		"h.disputes":     "Contestations",
		"h.payments":     "Paiements",
		"h.letters":      "Courriers et relances",
		"h.files":        "Documents reçus",
		"h.atts":         "Pièces jointes (dossier attachments/)",
		"h.messages":     "Transcription des messages (%d)",
		"h.timeline":     "Chronologie complète (%d événements)",
		"h.integrity":    "Intégrité",
		"none":           "Aucun.",
		"none.f":         "Aucune.",
		"no.messages":    "Aucun message.",
		"more":           "... et %d autres, qui figurent dans la chronologie et dans events.jsonl.",
		"creditor":       "Créancier",
		"company":        "N° d'entreprise",
		"address":        "Adresse",
		"contact":        "Contact",
		"debtor":         "Débiteur",
		"customer":       "N° client",
		"consumer":       "consommateur",
		"business":       "professionnel",
		"reference":      "Référence",
		"relais.id":      "Identifiant Relais",
		"law":            "Droit applicable",
		"law.FR":         "droit français",
		"law.BE":         "droit belge",
		"stage.now":      "Étape actuelle",
		"status.now":     "Statut actuel",
		"contract":       "Taux contractuel",
		"per.year":       "%s l'an",
		"invoice":        "Facture %s",
		"invoice.line":   "émise le %s, échue le %s : %s",
		"payment":        "Paiement",
		"payment.line":   "reçu le %s : %s, %s",
		"credit.note":    "Note de crédit %s",
		"credit.line":    "du %s : %s",
		"no.compute":     "Le calcul des montants n'a pas pu être fait à cette date : %s Les factures et paiements ci-dessus restent exacts.",
		"principal":      "Principal",
		"credits":        "Notes de crédit",
		"interest":       "Intérêts de retard",
		"indemnities":    "Indemnités",
		"paid":           "Payé",
		"due":            "Reste dû",
		"pending":        "Intérêts comptés jusqu'au %s : le taux officiel des jours suivants n'était pas encore publié à cette date.",
		"period":         "Facture %s : du %s au %s, %d jours à %s l'an sur %s = %s (%s)",
		"indemnity":      "Indemnité, facture %s, due le %s : %s (%s)",
		"rules":          "Règles appliquées, telles que le portail les explique au débiteur :",
		"dispute":        "Contestation du %s",
		"d.reason":       "Motif",
		"d.scope":        "Porte sur",
		"d.whole":        "l'ensemble de la créance",
		"d.text":         "Texte du débiteur",
		"d.notext":       "(aucun texte)",
		"d.erased":       "[texte effacé avec les données personnelles de la créance]",
		"d.textsum":      "Empreinte SHA-256 du texte : %s, identique à celle de l'événement n° %d.",
		"d.textdiff":     "Empreinte SHA-256 du texte : %s ; l'événement n° %d enregistre %s : le texte a changé depuis.",
		"d.files":        "Documents joints",
		"d.nofiles":      "aucun",
		"d.file":         "%s (%s, %s) : %s",
		"d.notinzip":     "absent du dossier (effacé ?)",
		"d.status":       "Issue",
		"d.resolution":   "Motif du créancier",
		"d.adjusted":     "Montant de l'avoir accordé",
		"d.resolved":     "Décidée le",
		"by":             "Par %s",
		"a.debtor":       "le débiteur",
		"a.user":         "%s, pour le créancier",
		"a.user.anon":    "un utilisateur du créancier (identifiant %s)",
		"a.apikey":       "le système du créancier (clé d'API %s)",
		"a.system":       "Relais, automatiquement",
		"a.session":      "session %s",
		"a.browser":      "navigateur « %s »",
		"erased":         "[contenu effacé au titre de la protection des données ; son empreinte reste dans la chaîne]",
		"att.disputes":   "document joint par le débiteur à une contestation",
		"att.letters":    "courrier établi par Relais",
		"att.agreements": "accord de paiement signé par le débiteur",
		"att.reminders":  "contenu d'une relance envoyée (texte, objet, HTML)",
		"att.other":      "pièce",
		"integrity":      "Dernier événement de la chaîne : n° %d, empreinte SHA-256 %s, %s. Clé publique de signature de l'instance (empreinte) : %s. Le fichier manifest.json contient la signature ; verify.html et la commande « relais verify » la contrôlent.",
		"yes":            "oui",
		"no":             "non",
		"file.in":        "fichier %s",
		"bytes":          "%d octets",
		"kb":             "%s Ko",
		"mb":             "%s Mo",
		"and":            " et ",
		"entry":          "n° %d  -  %s  -  %s",
		"terms":          "Conditions",
		"why.dispute":    "contestation déposée par le débiteur",
		"why.agreement":  "accord de paiement signé",
		"why.resolved":   "contestation %s",
	},
	"nl": {
		"title":          "Bewijsdossier",
		"subtitle":       "Vordering %s - stand op %s",
		"intro":          "Dit dossier werd opgemaakt door Relais, het betalings- en onderhandelingsportaal dat de schuldeiser gebruikt. Het herneemt, in volgorde, alles wat over de vordering werd vastgelegd: wat aan de schuldenaar werd gevraagd, wat hij zag, wat hij schreef, wat werd aangeboden en betaald. Elke gebeurtenis is met de vorige verbonden door een SHA-256-vingerafdruk en het einde van de keten is ondertekend (Ed25519): met het bijgevoegde bestand verify.html kan worden nagegaan dat sindsdien niets werd gewijzigd, gewist of toegevoegd. De tijden zijn die van %s, met hun verschil met de universele tijd (UTC). Het bestand events.jsonl bevat elke gebeurtenis volledig, met haar technische kenmerken. Tekens die het lettertype van dit document niet kan weergeven (onder meer emoji) zijn vervangen door « \uFFFD »; events.jsonl bevat de exacte tekst.",
		"zone.fr":        "Parijs",
		"zone.be":        "Brussel",
		"footer":         "Vordering %s  -  keten tot gebeurtenis nr. %d (vingerafdruk %s)  -  pagina %d/{nb}",
		"h.parties":      "Partijen",
		"h.claim":        "Vordering",
		"h.amounts":      "Bedragen op %s",
		"h.stages":       "Verloop van fasen en statussen",
		"h.offers":       "Aanbiedingen en overeenkomsten",
		"h.disputes":     "Betwistingen",
		"h.payments":     "Betalingen",
		"h.letters":      "Brieven en herinneringen",
		"h.files":        "Ontvangen documenten",
		"h.atts":         "Bijlagen (map attachments/)",
		"h.messages":     "Uitgeschreven berichten (%d)",
		"h.timeline":     "Volledige tijdlijn (%d gebeurtenissen)",
		"h.integrity":    "Integriteit",
		"none":           "Geen.",
		"none.f":         "Geen.",
		"no.messages":    "Geen berichten.",
		"more":           "... en %d andere, die in de tijdlijn en in events.jsonl staan.",
		"creditor":       "Schuldeiser",
		"company":        "Ondernemingsnummer",
		"address":        "Adres",
		"contact":        "Contact",
		"debtor":         "Schuldenaar",
		"customer":       "Klantnummer",
		"consumer":       "consument",
		"business":       "onderneming",
		"reference":      "Referentie",
		"relais.id":      "Relais-kenmerk",
		"law":            "Toepasselijk recht",
		"law.FR":         "Frans recht",
		"law.BE":         "Belgisch recht",
		"stage.now":      "Huidige fase",
		"status.now":     "Huidige status",
		"contract":       "Contractuele rentevoet",
		"per.year":       "%s per jaar",
		"invoice":        "Factuur %s",
		"invoice.line":   "uitgereikt op %s, vervallen op %s: %s",
		"payment":        "Betaling",
		"payment.line":   "ontvangen op %s: %s, %s",
		"credit.note":    "Creditnota %s",
		"credit.line":    "van %s: %s",
		"no.compute":     "De bedragen konden op deze datum niet worden berekend: %s De facturen en betalingen hierboven blijven juist.",
		"principal":      "Hoofdsom",
		"credits":        "Creditnota's",
		"interest":       "Verwijlinteresten",
		"indemnities":    "Vergoedingen",
		"paid":           "Betaald",
		"due":            "Nog verschuldigd",
		"pending":        "Interesten berekend tot %s: de officiële rentevoet voor de volgende dagen was op die datum nog niet bekendgemaakt.",
		"period":         "Factuur %s: van %s tot %s, %d dagen tegen %s per jaar op %s = %s (%s)",
		"indemnity":      "Vergoeding, factuur %s, verschuldigd op %s: %s (%s)",
		"rules":          "Toegepaste regels, zoals het portaal ze aan de schuldenaar uitlegt:",
		"dispute":        "Betwisting van %s",
		"d.reason":       "Reden",
		"d.scope":        "Betreft",
		"d.whole":        "de hele vordering",
		"d.text":         "Tekst van de schuldenaar",
		"d.notext":       "(geen tekst)",
		"d.erased":       "[tekst gewist met de persoonsgegevens van de vordering]",
		"d.textsum":      "SHA-256-vingerafdruk van de tekst: %s, gelijk aan die van gebeurtenis nr. %d.",
		"d.textdiff":     "SHA-256-vingerafdruk van de tekst: %s; gebeurtenis nr. %d vermeldt %s: de tekst is sindsdien gewijzigd.",
		"d.files":        "Bijgevoegde documenten",
		"d.nofiles":      "geen",
		"d.file":         "%s (%s, %s): %s",
		"d.notinzip":     "niet in het dossier (gewist?)",
		"d.status":       "Uitkomst",
		"d.resolution":   "Reden van de schuldeiser",
		"d.adjusted":     "Bedrag van de toegekende creditnota",
		"d.resolved":     "Beslist op",
		"by":             "Door %s",
		"a.debtor":       "de schuldenaar",
		"a.user":         "%s, namens de schuldeiser",
		"a.user.anon":    "een gebruiker van de schuldeiser (kenmerk %s)",
		"a.apikey":       "het systeem van de schuldeiser (API-sleutel %s)",
		"a.system":       "Relais, automatisch",
		"a.session":      "sessie %s",
		"a.browser":      "browser « %s »",
		"erased":         "[inhoud gewist ter bescherming van de persoonsgegevens; de vingerafdruk blijft in de keten]",
		"att.disputes":   "document dat de schuldenaar bij een betwisting voegde",
		"att.letters":    "brief opgemaakt door Relais",
		"att.agreements": "betalingsovereenkomst ondertekend door de schuldenaar",
		"att.reminders":  "inhoud van een verzonden herinnering (tekst, onderwerp, HTML)",
		"att.other":      "stuk",
		"integrity":      "Laatste gebeurtenis van de keten: nr. %d, SHA-256-vingerafdruk %s, %s. Publieke ondertekeningssleutel van de instantie (vingerafdruk): %s. Het bestand manifest.json bevat de handtekening; verify.html en het commando \"relais verify\" controleren ze.",
		"yes":            "ja",
		"no":             "nee",
		"file.in":        "bestand %s",
		"bytes":          "%d bytes",
		"kb":             "%s kB",
		"mb":             "%s MB",
		"and":            " en ",
		"entry":          "nr. %d  -  %s  -  %s",
		"terms":          "Voorwaarden",
		"why.dispute":    "betwisting ingediend door de schuldenaar",
		"why.agreement":  "betalingsovereenkomst ondertekend",
		"why.resolved":   "betwisting %s",
	},
}

// kindTitles name each event kind in words.
var kindTitles = map[string]map[portal.EventKind]string{
	"fr": {
		portal.EventClaimCreated: "Créance enregistrée", portal.EventPaymentRecorded: "Paiement enregistré",
		portal.EventCreditNoteRecorded: "Note de crédit enregistrée", portal.EventLinkIssued: "Lien d'accès envoyé",
		portal.EventLinkRevoked: "Lien d'accès révoqué", portal.EventLinkOpened: "Lien d'accès ouvert",
		portal.EventIdentityPassed: "Identité vérifiée", portal.EventIdentityFailed: "Échec de vérification d'identité",
		portal.EventIdentityLocked: "Accès bloqué après plusieurs échecs", portal.EventPortalSignedOut: "Déconnexion du débiteur",
		portal.EventIdentityCodeSent: "Code de vérification envoyé au débiteur", portal.EventIdentityCodeUndelivered: "Code de vérification non délivré",
		portal.EventIdentityCodeFailed: "Code de vérification erroné", portal.EventIdentityCodePassed: "Identité confirmée par le code",
		portal.EventClaimViewed: "Créance consultée par le débiteur", portal.EventComputationViewed: "Détail du calcul consulté par le débiteur",
		portal.EventDisputeFiled: "Contestation déposée", portal.EventDisputeResolved: "Contestation tranchée par le créancier",
		portal.EventFileUploaded: "Document reçu", portal.EventMessageSent: "Message", portal.EventNoteWritten: "Note interne du créancier",
		portal.EventOfferMade: "Offre", portal.EventOfferAccepted: "Offre acceptée", portal.EventOfferRefused: "Offre refusée",
		portal.EventAgreementSigned: "Accord signé", portal.EventPaymentStarted: "Paiement par carte commencé",
		portal.EventPaymentFailed: "Paiement échoué", portal.EventCardSaved: "Carte enregistrée pour les échéances",
		portal.EventPaymentRefunded: "Paiement remboursé", portal.EventPaymentReversed: "Paiement annulé",
		portal.EventChargeback: "Contestation bancaire du paiement (rétrofacturation)", portal.EventInstalmentDue: "Échéance due", portal.EventInstalmentPaid: "Échéance payée",
		portal.EventInstalmentMissed: "Échéance manquée", portal.EventPlanBroken: "Plan de paiement rompu",
		portal.EventLetterGenerated: "Courrier établi", portal.EventLetterSent: "Courrier envoyé",
		portal.EventReminderSent: "Relance envoyée", portal.EventReminderFailed: "Relance non délivrée",
		portal.EventReminderBounced: "Relance revenue (adresse invalide)", portal.EventContactOptOut: "Refus d'être contacté",
		portal.EventStageChanged: "Changement d'étape", portal.EventStatusChanged: "Changement de statut",
		portal.EventStatementMatched: "Virement reconnu sur un relevé bancaire", portal.EventDatesRecorded: "Dates de procédure enregistrées",
		portal.EventCourtDocumentMade:    "Document pour le tribunal établi",
		portal.EventDebtorContactChanged: "Coordonnées du débiteur modifiées",
		portal.EventPersonalDataErased:   "Données personnelles effacées",
		portal.EventConversationResolved: "Conversation clôturée par le créancier", portal.EventSurveyAnswered: "Avis de satisfaction du débiteur",
	},
	"nl": {
		portal.EventClaimCreated: "Vordering geregistreerd", portal.EventPaymentRecorded: "Betaling geregistreerd",
		portal.EventCreditNoteRecorded: "Creditnota geregistreerd", portal.EventLinkIssued: "Toegangslink verstuurd",
		portal.EventLinkRevoked: "Toegangslink ingetrokken", portal.EventLinkOpened: "Toegangslink geopend",
		portal.EventIdentityPassed: "Identiteit gecontroleerd", portal.EventIdentityFailed: "Identiteitscontrole mislukt",
		portal.EventIdentityLocked: "Toegang geblokkeerd na meerdere mislukte pogingen", portal.EventPortalSignedOut: "Schuldenaar afgemeld",
		portal.EventIdentityCodeSent: "Verificatiecode verstuurd naar de schuldenaar", portal.EventIdentityCodeUndelivered: "Verificatiecode niet afgeleverd",
		portal.EventIdentityCodeFailed: "Foute verificatiecode", portal.EventIdentityCodePassed: "Identiteit bevestigd met de code",
		portal.EventClaimViewed: "Vordering bekeken door de schuldenaar", portal.EventComputationViewed: "Berekening bekeken door de schuldenaar",
		portal.EventDisputeFiled: "Betwisting ingediend", portal.EventDisputeResolved: "Betwisting beslecht door de schuldeiser",
		portal.EventFileUploaded: "Document ontvangen", portal.EventMessageSent: "Bericht", portal.EventNoteWritten: "Interne nota van de schuldeiser",
		portal.EventOfferMade: "Aanbod", portal.EventOfferAccepted: "Aanbod aanvaard", portal.EventOfferRefused: "Aanbod geweigerd",
		portal.EventAgreementSigned: "Overeenkomst ondertekend", portal.EventPaymentStarted: "Kaartbetaling gestart",
		portal.EventPaymentFailed: "Betaling mislukt", portal.EventCardSaved: "Kaart geregistreerd voor de termijnen",
		portal.EventPaymentRefunded: "Betaling terugbetaald", portal.EventPaymentReversed: "Betaling geannuleerd",
		portal.EventChargeback: "Betaling betwist bij de bank (chargeback)", portal.EventInstalmentDue: "Termijn verschuldigd", portal.EventInstalmentPaid: "Termijn betaald",
		portal.EventInstalmentMissed: "Termijn gemist", portal.EventPlanBroken: "Afbetalingsplan verbroken",
		portal.EventLetterGenerated: "Brief opgemaakt", portal.EventLetterSent: "Brief verzonden",
		portal.EventReminderSent: "Herinnering verzonden", portal.EventReminderFailed: "Herinnering niet afgeleverd",
		portal.EventReminderBounced: "Herinnering teruggekomen (ongeldig adres)", portal.EventContactOptOut: "Weigering om gecontacteerd te worden",
		portal.EventStageChanged: "Fase gewijzigd", portal.EventStatusChanged: "Status gewijzigd",
		portal.EventStatementMatched: "Overschrijving herkend op een rekeninguittreksel", portal.EventDatesRecorded: "Proceduredata geregistreerd",
		portal.EventCourtDocumentMade:    "Document voor de rechtbank opgemaakt",
		portal.EventDebtorContactChanged: "Contactgegevens van de schuldenaar gewijzigd",
		portal.EventPersonalDataErased:   "Persoonsgegevens gewist",
		portal.EventConversationResolved: "Gesprek afgesloten door de schuldeiser", portal.EventSurveyAnswered: "Tevredenheidsoordeel van de schuldenaar",
	},
}

// words turn the values of the chain into words, by language, kind of
// value and value.
var words = map[string]map[string]map[string]string{
	"fr": {
		"stage": {"amicable": "phase amiable", "formal_notice": "mise en demeure", "pre_litigation": "phase précontentieuse",
			"litigation": "procédure judiciaire", "judgment": "jugement", "enforcement": "exécution forcée"},
		"status": {"open": "en cours", "disputed": "contestée", "in_plan": "sous plan de paiement", "settled": "réglée",
			"written_off": "abandonnée par le créancier", "closed": "close", "plan.broken": "plan de paiement rompu"},
		"channel": {"email": "e-mail", "sms": "SMS", "letter": "courrier", "post": "courrier simple", "registered_post": "courrier recommandé",
			"print": "courrier imprimé", "phone": "téléphone"},
		"method": {"card": "carte bancaire", "transfer": "virement", "other": "autre moyen de paiement", "sepa_debit": "prélèvement SEPA"},
		"via":    {"sepa_debit": "IBAN saisi sur la page du prestataire", "bancontact": "paiement Bancontact"},
		"letter": {"reminder": "rappel de paiement", "formal_notice": "mise en demeure"},
		"reason": {"already_paid": "le débiteur dit avoir déjà payé", "not_received_or_faulty": "marchandise ou service non reçu, ou défectueux",
			"wrong_amount": "le montant est contesté", "not_me": "le débiteur dit que ce n'est pas sa dette", "other": "autre motif"},
		"outcome": {"open": "en cours d'examen", "upheld": "rejetée : le créancier maintient sa créance",
			"partly_accepted": "acceptée en partie : la créance est réduite par un avoir", "accepted": "acceptée : le créancier renonce à la créance, le dossier est clos"},
		"check":       {"postcode": "code postal", "birth_date": "date de naissance", "customer_number": "numéro de client", "invoice_number": "numéro de facture"},
		"debtor_kind": {"consumer": "consommateur", "business": "professionnel"},
		"language":    {"fr": "français", "nl": "néerlandais", "en": "anglais", "de": "allemand"},
		"author":      {"debtor": "le débiteur", "user": "le créancier", "system": "Relais", "api_key": "le système du créancier"},
	},
	"nl": {
		"stage": {"amicable": "minnelijke fase", "formal_notice": "ingebrekestelling", "pre_litigation": "fase vóór de rechtszaak",
			"litigation": "gerechtelijke procedure", "judgment": "vonnis", "enforcement": "gedwongen tenuitvoerlegging"},
		"status": {"open": "lopend", "disputed": "betwist", "in_plan": "met afbetalingsplan", "settled": "betaald",
			"written_off": "door de schuldeiser opgegeven", "closed": "afgesloten", "plan.broken": "afbetalingsplan verbroken"},
		"channel": {"email": "e-mail", "sms": "sms", "letter": "brief", "post": "gewone post", "registered_post": "aangetekende brief",
			"print": "gedrukte brief", "phone": "telefoon"},
		"method": {"card": "bankkaart", "transfer": "overschrijving", "other": "ander betaalmiddel", "sepa_debit": "SEPA-domiciliëring"},
		"via":    {"sepa_debit": "IBAN ingevoerd op de pagina van de dienstverlener", "bancontact": "Bancontact-betaling"},
		"letter": {"reminder": "betalingsherinnering", "formal_notice": "ingebrekestelling"},
		"reason": {"already_paid": "de schuldenaar zegt al betaald te hebben", "not_received_or_faulty": "goed of dienst niet ontvangen, of gebrekkig",
			"wrong_amount": "het bedrag wordt betwist", "not_me": "de schuldenaar zegt dat het niet zijn schuld is", "other": "andere reden"},
		"outcome": {"open": "in behandeling", "upheld": "afgewezen: de schuldeiser houdt zijn vordering aan",
			"partly_accepted": "gedeeltelijk aanvaard: de vordering wordt verminderd met een creditnota", "accepted": "aanvaard: de schuldeiser ziet af van de vordering, het dossier is afgesloten"},
		"check":       {"postcode": "postcode", "birth_date": "geboortedatum", "customer_number": "klantnummer", "invoice_number": "factuurnummer"},
		"debtor_kind": {"consumer": "consument", "business": "onderneming"},
		"language":    {"fr": "Frans", "nl": "Nederlands", "en": "Engels", "de": "Duits"},
		"author":      {"debtor": "de schuldenaar", "user": "de schuldeiser", "system": "Relais", "api_key": "het systeem van de schuldeiser"},
	},
}

// keyLabels name payload fields in words. Fields not listed show their
// name with spaces.
var keyLabels = map[string]map[string]string{
	"fr": {
		"amount": "montant", "reason": "motif", "why": "motif", "text": "texte", "channel": "canal", "method": "moyen de paiement",
		"reference": "référence", "received_on": "reçu le", "due_on": "échéance", "pay_by": "à payer au plus tard le",
		"letter_date": "date du courrier", "sent_on": "envoyé le", "registered_number": "n° d'envoi recommandé", "language": "langue",
		"sha256": "empreinte SHA-256", "pdf_sha256": "empreinte SHA-256 du PDF", "content_sha256": "empreinte SHA-256 du contenu",
		"text_sha256": "empreinte SHA-256 du texte", "size": "taille", "name": "nom", "content_type": "type", "check": "question d'identité",
		"attempt": "tentative n°", "attempts": "tentatives", "until": "jusqu'au", "expires_at": "valable jusqu'au", "lockout": "blocage n°",
		"from": "de", "to": "à", "stage": "étape", "status": "statut", "procedure": "procédure", "order_on": "date de l'ordonnance",
		"served_on": "signifié le", "judgment_on": "date du jugement", "enforceable_on": "exécutoire le", "proceedings_ended_on": "fin de la procédure le",
		"formal_notice_on": "mise en demeure le", "last_acknowledgement_on": "dernière reconnaissance de dette le",
		"covers_invoices": "factures concernées", "first_reminder_on": "premier rappel le", "first_reminder_channel": "premier rappel par",
		"missed": "échéances manquées", "late": "jours de retard", "max_missed": "seuil d'échéances manquées", "max_days_late": "seuil de jours de retard",
		"instalments": "nombre de paiements", "total": "total", "acknowledged": "reconnaissance de dette", "payer": "donneur d'ordre",
		"payer_iban": "IBAN du donneur d'ordre", "booked_on": "comptabilisé le", "bank_ref": "référence bancaire", "how": "rapprochement",
		"step": "relance n°", "recipient": "destinataire", "provider": "prestataire", "code": "code", "message": "message", "principal": "principal",
		"invoices": "nombre de factures", "jurisdiction": "droit applicable", "debtor_kind": "débiteur", "contract_rate_bp": "taux contractuel",
		"damages_clause": "clause d'indemnité", "prescription": "prescription", "number": "numéro", "outcome": "issue",
		"adjusted_amount": "montant de l'avoir", "agency": "courrier d'une agence de recouvrement", "mode": "mode", "balance_as_of": "solde au",
		"by": "par", "invoice_id": "facture", "seq": "n°", "note": "note", "balance": "solde", "paid": "payé", "interest": "intérêts",
		"indemnities": "indemnités", "to_user_id": "confié à", "files": "documents joints",
		"second_factor": "code à usage unique demandé ensuite", "destination": "envoyé à", "spent": "code épuisé", "error": "erreur",
		"mandate": "mandat", "iban_last4": "IBAN se terminant par", "via": "donné par", "accepted_at": "accepté le",
		"acceptance": "preuve d'acceptation", "debit_on": "prélevé le", "sent_at": "envoyé le", "bank_code": "code banque",
		"country": "pays", "next_step": "suite", "retry_on": "nouvelle tentative le", "dispute": "contestation bancaire",
		"instalments_to_transfer": "échéances passées au virement", "moves_left": "reports de date encore possibles",
		"document": "document", "chain_seq": "pièces arrêtées à l'événement n°", "chain_head": "empreinte de cet événement",
		"as_of": "montants au", "interest_to": "intérêts calculés jusqu'au", "rule_set": "règles de calcul", "principal_due": "principal dû",
		"interest_due": "intérêts dus", "indemnities_due": "indemnités dues", "court": "juridiction", "court_name": "tribunal",
		"court_locality": "lieu du débiteur", "court_postcode": "code postal", "consumer_credit": "crédit à la consommation",
		"court_country": "pays du tribunal", "court_language": "langue du dossier", "unverified_rules": "règles à vérifier",
		"instalments_paid": "échéances payées", "paid_early": "dont payées avant leur date", "debits_cancelled": "prélèvements annoncés annulés",
		"mandate_via": "mandat donné par", "mandate_needed": "mandat à donner", "card_needed": "carte à enregistrer", "reason_kind": "difficulté",
		"rest": "reste dû",
	},
	"nl": {
		"amount": "bedrag", "reason": "reden", "why": "reden", "text": "tekst", "channel": "kanaal", "method": "betaalwijze",
		"reference": "referentie", "received_on": "ontvangen op", "due_on": "vervaldag", "pay_by": "te betalen uiterlijk op",
		"letter_date": "datum van de brief", "sent_on": "verzonden op", "registered_number": "nummer van de aangetekende zending", "language": "taal",
		"sha256": "SHA-256-vingerafdruk", "pdf_sha256": "SHA-256-vingerafdruk van de pdf", "content_sha256": "SHA-256-vingerafdruk van de inhoud",
		"text_sha256": "SHA-256-vingerafdruk van de tekst", "size": "grootte", "name": "naam", "content_type": "soort", "check": "identiteitsvraag",
		"attempt": "poging nr.", "attempts": "pogingen", "until": "tot", "expires_at": "geldig tot", "lockout": "blokkering nr.",
		"from": "van", "to": "naar", "stage": "fase", "status": "status", "procedure": "procedure", "order_on": "datum van de beschikking",
		"served_on": "betekend op", "judgment_on": "datum van het vonnis", "enforceable_on": "uitvoerbaar op", "proceedings_ended_on": "einde van de procedure op",
		"formal_notice_on": "ingebrekestelling op", "last_acknowledgement_on": "laatste schuldbekentenis op",
		"covers_invoices": "betrokken facturen", "first_reminder_on": "eerste herinnering op", "first_reminder_channel": "eerste herinnering via",
		"missed": "gemiste termijnen", "late": "dagen achterstand", "max_missed": "drempel gemiste termijnen", "max_days_late": "drempel dagen achterstand",
		"instalments": "aantal betalingen", "total": "totaal", "acknowledged": "schuldbekentenis", "payer": "opdrachtgever",
		"payer_iban": "IBAN van de opdrachtgever", "booked_on": "geboekt op", "bank_ref": "bankreferentie", "how": "koppeling",
		"step": "herinnering nr.", "recipient": "bestemmeling", "provider": "dienstverlener", "code": "code", "message": "bericht", "principal": "hoofdsom",
		"invoices": "aantal facturen", "jurisdiction": "toepasselijk recht", "debtor_kind": "schuldenaar", "contract_rate_bp": "contractuele rentevoet",
		"damages_clause": "schadevergoedingsbeding", "prescription": "verjaring", "number": "nummer", "outcome": "uitkomst",
		"adjusted_amount": "bedrag van de creditnota", "agency": "brief van een incassobureau", "mode": "modus", "balance_as_of": "saldo op",
		"by": "door", "invoice_id": "factuur", "seq": "nr.", "note": "nota", "balance": "saldo", "paid": "betaald", "interest": "interesten",
		"indemnities": "vergoedingen", "to_user_id": "toevertrouwd aan", "files": "bijgevoegde documenten",
		"second_factor": "daarna eenmalige code gevraagd", "destination": "verstuurd naar", "spent": "code opgebruikt", "error": "fout",
		"mandate": "mandaat", "iban_last4": "IBAN eindigend op", "via": "gegeven via", "accepted_at": "aanvaard op",
		"acceptance": "bewijs van aanvaarding", "debit_on": "gedebiteerd op", "sent_at": "verzonden op", "bank_code": "bankcode",
		"country": "land", "next_step": "vervolg", "retry_on": "nieuwe poging op", "dispute": "betwisting bij de bank",
		"instalments_to_transfer": "termijnen omgezet naar overschrijving", "moves_left": "resterende datumwijzigingen",
		"document": "document", "chain_seq": "stukken vastgelegd bij gebeurtenis nr.", "chain_head": "vingerafdruk van die gebeurtenis",
		"as_of": "bedragen op", "interest_to": "interesten berekend tot", "rule_set": "berekeningsregels", "principal_due": "verschuldigde hoofdsom",
		"interest_due": "verschuldigde interesten", "indemnities_due": "verschuldigde vergoedingen", "court": "rechtbank", "court_name": "rechtbank",
		"court_locality": "plaats van de schuldenaar", "court_postcode": "postcode", "consumer_credit": "consumentenkrediet",
		"court_country": "land van de rechtbank", "court_language": "taal van het dossier", "unverified_rules": "te controleren regels",
		"instalments_paid": "betaalde termijnen", "paid_early": "waarvan vóór hun vervaldag", "debits_cancelled": "aangekondigde domiciliëringen geannuleerd",
		"mandate_via": "mandaat gegeven via", "mandate_needed": "mandaat te geven", "card_needed": "kaart te registreren", "reason_kind": "moeilijkheid",
		"rest": "resterend bedrag",
	},
}

// technical fields are left out of the dossier's sentences: identifiers
// and plumbing a reader has no use for (events.jsonl keeps them).
var technical = map[string]bool{
	"link_id": true, "session_id": true, "code_id": true, "conversation_id": true, "message_id": true, "client_id": true, "payment_intent": true,
	"event_id": true, "provider_id": true, "send_id": true, "token": true, "file_id": true, "dispute_id": true, "letter_id": true,
	"payment_id": true, "reversal_id": true, "statement_id": true, "line_id": true, "instalment_id": true, "offer_id": true,
	"agreement_id": true, "credit_note_id": true, "author_kind": true, "author_id": true, "template": true, "currency": true,
	"verdict": true, "link": true, "setup_intent": true, "customer": true, "payment_method": true, "event_type": true,
}

// offerWords are the sentences of an offer's terms.
var offerWords = map[string]map[string]string{
	"fr": {"plan": "paiement en %d échéances %s de %s", "down": ", après un acompte de %s", "from": ", à partir du %s",
		"monthly": "mensuelles", "weekly": "hebdomadaires", "card": ", par carte", "transfer": ", par virement",
		"settlement": "règlement de %s pour solde de tout compte", "settlement.date": ", payé au plus tard le %s",
		"promise": "promesse de payer la totalité au plus tard le %s", "callback": "demande d'être rappelé", "callback.date": " le %s",
		"callback.phone": " au %s", "accepted": "dans la politique du créancier : acceptée automatiquement par Relais",
		"nearest": "offre acceptable la plus proche proposée au débiteur : %s", "balance": "solde alors dû : %s"},
	"nl": {"plan": "betaling in %d %s termijnen van %s", "down": ", na een voorschot van %s", "from": ", vanaf %s",
		"monthly": "maandelijkse", "weekly": "wekelijkse", "card": ", per kaart", "transfer": ", per overschrijving",
		"settlement": "minnelijke schikking van %s als volledige en definitieve betaling", "settlement.date": ", te betalen uiterlijk op %s",
		"promise": "belofte om alles te betalen uiterlijk op %s", "callback": "verzoek om teruggebeld te worden", "callback.date": " op %s",
		"callback.phone": " op %s", "accepted": "binnen het beleid van de schuldeiser: automatisch aanvaard door Relais",
		"nearest": "dichtstbijzijnde aanvaardbare aanbod voorgesteld aan de schuldenaar: %s", "balance": "saldo op dat moment: %s"},
}

var (
	isoDate = regexp.MustCompile(`^\d{4}-\d\d-\d\d$`)
	isoTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d`)
)

// dossierWords is the writer's vocabulary for one claim.
type dossierWords struct {
	lang     string
	m        map[string]string
	c        *portal.Claim
	zone     *time.Location
	users    map[string]string // user id -> name
	invoices map[string]string // invoice id -> number
	files    map[string]string // SHA-256 -> attachment path in the bundle
}

func (w *dossierWords) t(key string, args ...any) string {
	s, ok := w.m[key]
	if !ok {
		s = key
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

func (w *dossierWords) word(kind, v string) string {
	if s, ok := words[w.lang][kind][v]; ok {
		return s
	}
	return strings.ReplaceAll(v, "_", " ")
}

func (w *dossierWords) money(v int64, cur portal.Currency) string {
	if cur == "" {
		cur = w.c.Currency
	}
	return i18n.Money(w.lang, v, cur)
}

func (w *dossierWords) date(d portal.Date) string { return i18n.Date(w.lang, d) }

// when is a time in the court's zone with its offset to UTC.
func (w *dossierWords) when(t time.Time) string {
	l := t.In(w.zone)
	return l.Format("02/01/2006 15:04:05") + " (UTC" + l.Format("-07:00") + ")"
}

func (w *dossierWords) size(n int64) string {
	switch {
	case n < 1000:
		return w.t("bytes", n)
	case n < 1000*1000:
		return w.t("kb", w.decimal(float64(n)/1000))
	}
	return w.t("mb", w.decimal(float64(n)/1e6))
}

func (w *dossierWords) decimal(f float64) string {
	return strings.Replace(strconv.FormatFloat(f, 'f', 1, 64), ".", ",", 1)
}

func (w *dossierWords) title(k portal.EventKind) string {
	if s, ok := kindTitles[w.lang][k]; ok {
		return s
	}
	return strings.ReplaceAll(string(k), "_", " ")
}

// actor says who did something, by name where known.
func (w *dossierWords) actor(a portal.Actor) string {
	var s string
	switch a.Kind {
	case portal.ActorDebtor:
		s = w.t("a.debtor")
		var extra []string
		if a.ID != "" {
			extra = append(extra, w.t("a.session", a.ID))
		}
		if a.IP != "" {
			extra = append(extra, "IP "+a.IP)
		}
		if a.UserAgent != "" {
			extra = append(extra, w.t("a.browser", cut(a.UserAgent, 160)))
		}
		if len(extra) > 0 {
			s += " (" + strings.Join(extra, ", ") + ")"
		}
		return s
	case portal.ActorUser:
		s = w.user(a.ID)
	case portal.ActorAPIKey:
		s = w.t("a.apikey", a.ID)
	case portal.ActorSystem:
		s = w.t("a.system")
	default:
		s = strings.TrimSpace(string(a.Kind) + " " + a.ID)
	}
	if a.IP != "" {
		s += ", IP " + a.IP
	}
	return s
}

func (w *dossierWords) user(id string) string {
	if n := w.users[id]; n != "" {
		return w.t("a.user", n)
	}
	return w.t("a.user.anon", id)
}

// describe is an event's payload in sentences: the fields a kind is about
// first, then any other non-technical field as "label : value".
func (w *dossierWords) describe(e *portal.Event) string {
	if e.Payload == "" {
		return w.t("erased")
	}
	var m map[string]any
	if err := jsonUnmarshal(e.Payload, &m); err != nil || m == nil {
		return e.Payload
	}
	p := &payload{m: m, used: map[string]bool{}}
	cur := portal.Currency(p.str("currency"))
	var parts []string
	add := func(s string) {
		if s != "" {
			parts = append(parts, capitalize(s))
		}
	}
	switch e.Kind {
	case portal.EventStageChanged:
		add(w.fromTo("stage", p))
	case portal.EventStatusChanged:
		add(w.fromTo("status", p))
	case portal.EventOfferMade:
		if terms, ok := p.take("terms").(map[string]any); ok {
			add(w.t("terms") + w.colon() + w.offer(terms, cur))
		}
		if v, ok := p.take("verdict").(map[string]any); ok {
			if acc, _ := v["accepted"].(bool); acc {
				add(offerWords[w.lang]["accepted"])
			}
			if n, ok := v["nearest"].(map[string]any); ok {
				add(fmt.Sprintf(offerWords[w.lang]["nearest"], w.offer(n, cur)))
			}
			if b, ok := v["balance"].(json.Number); ok {
				if n, err := b.Int64(); err == nil {
					add(fmt.Sprintf(offerWords[w.lang]["balance"], w.money(n, cur)))
				}
			}
		}
	case portal.EventMessageSent, portal.EventNoteWritten:
		if to := p.str("to_user_id"); to != "" {
			p.take("to_user_id")
			add(w.label("to_user_id") + " : " + w.user(to))
		}
	}
	// A message's number in its conversation is plumbing; an
	// instalment's is not.
	if e.Kind != portal.EventInstalmentDue && e.Kind != portal.EventInstalmentMissed && e.Kind != portal.EventInstalmentMoved && e.Kind != portal.EventPaymentFailed {
		p.take("seq")
	}
	for _, k := range p.rest() {
		if technical[k] {
			continue
		}
		v := w.value(k, p.m[k], cur, e.Kind)
		if v == "" {
			continue
		}
		add(w.label(k) + w.colon() + v)
	}
	return strings.Join(parts, "\n")
}

func (w *dossierWords) colon() string {
	if w.lang == "fr" {
		return "\u00a0: "
	}
	return ": "
}

func (w *dossierWords) label(k string) string {
	if l, ok := keyLabels[w.lang][k]; ok {
		return capitalize(l)
	}
	return capitalize(strings.ReplaceAll(k, "_", " "))
}

func capitalize(s string) string {
	for i, r := range s {
		return strings.ToUpper(string(r)) + s[i+len(string(r)):]
	}
	return s
}

// fromTo is "de « X » à « Y »" for a stage or status change.
func (w *dossierWords) fromTo(kind string, p *payload) string {
	from, to := p.str("from"), p.str("to")
	if from == "" && to == "" {
		return ""
	}
	p.take("from")
	p.take("to")
	if w.lang == "nl" {
		return fmt.Sprintf("Van « %s » naar « %s »", w.word(kind, from), w.word(kind, to))
	}
	return fmt.Sprintf("De « %s » à « %s »", w.word(kind, from), w.word(kind, to))
}

// offer is an offer's terms in a sentence.
func (w *dossierWords) offer(o map[string]any, cur portal.Currency) string {
	ow := offerWords[w.lang]
	num := func(k string) int64 {
		n, _ := o[k].(json.Number)
		v, _ := n.Int64()
		return v
	}
	str := func(k string) string { s, _ := o[k].(string); return s }
	date := func(k string) string {
		d, err := portal.ParseDate(str(k))
		if err != nil {
			return str(k)
		}
		return w.date(d)
	}
	var s string
	switch str("kind") {
	case "plan":
		s = fmt.Sprintf(ow["plan"], num("count"), ow[str("frequency")], w.money(num("amount"), cur))
		if num("down_payment") > 0 {
			s += fmt.Sprintf(ow["down"], w.money(num("down_payment"), cur))
		}
		if str("first_date") != "" {
			s += fmt.Sprintf(ow["from"], date("first_date"))
		}
		s += ow[str("method")]
	case "settlement":
		s = fmt.Sprintf(ow["settlement"], w.money(num("amount"), cur))
		if str("date") != "" {
			s += fmt.Sprintf(ow["settlement.date"], date("date"))
		}
	case "promise":
		s = fmt.Sprintf(ow["promise"], date("date"))
	case "callback":
		s = ow["callback"]
		if str("date") != "" {
			s += fmt.Sprintf(ow["callback.date"], date("date"))
		}
		if str("phone") != "" {
			s += fmt.Sprintf(ow["callback.phone"], str("phone"))
		}
	default:
		raw, _ := portal.CanonicalJSON(o)
		return string(raw)
	}
	if n := str("note"); n != "" {
		s += " - « " + n + " »"
	}
	return s
}

// value is one field's value in words.
func (w *dossierWords) value(k string, v any, cur portal.Currency, kind portal.EventKind) string {
	switch x := v.(type) {
	case nil:
		return ""
	case bool:
		if x {
			return w.t("yes")
		}
		return w.t("no")
	case json.Number:
		n, err := x.Int64()
		if err != nil {
			return x.String()
		}
		switch {
		case isAmountKey(k):
			return w.money(n, cur)
		case k == "size":
			return w.size(n)
		case k == "contract_rate_bp":
			return w.t("per.year", i18n.Rate(w.lang, n))
		}
		return x.String()
	case string:
		switch {
		case x == "":
			return ""
		case k == "invoice_id":
			if n := w.invoices[x]; n != "" {
				return n
			}
			return x
		case k == "why" || (k == "reason" && kind == portal.EventStatusChanged):
			return w.why(x)
		case k == "reason" && kind == portal.EventDisputeFiled:
			return w.word("reason", x)
		case k == "reason_kind" || (k == "from" || k == "to") && kind == portal.EventPlanMethodChanged:
			if k == "reason_kind" {
				return w.word("reason_kind", x)
			}
			return w.word("method", x)
		case k == "by" || k == "payer" || k == "text" || k == "reason" || k == "note" || k == "message":
			return x
		case strings.HasSuffix(k, "sha256"):
			if f := w.files[strings.ToLower(x)]; f != "" {
				return x + " (" + w.t("file.in", "attachments/"+f) + ")"
			}
			return x
		case k == "stage":
			return w.word("stage", x)
		case k == "status":
			return w.word("status", x)
		case k == "outcome":
			return w.word("outcome", x)
		case strings.Contains(k, "channel"):
			return w.word("channel", x)
		case k == "method":
			return w.word("method", x)
		case k == "via":
			return w.word("via", x)
		case k == "next_step" || k == "ip_address" || k == "user_agent":
			return x
		case k == "check":
			return w.word("check", x)
		case k == "debtor_kind":
			return w.word("debtor_kind", x)
		case k == "language":
			return w.word("language", x)
		case k == "jurisdiction":
			return w.t("law." + x)
		case k == "kind" && (kind == portal.EventLetterGenerated || kind == portal.EventLetterSent):
			return w.word("letter", x)
		case k == "procedure":
			return procedureName(w.lang, x)
		case k == "content_type":
			return contentType(x)
		case isoDate.MatchString(x):
			if d, err := portal.ParseDate(x); err == nil {
				return w.date(d)
			}
		case isoTime.MatchString(x):
			if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
				return w.when(t)
			}
		}
		return x
	case []any:
		var items []string
		for _, it := range x {
			if s := w.value(k, it, cur, kind); s != "" {
				items = append(items, s)
			}
		}
		return strings.Join(items, ", ")
	case map[string]any:
		keys := make([]string, 0, len(x))
		for kk := range x {
			if !technical[kk] {
				keys = append(keys, kk)
			}
		}
		sort.Strings(keys)
		var items []string
		for _, kk := range keys {
			if s := w.value(kk, x[kk], cur, kind); s != "" {
				items = append(items, w.label(kk)+w.colon()+s)
			}
		}
		return strings.Join(items, " ; ")
	}
	return fmt.Sprint(v)
}

var (
	whyAgreement = regexp.MustCompile(`^agreement \S+ signed$`)
	whyDispute   = regexp.MustCompile(`^dispute (upheld|partly_accepted|accepted)$`)
)

// why is the reason Relais records for a status it changed itself, in
// words; a person's own reason is kept as typed.
func (w *dossierWords) why(s string) string {
	switch {
	case s == "dispute filed":
		return w.t("why.dispute")
	case whyAgreement.MatchString(s):
		return w.t("why.agreement")
	case whyDispute.MatchString(s):
		return w.t("why.resolved", w.word("outcome", whyDispute.FindStringSubmatch(s)[1]))
	case s == "plan.broken":
		return w.word("status", s)
	}
	return s
}

// contentType names a file type as people do.
func contentType(ct string) string {
	switch ct {
	case "application/pdf":
		return "PDF"
	case "image/jpeg":
		return "JPEG"
	case "image/png":
		return "PNG"
	}
	return ct
}

func isAmountKey(k string) bool {
	switch k {
	case "principal", "paid", "total", "balance", "interest", "indemnities", "principal_due", "interest_due", "indemnities_due", "rest":
		return true
	}
	return strings.Contains(k, "amount") || k == "down_payment"
}

var (
	i18nOnce   sync.Once
	i18nBundle *i18n.Bundle
)

func translations() *i18n.Bundle {
	i18nOnce.Do(func() { i18nBundle, _ = i18n.New() })
	return i18nBundle
}

// procedureName is a court procedure in words (the portal's names).
func procedureName(lang, p string) string {
	if b := translations(); b != nil && b.Has(lang, "procedure."+p) {
		return b.For(lang).Text("procedure." + p)
	}
	return strings.ReplaceAll(p, "_", " ")
}

// ruleText is a computation rule as the portal explains it to the debtor.
func ruleText(lang, key string) string {
	if b := translations(); b != nil && b.Has(lang, "rule."+key) {
		return b.For(lang).Text("rule." + key)
	}
	return ""
}

// basisWords translate the legal references of package rules (written in
// English for the API) into the dossier's language.
var basisWords = map[string]*strings.Replacer{
	"fr": strings.NewReplacer(
		"Law of 2 August 2002 on late payment in commercial transactions", "loi du 2 août 2002 concernant la lutte contre le retard de paiement dans les transactions commerciales",
		"Law of 2 August 2002", "loi du 2 août 2002", "law of 5 May 1865", "loi du 5 mai 1865",
		"Code of Economic Law", "Code de droit économique", "Book XIX", "livre XIX",
		"old Civil Code art.", "ancien Code civil, art.", "Rates published by the ECB, by arrêté (FR) or in the Moniteur belge (BE)",
		"taux publiés par la BCE, par arrêté (FR) ou au Moniteur belge (BE)", "Invoice correction", "rectification de facture"),
	"nl": strings.NewReplacer(
		"Law of 2 August 2002 on late payment in commercial transactions", "wet van 2 augustus 2002 betreffende de bestrijding van de betalingsachterstand bij handelstransacties",
		"Law of 2 August 2002", "wet van 2 augustus 2002", "law of 5 May 1865", "wet van 5 mei 1865",
		"Code of Economic Law", "Wetboek van economisch recht", "Book XIX", "boek XIX",
		"old Civil Code art.", "oud Burgerlijk Wetboek, art.", "Code civil", "Frans Burgerlijk Wetboek", "Code de commerce", "Frans Wetboek van koophandel",
		"Code monétaire et financier", "Frans Monetair en Financieel Wetboek", "Code des procédures civiles d'exécution", "Frans Wetboek van burgerlijke uitvoeringsprocedures",
		"Rates published by the ECB, by arrêté (FR) or in the Moniteur belge (BE)", "rentevoeten bekendgemaakt door de ECB, bij arrêté (FR) of in het Belgisch Staatsblad (BE)",
		"Invoice correction", "factuurcorrectie"),
}

// basis is a rule's legal reference in the dossier's language.
func basis(lang, key string) string {
	b := rules.Basis(key)
	if r := basisWords[lang]; r != nil {
		b = r.Replace(b)
	}
	return b
}

// payload reads an event's fields, remembering which were used.
type payload struct {
	m    map[string]any
	used map[string]bool
}

func (p *payload) take(k string) any {
	p.used[k] = true
	return p.m[k]
}

func (p *payload) str(k string) string {
	s, _ := p.m[k].(string)
	return s
}

// rest is the fields not used yet, sorted.
func (p *payload) rest() []string {
	keys := make([]string, 0, len(p.m))
	for k := range p.m {
		if !p.used[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
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

func jsonNumber(v int64) json.Number { return json.Number(strconv.FormatInt(v, 10)) }

func jsonUnmarshal(s string, v any) error {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	return dec.Decode(v)
}
