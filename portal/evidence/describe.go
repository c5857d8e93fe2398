package evidence

import (
	"strings"

	"github.com/relais/relais/portal"
)

// DescribeEvent gives one event in the dossier's words, in lang (a
// dossier language: "fr" or "nl"; French otherwise): its title, its time
// in the court's zone, and its text. The court documents (portal/court)
// cite events with it, so that the list of exhibits and the dossier say
// the same thing of the same event.
func DescribeEvent(lang string, c *portal.Claim, e *portal.Event) (title, when, text string) {
	m, ok := dossierMsgs[lang]
	if !ok {
		lang, m = "fr", dossierMsgs["fr"]
	}
	w := &dossierWords{lang: lang, m: m, c: c, zone: CourtZone(c),
		users: map[string]string{}, invoices: map[string]string{}, files: map[string]string{}}
	for _, inv := range c.Invoices {
		w.invoices[inv.ID] = inv.Number
	}
	return w.title(e.Kind), w.when(e.At), strings.TrimSpace(w.describe(e))
}

// RuleBasis is a computation rule's legal reference (package rules) in a
// dossier language, as the dossier prints it.
func RuleBasis(lang, key string) string { return basis(lang, key) }

// RuleText is a computation rule explained in lang, as the portal and the
// dossier explain it ("" when there is no text in that language).
func RuleText(lang, key string) string { return ruleText(lang, key) }
