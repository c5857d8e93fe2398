package evidence

import "github.com/relais/relais/portal"

// The court's words for promises to pay (issue 20), beside the other
// kinds' in dossier_text.go.
func init() {
	for lang, words := range map[string]map[portal.EventKind]string{
		"fr": {portal.EventPromiseRecorded: "Promesse de paiement enregistrée", portal.EventPromiseKept: "Promesse de paiement tenue",
			portal.EventPromisePartlyKept: "Promesse de paiement tenue en partie", portal.EventPromiseBroken: "Promesse de paiement non tenue"},
		"nl": {portal.EventPromiseRecorded: "Betalingsbelofte geregistreerd", portal.EventPromiseKept: "Betalingsbelofte nagekomen",
			portal.EventPromisePartlyKept: "Betalingsbelofte gedeeltelijk nagekomen", portal.EventPromiseBroken: "Betalingsbelofte niet nagekomen"},
	} {
		for k, s := range words {
			kindTitles[lang][k] = s
		}
	}
}
