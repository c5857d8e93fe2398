package evidence

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/relais/relais/portal"
)

// MandateSource is what a Builder's Source may also implement (store.DB
// does) for the dossier to list the SEPA Direct Debit mandates of a claim
// (issue 20) beside the debits made under them; without it the dossier
// shows the mandate events only.
type MandateSource interface {
	ClaimMandates(ctx context.Context, tenantID, claimID string) ([]*portal.Mandate, error)
}

func init() {
	for lang, msgs := range map[string]map[string]string{
		"fr": {"mandates": "Mandats de prélèvement SEPA", "m.reference": "Référence du mandat", "m.accepted": "Donné le",
			"m.account": "Compte prélevé", "m.via": "Donné par", "m.acceptance": "Acceptation", "m.status": "Statut",
			"m.annex": "Annexe", "m.noannex": "aucune (pas d'accord signé prélevé par SEPA)", "m.provider": "Identifiant Stripe",
			"m.online": "en ligne, sur la page sécurisée de Stripe", "m.offline": "hors ligne",
			"att.mandate": "annexe à l'accord de paiement : mandat de prélèvement SEPA",
			"m.st.active": "actif", "m.st.pending": "en attente", "m.st.inactive": "inactif (révoqué ou expiré)"},
		"nl": {"mandates": "SEPA-domiciliëringsmandaten", "m.reference": "Referentie van het mandaat", "m.accepted": "Gegeven op",
			"m.account": "Gedebiteerde rekening", "m.via": "Gegeven via", "m.acceptance": "Aanvaarding", "m.status": "Status",
			"m.annex": "Bijlage", "m.noannex": "geen (geen ondertekende overeenkomst gedebiteerd via SEPA)", "m.provider": "Stripe-kenmerk",
			"m.online": "online, op de beveiligde pagina van Stripe", "m.offline": "offline",
			"att.mandate": "bijlage bij de betalingsovereenkomst: SEPA-domiciliëringsmandaat",
			"m.st.active": "actief", "m.st.pending": "in behandeling", "m.st.inactive": "inactief (herroepen of verlopen)"},
	} {
		for k, s := range msgs {
			dossierMsgs[lang][k] = s
		}
	}
}

// mandates lists the claim's mandates, oldest first, as the provider
// recorded them: reference, date, the last four digits of the IBAN, how it
// was given and accepted (never the IP address or the browser: the annex's
// rule), status, and the annexes in the bundle that state it.
func (d *pdfDoc) mandates(ms []*portal.Mandate, atts []portal.Attachment) {
	w := d.dossierWords
	var annexes []string
	for _, a := range atts {
		if isMandateAnnex(a.Name) {
			annexes = append(annexes, "attachments/"+a.Name)
		}
	}
	d.h2(w.t("mandates"))
	annexed := portal.AnnexMandate(ms)
	for i := len(ms) - 1; i >= 0; i-- {
		m := ms[i]
		d.kv(w.t("m.reference"), dash(m.Reference))
		d.kv(w.t("m.accepted"), w.when(m.AcceptedAt))
		d.kv(w.t("m.account"), strings.TrimSpace("IBAN **** "+m.IBANLast4+" "+m.Country))
		d.kv(w.t("m.via"), w.word("via", m.Via))
		var acc struct {
			Type string `json:"type"`
		}
		if json.Unmarshal([]byte(m.Acceptance), &acc) == nil && acc.Type != "" {
			kind := acc.Type
			if acc.Type == "online" || acc.Type == "offline" {
				kind = w.t("m." + acc.Type)
			}
			d.kv(w.t("m.acceptance"), kind)
		}
		d.kv(w.t("m.status"), w.t("m.st."+m.Status))
		d.kv(w.t("m.provider"), m.ProviderID)
		if m == annexed {
			if len(annexes) == 0 {
				d.kv(w.t("m.annex"), w.t("m.noannex"))
			} else {
				d.kv(w.t("m.annex"), strings.Join(annexes, "\n"))
			}
		}
		d.Ln(2)
	}
}

func isMandateAnnex(name string) bool {
	return strings.HasPrefix(name, "agreements/") && strings.HasSuffix(name, "-mandate.pdf")
}
