package pdf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/letters"
	"github.com/relais/relais/portal/pdffont"
)

// MandateInput is what the mandate annex of a signed agreement states.
type MandateInput struct {
	Agreement *negotiation.Agreement // signed
	Claim     *portal.Claim          // with Creditor and Debtor
	Mandate   *portal.Mandate
	Language  string
	Zone      *time.Location
}

// mandateTexts are the annex's words in one language.
type mandateTexts struct {
	title, intro, agreement, signed, mandate, acceptedAt, account, via, viaIBAN, viaBancontact, status, acceptance, online, offline, provider string
	statuses                                                                                                                                  map[string]string
}

var mandateCatalogue = map[string]mandateTexts{
	"fr": {title: "Annexe à l'accord de paiement : mandat de prélèvement SEPA",
		intro:     "Cette annexe rapporte le mandat de prélèvement SEPA au titre duquel les échéances de l'accord ci-dessous sont prélevées. Le mandat a été donné sur la page sécurisée du prestataire de paiement, Stripe, après l'acceptation de l'accord, qui reste inchangé ; les données ci-dessous sont celles que Stripe a enregistrées.",
		agreement: "Référence de l'accord", signed: "Accord accepté le", mandate: "Référence du mandat", acceptedAt: "Mandat donné le",
		account: "Compte prélevé", via: "Donné par", viaIBAN: "IBAN saisi sur la page de Stripe", viaBancontact: "paiement Bancontact",
		status: "Statut du mandat", acceptance: "Acceptation", online: "en ligne", offline: "hors ligne", provider: "Identifiant Stripe du mandat",
		statuses: map[string]string{portal.MandateActive: "actif", portal.MandatePending: "en attente", portal.MandateInactive: "inactif (révoqué ou expiré)"}},
	"nl": {title: "Bijlage bij de betalingsovereenkomst: SEPA-domiciliëringsmandaat",
		intro:     "Deze bijlage vermeldt het SEPA-domiciliëringsmandaat op grond waarvan de termijnen van de overeenkomst hieronder worden gedebiteerd. Het mandaat werd gegeven op de beveiligde pagina van de betaaldienstverlener, Stripe, na de aanvaarding van de overeenkomst, die ongewijzigd blijft; de gegevens hieronder zijn die welke Stripe heeft geregistreerd.",
		agreement: "Referentie van de overeenkomst", signed: "Overeenkomst aanvaard op", mandate: "Referentie van het mandaat", acceptedAt: "Mandaat gegeven op",
		account: "Gedebiteerde rekening", via: "Gegeven via", viaIBAN: "IBAN ingevoerd op de pagina van Stripe", viaBancontact: "Bancontact-betaling",
		status: "Status van het mandaat", acceptance: "Aanvaarding", online: "online", offline: "offline", provider: "Stripe-kenmerk van het mandaat",
		statuses: map[string]string{portal.MandateActive: "actief", portal.MandatePending: "in behandeling", portal.MandateInactive: "inactief (herroepen of verlopen)"}},
	"en": {title: "Annex to the payment agreement: SEPA Direct Debit mandate",
		intro:     "This annex records the SEPA Direct Debit mandate under which the instalments of the agreement below are debited. The mandate was given on the secure page of the payment provider, Stripe, after the agreement was accepted, which stays as it is; the data below are those Stripe recorded.",
		agreement: "Agreement reference", signed: "Agreement accepted on", mandate: "Mandate reference", acceptedAt: "Mandate given on",
		account: "Account debited", via: "Given through", viaIBAN: "IBAN typed on Stripe's page", viaBancontact: "a Bancontact payment",
		status: "Mandate status", acceptance: "Acceptance", online: "online", offline: "offline", provider: "Stripe mandate id",
		statuses: map[string]string{portal.MandateActive: "active", portal.MandatePending: "pending", portal.MandateInactive: "inactive (revoked or expired)"}},
	"de": {title: "Anlage zur Zahlungsvereinbarung: SEPA-Lastschriftmandat",
		intro:     "Diese Anlage hält das SEPA-Lastschriftmandat fest, aufgrund dessen die Raten der unten genannten Vereinbarung eingezogen werden. Das Mandat wurde nach der Annahme der Vereinbarung, die unverändert bleibt, auf der sicheren Seite des Zahlungsdienstleisters Stripe erteilt; die folgenden Angaben sind die von Stripe gespeicherten.",
		agreement: "Referenz der Vereinbarung", signed: "Vereinbarung angenommen am", mandate: "Mandatsreferenz", acceptedAt: "Mandat erteilt am",
		account: "Belastetes Konto", via: "Erteilt über", viaIBAN: "auf der Seite von Stripe eingegebene IBAN", viaBancontact: "eine Bancontact-Zahlung",
		status: "Status des Mandats", acceptance: "Annahme", online: "online", offline: "offline", provider: "Stripe-Kennung des Mandats",
		statuses: map[string]string{portal.MandateActive: "aktiv", portal.MandatePending: "ausstehend", portal.MandateInactive: "inaktiv (widerrufen oder abgelaufen)"}},
}

// RenderMandate returns the mandate annex of a signed agreement: the
// mandate's reference, date, the last four digits of the IBAN debited and
// how it was accepted, as the provider recorded them. The signed
// agreement's own PDF is never rewritten (its hash is evidence): the annex
// goes beside it. The same input gives the same bytes.
func RenderMandate(in MandateInput) ([]byte, error) {
	lang := in.Language
	t, ok := mandateCatalogue[lang]
	if !ok {
		lang, t = "en", mandateCatalogue["en"]
	}
	a, c, m := in.Agreement, in.Claim, in.Mandate
	if a == nil || c == nil || m == nil || c.Creditor == nil || c.Debtor == nil {
		return nil, fmt.Errorf("mandate annex: agreement, mandate and claim with creditor and debtor are required")
	}
	zone := in.Zone
	if zone == nil {
		zone = portal.Zone()
	}
	when := func(at time.Time) string {
		at = at.In(zone)
		return fmt.Sprintf(catalogue[lang].at, letters.FormatDate(lang, portal.DateOf(at)), at.Format("15:04")+" (UTC"+at.Format("-07:00")+")")
	}
	f, d := newDocument(m.AcceptedAt, t.title, c.Reference, a.ID)
	d.AddPage()
	d.Font("B", 16)
	d.MultiCell(0, 8, d.Str(t.title), "", "L", false)
	d.Ln(4)
	d.Font("", 10)
	d.MultiCell(0, 5, d.Str(t.intro), "", "L", false)
	d.Ln(4)
	line := func(label, value string) {
		d.Row([]pdffont.Cell{{W: labelW, Text: label, Style: "B"}, {W: width - labelW, Text: value}}, 10, 5.5, "", false)
		d.Ln(0.8)
	}
	ct := catalogue[lang]
	line(ct.creditor, c.Creditor.LegalName)
	line(ct.debtor, c.Debtor.Name)
	line(ct.claim, c.Reference)
	line(t.agreement, a.ID)
	if a.SignedAt != nil {
		line(t.signed, when(*a.SignedAt))
	}
	d.Ln(3)
	line(t.mandate, m.Reference)
	line(t.acceptedAt, when(m.AcceptedAt))
	line(t.account, "IBAN **** "+m.IBANLast4+nonEmpty(" · ", m.Country))
	via := t.viaIBAN
	if m.Via == portal.MandateViaBancontact {
		via = t.viaBancontact
	}
	line(t.via, via)
	var acc struct {
		Type string `json:"type"`
	}
	if json.Unmarshal([]byte(m.Acceptance), &acc) == nil && acc.Type != "" {
		kind := acc.Type
		switch acc.Type {
		case "online":
			kind = t.online
		case "offline":
			kind = t.offline
		}
		line(t.acceptance, kind)
	}
	status := t.statuses[m.Status]
	if status == "" {
		status = m.Status
	}
	line(t.status, status)
	line(t.provider, m.ProviderID)
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, fmt.Errorf("mandate annex: %w", err)
	}
	return buf.Bytes(), nil
}
