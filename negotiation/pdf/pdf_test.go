package pdf_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/negotiation/pdf"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/pdffont/pdftest"
)

func input(lang string, ack bool) pdf.Input {
	o := negotiation.Offer{Kind: negotiation.KindPlan, Count: 3, Amount: 33334, FirstDate: portal.MustDate("2024-07-15"), Frequency: negotiation.Monthly, Method: negotiation.MethodCard}
	s := negotiation.ScheduleFor(o, 100000)
	s.Currency = "EUR"
	return pdf.Input{
		Agreement: &negotiation.Agreement{ID: "01j1m9cm80apnfewz5j14rnpky", Balance: 100000, Schedule: s},
		Claim: &portal.Claim{Reference: "R-1", Currency: "EUR", Jurisdiction: portal.JurisdictionFR,
			Creditor: &portal.Creditor{LegalName: "Société Générale d'Électricité", Address: "3 rue des Lilas, 69003 Lyon",
				IBAN: "FR7630006000011234567890189", BIC: "AGRIFRPP", Email: "recouvrement@sge.example", Phone: "+33 4 72 00 00 00"},
			Debtor: &portal.Debtor{Name: "Müller & Söhne", Kind: portal.DebtorBusiness}},
		Terms: o, Language: lang, SignedAt: time.Date(2024, 6, 30, 10, 0, 0, 0, time.UTC), Acknowledged: ack,
		PaymentReference: "RF18 5390 0754 7034",
	}
}

func render(t *testing.T, in pdf.Input) []byte {
	t.Helper()
	b, err := pdf.Render(in)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRender(t *testing.T) {
	a := render(t, input("fr", true))
	b := render(t, input("fr", true))
	if !bytes.HasPrefix(a, []byte("%PDF-")) || !bytes.Equal(a, b) {
		t.Fatal("not a PDF, or not deterministic (its SHA-256 must identify it)")
	}
	body := strings.ReplaceAll(strings.Join(strings.Fields(pdftest.Strings(a)), " "), "\u00a0", " ")
	// Amounts and dates as a French reader writes them; the acknowledgement
	// cites article 2240; the time is Paris time (UTC+2 in summer).
	for _, want := range []string{"Reconnaissance de dette", "article 2240", "333,32 €", "15 septembre 2024", "Société", "Müller",
		"30 juin 2024 à 12:00 (UTC+02:00)"} {
		if !strings.Contains(body, want) {
			t.Errorf("PDF text lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(pdftest.Strings(render(t, input("fr", false))), "Reconnaissance de dette") {
		t.Error("acknowledgement printed without being given")
	}
	if !strings.Contains(pdftest.Strings(render(t, input("de", true))), "Schuldanerkenntnis") {
		t.Error("German PDF not in German")
	}
}

// The agreement names the law of the claim's jurisdiction (issue 24.15): a
// Belgian consumer's cites the old Belgian Civil Code (1244, 2248) and Book
// XIX, never the French Code civil; a French claim cites 1343-5 and 2240.
func TestRenderLaw(t *testing.T) {
	for _, tt := range []struct {
		name         string
		j            portal.Jurisdiction
		kind         portal.DebtorKind
		lang         string
		want, absent []string
	}{
		{"BE consumer fr", portal.JurisdictionBE, portal.DebtorConsumer, "fr",
			[]string{"droit belge", "ancien Code civil, article 1244", "ancien Code civil, article 2248", "livre XIX du Code de droit économique"},
			[]string{"article 2240", "1343-5", "droit français"}},
		{"BE consumer nl", portal.JurisdictionBE, portal.DebtorConsumer, "nl",
			[]string{"Belgische recht", "oud Burgerlijk Wetboek, artikel 1244", "oud Burgerlijk Wetboek, artikel 2248", "boek XIX van het Wetboek van economisch recht"},
			[]string{"2240", "1343-5"}},
		{"BE business en", portal.JurisdictionBE, portal.DebtorBusiness, "en",
			[]string{"Belgian law", "former Belgian Civil Code, article 1244", "former Belgian Civil Code, article 2248"},
			[]string{"2240", "1343-5", "Book XIX"}},
		{"BE consumer de", portal.JurisdictionBE, portal.DebtorConsumer, "de",
			[]string{"belgischem Recht", "Zivilgesetzbuch, Artikel 1244", "Zivilgesetzbuch, Artikel 2248", "Buch XIX"},
			[]string{"2240", "1343-5"}},
		{"FR consumer fr", portal.JurisdictionFR, portal.DebtorConsumer, "fr",
			[]string{"droit français", "Code civil, article 1343-5", "Code civil, article 2240"},
			[]string{"1244", "2248", "livre XIX"}},
		{"FR business en", portal.JurisdictionFR, portal.DebtorBusiness, "en",
			[]string{"French law", "French Code civil, article 1343-5", "French Code civil, article 2240"},
			[]string{"1244", "2248"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := input(tt.lang, true)
			in.Claim.Jurisdiction, in.Claim.Debtor.Kind = tt.j, tt.kind
			txt := pdftest.Joined(t, render(t, in))
			for _, w := range tt.want {
				if !strings.Contains(txt, w) {
					t.Errorf("lacks %q:\n%s", w, txt)
				}
			}
			for _, w := range tt.absent {
				if strings.Contains(txt, w) {
					t.Errorf("cites %q, the law of another jurisdiction:\n%s", w, txt)
				}
			}
		})
	}
}

// The agreement says how to pay (beneficiary, IBAN, BIC, the reference to
// quote), whom to contact, and what a missed payment does, with the
// creditor's thresholds (issue 24.15).
func TestRenderPaymentDetails(t *testing.T) {
	for _, tt := range []struct {
		lang   string
		method negotiation.Method
		want   []string
	}{
		{"fr", negotiation.MethodTransfer, []string{"Bénéficiaire Société Générale d'Électricité", "IBAN FR76 3000 6000 0112 3456 7890 189", "BIC AGRIFRPP",
			"Référence à indiquer RF18 5390 0754 7034", "recouvrement@sge.example · +33 4 72 00 00 00",
			"non payée 5 jours après sa date", "Après 3 échéances manquées", "plus de 20 jours", "l'accord prend fin",
			"la renonciation aux intérêts de retard cesse"}},
		{"en", negotiation.MethodCard, []string{"Beneficiary Société Générale d'Électricité", "IBAN FR76 3000 6000 0112 3456 7890 189", "BIC AGRIFRPP",
			"Reference to quote RF18 5390 0754 7034", "Creditor's contact recouvrement@sge.example", "charged to your card",
			"not paid 5 days after its due date counts as missed", "After 3 missed instalments", "more than 20 days", "the agreement ends",
			"A declined card charge is presented again 5 days later (at most 2 attempts)"}},
		{"nl", negotiation.MethodTransfer, []string{"Begunstigde", "IBAN FR76", "Te vermelden mededeling RF18 5390 0754 7034", "Na 3 gemiste termijnen"}},
		{"fr", negotiation.MethodSEPADebit, []string{"Mode de paiement prélèvement SEPA", "mandat de prélèvement SEPA", "au moins 14 jours à l'avance",
			"quatre derniers chiffres de votre IBAN", "nouvelle pré-notification, 2 tentatives au plus", "IBAN FR76 3000 6000 0112 3456 7890 189"}},
		{"de", negotiation.MethodSEPADebit, []string{"SEPA-Lastschrift", "mindestens 14 Tage vorher"}},
		{"de", negotiation.MethodTransfer, []string{"Empfänger", "IBAN FR76", "Anzugebende Referenz RF18 5390 0754 7034", "Nach 3 versäumten Raten"}},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			in := input(tt.lang, true)
			in.Agreement.Schedule.Method, in.Terms.Method = tt.method, tt.method
			in.Plan = portal.PlanPolicy{RetryAfterDays: 5, MaxMissed: 3, MaxDaysLate: 20}
			txt := pdftest.Joined(t, render(t, in))
			for _, w := range tt.want {
				if !strings.Contains(txt, w) {
					t.Errorf("lacks %q:\n%s", w, txt)
				}
			}
		})
	}
	// Without the payment reference, the claim's own is given, never none.
	in := input("en", false)
	in.PaymentReference = ""
	if txt := pdftest.Joined(t, render(t, in)); !strings.Contains(txt, "Reference to quote R-1") {
		t.Errorf("no reference:\n%s", txt)
	}
}

// Names in any script read back as written, and no text runs over another
// in any language (issue 24.14: the English and German labels ran over
// the amount).
func TestRenderScriptsNoOverlap(t *testing.T) {
	for _, lang := range []string{"fr", "nl", "en", "de"} {
		for _, j := range []portal.Jurisdiction{portal.JurisdictionFR, portal.JurisdictionBE} {
			in := input(lang, true)
			in.Claim.Jurisdiction = j
			in.Claim.Debtor.Name = "سارة محمد"
			in.Claim.Debtor.Address = "Οδός Ερμού 12, Αθήνα"
			in.Claim.Creditor.LegalName = "Piekarnia Łódź Sp. z o.o. 😀"
			in.Claim.Reference = "DOS-2024-0042-RECOUVREMENT-AMIABLE-TRES-LONG-000000000000000000001"
			doc := render(t, in)
			pdftest.NoOverlap(t, doc)
			txt := pdftest.Joined(t, doc)
			for _, w := range []string{"سارة محمد", "Οδός Ερμού 12, Αθήνα", "Piekarnia Łódź Sp. z o.o. \uFFFD"} {
				if !strings.Contains(txt, w) {
					t.Errorf("%s %s: lacks %q:\n%s", lang, j, w, txt)
				}
			}
		}
	}
}

// TestRenderMandate (issue 20): the mandate annex of a signed agreement
// states the mandate's reference, its date, the last four digits of the
// IBAN debited, how it was given and accepted, in the debtor's language;
// the same input gives the same bytes.
func TestRenderMandate(t *testing.T) {
	in := input("fr", false)
	signed := time.Date(2024, 6, 30, 10, 0, 0, 0, time.UTC)
	in.Agreement.SignedAt = &signed
	m := &portal.Mandate{ProviderID: "mandate_1Abc", Reference: "RLS-7Q2M9X", Via: portal.MandateViaBancontact, Status: portal.MandateActive,
		IBANLast4: "3000", Country: "BE", AcceptedAt: time.Date(2024, 6, 30, 10, 5, 0, 0, time.UTC), Acceptance: `{"type":"online","online":{"ip_address":"203.0.113.7"}}`}
	for _, tt := range []struct {
		lang string
		want []string
	}{
		{"fr", []string{"Annexe à l'accord de paiement : mandat de prélèvement SEPA", "RLS-7Q2M9X", "IBAN **** 3000 · BE", "paiement Bancontact",
			"30 juin 2024 à 12:05", "en ligne", "actif", "mandate_1Abc", "01j1m9cm80apnfewz5j14rnpky"}},
		{"nl", []string{"SEPA-domiciliëringsmandaat", "RLS-7Q2M9X", "IBAN **** 3000", "Bancontact-betaling", "actief"}},
		{"en", []string{"SEPA Direct Debit mandate", "Mandate reference", "IBAN **** 3000", "a Bancontact payment"}},
		{"de", []string{"SEPA-Lastschriftmandat", "Mandatsreferenz", "IBAN **** 3000", "aktiv"}},
	} {
		a, err := pdf.RenderMandate(pdf.MandateInput{Agreement: in.Agreement, Claim: in.Claim, Mandate: m, Language: tt.lang, Zone: time.FixedZone("CEST", 2*3600)})
		if err != nil {
			t.Fatal(err)
		}
		txt := pdftest.Joined(t, a)
		for _, w := range tt.want {
			if !strings.Contains(txt, w) {
				t.Errorf("%s: annex lacks %q", tt.lang, w)
			}
		}
		if strings.Contains(txt, "203.0.113.7") {
			t.Errorf("%s: the annex shows the debtor's address", tt.lang)
		}
		b, _ := pdf.RenderMandate(pdf.MandateInput{Agreement: in.Agreement, Claim: in.Claim, Mandate: m, Language: tt.lang, Zone: time.FixedZone("CEST", 2*3600)})
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two renderings differ", tt.lang)
		}
	}
	if _, err := pdf.RenderMandate(pdf.MandateInput{Agreement: in.Agreement, Claim: in.Claim}); err == nil {
		t.Error("an annex without a mandate")
	}
}
