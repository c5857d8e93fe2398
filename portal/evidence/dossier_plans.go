package evidence

import "github.com/relais/relais/portal"

// The court's words for the plans the debtor manages (issue 20), beside
// the other kinds' in dossier_text.go.
func init() {
	for lang, titles := range map[string]map[portal.EventKind]string{
		"fr": {portal.EventPlanCompleted: "Plan de paiement terminé", portal.EventPlanMethodChanged: "Mode de paiement du plan changé par le débiteur",
			portal.EventHardshipRequested: "Nouveau plan demandé par le débiteur après une difficulté"},
		"nl": {portal.EventPlanCompleted: "Afbetalingsplan afgerond", portal.EventPlanMethodChanged: "Betaalwijze van het plan gewijzigd door de schuldenaar",
			portal.EventHardshipRequested: "Nieuw plan gevraagd door de schuldenaar na moeilijkheden"},
	} {
		for k, s := range titles {
			kindTitles[lang][k] = s
		}
	}
	for lang, kinds := range map[string]map[string]string{
		"fr": {portal.HardshipIncomeLoss: "perte de revenus", portal.HardshipIllness: "maladie ou accident", portal.HardshipFamily: "changement familial",
			portal.HardshipOther: "autre difficulté"},
		"nl": {portal.HardshipIncomeLoss: "verlies van inkomen", portal.HardshipIllness: "ziekte of ongeval", portal.HardshipFamily: "verandering in het gezin",
			portal.HardshipOther: "andere moeilijkheden"},
	} {
		words[lang]["reason_kind"] = kinds
	}
}
