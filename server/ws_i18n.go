package server

// chatTexts are the chat's error messages in the debtor's language, by
// error code or offer reason key. (A small table: the chat needs a dozen
// sentences; the page texts live in the portal's i18n catalogue.)
var chatTexts = map[string]map[string]string{
	frameMalformed: {
		"fr": "Message illisible : il n'a pas été enregistré.",
		"nl": "Onleesbaar bericht: het werd niet opgeslagen.",
		"en": "Unreadable message: it was not saved.",
		"de": "Unlesbare Nachricht: sie wurde nicht gespeichert.",
	},
	frameUnknownType: {
		"fr": "Type de message inconnu.",
		"nl": "Onbekend berichttype.",
		"en": "Unknown message type.",
		"de": "Unbekannter Nachrichtentyp.",
	},
	frameTooLarge: {
		"fr": "Message trop long : raccourcissez-le.",
		"nl": "Bericht te lang: maak het korter.",
		"en": "Message too long: please shorten it.",
		"de": "Nachricht zu lang: bitte kürzen.",
	},
	frameRateLimited: {
		"fr": "Trop de messages en peu de temps : patientez quelques secondes.",
		"nl": "Te veel berichten in korte tijd: wacht enkele seconden.",
		"en": "Too many messages at once: wait a few seconds.",
		"de": "Zu viele Nachrichten auf einmal: bitte einige Sekunden warten.",
	},
	reasonConversationRate: {
		"fr": "Trop de messages dans cette conversation en une minute : celui-ci n'a pas été enregistré. Patientez un peu avant de l'envoyer à nouveau.",
		"nl": "Te veel berichten in dit gesprek binnen een minuut: dit bericht werd niet opgeslagen. Wacht even voor u het opnieuw verstuurt.",
		"en": "Too many messages in this conversation within a minute: this one was not saved. Wait a little before sending it again.",
		"de": "Zu viele Nachrichten in diesem Gespräch innerhalb einer Minute: diese wurde nicht gespeichert. Bitte warten Sie kurz, bevor Sie sie erneut senden.",
	},
	"forbidden": {
		"fr": "Cette action ne vous est pas permise dans cette conversation.",
		"nl": "Deze handeling is u in dit gesprek niet toegestaan.",
		"en": "You may not do this in this conversation.",
		"de": "Diese Aktion ist Ihnen in diesem Gespräch nicht erlaubt.",
	},
	"not_found": {
		"fr": "Introuvable.",
		"nl": "Niet gevonden.",
		"en": "Not found.",
		"de": "Nicht gefunden.",
	},
	"conflict": {
		"fr": "Cette proposition a déjà reçu une réponse.",
		"nl": "Op dit voorstel werd al geantwoord.",
		"en": "This offer has already been answered.",
		"de": "Auf dieses Angebot wurde bereits geantwortet.",
	},
	"invalid": {
		"fr": "Données invalides : vérifiez et réessayez.",
		"nl": "Ongeldige gegevens: controleer en probeer opnieuw.",
		"en": "Invalid input: check it and try again.",
		"de": "Ungültige Angaben: bitte prüfen und erneut versuchen.",
	},
	"unavailable": {
		"fr": "Service momentanément indisponible : réessayez.",
		"nl": "Dienst tijdelijk niet beschikbaar: probeer opnieuw.",
		"en": "Temporarily unavailable: try again.",
		"de": "Vorübergehend nicht verfügbar: bitte erneut versuchen.",
	},
	"internal": {
		"fr": "Erreur interne : votre message n'a pas été enregistré.",
		"nl": "Interne fout: uw bericht werd niet opgeslagen.",
		"en": "Internal error: your message was not saved.",
		"de": "Interner Fehler: Ihre Nachricht wurde nicht gespeichert.",
	},
	"offer.amount_not_positive": {
		"fr": "Le montant doit être supérieur à zéro.",
		"nl": "Het bedrag moet groter zijn dan nul.",
		"en": "The amount must be more than zero.",
		"de": "Der Betrag muss größer als null sein.",
	},
	"offer.amount_too_large": {
		"fr": "Le montant est trop élevé.",
		"nl": "Het bedrag is te hoog.",
		"en": "The amount is too large.",
		"de": "Der Betrag ist zu hoch.",
	},
	"offer.count_not_positive": {
		"fr": "Indiquez au moins une échéance.",
		"nl": "Geef minstens één termijn op.",
		"en": "Give at least one instalment.",
		"de": "Geben Sie mindestens eine Rate an.",
	},
	"offer.too_many_instalments": {
		"fr": "Trop d'échéances : 120 au maximum.",
		"nl": "Te veel termijnen: hoogstens 120.",
		"en": "Too many instalments: 120 at most.",
		"de": "Zu viele Raten: höchstens 120.",
	},
	"offer.date_missing": {
		"fr": "Indiquez une date valide.",
		"nl": "Geef een geldige datum op.",
		"en": "Give a valid date.",
		"de": "Geben Sie ein gültiges Datum an.",
	},
	"offer.date_past": {
		"fr": "La date est déjà passée.",
		"nl": "De datum ligt in het verleden.",
		"en": "The date is in the past.",
		"de": "Das Datum liegt in der Vergangenheit.",
	},
	"offer.date_too_far": {
		"fr": "La date est trop lointaine.",
		"nl": "De datum ligt te ver in de toekomst.",
		"en": "The date is too far ahead.",
		"de": "Das Datum liegt zu weit in der Zukunft.",
	},
	"offer.bad_frequency": {
		"fr": "Choisissez des échéances hebdomadaires ou mensuelles.",
		"nl": "Kies wekelijkse of maandelijkse termijnen.",
		"en": "Choose weekly or monthly instalments.",
		"de": "Wählen Sie wöchentliche oder monatliche Raten.",
	},
	"offer.bad_method": {
		"fr": "Choisissez la carte ou le virement.",
		"nl": "Kies kaart of overschrijving.",
		"en": "Choose card or bank transfer.",
		"de": "Wählen Sie Karte oder Überweisung.",
	},
	"offer.note_too_long": {
		"fr": "Le commentaire est trop long.",
		"nl": "De opmerking is te lang.",
		"en": "The note is too long.",
		"de": "Die Bemerkung ist zu lang.",
	},
	"offer.down_payment_negative": {
		"fr": "L'acompte ne peut pas être négatif.",
		"nl": "De voorschotbetaling kan niet negatief zijn.",
		"en": "The down payment cannot be negative.",
		"de": "Die Anzahlung darf nicht negativ sein.",
	},
	"offer.exceeds_balance": {
		"fr": "La proposition dépasse le solde dû : moins d'échéances suffisent.",
		"nl": "Het voorstel is hoger dan het verschuldigde saldo: minder termijnen volstaan.",
		"en": "The offer is more than the balance due: fewer instalments are enough.",
		"de": "Das Angebot übersteigt den geschuldeten Betrag: weniger Raten genügen.",
	},
	"offer.nothing_owed": {
		"fr": "Il ne reste rien à payer sur ce dossier.",
		"nl": "Er blijft niets te betalen in dit dossier.",
		"en": "Nothing is left to pay on this claim.",
		"de": "Auf diese Forderung ist nichts mehr zu zahlen.",
	},
	"offer.bad_phone": {
		"fr": "Numéro de téléphone au format international, par exemple +32470123456.",
		"nl": "Telefoonnummer in internationaal formaat, bijvoorbeeld +32470123456.",
		"en": "Phone number in international format, for example +32470123456.",
		"de": "Telefonnummer im internationalen Format, zum Beispiel +32470123456.",
	},
	"offer.unknown_kind": {
		"fr": "Type de proposition inconnu.",
		"nl": "Onbekend soort voorstel.",
		"en": "Unknown kind of offer.",
		"de": "Unbekannte Art von Angebot.",
	},
}

// chatText returns the message for a reason key (preferred) or an error
// code in lang, falling back to English, then to the internal-error text.
func chatText(lang, code, reason string) string {
	for _, k := range []string{reason, code} {
		if t, ok := chatTexts[k]; ok {
			if s, ok := t[lang]; ok {
				return s
			}
			return t["en"]
		}
	}
	return chatTexts["internal"][lang]
}
